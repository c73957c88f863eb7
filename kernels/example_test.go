package kernels_test

import (
	"fmt"
	"log"

	"github.com/moltworker/molt/kernels"
)

// A matrix-vector product on one instance: weights and vectors are placed
// in the instance's memory, the result is read through a view.
func ExampleInstance_MatVecF32() {
	in, err := kernels.NewInstance(kernels.SIMD)
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	w, _ := in.Put([]float32{
		1, 2, 3,
		0, 1, 0,
	})
	x, _ := in.Put([]float32{1, 10, 100})
	y, _ := in.Alloc(2 * 4)
	if err := in.MatVecF32(w, x, y, 2, 3); err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Float32s(y))
	// Output: [321 10]
}

// A Q8_0 weight matrix resident in a pool of two instances, split by rows.
func ExamplePool() {
	pool, err := kernels.NewPool(kernels.SIMD, 2)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	pool.SplitBytes = 0 // split even this small matrix
	// Four rows of 32 weights: block scale 1.0 (f16 0x3c00), all values = row+1.
	var data []byte
	for r := 0; r < 4; r++ {
		data = append(data, 0x00, 0x3c)
		for i := 0; i < 32; i++ {
			data = append(data, byte(r+1))
		}
	}
	m, err := pool.Upload(kernels.Q8_0, 4, 32, data)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 32)
	for i := range x {
		x[i] = 1
	}
	y := make([]float32, 4)
	if err := m.MatVec(y, x); err != nil {
		log.Fatal(err)
	}
	// x is quantized to Q8_0 first (scale 1/127 rounded to f16), so the
	// products are close to, not exactly, 32*(row+1).
	fmt.Printf("%.2f\n", y)
	// Output: [32.00 64.00 95.99 127.99]
}
