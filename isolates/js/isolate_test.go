package js

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newTestIsolate compiles src as a module worker whose exports land where the bundler puts them.
func newTestIsolate(t *testing.T, src string, mod func(*Config)) *Isolate {
	t.Helper()
	s, err := Compile("worker.js", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cfg := &Config{Script: s, Console: ConsoleFunc(func(l Level, text string) { logs.WriteString(string(l) + ": " + text + "\n") })}
	if mod != nil {
		mod(cfg)
	}
	iso, err := NewIsolate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iso.Close)
	return iso
}

func serve(t *testing.T, iso *Isolate, r *http.Request) (*http.Response, string, error) {
	t.Helper()
	w := httptest.NewRecorder()
	_, err := iso.Serve(w, r, Incoming{URL: "http://localhost" + r.URL.RequestURI()})
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body), err
}

func TestServeModuleWorker(t *testing.T) {
	cases := []struct {
		name, src       string
		req             *http.Request
		status          int
		body, ctype     string
		wantErrContains string
	}{
		{name: "text", src: `var __molt_exports = { default: { fetch() { return new Response("Hello World!"); } } };`,
			req: httptest.NewRequest("GET", "/", nil), status: 200, body: "Hello World!", ctype: "text/plain;charset=UTF-8"},
		{name: "async json", src: `var __molt_exports = { default: { async fetch(req) { const b = await req.json(); return Response.json({ got: b.x, m: req.method }, { status: 201 }); } } };`,
			req: httptest.NewRequest("POST", "/", strings.NewReader(`{"x":42}`)), status: 201, body: `{"got":42,"m":"POST"}`, ctype: "application/json"},
		{name: "timer", src: `var __molt_exports = { default: { fetch() { return new Promise(r => setTimeout(() => r(new Response("late")), 5)); } } };`,
			req: httptest.NewRequest("GET", "/", nil), status: 200, body: "late"},
		{name: "stream", src: `var __molt_exports = { default: { fetch() {
			let i = 0; const enc = new TextEncoder();
			return new Response(new ReadableStream({ pull(c) { if (i++ < 3) c.enqueue(enc.encode("chunk" + i + ";")); else c.close(); } }));
		} } };`, req: httptest.NewRequest("GET", "/", nil), status: 200, body: "chunk1;chunk2;chunk3;"},
		{name: "throws", src: `var __molt_exports = { default: { fetch() { throw new Error("boom"); } } };`,
			req: httptest.NewRequest("GET", "/", nil), wantErrContains: "Error: boom"},
		{name: "not a response", src: `var __molt_exports = { default: { fetch() { return "nope"; } } };`,
			req: httptest.NewRequest("GET", "/", nil), wantErrContains: "did not resolve to 'Response'"},
		{name: "never resolves", src: `var __molt_exports = { default: { fetch() { return new Promise(() => {}); } } };`,
			req: httptest.NewRequest("GET", "/", nil), wantErrContains: "never generate a response"},
		{name: "eval refused", src: `var __molt_exports = { default: { fetch() { return new Response(String(eval("1+1"))); } } };`,
			req: httptest.NewRequest("GET", "/", nil), wantErrContains: "Code generation from strings disallowed"},
		{name: "new Function refused", src: `var __molt_exports = { default: { fetch() { return new Response(String((() => {}).constructor("return 1")())); } } };`,
			req: httptest.NewRequest("GET", "/", nil), wantErrContains: "Code generation from strings disallowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iso := newTestIsolate(t, c.src, nil)
			res, body, err := serve(t, iso, c.req)
			if c.wantErrContains != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErrContains) {
					t.Fatalf("error = %v, want it to contain %q", err, c.wantErrContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != c.status || body != c.body {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, body, c.status, c.body)
			}
			if c.ctype != "" && res.Header.Get("Content-Type") != c.ctype {
				t.Fatalf("content-type %q, want %q", res.Header.Get("Content-Type"), c.ctype)
			}
		})
	}
}

func TestCPULimitInterruptsLoop(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch() { while (true) {} } } };`,
		func(c *Config) { c.CPULimit = 50 * time.Millisecond })
	start := time.Now()
	_, _, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != ErrCPULimit {
		t.Fatalf("err = %v, want ErrCPULimit", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v to stop", d)
	}
}

func TestServiceWorkerSyntax(t *testing.T) {
	iso := newTestIsolate(t, `addEventListener("fetch", e => e.respondWith(new Response("sw " + GREETING)));`,
		func(c *Config) { c.ServiceWorker = true; c.Env = map[string]any{"GREETING": "hi"} })
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil || body != "sw hi" {
		t.Fatalf("got %q, %v", body, err)
	}
}

func TestWaitUntilRunsAfterResponse(t *testing.T) {
	var logs []string
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch(req, env, ctx) {
		ctx.waitUntil(new Promise(r => setTimeout(() => { console.log("after", { n: 1 }); r(); }, 10)));
		return new Response("now");
	} } };`, func(c *Config) {
		c.Console = ConsoleFunc(func(l Level, s string) { logs = append(logs, s) })
	})
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil || body != "now" {
		t.Fatalf("got %q, %v", body, err)
	}
	if len(logs) != 0 {
		t.Fatalf("waitUntil ran before the response: %v", logs)
	}
	if err := iso.Finish(time.Second); err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || logs[0] != "after { n: 1 }" {
		t.Fatalf("logs = %q", logs)
	}
}
