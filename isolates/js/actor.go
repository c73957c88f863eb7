package js

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/durable"
)

// Objects runs the Durable Objects of one worker version: it implements durable.Engine.
// Each object is an actor: one long-lived isolate (not from the request pool) whose event
// loop runs on its own goroutine, with the object's storage. Callers on other goroutines
// (request isolates, other objects, the alarm scheduler) hand it events through a mutex-
// guarded inbox and wait on a channel for the reply; only the actor's goroutine touches its
// isolate, so no goja value is ever shared.
//
// The gates work as on Cloudflare. Storage operations run synchronously on the object's
// loop and resolve their promises at once, so their continuations run as microtasks before
// any new event (a macrotask) is delivered: the input gate is closed while storage is in
// flight. Events wait while blockConcurrencyWhile or transaction() runs. Replies are held
// until the storage writes made before them are committed (the output gate): after every
// turn of the loop, pending writes are flushed in one commit and then the replies held
// since are released, so concurrent events share commits.
type Objects struct {
	cfg  *Config
	opts ObjectsOptions

	mu     sync.Mutex
	live   map[objectKey]*actor
	closed bool
	wg     sync.WaitGroup
}

// ObjectsOptions tune Objects.
type ObjectsOptions struct {
	// IdleTimeout is how long an object with nothing to do stays in memory before it is
	// evicted; its next event rebuilds it from storage. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// StorageIdleTimeout is how long an idle object keeps its database open; after it, the
	// connection is closed and reopened by the next event, so that idle objects cost less
	// memory. Zero means DefaultStorageIdleTimeout.
	StorageIdleTimeout time.Duration
	// Log receives object failures; nil means slog.Default().
	Log *slog.Logger
}

// DefaultIdleTimeout is Cloudflare's order of magnitude: objects are evicted after 70-140 s
// without requests.
const DefaultIdleTimeout = 70 * time.Second

// DefaultStorageIdleTimeout is how long an idle object keeps its database open.
const DefaultStorageIdleTimeout = 10 * time.Second

type objectKey struct {
	ns *durable.Namespace
	id durable.ID
}

// Errors an event can fail with, in Cloudflare's words where it has them.
var (
	errObjectHung     = errors.New("The Durable Object's code has hung and will never generate a response.")
	errObjectClosing  = errors.New("Durable Object is shutting down with the worker version that ran it.")
	errObjectCPULimit = errors.New("Durable Object exceeded its CPU time limit and was reset.")
)

// NewObjects returns the engine of cfg's objects.
func NewObjects(cfg *Config, opts ObjectsOptions) *Objects {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.StorageIdleTimeout <= 0 {
		opts.StorageIdleTimeout = DefaultStorageIdleTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	precompile()
	return &Objects{cfg: cfg, opts: opts, live: map[objectKey]*actor{}}
}

// Live is how many objects are in memory.
func (o *Objects) Live() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.live)
}

// Send delivers c to object id of ns, starting the object if it is not in memory, and
// returns a function that waits for the reply. It implements durable.Engine: the event is
// queued before Send returns, so events sent in order arrive in order.
func (o *Objects) Send(ns *durable.Namespace, id durable.ID, name string, c durable.Call) func(ctx context.Context) (durable.Reply, error) {
	ev := &event{call: c, done: make(chan eventResult, 1)}
	wait := func(ctx context.Context) (durable.Reply, error) {
		select {
		case r := <-ev.done:
			return r.reply, r.err
		case <-ctx.Done():
			return durable.Reply{}, ctx.Err()
		}
	}
	a, err := o.submit(ns, id, name, ev)
	if err != nil {
		return func(context.Context) (durable.Reply, error) { return durable.Reply{}, err }
	}
	if a != nil {
		// The object is being evicted or reset: once it is gone, start it anew. Only here
		// can an event overtake one sent before it.
		return func(ctx context.Context) (durable.Reply, error) {
			for a != nil && err == nil {
				select {
				case <-a.exited:
				case <-ctx.Done():
					return durable.Reply{}, ctx.Err()
				}
				a, err = o.submit(ns, id, name, ev)
			}
			if err != nil {
				return durable.Reply{}, err
			}
			return wait(ctx)
		}
	}
	return wait
}

// submit queues ev for the object, starting it if needed. It returns the actor to wait for
// when the object is going away and could not take the event.
func (o *Objects) submit(ns *durable.Namespace, id durable.ID, name string, ev *event) (*actor, error) {
	k := objectKey{ns, id}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, errObjectClosing
	}
	a := o.live[k]
	if a == nil {
		a = &actor{objs: o, ns: ns, id: id, name: name, wake: make(chan struct{}, 1), exited: make(chan struct{})}
		o.live[k] = a
		o.wg.Add(1)
		go a.run()
	}
	o.mu.Unlock()
	if a.submit(ev) {
		return nil, nil
	}
	return a, nil
}

// Close stops accepting events, lets the objects finish the ones they have (for up to
// timeout) and closes them, committing their storage.
func (o *Objects) Close(timeout time.Duration) {
	o.mu.Lock()
	o.closed = true
	actors := make([]*actor, 0, len(o.live))
	for _, a := range o.live {
		actors = append(actors, a)
	}
	o.mu.Unlock()
	for _, a := range actors {
		a.mu.Lock()
		a.closing = true
		a.mu.Unlock()
		a.signal()
	}
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		o.opts.Log.Warn("durable objects still busy at shutdown", "objects", o.Live())
	}
}

// event is one call waiting for or being handled by an object.
type event struct {
	call durable.Call
	done chan eventResult
	// alarm is the alarm time an alarm event found and cleared before running the handler.
	alarm int64
}

type eventResult struct {
	reply durable.Reply
	err   error
}

// actor is one object in memory.
type actor struct {
	objs   *Objects
	ns     *durable.Namespace
	id     durable.ID
	name   string
	wake   chan struct{}
	exited chan struct{}

	mu      sync.Mutex
	inbox   []*event
	closing bool

	// Owned by the actor's goroutine.
	iso      *Isolate
	storage  *durable.Storage
	instance goja.Value
	dispatch goja.Callable
	handle   goja.Value
	gate     int
	waiting  []*event
	running  map[int]*event
	nextEv   int
	outputs  []output
	broken   error
}

type output struct {
	ev    *event
	reply durable.Reply
}

// submit queues ev for the actor; false means the actor is going away and will not take it.
func (a *actor) submit(ev *event) bool {
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		return false
	}
	a.inbox = append(a.inbox, ev)
	a.mu.Unlock()
	a.signal()
	return true
}

func (a *actor) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// holders maps each object database to the actor that has it, across every Objects of the
// process: when a reload starts the new version's object while the old version's instance
// still finishes its events, the new one waits, so that one id never has two instances.
var holders = struct {
	sync.Mutex
	m map[string]*actor
}{m: map[string]*actor{}}

// claim waits until no other actor holds the object's database, then holds it.
func (a *actor) claim() {
	path := a.ns.StoragePath(a.id)
	for {
		holders.Lock()
		h := holders.m[path]
		if h == nil {
			holders.m[path] = a
			holders.Unlock()
			return
		}
		holders.Unlock()
		h.mu.Lock()
		h.closing = true
		h.mu.Unlock()
		h.signal()
		<-h.exited
	}
}

func (a *actor) unclaim() {
	holders.Lock()
	if p := a.ns.StoragePath(a.id); holders.m[p] == a {
		delete(holders.m, p)
	}
	holders.Unlock()
}

func (a *actor) run() {
	defer a.objs.wg.Done()
	a.claim()
	err := a.contain(a.start)
	if err == nil {
		err = a.contain(a.serve)
	}
	a.shutdown(err)
}

// contain runs fn, turning a panic in it (a bug in molt's Go code) into an internal error
// that resets this object, failing its pending calls, instead of ending the process. The
// stack goes to the log, not to the callers.
func (a *actor) contain(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a.objs.opts.Log.Error("internal error in a Durable Object", "class", a.ns.ClassName(), "id", a.id.String(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("molt internal error: %v", p)
		}
	}()
	return fn()
}

// start opens the storage, makes the isolate (running the worker's top-level code) and
// constructs the object.
func (a *actor) start() error {
	var err error
	if a.storage, err = a.ns.OpenStorage(a.id); err != nil {
		return err
	}
	if a.iso, err = NewIsolate(a.objs.cfg); err != nil {
		return err
	}
	a.running = map[int]*event{}
	a.handle = a.iso.vm.ToValue(a)
	class := a.ns.ClassName()
	return a.iso.jsError(a.iso.enter(func() error {
		vm := a.iso.vm
		var ctor goja.Value
		if ex, ok := a.iso.exports.(*goja.Object); ok {
			ctor = ex.Get(class)
		}
		if _, ok := goja.AssertConstructor(ctor); !ok {
			return fmt.Errorf("Durable Object class %q is not exported by the worker's entry module", class)
		}
		a.iso.load("durablestate")
		lib := a.iso.internal.Get("durablestate").ToObject(vm)
		construct, _ := goja.AssertFunction(lib.Get("construct"))
		a.dispatch, _ = goja.AssertFunction(lib.Get("dispatch"))
		inst, err := construct(goja.Undefined(), ctor, a.handle, vm.ToValue(a.id.String()), vm.ToValue(a.name), vm.ToValue(a.ns.SQL()), a.iso.envValue())
		a.instance = inst
		return err
	}))
}

// serve runs the object's loop until it is idle for the idle timeout, is closed, or breaks.
func (a *actor) serve() error {
	l := a.iso.loop
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	defer idle.Stop()
	release := time.NewTimer(time.Hour)
	release.Stop()
	defer release.Stop()
	for {
		if err := a.admit(); err != nil {
			return err
		}
		l.mu.Lock()
		tasks := l.queue
		l.queue = nil
		pending := l.pending
		l.mu.Unlock()
		ran := len(tasks) > 0
		for _, fn := range tasks {
			if err := fn(); err != nil {
				return err
			}
		}
		if !ran && l.timers.Len() > 0 && !time.Now().Before(l.timers.peek().when) {
			t := heap.Pop(&l.timers).(*timer)
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
			ran = true
		}
		if err := a.flush(); err != nil {
			return err
		}
		if a.broken != nil {
			return a.broken
		}
		if ran {
			continue
		}
		a.mu.Lock()
		more, closing := len(a.inbox) > 0, a.closing
		a.mu.Unlock()
		if more {
			continue
		}
		busy := len(a.running) > 0 || len(a.waiting) > 0
		// Events that wait with no timer and no I/O in flight can still be settled by a
		// later event (a long poll); only after the idle timeout with nothing happening are
		// they declared hung.
		stuck := busy && pending == 0 && l.timers.Len() == 0
		if closing && !busy {
			return nil
		}
		var timerC <-chan time.Time
		var next *time.Timer
		if l.timers.Len() > 0 {
			next = time.NewTimer(time.Until(l.timers.peek().when))
			timerC = next.C
		}
		evictable := !busy && pending == 0 && l.timers.Len() == 0
		if evictable || stuck {
			idle.Reset(a.objs.opts.IdleTimeout)
			if a.storage != nil && a.objs.opts.StorageIdleTimeout < a.objs.opts.IdleTimeout {
				release.Reset(a.objs.opts.StorageIdleTimeout)
			}
		}
		select {
		case <-l.wake:
		case <-a.wake:
		case <-timerC:
		case <-release.C:
			// Nothing is pending (the loop flushed before it slept): the database connection,
			// the larger part of an idle object's memory, can go until the next event.
			if err := a.storage.Close(); err != nil {
				return err
			}
			a.storage = nil
		case <-idle.C:
			if stuck {
				for n, ev := range a.running {
					delete(a.running, n)
					ev.done <- eventResult{err: errObjectHung}
				}
				if a.gate > 0 {
					// A blockConcurrencyWhile that never settles: the object is reset.
					return errObjectHung
				}
				break
			}
			a.mu.Lock()
			if len(a.inbox) == 0 {
				a.closing = true
				a.mu.Unlock()
				return nil
			}
			a.mu.Unlock()
		}
		idle.Stop()
		release.Stop()
		if next != nil {
			next.Stop()
		}
	}
}

// admit takes the submitted events and, unless the input gate is closed, starts them.
func (a *actor) admit() error {
	a.mu.Lock()
	a.waiting = append(a.waiting, a.inbox...)
	a.inbox = nil
	a.mu.Unlock()
	for a.gate <= 0 && len(a.waiting) > 0 && a.broken == nil {
		ev := a.waiting[0]
		a.waiting = a.waiting[1:]
		if err := a.begin(ev); err != nil {
			return err
		}
	}
	return nil
}

// begin delivers one event to the object. Each event gets the full CPU limit, as each
// request to an object does on Cloudflare.
func (a *actor) begin(ev *event) error {
	a.nextEv++
	n := a.nextEv
	vm := a.iso.vm
	c := ev.call
	var args []goja.Value
	switch c.Kind {
	case durable.CallFetch:
		var body goja.Value = goja.Null()
		if c.Request.Method != "GET" && c.Request.Method != "HEAD" && c.Request.Body != nil {
			body = vm.ToValue(vm.NewArrayBuffer(c.Request.Body))
		}
		args = []goja.Value{vm.ToValue(0), vm.ToValue(c.Request.Method), vm.ToValue(c.Request.URL), vm.NewArray(headerPairs(c.Request.Header)...), body}
	case durable.CallRPC:
		args = []goja.Value{vm.ToValue(1), vm.ToValue(c.Method), vm.ToValue(string(c.Args))}
	case durable.CallAlarm:
		st, err := a.store()
		if err != nil {
			return err
		}
		t, err := st.Alarm()
		if err != nil {
			return err
		}
		if t == 0 || t > time.Now().UnixMilli() {
			// Deleted or moved since it was scheduled: nothing to run.
			a.outputs = append(a.outputs, output{ev, durable.Reply{Alarm: t}})
			return nil
		}
		// As on Cloudflare, the alarm is cleared before the handler runs, so getAlarm()
		// inside it is null unless the handler sets a new one.
		if err := st.SetAlarm(0); err != nil {
			return err
		}
		ev.alarm = t
		args = []goja.Value{vm.ToValue(2), goja.Undefined(), vm.ToValue(c.RetryCount)}
	}
	a.running[n] = ev
	a.iso.cpu = 0
	err := a.iso.enter(func() error {
		_, err := a.dispatch(goja.Undefined(), append([]goja.Value{a.instance, a.handle, vm.ToValue(n)}, args...)...)
		return err
	})
	return err
}

// reply records the outcome of event n; it leaves at the next flush.
func (a *actor) reply(n int, r durable.Reply) {
	ev := a.running[n]
	if ev == nil {
		return
	}
	delete(a.running, n)
	if ev.call.Kind == durable.CallAlarm {
		r.Ran = true
		var now int64
		st, err := a.store()
		if err == nil {
			now, err = st.Alarm()
		}
		if err == nil && r.Threw && now == 0 && ev.call.RetryCount < durable.MaxAlarmRetries {
			// Kept for the retry, also across a restart.
			err = st.SetAlarm(ev.alarm)
			now = ev.alarm
		}
		if err != nil {
			a.broken = err
		}
		r.Alarm = now
		if r.Threw {
			a.iso.logf(LevelError, "Durable Object alarm() failed (retry %d): %s", ev.call.RetryCount, string(r.Value))
		}
	}
	a.outputs = append(a.outputs, output{ev, r})
}

// flush commits pending writes and then releases the replies held for them. Inside a
// transaction() nothing is committed, so nothing is released.
func (a *actor) flush() error {
	if a.storage != nil && a.storage.InTransaction() {
		return nil
	}
	if len(a.outputs) == 0 && (a.storage == nil || !a.storage.Dirty()) {
		return nil
	}
	if a.storage != nil {
		if err := a.storage.Flush(); err != nil {
			return err
		}
	}
	for _, o := range a.outputs {
		o.ev.done <- eventResult{reply: o.reply}
	}
	a.outputs = a.outputs[:0]
	return nil
}

// flushStorage is storage.sync(): commit now.
func (a *actor) flushStorage() error {
	if a.storage == nil {
		return nil
	}
	return a.storage.Flush()
}

// store is the object's storage, opened again if it was released while the object idled.
func (a *actor) store() (*durable.Storage, error) {
	if a.storage == nil {
		s, err := a.ns.OpenStorage(a.id)
		if err != nil {
			return nil, err
		}
		a.storage = s
	}
	return a.storage, nil
}

// setAlarm stores the alarm and records it with the namespace's scheduler first, so that
// the record on disk covers what storage will hold.
func (a *actor) setAlarm(ms int64) error {
	if ms > 0 {
		if err := a.ns.AlarmSet(a.id, a.name, ms); err != nil {
			return err
		}
	} else {
		a.ns.AlarmDeleted(a.id)
	}
	st, err := a.store()
	if err != nil {
		return err
	}
	return st.SetAlarm(ms)
}

// abort resets the object after the current turn: ctx.abort(), or a failed
// blockConcurrencyWhile.
func (a *actor) abort(reason string) {
	if a.broken == nil {
		a.broken = errors.New(reason)
	}
}

// shutdown ends the actor: a clean stop commits its storage; a failure discards the writes
// no caller has seen and fails every event still waiting.
func (a *actor) shutdown(err error) {
	a.mu.Lock()
	a.closing = true
	left := append(a.waiting, a.inbox...)
	a.inbox = nil
	a.mu.Unlock()
	if errors.Is(err, ErrCPULimit) {
		err = errObjectCPULimit
	} else if err != nil {
		err = a.iso.jsErrorOrNil(err)
	}
	if err != nil {
		a.objs.opts.Log.Error("Durable Object reset", "class", a.ns.ClassName(), "id", a.id.String(), "error", err)
		for _, ev := range a.running {
			left = append(left, ev)
		}
		for _, o := range a.outputs {
			left = append(left, o.ev)
		}
	}
	for _, ev := range left {
		ev.done <- eventResult{err: orClosing(err)}
	}
	if a.storage != nil {
		if err != nil {
			a.storage.Discard()
		} else if cerr := a.storage.Close(); cerr != nil {
			a.objs.opts.Log.Error("Durable Object storage", "error", cerr)
		}
	}
	if a.iso != nil {
		a.iso.Close()
	}
	a.objs.mu.Lock()
	if k := (objectKey{a.ns, a.id}); a.objs.live[k] == a {
		delete(a.objs.live, k)
	}
	a.objs.mu.Unlock()
	a.unclaim()
	close(a.exited)
}

func orClosing(err error) error {
	if err == nil {
		return errObjectClosing
	}
	return err
}

// jsErrorOrNil is jsError on an isolate that may not exist.
func (iso *Isolate) jsErrorOrNil(err error) error {
	if iso == nil {
		return err
	}
	return iso.jsError(err)
}
