package js

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sync"

	"github.com/dop251/goja"
	"github.com/tetratelabs/wazero/api"

	"github.com/moltworker/molt/isolates/wasm"
)

// The WebAssembly global is lib/webassembly.js over the natives below, on wazero
// (isolates/wasm). Modules are compiled once per worker version (Config.Wasm); an isolate only
// instantiates. Calls into Wasm run on the isolate's goroutine inside its entry into
// JavaScript, so the CPU cap covers them: the watchdog cancels the context every instance of
// the isolate runs in, and the engine stops Wasm at its next loop back-edge.

// wasmCodegenFlag allows compiling Wasm from bytes at run time, which Workers refuses.
const wasmCodegenFlag = "molt_wasm_codegen"

// defaultWasmEngine serves isolates whose Config has no engine (tests, tools).
var defaultWasmEngine = sync.OnceValue(func() *wasm.Engine { return wasm.NewEngine(wasm.Limits{}) })

func (c *Config) wasmEngine() *wasm.Engine {
	if c.Wasm != nil {
		return c.Wasm
	}
	return defaultWasmEngine()
}

func init() {
	register("webassembly", []string{"WebAssembly"}, func(iso *Isolate) map[string]any {
		a := &wasmAdapter{iso: iso}
		return map[string]any{
			"setErrors":    func(fn goja.Callable) { a.mkErr = fn },
			"compile":      a.compile,
			"validate":     a.validate,
			"bundled":      a.bundled,
			"imports":      a.imports,
			"exports":      a.exports,
			"funcImports":  a.funcImports,
			"instantiate":  a.instantiate,
			"exportValue":  a.exportValue,
			"memoryBuffer": a.memoryBuffer,
			"memoryGrow":   a.memoryGrow,
			"newMemory":    a.newMemory,
			"newGlobal":    a.newGlobal,
			"globalGet":    a.globalGet,
			"globalSet":    a.globalSet,
			"tableOp":      a.tableOp,
			"newTable":     a.newTable,
		}
	})
}

// wasmAdapter holds one isolate's WebAssembly state.
type wasmAdapter struct {
	iso   *Isolate
	mkErr goja.Callable // (kind, message) → CompileError, LinkError, RuntimeError, TypeError, RangeError

	st       *wasm.Store
	ctx      context.Context
	memories []*wasmMemory
	// refs holds the JavaScript values Wasm holds as externref; value i+1 stands for refs[i]
	// and 0 for null. They live as long as the isolate, which serves one request.
	refs []goja.Value
	// funcs are the Wasm functions handed to JavaScript, byRef the one handed out for each
	// funcref value: reading the same funcref twice gives the same function object.
	funcs map[*goja.Object]*wasmFunc
	byRef map[uint64]*goja.Object
	// exported holds the first exported function object of each function an instance
	// defines, and instances counts the instances of each module: a funcref to the function
	// of a module instantiated once is that object, as V8 returns one object per function.
	exported  map[api.FunctionDefinition]*goja.Object
	instances map[*wasm.Module]int
}

// throw panics with a JavaScript error of kind (CompileError, LinkError, RuntimeError,
// TypeError, RangeError) made by the library, so that it is the isolate's own class.
func (a *wasmAdapter) throw(kind, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if a.mkErr == nil {
		panic(a.iso.vm.NewTypeError(msg))
	}
	e, err := a.mkErr(goja.Undefined(), a.iso.vm.ToValue(kind), a.iso.vm.ToValue(msg))
	if err != nil {
		panic(err)
	}
	panic(e)
}

// store is the isolate's Wasm store, whose context the CPU watchdog cancels and which the
// isolate closes when it ends.
func (a *wasmAdapter) store() *wasm.Store {
	if a.st == nil {
		ctx, cancel := context.WithCancel(context.Background())
		stop := func() { cancel() }
		a.iso.wasmStop.Store(&stop)
		a.ctx = ctx
		e := a.iso.cfg.wasmEngine()
		a.st = e.NewStore(ctx, wasm.NewBudget(e.Limits().Memory))
		a.funcs = map[*goja.Object]*wasmFunc{}
		a.byRef = map[uint64]*goja.Object{}
		a.exported = map[api.FunctionDefinition]*goja.Object{}
		a.instances = map[*wasm.Module]int{}
		a.iso.wasmStore.Store(a.st)
	}
	return a.st
}

func (a *wasmAdapter) module(v goja.Value) *wasm.Module {
	m, ok := v.Export().(*wasm.Module)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	return m
}

// compile compiles bytes given at run time, which only the molt_wasm_codegen flag allows;
// api names the caller in messages, as V8 does ("WebAssembly.compile()").
func (a *wasmAdapter) compile(bytes goja.Value, apiName string) goja.Value {
	if !a.iso.cfg.flag(wasmCodegenFlag) {
		a.throw("CompileError", "%s: Wasm code generation disallowed by embedder", apiName)
	}
	data, ok := a.iso.chunkBytes(bytes)
	if !ok {
		a.throw("TypeError", "%s: Argument 0 must be a buffer source", apiName)
	}
	m, err := a.iso.cfg.wasmEngine().Compile(data)
	if err != nil {
		var ce *wasm.CompileError
		if errors.As(err, &ce) {
			a.throw("CompileError", "%s: %v", apiName, ce.Err)
		}
		panic(a.iso.vm.NewGoError(err))
	}
	return a.iso.vm.ToValue(m)
}

// validate reports whether bytes are a valid module. Validating generates no code a worker
// can run, so it needs no flag; the compiled module stays cached for the version.
func (a *wasmAdapter) validate(bytes goja.Value) bool {
	data, ok := a.iso.chunkBytes(bytes)
	if !ok {
		a.throw("TypeError", "WebAssembly.validate(): Argument 0 must be a buffer source")
	}
	_, err := a.iso.cfg.wasmEngine().Compile(data)
	return err == nil
}

// bundled returns the module the bundle imports as name (a CompiledWasm module rule).
func (a *wasmAdapter) bundled(name string) goja.Value {
	m := a.iso.cfg.WasmModules[name]
	if m == nil {
		panic(a.iso.vm.NewGoError(fmt.Errorf("molt: no compiled WebAssembly module %q in this worker", name)))
	}
	return a.iso.vm.ToValue(m)
}

func (a *wasmAdapter) imports(v goja.Value) goja.Value {
	m := a.module(v)
	out := make([]any, len(m.Imports))
	for i, imp := range m.Imports {
		out[i] = a.iso.vm.NewArray(imp.Module, imp.Name, imp.Kind)
	}
	return a.iso.vm.NewArray(out...)
}

func (a *wasmAdapter) exports(v goja.Value) goja.Value {
	m := a.module(v)
	out := make([]any, len(m.Exports))
	for i, exp := range m.Exports {
		out[i] = a.iso.vm.NewArray(exp.Name, exp.Kind)
	}
	return a.iso.vm.NewArray(out...)
}

// funcImports lists [module, name] of each function import, the order instantiate takes
// the functions in.
func (a *wasmAdapter) funcImports(v goja.Value) goja.Value {
	m := a.module(v)
	fis := m.FunctionImports()
	out := make([]any, len(fis))
	for i, fi := range fis {
		out[i] = a.iso.vm.NewArray(fi.Module, fi.Name)
	}
	return a.iso.vm.NewArray(out...)
}

// instantiate instantiates a module with fns, the callables for its function imports in
// funcImports order, and externs, the values for its memory, table and global imports in
// declaration order (the library has checked their classes), and returns the instance.
func (a *wasmAdapter) instantiate(mv goja.Value, fns, externs []goja.Value) goja.Value {
	m := a.module(mv)
	st := a.store()
	fis := m.FunctionImports()
	hosts := make([]wasm.HostFunc, len(fis))
	for i, fi := range fis {
		fn, _ := goja.AssertFunction(fns[i])
		hosts[i] = a.hostFunc(fi, fn)
	}
	var xs []wasm.Extern
	for i, imp := range m.Imports {
		if imp.Kind != "function" {
			xs = append(xs, a.extern(i, imp, externs[len(xs)]))
		}
	}
	in, err := st.Instantiate(m, hosts, xs)
	a.refreshMemories()
	if err != nil {
		a.fail(err, "WebAssembly.Instance()")
	}
	a.instances[m]++
	return a.iso.vm.ToValue(in)
}

// extern is what v, given for import #i, links to: a memory, table or global handle, or a
// number, BigInt or reference for an immutable global import, which becomes a global of its
// own, as V8 copies it.
func (a *wasmAdapter) extern(i int, imp wasm.Import, v goja.Value) wasm.Extern {
	switch h := v.Export().(type) {
	case *wasmMemory:
		return wasm.Extern{From: h.in, Name: h.name}
	case *wasmTable:
		return wasm.Extern{From: h.in, Name: h.name}
	case *wasmGlobal:
		return wasm.Extern{From: h.in, Name: h.name}
	}
	where := fmt.Sprintf("WebAssembly.Instance(): Import #%d %q %q", i, imp.Module, imp.Name)
	if imp.Kind != "global" {
		a.throw("LinkError", "%s: %s import requires a WebAssembly.%s", where, imp.Kind, map[string]string{"memory": "Memory", "table": "Table"}[imp.Kind])
	}
	if imp.Mutable {
		a.throw("LinkError", "%s: imported mutable global must be a WebAssembly.Global object", where)
	}
	ok := false
	switch x := v.Export().(type) {
	case int64, float64:
		ok = imp.Type == api.ValueTypeI32 || imp.Type == api.ValueTypeF32 || imp.Type == api.ValueTypeF64
	case *big.Int:
		ok = imp.Type == api.ValueTypeI64
	default:
		ok = imp.Type == api.ValueTypeExternref || imp.Type == wasm.ValueTypeFuncref && (x == nil || a.funcs[asObject(v)] != nil)
	}
	if !ok {
		a.throw("LinkError", "%s: global import must be a number, valid Wasm reference, or WebAssembly.Global object", where)
	}
	in, err := a.store().NewGlobal(imp.Type, false, a.fromJS(imp.Type, v))
	if err != nil {
		a.throw("LinkError", "%s: %v", where, err)
	}
	return wasm.Extern{From: in, Name: "e"}
}

func asObject(v goja.Value) *goja.Object {
	o, _ := v.(*goja.Object)
	return o
}

// fail rethrows the error of a call into Wasm as JavaScript sees it.
func (a *wasmAdapter) fail(err error, apiName string) {
	if v, ok := wasm.Thrown(err); ok {
		// An imported function threw: the same exception goes on, or the interrupt that
		// stopped it.
		panic(v)
	}
	var le *wasm.LinkError
	var me *wasm.MemoryLimitError
	var re *wasm.RuntimeError
	switch {
	case errors.As(err, &le):
		a.throw("LinkError", "%s: %v", apiName, le.Err)
	case errors.As(err, &me):
		a.throw("RangeError", "%s: %v", apiName, me)
	case errors.As(err, &re):
		a.throw("RuntimeError", "%s", trapMessage(re.Text))
	}
	if a.ctx.Err() != nil {
		// The CPU watchdog stopped the call; the interrupt it also raised ends the isolate.
		a.throw("RuntimeError", "%s", ErrCPULimit.Error())
	}
	panic(a.iso.vm.NewGoError(err))
}

// trapMessage turns wazero's "wasm error: unreachable\nwasm stack trace: ..." into V8's
// message ("unreachable") followed by the Wasm stack, which molt dev's error page shows.
func trapMessage(text string) string {
	const prefix = "wasm error: "
	if len(text) > len(prefix) && text[:len(prefix)] == prefix {
		text = text[len(prefix):]
	}
	switch {
	case hasPrefix(text, "unreachable"):
		return "unreachable" + text[len("unreachable"):]
	case hasPrefix(text, "integer divide by zero"):
		return "divide by zero" + text[len("integer divide by zero"):]
	case hasPrefix(text, "out of bounds memory access"):
		return "memory access out of bounds" + text[len("out of bounds memory access"):]
	}
	return text
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// hostFunc adapts a JavaScript function to a function import of signature fi.
func (a *wasmAdapter) hostFunc(fi wasm.FuncImport, fn goja.Callable) wasm.HostFunc {
	return func(_ context.Context, stack []uint64) {
		a.refreshMemories()
		vm := a.iso.vm
		args := make([]goja.Value, len(fi.Params))
		for i, t := range fi.Params {
			args[i] = a.toJS(t, stack[i])
		}
		var ret goja.Value
		var err error
		func() {
			defer func() {
				// A Go panic inside the callback (a goja interrupt, for one) must not unwind
				// wazero's frames as anything but a host failure.
				if r := recover(); r != nil {
					wasm.Throw(r)
				}
			}()
			ret, err = fn(goja.Undefined(), args...)
		}()
		if err != nil {
			var ex *goja.Exception
			if errors.As(err, &ex) {
				wasm.Throw(ex)
			}
			wasm.Throw(err)
		}
		switch len(fi.Results) {
		case 0:
		case 1:
			stack[0] = a.fromJS(fi.Results[0], ret)
		default:
			// Multiple results come back as an iterable.
			obj := ret.ToObject(vm)
			arr := vm.NewArray()
			if from, ok := goja.AssertFunction(vm.Get("Array").ToObject(vm).Get("from")); ok {
				if v, err := from(goja.Undefined(), obj); err == nil {
					arr = v.ToObject(vm)
				}
			}
			if n := int(arr.Get("length").ToInteger()); n != len(fi.Results) {
				wasm.Throw(vm.NewTypeError("multi-return length mismatch"))
			}
			for i, t := range fi.Results {
				stack[i] = a.fromJS(t, arr.Get(fmt.Sprint(i)))
			}
		}
	}
}

// exportValue returns export name of an instance: a function, or the handle of a memory,
// global or table for the library to wrap.
func (a *wasmAdapter) exportValue(iv goja.Value, name, kind string) goja.Value {
	in, ok := iv.Export().(*wasm.Instance)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	vm := a.iso.vm
	switch kind {
	case "function":
		if f := in.Function(name); f != nil {
			return a.function(&wasmFunc{f: f, in: in, name: name})
		}
	case "memory":
		if in.Memory(name) != nil {
			return vm.ToValue(a.memory(in, name))
		}
	case "global":
		if g := in.Global(name); g != nil {
			return vm.ToValue(&wasmGlobal{in: in, name: name, g: g})
		}
	case "table":
		if _, ok := in.Table(name); ok {
			return vm.ToValue(&wasmTable{in: in, name: name})
		}
	}
	return goja.Undefined()
}

// wasmFunc is a Wasm function handed to JavaScript: one an instance exports as name, or one
// read from a funcref, whose value ref is.
type wasmFunc struct {
	f    api.Function
	in   *wasm.Instance
	name string
	ref  uint64
}

// function returns the JavaScript function that calls wf.
func (a *wasmAdapter) function(wf *wasmFunc) *goja.Object {
	def := wf.f.Definition()
	params, results := def.ParamTypes(), def.ResultTypes()
	n := max(len(params), len(results))
	obj := a.iso.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		stack := make([]uint64, n)
		for i, t := range params {
			stack[i] = a.fromJS(t, c.Argument(i))
		}
		err := a.st.Call(wf.f, stack)
		a.refreshMemories()
		if err != nil {
			a.fail(err, "")
		}
		switch len(results) {
		case 0:
			return goja.Undefined()
		case 1:
			return a.toJS(results[0], stack[0])
		}
		out := make([]any, len(results))
		for i, t := range results {
			out[i] = a.toJS(t, stack[i])
		}
		return a.iso.vm.NewArray(out...)
	}).(*goja.Object)
	// As in V8, the name is the function's index and the length its parameter count.
	_ = obj.DefineDataProperty("name", a.iso.vm.ToValue(fmt.Sprint(def.Index())), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = obj.DefineDataProperty("length", a.iso.vm.ToValue(len(params)), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	a.funcs[obj] = wf
	if wf.ref != 0 {
		a.byRef[wf.ref] = obj
	}
	if wf.in != nil && a.exported[def] == nil && wf.in.Module().Defines(wf.name) {
		a.exported[def] = obj
	}
	return obj
}

// funcRef is the funcref value of JavaScript function v, which must be a Wasm function.
func (a *wasmAdapter) funcRef(v goja.Value) uint64 {
	obj := asObject(v)
	wf := a.funcs[obj]
	if wf == nil {
		a.throw("TypeError", "type incompatibility when transforming from/to JS")
	}
	if wf.ref == 0 {
		ref, err := a.st.FuncRef(wf.in, wf.name)
		if err != nil {
			a.fail(err, "")
		}
		wf.ref = ref
		a.byRef[ref] = obj
	}
	return wf.ref
}

// funcOf is the JavaScript function of funcref value ref.
func (a *wasmAdapter) funcOf(ref uint64) goja.Value {
	if ref == 0 {
		return goja.Null()
	}
	if obj := a.byRef[ref]; obj != nil {
		return obj
	}
	f, err := a.st.Func(ref)
	if errors.Is(err, wasm.ErrImportFuncRef) {
		a.throw("TypeError", "molt: %v (Wasm can still call it)", err)
	}
	if err != nil {
		a.fail(err, "")
	}
	if obj := a.exported[f.Definition()]; obj != nil && a.instances[a.funcs[obj].in.Module()] == 1 {
		a.byRef[ref] = obj
		return obj
	}
	return a.function(&wasmFunc{f: f, ref: ref})
}

var mask64 = new(big.Int).SetUint64(math.MaxUint64)

// fromJS converts a JavaScript value to a Wasm value of type t, as ToWebAssemblyValue does.
func (a *wasmAdapter) fromJS(t api.ValueType, v goja.Value) uint64 {
	switch t {
	case api.ValueTypeI32:
		return uint64(uint32(toInt32(v)))
	case api.ValueTypeI64:
		b, ok := v.Export().(*big.Int)
		if !ok {
			// ToBigInt: booleans and numeric strings convert, numbers do not.
			switch x := v.Export().(type) {
			case bool:
				if x {
					return 1
				}
				return 0
			}
			a.throw("TypeError", "Cannot convert %s to a BigInt", v.String())
		}
		return new(big.Int).And(b, mask64).Uint64()
	case api.ValueTypeF32:
		return api.EncodeF32(float32(v.ToFloat()))
	case api.ValueTypeF64:
		return api.EncodeF64(v.ToFloat())
	case api.ValueTypeExternref:
		if v == nil {
			v = goja.Undefined()
		}
		if goja.IsNull(v) {
			return 0
		}
		a.refs = append(a.refs, v)
		return uint64(len(a.refs))
	}
	if v == nil || goja.IsNull(v) {
		return 0
	}
	return a.funcRef(v)
}

// toJS converts a Wasm value of type t to JavaScript, as ToJSValue does.
func (a *wasmAdapter) toJS(t api.ValueType, x uint64) goja.Value {
	vm := a.iso.vm
	switch t {
	case api.ValueTypeI32:
		return vm.ToValue(int64(int32(uint32(x))))
	case api.ValueTypeI64:
		return vm.ToValue(big.NewInt(int64(x)))
	case api.ValueTypeF32:
		return vm.ToValue(float64(api.DecodeF32(x)))
	case api.ValueTypeF64:
		return vm.ToValue(api.DecodeF64(x))
	case api.ValueTypeExternref:
		if x == 0 || x > uint64(len(a.refs)) {
			return goja.Null()
		}
		return a.refs[x-1]
	}
	return a.funcOf(x)
}

// toInt32 is ECMAScript's ToInt32.
func toInt32(v goja.Value) int32 {
	f := v.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int32(uint32(int64(math.Mod(math.Trunc(f), 1<<32))))
}

// wasmMemory is a memory as JavaScript sees it: buffer is an ArrayBuffer over the linear
// memory itself, replaced (the old one detached, as the spec requires) whenever the memory
// grew, which may have moved it. in exports it as name; instances that import it share it.
type wasmMemory struct {
	in   *wasm.Instance
	name string
	mem  api.Memory
	ab   goja.ArrayBuffer
	size uint32
	has  bool
}

// memory returns the one handle of the memory in exports as name, whichever instance exports it.
func (a *wasmAdapter) memory(in *wasm.Instance, name string) *wasmMemory {
	mem := in.Memory(name)
	for _, m := range a.memories {
		if m.mem == mem {
			return m
		}
	}
	m := &wasmMemory{in: in, name: name, mem: mem}
	a.memories = append(a.memories, m)
	return m
}

// refreshMemories detaches the buffers of memories that grew: called whenever Wasm may have
// run, so that code keeping a view (wasm-bindgen's cached Uint8Array) sees byteLength 0 and
// makes a new one.
func (a *wasmAdapter) refreshMemories() {
	for _, m := range a.memories {
		if m.has && m.mem.Size() != m.size {
			m.ab.Detach()
			m.has = false
		}
	}
}

func (a *wasmAdapter) memoryBuffer(v goja.Value) goja.Value {
	m, ok := v.Export().(*wasmMemory)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	a.refreshMemories()
	if !m.has {
		size := m.mem.Size()
		buf, _ := m.mem.Read(0, size)
		m.ab = a.iso.vm.NewArrayBuffer(buf[:size:size])
		m.size, m.has = size, true
	}
	return a.iso.vm.ToValue(m.ab)
}

func (a *wasmAdapter) memoryGrow(v goja.Value, delta goja.Value) goja.Value {
	m, ok := v.Export().(*wasmMemory)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	d := delta.ToFloat()
	if math.IsNaN(d) || d < 0 || d > math.MaxUint32 {
		a.throw("TypeError", "WebAssembly.Memory.grow(): Argument 0 must be non-negative")
	}
	prev, ok := m.mem.Grow(uint32(d))
	if !ok {
		a.throw("RangeError", "WebAssembly.Memory.grow(): Maximum memory size exceeded")
	}
	a.refreshMemories()
	return a.iso.vm.ToValue(prev)
}

// limits reads the initial and maximum the library has checked.
func limits(initial, maximum goja.Value) (min, max uint64, hasMax bool) {
	if maximum != nil && !goja.IsUndefined(maximum) {
		max, hasMax = uint64(maximum.ToInteger()), true
	}
	return uint64(initial.ToInteger()), max, hasMax
}

// newMemory makes a standalone memory (new WebAssembly.Memory).
func (a *wasmAdapter) newMemory(initial, maximum goja.Value) goja.Value {
	in, err := a.store().NewMemory(limits(initial, maximum))
	a.checkNew(err)
	return a.iso.vm.ToValue(a.memory(in, "e"))
}

// newTable makes a standalone table (new WebAssembly.Table) of element type ref.
func (a *wasmAdapter) newTable(element string, initial, maximum goja.Value) goja.Value {
	ref := wasm.ValueTypeFuncref
	if element == "externref" {
		ref = api.ValueTypeExternref
	}
	min, max, hasMax := limits(initial, maximum)
	in, err := a.store().NewTable(ref, min, max, hasMax)
	a.checkNew(err)
	return a.iso.vm.ToValue(&wasmTable{in: in, name: "e"})
}

// newGlobal makes a standalone global (new WebAssembly.Global) of type typ holding v.
func (a *wasmAdapter) newGlobal(typ string, mutable bool, v goja.Value) goja.Value {
	t := map[string]api.ValueType{"i32": api.ValueTypeI32, "i64": api.ValueTypeI64, "f32": api.ValueTypeF32,
		"f64": api.ValueTypeF64, "externref": api.ValueTypeExternref, "funcref": wasm.ValueTypeFuncref}[typ]
	x := a.fromJS(t, v)
	in, err := a.store().NewGlobal(t, mutable, x)
	a.checkNew(err)
	return a.iso.vm.ToValue(&wasmGlobal{in: in, name: "e", g: in.Global("e")})
}

// checkNew throws the error of making a standalone memory, table or global: a RangeError, as
// V8 throws when it cannot allocate one.
func (a *wasmAdapter) checkNew(err error) {
	if err != nil {
		a.throw("RangeError", "%v", err)
	}
}

// wasmGlobal is a global that in exports as name.
type wasmGlobal struct {
	in   *wasm.Instance
	name string
	g    api.Global
}

func (a *wasmAdapter) globalGet(v goja.Value) goja.Value {
	g, ok := v.Export().(*wasmGlobal)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	return a.toJS(g.g.Type(), g.g.Get())
}

func (a *wasmAdapter) globalSet(v, x goja.Value) {
	g, ok := v.Export().(*wasmGlobal)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	mg, ok := g.g.(api.MutableGlobal)
	if !ok {
		a.throw("TypeError", "set WebAssembly.Global.value: Can't set the value of an immutable global.")
	}
	mg.Set(a.fromJS(g.g.Type(), x))
}

// wasmTable is a table that in exports as name.
type wasmTable struct {
	in   *wasm.Instance
	name string
}

// tableOp runs op ("size", "grow", "get", "set") on a table.
func (a *wasmAdapter) tableOp(v goja.Value, op string, x, y goja.Value) goja.Value {
	t, ok := v.Export().(*wasmTable)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	tt, _ := t.in.Table(t.name)
	elem := "funcref"
	if tt.Elem == api.ValueTypeExternref {
		elem = "externref"
	}
	apiName := "WebAssembly.Table." + op + "()"
	// A missing value is null for funcref and undefined for externref, as in V8.
	value := func() uint64 {
		if tt.Elem == api.ValueTypeExternref {
			return a.fromJS(tt.Elem, y)
		}
		if y == nil || goja.IsUndefined(y) || goja.IsNull(y) {
			return 0
		}
		if a.funcs[asObject(y)] == nil {
			a.throw("TypeError", "%s: Argument 1 is invalid for table: function-typed object must be null (if nullable) or a Wasm function object", apiName)
		}
		return a.funcRef(y)
	}
	size, err := t.in.TableSize(t.name)
	if err != nil {
		a.fail(err, apiName)
	}
	switch op {
	case "size":
		return a.iso.vm.ToValue(size)
	case "grow":
		delta := uint32(toInt32(x))
		prev, err := t.in.TableGrow(t.name, delta, value())
		if err != nil {
			a.fail(err, apiName)
		}
		if prev < 0 {
			a.throw("RangeError", "WebAssembly.Table.grow(): failed to grow table by %d", delta)
		}
		return a.iso.vm.ToValue(prev)
	}
	i := uint32(toInt32(x))
	if i >= size {
		a.throw("RangeError", "%s: invalid address %d in %s table of size %d", apiName, i, elem, size)
	}
	if op == "get" {
		ref, err := t.in.TableGet(t.name, i)
		if err != nil {
			a.fail(err, apiName)
		}
		return a.toJS(tt.Elem, ref)
	}
	if err := t.in.TableSet(t.name, i, value()); err != nil {
		a.fail(err, apiName)
	}
	return goja.Undefined()
}
