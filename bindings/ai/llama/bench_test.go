package llama

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// The benchmarks run the 125M-parameter shape (bench125M), written
// once per weight type into a temporary file and memory-mapped, as a real
// model is.
//
//	go test -run '^$' -bench . -benchtime 3x -count 3 ./bindings/ai/llama/

var benchFiles sync.Map // weight type name -> path

func benchModel(b *testing.B, typ gguf.Type, cores int) (*Model, *kernels.Pool, int64) {
	b.Helper()
	path, ok := benchFiles.Load(typ.String())
	if !ok {
		dir, err := os.MkdirTemp("", "molt-llama-bench")
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, "bench-125m-"+typ.String()+".gguf")
		if err := os.WriteFile(p, fixture(b, bench125M, uniform(typ.String(), typ)), 0o644); err != nil {
			b.Fatal(err)
		}
		benchFiles.Store(typ.String(), p)
		path = p
		runtime.GC()
	}
	f, err := gguf.Open(path.(string))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	st, _ := os.Stat(path.(string))
	pool := testutil.NewPool(b, kernels.SIMD, cores)
	m, err := Load(f, pool)
	if err != nil {
		b.Fatal(err)
	}
	return m, pool, st.Size()
}

func TestMain(m *testing.M) {
	code := m.Run()
	benchFiles.Range(func(_, p any) bool {
		os.RemoveAll(filepath.Dir(p.(string)))
		return true
	})
	os.Exit(code)
}

func benchPrompt(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = 3 + (i*7919)%31000
	}
	return ids
}

var benchTypes = []gguf.Type{gguf.Q8_0, gguf.F16}

// BenchmarkDecode: tokens/s of single-token decode after a 16-token prompt,
// 64 tokens per iteration.
func BenchmarkDecode(b *testing.B) {
	for _, typ := range benchTypes {
		for _, cores := range []int{1, 2} {
			b.Run(fmt.Sprintf("%v/cores=%d", typ, cores), func(b *testing.B) {
				m, pool, size := benchModel(b, typ, cores)
				const n = 64
				b.ResetTimer()
				var busy, cpu time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					s := m.NewSequence()
					if _, err := s.Prefill(benchPrompt(16)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					t0, c0 := time.Now(), cpuTime()
					for j := 0; j < n; j++ {
						if _, err := s.Decode(3 + j); err != nil {
							b.Fatal(err)
						}
					}
					busy += time.Since(t0)
					cpu += cpuTime() - c0
				}
				b.ReportMetric(float64(n*b.N)/busy.Seconds(), "tok/s")
				reportCPU(b, n*b.N, cpu)
				b.ReportMetric(float64(pool.MemoryBytes())/(1<<20), "MiB-wasm")
				b.ReportMetric(float64(size)/(1<<20), "MiB-file")
			})
		}
	}
}

// BenchmarkPrefill: tokens/s of prefilling a 128-token prompt.
func BenchmarkPrefill(b *testing.B) {
	for _, typ := range benchTypes {
		for _, cores := range []int{1, 2} {
			b.Run(fmt.Sprintf("%v/cores=%d", typ, cores), func(b *testing.B) {
				m, _, _ := benchModel(b, typ, cores)
				ids := benchPrompt(128)
				b.ResetTimer()
				c0 := cpuTime()
				for i := 0; i < b.N; i++ {
					if _, err := m.NewSequence().Prefill(ids); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "tok/s")
				reportCPU(b, len(ids)*b.N, cpuTime()-c0)
			})
		}
	}
}

// BenchmarkConcurrent: total tokens/s of 4 greedy generations at once (16
// prompt tokens, 64 generated each, prefill included in the time).
func BenchmarkConcurrent(b *testing.B) {
	for _, typ := range benchTypes {
		b.Run(fmt.Sprintf("%v/gens=4/cores=2", typ), func(b *testing.B) {
			m, _, _ := benchModel(b, typ, 2)
			const gens, n = 4, 64
			b.ResetTimer()
			c0 := cpuTime()
			for i := 0; i < b.N; i++ {
				var wg sync.WaitGroup
				for g := 0; g < gens; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						p := benchPrompt(16 + g)
						if _, err := m.Generate(context.Background(), p, Params{MaxTokens: n}, func(int) error { return nil }); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			b.ReportMetric(float64(gens*n*b.N)/b.Elapsed().Seconds(), "tok/s")
			reportCPU(b, gens*n*b.N, cpuTime()-c0)
		})
	}
}

// reportCPU reports tokens per CPU-second of the whole process, when known.
func reportCPU(b *testing.B, tokens int, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(tokens)/cpu.Seconds(), "tok/cpu-s")
	}
}
