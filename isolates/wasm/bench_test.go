package wasm

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// BenchmarkServe is one WAGI request end to end (fresh instance, start, CGI output) for a
// 213-byte hand-written module, the 3.8 MB Go test guest and the 6.6 MB wasm-go example
// (net/http/cgi), which shows what instantiating a large module and starting the Go runtime
// cost per request.
func BenchmarkServe(b *testing.B) {
	e := NewEngine(Limits{})
	defer e.Close()
	mods := []struct {
		name, path string
		bin        func() ([]byte, error)
	}{
		{"small", "/", func() ([]byte, error) { return os.ReadFile("testdata/hello.wasm") }},
		{"go-guest", "/hello", guestWasm},
		{"go-nethttp", "/", func() ([]byte, error) { return BuildGo("../../examples/wasm-go") }},
	}
	for _, mod := range mods {
		b.Run(mod.name, func(b *testing.B) {
			bin, err := mod.bin()
			if err != nil {
				b.Fatal(err)
			}
			m, err := e.Compile(bin)
			if err != nil {
				b.Fatal(err)
			}
			w, err := NewWorker(e, m, WorkerConfig{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(bin))/(1<<20), "MiB")
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				out, err := w.Serve(context.Background(), rec, httptest.NewRequest("GET", mod.path, nil), "http://x"+mod.path, NewMeter(0))
				if err != nil || out.Status != 200 {
					b.Fatalf("%d %v", out.Status, err)
				}
			}
		})
	}
}

// BenchmarkInstantiate is instantiation alone, without running _start: linking, memory and
// data segments.
func BenchmarkInstantiate(b *testing.B) {
	e := NewEngine(Limits{})
	defer e.Close()
	if err := e.hostModules(); err != nil {
		b.Fatal(err)
	}
	for _, mod := range []struct {
		name string
		bin  func() ([]byte, error)
	}{
		{"small", func() ([]byte, error) { return os.ReadFile(filepath.Join("testdata", "hello.wasm")) }},
		{"go-nethttp", func() ([]byte, error) { return BuildGo("../../examples/wasm-go") }},
	} {
		b.Run(mod.name, func(b *testing.B) {
			bin, err := mod.bin()
			if err != nil {
				b.Fatal(err)
			}
			m, err := e.Compile(bin)
			if err != nil {
				b.Fatal(err)
			}
			cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions()
			ctx := NewBudget(0).with(context.Background())
			b.ReportMetric(float64(len(bin))/(1<<20), "MiB")
			b.ReportAllocs()
			for b.Loop() {
				in, err := e.rt.InstantiateModule(ctx, m.compiled, cfg)
				if err != nil {
					b.Fatal(err)
				}
				in.Close(ctx)
			}
		})
	}
}

// BenchmarkCloseOnContextDone runs the Go guest in engines with and without
// WithCloseOnContextDone, the price of a CPU cap that can stop a runaway loop: "start" is a
// request that only starts the Go runtime and answers, "loop" a compute-bound one (a
// 20-million-step FNV loop, reported per step).
func BenchmarkCloseOnContextDone(b *testing.B) {
	bin, err := guestWasm()
	if err != nil {
		b.Fatal(err)
	}
	const steps = 20_000_000
	for _, req := range []struct{ name, path string }{{"start", "/hello"}, {"loop", "/work?" + strconv.Itoa(steps)}} {
		for _, closeOnDone := range []bool{false, true} {
			b.Run(req.name+"/close="+strconv.FormatBool(closeOnDone), func(b *testing.B) {
				e := newEngine(Limits{}, closeOnDone)
				defer e.Close()
				m, err := e.Compile(bin)
				if err != nil {
					b.Fatal(err)
				}
				w, err := NewWorker(e, m, WorkerConfig{})
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					rec := httptest.NewRecorder()
					if _, err := w.Serve(context.Background(), rec, httptest.NewRequest("GET", req.path, nil), "http://x"+req.path, NewMeter(0)); err != nil {
						b.Fatal(err)
					}
				}
				if req.name == "loop" {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/steps, "ns/step")
				}
			})
		}
	}
}

// BenchmarkStoreInstantiate is what one instance costs the JavaScript API in a fresh store (a
// request's isolate): "func" is a module with a function import; "entities" also imports a
// memory, a table and a global, made standalone in the same store, so it pays for their
// provider modules and for the linker module that hands them over.
func BenchmarkStoreInstantiate(b *testing.B) {
	e := NewEngine(Limits{})
	defer e.Close()
	i32 := []api.ValueType{api.ValueTypeI32}
	var fn, ents builder
	for _, m := range []*builder{&fn, &ents} {
		m.export("f", kindFunc, m.importFunc("env", "f", i32, i32))
	}
	ents.importOf("env", "memory", kindMemory, encLimits(1, 0, false))
	ents.importOf("env", "table", kindTable, append([]byte{ValueTypeFuncref}, encLimits(1, 0, false)...))
	ents.importOf("env", "g", kindGlobal, []byte{api.ValueTypeI32, 1})
	host := []HostFunc{func(_ context.Context, stack []uint64) {}}
	for _, c := range []struct {
		name string
		mod  *builder
	}{{"func", &fn}, {"entities", &ents}} {
		b.Run(c.name, func(b *testing.B) {
			m, err := e.Compile(c.mod.bytes())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				s := e.NewStore(context.Background(), NewBudget(0))
				var xs []Extern
				if c.mod == &ents {
					mem, err1 := s.NewMemory(1, 0, false)
					tab, err2 := s.NewTable(ValueTypeFuncref, 1, 0, false)
					g, err3 := s.NewGlobal(api.ValueTypeI32, true, 7)
					if err := errors.Join(err1, err2, err3); err != nil {
						b.Fatal(err)
					}
					xs = []Extern{{mem, providedName}, {tab, providedName}, {g, providedName}}
				}
				if _, err := s.Instantiate(m, host, xs); err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
