// Package heapwatch caps the Go heap that each JavaScript isolate keeps alive. Go has no
// per-goroutine heap accounting and goja no heap limit, so the cap is enforced from outside:
// a sampler attributes the process's heap allocation to the isolates running JavaScript in
// proportion to the CPU time their threads used, bulk allocations molt makes on an isolate's
// behalf are charged exactly, and each completed garbage collection, which measures the live
// heap, is the checkpoint at which an isolate is found to keep more than its cap and is stopped.
// isolates/js/MEMORY.md explains the design and its limits.
package heapwatch

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moltworker/molt/internal/cpuclock"
)

// Interval is how often the sampler runs while any tenant runs JavaScript.
const Interval = time.Millisecond

// gcSpacing is the least time between two garbage collections the watcher forces, so that an
// isolate allocating without end costs the host a bounded share of collections.
const gcSpacing = 5 * time.Millisecond

// Watcher keeps the accounts of the tenants of one process. The Go heap is per process, so
// there is one: Default.
type Watcher struct {
	mu      sync.Mutex
	tenants map[*Tenant]struct{}
	// active counts tenants inside JavaScript; the sampler runs while it is above zero.
	active  atomic.Int32
	wake    chan struct{}
	started sync.Once

	// charged is the sum of exact charges since the last sample, so that those bytes are not
	// attributed a second time by CPU share.
	charged atomic.Int64
	gcBusy  atomic.Bool

	// Sampler state, guarded by sampling: the sampler goroutine owns it, and a tenant whose
	// charges went over its cap samples at once (Charge).
	sampling sync.Mutex
	samples  []metrics.Sample
	allocs   uint64
	cycles   uint64
	live     uint64
	procCPU  time.Duration
	lastGC   time.Time
	ts       []*Tenant
	cpus     []time.Duration
	kills    atomic.Int64
	measured atomic.Int64
	// overshoot is the most a tenant's heap growth exceeded its cap by when it was stopped.
	overshoot atomic.Int64
}

// Default is the process's watcher.
var Default = New()

// New returns a watcher with no tenants; its sampler starts with the first tenant to run.
func New() *Watcher {
	w := &Watcher{
		tenants: make(map[*Tenant]struct{}),
		wake:    make(chan struct{}, 1),
		samples: []metrics.Sample{
			{Name: "/gc/heap/allocs:bytes"},
			{Name: "/gc/cycles/total:gc-cycles"},
			{Name: "/gc/heap/live:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"},
		},
	}
	metrics.Read(w.samples)
	w.allocs, w.cycles, w.live = w.samples[0].Value.Uint64(), w.samples[1].Value.Uint64(), w.samples[2].Value.Uint64()
	w.procCPU = cpuclock.Process()
	return w
}

// Tenant is the account of one isolate.
type Tenant struct {
	w   *Watcher
	cap int64
	// kill stops the isolate; it is called at most once, from the watcher's goroutine or from
	// Charge.
	kill   func()
	killed atomic.Bool

	// startLive is the live heap the last collection before the tenant began measured;
	// startNano is when it began, lastRun when it last entered or left JavaScript (UnixNano).
	startLive int64
	startNano int64
	lastRun   atomic.Int64
	// own is the heap the tenant is thought to keep: allocation attributed to it and exact
	// charges, reduced at each collection to what the heap's growth allows. Guarded by w.mu.
	own int64
	// pending holds exact charges not yet added to own by the sampler; ownSeen is own as the
	// last sample left it, for Charge to read.
	pending atomic.Int64
	ownSeen atomic.Int64

	// CPU accounting of the tenant's thread, read by the sampler.
	entry   atomic.Pointer[entry]
	cpuDone atomic.Int64
	cpuSeen time.Duration // sampler-owned
}

type entry struct {
	clock cpuclock.Clock
	start time.Duration
}

// Register opens an account capped at limit bytes. kill is called once, when the tenant is
// found over its cap, to stop it.
func (w *Watcher) Register(limit int64, kill func()) *Tenant {
	t := &Tenant{w: w, cap: limit, kill: kill}
	// The sampler's figure is stale while no tenant runs: read the collector's latest.
	s := [1]metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s[:])
	t.startLive = int64(s[0].Value.Uint64())
	t.startNano = time.Now().UnixNano()
	w.mu.Lock()
	w.tenants[t] = struct{}{}
	w.mu.Unlock()
	return t
}

// Close ends the account.
func (t *Tenant) Close() {
	t.w.mu.Lock()
	delete(t.w.tenants, t)
	t.w.mu.Unlock()
}

// Exceeded reports whether the tenant was found over its cap.
func (t *Tenant) Exceeded() bool { return t.killed.Load() }

// Enter marks the calling goroutine, locked to its OS thread, as running JavaScript for the
// tenant until Exit: allocation during that time is attributed by the thread's CPU clock c,
// which read start as the entry began (the caller reads it anyway, for the CPU cap).
func (t *Tenant) Enter(c cpuclock.Clock, start time.Duration) {
	t.entry.Store(&entry{clock: c, start: start})
	t.lastRun.Store(time.Now().UnixNano())
	if t.w.active.Add(1) == 1 {
		t.w.started.Do(func() { go t.w.run() })
		select {
		case t.w.wake <- struct{}{}:
		default:
		}
	}
}

// Exit ends what Enter began; used is the thread CPU time the entry took.
func (t *Tenant) Exit(used time.Duration) {
	t.lastRun.Store(time.Now().UnixNano())
	t.entry.Store(nil)
	t.cpuDone.Add(int64(used))
	t.w.active.Add(-1)
}

// Charge accounts for n bytes that are about to be allocated for the tenant in one piece (a
// buffer, a string built by one call). It reports false, and stops the tenant, when n alone
// exceeds the cap: such an allocation must not happen at all, since nothing can interrupt it
// once it has begun. Smaller charges are added to the tenant's account; when the account goes
// over the cap, the caller waits for a collection and the verdict it brings, and gets false if
// the tenant was stopped.
func (t *Tenant) Charge(n int64) bool {
	if n <= 0 {
		return !t.killed.Load()
	}
	if n > t.cap {
		t.stop()
		return false
	}
	t.w.charged.Add(n)
	if t.pending.Add(n)+t.ownSeen.Load() > t.cap {
		// Bulk allocation outruns a collection run beside it: the tenant itself waits for
		// one, and for the verdict, before it allocates more.
		runtime.GC()
		t.w.sample()
	}
	return !t.killed.Load()
}

func (t *Tenant) stop() {
	if t.killed.CompareAndSwap(false, true) {
		t.w.kills.Add(1)
		t.kill()
	}
}

// cpu is the CPU time the tenant's threads have used so far.
func (t *Tenant) cpu() time.Duration {
	d := time.Duration(t.cpuDone.Load())
	if e := t.entry.Load(); e != nil {
		if now, ok := e.clock.Now(); ok && now > e.start {
			d += now - e.start
		}
	}
	return d
}

// Stats are the watcher's counters, for tests and metrics.
type Stats struct {
	// Kills counts tenants stopped for exceeding their cap.
	Kills int64
	// Measurements counts the collections the watcher forced to measure the live heap.
	Measurements int64
	// MaxOvershoot is the most by which the heap had grown past a tenant's cap, while it
	// lived, when the tenant was stopped at a collection.
	MaxOvershoot int64
	// Running counts the tenants inside JavaScript now.
	Running int64
	// Tenants counts the open accounts.
	Tenants int64
}

// Stats returns the watcher's counters.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	tenants := len(w.tenants)
	w.mu.Unlock()
	return Stats{Kills: w.kills.Load(), Measurements: w.measured.Load(), MaxOvershoot: w.overshoot.Load(),
		Running: int64(w.active.Load()), Tenants: int64(tenants)}
}

// run is the sampler: it samples every Interval while a tenant runs JavaScript and sleeps
// otherwise.
func (w *Watcher) run() {
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	for {
		if w.active.Load() == 0 {
			<-w.wake
			continue
		}
		<-tick.C
		w.sample()
	}
}

// sample attributes the allocation since the previous sample, evaluates the tenants if a
// collection completed since, and forces one when the heap grew by half a cap without one.
func (w *Watcher) sample() {
	w.sampling.Lock()
	defer w.sampling.Unlock()
	metrics.Read(w.samples)
	allocs, cycles := w.samples[0].Value.Uint64(), w.samples[1].Value.Uint64()
	live, objects := w.samples[2].Value.Uint64(), w.samples[3].Value.Uint64()
	proc := cpuclock.Process()
	delta := int64(allocs - w.allocs)
	procDelta := proc - w.procCPU
	w.allocs, w.procCPU = allocs, proc
	rest := delta - w.charged.Swap(0)

	w.mu.Lock()
	var sum time.Duration
	// The slices are reused from sample to sample: the sampler runs a thousand times a second.
	cpus, ts := w.cpus[:0], w.ts[:0]
	minCap := int64(-1)
	for t := range w.tenants {
		t.own += t.pending.Swap(0)
		c := t.cpu()
		d := c - t.cpuSeen
		t.cpuSeen = c
		if d < 0 {
			d = 0
		}
		sum += d
		cpus = append(cpus, d)
		ts = append(ts, t)
		if minCap < 0 || t.cap < minCap {
			minCap = t.cap
		}
	}
	// Allocation is shared by CPU time: the tenants get the part of the process's allocation
	// that matches their part of its CPU time (the rest is the host's own work, the collector
	// and the HTTP server).
	if rest > 0 && sum > 0 {
		if procDelta < sum {
			procDelta = sum
		}
		for i, t := range ts {
			t.own += int64(float64(rest) * float64(cpus[i]) / float64(procDelta))
		}
	}
	var victims []*Tenant
	if cycles != w.cycles {
		w.cycles, w.live = cycles, live
		victims = w.evaluate(int64(live))
	}
	for _, t := range ts {
		t.ownSeen.Store(t.own)
	}
	clear(ts)
	w.cpus, w.ts = cpus, ts[:0]
	w.mu.Unlock()
	for _, t := range victims {
		t.stop()
	}
	if minCap > 0 && int64(objects)-int64(w.live) > minCap/2 {
		w.measure()
	}
}

// evaluate runs after a collection measured the live heap: it picks the tenants found over
// their caps and shrinks every account to what the heap's growth allows. w.mu is held.
func (w *Watcher) evaluate(live int64) []*Tenant {
	var victims []*Tenant
	var worst *Tenant
	backstop := false
	for t := range w.tenants {
		if t.killed.Load() {
			continue
		}
		growth := live - t.startLive
		// The heap grew by growth while the tenant lived; what the other tenants could at most
		// account for is their own allocation, so the rest is certainly the tenant's.
		if t.own >= t.cap/2 && growth > t.cap && growth-w.others(t) > t.cap {
			victims = append(victims, t)
			continue
		}
		if growth > 2*t.cap {
			backstop = true
		}
		if t.own >= t.cap/4 && (worst == nil || t.own > worst.own) {
			worst = t
		}
	}
	// The heap grew by two caps while some tenant ran and no single tenant is certainly to
	// blame: the one that allocated most is stopped, so that the host stays bounded.
	if len(victims) == 0 && backstop && worst != nil {
		victims = append(victims, worst)
	}
	for _, t := range victims {
		if over := live - t.startLive - t.cap; over > w.overshoot.Load() {
			w.overshoot.Store(over)
		}
	}
	for t := range w.tenants {
		if g := live - t.startLive; t.own > g {
			t.own = max(g, 0)
		}
	}
	return victims
}

// others is what the other tenants could have added to the heap while t lived: the accounts
// of those that started since, or ran JavaScript since t started. One that was idle all along
// (an isolate waiting in a pool) added nothing; what it keeps was already there when t began.
// Only tenants that may be over their caps are asked, so the quadratic cost stays rare.
func (w *Watcher) others(t *Tenant) int64 {
	var sum int64
	for o := range w.tenants {
		if o != t && (o.startNano >= t.startNano || o.lastRun.Load() >= t.startNano || o.entry.Load() != nil) {
			sum += o.own
		}
	}
	return sum
}

// measure forces a collection, at most one at a time and one per gcSpacing, so that the next
// sample sees the live heap.
func (w *Watcher) measure() {
	if time.Since(w.lastGC) < gcSpacing || !w.gcBusy.CompareAndSwap(false, true) {
		return
	}
	w.lastGC = time.Now()
	w.measured.Add(1)
	go func() {
		defer w.gcBusy.Store(false)
		runtime.GC()
	}()
}
