// Command vectorize measures molt's Vectorize index on generated data and prints a report:
// insert throughput, build time, on-disk size, reload time, query latency (p50/p99) of the
// graph and of exact search, and recall@k of the graph against exact search.
//
//	go run ./bench/vectorize -n 100000 -dims 384 -data random
//	go run ./bench/vectorize -n 100000 -dims 384 -data clustered
//
// It runs on one core (GOMAXPROCS 1) unless -procs says otherwise.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moltworker/molt/bindings/vectorize"
)

func main() {
	n := flag.Int("n", 100000, "vectors in the index")
	dims := flag.Int("dims", 384, "dimensions")
	data := flag.String("data", "random", "random (unit vectors) or clustered (around 100 centres)")
	queries := flag.Int("queries", 200, "queries to time")
	k := flag.Int("k", 10, "topK")
	efs := flag.String("ef", "0", "HNSW beam widths of queries to report, comma-separated (0: the default)")
	m := flag.Int("m", 0, "HNSW M (0: the default)")
	efc := flag.Int("efc", 0, "HNSW efConstruction (0: the default)")
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	state := flag.String("state", "", "keep the index in this directory, and reuse one built there by an earlier run with the same flags")
	dump := flag.String("dump", "", "write the data, queries and exact answers here for the peer (peer/run.mjs)")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)

	gen := func(count int, seed uint64) [][]float32 { return randomUnit(count, *dims, seed) }
	if *data == "clustered" {
		gen = func(count int, seed uint64) [][]float32 { return clustered(count, *dims, 100, 0.8, seed) }
	}
	vecs, qs := gen(*n, 1), gen(*queries, 2)

	dir := *state
	if dir == "" {
		tmp, err := os.MkdirTemp("", "molt-vectorize-bench")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	path := filepath.Join(dir, "vectorize.db")
	_, statErr := os.Stat(path)
	reuse := statErr == nil
	var efList []int
	for _, f := range strings.Split(*efs, ",") {
		e, err := strconv.Atoi(f)
		if err != nil {
			log.Fatalf("-ef %q: %v", *efs, err)
		}
		efList = append(efList, e)
	}
	opts := vectorize.Options{M: *m, EfConstruction: *efc, SnapshotEvery: time.Hour}

	s, err := vectorize.Open(path, opts)
	if err != nil {
		log.Fatal(err)
	}
	if !reuse {
		if _, err := s.CreateIndex(vectorize.IndexConfig{Name: "bench", Dimensions: *dims, Metric: vectorize.Cosine}); err != nil {
			log.Fatal(err)
		}
	}
	b := vectorize.NewBinding(s, "bench")
	start := time.Now()
	for i := 0; i < len(vecs) && !reuse; i += vectorize.MaxBatch {
		batch := make([]vectorize.Vector, 0, vectorize.MaxBatch)
		for j := i; j < min(i+vectorize.MaxBatch, len(vecs)); j++ {
			batch = append(batch, vectorize.Vector{ID: fmt.Sprintf("v%d", j), Values: vecs[j]})
		}
		if _, err := b.Upsert(batch); err != nil {
			log.Fatal(err)
		}
	}
	build := time.Since(start)
	if err := s.Close(); err != nil { // writes the graph snapshot
		log.Fatal(err)
	}
	closeTime := time.Since(start) - build
	fi, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}

	start = time.Now()
	s, err = vectorize.Open(path, opts)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := s.Index("bench"); err != nil {
		log.Fatal(err)
	}
	reload := time.Since(start)
	s.Close()

	exactOpts := opts
	exactOpts.ExactBelow = math.MaxInt
	s, err = vectorize.Open(path, exactOpts)
	if err != nil {
		log.Fatal(err)
	}
	exactIDs, exactLat := run(vectorize.NewBinding(s, "bench"), qs, *k)
	s.Close()
	if *dump != "" {
		if err := writeDump(*dump, vecs, qs, exactIDs); err != nil {
			log.Fatal(err)
		}
	}

	type graphRun struct {
		ef     int
		lat    []time.Duration
		recall float64
		tuned  string
	}
	var graphRuns []graphRun
	for _, e := range efList {
		o := opts
		o.EfSearch = e
		tuned := ""
		if e == 0 {
			// The index calibrates on the queries it is asked: warm it up with others than
			// the measured ones, and let Close calibrate.
			s, err = vectorize.Open(path, o)
			if err != nil {
				log.Fatal(err)
			}
			run(vectorize.NewBinding(s, "bench"), gen(*queries, 3), *k)
			if err := s.Close(); err != nil {
				log.Fatal(err)
			}
		}
		s, err = vectorize.Open(path, o)
		if err != nil {
			log.Fatal(err)
		}
		if e == 0 {
			x, err := s.Index("bench")
			if err != nil {
				log.Fatal(err)
			}
			ef, exact := x.Tuning()
			tuned = fmt.Sprintf(" (calibrated: ef %d)", ef)
			if exact {
				tuned = " (calibrated: exact search)"
			}
		}
		ids, lat := run(vectorize.NewBinding(s, "bench"), qs, *k)
		s.Close()
		recall := 0.0
		for i := range qs {
			hit := 0
			for _, id := range ids[i] {
				if slices.Contains(exactIDs[i], id) {
					hit++
				}
			}
			recall += float64(hit) / float64(len(exactIDs[i]))
		}
		graphRuns = append(graphRuns, graphRun{e, lat, recall / float64(len(qs)), tuned})
	}

	fmt.Printf("data %s, %d × %d, cosine, topK %d, GOMAXPROCS %d, %s\n", *data, *n, *dims, *k, *procs, runtime.Version())
	if reuse {
		fmt.Printf("build: reused the index in %s\n", dir)
	} else {
		fmt.Printf("build (upsert in batches of %d): %v, %.0f vectors/s\n", vectorize.MaxBatch, build.Round(time.Millisecond), float64(*n)/build.Seconds())
		fmt.Printf("close (graph snapshot): %v\n", closeTime.Round(time.Millisecond))
	}
	fmt.Printf("on disk: %.1f MiB\n", float64(fi.Size())/(1<<20))
	fmt.Printf("reload: %v\n", reload.Round(time.Millisecond))
	fmt.Printf("exact query: p50 %v p99 %v\n", pct(exactLat, 50), pct(exactLat, 99))
	for _, g := range graphRuns {
		if g.ef == 0 {
			fmt.Printf("default query%s: p50 %v p99 %v, recall@%d %.4f\n", g.tuned, pct(g.lat, 50), pct(g.lat, 99), *k, g.recall)
			continue
		}
		fmt.Printf("graph query, ef %d: p50 %v p99 %v, recall@%d %.4f\n", g.ef, pct(g.lat, 50), pct(g.lat, 99), *k, g.recall)
	}
}

// writeDump writes data.f32 and queries.f32 (little-endian float32 rows) and truth.json (the
// exact top k of each query as row numbers).
func writeDump(dir string, vecs, qs [][]float32, exact [][]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rows := func(name string, v [][]float32) error {
		b := make([]byte, 0, len(v)*len(v[0])*4)
		for _, r := range v {
			for _, f := range r {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
		}
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	if err := rows("data.f32", vecs); err != nil {
		return err
	}
	if err := rows("queries.f32", qs); err != nil {
		return err
	}
	truth := make([][]int, len(exact))
	for i, ids := range exact {
		for _, id := range ids {
			n, _ := strconv.Atoi(strings.TrimPrefix(id, "v"))
			truth[i] = append(truth[i], n)
		}
	}
	b, err := json.Marshal(map[string]any{"dims": len(vecs[0]), "truth": truth})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "truth.json"), b, 0o644)
}

func run(b *vectorize.Binding, qs [][]float32, k int) ([][]string, []time.Duration) {
	ids := make([][]string, len(qs))
	lat := make([]time.Duration, len(qs))
	for i, q := range qs {
		t := time.Now()
		res, err := b.Query(q, vectorize.QueryOptions{TopK: k})
		lat[i] = time.Since(t)
		if err != nil {
			log.Fatal(err)
		}
		for _, m := range res.Matches {
			ids[i] = append(ids[i], m.ID)
		}
	}
	return ids, lat
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)].Round(10 * time.Microsecond)
}

func randomUnit(n, dims int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	for i := range out {
		out[i] = normalize(func(int) float64 { return r.NormFloat64() }, dims)
	}
	return out
}

// clustered draws vectors around k random centres, as embeddings of a corpus with topics do.
func clustered(n, dims, k int, spread float64, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	centres := randomUnit(k, dims, 77)
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(k)]
		out[i] = normalize(func(j int) float64 { return float64(c[j]) + r.NormFloat64()*spread/math.Sqrt(float64(dims)) }, dims)
	}
	return out
}

func normalize(f func(int) float64, dims int) []float32 {
	v := make([]float32, dims)
	var sum float64
	for j := range v {
		x := f(j)
		v[j] = float32(x)
		sum += x * x
	}
	inv := float32(1 / math.Sqrt(sum))
	for j := range v {
		v[j] *= inv
	}
	return v
}
