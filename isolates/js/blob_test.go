package js

import (
	"net/http/httptest"
	"testing"
)

func TestBlob(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "parts", body: `
			const b = new Blob(["foo", new TextEncoder().encode("bar"), "baz"]);
			const b2 = new Blob(["xx", b, "yy", new Uint16Array([0x6261]).buffer, new DataView(new Uint8Array([99, 100, 101]).buffer, 1, 2)], { type: "Application/Whatever" });
			return [await b.text(), b.size, b.type, await b2.text(), b2.type, new Blob().size, await new Blob().text()];`,
			want: `["foobarbaz",9,"","xxfoobarbazyyabde","application/whatever",0,""]`},
		{name: "strings are UTF-8, lone surrogates replaced, others stringified", body: `
			const b = new Blob(["é", "\uD800", 12, null, { toString() { return "o"; } }]);
			return [b.size, Array.from(await b.bytes())];`,
			want: `[12,[195,169,239,191,189,49,50,110,117,108,108,111]]`},
		{name: "slice", body: `
			const b = new Blob(["xxfoobarbazyyfoobarbaz"]);
			const s = b.slice(5, 16);
			const s2 = s.slice(-5, 1234, "Type/Type");
			return [await s.text(), s.type, await s2.text(), s2.type, await b.slice(5).text(), await b.slice().text(),
				await b.slice(3, 1).text(), await b.slice(-3).text(), await b.slice(-100, -20).text(), b.slice(0, 1, "é/x").type];`,
			want: `["barbazyyfoo","","yyfoo","type/type","barbazyyfoobarbaz","xxfoobarbazyyfoobarbaz","","baz","xx",""]`},
		{name: "type normalization", body: `
			return [new Blob([], { type: "FoO/bAr" }).type, new Blob([], { type: "FoO\u0019/bAr" }).type,
				new Blob([], { type: "FoO /bAr" }).type, new Blob([], { type: "FoO~/bAr" }).type, new Blob([], { type: "FoO\u0080/bAr" }).type];`,
			want: `["foo/bar","","foo /bar","foo~/bar",""]`},
		{name: "reads are copies", body: `
			const src = new Uint8Array([1, 2, 3]);
			const b = new Blob([src]);
			src[0] = 9;
			const u = await b.bytes(); u[1] = 9;
			const ab = await b.arrayBuffer();
			return [Array.from(await b.bytes()), ab instanceof ArrayBuffer, ab.byteLength];`,
			want: `[[1,2,3],true,3]`},
		{name: "stream", body: `
			const r = new Blob(["foo", "bar"]).stream().getReader();
			const a = await r.read(), z = await r.read();
			return [new TextDecoder().decode(a.value), z.done];`,
			want: `["foobar",true]`},
		{name: "text keeps a BOM as workerd does", body: `return (await new Blob([new Uint8Array([0xEF, 0xBB, 0xBF, 0x61])]).text()).length;`, want: `2`},
		{name: "endings refused", body: `new Blob(["a"], { endings: "native" });`,
			errName: "Error", errMsg: "The 'endings' field on 'Options' is not implemented."},
		{name: "parts must be an array", body: `new Blob("abc");`,
			errName: "TypeError", errMsg: "Failed to construct 'Blob': constructor parameter 1 is not of type 'Array'."},
		{name: "size limit", body: `new Blob([" ", new ArrayBuffer(128 * 1024 * 1024)]);`,
			errName: "RangeError", errMsg: "Blob size 134217729 exceeds limit 134217728"},
		{name: "file", body: `
			const before = Date.now();
			const f = new File([new Blob(["foo"]), "qux"], "filename.txt");
			const f2 = new File(["corge", f], "file2", { type: "text/FOO", lastModified: 123 });
			const f3 = new File([], "n", { lastModified: NaN });
			return [f instanceof Blob, f instanceof File, await f.text(), f.name, f.type, f.lastModified >= before && f.lastModified <= Date.now(),
				await f2.text(), f2.name, f2.type, f2.lastModified, f3.lastModified, Object.prototype.toString.call(f), f.slice(1) instanceof File];`,
			want: `[true,true,"fooqux","filename.txt","",true,"corgefooqux","file2","text/foo",123,0,"[object File]",false]`},
		{name: "getters check their receiver", body: `return Object.getOwnPropertyDescriptor(Blob.prototype, "size").get.call({});`,
			errName: "TypeError", errMsg: "Failed to execute 'size' on 'Blob': Illegal invocation"},
		{name: "response body and blob()", body: `
			const typed = new Response(new Blob(["typeful"], { type: "foo/bar" }));
			const untyped = new Response(new Blob(["typeless"]));
			const b = await new Request("http://x/", { method: "POST", body: "abcd1234", headers: { "content-type": "Some/Type" } }).blob();
			return [typed.headers.get("content-type"), untyped.headers.has("content-type"), await typed.text(), await untyped.text(), await b.text(), b.type, b instanceof Blob];`,
			want: `["foo/bar",false,"typeful","typeless","abcd1234","some/type",true]`},
		{name: "explicit content-type wins", body: `
			const r = new Response(new Blob(["x"], { type: "a/b" }), { headers: { "content-type": "c/d" } });
			return r.headers.get("content-type");`, want: `"c/d"`},
	}))
}

// asyncCases lets case bodies await.
func asyncCases(cases []jsCase) []jsCase {
	for i := range cases {
		cases[i].body = "return (async () => {\n" + cases[i].body + "\n})();"
	}
	return cases
}

// TestBlobResponseOverHTTP checks that a Blob body reaches the client with its bytes and type.
func TestBlobResponseOverHTTP(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch() {
		return new Response(new Blob([new Uint8Array([0, 255]), "ok"], { type: "application/x-test" }));
	} } };`, nil)
	res, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if body != "\x00\xffok" || res.Header.Get("Content-Type") != "application/x-test" {
		t.Fatalf("got %q %q", body, res.Header.Get("Content-Type"))
	}
}
