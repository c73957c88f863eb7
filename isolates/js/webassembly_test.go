package js

import (
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/isolates/wasm"
)

// apiModules compiles the modules in testdata as the worker's CompiledWasm modules
// ("api.wasm", "exporter.wasm", "importer.wasm", "jsfunc.wasm", "limits.wasm").
func apiModules(t testing.TB, e *wasm.Engine) map[string]*wasm.Module {
	t.Helper()
	mods := map[string]*wasm.Module{}
	for _, name := range []string{"api.wasm", "exporter.wasm", "importer.wasm", "jsfunc.wasm", "limits.wasm"} {
		bin, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.Compile(bin)
		if err != nil {
			t.Fatal(err)
		}
		mods[name] = m
	}
	return mods
}

// withWasm gives a test isolate the modules in testdata as bundled modules, and flags.
func withWasm(t *testing.T, limits wasm.Limits, flags ...string) func(*Config) {
	e := wasm.NewEngine(limits)
	t.Cleanup(func() { e.Close() })
	mods := apiModules(t, e)
	return func(c *Config) {
		c.Wasm = e
		c.WasmModules = mods
		c.CompatibilityFlags = flags
	}
}

// instantiate is JavaScript that instantiates the bundled api.wasm with logging imports.
const instantiate = `
const module = require("molt:wasm/api.wasm").default;
const logged = [];
const imports = { env: {
  log: (...args) => { logged.push(args.map(String)); },
  twice: (x) => { if (x === 13) throw new Error("unlucky " + x); return x * 2; },
  pair: () => [40, 2n],
} };
const { exports: e } = new WebAssembly.Instance(module, imports);
`

func TestWebAssemblyAPI(t *testing.T) {
	mod := withWasm(t, wasm.Limits{})
	cases := []jsCase{
		{name: "the module of a CompiledWasm import", body: `const m = require("molt:wasm/api.wasm").default;
			return [m instanceof WebAssembly.Module, String(m), WebAssembly.Module.imports(m), WebAssembly.Module.exports(m).map(x => x.name + ":" + x.kind).join(" ")];`,
			want: `[true,"[object WebAssembly.Module]",[{"module":"env","name":"log","kind":"function"},{"module":"env","name":"twice","kind":"function"},{"module":"env","name":"pair","kind":"function"}],` +
				`"memory:memory counter:global big:global refs:table add:function add64:function mulf32:function divf64:function callLog:function callTwice:function sumPair:function swap:function crash:function div0:function oob:function grow:function store:function spin:function id:function refAt:function"]`},
		{name: "i32 arguments wrap as ToInt32", body: instantiate + `return [e.add(2, 3), e.add(2 ** 31, 1), e.add("4", true), e.add(NaN, 1.9)];`,
			want: `[5,-2147483647,5,1]`},
		{name: "i64 is BigInt", body: instantiate + `return [String(e.add64(2n ** 62n, 2n ** 62n)), String(e.add64(-1n, 2n ** 64n + 3n)), typeof e.add64(1n, 1n)];`,
			want: `["-9223372036854775808","2","bigint"]`},
		{name: "a Number for i64 is a TypeError", body: instantiate + `e.add64(1, 2);`, errName: "TypeError", errMsg: "Cannot convert 1 to a BigInt"},
		{name: "f32 rounds, f64 does not", body: instantiate + `return [e.mulf32(1.1, 3) === Math.fround(Math.fround(1.1) * 3), e.divf64(1, 3) === 1 / 3, e.divf64(1, 0)];`,
			want: `[true,true,null]`},
		{name: "imports receive converted arguments", body: instantiate + `e.callLog(); return logged;`,
			want: `[["-1","9007199254740993","0.5","1.25"]]`},
		{name: "imports return values", body: instantiate + `return [e.callTwice(21), String(e.sumPair())];`, want: `[42,"42"]`},
		{name: "multiple results are an array", body: instantiate + `const r = e.swap(7, 9n); return [Array.isArray(r), String(r[0]), r[1]];`, want: `[true,"9",7]`},
		{name: "an import's exception reaches the caller as itself", body: instantiate + `
			try { e.callTwice(13); } catch (err) { return [err instanceof Error, err.message]; }`, want: `[true,"unlucky 13"]`},
		{name: "unreachable is a RuntimeError", body: instantiate + `try { e.crash(); } catch (err) {
			return [err instanceof WebAssembly.RuntimeError, err instanceof Error, err.name, err.message.split("\n")[0]]; }`,
			want: `[true,true,"RuntimeError","unreachable"]`},
		{name: "division by zero", body: instantiate + `e.div0(0);`, errName: "RuntimeError", errMsg: "divide by zero\nwasm stack trace:\n\t.div0(i32) i32"},
		{name: "out of bounds", body: instantiate + `try { e.oob(); } catch (err) { return err.message.split("\n")[0]; }`, want: `"memory access out of bounds"`},
		{name: "the instance works after a trap", body: instantiate + `try { e.crash(); } catch {} return e.add(1, 1);`, want: `2`},
		{name: "memory.buffer shares linear memory", body: instantiate + `
			const b = e.memory.buffer;
			const text = new TextDecoder().decode(new Uint8Array(b, 16, 5));
			e.store(100, 42);
			new Uint8Array(e.memory.buffer)[101] = 7;
			return [b instanceof ArrayBuffer, b.byteLength, text, new Uint8Array(b)[100], e.add(0, 0), b === e.memory.buffer];`,
			want: `[true,65536,"hello",42,0,true]`},
		{name: "growth from Wasm detaches the old buffer", body: instantiate + `
			const view = new Uint8Array(e.memory.buffer);
			view[200] = 9;
			const old = e.grow(2);
			const b = e.memory.buffer;
			return [old, view.byteLength, b.byteLength, new Uint8Array(b)[200]];`,
			want: `[1,0,196608,9]`},
		{name: "growth from JavaScript", body: instantiate + `
			const before = e.memory.buffer;
			return [e.memory.grow(1), before.byteLength, e.memory.buffer.byteLength];`, want: `[1,0,131072]`},
		{name: "growth past the maximum", body: instantiate + `e.memory.grow(10);`, errName: "RangeError", errMsg: "WebAssembly.Memory.grow(): Maximum memory size exceeded"},
		{name: "memory.grow in Wasm past the maximum gives -1", body: instantiate + `return e.grow(100);`, want: `-1`},
		{name: "globals", body: instantiate + `
			const c = e.counter; const v0 = c.value; c.value = 8;
			return [v0, c.value, String(e.big.value), c instanceof WebAssembly.Global, c + 1];`, want: `[7,8,"-5",true,9]`},
		{name: "immutable globals", body: instantiate + `e.big.value = 1n;`, errName: "TypeError", errMsg: "set WebAssembly.Global.value: Can't set the value of an immutable global."},
		{name: "externref tables", body: instantiate + `
			const t = e.refs, o = { a: 1 };
			t.set(0, o);
			const grownFrom = t.grow(3, "x");
			return [t.length, t.get(0) === o, e.refAt(0) === o, grownFrom, t.get(4), t.get(1), e.id(o) === o, e.id(null)];`,
			want: `[5,true,true,2,"x",null,true,null]`},
		{name: "table index out of range", body: instantiate + `e.refs.get(9);`, errName: "RangeError", errMsg: "WebAssembly.Table.get(): invalid address 9 in externref table of size 2"},
		{name: "two instances of one module keep their own imports", body: `const m = require("molt:wasm/api.wasm").default;
			const make = (k) => new WebAssembly.Instance(m, { env: { log() {}, twice: (x) => x * k, pair: () => [0, 0n] } }).exports;
			const x = make(2), y = make(3);
			return [x.callTwice(5), y.callTwice(5), x.callTwice(1)];`, want: `[10,15,2]`},
		{name: "exports are frozen", body: instantiate + `return [Object.isFrozen(e), Object.getPrototypeOf(e)];`, want: `[true,null]`},
		{name: "a missing import is a LinkError", body: `const m = require("molt:wasm/api.wasm").default;
			new WebAssembly.Instance(m, { env: { log() {} } });`,
			errName: "LinkError", errMsg: `WebAssembly.Instance(): Import #1 "env" "twice": function import requires a callable`},
		{name: "a missing import module is a TypeError", body: `new WebAssembly.Instance(require("molt:wasm/api.wasm").default, {});`,
			errName: "TypeError", errMsg: `WebAssembly.Instance(): Import #0 "env": module is not an object or function`},
		{name: "instantiate(module) resolves to an Instance", body: `return (async () => {const m = require("molt:wasm/api.wasm").default;
			const i = await WebAssembly.instantiate(m, { env: { log() {}, twice: (x) => x, pair: () => [1, 1n] } });
			return [i instanceof WebAssembly.Instance, i.exports.add(1, 2)];})();`, want: `[true,3]`},
		{name: "new Module(bytes) is code generation", body: `new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));`,
			errName: "CompileError", errMsg: "WebAssembly.Module(): Wasm code generation disallowed by embedder"},
		{name: "compile(bytes) is code generation", body: `return (async () => {await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));})();`,
			errName: "CompileError", errMsg: "WebAssembly.compile(): Wasm code generation disallowed by embedder"},
		{name: "instantiate(bytes) is code generation", body: `return (async () => {await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]).buffer);})();`,
			errName: "CompileError", errMsg: "WebAssembly.instantiate(): Wasm code generation disallowed by embedder"},
		{name: "validate needs no flag", body: `return [WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])), WebAssembly.validate(new Uint8Array([1, 2, 3]))];`,
			want: `[true,false]`},
		{name: "standalone memory", body: `const m = new WebAssembly.Memory({ initial: 1, maximum: 3 });
			const b = m.buffer; new Uint8Array(b)[5] = 1;
			return [b.byteLength, m.grow(2), b.byteLength, new Uint8Array(m.buffer)[5], m.buffer.byteLength];`, want: `[65536,1,0,1,196608]`},
		{name: "standalone memory descriptor", body: `new WebAssembly.Memory({});`, errName: "TypeError", errMsg: "WebAssembly.Memory(): Property 'initial' is required"},
		{name: "standalone globals", body: `const g = new WebAssembly.Global({ value: "i64", mutable: true }, 5n); g.value = 2n ** 64n + 1n;
			const f = new WebAssembly.Global({ value: "f32" }, 1.1);
			return [String(g.value), f.value === Math.fround(1.1)];`, want: `["1",true]`},
		{name: "a Global of no WebAssembly type", body: `new WebAssembly.Global({ value: "toString" });`, errName: "TypeError",
			errMsg: "WebAssembly.Global(): Descriptor property 'value' must be a WebAssembly type"},
		{name: "standalone externref table", body: `const t = new WebAssembly.Table({ element: "externref", initial: 2 }, "v");
			return [t.length, t.get(1), t.grow(1), t.length];`, want: `[2,"v",2,3]`},
		{name: "namespace", body: `return [String(WebAssembly), Object.keys(WebAssembly).length, typeof WebAssembly.instantiateStreaming];`,
			want: `["[object WebAssembly]",0,"function"]`},
	}
	for i := range cases {
		cases[i].mod = mod
	}
	runJSCases(t, cases)
}

func TestWebAssemblyCodegenFlag(t *testing.T) {
	mod := withWasm(t, wasm.Limits{}, "molt_wasm_codegen")
	bytes, err := os.ReadFile("testdata/api.wasm")
	if err != nil {
		t.Fatal(err)
	}
	lit := `Uint8Array.from("` + hex.EncodeToString(bytes) + `".match(/../g), (h) => parseInt(h, 16))`
	cases := []jsCase{
		{name: "compile", body: `return (async () => { const m = await WebAssembly.compile(` + lit + `);
			return [m instanceof WebAssembly.Module, WebAssembly.Module.exports(m).length]; })();`, want: `[true,20]`},
		{name: "instantiate(bytes)", body: `return (async () => { const { module, instance } = await WebAssembly.instantiate(` + lit + `, { env: { log() {}, twice: x => x + 1, pair: () => [1, 2n] } });
			return [module instanceof WebAssembly.Module, instance.exports.callTwice(1)]; })();`, want: `[true,2]`},
		{name: "new Module", body: `return WebAssembly.Module.imports(new WebAssembly.Module(` + lit + `)).length;`, want: `3`},
		{name: "invalid bytes", body: `new WebAssembly.Module(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));`,
			errName: "CompileError", errMsg: `WebAssembly.Module(): not a WebAssembly module: the magic number \0asm is missing`},
		{name: "not a buffer", body: `return (async () => {await WebAssembly.compile("nope");})();`, errName: "TypeError", errMsg: "WebAssembly.compile(): Argument 0 must be a buffer source"},
	}
	for i := range cases {
		cases[i].mod = mod
	}
	runJSCases(t, cases)
}

func TestWebAssemblyMemoryCap(t *testing.T) {
	mod := withWasm(t, wasm.Limits{Memory: 2 << 16})
	cases := []jsCase{
		{name: "Wasm growth past the isolate's cap fails", body: instantiate + `return [e.grow(1), e.grow(1), e.memory.buffer.byteLength];`, want: `[1,-1,131072]`},
		{name: "so does a second memory", body: instantiate + `new WebAssembly.Memory({ initial: 2 });`,
			errName: "RangeError", errMsg: "Worker exceeded memory limit: growing WebAssembly memory to 0.2 MiB was refused (the limit is 0.1 MiB)"},
		{name: "and JavaScript's grow", body: instantiate + `e.memory.grow(2);`, errName: "RangeError", errMsg: "WebAssembly.Memory.grow(): Maximum memory size exceeded"},
	}
	for i := range cases {
		cases[i].mod = mod
	}
	runJSCases(t, cases)
}

func TestWebAssemblyCPULimit(t *testing.T) {
	wantCPULimit(t, withWasm(t, wasm.Limits{}), instantiate+`e.spin();`)
}

// wantCPULimit runs body, which calls Wasm that never returns, under a 50 ms CPU cap, and
// checks that the watchdog stops it.
func wantCPULimit(t *testing.T, mod func(*Config), body string) {
	t.Helper()
	src := strings.Replace(jsHarness, "%s", body, 1)
	iso := newTestIsolate(t, src, func(c *Config) { mod(c); c.CPULimit = 50 * time.Millisecond })
	start := time.Now()
	_, _, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, ErrCPULimit) {
		t.Fatalf("error %v, want the CPU limit", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped after %v", d)
	}
}

// linked is JavaScript that instantiates testdata/exporter.wasm as a, and defines with(env),
// which instantiates testdata/importer.wasm with env (and a's note) as its import module.
const linked = `
const noted = [];
const note = (x) => { noted.push(x); return x + 100; };
const { exports: a } = new WebAssembly.Instance(require("molt:wasm/exporter.wasm").default, { env: { note } });
const importer = require("molt:wasm/importer.wasm").default;
const with_ = (env) => new WebAssembly.Instance(importer, { env: { note, base: 42, ...env } }).exports;
const memory = new WebAssembly.Memory({ initial: 1, maximum: 3 });
const table = new WebAssembly.Table({ element: "anyfunc", initial: 2 });
const g = new WebAssembly.Global({ value: "i32", mutable: true }, 5);
`

// limited is JavaScript that defines link(memory, table, x), which instantiates
// testdata/limits.wasm with a memory and a table of those descriptors and x.
const limited = `
const link = (m, t, x) => new WebAssembly.Instance(require("molt:wasm/limits.wasm").default,
	{ env: { memory: new WebAssembly.Memory(m), t: new WebAssembly.Table(t), x } }).exports;
`

func TestWebAssemblyImportedEntities(t *testing.T) {
	mod := withWasm(t, wasm.Limits{})
	cases := []jsCase{
		{name: "an imported Memory is shared with JavaScript", body: linked + `const b = with_({ memory, table, g });
			new Uint8Array(memory.buffer)[10] = 7;
			b.store(11, 9);
			return [b.load(10), new Uint8Array(memory.buffer)[11], b.pages()];`, want: `[7,9,1]`},
		{name: "growth from Wasm detaches JavaScript's buffer", body: linked + `const b = with_({ memory, table, g });
			const old = memory.buffer; new Uint8Array(old)[5] = 3;
			return [b.grow(1), old.byteLength, memory.buffer.byteLength, new Uint8Array(memory.buffer)[5], b.grow(5)];`,
			want: `[1,0,131072,3,-1]`},
		{name: "growth from JavaScript is seen by Wasm", body: linked + `const b = with_({ memory, table, g });
			return [memory.grow(2), b.pages(), b.grow(1)];`, want: `[1,3,-1]`},
		{name: "an imported mutable Global is shared", body: linked + `const b = with_({ memory, table, g });
			const v0 = b.getG(); g.value = 9; const v1 = b.getG(); b.setG(11);
			return [v0, v1, g.value, b.base()];`, want: `[5,9,11,42]`},
		{name: "an immutable global import takes a number or a Global", body: linked + `
			const b = with_({ memory, table, g, base: new WebAssembly.Global({ value: "i32" }, -3) });
			const c = with_({ memory, table, g, base: 2 ** 31 + 1 });
			return [b.base(), c.base()];`, want: `[-3,-2147483647]`},
		{name: "an imported Table is shared", body: linked + `const b = with_({ memory, table, g });
			table.set(0, a.inc);
			const r = [b.callAt(0, 1), b.tableSize(), table.grow(1, a.dbl), b.tableSize(), b.callAt(2, 5), table.get(0) === a.inc];
			try { b.callAt(1, 0); } catch (err) { r.push(err.name); }
			return r;`, want: `[2,2,2,3,10,true,"RuntimeError"]`},
		{name: "one instance's exports imported by another", body: linked + `
			const b = with_({ memory: a.memory, table: a.table, g: a.g });
			b.store(3, 200); b.setG(77);
			const r = [a.load(3), new Uint8Array(a.memory.buffer)[3], a.getG(), a.g.value, b.tableSize(), b.callAt(1, 21)];
			const old = a.memory.buffer;
			r.push(b.grow(1), old.byteLength, a.memory.buffer.byteLength, b.memory === undefined);
			return r;`, want: `[200,200,77,77,5,42,1,0,131072,true]`},
		{name: "a function reached through an imported table calls its own instance's imports", body: linked + `
			const b = with_({ memory: a.memory, table: a.table, g: a.g, note: () => -1 });
			return [b.callAt(2, 5), a.callAt(2, 6), b.callNote(1), noted];`, want: `[105,106,-1,[5,6]]`},
		{name: "a memory too small", body: linked + `with_({ memory: new WebAssembly.Memory({ initial: 0 }), table, g });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #0 "env" "memory": memory import has 0 pages which is smaller than the declared initial of 1`},
		{name: "not a memory", body: linked + `with_({ memory: a.g, table, g });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #0 "env" "memory": memory import must be a WebAssembly.Memory object`},
		{name: "not a table", body: linked + `with_({ memory, table: {}, g });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #1 "env" "table": table import requires a WebAssembly.Table`},
		{name: "a table too small", body: linked + `with_({ memory, table: new WebAssembly.Table({ element: "anyfunc", initial: 1 }), g });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): table import 1 is smaller than initial 2, got 1`},
		{name: "a table of the wrong type", body: linked + `with_({ memory, table: new WebAssembly.Table({ element: "externref", initial: 2 }), g });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #1 "env" "table": imported table does not match the expected type`},
		{name: "a number for a mutable global", body: linked + `with_({ memory, table, g: 1 });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #2 "env" "g": imported mutable global must be a WebAssembly.Global object`},
		{name: "an immutable Global for a mutable one", body: linked + `with_({ memory, table, g: new WebAssembly.Global({ value: "i32" }, 1) });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #2 "env" "g": imported global does not match the expected mutability`},
		{name: "a Global of the wrong type", body: linked + `with_({ memory, table, g: new WebAssembly.Global({ value: "i64", mutable: true }) });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #2 "env" "g": imported global does not match the expected type`},
		{name: "imports within the declared maxima", body: limited + `return link({ initial: 1, maximum: 2 }, { element: "anyfunc", initial: 1, maximum: 20 }, null).x();`, want: `null`},
		{name: "a memory without a maximum", body: limited + `link({ initial: 1 }, { element: "anyfunc", initial: 1, maximum: 20 }, null);`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #0 "env" "memory": memory import has no maximum limit, expected at most 4294967295`},
		{name: "a memory with a larger maximum", body: limited + `link({ initial: 1, maximum: 5 }, { element: "anyfunc", initial: 1, maximum: 20 }, null);`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #0 "env" "memory": memory import has a larger maximum size 5 than the module's declared maximum 2`},
		{name: "a table without a maximum", body: limited + `link({ initial: 1, maximum: 2 }, { element: "anyfunc", initial: 1 }, null);`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): table import 1 has no maximum length, expected 20`},
		{name: "a table with a larger maximum (in hexadecimal, as V8 prints it)", body: limited + `link({ initial: 1, maximum: 2 }, { element: "anyfunc", initial: 1, maximum: 30 }, null);`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): table import 1 has a larger maximum size 1e than the module's declared maximum 20`},
		{name: "an object for an immutable externref global", body: limited + `link({ initial: 1, maximum: 2 }, { element: "anyfunc", initial: 1, maximum: 20 }, {});`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #2 "env" "x": molt cannot make an immutable reference global that is not null`},
		{name: "a BigInt for an i32 global", body: linked + `with_({ memory, table, g, base: 1n });`, errName: "LinkError",
			errMsg: `WebAssembly.Instance(): Import #3 "env" "base": global import must be a number, valid Wasm reference, or WebAssembly.Global object`},
	}
	for i := range cases {
		cases[i].mod = mod
	}
	runJSCases(t, cases)
}

func TestWebAssemblyFuncrefTables(t *testing.T) {
	mod := withWasm(t, wasm.Limits{})
	cases := []jsCase{
		{name: "get returns a callable function, the same each time", body: linked + `const f = a.table.get(0);
			return [typeof f, f(41), f === a.table.get(0), a.table.get(1)(4), a.table.length, f.length, f.name, f === a.inc];`, want: `["function",42,true,8,5,1,"1",true]`},
		{name: "functions of a module instantiated twice are told apart", body: linked + `
			const a2 = new WebAssembly.Instance(require("molt:wasm/exporter.wasm").default, { env: { note } }).exports;
			const f = a2.table.get(0);
			return [f === a.inc, f === a2.inc, f(1), a2.table.get(0) === f];`, want: `[false,false,2,true]`},
		{name: "an imported JavaScript function in a table is called from Wasm", body: linked + `
			const b = with_({ memory, table: a.table, g, note: () => -1 });
			return [a.callAt(4, 3), b.callAt(4, 4), noted];`, want: `[103,104,[3,4]]`},
		{name: "a JavaScript function wrapped as emscripten's addFunction does", body: linked + `
			const w = new WebAssembly.Instance(require("molt:wasm/jsfunc.wasm").default, { e: { f: (x) => x * 10 } }).exports.f;
			a.table.set(0, w);
			return [a.callAt(0, 4), a.table.get(0) === w, w(2)];`, want: `[40,true,20]`},
		{name: "and read back from it", body: linked + `const f = a.table.get(4);
			return [f(3), f.length, f === note, f === a.table.get(4), noted];`, want: `[103,1,false,true,[3]]`},
		{name: "and through an imported table, from the instance that imports it", body: linked + `
			const b = with_({ memory, table: a.table, g, note: () => -1 });
			return [a.table.get(4)(5), b.callAt(4, 6), noted];`, want: `[105,106,[5,6]]`},
		{name: "set takes exported functions", body: linked + `a.table.set(0, a.dbl);
			return [a.callAt(0, 3), a.table.get(0) === a.dbl];`, want: `[6,true]`},
		{name: "set takes functions read from a table", body: linked + `a.table.set(1, a.table.get(2));
			return [a.callAt(1, 7), noted];`, want: `[107,[7]]`},
		{name: "grow with and without a value", body: linked + `
			return [a.table.grow(2, a.inc), a.table.length, a.callAt(6, 1), a.table.get(5) === a.inc, a.table.grow(1), a.table.get(7)];`,
			want: `[5,7,2,true,7,null]`},
		{name: "set to null", body: linked + `a.table.set(0, null); const r = [a.table.get(0)];
			try { a.callAt(0, 1); } catch (err) { r.push(err instanceof WebAssembly.RuntimeError); }
			return r;`, want: `[null,true]`},
		{name: "a standalone funcref table filled with a value", body: linked + `const t = new WebAssembly.Table({ element: "anyfunc", initial: 2 }, a.dbl);
			return [t.get(0) === a.dbl, t.get(1)(8)];`, want: `[true,16]`},
		{name: "funcref globals", body: linked + `const fg = new WebAssembly.Global({ value: "anyfunc", mutable: true }, a.inc);
			const r = [fg.value === a.inc]; fg.value = a.table.get(1); r.push(fg.value(3)); fg.value = null; r.push(fg.value);
			return r;`, want: `[true,6,null]`},
		{name: "a JavaScript function is not a funcref", body: linked + `a.table.set(0, () => 1);`, errName: "TypeError",
			errMsg: `WebAssembly.Table.set(): Argument 1 is invalid for table: function-typed object must be null (if nullable) or a Wasm function object`},
		{name: "get out of range", body: linked + `a.table.get(9);`, errName: "RangeError",
			errMsg: `WebAssembly.Table.get(): invalid address 9 in funcref table of size 5`},
		{name: "grow past the maximum", body: linked + `a.table.grow(7);`, errName: "RangeError",
			errMsg: `WebAssembly.Table.grow(): failed to grow table by 7`},
		{name: "a function moved from table to table", body: linked + `const t = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
			t.set(0, a.table.get(0)); return t.get(0)(1);`, want: `2`},
	}
	for i := range cases {
		cases[i].mod = mod
	}
	runJSCases(t, cases)
}

// TestWebAssemblyCPULimitThroughTables stops Wasm reached through a table read from JavaScript
// and through an imported table.
func TestWebAssemblyCPULimitThroughTables(t *testing.T) {
	mod := withWasm(t, wasm.Limits{})
	for name, call := range map[string]string{
		"table.get":      `a.table.get(3)(0);`,
		"imported table": `with_({ memory, table: a.table, g }).callAt(3, 0);`,
	} {
		t.Run(name, func(t *testing.T) { wantCPULimit(t, mod, linked+call) })
	}
}
