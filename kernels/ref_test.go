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
	}
	return out
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
