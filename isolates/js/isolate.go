package js

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/internal/cpuclock"
	"github.com/moltworker/molt/internal/heapwatch"
	"github.com/moltworker/molt/isolates/wasm"
)

// Config describes one deployed worker version; every isolate of that version shares it.
type Config struct {
	// Script is the worker's compiled bundle.
	Script *Script
	// Env holds the worker's environment: vars as JSON-like Go values (string, float64, bool,
	// map[string]any, []any) and secrets as strings. Module workers receive it as env; service
	// workers see each entry as a global.
	Env map[string]any
	// CompatibilityDate and CompatibilityFlags select behaviours as on Cloudflare.
	CompatibilityDate  string
	CompatibilityFlags []string
	// CPULimit caps the time an isolate may spend running JavaScript for one request; zero means
	// no cap.
	CPULimit time.Duration
	// MemoryLimit caps the heap an isolate keeps, in bytes (limits.memory_mb); zero means no
	// cap. MEMORY.md explains how it is measured.
	MemoryLimit int64
	// Subrequests is how many subrequests one request may make; zero means SubrequestLimit.
	Subrequests int
	// PublicSubrequestsOnly refuses subrequests to loopback, private and link-local addresses
	// (molt serve, unless its platform allows them), so that a worker cannot reach the host's
	// admin API or internal services.
	PublicSubrequestsOnly bool
	// Console receives console.* output; nil discards it.
	Console Console
	// ServiceWorker selects the service-worker syntax: env entries become globals and handlers
	// are registered with addEventListener.
	ServiceWorker bool
	// Wasm compiles and instantiates the worker's WebAssembly under the version's memory cap;
	// nil means a process-wide engine with the default limits.
	Wasm *wasm.Engine
	// WasmModules are the worker's CompiledWasm modules, compiled once for all its isolates,
	// by the name the bundle imports them with (bundle.Result.Wasm).
	WasmModules map[string]*wasm.Module
}

// exportsGlobal is the global the bundler leaves a module worker's exports in.
const exportsGlobal = "__molt_exports"

// flag reports whether the compatibility flag name is set.
func (c *Config) flag(name string) bool {
	for _, f := range c.CompatibilityFlags {
		if f == name {
			return true
		}
	}
	return false
}

// ErrCPULimit is returned when a worker used more CPU time than its limit allows.
var ErrCPULimit = errors.New("Worker exceeded CPU time limit.")

// cpuInterrupt is the value the watchdog interrupts the runtime with, so that an interrupt from
// the CPU cap can be told apart from a cancellation.
type cpuInterrupt struct{}

// Isolate is one fresh JavaScript global scope running one event (a request) of one worker.
// It is used by one goroutine at a time: goja runtimes are not safe for concurrent use.
type Isolate struct {
	cfg      *Config
	vm       *goja.Runtime
	loop     *loop
	internal *goja.Object
	libs     map[string]*goja.Object

	// CPU accounting: time spent inside JavaScript, excluding awaits on I/O and timers.
	cpu     time.Duration
	current atomic.Pointer[entry]
	// watchdog is read by the timer's own goroutine, hence atomic: the callback can run
	// before an ordinary field written after time.AfterFunc would be visible to it.
	watchdog atomic.Pointer[time.Timer]
	// clock is the time JavaScript sees: as on Workers, it advances only between entries into
	// JavaScript, never while code runs, so that code cannot time itself precisely.
	clock time.Time

	// wasmStop, once the isolate has used WebAssembly, cancels the context its instances
	// run in: goja's interrupt does not reach into Wasm.
	wasmStop atomic.Pointer[func()]
	// wasmStore holds the isolate's Wasm instances, released by Close.
	wasmStore atomic.Pointer[wasm.Store]

	// mem is the isolate's memory account, nil without a cap.
	mem *heapwatch.Tenant

	rejections []*goja.Promise
	bodies     hostBodies
	fetches    subrequests
	// exports is the worker's module namespace (undefined for service workers), env the env
	// object handed to its handlers, state the dispatch state of the current event.
	exports goja.Value
	env     goja.Value
	state   *goja.Object
	// tap also receives the console output (Tap).
	tap Console
}

// NewIsolate creates an isolate for cfg and runs the worker's top-level code in it.
func NewIsolate(cfg *Config) (*Isolate, error) {
	iso := &Isolate{
		cfg:   cfg,
		vm:    goja.New(),
		loop:  newLoop(),
		libs:  make(map[string]*goja.Object, 8),
		clock: time.Now(),
	}
	if cfg.MemoryLimit > 0 {
		iso.mem = heapwatch.Default.Register(cfg.MemoryLimit, iso.stopForMemory)
	}
	iso.fetches.limit, iso.fetches.public = cfg.Subrequests, cfg.PublicSubrequestsOnly
	iso.fetches.asleep = iso.loop.sleeping.Load
	iso.vm.SetTimeSource(func() time.Time { return iso.clock })
	iso.vm.SetMaxCallStackSize(10000)
	iso.vm.SetPromiseRejectionTracker(iso.trackRejection)
	iso.internal = iso.vm.NewObject()
	iso.internal.Set("load", func(c goja.FunctionCall) goja.Value { return iso.load(c.Argument(0).String()) })
	// The libraries every request loads make their private keys and tags with these rather than
	// the Symbol global, whose constructor and prototype cost an isolate over a hundred
	// allocations to build.
	iso.internal.Set("symbol", func(c goja.FunctionCall) goja.Value { return goja.NewSymbol(c.Argument(0).String()) })
	iso.internal.Set("toStringTag", goja.SymToStringTag)
	iso.internal.Set("iterator", goja.SymIterator)
	iso.installGlobals()
	if iso.mem != nil {
		iso.guardBulkBuiltins()
	}
	err := iso.enter(func() error {
		if err := iso.bootstrap(); err != nil {
			return err
		}
		if cfg.ServiceWorker {
			g := iso.vm.GlobalObject()
			for k, v := range cfg.Env {
				g.Set(k, iso.toJS(v))
			}
		}
		if _, err := iso.vm.RunProgram(cfg.Script.prog); err != nil {
			return err
		}
		iso.exports = iso.vm.Get(exportsGlobal)
		return nil
	})
	if err != nil {
		iso.Close()
		return nil, iso.jsError(err)
	}
	// Top-level code runs before the request, off its latency path: as on Workers, it is not
	// charged to the request's CPU time.
	iso.cpu = 0
	return iso, nil
}

// bootstrap prepares the global scope that is not a lazily loaded library: code generation is
// refused unless allowed, as on Workers.
func (iso *Isolate) bootstrap() error {
	if !iso.cfg.flag("molt_allow_eval") {
		iso.refuseCodegen()
	}
	return nil
}

// CPUTime is the time this isolate has spent running JavaScript so far.
func (iso *Isolate) CPUTime() time.Duration { return iso.cpu }

// enter runs fn, which runs JavaScript, with the CPU clock running and the watchdog armed. All
// entries into JavaScript go through here, so the CPU cap covers every one of them.
func (iso *Isolate) enter(fn func() error) error {
	limit := iso.cfg.CPULimit
	if limit > 0 && iso.cpu >= limit {
		return ErrCPULimit
	}
	if iso.mem != nil && iso.mem.Exceeded() {
		return ErrMemoryLimit
	}
	// JavaScript runs on one locked thread for the whole entry, so that thread's CPU clock
	// measures exactly the time this entry computes.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	iso.clock = time.Now()
	e := &entry{clock: cpuclock.Current(), budget: limit - iso.cpu}
	e.start, _ = e.clock.Now()
	if iso.mem != nil {
		iso.mem.Enter(e.clock, e.start)
	}
	if limit > 0 {
		iso.current.Store(e)
		t := iso.watchdog.Load()
		if t == nil {
			// Armed only once stored, so checkCPU always finds the timer it runs for.
			t = time.AfterFunc(time.Duration(math.MaxInt64), iso.checkCPU)
			iso.watchdog.Store(t)
		}
		t.Reset(e.budget)
	}
	leave := func() time.Duration {
		if limit > 0 {
			iso.current.Store(nil)
			iso.watchdog.Load().Stop()
		}
		used := e.used()
		if iso.mem != nil {
			iso.mem.Exit(used)
		}
		return used
	}
	// A panic in molt's Go code leaves the entry too, or the memory watcher would count this
	// isolate as running JavaScript for ever after and sample on its behalf.
	left := false
	defer func() {
		if !left {
			leave()
		}
	}()
	err := fn()
	left = true
	used := leave()
	iso.vm.ClearInterrupt()
	iso.cpu += used
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		switch ie.Value().(type) {
		case cpuInterrupt:
			return ErrCPULimit
		case memoryInterrupt:
			return ErrMemoryLimit
		}
	}
	if iso.mem != nil && iso.mem.Exceeded() {
		return ErrMemoryLimit
	}
	if err == nil && limit > 0 && iso.cpu > limit {
		return ErrCPULimit
	}
	if err == nil {
		err = iso.reportRejections()
	}
	return err
}

// entry is one entry into JavaScript, as the watchdog sees it from its own goroutine.
type entry struct {
	clock  cpuclock.Clock
	start  time.Duration
	budget time.Duration
}

// used is the CPU time the entry has consumed so far.
func (e *entry) used() time.Duration {
	now, ok := e.clock.Now()
	if !ok {
		return 0
	}
	return now - e.start
}

// checkCPU runs when the current entry may have used its CPU budget: the timer counts wall
// time, which is never less than CPU time, so it interrupts JavaScript only once the thread's
// CPU clock agrees, and otherwise waits for the budget that is left.
func (iso *Isolate) checkCPU() {
	e := iso.current.Load()
	if e == nil {
		return
	}
	if used := e.used(); used < e.budget {
		iso.watchdog.Load().Reset(e.budget - used)
		return
	}
	iso.vm.Interrupt(cpuInterrupt{})
	if stop := iso.wasmStop.Load(); stop != nil {
		(*stop)()
	}
}

// call calls the JavaScript function fn with this and args inside enter.
func (iso *Isolate) call(fn goja.Callable, this goja.Value, args ...goja.Value) (goja.Value, error) {
	var ret goja.Value
	err := iso.enter(func() error {
		var err error
		ret, err = fn(this, args...)
		return err
	})
	return ret, err
}

// Close releases what the isolate holds outside the Go heap: open host bodies and timers.
func (iso *Isolate) Close() {
	if t := iso.watchdog.Load(); t != nil {
		t.Stop()
	}
	if iso.mem != nil {
		iso.mem.Close()
	}
	// Subrequests first: a response body that arrives meanwhile is then refused rather than
	// added after the bodies are closed.
	iso.fetches.closeAll()
	iso.bodies.closeAll()
	if st := iso.wasmStore.Load(); st != nil {
		st.Close()
	}
}

func (iso *Isolate) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		iso.rejections = append(iso.rejections, p)
	case goja.PromiseRejectionHandle:
		for i, q := range iso.rejections {
			if q == p {
				iso.rejections = append(iso.rejections[:i], iso.rejections[i+1:]...)
				break
			}
		}
	}
}

// reportRejections logs the promises rejected without a handler once the microtasks of an entry
// have run, as workerd reports "Uncaught (in promise)".
func (iso *Isolate) reportRejections() error {
	if len(iso.rejections) == 0 {
		return nil
	}
	rs := iso.rejections
	iso.rejections = nil
	for _, p := range rs {
		iso.logf(LevelError, "Uncaught (in promise) %s", iso.describeError(p.Result()))
	}
	return nil
}

// describeError renders a thrown value the way a developer wants to read it: the stack for
// errors, the inspected value otherwise.
func (iso *Isolate) describeError(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
			return st.String()
		}
	}
	return iso.inspect(v)
}

// throwTypeError panics with a JS TypeError; only for use inside Go functions called from JS.
func (iso *Isolate) throwTypeError(format string, args ...any) {
	panic(iso.vm.NewTypeError(fmt.Sprintf(format, args...)))
}
