package runtime

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/moltworker/molt/bindings/kv"
	"github.com/moltworker/molt/runtime/config"
)

// KVPath is the file holding every KV namespace of a state directory.
func KVPath(stateDir string) string { return filepath.Join(stateDir, "kv", "kv.db") }

// KVSocket is the Unix socket on which the molt dev process that holds a state directory's KV
// store serves it, so that molt kv (or a second molt dev) can use the data while it runs:
// bbolt admits one opener per file.
func KVSocket(stateDir string) string { return filepath.Join(stateDir, "kv", "kv.sock") }

// kvStores holds the KV stores this process has open.
var kvStores = &stateStores[*kv.BoltStore]{
	what:  "kv",
	open:  func(path string) (*kv.BoltStore, error) { return kv.OpenBolt(path, kv.BoltOptions{}) },
	close: (*kv.BoltStore).Close,
	serve: func(s *kv.BoltStore) http.Handler { return kv.Handler(s) },
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
	store, release, err := kvStores.acquire(KVPath(stateDir), KVSocket(stateDir), serve)
	if errors.Is(err, kv.ErrLocked) && served(KVSocket(stateDir)) {
		r := kv.DialRemote(KVSocket(stateDir))
		return r, func() { r.Close() }, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return store, release, nil
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
