package tokenizer

import (
	"strings"
	"testing"
)

// BenchmarkTokenize encodes the fixtures' texts (about 1 KB) with each
// kind of tokenizer; b.SetBytes makes the result MB/s of text.
func BenchmarkTokenize(b *testing.B) {
	for _, name := range []string{"llama2", "llama3", "qwen3"} {
		v := loadRealVocab(b, name)
		tk := v.textTokenizer(b, nil)
		var texts []string
		for _, c := range v.Cases {
			texts = append(texts, c.Text)
		}
		text := strings.Join(texts, "\n")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				tk.Tokenize(text, false, true)
			}
		})
	}
}

// BenchmarkDecoder streams the tokens of the fixtures' texts.
func BenchmarkDecoder(b *testing.B) {
	v := loadRealVocab(b, "llama3")
	tk := v.textTokenizer(b, nil)
	var ids []int
	for _, c := range v.Cases {
		ids = append(ids, tk.Tokenize(c.Text, false, true)...)
	}
	for b.Loop() {
		d := tk.NewDecoder()
		for _, id := range ids {
			d.Next(id)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/token")
}
