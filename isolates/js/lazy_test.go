package js

import (
	"net/http/httptest"
	"testing"
)

// The set-up of an isolate is deferred as far as it can be (globals, headers, streams, code
// generation checks); these cases check that what a worker observes stays the same.
func TestLazySetUpIsUnobservable(t *testing.T) {
	runJSCases(t, []jsCase{
		{name: "library globals are there", body: `return [typeof Response, typeof Headers, typeof ReadableStream, "Request" in globalThis, globalThis.TextEncoder === TextEncoder];`,
			want: `["function","function","function",true,true]`},
		{name: "a used global is an own writable, non-enumerable property", body: `Headers;
			const d = Object.getOwnPropertyDescriptor(globalThis, "Headers");
			return [d.writable, d.enumerable, d.configurable, Object.keys(globalThis).includes("Headers")];`,
			want: `[true,false,true,false]`},
		{name: "assigning a global before use shadows it", body: `globalThis.Headers = 42; return [Headers, typeof new Response("x").headers.get];`,
			want: `[42,"function"]`},
		{name: "deleting a used global deletes it", body: `const H = Headers; delete globalThis.Headers; return [typeof globalThis.Headers, typeof H];`,
			want: `["undefined","function"]`},
		{name: "service-worker globals in a module worker", body: `return [typeof addEventListener, typeof removeEventListener, typeof FetchEvent, typeof ExecutionContext,
			new FetchEvent("fetch", { request: 1 }).request];`,
			want: `["function","function","function","function",1]`},
		{name: "unknown globals are still not defined", body: `return [typeof NoSuchGlobal, "NoSuchGlobal" in globalThis];`,
			want: `["undefined",false]`},
		{name: "string tags without the Symbol global", body: `const t = Object.prototype.toString;
			return [t.call(new Response("x")), t.call(new Request("https://example.com/")), typeof Symbol.toStringTag];`,
			want: `["[object Response]","[object Request]","symbol"]`},
		{name: "eval of a non-string returns it", body: `return [eval(42), Function.prototype.constructor === Function, (function* () {}).constructor.name];`,
			want: `[42,true,"GeneratorFunction"]`},
		{name: "eval is refused", body: `return eval("1 + 1");`,
			errName: "EvalError", errMsg: "Code generation from strings disallowed for this context"},
		{name: "Function is refused", body: `return new Function("return 1")();`,
			errName: "EvalError", errMsg: "Code generation from strings disallowed for this context"},
		{name: "async Function constructor is refused", body: `return (async () => {}).constructor("return 1");`,
			errName: "EvalError", errMsg: "Code generation from strings disallowed for this context"},
		{name: "response headers made on demand", body: `const r = new Response("x");
			const h = r.headers;
			return [h === r.headers, h.get("content-type"), [...new Response(new Uint8Array(1)).headers].length];`,
			want: `[true,"text/plain;charset=UTF-8",0]`},
		{name: "response headers given, body type", body: `const r = new Response("x", { headers: { "X-A": "1" } });
			return [...r.headers];`,
			want: `[["content-type","text/plain;charset=UTF-8"],["x-a","1"]]`},
		{name: "response clone and error", body: `return (async () => { const r = new Response("x"); const c = r.clone();
			c.headers.set("x-b", "2");
			let threw = false;
			try { Response.error().headers.set("a", "b"); } catch (e) { threw = e instanceof TypeError; }
			return [r.headers.has("x-b"), c.headers.get("content-type"), await c.text(), threw]; })();`,
			want: `[false,"text/plain;charset=UTF-8","x",true]`},
		{name: "Response.json without and with headers", body: `return (async () => {
			const a = Response.json({ a: 1 }, { status: 201 });
			const b = Response.json([1], { headers: { "x-y": "z" } });
			const c = Response.json(1, { headers: { "content-type": "text/x" } });
			return [a.status, [...a.headers], await a.json(), [...b.headers], [...c.headers]]; })();`,
			want: `[201,[["content-type","application/json"]],{"a":1},[["content-type","application/json"],["x-y","z"]],[["content-type","text/x"]]]`},
		{name: "null headers still throw", body: `return new Response("x", { headers: null });`,
			errName: "TypeError", errMsg: "Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'."},
		{name: "byte bodies as text without TextDecoder", body: `return (async () => [
			await new Response(new Uint8Array([0xEF, 0xBB, 0xBF, 104, 0xFF, 105])).text(),
			await new Request("https://example.com/", { method: "POST", body: "héllo" }).text(),
			typeof TextDecoder])();`,
			want: "[\"h\uFFFDi\",\"héllo\",\"function\"]"},
		{name: "headers from iterables", body: `const h = new Headers([["a", " 1 "], ["B", "2"]]);
			return [...new Headers(h)].concat([h.get("a")]);`,
			want: `[["a","1"],["b","2"],"1"]`},
		{name: "string bodies as bytes and streams", body: `return (async () => { const r = new Response("héllo");
			const b = await new Response("héllo").bytes();
			const s = new Response(new Response("ab").body);
			return [b.length, await s.text(), r.bodyUsed]; })();`,
			want: `[6,"ab",false]`},
	})
}

func TestIncomingRequestHeadersOnDemand(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch(req) {
		const h = req.headers;
		let threw = false;
		try { h.set("x", "y"); } catch (e) { threw = e instanceof TypeError; }
		const c = req.clone();
		return Response.json([h === req.headers, h.get("x-test"), h.get("host"), threw, c.headers.get("x-test"), c.headers === h]);
	} } };`, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("X-Test", "a")
	r.Header.Add("X-Test", "b")
	_, body, err := serve(t, iso, r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[true,"a, b","example.com",true,"a, b",false]`; body != want {
		t.Fatalf("got %s, want %s", body, want)
	}
}
