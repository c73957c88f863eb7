package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// reference runs the product on one plain instance with the same kernels.
func reference(t *testing.T, typ Type, w []byte, x []float32, rows, cols, n int) []float32 {
	t.Helper()
	p, err := NewPool(SIMD, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m, err := p.Upload(typ, rows, cols, w)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, n*rows)
	if n == 1 {
		err = m.MatVec(y, x)
	} else {
		err = m.MatMul(y, x, n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func TestPoolSplitsRows(t *testing.T) {
	for _, typ := range allTypes {
		for _, sh := range []struct{ rows, cols, n, split int }{
			{7, 64, 1, 0},     // split into 3 uneven parts
			{130, 96, 5, 0},   // batch
			{64, 128, 1, 1e9}, // below SplitBytes: one instance
			{2, 32, 3, 0},     // fewer rows than instances
			{300, 256, 2, 0},  // the f32/f16 2x4 tiles across parts
			{9, 512, 1, 0},    // K-quant super-blocks
			{40, 256, 3, 0},
		} {
			if !fits(typ, sh.cols) {
				continue
			}
			t.Run(fmt.Sprintf("%v/%dx%dx%d", typ, sh.rows, sh.cols, sh.n), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(sh.rows), uint64(sh.cols)))
				w := randomMatrix(r, typ, sh.rows, sh.cols)
				x := randomFloats(r, sh.n*sh.cols, 1)
				p, err := NewPool(SIMD, 3)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close()
				p.SplitBytes = sh.split
				m, err := p.Upload(typ, sh.rows, sh.cols, w)
				if err != nil {
					t.Fatal(err)
				}
				wantParts := min(3, sh.rows)
				if sh.split > 0 || sh.rows < 3 {
					wantParts = 1
				}
				if len(m.parts) != wantParts {
					t.Fatalf("%d parts, want %d", len(m.parts), wantParts)
				}
				y := make([]float32, sh.n*sh.rows)
				if sh.n == 1 {
					err = m.MatVec(y, x)
				} else {
					err = m.MatMul(y, x, sh.n)
				}
				if err != nil {
					t.Fatal(err)
				}
				// Matmul and matvec sum in the same order per output, so a
				// split must reproduce one instance's result exactly.
				if want := reference(t, typ, w, x, sh.rows, sh.cols, sh.n); !slices.Equal(y, want) {
					t.Fatalf("pool result differs from one instance:\n got %v\nwant %v", y[:min(8, len(y))], want[:min(8, len(want))])
				}
			})
		}
	}
}

func TestPoolConcurrentCallers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	const rows, cols = 96, 128
	w := randomMatrix(r, Q8_0, rows, cols)
	p, err := NewPool(SIMD, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SplitBytes = 0
	m, err := p.Upload(Q8_0, rows, cols, w)
	if err != nil {
		t.Fatal(err)
	}
	xs := make([][]float32, 4)
	want := make([][]float32, 4)
	for i := range xs {
		xs[i] = randomFloats(r, cols, 1)
		want[i] = reference(t, Q8_0, w, xs[i], rows, cols, 1)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(xs))
	for i := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			y := make([]float32, rows)
			for range 20 {
				if err := m.MatVec(y, xs[i]); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(y, want[i]) {
					errs <- fmt.Errorf("caller %d: wrong result", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestPoolErrors(t *testing.T) {
	p, err := NewPool(SIMD, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Upload(Q4_0, 2, 32, make([]byte, 35)); err == nil {
		t.Error("Upload accepted 35 bytes for a 2x32 Q4_0 matrix")
	}
	if _, err := p.Upload(Q8_0, 2, 40, make([]byte, 80)); err == nil {
		t.Error("Upload accepted 40 Q8_0 columns")
	}
	m, err := p.Upload(F32, 2, 4, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.MatVec(make([]float32, 2), make([]float32, 3)); err == nil {
		t.Error("MatVec accepted a short x")
	}
	if err := m.MatMul(make([]float32, 4), make([]float32, 8), 3); err == nil {
		t.Error("MatMul accepted a mismatched batch")
	}
}

func TestPoolAttention(t *testing.T) {
	cases := []struct {
		name                string
		t, s, h, kvh, d     int
		causal, mask, split bool
	}{
		{"bert", 64, 64, 8, 8, 32, false, false, true},
		{"padding mask", 64, 64, 6, 6, 32, false, true, true},
		{"grouped-query causal", 48, 80, 8, 4, 64, true, false, true},
		{"small stays whole", 4, 4, 2, 2, 8, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(c.t), uint64(c.h)))
			q, k, v := randomFloats(r, c.t*c.h*c.d, 1), randomFloats(r, c.s*c.kvh*c.d, 1), randomFloats(r, c.s*c.kvh*c.d, 1)
			var mask []float32
			if c.mask {
				mask = make([]float32, c.t*c.s)
				for i := range mask {
					if i%c.s >= c.s-5 {
						mask[i] = float32(math.Inf(-1))
					}
				}
			}
			shape := AttentionShape{T: c.t, S: c.s, Heads: c.h, KVHeads: c.kvh, Dim: c.d, Scale: 0.125, Causal: c.causal}
			// One instance, one kernel call: the reference.
			in := newInstance(t, SIMD)
			a := Attention{Q: put(t, in, q), K: put(t, in, k), V: put(t, in, v), Out: alloc(t, in, 4*len(q)),
				Scratch: alloc(t, in, 4*c.s), T: c.t, S: c.s, Heads: c.h, KVHeads: c.kvh, Dim: c.d, Scale: 0.125, Causal: c.causal}
			if mask != nil {
				a.Mask = put(t, in, mask)
			}
			if err := in.Attention(a); err != nil {
				t.Fatal(err)
			}
			want := in.Float32s(a.Out)
			p, err := NewPool(SIMD, 3)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			got := make([]float32, len(q))
			if err := p.Attention(got, q, k, v, mask, shape); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pool attention differs from one kernel call")
			}
			if split := c.t*c.s*c.h*c.d*2 >= attentionSplitFlops; split != c.split {
				t.Fatalf("split %v, want %v", split, c.split)
			}
		})
	}
	p, _ := NewPool(SIMD, 2)
	defer p.Close()
	if err := p.Attention(make([]float32, 8), make([]float32, 8), make([]float32, 8), make([]float32, 4), nil,
		AttentionShape{T: 2, S: 2, Heads: 1, KVHeads: 1, Dim: 4}); err == nil {
		t.Error("Attention accepted a short v")
	}
}
