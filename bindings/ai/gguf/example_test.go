package gguf_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// Writing a file with metadata and a Q8_0 tensor, then reading it back.
func ExampleWriter() {
	w := gguf.NewWriter()
	w.Set("general.architecture", "bert")
	w.Set("bert.block_count", uint32(12))
	w.Set("tokenizer.ggml.tokens", []string{"[CLS]", "▁hello"})
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i) / 8
	}
	q, _ := gguf.QuantizeQ8_0(x)
	w.AddTensor("blk.0.ffn_up.weight", gguf.Q8_0, []uint64{32, 2}, q) // 2 rows of 32
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}

	f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	arch, _ := f.String("general.architecture")
	blocks, _ := f.Uint("bert.block_count")
	t, _ := f.Tensor("blk.0.ffn_up.weight")
	data, _ := f.TensorData(t)
	back, _ := gguf.Dequantize(t.Type, data, int(t.Elements()))
	fmt.Printf("%s %d %v %v %d %.3f\n", arch, blocks, t.Type, t.Dims, len(data), back[63])
	// Output: bert 12 Q8_0 [32 2] 68 7.875
}
