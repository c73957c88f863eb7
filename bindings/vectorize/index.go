package vectorize

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"
)

// Index is one vector index in memory: the vectors in a float32 slab indexed by slot, what
// goes with each slot, and the HNSW graph over the slots. Mutations are written to the Store
// first and applied here after, one at a time; queries run concurrently with each other.
type Index struct {
	store *Store
	name  string

	wmu sync.Mutex   // serialises mutations: disk first, then memory
	mu  sync.RWMutex // guards everything below

	state indexState
	dims  int
	vecs  []float32 // slot*dims ... (slot+1)*dims
	inv   []float32 // 1/|v| per slot, for cosine
	sq    []float32 // |v|² per slot, for euclidean
	slots []slot
	byID  map[string]int32
	free  []int32 // deleted slots, reused by later inserts
	live  int

	nsIDs   map[string]uint32 // namespace → id; 0 is "no namespace"
	nsNames []string
	nsLive  map[uint32]int // live vectors per namespace id

	g     *graph
	dirty bool   // changed since the last graph snapshot
	tune  tuning // see calibrate.go

	recent recentQueries
}

// slot is what an Index knows of one stored vector besides its values.
type slot struct {
	id      string
	seq     uint64 // the mutation that wrote it
	ns      uint32
	live    bool
	meta    json.RawMessage
	indexed []indexedValue
}

// Name is the index's name.
func (x *Index) Name() string { return x.name }

// Config is the index's configuration.
func (x *Index) Config() IndexConfig {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.state.IndexConfig
}

// Len is the number of vectors stored.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

func newIndex(s *Store, st indexState) *Index {
	return &Index{store: s, name: st.Name, state: st, dims: st.Dimensions, byID: map[string]int32{},
		nsIDs: map[string]uint32{}, nsNames: []string{""}, nsLive: map[uint32]int{}, g: newGraph(s.opts.graph())}
}

func (x *Index) nsID(ns string) uint32 {
	if ns == "" {
		return 0
	}
	id, ok := x.nsIDs[ns]
	if !ok {
		id = uint32(len(x.nsNames))
		x.nsIDs[ns] = id
		x.nsNames = append(x.nsNames, ns)
	}
	return id
}

func (x *Index) vec(s int32) []float32 {
	return x.vecs[int(s)*x.dims : int(s+1)*x.dims : int(s+1)*x.dims]
}

// distTo returns the distance function from q (of inverse norm qinv) to the slots; smaller is
// nearer for every metric, and score turns it into Cloudflare's score.
func (x *Index) distTo(q []float32, qinv float32) distFunc {
	switch x.state.Metric {
	case Euclidean:
		qsq := dot(q, q)
		return func(s int32) float32 { return max(qsq+x.sq[s]-2*dot(q, x.vec(s)), 0) }
	case DotProduct:
		return func(s int32) float32 { return -dot(q, x.vec(s)) }
	}
	return func(s int32) float32 { return 1 - dot(q, x.vec(s))*qinv*x.inv[s] }
}

func (x *Index) pair(a, b int32) float32 {
	switch x.state.Metric {
	case Euclidean:
		return max(x.sq[a]+x.sq[b]-2*dot(x.vec(a), x.vec(b)), 0)
	case DotProduct:
		return -dot(x.vec(a), x.vec(b))
	}
	return 1 - dot(x.vec(a), x.vec(b))*x.inv[a]*x.inv[b]
}

func (x *Index) score(d float32) float64 {
	switch x.state.Metric {
	case Euclidean:
		return math.Sqrt(float64(d))
	case DotProduct:
		return float64(d)
	}
	return 1 - float64(d)
}

// allocSlot returns a free slot, reusing a deleted one unless it is the graph's entry point,
// whose links every search starts from.
func (x *Index) allocSlot() int32 {
	for i := len(x.free) - 1; i >= 0; i-- {
		s := x.free[i]
		if s == x.g.entry {
			continue
		}
		x.free = append(x.free[:i], x.free[i+1:]...)
		return s
	}
	s := int32(len(x.slots))
	x.slots = append(x.slots, slot{})
	x.vecs = append(x.vecs, make([]float32, x.dims)...)
	x.inv = append(x.inv, 0)
	x.sq = append(x.sq, 0)
	x.g.grow(len(x.slots))
	return s
}

// put places v in a slot and links it into the graph; x.mu is held for writing.
func (x *Index) put(v *Vector, seq uint64, indexed []indexedValue) {
	if old, ok := x.byID[v.ID]; ok {
		x.remove(old)
	}
	s := x.allocSlot()
	x.place(s, v, seq, indexed)
	x.g.insert(s, x.distTo(x.vec(s), x.inv[s]), x.pair, x.usable)
}

// place fills slot s without touching the graph.
func (x *Index) place(s int32, v *Vector, seq uint64, indexed []indexedValue) {
	copy(x.vec(s), v.Values)
	x.setNorms(s)
	x.slots[s] = slot{id: v.ID, seq: seq, ns: x.nsID(v.Namespace), live: true, meta: v.Metadata, indexed: indexed}
	x.byID[v.ID] = s
	x.nsLive[x.slots[s].ns]++
	x.live++
}

// setNorms records the norms of slot s's values.
func (x *Index) setNorms(s int32) {
	v := x.vec(s)
	x.inv[s] = invNorm(v)
	x.sq[s] = dot(v, v)
}

// remove turns slot s into a deleted waypoint; x.mu is held for writing.
func (x *Index) remove(s int32) {
	delete(x.byID, x.slots[s].id)
	x.nsLive[x.slots[s].ns]--
	x.slots[s] = slot{}
	x.free = append(x.free, s)
	x.live--
}

func (x *Index) usable(s int32) bool { return x.slots[s].live }

// search returns the k nearest live vectors to q that pass ns and f, nearest first. The
// strategy depends on how many vectors may match: exact search when they are few (a small
// index, or a selective namespace or filter, where a graph walk would have to wade through
// rejected nodes and lose recall), the graph otherwise, with a beam widened by the inverse of
// the fraction that passes so that enough passing nodes are found.
func (x *Index) search(q []float32, k int, ns string, f filter) []candidate {
	qinv := invNorm(q)
	dist := x.distTo(q, qinv)
	var nsID uint32
	if ns != "" {
		id, ok := x.nsIDs[ns]
		if !ok {
			return nil
		}
		nsID = id
	}
	opts := x.store.opts
	efSearch, useExact := opts.efSearch(), false
	if opts.EfSearch == 0 && x.tune.Ef > 0 {
		efSearch, useExact = x.tune.Ef, x.tune.Exact
	}
	if ns == "" && len(f) == 0 {
		if x.live <= opts.exactBelow() {
			return x.exact(dist, k, nil)
		}
		if useExact {
			x.recent.record(q)
			return x.exact(dist, k, nil)
		}
		x.recent.record(q)
		var keep func(int32) bool
		if x.live < len(x.slots) {
			keep = x.usable
		}
		return best(x.g.search(dist, max(efSearch, k), keep), k)
	}
	exactMax := max(opts.exactBelow(), opts.exactFiltered(x.dims))
	if len(f) == 0 && !useExact && x.nsLive[nsID] > exactMax {
		// A large namespace alone: no pass over every slot to list its members.
		ef := max(efSearch, k)
		ef = min(int(float64(ef)*float64(x.live)/float64(x.nsLive[nsID]))+1, 4*ef, x.live)
		return best(x.g.search(dist, ef, func(s int32) bool { return x.slots[s].live && x.slots[s].ns == nsID }), k)
	}
	allowed := make([]int32, 0, 1024)
	for s := range x.slots {
		sl := &x.slots[s]
		if sl.live && (ns == "" || sl.ns == nsID) && f.matches(sl.indexed) {
			allowed = append(allowed, int32(s))
		}
	}
	if len(allowed) == 0 {
		return nil
	}
	if useExact || len(allowed) <= exactMax {
		return x.exact(dist, k, allowed)
	}
	pass := make([]bool, len(x.slots))
	for _, s := range allowed {
		pass[s] = true
	}
	ef := max(efSearch, k)
	ef = min(int(float64(ef)*float64(x.live)/float64(len(allowed)))+1, 4*ef, x.live)
	return best(x.g.search(dist, ef, func(s int32) bool { return pass[s] }), k)
}

// exact scores every candidate slot (all live ones when slots is nil) and keeps the k best.
// A candidate enters the heap only when it beats the worst kept, so the heap work is
// negligible next to the distances.
func (x *Index) exact(dist distFunc, k int, slots []int32) []candidate {
	h := make(maxHeap, 0, k+1)
	consider := func(s int32, d float32) {
		if len(h) < k {
			h.push(candidate{d, s})
		} else if d < h[0].d {
			h.pop()
			h.push(candidate{d, s})
		}
	}
	if slots == nil {
		for s := range x.slots {
			if x.slots[s].live {
				consider(int32(s), dist(int32(s)))
			}
		}
	} else {
		for _, s := range slots {
			consider(s, dist(s))
		}
	}
	out := []candidate(h)
	sortCandidates(out)
	return out
}

func best(c []candidate, k int) []candidate {
	sortCandidates(c)
	if len(c) > k {
		c = c[:k]
	}
	return c
}

// matches builds the query answer from the candidates; x.mu is held.
func (x *Index) matches(q []float32, c []candidate, returnValues bool, returnMetadata string) Matches {
	out := Matches{Count: len(c), Matches: make([]Match, len(c))}
	for i, cd := range c {
		sl := &x.slots[cd.s]
		m := Match{ID: sl.id, Namespace: x.nsNames[sl.ns], Score: x.score(cd.d)}
		if x.state.Metric == Euclidean && q != nil {
			// The search's |q|²+|v|²-2q·v loses precision for near-identical vectors.
			m.Score = math.Sqrt(float64(l2sq(q, x.vec(cd.s))))
		}
		if returnValues {
			m.Values = append([]float32(nil), x.vec(cd.s)...)
		}
		switch returnMetadata {
		case "all":
			m.Metadata = sl.meta
		case "indexed":
			if len(sl.indexed) > 0 {
				m.Metadata = indexedJSON(sl.indexed)
			}
		}
		out.Matches[i] = m
	}
	return out
}

// getVector returns the stored vector of id; x.mu is held.
func (x *Index) getVector(id string) (Vector, bool) {
	s, ok := x.byID[id]
	if !ok {
		return Vector{}, false
	}
	sl := &x.slots[s]
	return Vector{ID: sl.id, Namespace: x.nsNames[sl.ns], Values: append([]float32(nil), x.vec(s)...), Metadata: sl.meta}, true
}

// info is describe()'s answer.
func (x *Index) info() Info {
	x.mu.RLock()
	defer x.mu.RUnlock()
	in := Info{Dimensions: x.dims, VectorCount: x.live}
	if x.state.LastMutation != "" {
		id, at := x.state.LastMutation, x.state.LastMutationAt.UTC().Format(time.RFC3339Nano)
		in.ProcessedUpToMutation, in.ProcessedUpToDatetime = &id, &at
	}
	return in
}

// MetadataIndexes lists the index's metadata indexes in creation order.
func (x *Index) MetadataIndexes() []MetadataIndex {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]MetadataIndex(nil), x.state.metadataIndexes()...)
}

// String names the index, for logs.
func (x *Index) String() string { return fmt.Sprintf("vectorize index %q", x.name) }
