package js

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestResponseCompression checks how responses leave the runtime for clients that do and do not
// accept gzip, as Cloudflare's edge and workerd send them.
func TestResponseCompression(t *testing.T) {
	text := strings.Repeat("compress me ", 100)
	front := frontServer(t, `var __molt_exports = { default: { async fetch(request) {
		const text = "compress me ".repeat(100);
		const u = new URL(request.url);
		switch (u.pathname) {
		case "/text": return new Response(text);
		case "/json": return Response.json({ text });
		case "/binary": return new Response(text, { headers: { "content-type": "application/octet-stream" } });
		case "/created": return new Response(text, { status: 201 });
		case "/no-transform": return new Response(text, { headers: { "cache-control": "public, no-transform" } });
		case "/stream": return new Response(new Response(text).body.pipeThrough(new TransformStream()), { headers: { "content-type": "text/html" } });
		case "/worker-gzip": return new Response(text, { headers: { "content-encoding": "gzip", "content-type": "application/octet-stream" } });
		case "/manual": {
			const gz = new Response(text).body.pipeThrough(new CompressionStream("gzip"));
			return new Response(gz, { encodeBody: "manual", headers: { "content-encoding": "gzip", "content-type": "text/plain" } });
		}
		case "/manual-kept": {
			const r = new Response(new Response(text).body.pipeThrough(new CompressionStream("gzip")), { encodeBody: "manual", headers: { "content-encoding": "gzip" } });
			return new Response(r.body, r);
		}
		}
		return new Response("?", { status: 400 });
	} } };`, nil)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	cases := []struct {
		path, accept string
		gzipped      bool
		length       string // Content-Length of an uncompressed response
	}{
		{"/text", "gzip, deflate, br", true, ""},
		{"/text", "", false, "1200"},
		{"/text", "gzip;q=0", false, "1200"},
		{"/text", "*", true, ""},
		{"/json", "gzip", true, ""},
		{"/binary", "gzip", false, "1200"},
		{"/created", "gzip", false, "1200"},
		{"/no-transform", "gzip", false, "1200"},
		{"/stream", "gzip", true, ""},
		{"/worker-gzip", "gzip", true, ""},
		{"/worker-gzip", "", false, "1200"},
		{"/manual", "gzip", true, ""},
		{"/manual-kept", "gzip", true, ""},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.accept, func(t *testing.T) {
			req, _ := http.NewRequest("GET", front.URL+c.path, nil)
			if c.accept != "" {
				req.Header.Set("Accept-Encoding", c.accept)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != c.gzipped {
				t.Fatalf("Content-Encoding %q, want gzip %v", res.Header.Get("Content-Encoding"), c.gzipped)
			}
			// A compressed body short enough for Go's server to buffer gets its own length.
			if got := res.Header.Get("Content-Length"); !c.gzipped && got != c.length || c.gzipped && got == "1200" {
				t.Fatalf("Content-Length %q, want %q", got, c.length)
			}
			body := raw
			if c.gzipped {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if len(raw) >= len(body) {
					t.Fatalf("compressed %d bytes into %d", len(body), len(raw))
				}
			}
			if !strings.Contains(string(body), strings.TrimSpace(text)[:50]) {
				t.Fatalf("body %.80q", body)
			}
		})
	}
}

func TestEncodeBodyValidation(t *testing.T) {
	runJSCases(t, []jsCase{
		{name: "unknown encodeBody", body: `new Response("x", { encodeBody: "auto" });`, errName: "TypeError", errMsg: "encodeBody: unexpected value: auto"},
	})
}
