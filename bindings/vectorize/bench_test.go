package vectorize

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
)

// The benchmarks share one index of clustered 384-dimension vectors, built on first use:
// MOLT_VECTORIZE_BENCH_N vectors (default 10 000; go run ./bench/vectorize reports on 100 000).
// Every vector has {"bucket": i % 100} with a number metadata index, for the filter benchmarks.
var benchIndex struct {
	once    sync.Once
	store   *Store
	b       *Binding
	queries [][]float32
}

func benchSetup(b *testing.B) (*Binding, [][]float32) {
	benchIndex.once.Do(func() {
		n := 10000
		if v, err := strconv.Atoi(os.Getenv("MOLT_VECTORIZE_BENCH_N")); err == nil && v > 0 {
			n = v
		}
		dir, err := os.MkdirTemp("", "molt-vectorize-bench")
		if err != nil {
			b.Fatal(err)
		}
		s, err := Open(dir+"/vectorize.db", Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.CreateIndex(IndexConfig{Name: "bench", Dimensions: 384, Metric: Cosine})
		x, _ := s.Index("bench")
		x.CreateMetadataIndex("bucket", Number)
		bind := NewBinding(s, "bench")
		vecs := clustered(n, 384, 100, 0.8, 1)
		for i := 0; i < n; i += MaxBatch {
			batch := make([]Vector, 0, MaxBatch)
			for j := i; j < min(i+MaxBatch, n); j++ {
				batch = append(batch, Vector{ID: fmt.Sprint(j), Values: vecs[j], Metadata: json.RawMessage(fmt.Sprintf(`{"bucket":%d}`, j%100))})
			}
			if _, err := bind.Upsert(batch); err != nil {
				b.Fatal(err)
			}
		}
		benchIndex.store, benchIndex.b, benchIndex.queries = s, bind, clustered(256, 384, 100, 0.8, 2)
	})
	return benchIndex.b, benchIndex.queries
}

func benchQuery(b *testing.B, opts QueryOptions, exact bool) {
	bind, qs := benchSetup(b)
	s := benchIndex.store
	saved := s.opts.ExactBelow
	if exact {
		s.opts.ExactBelow = math.MaxInt
	}
	defer func() { s.opts.ExactBelow = saved }()
	i := 0
	for b.Loop() {
		if _, err := bind.Query(qs[i%len(qs)], opts); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkQueryGraph(b *testing.B) { benchQuery(b, QueryOptions{TopK: 10}, false) }
func BenchmarkQueryExact(b *testing.B) { benchQuery(b, QueryOptions{TopK: 10}, true) }

// One vector in a hundred passes: exact search over the filtered set.
func BenchmarkQueryFilter1Percent(b *testing.B) {
	benchQuery(b, QueryOptions{TopK: 10, Filter: json.RawMessage(`{"bucket":7}`)}, false)
}

// Half pass: the graph with a widened beam.
func BenchmarkQueryFilter50Percent(b *testing.B) {
	benchQuery(b, QueryOptions{TopK: 10, Filter: json.RawMessage(`{"bucket":{"$lt":50}}`)}, false)
}

// BenchmarkUpsert measures linking new vectors into the shared index, one batch of 100 per
// iteration (the index grows as it runs).
func BenchmarkUpsert(b *testing.B) {
	bind, _ := benchSetup(b)
	next := 0
	for b.Loop() {
		batch := make([]Vector, 100)
		vecs := clustered(100, 384, 100, 0.8, uint64(1000+next))
		for i := range batch {
			batch[i] = Vector{ID: fmt.Sprintf("u%d-%d", next, i), Values: vecs[i]}
		}
		if _, err := bind.Upsert(batch); err != nil {
			b.Fatal(err)
		}
		next++
	}
}
