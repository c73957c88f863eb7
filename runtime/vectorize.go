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

	"github.com/moltworker/molt/bindings/vectorize"
	"github.com/moltworker/molt/runtime/config"
)

// VectorizePath is the file holding every Vectorize index of a state directory.
func VectorizePath(stateDir string) string {
	return filepath.Join(stateDir, "vectorize", "vectorize.db")
}

// VectorizeSocket is the Unix socket on which the molt dev process that holds a state
// directory's Vectorize store serves it, so that molt vectorize can use the indexes while it
// runs, as KVSocket does for KV.
func VectorizeSocket(stateDir string) string {
	return filepath.Join(stateDir, "vectorize", "vectorize.sock")
}

// vectorizeStores shares one open store per file, as kvStores does: a reload builds the new
// version while the old one serves, and the indexes loaded in memory should survive it.
var vectorizeStores = struct {
	sync.Mutex
	m map[string]*sharedVectorize
}{m: map[string]*sharedVectorize{}}

type sharedVectorize struct {
	store *vectorize.Store
	refs  int
	// unserve stops serving the store on its socket; nil when it is not served.
	unserve func()
}

// OpenVectorize opens the Vectorize store of a state directory, or shares the one this process
// has open. The caller must call release once done with it; the last release writes the
// graphs and closes the file.
func OpenVectorize(stateDir string) (store *vectorize.Store, release func(), err error) {
	return openVectorize(stateDir, false)
}

// OpenVectorizeClient is OpenVectorize for commands: when another process holds the file and
// serves it (a running molt dev), the client reaches that process instead.
func OpenVectorizeClient(stateDir string) (vectorize.Client, func(), error) {
	s, release, err := openVectorize(stateDir, false)
	if errors.Is(err, vectorize.ErrLocked) {
		if _, serr := os.Stat(VectorizeSocket(stateDir)); serr == nil {
			r := vectorize.DialRemote(VectorizeSocket(stateDir))
			return r, r.Close, nil
		}
	}
	if err != nil {
		return nil, nil, err
	}
	return vectorize.Local(s), release, nil
}

// openVectorize is OpenVectorize; with serve set, the process also serves the store on
// VectorizeSocket for as long as it holds it open.
func openVectorize(stateDir string, serve bool) (*vectorize.Store, func(), error) {
	path := VectorizePath(stateDir)
	vectorizeStores.Lock()
	defer vectorizeStores.Unlock()
	s := vectorizeStores.m[path]
	if s == nil {
		vs, err := vectorize.Open(path, vectorize.Options{})
		if err != nil {
			return nil, nil, err
		}
		s = &sharedVectorize{store: vs}
		vectorizeStores.m[path] = s
	}
	if serve && s.unserve == nil {
		unserve, err := serveVectorize(s.store, VectorizeSocket(stateDir))
		if err != nil {
			slog.Warn("molt vectorize will not reach this process's indexes while it runs", "error", err)
		}
		s.unserve = unserve
	}
	s.refs++
	var once sync.Once
	return s.store, func() {
		once.Do(func() {
			vectorizeStores.Lock()
			defer vectorizeStores.Unlock()
			if s.refs--; s.refs == 0 {
				delete(vectorizeStores.m, path)
				if s.unserve != nil {
					s.unserve()
				}
				if err := s.store.Close(); err != nil {
					slog.Error("vectorize: closing the store failed", "path", path, "error", err)
				}
			}
		})
	}, nil
}

// serveVectorize serves store on a Unix socket at path, replacing a socket left by a process
// that died (it held the file lock this process now has, so it is gone).
func serveVectorize(store *vectorize.Store, path string) (stop func(), err error) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("vectorize: serve %s: %w", path, err)
	}
	srv := &http.Server{Handler: vectorize.Handler(vectorize.Local(store)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		srv.Close()
		os.Remove(path)
	}, nil
}

// vectorizeBindings adds the configuration's Vectorize indexes to env. An index that does not
// exist yet is created on its first insert (see vectorize.Binding.WithAutoCreate).
func vectorizeBindings(cfg *config.Config, persistTo string, env map[string]any) (release func(), err error) {
	if len(cfg.VectorizeIndexes) == 0 {
		return func() {}, nil
	}
	dir, err := StateDir(cfg.Dir, persistTo)
	if err != nil {
		return nil, err
	}
	store, release, err := openVectorize(dir, true)
	if err != nil {
		return nil, err
	}
	for _, ix := range cfg.VectorizeIndexes {
		env[ix.Binding] = vectorize.NewBinding(store, ix.IndexName).WithAutoCreate(slog.Default())
	}
	return release, nil
}
