package chat

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
)

// fromMeta writes a GGUF file holding metadata, then loads its tokenizer and
// chat template.
func fromMeta(t *testing.T, meta []gguf.KV) (*Template, *tokenizer.Text) {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range meta {
		if err := w.Set(kv.Key, kv.Value.V); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "model.gguf")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.WriteTo(out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tok, err := tokenizer.NewText(f)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := FromGGUF(f, tok)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl, tok
}
