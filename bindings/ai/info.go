package ai

import (
	"os"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// Info describes a model file from its metadata, without loading weights.
type Info struct {
	Architecture string // general.architecture
	Name         string // general.name
	Size         int64  // bytes of the file
	// Quantization is the type holding most of the weight bytes (F32, F16,
	// Q8_0, Q4_0, ...), which is what a file name's Q8_0 or F16 means.
	Quantization string
	// Dims is <arch>.embedding_length: the size of an embedding, or of the
	// hidden state of a text generation model.
	Dims int
	// Context is <arch>.context_length, the most tokens of one input.
	Context int
}

// Describe reads f's Info; path is the file's path, for its size.
func Describe(f *gguf.File, path string) Info {
	info := Info{}
	info.Architecture, _ = f.String("general.architecture")
	info.Name, _ = f.String("general.name")
	if fi, err := os.Stat(path); err == nil {
		info.Size = fi.Size()
	}
	if v, ok := f.Uint(info.Architecture + ".embedding_length"); ok {
		info.Dims = int(v)
	}
	if v, ok := f.Uint(info.Architecture + ".context_length"); ok {
		info.Context = int(v)
	}
	bytes := map[gguf.Type]uint64{}
	for _, t := range f.Tensors {
		if len(t.Dims) >= 2 {
			bytes[t.Type] += t.Size
		}
	}
	var most uint64
	for t, n := range bytes {
		if n > most || (n == most && t.String() < info.Quantization) {
			most, info.Quantization = n, t.String()
		}
	}
	return info
}
