package llama

import (
	"bytes"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// FuzzLoad feeds Load mutated model files: it must return an error or a
// model that runs a short prompt, and never panic.
func FuzzLoad(f *testing.F) {
	// Small seeds (hidden 32, one layer): the fuzzer mutates and minimises
	// whole files, and slows to a crawl on hundreds of kilobytes.
	for _, arch := range []string{"llama", "qwen2", "qwen3"} {
		sh := tinyShapes[arch]
		sh.hidden, sh.heads, sh.kvHeads, sh.headDim, sh.ffn, sh.layers, sh.context = 32, 2, 1, 16, 32, 1, 16
		f.Add(fixture(f, sh, uniform("q8_0", gguf.Q8_0)))
	}
	pool := testutil.NewPool(f, kernels.SIMD, 1)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		m, err := Load(file, pool)
		if err != nil {
			return
		}
		ids := []int{0, 1, m.Vocab - 1}
		if _, err := m.NewSequence().Prefill(ids[:min(len(ids), m.Context)]); err != nil {
			t.Logf("prefill: %v", err)
		}
	})
}
