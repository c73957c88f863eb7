package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The benchmarks compare the SIMD build, the scalar build (both in wazero)
// and plain Go loops on the same shapes. GB/s counts weight bytes read
// (matrix-vector products are memory-bound); GFLOP/s counts 2mnk.
//
//	go test -run '^$' -bench . ./kernels/

type benchImpl struct {
	name  string
	build Build
	goFn  bool
}

var benchImpls = []benchImpl{{"simd", SIMD, false}, {"scalar", Scalar, false}, {"go", 0, true}}

func BenchmarkMatVec(b *testing.B) {
	const rows, cols = 4096, 4096
	for _, typ := range []Type{F32, F16, Q8_0, Q4_0} {
		r := rand.New(rand.NewPCG(1, 1))
		w := randomMatrix(r, typ, rows, cols)
		x := randomFloats(r, cols, 1)
		y := make([]float32, rows)
		for _, impl := range benchImpls {
			b.Run(fmt.Sprintf("%v/%s", typ, impl.name), func(b *testing.B) {
				if impl.goFn {
					f := goMatVec(typ, w, rows, cols)
					for b.Loop() {
						f(y, x)
					}
				} else {
					p, err := NewPool(impl.build, 1)
					if err != nil {
						b.Fatal(err)
					}
					defer p.Close()
					m, err := p.Upload(typ, rows, cols, w)
					if err != nil {
						b.Fatal(err)
					}
					for b.Loop() {
						if err := m.MatVec(y, x); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(len(w))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
		b.Run(fmt.Sprintf("%v/simd-pool2", typ), func(b *testing.B) {
			p, err := NewPool(SIMD, 2)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			m, err := p.Upload(typ, rows, cols, w)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := m.MatVec(y, x); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(w))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

func BenchmarkMatMul(b *testing.B) {
	const m, n, k = 512, 512, 512
	for _, typ := range []Type{F32, Q8_0} {
		r := rand.New(rand.NewPCG(2, 2))
		w := randomMatrix(r, typ, n, k)
		a := randomFloats(r, m*k, 1)
		c := make([]float32, m*n)
		run := func(b *testing.B, build Build, cores int) {
			p, err := NewPool(build, cores)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			p.SplitBytes = 0
			mat, err := p.Upload(typ, n, k, w)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := mat.MatMul(c, a, m); err != nil {
					b.Fatal(err)
				}
			}
		}
		flops := func(b *testing.B) {
			b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("%v/simd", typ), func(b *testing.B) { run(b, SIMD, 1); flops(b) })
		b.Run(fmt.Sprintf("%v/scalar", typ), func(b *testing.B) { run(b, Scalar, 1); flops(b) })
		b.Run(fmt.Sprintf("%v/go", typ), func(b *testing.B) {
			f := goMatVec(typ, w, n, k)
			for b.Loop() {
				for i := 0; i < m; i++ {
					f(c[i*n:(i+1)*n], a[i*k:(i+1)*k])
				}
			}
			flops(b)
		})
		b.Run(fmt.Sprintf("%v/simd-pool2", typ), func(b *testing.B) { run(b, SIMD, 2); flops(b) })
	}
}

// BenchmarkRow times the row operations on one row of 4096 floats.
func BenchmarkRow(b *testing.B) {
	const n = 4096
	r := rand.New(rand.NewPCG(3, 3))
	x, w, bias := randomFloats(r, n, 2), randomFloats(r, n, 1), randomFloats(r, n, 1)
	ops := []struct {
		name string
		wasm func(in *Instance, x, w, bias, out Buf) error
		goFn func(out []float32)
	}{
		{"softmax", func(in *Instance, x, w, bias, out Buf) error { return in.Softmax(x, out, 1, n) },
			func(out []float32) { goSoftmax(out, x) }},
		{"rms_norm", func(in *Instance, x, w, bias, out Buf) error { return in.RMSNorm(x, w, out, 1, n, 1e-6) },
			func(out []float32) { goRMSNorm(out, x, w) }},
		{"layer_norm", func(in *Instance, x, w, bias, out Buf) error { return in.LayerNorm(x, w, bias, out, 1, n, 1e-12) },
			func(out []float32) { goLayerNorm(out, x, w, bias) }},
		{"gelu", func(in *Instance, x, w, bias, out Buf) error { return in.GELU(x, out, n) },
			func(out []float32) {
				for i, v := range x {
					out[i] = float32(geluRef(float64(v)))
				}
			}},
		{"silu", func(in *Instance, x, w, bias, out Buf) error { return in.SiLU(x, out, n) },
			func(out []float32) {
				for i, v := range x {
					out[i] = v / (1 + float32(math.Exp(float64(-v))))
				}
			}},
		{"add", func(in *Instance, x, w, bias, out Buf) error { return in.Add(x, w, out, n) },
			func(out []float32) {
				for i := range out {
					out[i] = x[i] + w[i]
				}
			}},
		{"mul", func(in *Instance, x, w, bias, out Buf) error { return in.Mul(x, w, out, n) },
			func(out []float32) {
				for i := range out {
					out[i] = x[i] * w[i]
				}
			}},
		// RoPE over one position of 32 heads of 128 (a 4096-wide llama row);
		// w holds the cos/sin table (2*128 floats used).
		{"rope", func(in *Instance, x, w, bias, out Buf) error { return in.RoPE(out, w, 1, 32, 128) },
			func(out []float32) {
				for h := 0; h < 32; h++ {
					for i := 0; i < 64; i++ {
						c, s := w[2*i], w[128+2*i+1]
						x0, x1 := out[h*128+2*i], out[h*128+2*i+1]
						out[h*128+2*i], out[h*128+2*i+1] = x0*c-x1*s, x0*s+x1*c
					}
				}
			}},
	}
	for _, op := range ops {
		for _, impl := range benchImpls {
			b.Run(op.name+"/"+impl.name, func(b *testing.B) {
				if impl.goFn {
					out := make([]float32, n)
					for b.Loop() {
						op.goFn(out)
					}
					return
				}
				in := newInstance(b, impl.build)
				xb, wb, bb, out := put(b, in, x), put(b, in, w), put(b, in, bias), alloc(b, in, 4*n)
				for b.Loop() {
					if err := op.wasm(in, xb, wb, bb, out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkCallOverhead is the cost of one host call into a kernel with
// almost no work (add of 4 floats), the floor under every kernel call.
func BenchmarkCallOverhead(b *testing.B) {
	in := newInstance(b, SIMD)
	x := alloc(b, in, 16)
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Add(x, x, x, 4); err != nil {
			b.Fatal(err)
		}
	}
}

// goMatVec returns a plain Go matrix-vector product for a weight matrix of
// type t, the way one would write it without kernels.
func goMatVec(t Type, w []byte, rows, cols int) func(y, x []float32) {
	switch t {
	case F32:
		wf := make([]float32, rows*cols)
		for i := range wf {
			wf[i] = math.Float32frombits(uint32(w[4*i]) | uint32(w[4*i+1])<<8 | uint32(w[4*i+2])<<16 | uint32(w[4*i+3])<<24)
		}
		return func(y, x []float32) {
			for r := range rows {
				row := wf[r*cols : (r+1)*cols]
				var s float32
				for i, v := range row {
					s += v * x[i]
				}
				y[r] = s
			}
		}
	case F16:
		return func(y, x []float32) {
			for r := range rows {
				row := w[2*r*cols : 2*(r+1)*cols]
				var s float32
				for i := range cols {
					s += halfToFloat32(uint16(row[2*i])|uint16(row[2*i+1])<<8) * x[i]
				}
				y[r] = s
			}
		}
	}
	bs := 34
	if t == Q4_0 {
		bs = 18
	}
	xq := make([]byte, Q8Bytes(cols))
	return func(y, x []float32) {
		goQuantize(xq, x)
		nb := cols / 32
		for r := range rows {
			var s float32
			for b := range nb {
				wb, xb := w[(r*nb+b)*bs:], xq[b*34:]
				var d int32
				if t == Q8_0 {
					for i := range 32 {
						d += int32(int8(wb[2+i])) * int32(int8(xb[2+i]))
					}
				} else {
					for i := range 16 {
						d += (int32(wb[2+i]&15) - 8) * int32(int8(xb[2+i]))
						d += (int32(wb[2+i]>>4) - 8) * int32(int8(xb[18+i]))
					}
				}
				s += float32(d) * halfToFloat32(uint16(wb[0])|uint16(wb[1])<<8) * halfToFloat32(uint16(xb[0])|uint16(xb[1])<<8)
			}
			y[r] = s
		}
	}
}

// halfToFloat32 is the bit-manipulation conversion a Go program would use.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	em := uint32(h & 0x7fff)
	f := math.Float32frombits(em<<13) * 0x1p112
	if em >= 0x7c00 {
		f = math.Float32frombits(em<<13 | 0x7f800000)
	}
	return math.Float32frombits(math.Float32bits(f) | sign)
}

func goQuantize(out []byte, x []float32) {
	copy(out, quantizeRef(x))
}

func goSoftmax(out, x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var s float32
	for i, v := range x {
		out[i] = float32(math.Exp(float64(v - m)))
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
}

func goRMSNorm(out, x, w []float32) {
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	k := 1 / float32(math.Sqrt(float64(ss/float32(len(x))+1e-6)))
	for i, v := range x {
		out[i] = v * k * w[i]
	}
}

func goLayerNorm(out, x, w, b []float32) {
	var mean, vr float32
	for _, v := range x {
		mean += v
	}
	mean /= float32(len(x))
	for _, v := range x {
		vr += (v - mean) * (v - mean)
	}
	k := 1 / float32(math.Sqrt(float64(vr/float32(len(x))+1e-12)))
	for i, v := range x {
		out[i] = (v-mean)*k*w[i] + b[i]
	}
}

// BenchmarkAttention is one BERT-base/bge-small attention layer's core: 128
// tokens, 12 heads of 64. GFLOP/s counts the two products (4·t²·heads·d).
func BenchmarkAttention(b *testing.B) {
	const t, h, d = 128, 12, 64
	r := rand.New(rand.NewPCG(1, 1))
	q, k, v := randomFloats(r, t*h*d, 1), randomFloats(r, t*h*d, 1), randomFloats(r, t*h*d, 1)
	for _, build := range builds {
		b.Run(build.String(), func(b *testing.B) {
			in := newInstance(b, build)
			a := Attention{Q: put(b, in, q), K: put(b, in, k), V: put(b, in, v), Out: alloc(b, in, 4*t*h*d),
				Scratch: alloc(b, in, 4*t), T: t, S: t, Heads: h, KVHeads: h, Dim: d, Scale: 0.125}
			for b.Loop() {
				if err := in.Attention(a); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(4*t*t*h*d*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkBatchedDecode compares one matrix-vector product with a product
// over 4 rows (4 sequences decoding together) on a 4096x768 matrix, the
// shape of a 125M model's fused gate/up projection: ns/row says what
// batching saves per token.
func BenchmarkBatchedDecode(b *testing.B) {
	const n, k = 4096, 768
	for _, typ := range []Type{Q8_0, F16, Q4_K, Q6_K} {
		r := rand.New(rand.NewPCG(3, 3))
		w := randomMatrix(r, typ, n, k)
		for _, m := range []int{1, 4} {
			b.Run(fmt.Sprintf("%v/rows=%d", typ, m), func(b *testing.B) {
				p, err := NewPool(SIMD, 1)
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				mat, err := p.Upload(typ, n, k, w)
				if err != nil {
					b.Fatal(err)
				}
				a, c := randomFloats(r, m*k, 1), make([]float32, m*n)
				for b.Loop() {
					if m == 1 {
						err = mat.MatVec(c, a)
					} else {
						err = mat.MatMul(c, a, m)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*m), "ns/row")
			})
		}
	}
}
