package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The K-quants pack 256 weights into a super-block (ggml's QK_K) split into
// sub-blocks that each have their own small integer scale, and the
// super-block scales those scales in f16. The layouts below are ggml's
// block_q4_K, block_q5_K and block_q6_K byte for byte:
//
//	Q4_K (144 bytes): d f16, dmin f16, scales[12], qs[128]
//	Q5_K (176 bytes): d f16, dmin f16, scales[12], qh[32], qs[128]
//	Q6_K (210 bytes): ql[128], qh[64], scales[16] int8, d f16
//
// Q4_K and Q5_K have eight sub-blocks of 32 with a 6-bit scale sc and a
// 6-bit min m each (packed into 12 bytes, see scaleMinK4); a weight is
// d*sc*q - dmin*m with q of 4 bits (Q5_K: plus a fifth bit from qh). Q6_K
// has sixteen sub-blocks of 16 with an int8 scale and 6-bit values offset by
// 32: d*sc*(q-32).
const qkK = 256

// scaleMinK4 unpacks the 6-bit scale and min of sub-block j (0-7) from the
// 12 scale bytes of a Q4_K or Q5_K block, as ggml's get_scale_min_k4: the
// first four pairs sit in the low 6 bits of bytes j and j+4; the last four
// keep their low 4 bits in byte j+4 and their high 2 bits in the top bits of
// bytes j-4 and j.
func scaleMinK4(j int, s []byte) (sc, m uint8) {
	if j < 4 {
		return s[j] & 63, s[j+4] & 63
	}
	return s[j+4]&0xf | (s[j-4]>>6)<<4, s[j+4]>>4 | (s[j]>>6)<<4
}

// packScaleMinK4 is scaleMinK4's inverse for eight 6-bit scales and mins.
func packScaleMinK4(sc, m *[8]uint8) [12]byte {
	var s [12]byte
	for j := 0; j < 8; j++ {
		if j < 4 {
			s[j] |= sc[j] & 63
			s[j+4] |= m[j] & 63
			continue
		}
		s[j+4] = sc[j]&0xf | (m[j]&0xf)<<4
		s[j-4] |= (sc[j] >> 4) << 6
		s[j] |= (m[j] >> 4) << 6
	}
	return s
}

// dequantizeQ4K5K decodes Q4_K (hi == false) or Q5_K blocks.
func dequantizeQ4K5K(out []float32, data []byte, hi bool) {
	bs := 144
	if hi {
		bs = 176
	}
	for b := 0; b < len(out)/qkK; b++ {
		blk := data[bs*b : bs*(b+1)]
		d := HalfToFloat(binary.LittleEndian.Uint16(blk))
		dmin := HalfToFloat(binary.LittleEndian.Uint16(blk[2:]))
		scales := blk[4:16]
		qs, qh := blk[16:], []byte(nil)
		if hi {
			qh, qs = blk[16:48], blk[48:]
		}
		y := out[qkK*b:]
		for j := 0; j < 8; j++ { // sub-block j: nibbles of the 32 bytes at 32*(j/2)
			sc, m := scaleMinK4(j, scales)
			d1, m1 := d*float32(sc), dmin*float32(m)
			shift := 4 * uint(j%2)
			for l := 0; l < 32; l++ {
				q := int(qs[32*(j/2)+l]>>shift) & 15
				if hi && qh[l]>>uint(j)&1 != 0 {
					q += 16
				}
				y[32*j+l] = d1*float32(q) - m1
			}
		}
	}
}

// dequantizeQ6K decodes Q6_K blocks: each half of 128 weights takes 64
// bytes of ql (low 4 bits; weights l and l+64 share byte l, l+32 and l+96
// share byte l+32) and 32 bytes of qh (two high bits of each of the four).
func dequantizeQ6K(out []float32, data []byte) {
	for b := 0; b < len(out)/qkK; b++ {
		blk := data[210*b : 210*(b+1)]
		d := HalfToFloat(binary.LittleEndian.Uint16(blk[208:]))
		for half := 0; half < 2; half++ {
			ql, qh := blk[64*half:], blk[128+32*half:]
			sc := blk[192+8*half:]
			y := out[qkK*b+128*half:]
			for l := 0; l < 32; l++ {
				q := [4]int{
					int(ql[l]&15 | (qh[l]&3)<<4),
					int(ql[l+32]&15 | (qh[l]>>2&3)<<4),
					int(ql[l]>>4 | (qh[l]>>4&3)<<4),
					int(ql[l+32]>>4 | (qh[l]>>6&3)<<4),
				}
				for k := 0; k < 4; k++ {
					y[l+32*k] = d * float32(int8(sc[l/16+2*k])) * float32(q[k]-32)
				}
			}
		}
	}
}

// roundInt rounds half away from zero, as ggml's nearest_int does for the
// values it quantizes.
func roundInt(v float32) int { return int(math.Round(float64(v))) }

// quantizeQ4K5K encodes x (a multiple of 256 values) as Q4_K or Q5_K
// blocks (nmax 15 or 31). Each sub-block's scale and min come from its
// range, then are themselves quantized to 6 bits against the super-block's
// largest scale and min. llama.cpp searches for scales that minimise the
// weighted error (make_qkx2_quants); this simpler choice produces valid
// blocks of the same layout with a somewhat larger error, which is all that
// test fixtures need.
func quantizeQ4K5K(x []float32, hi bool) []byte {
	nmax := float32(15)
	bs := 144
	if hi {
		nmax, bs = 31, 176
	}
	out := make([]byte, 0, len(x)/qkK*bs)
	for b := 0; b < len(x); b += qkK {
		blk := x[b : b+qkK]
		var scale, mins [8]float32
		var maxScale, maxMin float32
		for j := 0; j < 8; j++ {
			lo, hiV := float32(0), float32(0) // the min is clamped to <= 0, as ggml does
			for _, v := range blk[32*j : 32*j+32] {
				lo, hiV = min(lo, v), max(hiV, v)
			}
			scale[j], mins[j] = (hiV-lo)/nmax, -lo
			maxScale, maxMin = max(maxScale, scale[j]), max(maxMin, mins[j])
		}
		d, dmin := FloatToHalf(maxScale/63), FloatToHalf(maxMin/63)
		df, dminf := HalfToFloat(d), HalfToFloat(dmin)
		var sc, m [8]uint8
		for j := 0; j < 8; j++ {
			if df > 0 {
				sc[j] = uint8(min(63, roundInt(scale[j]/df)))
			}
			if dminf > 0 {
				m[j] = uint8(min(63, roundInt(mins[j]/dminf)))
			}
		}
		var q [qkK]uint8
		for j := 0; j < 8; j++ {
			d1, m1 := df*float32(sc[j]), dminf*float32(m[j])
			for l := 0; l < 32; l++ {
				if d1 > 0 {
					q[32*j+l] = uint8(max(0, min(int(nmax), roundInt((blk[32*j+l]+m1)/d1))))
				}
			}
		}
		out = binary.LittleEndian.AppendUint16(out, d)
		out = binary.LittleEndian.AppendUint16(out, dmin)
		s := packScaleMinK4(&sc, &m)
		out = append(out, s[:]...)
		if hi {
			var qh [32]byte
			for j := 0; j < 8; j++ {
				for l := 0; l < 32; l++ {
					qh[l] |= (q[32*j+l] >> 4) << uint(j)
				}
			}
			out = append(out, qh[:]...)
		}
		for c := 0; c < 4; c++ { // sub-blocks 2c (low nibbles) and 2c+1 (high)
			for l := 0; l < 32; l++ {
				out = append(out, q[64*c+l]&15|(q[64*c+32+l]&15)<<4)
			}
		}
	}
	return out
}

// quantizeQ6K encodes x (a multiple of 256 values) as Q6_K blocks: each
// sub-block of 16 maps its value of largest magnitude to -32 (as ggml's
// make_qx_quants starts), and the sixteen scales are quantized to int8
// against the largest.
func quantizeQ6K(x []float32) []byte {
	out := make([]byte, 0, len(x)/qkK*210)
	for b := 0; b < len(x); b += qkK {
		blk := x[b : b+qkK]
		var scale [16]float32
		var maxAbs, maxScale float32
		for j := 0; j < 16; j++ {
			var amax, mx float32
			for _, v := range blk[16*j : 16*j+16] {
				if a := float32(math.Abs(float64(v))); a > amax {
					amax, mx = a, v
				}
			}
			scale[j] = mx / -32
			if a := float32(math.Abs(float64(scale[j]))); a > maxAbs {
				maxAbs, maxScale = a, scale[j]
			}
		}
		d := FloatToHalf(maxScale / -128)
		df := HalfToFloat(d)
		var sc [16]int8
		var q [qkK]uint8
		for j := 0; j < 16; j++ {
			if df != 0 {
				sc[j] = int8(max(-128, min(127, roundInt(scale[j]/df))))
			}
			d1 := df * float32(sc[j])
			for l := 0; l < 16; l++ {
				v := 32
				if d1 != 0 {
					v = max(0, min(63, roundInt(blk[16*j+l]/d1)+32))
				}
				q[16*j+l] = uint8(v)
			}
		}
		var ql [128]byte
		var qh [64]byte
		for half := 0; half < 2; half++ {
			qv := q[128*half:]
			for l := 0; l < 32; l++ {
				ql[64*half+l] = qv[l]&15 | (qv[l+64]&15)<<4
				ql[64*half+l+32] = qv[l+32]&15 | (qv[l+96]&15)<<4
				qh[32*half+l] = qv[l]>>4 | (qv[l+32]>>4)<<2 | (qv[l+64]>>4)<<4 | (qv[l+96]>>4)<<6
			}
		}
		out = append(out, ql[:]...)
		out = append(out, qh[:]...)
		for _, s := range sc {
			out = append(out, byte(s))
		}
		out = binary.LittleEndian.AppendUint16(out, d)
	}
	return out
}

// checkK reports whether x is a whole number of super-blocks.
func checkK(t Type, n int) error {
	if n%qkK != 0 {
		return fmt.Errorf("gguf: %v needs a multiple of %d values, got %d", t, qkK, n)
	}
	return nil
}
