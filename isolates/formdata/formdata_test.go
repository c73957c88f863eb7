package formdata

import (
	"fmt"
	"strings"
	"testing"
)

// show renders entries compactly: name=value, files as name=[filename|type|content].
func show(es []Entry) string {
	var parts []string
	for _, e := range es {
		if e.IsFile {
			parts = append(parts, fmt.Sprintf("%s=[%s|%s|%s]", e.Name, e.Filename, e.Type, e.Value))
		} else {
			parts = append(parts, e.Name+"="+string(e.Value))
		}
	}
	return strings.Join(parts, ",")
}

func TestParse(t *testing.T) {
	const plus = `multipart/form-data; boundary="+"`
	cases := []struct {
		name, ctype, body string
		want, err         string
	}{
		{name: "empty form", ctype: plus, body: "--+--", want: ""},
		{name: "quoted boundary, case-insensitive parameter name", ctype: `multipart/form-data; Boundary="-"`,
			body: "---\nContent-Disposition: form-data; name=\"field0\"\n\npart0\n---\nContent-Disposition: form-data; name=\"field1\"\n\npart1\n-----",
			want: "field0=part0,field1=part1"},
		{name: "mixed CRLF and LF, header case, tabs", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"field0\"\r\n\r\npart0\r\n" +
			"--+\nCONTENT-DISPOSITION:\tform-data\t;\tname=\"field1\"\r\n\npart1\n" +
			"--+\r\ncontent-disposition:form-data;name=\"field0\"\n\r\npart2\r\n--+--",
			want: "field0=part0,field1=part1,field0=part2"},
		{name: "empty messages", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--+\r\nContent-Disposition: form-data; name=\"e\"\n\n\n--+--",
			want: "e=,e="},
		{name: "preamble and epilogue ignored", ctype: plus, body: "hello\r\n--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--+--\r\nbye", want: "a=b"},
		{name: "files keep their type and raw bytes", ctype: "multipart/form-data;boundary=2a2a",
			body: "--2a2a\r\nContent-Disposition: form-data; name=\"foo\"; filename=\"foo.txt\"\r\nContent-Type: text/Plain; charset=x\r\n\r\n\x00\xff\r\n" +
				"--2a2a\r\nContent-Disposition: form-data; name=\"qux\"; filename=\"qux%0A%22\\\\.txt\"\r\n\r\nq\r\n--2a2a--",
			want: "foo=[foo.txt|text/Plain; charset=x|\x00\xff],qux=[qux%0A%22\\.txt||q]"},
		{name: "backslash escapes a quote", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nx\r\n--+--", want: "a\"b=x"},
		{name: "filename* is not understood", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"; filename*=UTF-8''x.txt\r\n\r\nx\r\n--+--", want: "a=x"},
		{name: "empty filename makes a text field", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\nx\r\n--+--", want: "a=x"},
		{name: "delimiter inside a line is data", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--+y\r\n--+--", want: "a=x--+y"},
		{name: "urlencoded", ctype: "application/x-www-form-urlencoded", body: "field0=data+with+an+%26+in+it&&=&field1&=part2&field1=", want: "field0=data with an & in it,=,field1=,=part2,field1="},
		{name: "urlencoded utf8 charset", ctype: "application/x-www-form-urlencoded; charset=UTF8", body: "a=%C3%A9", want: "a=é"},

		{name: "empty body", ctype: plus, body: "", err: "No initial boundary string (or you have a truncated message)."},
		{name: "bad boundary", ctype: plus, body: "--asdf--", err: "No initial boundary string (or you have a truncated message)."},
		{name: "truncated after boundary", ctype: plus, body: "--+", err: "No initial boundary string (or you have a truncated message)."},
		{name: "bad terminal delimiter", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n-+--", err: "No subsequent boundary string after multipart message."},
		{name: "no disposition", ctype: plus, body: "--+\r\nBad-Content-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--+--", err: "No valid Content-Disposition header found in FormData part."},
		{name: "invalid header line", ctype: plus, body: "--+\r\nContent-Disposition form-data\r\n\r\nb\r\n--+--", err: "FormData part had invalid headers."},
		{name: "no header termination", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\rb\r\n--+--", err: "No multipart message header termination found."},
		{name: "no subsequent boundary", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n", err: "No subsequent boundary string after multipart message."},
		{name: "boundary then junk", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--+\r--", err: "Boundary string was not succeeded by CRLF, LF, or '--'."},
		{name: "not form-data", ctype: plus, body: "--+\r\nContent-Disposition: foobar\r\n\r\nb\r\n--+--",
			err: `Content-Disposition header for FormData part must have the value "form-data", possibly followed by parameters. Got: "foobar"`},
		{name: "unparsable disposition", ctype: plus, body: "--+\r\nContent-Disposition: ;\r\n\r\nb\r\n--+--", err: "Invalid Content-Disposition header found in FormData part."},
		{name: "missing name", ctype: plus, body: "--+\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--+--", err: "Content-Disposition header in FormData part is missing a name."},
		{name: "empty boundary parameter", ctype: "multipart/form-data; boundary=", body: "----", err: msgNoBoundary},
		{name: "no boundary parameter", ctype: "multipart/form-data", body: "--+--", err: msgNoBoundary},
		{name: "unsupported charset", ctype: "application/x-www-form-urlencoded; charset=big5", body: "a=b", err: "Non-utf-8 application/x-www-form-urlencoded body."},
		{name: "other type", ctype: "text/plain", body: "a=b", err: msgUnrecognized},
		{name: "invalid type", ctype: "nonsense", body: "a=b", err: msgUnrecognized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse([]byte(c.body), c.ctype)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v, want %q (entries %q)", err, c.err, show(got))
				}
				if _, ok := AsError(err); !ok {
					t.Fatalf("%T is not an *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := show(got); s != c.want {
				t.Fatalf("got  %q\nwant %q", s, c.want)
			}
		})
	}
}

func TestParseMediaType(t *testing.T) {
	cases := []struct{ in, essence, params string }{
		{"multipart/form-data; boundary=abc", "multipart/form-data", "boundary=abc"},
		{"  Text/HTML ;Charset=\"utf\\\"8\" ; x ; =y; z=\"q\" junk ; boundary=a; boundary=b", "text/html", "boundary=a charset=utf\"8 z=q"},
		{"a/b; c=\"unterminated", "a/b", "c=unterminated"},
		{"a/b; c= ; d=\x01", "a/b", ""},
		{"a/b; c=\"\"", "a/b", "c="},
		{"/b", "", ""},
		{"a/", "", ""},
		{"a b/c", "", ""},
		{"", "", ""},
	}
	for _, c := range cases {
		mt, ok := ParseMediaType(c.in)
		if ok != (c.essence != "") || mt.Essence != c.essence {
			t.Errorf("%q: essence %q ok %v, want %q", c.in, mt.Essence, ok, c.essence)
			continue
		}
		var ps []string
		for _, k := range []string{"boundary", "c", "charset", "d", "z"} {
			if v, ok := mt.Params[k]; ok {
				ps = append(ps, k+"="+v)
			}
		}
		if got := strings.Join(ps, " "); got != c.params {
			t.Errorf("%q: params %q, want %q", c.in, got, c.params)
		}
	}
}

// FuzzParseMultipart feeds arbitrary bodies and boundaries to the parser: it must never panic,
// every failure must be an *Error, and what it accepts must survive a round trip through the
// serializer FormData bodies use.
func FuzzParseMultipart(f *testing.F) {
	f.Add([]byte("--+\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--+--"), "+")
	f.Add([]byte("--b\nContent-Disposition: form-data; name=\"f\"; filename=\"x\\\".txt\"\nContent-Type: a/b\n\n\x00\n--b\n content\n\n--b--"), "b")
	f.Add([]byte("---\n\n\n-----"), "-")
	f.Add([]byte("--x\r\nA: b\r\n c\r\nContent-Disposition: form-data;name=\"\\\n\"\r\n\r\n--x--"), "x")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		es, err := ParseMultipart(body, boundary)
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if boundary == "" || strings.ContainsAny(boundary, "\r\n") {
			return
		}
		var b strings.Builder
		for _, e := range es {
			if strings.ContainsAny(e.Name+e.Filename+e.Type, "\"\\\r\n") || e.Name == "" ||
				strings.Contains(string(e.Value), "\n--"+boundary) || strings.HasPrefix(string(e.Value), "--"+boundary) {
				return
			}
			fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", boundary, e.Name)
			if e.IsFile {
				if e.Filename == "" {
					return
				}
				fmt.Fprintf(&b, "; filename=\"%s\"\r\nContent-Type: %s", e.Filename, e.Type)
			}
			fmt.Fprintf(&b, "\r\n\r\n%s\r\n", e.Value)
		}
		fmt.Fprintf(&b, "--%s--", boundary)
		again, err := ParseMultipart([]byte(b.String()), boundary)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", b.String(), err)
		}
		if show(again) != show(es) {
			t.Fatalf("round trip changed %q into %q", show(es), show(again))
		}
	})
}
