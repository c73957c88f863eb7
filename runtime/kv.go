package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moltworker/molt/bindings/kv"
	"github.com/moltworker/molt/runtime/config"
)

// DefaultStateDir is where a project keeps local binding state, relative to its directory, as
// wrangler keeps .wrangler/state.
const DefaultStateDir = ".molt/state"

// StateDir is the binding state directory of a project in dir: persistTo (--persist-to) when
// set, else DefaultStateDir in the project.
func StateDir(dir, persistTo string) (string, error) {
	if persistTo == "" {
		persistTo = filepath.Join(dir, DefaultStateDir)
	}
	abs, err := filepath.Abs(persistTo)
	if err != nil {
		return "", fmt.Errorf("state directory %s: %w", persistTo, err)
	}
	return abs, nil
}

// KVPath is the file holding every KV namespace of a state directory.
func KVPath(stateDir string) string { return filepath.Join(stateDir, "kv", "kv.db") }

// KVSocket is the Unix socket on which the molt dev process that holds a state directory's KV
// store serves it, so that molt kv (or a second molt dev) can use the data while it runs:
// bbolt admits one opener per file.
func KVSocket(stateDir string) string { return filepath.Join(stateDir, "kv", "kv.sock") }

// kvStores shares one open store per file between the versions of a worker: a reload builds
// the new version while the old one still serves, and bbolt allows one opener per file.
var kvStores = struct {
	sync.Mutex
	m map[string]*sharedKV
}{m: map[string]*sharedKV{}}

type sharedKV struct {
	store *kv.BoltStore
	refs  int
	// unserve stops serving the store on its socket; nil when it is not served.
	unserve func()
}

// OpenKV opens the KV store of a state directory, or shares the one this process has open.
// When another process holds the file and serves it (a running molt dev), the store reaches
// that process instead. The caller must call release once done with it.
func OpenKV(stateDir string) (store kv.Store, release func(), err error) {
	return openKV(stateDir, false)
}

// openKV is OpenKV; with serve set, the process also serves the store on KVSocket for as long
// as it holds it open.
func openKV(stateDir string, serve bool) (kv.Store, func(), error) {
	path := KVPath(stateDir)
	kvStores.Lock()
	defer kvStores.Unlock()
	s := kvStores.m[path]
	if s == nil {
		bs, err := kv.OpenBolt(path, kv.BoltOptions{})
		if errors.Is(err, kv.ErrLocked) {
			if _, serr := os.Stat(KVSocket(stateDir)); serr == nil {
				r := kv.DialRemote(KVSocket(stateDir))
				return r, func() { r.Close() }, nil
			}
		}
		if err != nil {
			return nil, nil, err
		}
		s = &sharedKV{store: bs}
		kvStores.m[path] = s
	}
	if serve && s.unserve == nil {
		unserve, err := serveKV(s.store, KVSocket(stateDir))
		if err != nil {
			slog.Warn("molt kv will not reach this process's KV data while it runs", "error", err)
		}
		s.unserve = unserve
	}
	s.refs++
	var once sync.Once
	return s.store, func() {
		once.Do(func() {
			kvStores.Lock()
			defer kvStores.Unlock()
			if s.refs--; s.refs == 0 {
				delete(kvStores.m, path)
				if s.unserve != nil {
					s.unserve()
				}
				s.store.Close()
			}
		})
	}, nil
}

// serveKV serves store on a Unix socket at path, replacing a socket left by a process that
// died (it held the file lock this process now has, so it is gone).
func serveKV(store kv.Store, path string) (stop func(), err error) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("kv: serve %s: %w", path, err)
	}
	srv := &http.Server{Handler: kv.Handler(store), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		srv.Close()
		os.Remove(path)
	}, nil
}

// kvBindings adds the configuration's KV namespaces to env. It opens the store only for a
// worker that has namespaces, so that other projects get no state directory.
func kvBindings(cfg *config.Config, persistTo string, env map[string]any) (release func(), err error) {
	if len(cfg.KVNamespaces) == 0 {
		return func() {}, nil
	}
	dir, err := StateDir(cfg.Dir, persistTo)
	if err != nil {
		return nil, err
	}
	store, release, err := openKV(dir, true)
	if err != nil {
		return nil, err
	}
	for _, ns := range cfg.KVNamespaces {
		env[ns.Binding] = kv.NewNamespace(store, ns.LocalID())
	}
	return release, nil
}

// ProjectConfig reads a project's configuration as Load does, for commands that act on its
// bindings without running it (molt kv).
func ProjectConfig(p Project) (*config.Config, error) { return loadConfig(p) }
