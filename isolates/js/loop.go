package js

import (
	"container/heap"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// errStalled reports that the isolate has nothing left that could make progress: no queued task,
// no timer and no I/O in flight, while the caller still waits for something. workerd answers such
// a request with the same words.
var errStalled = errors.New("The script will never generate a response.")

// loop is an isolate's event loop. JS runs only on the goroutine that calls run; other
// goroutines hand work back to it through a reserved callback (k6's RegisterCallback rule):
// reserve on the loop goroutine, complete exactly once from anywhere.
type loop struct {
	mu      sync.Mutex
	queue   []func() error
	wake    chan struct{}
	pending int // reserved callbacks not yet completed, so the loop is not stalled
	// killed is closed, with why set, when the isolate is stopped from outside (memory cap):
	// a loop waiting for I/O or timers gives up at once.
	killed   chan struct{}
	killOnce sync.Once
	why      error
	// sleeping is set while the loop waits with nothing to run, for the subrequests' deadlock
	// check.
	sleeping atomic.Bool

	// Owned by the loop goroutine.
	timers  timerHeap
	timerID int
	byID    map[int]*timer
	seq     uint64
}

func newLoop() *loop {
	return &loop{wake: make(chan struct{}, 1), killed: make(chan struct{})}
}

// kill makes run return err from now on; safe from any goroutine.
func (l *loop) kill(err error) {
	l.killOnce.Do(func() {
		l.why = err
		close(l.killed)
	})
}

// reserve registers an asynchronous operation that will complete later from any goroutine. The
// returned function enqueues fn to run on the loop; it must be called exactly once. Calling it
// with nil releases the reservation without running anything.
func (l *loop) reserve() func(fn func() error) {
	l.mu.Lock()
	l.pending++
	l.mu.Unlock()
	var once sync.Once
	return func(fn func() error) {
		once.Do(func() {
			l.mu.Lock()
			l.pending--
			if fn != nil {
				l.queue = append(l.queue, fn)
			}
			l.mu.Unlock()
			select {
			case l.wake <- struct{}{}:
			default:
			}
		})
	}
}

// goAsync runs fn on a goroutine of its own for an operation reserved with done (see
// reserve). A panic in fn, a bug in molt's Go code, fails the isolate's event loop with an
// internal error, so that the request it serves fails alone instead of the whole process.
func (l *loop) goAsync(done func(fn func() error), fn func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				l.kill(internalError(p))
				done(nil)
			}
		}()
		fn()
	}()
}

// internalError is the error a recovered panic p, a bug in molt's Go code, fails a request
// with; the stack is for the host's log.
func internalError(p any) error {
	return fmt.Errorf("molt internal error: %v\n%s", p, debug.Stack())
}

// post queues fn to run on the loop goroutine; only for use from the loop goroutine itself
// (callers elsewhere must reserve first so the loop knows to wait for them).
func (l *loop) post(fn func() error) {
	l.mu.Lock()
	l.queue = append(l.queue, fn)
	l.mu.Unlock()
}

type timer struct {
	id       int
	when     time.Time
	seq      uint64
	interval time.Duration
	repeat   bool
	fn       func() error
	index    int
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
func (h timerHeap) peek() *timer     { return h[0] }
func (h *timerHeap) remove(t *timer) { heap.Remove(h, t.index) }

// addTimer schedules fn d after from (and every d after that when repeat is set) and returns its
// id. from is the time JavaScript saw when it set the timer: on Workers the clock stands still
// while code runs, so timers set in one run are ordered by their delays alone, however long the
// run took between them.
func (l *loop) addTimer(from time.Time, d time.Duration, repeat bool, fn func() error) int {
	if d < 0 {
		d = 0
	}
	if l.byID == nil {
		l.byID = make(map[int]*timer)
	}
	l.timerID++
	l.seq++
	t := &timer{id: l.timerID, when: from.Add(d), seq: l.seq, interval: d, repeat: repeat, fn: fn}
	heap.Push(&l.timers, t)
	l.byID[t.id] = t
	return t.id
}

func (l *loop) clearTimer(id int) {
	if t, ok := l.byID[id]; ok {
		delete(l.byID, id)
		if t.index >= 0 {
			l.timers.remove(t)
		}
	}
}

// run executes queued tasks and due timers until done reports true, a task fails, the loop has
// nothing left that could make done true (errStalled), or stop is closed.
func (l *loop) run(done func() bool, stop <-chan struct{}) error {
	for !done() {
		select {
		case <-l.killed:
			return l.why
		default:
		}
		l.mu.Lock()
		tasks := l.queue
		l.queue = nil
		pending := l.pending
		l.mu.Unlock()
		if len(tasks) > 0 {
			for i, fn := range tasks {
				if err := fn(); err != nil {
					l.requeue(tasks[i+1:])
					return err
				}
			}
			continue
		}
		if l.timers.Len() > 0 {
			t := l.timers.peek()
			if wait := time.Until(t.when); wait <= 0 {
				heap.Pop(&l.timers)
				if t.repeat {
					l.seq++
					t.when, t.seq = time.Now().Add(t.interval), l.seq
					heap.Push(&l.timers, t)
				} else {
					delete(l.byID, t.id)
				}
				if err := t.fn(); err != nil {
					return err
				}
				continue
			} else if err := l.sleep(wait, stop); err != nil {
				return err
			}
			continue
		}
		if pending == 0 {
			return errStalled
		}
		if err := l.sleep(-1, stop); err != nil {
			return err
		}
	}
	return nil
}

// errStopped reports that the caller gave up waiting (deadline or client gone).
var errStopped = errors.New("stopped")

func (l *loop) sleep(d time.Duration, stop <-chan struct{}) error {
	l.sleeping.Store(true)
	defer l.sleeping.Store(false)
	if d < 0 {
		select {
		case <-l.wake:
			return nil
		case <-stop:
			return errStopped
		case <-l.killed:
			return l.why
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.wake:
	case <-t.C:
	case <-stop:
		return errStopped
	case <-l.killed:
		return l.why
	}
	return nil
}

func (l *loop) requeue(tasks []func() error) {
	if len(tasks) == 0 {
		return
	}
	l.mu.Lock()
	l.queue = append(tasks, l.queue...)
	l.mu.Unlock()
}
