package js

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

func TestCompressionStreams(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "round trip in every format", body: `
			const text = "hello hello hello hello ".repeat(1000);
			const out = [];
			for (const f of ["gzip", "deflate", "deflate-raw"]) {
				const z = new Uint8Array(await new Response(new Response(text).body.pipeThrough(new CompressionStream(f))).arrayBuffer());
				const back = await new Response(new Response(z).body.pipeThrough(new DecompressionStream(f))).text();
				out.push([f, z.length < 200, back === text]);
			}
			return out;`, want: `[["gzip",true,true],["deflate",true,true],["deflate-raw",true,true]]`},
		{name: "gzip header and zlib header", body: `
			const head = async (f) => Array.from(new Uint8Array(await new Response(new Response("x").body.pipeThrough(new CompressionStream(f))).arrayBuffer()).slice(0, 2));
			return [await head("gzip"), await head("deflate")];`, want: `[[31,139],[120,156]]`},
		{name: "written chunk by chunk", body: `
			const cs = new CompressionStream("gzip");
			const w = cs.writable.getWriter();
			const enc = new TextEncoder();
			(async () => { for (let i = 0; i < 50; i++) await w.write(enc.encode("line " + i + "\n")); await w.close(); })();
			const text = await new Response(cs.readable.pipeThrough(new DecompressionStream("gzip"))).text();
			return text.split("\n").length;`, want: `51`},
		{name: "unknown format", body: `new CompressionStream("br");`, errName: "TypeError",
			errMsg: "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'."},
		{name: "corrupt input", body: `
			const ds = new DecompressionStream("gzip");
			const w = ds.writable.getWriter();
			w.write(new Uint8Array([31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 255, 255, 255, 255])).catch(() => {});
			w.close().catch(() => {});
			try { await new Response(ds.readable).text(); } catch (e) { return [e.name, e.message]; }`,
			want: `["TypeError","Decompression failed."]`},
		{name: "truncated input", body: `
			const z = new Uint8Array(await new Response(new Response("some text to compress").body.pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
			try { await new Response(new Response(z.slice(0, z.length - 4)).body.pipeThrough(new DecompressionStream("gzip"))).text(); } catch (e) { return e.message; }`,
			want: `"Called close() on a decompression stream with incomplete data"`},
		{name: "trailing bytes", body: `
			const z = new Uint8Array(await new Response(new Response("abc").body.pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer());
			const more = new Uint8Array(z.length + 3); more.set(z); more.set([1, 2, 3], z.length);
			try { await new Response(new Response(more).body.pipeThrough(new DecompressionStream("deflate-raw"))).text(); } catch (e) { return e.message; }`,
			want: `"Trailing bytes after end of compressed data"`},
	}))
}

// TestCompressionStreamOverHTTP checks that a worker's gzip output is what Go's own gzip reader
// reads back.
func TestCompressionStreamOverHTTP(t *testing.T) {
	front := frontServer(t, `var __molt_exports = { default: { async fetch(request) {
		return new Response(request.body.pipeThrough(new CompressionStream("gzip")));
	} } };`, nil)
	want := bytes.Repeat([]byte("molt streams gzip "), 50000)
	res, err := http.Post(front.URL, "text/plain", bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(want))
	}
}
