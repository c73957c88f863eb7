package js

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/moltworker/molt/runtime/bundle"
)

// benchWorker is one worker the benchmarks run, with the path the load test requests.
type benchWorker struct {
	name, path string
	cfg        func(b *testing.B) *Config
}

var benchWorkers = []benchWorker{
	{"hello", "/", benchConfig("hello")},
	{"hono", "/json", benchConfig("hono")},
}

var (
	benchMu      sync.Mutex
	benchConfigs = map[string]*Config{}
)

// benchConfig bundles examples/NAME as molt dev does, once per test binary. The examples are
// the ones bench/load.sh serves, so these figures explain the load test's.
func benchConfig(name string) func(b *testing.B) *Config {
	return func(b *testing.B) *Config {
		b.Helper()
		benchMu.Lock()
		defer benchMu.Unlock()
		if cfg := benchConfigs[name]; cfg != nil {
			return cfg
		}
		dir, err := filepath.Abs(filepath.Join("..", "..", "examples", name))
		if err != nil {
			b.Fatal(err)
		}
		res, err := bundle.Build(bundle.Options{Entry: filepath.Join(dir, "src", "index.js"), Dir: dir})
		if err != nil {
			b.Skipf("bundle examples/%s (npm ci there?): %v", name, err)
		}
		s, err := Compile(res.Name, res.Code, res.SourceMap)
		if err != nil {
			b.Fatal(err)
		}
		cfg := &Config{Script: s, CompatibilityDate: "2026-11-01"}
		benchConfigs[name] = cfg
		precompile()
		for _, l := range libraries {
			l.program()
		}
		return cfg
	}
}

// BenchmarkNewIsolate measures creating a fresh isolate: the global scope and the worker's
// top-level code, which the pool does before each request.
func BenchmarkNewIsolate(b *testing.B) {
	for _, w := range benchWorkers {
		b.Run(w.name, func(b *testing.B) {
			cfg := w.cfg(b)
			b.ReportAllocs()
			for b.Loop() {
				iso, err := NewIsolate(cfg)
				if err != nil {
					b.Fatal(err)
				}
				iso.Close()
			}
		})
	}
}

// BenchmarkServe measures one request the way the host runs it: a fresh isolate, the fetch
// handler, the response written out. Dispatch leaves isolate creation out of the timing.
func BenchmarkServe(b *testing.B) {
	for _, w := range benchWorkers {
		b.Run(w.name, func(b *testing.B) {
			cfg := w.cfg(b)
			r := httptest.NewRequest("GET", w.path, nil)
			r.Header.Set("User-Agent", "wrk")
			in := Incoming{URL: "http://localhost" + w.path}
			b.ReportAllocs()
			for b.Loop() {
				iso, err := NewIsolate(cfg)
				if err != nil {
					b.Fatal(err)
				}
				serveOnce(b, iso, r, in)
			}
		})
	}
	for _, w := range benchWorkers {
		b.Run("dispatch/"+w.name, func(b *testing.B) {
			cfg := w.cfg(b)
			r := httptest.NewRequest("GET", w.path, nil)
			r.Header.Set("User-Agent", "wrk")
			in := Incoming{URL: "http://localhost" + w.path}
			// Isolates are made in batches with the timer stopped, since stopping it for
			// every request costs more than some of what is measured. A small batch keeps
			// the live heap, which every collection scans, near a server's.
			const batch = 16
			isos := make([]*Isolate, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if len(isos) == 0 {
					b.StopTimer()
					for j := 0; j < batch; j++ {
						iso, err := NewIsolate(cfg)
						if err != nil {
							b.Fatal(err)
						}
						isos = append(isos, iso)
					}
					b.StartTimer()
				}
				iso := isos[len(isos)-1]
				isos = isos[:len(isos)-1]
				serveOnce(b, iso, r, in)
			}
			b.StopTimer()
			for _, iso := range isos {
				iso.Close()
			}
		})
	}
}

func serveOnce(b *testing.B, iso *Isolate, r *http.Request, in Incoming) {
	w := httptest.NewRecorder()
	out, err := iso.Serve(w, r, in)
	if err != nil || out.Status != 200 {
		b.Fatalf("status %d, error %v, body %q", out.Status, err, w.Body.String())
	}
	if err := iso.Finish(0); err != nil {
		b.Fatal(err)
	}
	iso.Close()
}
