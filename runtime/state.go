package runtime

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/moltworker/molt/internal/unixrpc"
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

// stateStores shares one open store per file within the process: a reload builds the new
// version of a worker while the old one still serves, bbolt admits one opener per file, and
// what a store keeps in memory (Vectorize graphs) should survive the reload. A store a worker
// uses is also served on a Unix socket beside its file, so that molt kv and molt vectorize
// reach it while molt dev runs.
type stateStores[S any] struct {
	// what names the binding in logs.
	what  string
	open  func(path string) (S, error)
	close func(S) error
	serve func(S) http.Handler

	mu sync.Mutex
	m  map[string]*stateStore[S]
}

type stateStore[S any] struct {
	store S
	refs  int
	// unserve stops serving the store on its socket; nil when it is not served.
	unserve func()
}

// acquire opens the store at path, or shares the one this process has open; with serve set it
// is also served on socket until the last release.
func (r *stateStores[S]) acquire(path, socket string, serve bool) (S, func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.m[path]
	if s == nil {
		store, err := r.open(path)
		if err != nil {
			return store, nil, err
		}
		s = &stateStore[S]{store: store}
		if r.m == nil {
			r.m = map[string]*stateStore[S]{}
		}
		r.m[path] = s
	}
	if serve && s.unserve == nil {
		unserve, err := unixrpc.Serve(socket, r.serve(s.store))
		if err != nil {
			slog.Warn(fmt.Sprintf("molt %s will not reach this process's data while it runs", r.what), "error", err)
		}
		s.unserve = unserve
	}
	s.refs++
	var once sync.Once
	return s.store, func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if s.refs--; s.refs > 0 {
				return
			}
			delete(r.m, path)
			if s.unserve != nil {
				s.unserve()
			}
			if err := r.close(s.store); err != nil {
				slog.Error(r.what+": closing the store failed", "path", path, "error", err)
			}
		})
	}, nil
}

// served reports whether another process serves a state store on socket.
func served(socket string) bool {
	_, err := os.Stat(socket)
	return err == nil
}
