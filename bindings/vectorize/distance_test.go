package vectorize

import (
	"math"
	"testing"
)

// The unrolled kernels must agree with the plain float64 definitions for every length,
// including the tails that are not a multiple of eight.
func TestDistanceKernels(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 383, 384, 1536} {
		a, b := randomUnit(2, max(n, 1), uint64(n)+3)[0][:n], randomUnit(2, max(n, 1), uint64(n)+3)[1][:n]
		var wantDot, wantL2 float64
		for i := range a {
			wantDot += float64(a[i]) * float64(b[i])
			d := float64(a[i]) - float64(b[i])
			wantL2 += d * d
		}
		if got := float64(dot(a, b)); math.Abs(got-wantDot) > 1e-5 {
			t.Errorf("dot, %d elements: %v, want %v", n, got, wantDot)
		}
		if got := float64(l2sq(a, b)); math.Abs(got-wantL2) > 1e-5 {
			t.Errorf("l2sq, %d elements: %v, want %v", n, got, wantL2)
		}
	}
	if invNorm(make([]float32, 4)) != 0 {
		t.Error("the zero vector's inverse norm is not 0")
	}
}

func BenchmarkDot384(b *testing.B) {
	v := randomUnit(2, 384, 1)
	var s float32
	for b.Loop() {
		s += dot(v[0], v[1])
	}
	_ = s
}

func BenchmarkL2sq384(b *testing.B) {
	v := randomUnit(2, 384, 1)
	var s float32
	for b.Loop() {
		s += l2sq(v[0], v[1])
	}
	_ = s
}
