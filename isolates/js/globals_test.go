package js

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// jsCase runs body, the body of a function, in a fresh isolate. Either its result, as JSON, must
// be want, or it must throw an error named errName with message errMsg; dom says the error must
// be a DOMException, checked only once DOMException exists in this tree.
type jsCase struct {
	name, body string
	want       string
	errName    string
	errMsg     string
	dom        bool
	mod        func(*Config)
}

const jsHarness = `function run() {
%s
}
var __molt_exports = { default: { async fetch() {
  try {
    const v = await run();
    return Response.json({ ok: v === undefined ? null : v });
  } catch (e) {
    const hasDOM = typeof DOMException === "function";
    return Response.json({ err: { name: String(e && e.name), message: String(e && e.message), hasDOM, dom: hasDOM && e instanceof DOMException } });
  }
} } };`

func runJSCases(t *testing.T, cases []jsCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iso := newTestIsolate(t, strings.Replace(jsHarness, "%s", c.body, 1), c.mod)
			_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				OK  json.RawMessage `json:"ok"`
				Err *struct {
					Name, Message string
					HasDOM, DOM   bool
				} `json:"err"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			if c.errName != "" || c.errMsg != "" {
				if got.Err == nil {
					t.Fatalf("returned %s, want %s: %s", got.OK, c.errName, c.errMsg)
				}
				if got.Err.Name != c.errName || got.Err.Message != c.errMsg {
					t.Fatalf("threw %s: %s\nwant   %s: %s", got.Err.Name, got.Err.Message, c.errName, c.errMsg)
				}
				if c.dom && got.Err.HasDOM && !got.Err.DOM {
					t.Fatalf("threw a %s that is not a DOMException", got.Err.Name)
				}
				return
			}
			if got.Err != nil {
				t.Fatalf("threw %s: %s", got.Err.Name, got.Err.Message)
			}
			if string(got.OK) != c.want {
				t.Fatalf("got  %s\nwant %s", got.OK, c.want)
			}
		})
	}
}

const (
	btoaMsg = "btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range."
	atobMsg = "atob() called with invalid base64-encoded data. (Only whitespace, '+', '/', alphanumeric ASCII, and up to two terminal '=' signs when the input data length is divisible by 4 are allowed.)"
)

func TestBase64(t *testing.T) {
	cases := []jsCase{
		{name: "btoa strings", body: `return ["", "a", "ab", "abc", "abcd", "\xff\xff\xc0", "a\0b"].map(btoa);`,
			want: `["","YQ==","YWI=","YWJj","YWJjZA==","///A","YQBi"]`},
		{name: "btoa coerces", body: `return [btoa(undefined), btoa(null), btoa(7), btoa(true), btoa({ toString() { return "foo"; } })];`,
			want: `["dW5kZWZpbmVk","bnVsbA==","Nw==","dHJ1ZQ==","Zm9v"]`},
		{name: "btoa all bytes round trip", body: `let s = ""; for (let i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s;`, want: `true`},
		{name: "btoa above latin1", body: `return btoa("עברית");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa U+0100", body: `return btoa("\u0100");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa lone surrogate", body: `return btoa("\ud800");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa symbol", body: `return btoa(Symbol("x"));`, errName: "TypeError", errMsg: "Cannot convert a Symbol value to a string"},
		{name: "atob valid", body: `return ["", "YQ==", "YQ", "YWI=", "YWI", "YWJj", "///A", "A", "/A"].map(s => { try { return [...atob(s)].map(c => c.charCodeAt(0)); } catch (e) { return e.name; } });`,
			want: `[[],[97],[97],[97,98],[97,98],[97,98,99],[255,255,192],"InvalidCharacterError",[252]]`},
		{name: "atob whitespace", body: `return [atob(" YW\tJj\n"), atob("ab\t\n\f\r cd"), atob("ab\t\n\f\r =\t\n\f\r =\t\n\f\r "), atob(" \t\n\f\r ab\t\n\f\r cd\t\n\f\r ")].map(s => s.length);`,
			want: `[3,3,1,3]`},
		{name: "atob trailing bits ignored", body: `return [atob("YR=="), atob("YWJ=")];`, want: `["a","ab"]`},
		{name: "atob padding rules", body: `return ["=", "==", "a=", "ab=", "ab===", "abc==", "abcd=", "abcde", "=a", "a=b", "ab=c", "abc=d", "ab\u00a0cd", "ab-c", "ab_c", "\ud800\udc00"].map(s => { try { atob(s); return "ok " + s; } catch (e) { return e.name; } });`,
			want: `["InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError"]`},
		{name: "atob invalid message", body: `return atob("a");`, errName: "InvalidCharacterError", errMsg: atobMsg, dom: true},
		{name: "atob coerces", body: `return [atob(null), atob(undefined === 1 ? "" : "YWJj")].map(s => s.length);`, want: `[3,3]`},
	}
	runJSCases(t, cases)
}

func TestForgivingBase64Decode(t *testing.T) {
	for in, want := range map[string]string{
		"":         "",
		"YWJj":     "abc",
		"YWI":      "ab",
		"YWI=":     "ab",
		"Y W I =":  "ab",
		"YQ":       "a",
		"YQ==":     "a",
		"YR":       "a",
		"/w==":     "\u00ff",
		"AAAA":     "\x00\x00\x00",
		"YQ=\n=\n": "a",
	} {
		got, ok := forgivingBase64Decode(in)
		if !ok || got != want {
			t.Errorf("decode %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"a", "YQ=", "YQ===", "Y=Q=", "YQ==YQ==", "abcde", "ab*d", "ab\vcd"} {
		if got, ok := forgivingBase64Decode(in); ok {
			t.Errorf("decode %q = %q, want failure", in, got)
		}
	}
}

func TestNavigatorPerformanceSelf(t *testing.T) {
	newer := func(c *Config) { c.CompatibilityDate = "2025-06-01" }
	cases := []jsCase{
		{name: "navigator", body: `return [navigator.userAgent, navigator.hardwareConcurrency, navigator.platform, navigator instanceof Navigator, String(navigator)];`,
			want: `["Cloudflare-Workers",1,"",true,"[object Navigator]"]`},
		{name: "navigator.language gated off", body: `return ["language" in navigator, navigator.languages === undefined];`, want: `[false,true]`},
		{name: "navigator.language by date", body: `return [navigator.language, navigator.languages];`, want: `["en",["en"]]`, mod: newer},
		{name: "navigator.language by flag", body: `return navigator.language;`, want: `"en"`,
			mod: func(c *Config) { c.CompatibilityFlags = []string{"enable_navigator_language"} }},
		{name: "navigator.language disabled by flag", body: `return navigator.language === undefined;`, want: `true`,
			mod: func(c *Config) {
				c.CompatibilityDate = "2025-06-01"
				c.CompatibilityFlags = []string{"disable_navigator_language"}
			}},
		{name: "Navigator not constructible", body: `return new Navigator();`, errName: "TypeError", errMsg: "Illegal constructor"},
		{name: "performance", body: `return [performance.timeOrigin, typeof performance.now(), performance.now() === Date.now(), String(performance)];`,
			want: `[0,"number",true,"[object Performance]"]`},
		{name: "performance.now is frozen while code runs", body: `const a = performance.now(); let x = 0; for (let i = 0; i < 3e5; i++) x += i; return performance.now() - a;`, want: `0`},
		{name: "performance.now advances across I/O", body: `const a = performance.now(); return new Promise(r => setTimeout(() => r(performance.now() - a >= 5), 10));`, want: `true`},
		{name: "self", body: `return [self === globalThis, typeof self.atob, self.self === self];`, want: `[true,"function",true]`},
		{name: "globals are writable", body: `globalThis.navigator = 1; self.performance = 2; return [navigator, performance];`, want: `[1,2]`},
	}
	runJSCases(t, cases)
}

func TestStructuredClone(t *testing.T) {
	enhanced := func(c *Config) { c.CompatibilityFlags = []string{"enhanced_error_serialization"} }
	cases := []jsCase{
		{name: "primitives", body: `return [1, "s", true, null, -0].map(v => structuredClone(v)).concat([Object.is(structuredClone(-0), -0), structuredClone(undefined) === undefined, Number.isNaN(structuredClone(NaN)), structuredClone(10n) === 10n]);`,
			want: `[1,"s",true,null,0,true,true,true,true]`},
		{name: "plain object is a copy", body: `const o = { a: 1, b: { c: [1, 2, { d: "x" }] } }; const c = structuredClone(o); c.b.c[2].d = "y"; return [o, c, c !== o, c.b !== o.b];`,
			want: `[{"a":1,"b":{"c":[1,2,{"d":"x"}]}},{"a":1,"b":{"c":[1,2,{"d":"y"}]}},true,true]`},
		{name: "cycles and shared references", body: `const shared = { n: 1 }; const o = { x: shared, y: shared, arr: [shared] }; o.self = o; o.arr.push(o.arr);
			const c = structuredClone(o); return [c.self === c, c.x === c.y, c.arr[0] === c.x, c.arr[1] === c.arr, c.x !== shared];`,
			want: `[true,true,true,true,true]`},
		{name: "sparse arrays and extra keys", body: `const a = [1, , 3]; a.extra = "e"; a.length = 5; const c = structuredClone(a); return [c.length, 1 in c, c.extra, Array.isArray(c)];`,
			want: `[5,false,"e",true]`},
		{name: "only own enumerable string keys", body: `const s = Symbol(); const o = Object.create({ inherited: 1 }); o.own = 2; o[s] = 3; Object.defineProperty(o, "hidden", { value: 4 }); const c = structuredClone(o); return [Object.keys(c), s in c, Object.getPrototypeOf(c) === Object.prototype];`,
			want: `[["own"],false,true]`},
		{name: "__proto__ own key stays data", body: `const o = JSON.parse('{"__proto__": {"polluted": 1}}'); const c = structuredClone(o); return [Object.getPrototypeOf(c) === Object.prototype, c.polluted === undefined, Object.keys(c)];`,
			want: `[true,true,["__proto__"]]`},
		{name: "class instance becomes plain object", body: `class P { constructor() { this.x = 1; } get y() { return 2; } } const c = structuredClone(new P()); return [c instanceof P, Object.getPrototypeOf(c) === Object.prototype, c];`,
			want: `[false,true,{"x":1}]`},
		{name: "getters run once", body: `let n = 0; const c = structuredClone({ get g() { n++; return "v"; } }); return [n, c, Object.getOwnPropertyDescriptor(c, "g").value];`,
			want: `[1,{"g":"v"},"v"]`},
		{name: "Date", body: `const d = new Date(1700000000000); const c = structuredClone(d); return [c instanceof Date, c !== d, c.getTime()];`,
			want: `[true,true,1700000000000]`},
		{name: "RegExp", body: `const r = /a+b/gi; r.lastIndex = 3; const c = structuredClone(r); return [c instanceof RegExp, c !== r, c.source, c.flags, c.lastIndex];`,
			want: `[true,true,"a+b","gi",0]`},
		{name: "Map and Set", body: `const k = { k: 1 }; const m = new Map([[k, "v"], ["s", k]]); const s = new Set([k, 1]); const c = structuredClone({ m, s });
			const [ck] = c.m.keys(); return [c.m instanceof Map, c.m.size, c.m.get(ck), c.m.get("s") === ck, ck !== k, c.s instanceof Set, c.s.has(ck), c.s.has(1)];`,
			want: `[true,2,"v",true,true,true,true,true]`},
		{name: "ArrayBuffer and views share the cloned buffer", body: `const buf = new ArrayBuffer(8); const u8 = new Uint8Array(buf); u8.set([1, 2, 3, 4, 5, 6, 7, 8]);
			const i16 = new Int16Array(buf, 2, 2); const dv = new DataView(buf, 4, 4);
			const c = structuredClone({ buf, u8, i16, dv }); c.u8[2] = 99;
			return [c.buf !== buf, c.u8.buffer === c.buf, c.i16.buffer === c.buf, c.dv.buffer === c.buf, c.i16.byteOffset, c.i16.length, c.dv.byteOffset, c.dv.byteLength, c.i16[0], u8[2], c.dv instanceof DataView, c.i16 instanceof Int16Array];`,
			want: `[true,true,true,true,2,2,4,4,1123,3,true,true]`},
		{name: "every typed array", body: `return [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map(T => { const a = new T(2); const c = structuredClone(a); return c.constructor === T && c !== a && c.length === 2; });`,
			want: `[true,true,true,true,true,true,true,true,true,true,true]`},
		{name: "boxed primitives", body: `const c = structuredClone([Object(1), Object("s"), Object(true), Object(5n)]); return c.map(v => [typeof v, String(v.valueOf())]);`,
			want: `[["object","1"],["object","s"],["object","true"],["object","5"]]`},
		{name: "errors", body: `const e = new TypeError("bad", { cause: { why: 1 } }); e.extra = 1; const c = structuredClone(e);
			const r = structuredClone(new RangeError("r")); const x = new Error("x"); x.name = "CustomError"; const cx = structuredClone(x);
			return [c instanceof TypeError, c !== e, c.name, c.message, c.cause, c.cause !== e.cause, c.extra, typeof c.stack, r instanceof RangeError, cx.name, cx instanceof Error, Object.keys(c)];`,
			want: `[true,true,"TypeError","bad",{"why":1},true,null,"string",true,"Error",true,[]]`},
		{name: "errors enhanced", mod: enhanced, body: `const e = new TypeError("bad"); e.extra = { n: 1 }; const c = structuredClone(e);
			const x = new Error("x"); x.name = "CustomError"; const cx = structuredClone(x); const a = structuredClone(new AggregateError([], "agg"));
			return [c instanceof TypeError, c.message, c.extra, c.extra !== e.extra, cx.name, cx.message, a instanceof AggregateError, a.message];`,
			want: `[true,"bad",{"n":1},true,"CustomError","x",true,"agg"]`},
		{name: "DOMException", body: `const e = new DOMException("m", "AbortError"); const c = structuredClone(e);
			return [c instanceof DOMException, c !== e, c.name, c.message, c.code];`, want: `[true,true,"AbortError","m",20]`},
		{name: "error inside object keeps identity", body: `const e = new Error("m"); const c = structuredClone({ a: e, b: e }); return c.a === c.b && c.a instanceof Error;`, want: `true`},
		{name: "function", body: `return structuredClone(() => {});`, errName: "DataCloneError", errMsg: "() => {} could not be cloned.", dom: true},
		{name: "nested function", body: `return structuredClone({ a: [1, function f() { return 1; }] });`, errName: "DataCloneError", errMsg: "function f() { return 1; } could not be cloned.", dom: true},
		{name: "symbol", body: `return structuredClone(Symbol("s"));`, errName: "DataCloneError", errMsg: "Symbol(s) could not be cloned.", dom: true},
		{name: "symbol value", body: `return structuredClone({ s: Symbol() });`, errName: "DataCloneError", errMsg: "Symbol() could not be cloned.", dom: true},
		{name: "WeakMap", body: `return structuredClone(new WeakMap());`, errName: "DataCloneError", errMsg: "#<WeakMap> could not be cloned.", dom: true},
		{name: "WeakSet", body: `return structuredClone(new WeakSet());`, errName: "DataCloneError", errMsg: "#<WeakSet> could not be cloned.", dom: true},
		{name: "Promise", body: `return structuredClone(Promise.resolve());`, errName: "DataCloneError", errMsg: "#<Promise> could not be cloned.", dom: true},
		{name: "Proxy", body: `return structuredClone(new Proxy({}, {}));`, errName: "DataCloneError", errMsg: "#<Object> could not be cloned.", dom: true},
		{name: "no argument", body: `return structuredClone();`, errName: "TypeError", errMsg: "Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'any'."},
		{name: "transfer detaches", body: `const buf = new Uint8Array([1, 2, 3]).buffer; const c = structuredClone({ buf }, { transfer: [buf, buf] });
			return [buf.byteLength, c.buf.byteLength, [...new Uint8Array(c.buf)]];`,
			want: `[0,3,[1,2,3]]`},
		{name: "transfer a view's buffer", body: `const u8 = new Uint8Array([7]); const c = structuredClone(u8, { transfer: [u8] }); return [u8.buffer.byteLength, c[0]];`, want: `[0,7]`},
		{name: "transfer non-transferable", body: `return structuredClone({}, { transfer: [{}] });`, errName: "TypeError", errMsg: "Object is not transferable"},
		{name: "clone detached buffer", body: `const buf = new ArrayBuffer(1); structuredClone(buf, { transfer: [buf] }); return structuredClone(buf);`,
			errName: "DataCloneError", errMsg: "An ArrayBuffer is detached and could not be cloned.", dom: true},
	}
	runJSCases(t, cases)
}
