package kernels

import (
	"math"
	"math/rand/v2"
)

// Plain float64 references for the kernel tests, written for clarity and
// independently of the C sources.

func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)
	switch e {
	case 0:
		return sign * m * math.Pow(2, -24)
	case 31:
		if m == 0 {
			return sign * math.Inf(1)
		}
		return math.NaN()
	}
	return sign * (1 + m/1024) * math.Pow(2, float64(e-15))
}

// floatToHalf rounds to nearest-even by searching the neighbouring halves,
// which is slow and obviously right.
func floatToHalf(f float32) uint16 {
	x := float64(f)
	if math.IsNaN(x) {
		return 0x7e00
	}
	var sign uint16
	if math.Signbit(x) {
		sign, x = 0x8000, -x
	}
	if x >= 65520 {
		return sign | 0x7c00
	}
	best := uint16(0)
	for lo, hi := uint16(0), uint16(0x7c00); lo <= hi; {
		mid := (lo + hi) / 2
		if halfToFloat(mid) <= x {
			best, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best < 0x7bff {
		a, b := x-halfToFloat(best), halfToFloat(best+1)-x
		if b < a || (a == b && best&1 == 1) {
			best++
		}
	}
	return sign | best
}

func quantizeRef(x []float32) []byte {
	out := make([]byte, 0, Q8Bytes(len(x)))
	for b := 0; b < len(x); b += 32 {
		var amax float32
		for _, v := range x[b : b+32] {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		h := floatToHalf(d)
		out = append(out, byte(h), byte(h>>8))
		for _, v := range x[b : b+32] {
			out = append(out, byte(int8(math.RoundToEven(float64(float32(v*id))))))
		}
	}
	return out
}

// decodeA8 expands one row of n activations in the A8 layout.
func decodeA8(a []byte, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		q := int16(uint16(a[2*i]) | uint16(a[2*i+1])<<8)
		d := math.Float32frombits(uint32(a[2*n+4*(i/32)]) | uint32(a[2*n+4*(i/32)+1])<<8 | uint32(a[2*n+4*(i/32)+2])<<16 | uint32(a[2*n+4*(i/32)+3])<<24)
		out[i] = float64(q) * float64(d)
	}
	return out
}

// dequant expands a row of type t to float64.
func dequant(t Type, row []byte, cols int) []float64 {
	out := make([]float64, cols)
	switch t {
	case F32:
		for i := range out {
			out[i] = float64(math.Float32frombits(uint32(row[4*i]) | uint32(row[4*i+1])<<8 | uint32(row[4*i+2])<<16 | uint32(row[4*i+3])<<24))
		}
	case F16:
		for i := range out {
			out[i] = halfToFloat(uint16(row[2*i]) | uint16(row[2*i+1])<<8)
		}
	case Q8_0:
		for b := 0; b < cols/32; b++ {
			blk := row[34*b:]
			d := halfToFloat(uint16(blk[0]) | uint16(blk[1])<<8)
			for i := 0; i < 32; i++ {
				out[32*b+i] = d * float64(int8(blk[2+i]))
			}
		}
	case Q4_0:
		for b := 0; b < cols/32; b++ {
			blk := row[18*b:]
			d := halfToFloat(uint16(blk[0]) | uint16(blk[1])<<8)
			for i := 0; i < 16; i++ {
				out[32*b+i] = d * float64(int(blk[2+i]&15)-8)
				out[32*b+16+i] = d * float64(int(blk[2+i]>>4)-8)
			}
		}
	case Q4_K, Q5_K:
		dequantQ45K(out, row, t == Q5_K)
	case Q6_K:
		dequantQ6K(out, row)
	}
	return out
}

// getScaleMinK4 is ggml's get_scale_min_k4.
func getScaleMinK4(j int, q []byte) (d, m int) {
	if j < 4 {
		return int(q[j] & 63), int(q[j+4] & 63)
	}
	return int(q[j+4]&0xF | (q[j-4]>>6)<<4), int(q[j+4]>>4 | (q[j]>>6)<<4)
}

// dequantQ45K follows ggml's dequantize_row_q4_K / q5_K loop by loop.
func dequantQ45K(y []float64, x []byte, q5 bool) {
	bs := 144
	if q5 {
		bs = 176
	}
	for i := 0; i < len(y)/256; i++ {
		blk := x[bs*i:]
		d := halfToFloat(uint16(blk[0]) | uint16(blk[1])<<8)
		dmin := halfToFloat(uint16(blk[2]) | uint16(blk[3])<<8)
		scales, ql, qh := blk[4:16], blk[16:], blk[16:48]
		if q5 {
			ql = blk[48:]
		}
		out := y[256*i:]
		is, u1, u2 := 0, byte(1), byte(2)
		for j := 0; j < 256; j += 64 {
			sc, m := getScaleMinK4(is, scales)
			d1, m1 := d*float64(sc), dmin*float64(m)
			sc, m = getScaleMinK4(is+1, scales)
			d2, m2 := d*float64(sc), dmin*float64(m)
			for l := 0; l < 32; l++ {
				v := int(ql[l] & 0xF)
				if q5 && qh[l]&u1 != 0 {
					v += 16
				}
				out[j+l] = d1*float64(v) - m1
			}
			for l := 0; l < 32; l++ {
				v := int(ql[l] >> 4)
				if q5 && qh[l]&u2 != 0 {
					v += 16
				}
				out[j+32+l] = d2*float64(v) - m2
			}
			ql = ql[32:]
			is += 2
			u1 <<= 2
			u2 <<= 2
		}
	}
}

// dequantQ6K follows ggml's dequantize_row_q6_K.
func dequantQ6K(y []float64, x []byte) {
	for i := 0; i < len(y)/256; i++ {
		blk := x[210*i:]
		d := halfToFloat(uint16(blk[208]) | uint16(blk[209])<<8)
		ql, qh, sc := blk[0:128], blk[128:192], blk[192:208]
		out := y[256*i:]
		for n := 0; n < 256; n += 128 {
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int(int8(ql[l]&0xF|(qh[l]>>0&3)<<4)) - 32
				q2 := int(int8(ql[l+32]&0xF|(qh[l]>>2&3)<<4)) - 32
				q3 := int(int8(ql[l]>>4|(qh[l]>>4&3)<<4)) - 32
				q4 := int(int8(ql[l+32]>>4|(qh[l]>>6&3)<<4)) - 32
				out[n+l] = d * float64(int8(sc[is])) * float64(q1)
				out[n+l+32] = d * float64(int8(sc[is+2])) * float64(q2)
				out[n+l+64] = d * float64(int8(sc[is+4])) * float64(q3)
				out[n+l+96] = d * float64(int8(sc[is+6])) * float64(q4)
			}
			ql, qh, sc = ql[64:], qh[32:], sc[8:]
		}
	}
}

// randomMatrix returns rows×cols weights of type t as raw bytes: random
// floats, or random blocks (any scale, any quant values) for Q8_0/Q4_0.
func randomMatrix(r *rand.Rand, t Type, rows, cols int) []byte {
	rb, err := t.RowBytes(cols)
	if err != nil {
		panic(err)
	}
	out := make([]byte, rows*rb)
	switch t {
	case F32:
		for i := 0; i < rows*cols; i++ {
			u := math.Float32bits(float32(r.NormFloat64()))
			out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		}
	case F16:
		for i := 0; i < rows*cols; i++ {
			h := floatToHalf(float32(r.NormFloat64()))
			out[2*i], out[2*i+1] = byte(h), byte(h>>8)
		}
	case Q8_0, Q4_0:
		bs := 34
		if t == Q4_0 {
			bs = 18
		}
		for b := 0; b < len(out); b += bs {
			for i := b + 2; i < b+bs; i++ {
				out[i] = byte(r.IntN(256))
			}
			h := floatToHalf(float32(0.001 + 0.02*r.Float64()))
			out[b], out[b+1] = byte(h), byte(h>>8)
		}
	case Q4_K, Q5_K, Q6_K:
		for i := range out {
			out[i] = byte(r.IntN(256))
		}
		// Every bit random but the f16 scales, kept small and finite.
		bs, scales := blockInfo[t][1], []int{0, 2}
		if t == Q6_K {
			scales = []int{208}
		}
		for b := 0; b < len(out); b += bs {
			for _, o := range scales {
				h := floatToHalf(float32(0.0001 + 0.002*r.Float64()))
				out[b+o], out[b+o+1] = byte(h), byte(h>>8)
			}
		}
	}
	return out
}

func randomFloats(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func dot64(a []float64, b []float64) (s, abs float64) {
	for i := range a {
		s += a[i] * b[i]
		abs += math.Abs(a[i] * b[i])
	}
	return s, abs
}

func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func expRef(x float64) float64 { return math.Exp(x) }

func geluRef(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

func siluRef(x float64) float64 { return x / (1 + math.Exp(-x)) }
