package llama

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

var writeBench = flag.String("write-bench-models", "", "TestWriteBenchModels: directory to write the 125M-shaped models into")

// TestWriteBenchModels writes the benchmarks' 125M-parameter shape in Q8_0
// and F16 with a complete 32000-token SentencePiece vocabulary (the small
// one padded with word pieces), so that the files also run where text is
// tokenized: env.AI.run, molt ai run (bench/ai/first-token.sh).
//
//	go test -run TestWriteBenchModels ./bindings/ai/llama/ -args -write-bench-models /tmp/models
func TestWriteBenchModels(t *testing.T) {
	if *writeBench == "" {
		t.Skip("no -write-bench-models")
	}
	toks, types, eos, bos := vocab("llama")
	for i := len(toks); i < bench125M.vocab; i++ {
		toks = append(toks, fmt.Sprintf("▁w%d", i))
		types = append(types, 1)
	}
	scores := make([]float32, len(toks))
	for i := range scores {
		scores[i] = -float32(i)
	}
	for _, typ := range benchTypes {
		raw := fixture(t, bench125M, uniform(typ.String(), typ))
		f, err := gguf.Read(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		w := gguf.NewWriter()
		for _, kv := range f.Metadata {
			if kv.Key != "tokenizer.ggml.eos_token_id" {
				w.Set(kv.Key, kv.Value)
			}
		}
		w.Set("tokenizer.ggml.tokens", toks)
		w.Set("tokenizer.ggml.scores", scores)
		w.Set("tokenizer.ggml.token_type", types)
		w.Set("tokenizer.ggml.bos_token_id", uint32(bos))
		w.Set("tokenizer.ggml.eos_token_id", uint32(eos))
		w.Set("tokenizer.ggml.add_bos_token", true)
		for _, ti := range f.Tensors {
			data, err := f.TensorData(ti)
			if err != nil {
				t.Fatal(err)
			}
			w.AddTensor(ti.Name, ti.Type, ti.Dims, data)
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(*writeBench, "bench-125m-"+typ.String()+".gguf")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", path, buf.Len())
	}
}
