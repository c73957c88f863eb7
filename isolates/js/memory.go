package js

import (
	"errors"
	"io"

	"github.com/dop251/goja"
)

// ErrMemoryLimit is returned when an isolate was stopped for keeping more memory than its cap
// allows; the text is Cloudflare's.
var ErrMemoryLimit = errors.New("Worker exceeded memory limit.")

// memoryInterrupt is the value the memory watcher interrupts the runtime with.
type memoryInterrupt struct{}

// stopForMemory stops the isolate wherever it is: JavaScript is interrupted, Wasm called from
// it cancelled, and an event loop waiting for I/O or timers gives up. The isolate is useless
// afterwards; the host discards it.
func (iso *Isolate) stopForMemory() {
	iso.vm.Interrupt(memoryInterrupt{})
	if stop := iso.wasmStop.Load(); stop != nil {
		(*stop)()
	}
	iso.loop.kill(ErrMemoryLimit)
}

// charge accounts for n bytes the isolate is about to allocate in one piece. It reports false
// when the allocation must not happen: the isolate has then been stopped, and the caller
// returns at once (JavaScript is interrupted at its next instruction).
func (iso *Isolate) charge(n int64) bool {
	return iso.mem == nil || iso.mem.Charge(n)
}

// readAllCapped reads r to its end, as io.ReadAll does, but no further than the isolate's cap:
// a body larger than the whole cap stops the isolate instead of filling the host's memory.
func (iso *Isolate) readAllCapped(r io.Reader) ([]byte, error) {
	if iso.mem == nil {
		return io.ReadAll(r)
	}
	limit := iso.cfg.MemoryLimit
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if !iso.charge(int64(len(data))) {
		return nil, ErrMemoryLimit
	}
	return data, err
}

// bufferConstructors are the globals whose construction allocates a buffer of a size given
// by an argument: a single `new Float64Array(1e9)` would allocate 8 GB inside goja, where no
// interrupt reaches. The value is the size of an element.
var bufferConstructors = map[string]int64{
	"ArrayBuffer": 1, "Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1, "Int16Array": 2,
	"Uint16Array": 2, "Int32Array": 4, "Uint32Array": 4, "Float32Array": 4, "Float64Array": 8,
	"BigInt64Array": 8, "BigUint64Array": 8,
}

// guardBulkBuiltins puts a charge in front of the built-ins that can allocate a large amount
// in one call, which nothing can interrupt once begun: the buffer constructors,
// String.prototype.repeat, padStart, padEnd, concat and split, Array.prototype.join and fill,
// and Array.from.
// Each charge is the size the call is about to allocate, computed from its arguments before it
// runs.
//
// The constructors are wrapped on first use: building all twelve in every fresh isolate cost
// more than half of a hello request's allocations. goja offers no way to reach a constructor
// once its global is gone, so the global object is replaced by an empty one whose prototype,
// guardedGlobals, looks names up in the original global object: the first lookup of a guarded
// name wraps the original's constructor and defines the wrapper on the new global object. The
// original global object is not on any prototype chain, so JavaScript cannot reach the
// unguarded constructors through it.
func (iso *Isolate) guardBulkBuiltins() {
	vm := iso.vm
	orig := vm.GlobalObject()
	guards := vm.NewDynamicObject(&guardedGlobals{iso: iso, orig: orig})
	guards.SetPrototype(vm.NewObject().Prototype())
	g := vm.NewObject()
	g.SetPrototype(guards)
	vm.SetGlobalObject(g)
	str := vm.ToValue("").ToObject(vm).Prototype()
	iso.guard(str, "repeat", func(this goja.Value, args []goja.Value) int64 {
		return stringBytes(this) * toCount(args, 0)
	})
	pad := func(this goja.Value, args []goja.Value) int64 { return toCount(args, 0) }
	iso.guard(str, "padStart", pad)
	iso.guard(str, "padEnd", pad)
	iso.guard(str, "concat", func(this goja.Value, args []goja.Value) int64 {
		n := stringBytes(this)
		for _, a := range args {
			n += stringBytes(a)
		}
		return n
	})
	arr := vm.NewArray().Prototype()
	iso.guard(arr, "join", func(this goja.Value, args []goja.Value) int64 {
		sep := int64(1)
		if len(args) > 0 && !goja.IsUndefined(args[0]) {
			sep = stringBytes(args[0])
		}
		return lengthOf(this) * (sep + 1)
	})
	// An element of a dense array is an interface value: 16 bytes.
	iso.guard(arr, "fill", func(this goja.Value, args []goja.Value) int64 {
		return lengthOf(this) * 16
	})
	if ctor, ok := arr.Get("constructor").(*goja.Object); ok {
		iso.guard(ctor, "from", func(this goja.Value, args []goja.Value) int64 {
			if len(args) == 0 {
				return 0
			}
			return lengthOf(args[0]) * 16
		})
	}
	// Splitting makes a string per piece: with an empty or one-character separator, up to one
	// per character of the input.
	iso.guard(str, "split", func(this goja.Value, args []goja.Value) int64 {
		if len(args) > 0 && stringBytes(args[0]) > 1 {
			return 0
		}
		return stringBytes(this) * 32
	})
}

// guard replaces the method name of proto with one that charges size(this, args) first.
func (iso *Isolate) guard(proto *goja.Object, name string, size func(this goja.Value, args []goja.Value) int64) {
	orig, ok := goja.AssertFunction(proto.Get(name))
	if !ok {
		return
	}
	fn := iso.vm.ToValue(func(call goja.FunctionCall) goja.Value {
		if !iso.charge(size(call.This, call.Arguments)) {
			return goja.Undefined()
		}
		v, err := orig(call.This, call.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	})
	proto.DefineDataProperty(name, fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// guardedGlobals is the DynamicObject behind guardBulkBuiltins.
type guardedGlobals struct {
	iso  *Isolate
	orig *goja.Object
	done map[string]bool
}

func (l *guardedGlobals) Get(key string) goja.Value {
	elem, ok := bufferConstructors[key]
	if !ok {
		// Found once here, a built-in becomes the global object's own property, as on the
		// original: later lookups find it without coming back through Go.
		v := l.orig.Get(key)
		if v != nil {
			l.iso.vm.GlobalObject().DefineDataProperty(key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
		return v
	}
	if l.done[key] {
		return l.orig.Get(key)
	}
	if l.done == nil {
		l.done = make(map[string]bool, 4)
	}
	l.done[key] = true
	w := l.iso.guardedConstructor(l.orig.Get(key), elem)
	l.iso.vm.GlobalObject().DefineDataProperty(key, w, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return w
}

func (l *guardedGlobals) Has(key string) bool {
	if _, ok := bufferConstructors[key]; ok && !l.done[key] {
		return true
	}
	return l.orig.Get(key) != nil
}

// Set refuses, so that assignments land on the global object; Delete and Keys complete the
// DynamicObject interface.
func (*guardedGlobals) Set(string, goja.Value) bool { return false }
func (*guardedGlobals) Delete(string) bool          { return true }
func (*guardedGlobals) Keys() []string              { return nil }

// guardedConstructor returns the buffer constructor orig wrapped in one that charges what a
// construction is about to allocate. The wrapper shares the original's prototype object and
// statics, and the prototype's constructor points at it, so that instanceof, subclassing,
// Uint8Array.from and x.constructor === Uint8Array hold.
func (iso *Isolate) guardedConstructor(v goja.Value, elem int64) goja.Value {
	vm := iso.vm
	orig, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	var wrapper *goja.Object
	wrapper = vm.ToValue(func(call goja.ConstructorCall) *goja.Object {
		// goja gives no new.target when it is the wrapper itself, nor tells a call without
		// new apart from a construction in strict code: both construct.
		newTarget := call.NewTarget
		if newTarget == nil {
			newTarget = wrapper
		}
		var n int64
		if len(call.Arguments) > 0 {
			if o, ok := call.Arguments[0].(*goja.Object); ok {
				if _, buf := o.Export().(goja.ArrayBuffer); !buf {
					n = lengthOf(o)
				}
			} else {
				n = toCount(call.Arguments, 0)
			}
		}
		if !iso.charge(n * elem) {
			return vm.NewObject()
		}
		construct, _ := goja.AssertFunction(vm.Get("Reflect").ToObject(vm).Get("construct"))
		v, err := construct(goja.Undefined(), orig, vm.NewArray(toAny(call.Arguments)...), newTarget)
		if err != nil {
			panic(err)
		}
		return v.ToObject(vm)
	}).(*goja.Object)
	// The wrapper stands in the original's place, and the original is not its prototype:
	// Object.getPrototypeOf(Uint8Array) must not hand out the unguarded constructor. Its own
	// statics (BYTES_PER_ELEMENT, isView, fromBase64...) are copied; those of %TypedArray%
	// (from, of) are inherited and construct through this.
	wrapper.SetPrototype(orig.Prototype())
	for _, k := range orig.GetOwnPropertyNames() {
		switch k {
		case "prototype", "name", "length":
		case "BYTES_PER_ELEMENT":
			wrapper.DefineDataProperty(k, orig.Get(k), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		default:
			wrapper.DefineDataProperty(k, orig.Get(k), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	proto := orig.Get("prototype")
	wrapper.DefineDataProperty("prototype", proto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	wrapper.DefineDataProperty("name", orig.Get("name"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	if p, ok := proto.(*goja.Object); ok {
		p.DefineDataProperty("constructor", wrapper, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	return wrapper
}

func toAny(vs []goja.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// stringBytes is the size of v as a string, one byte per code unit: goja keeps ASCII strings
// in bytes and others in UTF-16, so this is exact for ASCII and half for the rest. A string
// primitive's length is read without converting it; other values count nothing.
func stringBytes(v goja.Value) int64 {
	if s, ok := v.(goja.String); ok {
		return int64(s.Length())
	}
	return 0
}

// toCount is args[i] as a non-negative count, or 0.
func toCount(args []goja.Value, i int) int64 {
	if i >= len(args) {
		return 0
	}
	n := args[i].ToNumber().ToFloat()
	if n != n || n <= 0 {
		return 0
	}
	if n > 1<<53 {
		return 1 << 53
	}
	return int64(n)
}

// lengthOf is o.length when o is an object with a numeric length, without calling getters
// that are not own data properties of arrays (Array and typed array length is cheap).
func lengthOf(v goja.Value) int64 {
	o, ok := v.(*goja.Object)
	if !ok {
		return 0
	}
	l := o.Get("length")
	if l == nil {
		return 0
	}
	return toCount([]goja.Value{l}, 0)
}
