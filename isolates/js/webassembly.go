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

	budget   *wasm.Budget
	ctx      context.Context
	memories []*wasmMemory
	// refs holds the JavaScript values Wasm holds as externref; value i+1 stands for refs[i]
	// and 0 for null. They live as long as the isolate, which serves one request.
	refs []goja.Value
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

// context is the context every instance of the isolate runs in; the CPU watchdog cancels it.
func (a *wasmAdapter) context() context.Context {
	if a.ctx == nil {
		ctx, cancel := context.WithCancel(context.Background())
		stop := func() { cancel() }
		a.iso.wasmStop.Store(&stop)
		a.ctx = ctx
		limit := a.iso.cfg.wasmEngine().Limits().Memory
		a.budget = wasm.NewBudget(limit)
	}
	return a.ctx
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
// funcImports order (the library has checked them), and returns the instance.
func (a *wasmAdapter) instantiate(mv goja.Value, fns []goja.Value) goja.Value {
	m := a.module(mv)
	ctx := a.context()
	fis := m.FunctionImports()
	hosts := make([]wasm.HostFunc, len(fis))
	for i, fi := range fis {
		fn, _ := goja.AssertFunction(fns[i])
		hosts[i] = a.hostFunc(fi, fn)
	}
	in, err := m.Instantiate(ctx, a.budget, hosts)
	a.refreshMemories()
	if err != nil {
		a.fail(err, "WebAssembly.Instance()")
	}
	return a.iso.vm.ToValue(in)
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
		f := in.Function(name)
		if f == nil {
			return goja.Undefined()
		}
		return vm.ToValue(a.exportedFunction(in, f))
	case "memory":
		mem := in.Memory(name)
		if mem == nil {
			return goja.Undefined()
		}
		return vm.ToValue(a.memory(mem))
	case "global":
		g := in.Global(name)
		if g == nil {
			return goja.Undefined()
		}
		return vm.ToValue(&wasmGlobal{g: g})
	case "table":
		return vm.ToValue(&wasmTable{in: in, name: name})
	}
	return goja.Undefined()
}

// exportedFunction is the JavaScript function of an exported Wasm function.
func (a *wasmAdapter) exportedFunction(in *wasm.Instance, f api.Function) func(goja.FunctionCall) goja.Value {
	def := f.Definition()
	params, results := def.ParamTypes(), def.ResultTypes()
	n := max(len(params), len(results))
	return func(c goja.FunctionCall) goja.Value {
		stack := make([]uint64, n)
		for i, t := range params {
			stack[i] = a.fromJS(t, c.Argument(i))
		}
		err := in.Call(f, stack)
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
	}
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
	a.throw("TypeError", "molt: passing functions as funcref values is not supported")
	return 0
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
	return goja.Null()
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
// grew, which may have moved it.
type wasmMemory struct {
	mem  api.Memory
	ab   goja.ArrayBuffer
	size uint32
	has  bool
}

func (a *wasmAdapter) memory(mem api.Memory) *wasmMemory {
	for _, m := range a.memories {
		if m.mem == mem {
			return m
		}
	}
	m := &wasmMemory{mem: mem}
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

// newMemory makes a standalone memory (new WebAssembly.Memory) as the memory of a module that
// exports only that.
func (a *wasmAdapter) newMemory(initial, maximum goja.Value) goja.Value {
	min := uint64(initial.ToInteger())
	var max *uint64
	if maximum != nil && !goja.IsUndefined(maximum) {
		x := uint64(maximum.ToInteger())
		max = &x
	}
	in := a.synthesize(entityModule(5, 2, min, max, 0))
	return a.iso.vm.ToValue(a.memory(in.Memory("e")))
}

// newTable makes a standalone table (new WebAssembly.Table) of element type ref.
func (a *wasmAdapter) newTable(element string, initial, maximum goja.Value) goja.Value {
	ref := byte(0x70)
	if element == "externref" {
		ref = 0x6f
	}
	min := uint64(initial.ToInteger())
	var max *uint64
	if maximum != nil && !goja.IsUndefined(maximum) {
		x := uint64(maximum.ToInteger())
		max = &x
	}
	in := a.synthesize(entityModule(4, 1, min, max, ref))
	return a.iso.vm.ToValue(&wasmTable{in: in, name: "e"})
}

func (a *wasmAdapter) synthesize(bin []byte) *wasm.Instance {
	m, err := a.iso.cfg.wasmEngine().Compile(bin)
	if err == nil {
		var in *wasm.Instance
		if in, err = m.Instantiate(a.context(), a.budget, nil); err == nil {
			return in
		}
	}
	var me *wasm.MemoryLimitError
	if errors.As(err, &me) {
		a.throw("RangeError", "%v", me)
	}
	a.throw("RangeError", "%v", err)
	return nil
}

// entityModule encodes a module that defines one memory (section 5) or table (section 4) and
// exports it as "e".
func entityModule(section, kind byte, min uint64, max *uint64, ref byte) []byte {
	var lim []byte
	if max != nil {
		lim = append([]byte{1}, append(uleb(min), uleb(*max)...)...)
	} else {
		lim = append([]byte{0}, uleb(min)...)
	}
	body := []byte{1}
	if section == 4 {
		body = append(body, ref)
	}
	body = append(body, lim...)
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, section)
	out = append(out, uleb(uint64(len(body)))...)
	out = append(out, body...)
	exp := []byte{1, 1, 'e', kind, 0}
	out = append(out, 7, byte(len(exp)))
	return append(out, exp...)
}

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

// wasmGlobal is an exported global.
type wasmGlobal struct{ g api.Global }

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
		a.throw("TypeError", "WebAssembly.Global.value: Can't set the value of an immutable global.")
	}
	mg.Set(a.fromJS(g.g.Type(), x))
}

// wasmTable is an exported table, reached through the accessor functions isolates/wasm adds
// to modules that export tables.
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
	f := t.in.Function("__molt_table_" + op + ":" + t.name)
	if f == nil {
		a.throw("TypeError", "molt: %s on a table of functions is not supported (only length and grow are)", op)
	}
	def := f.Definition()
	params := def.ParamTypes()
	stack := make([]uint64, max(len(params), len(def.ResultTypes())))
	args := []goja.Value{x, y}
	for i, p := range params {
		stack[i] = a.fromJS(p, args[i])
	}
	if op == "get" || op == "set" {
		if size := a.tableSize(t); uint64(uint32(stack[0])) >= size {
			a.throw("RangeError", "WebAssembly.Table.%s(): invalid address %d in %s table of size %d", op, uint32(stack[0]), "externref", size)
		}
	}
	if err := t.in.Call(f, stack); err != nil {
		a.fail(err, "WebAssembly.Table."+op+"()")
	}
	switch op {
	case "grow":
		if int32(stack[0]) < 0 {
			a.throw("RangeError", "WebAssembly.Table.grow(): failed to grow table by %d", uint32(x.ToInteger()))
		}
		return a.iso.vm.ToValue(uint32(stack[0]))
	case "size":
		return a.iso.vm.ToValue(uint32(stack[0]))
	case "get":
		return a.toJS(def.ResultTypes()[0], stack[0])
	}
	return goja.Undefined()
}

func (a *wasmAdapter) tableSize(t *wasmTable) uint64 {
	f := t.in.Function("__molt_table_size:" + t.name)
	stack := []uint64{0}
	if err := t.in.Call(f, stack); err != nil {
		a.fail(err, "WebAssembly.Table")
	}
	return uint64(uint32(stack[0]))
}
