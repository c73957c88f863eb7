package llama

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// TestCommittedFixturesWithTokenizer runs the committed fixtures the way
// the AI binding will: the tokenizer package reads their vocabulary, its
// ids feed Generate, and both agree on which tokens end a generation.
func TestCommittedFixturesWithTokenizer(t *testing.T) {
	for _, c := range committed {
		t.Run(c.file, func(t *testing.T) {
			f, err := gguf.Open(filepath.Join("..", "..", "..", "testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tok, err := tokenizer.NewText(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(f, testutil.NewPool(t, kernels.SIMD, 1))
			if err != nil {
				t.Fatal(err)
			}
			if tok.VocabSize() != m.Vocab {
				t.Fatalf("tokenizer has %d tokens, model %d", tok.VocabSize(), m.Vocab)
			}
			for id := 0; id < m.Vocab; id++ {
				if tok.IsEOG(id) != m.EOG[id] {
					t.Fatalf("token %d (%q): tokenizer end-of-generation %v, model %v", id, tok.Token(id), tok.IsEOG(id), m.EOG[id])
				}
			}
			ids := tok.Encode("hello world, the end")
			if len(ids) < 3 || ids[0] != m.BOS {
				t.Fatalf("encoded as %v", ids)
			}
			res, err := m.Generate(context.Background(), ids, Params{MaxTokens: 4, Temperature: 0.7, Seed: 1},
				func(int) error { return nil })
			if err != nil || res.PromptTokens != len(ids) || res.CompletionTokens == 0 && res.Stop != StopEOG {
				t.Fatalf("generate: %+v, %v", res, err)
			}
		})
	}
}
