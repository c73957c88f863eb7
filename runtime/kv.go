package runtime

import (
	"fmt"
	"path/filepath"
	"sync"

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

// kvStores shares one open store per file between the versions of a worker: a reload builds
// the new version while the old one still serves, and bbolt allows one opener per file.
var kvStores = struct {
	sync.Mutex
	m map[string]*sharedKV
}{m: map[string]*sharedKV{}}

type sharedKV struct {
	store *kv.BoltStore
	refs  int
}

// OpenKV opens the KV store of a state directory, or shares the one this process has open.
// The caller must call release once done with it.
func OpenKV(stateDir string) (store kv.Store, release func(), err error) {
	path := KVPath(stateDir)
	kvStores.Lock()
	defer kvStores.Unlock()
	s := kvStores.m[path]
	if s == nil {
		bs, err := kv.OpenBolt(path, kv.BoltOptions{})
		if err != nil {
			return nil, nil, err
		}
		s = &sharedKV{store: bs}
		kvStores.m[path] = s
	}
	s.refs++
	var once sync.Once
	return s.store, func() {
		once.Do(func() {
			kvStores.Lock()
			defer kvStores.Unlock()
			if s.refs--; s.refs == 0 {
				delete(kvStores.m, path)
				s.store.Close()
			}
		})
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
	store, release, err := OpenKV(dir)
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
