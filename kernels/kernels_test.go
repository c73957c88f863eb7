package kernels

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

var builds = []Build{SIMD, Scalar}

func newInstance(t testing.TB, b Build) *Instance {
	t.Helper()
	in, err := NewInstance(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func put(t testing.TB, in *Instance, x []float32) Buf {
	t.Helper()
	b, err := in.Put(x)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func putBytes(t testing.TB, in *Instance, p []byte) Buf {
	t.Helper()
	b, err := in.PutBytes(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func alloc(t testing.TB, in *Instance, n int) Buf {
	t.Helper()
	b, err := in.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkClose fails unless |got-want| <= tol*scale[i] (scale 1 when nil)
// for every element.
func checkClose(t *testing.T, what string, got []float32, want []float64, scale []float64, tol float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if float64(got[i]) == w { // also infinities
			continue
		}
		s := 1.0
		if scale != nil {
			s = scale[i]
		}
		if d := math.Abs(float64(got[i]) - w); !(d <= tol*s) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], w, d, tol*s)
		}
	}
}

func TestQuantizeQ8_0BitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randomFloats(r, 32*40, 3)
	copy(x[32:64], make([]float32, 32)) // an all-zero block: scale 0, no division by zero
	x[70] = 1e-6                        // a subnormal f16 scale
	for i := 96; i < 128; i++ {
		x[i] = float32(i-112) * 0.5 // exact ties to round to even
	}
	want := quantizeRef(x)
	for _, b := range builds {
		t.Run(b.String(), func(t *testing.T) {
			in := newInstance(t, b)
			xb, q := put(t, in, x), alloc(t, in, Q8Bytes(len(x)))
			if err := in.QuantizeQ8_0(xb, q, len(x)); err != nil {
				t.Fatal(err)
			}
			if got := in.Bytes(q); !bytes.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("byte %d (block %d) = %#x, want %#x", i, i/34, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestQuantizeActMatchesQ8_0: the A8 layout holds exactly Q8_0's values and
// (f16-rounded) scales.
func TestQuantizeActMatchesQ8_0(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const rows, n = 3, 32 * 7
	x := randomFloats(r, rows*n, 2)
	copy(x[32:64], make([]float32, 32))
	for _, b := range builds {
		t.Run(b.String(), func(t *testing.T) {
			in := newInstance(t, b)
			xb, a := put(t, in, x), alloc(t, in, rows*A8Bytes(n))
			if err := in.QuantizeAct(xb, a, rows, n); err != nil {
				t.Fatal(err)
			}
			got := in.Bytes(a)
			for row := 0; row < rows; row++ {
				q8 := quantizeRef(x[row*n : (row+1)*n])
				a8 := got[row*A8Bytes(n) : (row+1)*A8Bytes(n)]
				for i := 0; i < n; i++ {
					if v, want := int16(binary.LittleEndian.Uint16(a8[2*i:])), int16(int8(q8[34*(i/32)+2+i%32])); v != want {
						t.Fatalf("row %d value %d = %d, want %d", row, i, v, want)
					}
				}
				for blk := 0; blk < n/32; blk++ {
					d := math.Float32frombits(binary.LittleEndian.Uint32(a8[2*n+4*blk:]))
					if want := halfToFloat(uint16(q8[34*blk]) | uint16(q8[34*blk+1])<<8); float64(d) != want {
						t.Fatalf("row %d scale %d = %v, want %v", row, blk, d, want)
					}
					var sum int
					for i := 0; i < 32; i++ {
						sum += int(int8(q8[34*blk+2+i]))
					}
					s := math.Float32frombits(binary.LittleEndian.Uint32(a8[2*n+4*(n/32)+4*blk:]))
					if want := d * float32(sum); s != want {
						t.Fatalf("row %d block sum %d = %v, want %v", row, blk, s, want)
					}
				}
			}
		})
	}
}

func TestF16ToF32(t *testing.T) {
	var h []byte
	var want []float64
	for v := 0; v < 1<<16; v++ {
		if f := halfToFloat(uint16(v)); !math.IsNaN(f) {
			h = append(h, byte(v), byte(v>>8))
			want = append(want, f)
		}
	}
	for _, b := range builds {
		t.Run(b.String(), func(t *testing.T) {
			in := newInstance(t, b)
			hb, out := putBytes(t, in, h), alloc(t, in, 4*len(want))
			if err := in.F16ToF32(hb, out, len(want)); err != nil {
				t.Fatal(err)
			}
			checkClose(t, "f16", in.Float32s(out), want, nil, 0)
		})
	}
}

var shapes = []struct{ rows, cols int }{{1, 32}, {3, 64}, {17, 96}, {64, 256}, {5, 4096}, {3, 768}}

var allTypes = []Type{F32, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K}

// fits reports whether rows of n columns are whole blocks of t.
func fits(t Type, n int) bool {
	_, err := t.RowBytes(n)
	return err == nil
}

func TestMatVec(t *testing.T) {
	for _, typ := range allTypes {
		for _, sh := range shapes {
			if !fits(typ, sh.cols) {
				continue
			}
			for _, b := range builds {
				t.Run(fmt.Sprintf("%v/%dx%d/%v", typ, sh.rows, sh.cols, b), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(sh.rows), uint64(sh.cols)))
					w := randomMatrix(r, typ, sh.rows, sh.cols)
					x := randomFloats(r, sh.cols, 1)
					in := newInstance(t, b)
					wb, xb, y := putBytes(t, in, w), put(t, in, x), alloc(t, in, 4*sh.rows)
					xs := to64(x)
					var err error
					switch typ {
					case F32:
						err = in.MatVecF32(wb, xb, y, sh.rows, sh.cols)
					case F16:
						err = in.MatVecF16(wb, xb, y, sh.rows, sh.cols)
					default:
						q := alloc(t, in, A8Bytes(sh.cols))
						if err := in.QuantizeAct(xb, q, 1, sh.cols); err != nil {
							t.Fatal(err)
						}
						xs = decodeA8(in.Bytes(q), sh.cols)
						err = map[Type]func(w, xa, y Buf, rows, cols int) error{
							Q8_0: in.MatVecQ8_0, Q4_0: in.MatVecQ4_0, Q4_K: in.MatVecQ4_K, Q5_K: in.MatVecQ5_K, Q6_K: in.MatVecQ6_K,
						}[typ](wb, q, y, sh.rows, sh.cols)
					}
					if err != nil {
						t.Fatal(err)
					}
					rb, _ := typ.RowBytes(sh.cols)
					want, scale := make([]float64, sh.rows), make([]float64, sh.rows)
					for i := range want {
						want[i], scale[i] = dot64(dequant(typ, w[i*rb:(i+1)*rb], sh.cols), xs)
					}
					checkClose(t, "y", in.Float32s(y), want, scale, 1e-6)
				})
			}
		}
	}
}

func TestMatMul(t *testing.T) {
	for _, typ := range allTypes {
		for _, sh := range []struct{ m, n, k int }{{1, 1, 32}, {2, 4, 64}, {3, 5, 96}, {67, 9, 160}, {130, 70, 64}, {3, 5, 256}, {35, 7, 512}} {
			if !fits(typ, sh.k) {
				continue
			}
			for _, b := range builds {
				t.Run(fmt.Sprintf("%v/%dx%dx%d/%v", typ, sh.m, sh.n, sh.k, b), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(sh.m), uint64(sh.n*sh.k)))
					w := randomMatrix(r, typ, sh.n, sh.k)
					a := randomFloats(r, sh.m*sh.k, 1)
					in := newInstance(t, b)
					wb, ab, c := putBytes(t, in, w), put(t, in, a), alloc(t, in, 4*sh.m*sh.n)
					as := make([][]float64, sh.m)
					for i := range as {
						as[i] = to64(a[i*sh.k : (i+1)*sh.k])
					}
					var err error
					switch typ {
					case F32:
						err = in.MatMulF32(ab, wb, c, sh.m, sh.n, sh.k)
					case F16:
						err = in.MatMulF16(ab, wb, c, alloc(t, in, 16*sh.k), sh.m, sh.n, sh.k)
					default:
						q := alloc(t, in, sh.m*A8Bytes(sh.k))
						if err := in.QuantizeAct(ab, q, sh.m, sh.k); err != nil {
							t.Fatal(err)
						}
						qs := in.Bytes(q)
						for i := range as {
							as[i] = decodeA8(qs[i*A8Bytes(sh.k):], sh.k)
						}
						err = map[Type]func(w, aa, c Buf, m, n, k int) error{
							Q8_0: in.MatMulQ8_0, Q4_0: in.MatMulQ4_0, Q4_K: in.MatMulQ4_K, Q5_K: in.MatMulQ5_K, Q6_K: in.MatMulQ6_K,
						}[typ](wb, q, c, sh.m, sh.n, sh.k)
					}
					if err != nil {
						t.Fatal(err)
					}
					rb, _ := typ.RowBytes(sh.k)
					want, scale := make([]float64, sh.m*sh.n), make([]float64, sh.m*sh.n)
					for j := 0; j < sh.n; j++ {
						wj := dequant(typ, w[j*rb:(j+1)*rb], sh.k)
						for i := 0; i < sh.m; i++ {
							want[i*sh.n+j], scale[i*sh.n+j] = dot64(as[i], wj)
						}
					}
					checkClose(t, "c", in.Float32s(c), want, scale, 1e-6)
				})
			}
		}
	}
}

func TestRowOps(t *testing.T) {
	type op struct {
		name string
		rows int
		run  func(in *Instance, x, w, b, out Buf, rows, n int) error
		ref  func(x, w, b []float64) []float64 // one row
		tol  float64
	}
	norm := func(x, w, b []float64, center bool) []float64 {
		var mean, v float64
		if center {
			for _, e := range x {
				mean += e
			}
			mean /= float64(len(x))
		}
		for _, e := range x {
			v += (e - mean) * (e - mean)
		}
		v /= float64(len(x))
		out := make([]float64, len(x))
		for i, e := range x {
			out[i] = (e - mean) / math.Sqrt(v+1e-5) * w[i]
			if b != nil {
				out[i] += b[i]
			}
		}
		return out
	}
	each := func(f func(float64) float64) func(x, w, b []float64) []float64 {
		return func(x, _, _ []float64) []float64 {
			out := make([]float64, len(x))
			for i, e := range x {
				out[i] = f(e)
			}
			return out
		}
	}
	ops := []op{
		{"layer_norm", 3, func(in *Instance, x, w, b, out Buf, rows, n int) error {
			return in.LayerNorm(x, w, b, out, rows, n, 1e-5)
		}, func(x, w, b []float64) []float64 { return norm(x, w, b, true) }, 2e-6},
		{"rms_norm", 3, func(in *Instance, x, w, b, out Buf, rows, n int) error {
			return in.RMSNorm(x, w, out, rows, n, 1e-5)
		}, func(x, w, b []float64) []float64 { return norm(x, w, nil, false) }, 2e-6},
		{"softmax", 3, func(in *Instance, x, w, b, out Buf, rows, n int) error {
			return in.Softmax(x, out, rows, n)
		}, func(x, _, _ []float64) []float64 {
			m, s := math.Inf(-1), 0.0
			for _, e := range x {
				m = max(m, e)
			}
			out := make([]float64, len(x))
			for i, e := range x {
				out[i] = expRef(e - m)
				s += out[i]
			}
			for i := range out {
				out[i] /= s
			}
			return out
		}, 1e-6},
		{"gelu", 1, func(in *Instance, x, w, b, out Buf, rows, n int) error { return in.GELU(x, out, rows*n) }, each(geluRef), 2e-6},
		{"silu", 1, func(in *Instance, x, w, b, out Buf, rows, n int) error { return in.SiLU(x, out, rows*n) }, each(siluRef), 2e-6},
		{"add", 1, func(in *Instance, x, w, b, out Buf, rows, n int) error { return in.Add(x, w, out, rows*n) },
			func(x, w, _ []float64) []float64 {
				out := make([]float64, len(x))
				for i := range x {
					out[i] = x[i] + w[i]
				}
				return out
			}, 1e-6},
		{"mul", 1, func(in *Instance, x, w, b, out Buf, rows, n int) error { return in.Mul(x, w, out, rows*n) },
			func(x, w, _ []float64) []float64 {
				out := make([]float64, len(x))
				for i := range x {
					out[i] = x[i] * w[i]
				}
				return out
			}, 1e-6},
	}
	for _, o := range ops {
		for _, n := range []int{1, 7, 64, 385, 4096} {
			for _, b := range builds {
				t.Run(fmt.Sprintf("%s/%d/%v", o.name, n, b), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(n), 9))
					x := randomFloats(r, o.rows*n, 3)
					x[0] = 9 // large arguments (exp's clamps, gelu's tails)
					if len(x) > 1 {
						x[1] = -12
					}
					w, bias := randomFloats(r, o.rows*n, 1), randomFloats(r, n, 1)
					in := newInstance(t, b)
					xb, wb, bb, out := put(t, in, x), put(t, in, w), put(t, in, bias), alloc(t, in, 4*len(x))
					if err := o.run(in, xb, wb, bb, out, o.rows, n); err != nil {
						t.Fatal(err)
					}
					var want []float64
					for r := 0; r < o.rows; r++ {
						// Norms read one weight row for all rows; add and mul run on one row.
						want = append(want, o.ref(to64(x[r*n:(r+1)*n]), to64(w[:n]), to64(bias))...)
					}
					scale := make([]float64, len(want))
					for i, v := range want {
						scale[i] = max(1, math.Abs(v))
					}
					checkClose(t, o.name, in.Float32s(out), want, scale, o.tol)
				})
			}
		}
	}
}

func TestSoftmaxMasked(t *testing.T) {
	inf := float32(math.Inf(-1))
	x := []float32{inf, inf, inf, inf, inf, 0, 1, inf, inf, inf}
	want := []float64{0, 0, 0, 0, 0, 1 / (1 + math.E), math.E / (1 + math.E), 0, 0, 0}
	for _, b := range builds {
		t.Run(b.String(), func(t *testing.T) {
			in := newInstance(t, b)
			xb := put(t, in, x)
			if err := in.Softmax(xb, xb, 2, 5); err != nil {
				t.Fatal(err)
			}
			checkClose(t, "softmax", in.Float32s(xb), want, nil, 1e-7)
		})
	}
}

func TestRoPE(t *testing.T) {
	for _, headDim := range []int{2, 6, 64} {
		for _, b := range builds {
			t.Run(fmt.Sprintf("%d/%v", headDim, b), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(headDim), 3))
				const rows, heads = 3, 2
				pos := []int{0, 5, 1000}
				x := randomFloats(r, rows*heads*headDim, 1)
				cs := make([]float32, rows*2*headDim)
				RoPETable(cs, pos, headDim, 10000)
				in := newInstance(t, b)
				xb, cb := put(t, in, x), put(t, in, cs)
				if err := in.RoPE(xb, cb, rows, heads, headDim); err != nil {
					t.Fatal(err)
				}
				want := make([]float64, len(x))
				for row := 0; row < rows; row++ {
					for h := 0; h < heads; h++ {
						o := (row*heads + h) * headDim
						for i := 0; i < headDim/2; i++ {
							th := float64(pos[row]) * math.Pow(10000, -2*float64(i)/float64(headDim))
							x0, x1 := float64(x[o+2*i]), float64(x[o+2*i+1])
							want[o+2*i] = x0*math.Cos(th) - x1*math.Sin(th)
							want[o+2*i+1] = x0*math.Sin(th) + x1*math.Cos(th)
						}
					}
				}
				checkClose(t, "rope", in.Float32s(xb), want, nil, 1e-5)
			})
		}
	}
}

func TestAttention(t *testing.T) {
	cases := []struct {
		name             string
		t, s, h, kvh, d  int
		causal, withMask bool
	}{
		{"plain", 5, 5, 2, 2, 8, false, false},
		{"padding mask", 6, 6, 3, 3, 16, false, true},
		{"causal", 4, 4, 2, 2, 64, true, false},
		{"causal decode with cache", 2, 9, 4, 4, 12, true, false},
		{"grouped-query", 3, 7, 4, 2, 32, true, true},
	}
	for _, c := range cases {
		for _, b := range builds {
			t.Run(c.name+"/"+b.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(c.t*c.s), uint64(c.d)))
				q := randomFloats(r, c.t*c.h*c.d, 1)
				k := randomFloats(r, c.s*c.kvh*c.d, 1)
				v := randomFloats(r, c.s*c.kvh*c.d, 1)
				var mask []float32
				if c.withMask {
					mask = make([]float32, c.t*c.s)
					for i := range mask {
						if i%c.s >= c.s-2 { // the last two keys are padding
							mask[i] = float32(math.Inf(-1))
						}
					}
				}
				scale := 1 / math.Sqrt(float64(c.d))
				in := newInstance(t, b)
				a := Attention{Q: put(t, in, q), K: put(t, in, k), V: put(t, in, v), Out: alloc(t, in, 4*len(q)),
					Scratch: alloc(t, in, 4*c.s), T: c.t, S: c.s, Heads: c.h, KVHeads: c.kvh, Dim: c.d,
					Scale: float32(scale), Causal: c.causal}
				if mask != nil {
					a.Mask = put(t, in, mask)
				}
				if err := in.Attention(a); err != nil {
					t.Fatal(err)
				}
				want := make([]float64, len(q))
				for i := 0; i < c.t; i++ {
					for h := 0; h < c.h; h++ {
						kh := h / (c.h / c.kvh)
						var sc []float64
						m := math.Inf(-1)
						for j := 0; j < c.s; j++ {
							s := math.Inf(-1)
							if !c.causal || j <= i+c.s-c.t {
								s = 0
								for e := 0; e < c.d; e++ {
									s += float64(q[(i*c.h+h)*c.d+e]) * float64(k[(j*c.kvh+kh)*c.d+e])
								}
								s *= scale
								if mask != nil {
									s += float64(mask[i*c.s+j])
								}
							}
							sc = append(sc, s)
							m = max(m, s)
						}
						var sum float64
						for j := range sc {
							sc[j] = math.Exp(sc[j] - m)
							sum += sc[j]
						}
						for j := range sc {
							for e := 0; e < c.d; e++ {
								want[(i*c.h+h)*c.d+e] += sc[j] / sum * float64(v[(j*c.kvh+kh)*c.d+e])
							}
						}
					}
				}
				checkClose(t, "out", in.Float32s(a.Out), want, nil, 1e-5)
			})
		}
	}
}

// TestSIMDMatchesScalar runs both builds on the same inputs and requires
// them to agree to float32 rounding (they differ only in summation order).
func TestSIMDMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const rows, cols = 33, 320
	w := randomMatrix(r, Q4_0, rows, cols)
	x := randomFloats(r, cols, 1)
	var got [2][]float32
	for i, b := range builds {
		in := newInstance(t, b)
		wb, xb, q, y := putBytes(t, in, w), put(t, in, x), alloc(t, in, A8Bytes(cols)), alloc(t, in, 4*rows)
		if err := in.QuantizeAct(xb, q, 1, cols); err != nil {
			t.Fatal(err)
		}
		if err := in.MatVecQ4_0(wb, q, y, rows, cols); err != nil {
			t.Fatal(err)
		}
		if err := in.GELU(y, y, rows); err != nil {
			t.Fatal(err)
		}
		if err := in.Softmax(y, y, 1, rows); err != nil {
			t.Fatal(err)
		}
		got[i] = append([]float32(nil), in.Float32s(y)...)
	}
	for i := range got[0] {
		if d := math.Abs(float64(got[0][i] - got[1][i])); d > 1e-6*max(1, math.Abs(float64(got[1][i]))) {
			t.Fatalf("y[%d]: simd %v, scalar %v", i, got[0][i], got[1][i])
		}
	}
}

func TestOperandChecks(t *testing.T) {
	in := newInstance(t, SIMD)
	w, x, y := alloc(t, in, 4*8*32), alloc(t, in, 4*32), alloc(t, in, 4*8)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"short weights", in.MatVecF32(w, x, y, 9, 32), "matvec_f32: w has 1024 bytes, needs 1152"},
		{"short output", in.MatVecF32(w, x, y, 8, 32), ""},
		{"short output", in.MatVecF32(w, x, Buf{Off: y.Off, Len: 4}, 8, 32), "matvec_f32: y has 4 bytes, needs 32"},
		{"missing operand", in.Add(x, Buf{}, y, 8), "add: b has 0 bytes"},
		{"zero dimension", in.Softmax(x, x, 0, 4), "softmax: dimension 0 out of range"},
		{"negative dimension", in.GELU(x, x, -1), "gelu: dimension -1 out of range"},
		{"ragged Q8_0", in.MatVecQ8_0(w, x, y, 2, 48), "multiple of 32 columns, got 48"},
		{"short activations", in.MatVecQ4_0(w, x, y, 2, 64), "x has 128 bytes, needs 144"},
		{"odd head", in.RoPE(x, x, 1, 1, 3), "head dimension 3 is odd"},
		{"bad groups", in.Attention(Attention{Q: x, K: x, V: x, Out: x, Scratch: x, T: 1, S: 1, Heads: 3, KVHeads: 2, Dim: 4}), "not a multiple of 2 kv heads"},
		{"quantize ragged", in.QuantizeQ8_0(x, y, 31), "not a multiple of 32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want == "" {
				if c.err != nil {
					t.Fatalf("unexpected error %v", c.err)
				}
				return
			}
			if c.err == nil || !regexp.MustCompile(regexp.QuoteMeta(c.want)).MatchString(c.err.Error()) {
				t.Fatalf("error %v, want one containing %q", c.err, c.want)
			}
		})
	}
}

func TestAllocGrowsAndReleases(t *testing.T) {
	in := newInstance(t, SIMD)
	mark := in.Mark()
	b := alloc(t, in, 5<<20) // beyond the initial memory
	f := in.Float32s(b)
	f[len(f)-1] = 42
	if got := in.Float32s(b)[len(f)-1]; got != 42 {
		t.Fatalf("last float = %v after write", got)
	}
	if in.InUse() < 5<<20 {
		t.Fatalf("InUse %d after a 5 MiB allocation", in.InUse())
	}
	in.Release(mark)
	if c := alloc(t, in, 16); c.Off != b.Off {
		t.Fatalf("after Release, Alloc at %d, want %d", c.Off, b.Off)
	}
	if _, err := in.Alloc(1 << 33); err == nil {
		t.Fatal("an 8 GiB allocation succeeded")
	}
}

// TestWasmUpToDate rebuilds the kernels with build.sh and requires the bytes
// to equal the committed simd.wasm and scalar.wasm. It skips when clang or
// wasm-ld is not installed, or clang is not version 14 (Debian 12's, which
// built the committed files; other versions emit different code). `make
// kernels` installs both; .ci/run does too, so CI always checks.
func TestWasmUpToDate(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("clang not installed; run make kernels to install it and rebuild")
	}
	if _, err := exec.LookPath("wasm-ld"); err != nil {
		t.Skip("wasm-ld (Debian's lld) not installed; run make kernels to install it and rebuild")
	}
	v, err := exec.Command(clang, "--version").Output()
	if err != nil {
		t.Fatalf("clang --version: %v", err)
	}
	if !regexp.MustCompile(`clang version 14\.`).Match(v) {
		t.Skipf("clang is not version 14 (the committed kernels' compiler): %s", bytes.SplitN(v, []byte("\n"), 2)[0])
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "build.sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	for _, b := range builds {
		got, err := os.ReadFile(filepath.Join(dir, b.String()+".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b.Wasm()) {
			t.Errorf("%v.wasm is stale: the sources in c/ build to different bytes; run make kernels and commit the result", b)
		}
	}
}
