package chat

import (
	"bytes"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
)

// fromMeta writes a GGUF holding metadata, then loads its tokenizer and
// chat template.
func fromMeta(t *testing.T, meta []gguf.KV) (*Template, *tokenizer.Text) {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range meta {
		if err := w.Set(kv.Key, kv.Value.V); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
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
