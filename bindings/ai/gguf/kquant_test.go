package gguf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKQuantLayouts decodes hand-built blocks whose values follow from
// ggml's block structs and get_scale_min_k4 worked by hand, so a misplaced
// bit or byte in Dequantize shows.
func TestKQuantLayouts(t *testing.T) {
	cases := []struct {
		name  string
		typ   Type
		set   map[int]byte // byte offset in the block -> value
		index int
		want  float32
	}{
		// Sub-block 5 (a high one): sc = s[9]&15 | (s[1]>>6)<<4 = 2|3<<4 = 50,
		// m = s[9]>>4 | (s[5]>>6)<<4 = 5|2<<4 = 37; value 163 is the high
		// nibble of qs[64+3]: 7. d = 1, dmin = 0.5: 50*7 - 0.5*37.
		{"Q4_K", Q4_K, map[int]byte{0: 0x00, 1: 0x3c, 2: 0x00, 3: 0x38, 4 + 1: 0xc1, 4 + 5: 0x82, 4 + 9: 0x52, 16 + 64 + 3: 0x70}, 163, 331.5},
		// Sub-block 3 (a low one): sc = s[3]&63 = 9, m = s[7]&63 = 4; value
		// 103 is the high nibble of qs[32+7] (11) plus 16 from bit 3 of qh[7].
		{"Q5_K", Q5_K, map[int]byte{1: 0x3c, 3: 0x3c, 4 + 3: 9, 4 + 7: 4, 16 + 7: 0x08, 48 + 32 + 7: 0xb0}, 103, 9*27 - 4},
		// Value 200: second half, l = 8, third quarter: high nibble of
		// ql[64+8] (10) and bits 4-5 of qh[32+8] (2): q = 42, minus 32; scale
		// 16 sub-blocks in, number 12 (-3); d = 2.
		{"Q6_K", Q6_K, map[int]byte{64 + 8: 0xa0, 128 + 32 + 8: 0x20, 192 + 12: 0xfd, 208: 0x00, 209: 0x40}, 200, -60},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			size, _ := c.typ.RowBytes(256)
			blk := make([]byte, size)
			for off, v := range c.set {
				blk[off] = v
			}
			got, err := Dequantize(c.typ, blk, 256)
			if err != nil {
				t.Fatal(err)
			}
			if got[c.index] != c.want {
				t.Fatalf("value %d = %v, want %v", c.index, got[c.index], c.want)
			}
		})
	}
}

// TestKQuantRoundTrip encodes random values and checks the decoded error
// against each type's step size, relative to the super-block's range.
func TestKQuantRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	x := randomValues(r, 256*24)
	for i := 0; i < 256; i++ {
		x[i] = 0 // an all-zero super-block
	}
	for i := 256; i < 512; i++ {
		x[i] = float32(i%7) + 1 // positive only: the min clamps to 0
	}
	for _, c := range []struct {
		typ Type
		tol float64 // of the super-block's largest magnitude
	}{{Q4_K, 0.16}, {Q5_K, 0.08}, {Q6_K, 0.05}} {
		t.Run(c.typ.String(), func(t *testing.T) {
			enc, err := Encode(c.typ, x)
			if err != nil {
				t.Fatal(err)
			}
			if size, _ := c.typ.RowBytes(uint64(len(x))); uint64(len(enc)) != size {
				t.Fatalf("%d bytes, want %d", len(enc), size)
			}
			dec, err := Dequantize(c.typ, enc, len(x))
			if err != nil {
				t.Fatal(err)
			}
			var sum2 float64
			for b := 0; b < len(x); b += 256 {
				var amax float64
				for _, v := range x[b : b+256] {
					amax = max(amax, math.Abs(float64(v)))
				}
				for i := b; i < b+256; i++ {
					d := math.Abs(float64(dec[i] - x[i]))
					if d > c.tol*amax {
						t.Fatalf("value %d: %v decoded as %v (|diff| %.3g > %.3g)", i, x[i], dec[i], d, c.tol*amax)
					}
					sum2 += d * d
				}
			}
			t.Logf("rms error %.4f", math.Sqrt(sum2/float64(len(x))))
		})
	}
	if _, err := Encode(Q4_K, x[:100]); err == nil {
		t.Fatal("100 values encoded as Q4_K")
	}
}
