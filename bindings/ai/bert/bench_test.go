package bert

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/cpuclock"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// benchModels runs fn on a model of bge-small's shape (random weights) for
// each weight type, F32 and Q8_0, on one and two cores.
func benchModels(b *testing.B, fn func(typ gguf.Type, cores int, m *Model)) {
	for _, typ := range []gguf.Type{gguf.F32, gguf.Q8_0} {
		f := testutil.ReadGGUF(b, fixtureShape(b, typ, bgeSmall))
		for _, cores := range []int{1, 2} {
			pool, err := kernels.NewPool(kernels.SIMD, cores)
			if err != nil {
				b.Fatal(err)
			}
			m, err := Load(f, pool)
			if err != nil {
				b.Fatal(err)
			}
			fn(typ, cores, m)
			pool.Close()
		}
	}
}

// BenchmarkEmbed times Embed on a model of bge-small's shape for inputs of
// 16 and 128 tokens, on one and two cores. Reports milliseconds per
// embedding and tokens per second.
//
//	go test -run '^$' -bench 'Embed$' ./bindings/ai/bert/
func BenchmarkEmbed(b *testing.B) {
	benchModels(b, func(typ gguf.Type, cores int, m *Model) {
		for _, words := range []int{14, 126} { // + [CLS] and [SEP]
			text := strings.TrimSpace(strings.Repeat("the quick brown fox ", words/4+1))
			text = strings.Join(strings.Fields(text)[:words], " ")
			if n := len(m.Tokenizer.Encode(text)); n != words+2 {
				b.Fatalf("%d tokens, want %d", n, words+2)
			}
			b.Run(fmt.Sprintf("%v/tokens=%d/cores=%d", typ, words+2, cores), func(b *testing.B) {
				for b.Loop() {
					if _, err := m.Embed(text); err != nil {
						b.Fatal(err)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(sec*1e3, "ms/embed")
				b.ReportMetric(float64(words+2)/sec, "tokens/s")
			})
		}
	})
}

// batch32 is 32 different sentences of 32 tokens each ([CLS] + 30 words +
// [SEP]), from words of the test vocabulary.
func batch32(b *testing.B, m *Model) []string {
	words := strings.Fields("the quick brown fox jump over lazy dog model vector token text edge worker run fast " +
		"world house animal letter mother answer study learn picture change play spell air away point page")
	texts := make([]string, 32)
	for i := range texts {
		w := make([]string, 30)
		for j := range w {
			w[j] = words[(i*7+j*(i%5+1))%len(words)]
		}
		texts[i] = strings.Join(w, " ")
		if n := len(m.Tokens(texts[i])); n != 32 {
			b.Fatalf("%q: %d tokens, want 32", texts[i], n)
		}
	}
	return texts
}

// BenchmarkEmbedBatch times EmbedBatch on 32 sentences of 32 tokens (one
// forward pass of 1024 tokens) on a model of bge-small's shape, F32 and
// Q8_0, on one and two cores; on one core also one pass per text
// (unbatched), and the tokenizer alone.
//
//	go test -run '^$' -bench EmbedBatch -benchtime 5x -count 3 ./bindings/ai/bert/
func BenchmarkEmbedBatch(b *testing.B) {
	benchModels(b, func(typ gguf.Type, cores int, m *Model) {
		texts := batch32(b, m)
		b.Run(fmt.Sprintf("%v/cores=%d", typ, cores), func(b *testing.B) {
			cpu := cpuclock.Process()
			for b.Loop() {
				if _, err := m.EmbedBatch(texts, PoolMean); err != nil {
					b.Fatal(err)
				}
			}
			reportBatch(b, len(texts), cpuclock.Process()-cpu)
		})
		if cores == 1 {
			// The same texts one forward pass each, for the gain of batching.
			b.Run(fmt.Sprintf("%v/cores=%d/unbatched", typ, cores), func(b *testing.B) {
				cpu := cpuclock.Process()
				for b.Loop() {
					for _, s := range texts {
						if _, err := m.EmbedBatch([]string{s}, PoolMean); err != nil {
							b.Fatal(err)
						}
					}
				}
				reportBatch(b, len(texts), cpuclock.Process()-cpu)
			})
		}
		if typ == gguf.F32 && cores == 1 {
			b.Run("tokenize", func(b *testing.B) {
				for b.Loop() {
					for _, s := range texts {
						m.Tokens(s)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e3, "ms/batch")
			})
		}
	})
}

// reportBatch reports wall and CPU time per batch of n texts, and
// embeddings per second of each: on a machine shared with other work, CPU
// time (of the whole process) moves far less than wall time.
func reportBatch(b *testing.B, n int, cpu time.Duration) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/batch")
	b.ReportMetric(float64(n)/sec, "embeddings/s")
	if cpu > 0 {
		cs := cpu.Seconds() / float64(b.N)
		b.ReportMetric(cs*1e3, "cpu-ms/batch")
		b.ReportMetric(float64(n)/cs, "embeddings/cpu-s")
	}
}

var writeBench = flag.String("write-bench-models", "", "TestWriteBenchModels: directory to write bge-small-shaped models into")

// TestWriteBenchModels writes models of bge-small's shape with random weights (F32 and Q8_0)
// and a models.toml naming them, for measuring molt end to end (first-request latency):
//
//	go test -run TestWriteBenchModels ./bindings/ai/bert/ -args -write-bench-models /tmp/models
func TestWriteBenchModels(t *testing.T) {
	if *writeBench == "" {
		t.Skip("no -write-bench-models")
	}
	if err := os.MkdirAll(*writeBench, 0o755); err != nil {
		t.Fatal(err)
	}
	index := ""
	for _, typ := range []gguf.Type{gguf.F32, gguf.Q8_0} {
		name := fmt.Sprintf("bge-small-shape.%v.gguf", typ)
		if err := os.WriteFile(filepath.Join(*writeBench, name), fixtureShape(t, typ, bgeSmall), 0o644); err != nil {
			t.Fatal(err)
		}
		index += fmt.Sprintf("%q = %q\n", "@cf/molt/bge-small-shape-"+strings.ToLower(typ.String()), name)
	}
	if err := os.WriteFile(filepath.Join(*writeBench, "models.toml"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
}
