package kernels

import "math"

// RoPETable fills cs (2*headDim floats per position) with the table the RoPE
// kernel reads for positions pos[0], pos[1], ...: for pair i the cosine
// twice, then -sin and +sin, with theta_i = base^(-2i/headDim). Computed in
// float64 so long positions keep their precision.
func RoPETable(cs []float32, pos []int, headDim int, base float64) {
	for r, p := range pos {
		row := cs[r*2*headDim : (r+1)*2*headDim]
		for i := 0; i < headDim/2; i++ {
			theta := float64(p) * math.Pow(base, -2*float64(i)/float64(headDim))
			sin, cos := math.Sincos(theta)
			row[2*i], row[2*i+1] = float32(cos), float32(cos)
			row[headDim+2*i], row[headDim+2*i+1] = float32(-sin), float32(sin)
		}
	}
}
