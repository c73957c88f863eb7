package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FloatToHalf converts f to IEEE half precision, rounding to nearest-even (the
// conversion ggml uses, so scales match llama.cpp bit for bit).
func FloatToHalf(f float32) uint16 {
	base := (float32(math.Abs(float64(f))) * 0x1p112) * 0x1p-110
	w := math.Float32bits(f)
	shl1 := w + w
	sign := w & 0x80000000
	bias := shl1 & 0xff000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits((bias>>1)+0x07800000) + base
	bits := math.Float32bits(base)
	nonsign := (bits>>13)&0x7c00 + bits&0x0fff
	if shl1 > 0xff000000 {
		nonsign = 0x7e00 // NaN
	}
	return uint16(sign>>16 | nonsign)
}

// HalfToFloat widens an IEEE half.
func HalfToFloat(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	em := uint32(h & 0x7fff)
	// Multiplying by 2^112 rebiases normals and normalises subnormals exactly.
	f := math.Float32frombits(em<<13) * 0x1p112
	if em >= 0x7c00 {
		f = math.Float32frombits(em<<13 | 0x7f800000)
	}
	return math.Float32frombits(math.Float32bits(f) | sign)
}

// QuantizeQ8_0 encodes x (a multiple of 32 values) as Q8_0 blocks: scale
// max|x|/127 in f16, values rounded to nearest-even.
func QuantizeQ8_0(x []float32) ([]byte, error) {
	if len(x)%32 != 0 {
		return nil, fmt.Errorf("gguf: Q8_0 needs a multiple of 32 values, got %d", len(x))
	}
	out := make([]byte, 0, len(x)/32*34)
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
		out = binary.LittleEndian.AppendUint16(out, FloatToHalf(d))
		for _, v := range x[b : b+32] {
			out = append(out, byte(int8(math.RoundToEven(float64(v*id)))))
		}
	}
	return out, nil
}

// QuantizeQ4_0 encodes x (a multiple of 32 values) as Q4_0 blocks the way
// llama.cpp does: the scale maps the value of largest magnitude to -8, and
// each value is truncated from x/scale + 8.5 into 0..15.
func QuantizeQ4_0(x []float32) ([]byte, error) {
	if len(x)%32 != 0 {
		return nil, fmt.Errorf("gguf: Q4_0 needs a multiple of 32 values, got %d", len(x))
	}
	out := make([]byte, 0, len(x)/32*18)
	for b := 0; b < len(x); b += 32 {
		blk := x[b : b+32]
		var amax, mx float32
		for _, v := range blk {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax, mx = a, v
			}
		}
		d := mx / -8
		var id float32
		if d != 0 {
			id = 1 / d
		}
		out = binary.LittleEndian.AppendUint16(out, FloatToHalf(d))
		for i := 0; i < 16; i++ {
			lo := min(15, int8(float32(blk[i]*id)+8.5)) // no fused multiply-add: llama.cpp rounds the product
			hi := min(15, int8(float32(blk[16+i]*id)+8.5))
			out = append(out, byte(lo)|byte(hi)<<4)
		}
	}
	return out, nil
}

// Dequantize decodes n values of type t (F32, F16, Q8_0, Q4_0, Q4_K, Q5_K
// or Q6_K) from data.
func Dequantize(t Type, data []byte, n int) ([]float32, error) {
	size, err := t.RowBytes(uint64(n))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) < size {
		return nil, fmt.Errorf("gguf: %d values of %v need %d bytes, got %d", n, t, size, len(data))
	}
	out := make([]float32, n)
	switch t {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = HalfToFloat(binary.LittleEndian.Uint16(data[2*i:]))
		}
	case Q8_0:
		for b := 0; b < n/32; b++ {
			blk := data[34*b : 34*b+34]
			d := HalfToFloat(binary.LittleEndian.Uint16(blk))
			for i := 0; i < 32; i++ {
				out[32*b+i] = d * float32(int8(blk[2+i]))
			}
		}
	case Q4_0:
		for b := 0; b < n/32; b++ {
			blk := data[18*b : 18*b+18]
			d := HalfToFloat(binary.LittleEndian.Uint16(blk))
			for i := 0; i < 16; i++ {
				out[32*b+i] = d * float32(int(blk[2+i]&15)-8)
				out[32*b+16+i] = d * float32(int(blk[2+i]>>4)-8)
			}
		}
	case Q4_K, Q5_K:
		dequantizeQ4K5K(out, data, t == Q5_K)
	case Q6_K:
		dequantizeQ6K(out, data)
	default:
		return nil, fmt.Errorf("gguf: dequantizing %v is not supported", t)
	}
	return out, nil
}

// Encode converts x to type t (F32, F16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K).
func Encode(t Type, x []float32) ([]byte, error) {
	switch t {
	case F32:
		out := make([]byte, 0, 4*len(x))
		for _, v := range x {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
		return out, nil
	case F16:
		out := make([]byte, 0, 2*len(x))
		for _, v := range x {
			out = binary.LittleEndian.AppendUint16(out, FloatToHalf(v))
		}
		return out, nil
	case Q8_0:
		return QuantizeQ8_0(x)
	case Q4_0:
		return QuantizeQ4_0(x)
	case Q4_K, Q5_K:
		if err := checkK(t, len(x)); err != nil {
			return nil, err
		}
		return quantizeQ4K5K(x, t == Q5_K), nil
	case Q6_K:
		if err := checkK(t, len(x)); err != nil {
			return nil, err
		}
		return quantizeQ6K(x), nil
	}
	return nil, fmt.Errorf("gguf: encoding %v is not supported", t)
}
