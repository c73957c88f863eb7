package runtime

import (
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"

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

// vectorizeStores holds the Vectorize stores this process has open; the last release writes
// the graphs and closes the file.
var vectorizeStores = &stateStores[*vectorize.Store]{
	what:  "vectorize",
	open:  func(path string) (*vectorize.Store, error) { return vectorize.Open(path, vectorize.Options{}) },
	close: (*vectorize.Store).Close,
	serve: func(s *vectorize.Store) http.Handler { return vectorize.Handler(vectorize.Local(s)) },
}

// OpenVectorize opens the Vectorize store of a state directory, or shares the one this process
// has open. The caller must call release once done with it.
func OpenVectorize(stateDir string) (store *vectorize.Store, release func(), err error) {
	return openVectorize(stateDir, false)
}

// OpenVectorizeClient is OpenVectorize for commands: when another process holds the file and
// serves it (a running molt dev), the client reaches that process instead.
func OpenVectorizeClient(stateDir string) (vectorize.Client, func(), error) {
	s, release, err := openVectorize(stateDir, false)
	if errors.Is(err, vectorize.ErrLocked) && served(VectorizeSocket(stateDir)) {
		r := vectorize.DialRemote(VectorizeSocket(stateDir))
		return r, r.Close, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return vectorize.Local(s), release, nil
}

// openVectorize is OpenVectorize; with serve set, the process also serves the store on
// VectorizeSocket for as long as it holds it open.
func openVectorize(stateDir string, serve bool) (*vectorize.Store, func(), error) {
	return vectorizeStores.acquire(VectorizePath(stateDir), VectorizeSocket(stateDir), serve)
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
