package testutil

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// GGUFTensors returns every tensor of f dequantized to float64, by name: the weights of a
// reference forward pass that a model's tests write plainly, sharing no code with the model.
func GGUFTensors(t testing.TB, f *gguf.File) map[string][]float64 {
	t.Helper()
	m := map[string][]float64{}
	for _, ti := range f.Tensors {
		data, err := f.TensorData(ti)
		if err != nil {
			t.Fatal(err)
		}
		x, err := gguf.Dequantize(ti.Type, data, int(ti.Elements()))
		if err != nil {
			t.Fatal(err)
		}
		v := make([]float64, len(x))
		for i := range x {
			v[i] = float64(x[i])
		}
		m[ti.Name] = v
	}
	return m
}

// GGUFFixture writes a generated GGUF model with seeded random weights, failing t on any
// error, so that a model's tests and its committed testdata fixtures come from one generator.
type GGUFFixture struct {
	t testing.TB
	w *gguf.Writer
	r *rand.Rand
}

// NewGGUFFixture starts a fixture whose weights are drawn from PCG(seed1, seed2) in the
// order Add is called.
func NewGGUFFixture(t testing.TB, seed1, seed2 uint64) *GGUFFixture {
	return &GGUFFixture{t: t, w: gguf.NewWriter(), r: rand.New(rand.NewPCG(seed1, seed2))}
}

// Set sets the metadata key k to v.
func (f *GGUFFixture) Set(k string, v any) {
	f.t.Helper()
	if err := f.w.Set(k, v); err != nil {
		f.t.Fatal(err)
	}
}

// Add adds the tensor name of rows×cols values drawn from a normal distribution of the given
// scale and mean, encoded as ty; a single row is written as a vector.
func (f *GGUFFixture) Add(name string, ty gguf.Type, rows, cols int, scale, mean float64) {
	f.t.Helper()
	x := make([]float32, rows*cols)
	for i := range x {
		x[i] = float32(mean + scale*f.r.NormFloat64())
	}
	data, err := gguf.Encode(ty, x)
	if err != nil {
		f.t.Fatalf("%s: %v", name, err)
	}
	dims := []uint64{uint64(cols), uint64(rows)}
	if rows == 1 {
		dims = dims[:1]
	}
	if err := f.w.AddTensor(name, ty, dims, data); err != nil {
		f.t.Fatal(err)
	}
}

// Bytes returns the GGUF file.
func (f *GGUFFixture) Bytes() []byte {
	f.t.Helper()
	var buf bytes.Buffer
	if _, err := f.w.WriteTo(&buf); err != nil {
		f.t.Fatal(err)
	}
	return buf.Bytes()
}

// CheckGolden fails t unless the file at path holds want; with update it first writes want
// there. The test that calls it is named as the way to regenerate the file with -update.
func CheckGolden(t testing.TB, path string, want []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with go test -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the generator's output; rerun with -update", path)
	}
}

// ReadGGUF parses the GGUF file held in data.
func ReadGGUF(t testing.TB, data []byte) *gguf.File {
	t.Helper()
	f, err := gguf.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// NewPool starts a kernel pool of n instances of build b, closed when the test ends.
func NewPool(t testing.TB, b kernels.Build, n int) *kernels.Pool {
	t.Helper()
	p, err := kernels.NewPool(b, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
