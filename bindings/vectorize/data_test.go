package vectorize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// randomUnit returns n random unit vectors of dims dimensions, reproducibly from seed.
func randomUnit(n, dims int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dims)
		var sum float64
		for j := range v {
			x := r.NormFloat64()
			v[j] = float32(x)
			sum += x * x
		}
		inv := 1 / math.Sqrt(sum)
		for j := range v {
			v[j] *= float32(inv)
		}
		out[i] = v
	}
	return out
}

// clustered returns n vectors around k random centres with Gaussian spread, as embeddings of
// a corpus with topics look; queries drawn the same way land near a centre.
func clustered(n, dims, k int, spread float64, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	centres := randomUnit(k, dims, 77) // the same topics for data and queries
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(k)]
		v := make([]float32, dims)
		var sum float64
		for j := range v {
			x := float64(c[j]) + r.NormFloat64()*spread/math.Sqrt(float64(dims))
			v[j] = float32(x)
			sum += x * x
		}
		inv := 1 / math.Sqrt(sum)
		for j := range v {
			v[j] *= float32(inv)
		}
		out[i] = v
	}
	return out
}

// fill creates index name in a new store under dir and upserts vecs in batches of MaxBatch,
// with ids "v<i>".
func fill(tb testing.TB, dir, name string, metric Metric, vecs [][]float32, opts Options) (*Store, *Binding) {
	tb.Helper()
	s, err := Open(filepath.Join(dir, "vectorize.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.CreateIndex(IndexConfig{Name: name, Dimensions: len(vecs[0]), Metric: metric}); err != nil {
		tb.Fatal(err)
	}
	b := NewBinding(s, name)
	for i := 0; i < len(vecs); i += MaxBatch {
		batch := make([]Vector, 0, MaxBatch)
		for j := i; j < min(i+MaxBatch, len(vecs)); j++ {
			batch = append(batch, Vector{ID: fmt.Sprintf("v%d", j), Values: vecs[j]})
		}
		if _, err := b.Upsert(batch); err != nil {
			tb.Fatal(err)
		}
	}
	return s, b
}

// recallAt measures the mean fraction of the exact top k that the index's search returns.
func recallAt(tb testing.TB, x *Index, queries [][]float32, k int) float64 {
	tb.Helper()
	return recallWhere(tb, x, queries, k, "", nil, nil)
}

// recallWhere is the mean recall@k of x's search in namespace ns with filter f, against an
// exact scan of the slots keep accepts (every slot when keep is nil).
func recallWhere(tb testing.TB, x *Index, queries [][]float32, k int, ns string, f filter, keep func(slot) bool) float64 {
	tb.Helper()
	total := 0.0
	for _, q := range queries {
		x.mu.RLock()
		var allowed []int32
		if keep != nil {
			for sl := range x.slots {
				if keep(x.slots[sl]) {
					allowed = append(allowed, int32(sl))
				}
			}
		}
		exact := x.exact(x.distTo(q, invNorm(q)), k, allowed)
		got := x.search(q, k, ns, f)
		x.mu.RUnlock()
		want := map[int32]bool{}
		for _, c := range exact {
			want[c.s] = true
		}
		hit := 0
		for _, c := range got {
			if want[c.s] {
				hit++
			}
		}
		total += float64(hit) / float64(len(exact))
	}
	return total / float64(len(queries))
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
