package testutil

import "math"

// Attend is one head of scaled dot-product attention written plainly in float64, for the
// reference forward passes of model tests: the softmax of q·keys[j]/√len(q) weighting values[j].
// keys and values hold the head's slice of each position attended to.
func Attend(q []float64, keys, values [][]float64) []float64 {
	sc := make([]float64, len(keys))
	mx := math.Inf(-1)
	for j, k := range keys {
		for e := range q {
			sc[j] += q[e] * k[e]
		}
		sc[j] /= math.Sqrt(float64(len(q)))
		mx = math.Max(mx, sc[j])
	}
	var sum float64
	for j := range sc {
		sc[j] = math.Exp(sc[j] - mx)
		sum += sc[j]
	}
	out := make([]float64, len(q))
	for j, v := range values {
		for e := range out {
			out[e] += sc[j] / sum * v[e]
		}
	}
	return out
}
