package bert

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// BenchmarkEmbed times Embed on a model of bge-small's shape (random
// weights, the test vocabulary) for inputs of 16 and 128 tokens, on one and
// two cores. Reports milliseconds per embedding and tokens per second.
//
//	go test -run '^$' -bench Embed ./bindings/ai/bert/
func BenchmarkEmbed(b *testing.B) {
	for _, typ := range []gguf.Type{gguf.F32, gguf.Q8_0} {
		f := openBytes(&testing.T{}, fixtureShape(b, typ, bgeSmall))
		for _, cores := range []int{1, 2} {
			pool, err := kernels.NewPool(kernels.SIMD, cores)
			if err != nil {
				b.Fatal(err)
			}
			m, err := Load(f, pool)
			if err != nil {
				b.Fatal(err)
			}
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
			pool.Close()
		}
	}
}
