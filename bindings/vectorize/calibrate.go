package vectorize

import (
	"encoding/json"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// An HNSW graph's recall at a given beam width depends on the data: on vectors with structure
// (embeddings of text, which cluster by topic) a beam of a few dozen finds the exact
// neighbours, while on vectors without any (uniformly random ones, where the nearest are
// barely nearer than the rest) no affordable beam does: hnswlib finds 13% of the true top 10
// of 100 000 random 384-dimension vectors at ef 96 and 75% at ef 1600. A local Vectorize
// should not silently answer with a few of the right vectors, so each index calibrates itself
// in the background on the queries it is actually asked (the last calibrationQueries without
// a filter; the index's own vectors would flatter the graph, since their neighbours are their
// links): it finds the smallest beam that returns at least calibrationRecall of the exact top
// 10, and when the graph would have to compute more distances than half a scan to get there,
// it answers by exact search.

const (
	calibrationRecall  = 0.95
	calibrationQueries = 48
	calibrationMin     = 16 // queries needed before calibrating
	calibrationK       = 10
)

// tuning is what calibration learned; it is stored beside the graph snapshot.
type tuning struct {
	// Ef is the beam width reaching calibrationRecall; 0 before calibration.
	Ef int `json:"ef"`
	// Exact says the graph cannot reach it for less than a scan costs.
	Exact bool `json:"exact"`
	// Live is the vector count when measured: the index recalibrates once it changed by a tenth.
	Live int `json:"live"`
	// Queries are the recent queries it was measured with, kept for the next calibration.
	Queries [][]float32 `json:"queries,omitempty"`
}

// recentQueries keeps the last calibrationQueries query vectors of an index.
type recentQueries struct {
	mu   sync.Mutex
	qs   [][]float32
	next int
}

func (r *recentQueries) record(q []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := append([]float32(nil), q...)
	if len(r.qs) < calibrationQueries {
		r.qs = append(r.qs, c)
	} else {
		r.qs[r.next] = c
		r.next = (r.next + 1) % calibrationQueries
	}
}

func (r *recentQueries) snapshot() [][]float32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]float32(nil), r.qs...)
}

var tuningKey = []byte("tuning")

// Tuning reports how queries without a filter are answered: by the graph with beam width ef,
// or by exact search. Until calibrated, ef is Options.EfSearch's default.
func (x *Index) Tuning() (ef int, exact bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.store.opts.EfSearch > 0 || x.tune.Ef == 0 {
		return x.store.opts.efSearch(), false
	}
	return x.tune.Ef, x.tune.Exact
}

// stale reports whether the index should be calibrated (again): never calibrated, or its size
// changed by a tenth since. Not on every new set of queries: a calibration costs
// calibrationQueries exact searches (1.4 s of CPU at 100 000 × 384); x.mu is held.
func (x *Index) stale(queries int) bool {
	if x.store.opts.EfSearch > 0 || x.live <= x.store.opts.exactBelow() || queries < calibrationMin {
		return false
	}
	d := x.live - x.tune.Live
	return x.tune.Ef == 0 || d*10 > x.tune.Live || -d*10 > x.tune.Live
}

// calibrate measures the graph if the index changed enough since it last did, and stores what
// it found. Each query holds the read lock only while it runs, so writes go on meanwhile.
func (x *Index) calibrate() error {
	recent := x.recent.snapshot()
	x.mu.RLock()
	if len(recent) < calibrationMin && len(x.tune.Queries) >= calibrationMin {
		recent = x.tune.Queries // the queries of the last run, after a restart
	}
	if !x.stale(len(recent)) {
		x.mu.RUnlock()
		return nil
	}
	live := x.live
	x.mu.RUnlock()

	type query struct {
		q     []float32
		truth map[int32]bool
	}
	queries := make([]query, 0, len(recent))
	for _, q := range recent {
		x.mu.RLock()
		if len(q) != x.dims {
			x.mu.RUnlock()
			continue
		}
		truth := map[int32]bool{}
		for _, c := range x.exact(x.distTo(q, invNorm(q)), calibrationK, nil) {
			truth[c.s] = true
		}
		x.mu.RUnlock()
		queries = append(queries, query{q, truth})
	}
	if len(queries) == 0 {
		return nil
	}

	t := tuning{Live: live, Exact: true, Queries: recent}
	for ef := 16; ; ef *= 2 {
		hits, wanted, computed := 0, 0, 0
		for _, qu := range queries {
			x.mu.RLock()
			base := x.distTo(qu.q, invNorm(qu.q))
			counted := func(s int32) float32 { computed++; return base(s) }
			var keep func(int32) bool
			if x.live < len(x.slots) {
				keep = x.usable
			}
			for _, c := range best(x.g.search(counted, max(ef, calibrationK), keep), calibrationK) {
				if qu.truth[c.s] {
					hits++
				}
			}
			x.mu.RUnlock()
			wanted += len(qu.truth)
		}
		if float64(hits) >= calibrationRecall*float64(wanted) {
			t.Ef, t.Exact = ef, false
			break
		}
		// A graph step costs more than a scan step (random memory access, the heaps), so
		// the graph loses once it computes half as many distances as a scan.
		if computed/len(queries) > live/2 {
			t.Ef = ef
			break
		}
	}
	x.mu.Lock()
	x.tune = t
	x.mu.Unlock()
	raw, _ := json.Marshal(t)
	err := x.store.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(graphBucket(x.name))
		if b == nil {
			return nil // no snapshot yet: the next one will be followed by a calibration
		}
		return b.Put(tuningKey, raw)
	})
	if err != nil {
		return fmt.Errorf("vectorize %s: storing the calibration: %w", x.name, err)
	}
	x.store.log.Debug("vectorize: calibrated", "index", x.name, "vectors", live, "ef", t.Ef, "exact", t.Exact)
	return nil
}
