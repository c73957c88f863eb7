package js

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
)

// formParse parses body as a request with content type ctype and lists the entries.
const formParse = `
async function parse(ctype, body) {
  const fd = await new Request("http://x/", { method: "POST", body, headers: ctype === null ? {} : { "content-type": ctype } }).formData();
  const out = [];
  for (const [k, v] of fd) out.push(typeof v === "string" ? k + "=" + v : k + "=[" + v.name + "|" + v.type + "|" + await v.text() + "|" + (v instanceof File) + "]");
  return out.join(",");
}
`

func TestFormData(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "append get getAll has delete", body: `
			const fd = new FormData();
			fd.append("a", "1"); fd.append("b", 2); fd.append("a", undefined); fd.append("c", null);
			const r = [fd.get("a"), fd.getAll("a"), fd.get("b"), fd.has("c"), fd.get("nil"), fd.getAll("nil")];
			fd.delete("a");
			r.push(fd.has("a"), [...fd.keys()]);
			return r;`,
			want: `["1",["1","undefined"],"2",true,null,[],false,["b","c"]]`},
		{name: "set replaces the first and drops the rest", body: `
			const fd = new FormData();
			for (const v of ["0", "1", "2"]) fd.append("foo", v);
			fd.append("bar", "x"); fd.append("foo", "3");
			fd.set("foo", "6"); fd.set("new", "n");
			return [...fd].map(([k, v]) => k + "=" + v).join("&");`,
			want: `"foo=6&bar=x&new=n"`},
		{name: "blobs become files named after the entry, files keep their name", body: `
			const fd = new FormData();
			const f = new File(["x"], "f.txt", { type: "text/plain" });
			fd.append("entry", new Blob(["abc"], { type: "a/b" }));
			fd.append("named", new Blob(["abc"]), "given.bin");
			fd.append("file", f);
			fd.append("renamed", f, "other.txt");
			const b = fd.get("entry");
			return [b instanceof File, b.name, b.type, await b.text(), fd.get("named").name, fd.get("named").type,
				fd.get("file") === f, fd.get("renamed").name, fd.get("renamed").type, fd.get("renamed") === f];`,
			want: `[true,"entry","a/b","abc","given.bin","",true,"other.txt","text/plain",false]`},
		{name: "live iterators", body: `
			const fd = new FormData();
			const e = fd.entries(), k = fd.keys(), v = fd.values();
			const r = [e.next().done];
			fd.append("key", "0"); fd.append("key", "1");
			r.push(e.next().value, k.next().value, v.next().value);
			fd.delete("key");
			r.push(e.next().done, Object.prototype.toString.call(e), typeof fd[Symbol.iterator]);
			return r;`,
			want: `[true,["key","0"],"key","0",true,"[object FormData Iterator]","function"]`},
		{name: "forEach sees appends", body: `
			const fd = new FormData();
			fd.append("key1", "value1"); fd.append("key2", "value2");
			const out = [];
			fd.forEach(function (value, key, f) { f.set(key, "3"); out.push(key + "=" + value); f.append("some-key", "4"); });
			return [out.join("&"), fd.getAll("some-key")];`,
			want: `["key1=value1&key2=value2&some-key=4&some-key=4",["3","4"]]`},
		{name: "names and values are USVStrings", body: `
			const fd = new FormData(); fd.append("a\uD800", "b\uDC00");
			return [...fd][0].map((s) => s.charCodeAt(1));`,
			want: `[65533,65533]`},
		{name: "parse multipart", body: formParse + `
			return await parse('multipart/form-data; boundary="+"', "--+\r\nContent-Disposition: form-data; name=\"field0\"\r\n\r\npart0\r\n" +
				"--+\nCONTENT-DISPOSITION:\tform-data\t;\tname=\"f\"; filename=\"a \\\"b\\\".txt\"\r\nContent-Type: Text/Plain\r\n\npart1\n--+--");`,
			want: `"field0=part0,f=[a \"b\".txt|Text/Plain|part1|true]"`},
		{name: "parse urlencoded", body: formParse + `return await parse("application/x-www-form-urlencoded", "a=1+2&b=%26&c");`,
			want: `"a=1 2,b=&,c="`},
		{name: "parse errors are TypeErrors", body: formParse + `return await parse('multipart/form-data; boundary="+"', "--+\r\nContent-Disposition: foobar\r\n\r\nx\r\n--+--");`,
			errName: "TypeError", errMsg: `Content-Disposition header for FormData part must have the value "form-data", possibly followed by parameters. Got: "foobar"`},
		{name: "missing boundary", body: formParse + `return await parse("multipart/form-data", "");`,
			errName: "TypeError", errMsg: "No boundary string in Content-Type header. The multipart/form-data MIME type requires a boundary parameter, e.g. 'Content-Type: multipart/form-data; boundary=\"abcd\"'. See RFC 7578, section 4."},
		{name: "missing content type", body: formParse + `return await parse(null, new Uint8Array(1));`,
			errName: "TypeError", errMsg: "Parsing a Body as FormData requires a Content-Type header."},
		{name: "used body", body: `
			const r = new Request("http://x/", { method: "POST", body: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } });
			await r.text();
			return await r.formData();`,
			errName: "TypeError", errMsg: "Body has already been used. It can only be used once. Use tee() first if you need to read it twice."},
		{name: "files as strings before 2021-11-03", body: formParse + `
			return await parse("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nabc\r\n--b--");`,
			want: `"f=abc"`, mod: func(c *Config) { c.CompatibilityDate = "2021-01-01" }},
		{name: "serialize and parse back", body: formParse + `
			const fd = new FormData();
			fd.append("field0", "part0");
			fd.append("field-with-a-\"-in-it", "é");
			fd.append("file", new File([new Uint8Array([1, 2])], "n\n\"\\.bin"));
			fd.append("typed", new Blob(["t"], { type: "text/x" }), "t.txt");
			const res = new Response(fd);
			const ct = res.headers.get("content-type");
			const m = /^multipart\/form-data; boundary=([0-9a-f]{32})$/.exec(ct);
			const text = new TextDecoder().decode(await res.clone().arrayBuffer());
			return [m !== null, text.endsWith("--" + m[1] + "--"), await parse(ct, await res.arrayBuffer())];`,
			want: `[true,true,"field0=part0,field-with-a-%22-in-it=é,file=[n%0A%22\\.bin|application/octet-stream|\u0001\u0002|true],typed=[t.txt|text/x|t|true]"]`},
		{name: "filename ending in backslash", body: `
			const fd = new FormData(); fd.set("foo", new File(["c"], "foo.txt\\"));
			new Request("http://x/", { method: "POST", body: fd });`,
			errName: "TypeError", errMsg: "Name or filename can't end with backslash"},
	}))
}

// TestFormDataOverHTTP sends a multipart upload built by Go's mime/multipart writer and reads
// back a FormData body the worker serializes, with Go's multipart reader.
func TestFormDataOverHTTP(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch(req) {
		const fd = await req.formData();
		const out = new FormData();
		for (const [k, v] of fd) {
			if (typeof v === "string") out.append(k, v.toUpperCase());
			else out.append(k, new Blob([await v.arrayBuffer(), "!"], { type: v.type }), v.name + ".echo");
		}
		return new Response(out);
	} } };`, nil)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("greeting", "hello")
	fw, _ := w.CreateFormFile("upload", "data.bin")
	fw.Write([]byte{0, 1, 2, 0xff})
	w.Close()
	req := httptest.NewRequest("POST", "/", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, got, err := serve(t, iso, req)
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(strings.NewReader(got), params["boundary"])
	var parts []map[string]string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%v in %q", err, got)
		}
		data, _ := io.ReadAll(p)
		parts = append(parts, map[string]string{"name": p.FormName(), "file": p.FileName(), "type": p.Header.Get("Content-Type"), "data": string(data)})
	}
	js, _ := json.Marshal(parts)
	want := `[{"data":"HELLO","file":"","name":"greeting","type":""},{"data":"\u0000\u0001\u0002\ufffd!","file":"data.bin.echo","name":"upload","type":"application/octet-stream"}]`
	if string(js) != want {
		t.Fatalf("got  %s\nwant %s", js, want)
	}
}
