package vectorize

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// graph is a Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016) over the slots
// of an Index. Layer 0 holds every node with up to m0 links in one flat array, so a search
// touches contiguous memory; the few nodes on upper layers (one in m per layer) keep their
// links in small slices. Deleted nodes stay in the graph as waypoints and are never returned;
// their slots are reused by later inserts (see Index.allocSlot).
type graph struct {
	m, m0          int
	efConstruction int
	ml             float64

	levels []int8      // per slot; -1 when the slot is not in the graph
	links0 []int32     // slot*m0 ... slot*m0+n0[slot]
	n0     []uint8     // layer-0 link counts
	dist0  []float32   // the distance of each layer-0 link to its node, NaN when not known
	upper  [][][]int32 // upper[slot][l-1] are the links on layer l ≥ 1

	entry    int32 // -1 when the graph is empty
	maxLevel int

	rng     *rand.Rand
	visited sync.Pool // *visitSet
}

// graphParams are the construction parameters; the defaults suit 100–1536 dimensions.
type graphParams struct {
	M, EfConstruction int
}

var defaultGraphParams = graphParams{M: 16, EfConstruction: 128}

func newGraph(p graphParams) *graph {
	g := &graph{m: p.M, m0: 2 * p.M, efConstruction: p.EfConstruction, ml: 1 / math.Log(float64(p.M)), entry: -1,
		rng: rand.New(rand.NewPCG(0x6d6f6c74, 0x76656374))}
	return g
}

// grow makes room for slots [0, n).
func (g *graph) grow(n int) {
	for len(g.levels) < n {
		g.levels = append(g.levels, -1)
		g.n0 = append(g.n0, 0)
		g.upper = append(g.upper, nil)
	}
	if need := n * g.m0; len(g.links0) < need {
		nan := float32(math.NaN())
		for len(g.dist0) < need {
			g.dist0 = append(g.dist0, nan)
		}
		g.links0 = append(g.links0, make([]int32, need-len(g.links0))...)
	}
}

func (g *graph) links(s int32, level int) []int32 {
	if level == 0 {
		base := int(s) * g.m0
		return g.links0[base : base+int(g.n0[s])]
	}
	return g.upper[s][level-1]
}

func (g *graph) setLinks(s int32, level int, l []int32) {
	if level == 0 {
		base := int(s) * g.m0
		copy(g.links0[base:base+g.m0], l)
		g.n0[s] = uint8(len(l))
		return
	}
	g.upper[s][level-1] = append(g.upper[s][level-1][:0], l...)
}

// candidate is a slot with its distance to the query.
type candidate struct {
	d float32
	s int32
}

// minHeap and maxHeap are binary heaps of candidates by distance, written out rather than
// through container/heap to keep the interface calls out of the search loop.
type minHeap []candidate

func (h *minHeap) push(c candidate) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d <= a[i].d {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() candidate {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && a[l].d < a[m].d {
			m = l
		}
		if r < n && a[r].d < a[m].d {
			m = r
		}
		if m == i {
			break
		}
		a[m], a[i] = a[i], a[m]
		i = m
	}
	*h = a
	return top
}

type maxHeap []candidate

func (h *maxHeap) push(c candidate) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].d >= a[i].d {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *maxHeap) pop() candidate {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && a[l].d > a[m].d {
			m = l
		}
		if r < n && a[r].d > a[m].d {
			m = r
		}
		if m == i {
			break
		}
		a[m], a[i] = a[i], a[m]
		i = m
	}
	*h = a
	return top
}

// visitSet marks visited slots with an epoch, so clearing it between searches is free.
type visitSet struct {
	marks []uint32
	epoch uint32
	cand  minHeap
	res   maxHeap
}

func (g *graph) visitSet() *visitSet {
	v, _ := g.visited.Get().(*visitSet)
	if v == nil {
		v = &visitSet{}
	}
	if len(v.marks) < len(g.levels) {
		v.marks = make([]uint32, len(g.levels)+len(g.levels)/4)
		v.epoch = 0
	}
	v.epoch++
	if v.epoch == 0 {
		clear(v.marks)
		v.epoch = 1
	}
	return v
}

// distFunc is the distance from the query at hand to a slot.
type distFunc func(s int32) float32

// greedy descends from ep through the layers above level, one closest hop at a time.
func (g *graph) greedy(dist distFunc, ep candidate, from, level int) candidate {
	for l := from; l > level; l-- {
		for changed := true; changed; {
			changed = false
			for _, n := range g.links(ep.s, l) {
				if d := dist(n); d < ep.d {
					ep, changed = candidate{d, n}, true
				}
			}
		}
	}
	return ep
}

// searchLayer is the beam search of one layer from ep: it returns up to ef of the closest
// slots that keep reports as a result, unordered. Slots that keep rejects are still traversed,
// so a filter or a deletion does not cut the graph; the search stops once the nearest
// unexplored candidate is farther than the worst of ef results.
func (g *graph) searchLayer(v *visitSet, dist distFunc, ep candidate, ef, level int, keep func(int32) bool) []candidate {
	cand, res := v.cand[:0], v.res[:0]
	v.marks[ep.s] = v.epoch
	cand.push(ep)
	if keep == nil || keep(ep.s) {
		res.push(ep)
	}
	for len(cand) > 0 {
		c := cand.pop()
		if len(res) >= ef && c.d > res[0].d {
			break
		}
		for _, n := range g.links(c.s, level) {
			if v.marks[n] == v.epoch {
				continue
			}
			v.marks[n] = v.epoch
			d := dist(n)
			if len(res) < ef || d < res[0].d {
				cand.push(candidate{d, n})
				if keep == nil || keep(n) {
					res.push(candidate{d, n})
					if len(res) > ef {
						res.pop()
					}
				}
			}
		}
	}
	v.cand, v.res = cand, res
	return res
}

// search returns up to ef candidates for the query, nearest-first not guaranteed.
func (g *graph) search(dist distFunc, ef int, keep func(int32) bool) []candidate {
	if g.entry < 0 {
		return nil
	}
	ep := g.greedy(dist, candidate{dist(g.entry), g.entry}, g.maxLevel, 0)
	v := g.visitSet()
	res := g.searchLayer(v, dist, ep, ef, 0, keep)
	out := append([]candidate(nil), res...)
	g.visited.Put(v)
	return out
}

// randomLevel draws a node's top layer from the exponential distribution of the paper.
func (g *graph) randomLevel() int {
	l := int(-math.Log(1-g.rng.Float64()) * g.ml)
	return min(l, 30)
}

// insert links slot s into the graph. dist measures from s's vector; pair measures between two
// slots; usable says whether a slot may become a neighbour (deleted ones may not).
func (g *graph) insert(s int32, dist distFunc, pair func(a, b int32) float32, usable func(int32) bool) {
	// A reused slot keeps at least its old height: other nodes may link to it on every layer
	// it had. Its old links stay until each layer's new ones replace them, so that searches
	// passing through it meanwhile are not stranded.
	level := max(g.randomLevel(), int(g.levels[s]))
	for len(g.upper[s]) < level {
		g.upper[s] = append(g.upper[s], make([]int32, 0, g.m))
	}
	g.levels[s] = int8(level)
	if g.entry < 0 {
		g.entry, g.maxLevel = s, level
		return
	}
	ep := g.greedy(dist, candidate{dist(g.entry), g.entry}, g.maxLevel, level)
	v := g.visitSet()
	for l := min(level, g.maxLevel); l >= 0; l-- {
		v.epoch++
		if v.epoch == 0 {
			clear(v.marks)
			v.epoch = 1
		}
		found := g.searchLayer(v, dist, ep, g.efConstruction, l, nil)
		pool := make([]candidate, 0, len(found))
		for _, c := range found {
			if c.s != s && usable(c.s) {
				pool = append(pool, c)
			}
		}
		// The nearest found, other than s, is the entry of the next layer down.
		for _, c := range found {
			if c.s != s && (ep.s == s || c.d < ep.d) {
				ep = c
			}
		}
		maxLinks := g.m
		if l == 0 {
			maxLinks = g.m0
		}
		neigh := g.selectNeighbors(pool, g.m, pair)
		ids := make([]int32, len(neigh))
		for i, c := range neigh {
			ids[i] = c.s
		}
		g.setLinks(s, l, ids)
		if l == 0 {
			for i, c := range neigh {
				g.dist0[int(s)*g.m0+i] = c.d
			}
		}
		for _, c := range neigh {
			g.addLink(c.s, s, c.d, l, maxLinks, pair)
		}
	}
	g.visited.Put(v)
	if level > g.maxLevel {
		g.entry, g.maxLevel = s, level
	}
}

// addLink adds s, at distance d, to n's links on layer l. When they are full, the upper
// layers run the heuristic again over the links and s; layer 0, where nearly every insert
// lands on full nodes, applies the heuristic to s alone, which costs one distance per link
// instead of one per pair of links (the full heuristic dominated building, at about half a
// millisecond per insert at 384 dimensions):
//
//   - s is refused if a link nearer to n than s is nearer to s than n is: it adds no direction;
//   - otherwise s replaces the farthest link that s dominates (nearer to s than to n), or, if
//     it dominates none, the farthest link when that is farther than s.
func (g *graph) addLink(n, s int32, d float32, l, maxLinks int, pair func(a, b int32) float32) {
	cur := g.links(n, l)
	for _, x := range cur {
		if x == s {
			return
		}
	}
	if len(cur) < maxLinks {
		if l == 0 {
			base := int(n) * g.m0
			g.links0[base+len(cur)] = s
			g.dist0[base+len(cur)] = d
			g.n0[n]++
		} else {
			g.upper[n][l-1] = append(g.upper[n][l-1], s)
		}
		return
	}
	if l > 0 {
		pool := make([]candidate, 0, len(cur)+1)
		for _, x := range cur {
			pool = append(pool, candidate{pair(n, x), x})
		}
		pool = append(pool, candidate{d, s})
		kept := g.selectNeighbors(pool, maxLinks, pair)
		ids := make([]int32, len(kept))
		for i, c := range kept {
			ids[i] = c.s
		}
		g.setLinks(n, l, ids)
		return
	}
	base := int(n) * g.m0
	ds := g.dist0[base : base+len(cur)]
	for i, x := range cur {
		if ds[i] != ds[i] { // NaN: not known since the graph was loaded
			ds[i] = pair(n, x)
		}
	}
	victim, dominated := -1, false
	for i, x := range cur {
		if ds[i] < d {
			if pair(s, x) < d {
				return
			}
			continue
		}
		dom := pair(s, x) < ds[i]
		switch {
		case dom && (!dominated || ds[i] > ds[victim]):
			victim, dominated = i, true
		case !dominated && (victim < 0 || ds[i] > ds[victim]):
			victim = i
		}
	}
	if victim < 0 {
		return
	}
	cur[victim], ds[victim] = s, d
}

// selectNeighbors is the paper's heuristic (algorithm 4): take candidates nearest first and
// keep one only if it is closer to the base than to every one kept, so links spread in
// different directions; then fill up with the nearest of the rest (the paper's
// keepPrunedConnections), so that nodes inside dense clusters keep their degree.
func (g *graph) selectNeighbors(pool []candidate, m int, pair func(a, b int32) float32) []candidate {
	sortCandidates(pool)
	if len(pool) <= m {
		return pool
	}
	kept := make([]candidate, 0, m)
	var skipped []candidate
	for _, c := range pool {
		if len(kept) == m {
			break
		}
		good := true
		for _, k := range kept {
			if pair(c.s, k.s) < c.d {
				good = false
				break
			}
		}
		if good {
			kept = append(kept, c)
		} else {
			skipped = append(skipped, c)
		}
	}
	for _, c := range skipped {
		if len(kept) == m {
			break
		}
		kept = append(kept, c)
	}
	return kept
}

// sortCandidates sorts by distance, then slot, so that ties are deterministic.
func sortCandidates(a []candidate) {
	// Insertion sort for the short lists of neighbour selection; a full sort otherwise.
	if len(a) <= 48 {
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && less(a[j], a[j-1]); j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
		return
	}
	sortSlice(a)
}

func less(a, b candidate) bool { return a.d < b.d || a.d == b.d && a.s < b.s }

func sortSlice(a []candidate) {
	slices.SortFunc(a, func(x, y candidate) int {
		switch {
		case less(x, y):
			return -1
		case less(y, x):
			return 1
		}
		return 0
	})
}
