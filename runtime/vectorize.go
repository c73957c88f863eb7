package runtime

import (
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/moltworker/molt/bindings/vectorize"
	"github.com/moltworker/molt/runtime/config"
)

// VectorizePath is the file holding every Vectorize index of a state directory.
func VectorizePath(stateDir string) string {
	return filepath.Join(stateDir, "vectorize", "vectorize.db")
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
}

// OpenVectorize opens the Vectorize store of a state directory, or shares the one this process
// has open. The caller must call release once done with it; the last release writes the
// graphs and closes the file.
func OpenVectorize(stateDir string) (store *vectorize.Store, release func(), err error) {
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
	s.refs++
	var once sync.Once
	return s.store, func() {
		once.Do(func() {
			vectorizeStores.Lock()
			defer vectorizeStores.Unlock()
			if s.refs--; s.refs == 0 {
				delete(vectorizeStores.m, path)
				if err := s.store.Close(); err != nil {
					slog.Error("vectorize: closing the store failed", "path", path, "error", err)
				}
			}
		})
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
	store, release, err := OpenVectorize(dir)
	if err != nil {
		return nil, err
	}
	for _, ix := range cfg.VectorizeIndexes {
		env[ix.Binding] = vectorize.NewBinding(store, ix.IndexName).WithAutoCreate(slog.Default())
	}
	return release, nil
}
