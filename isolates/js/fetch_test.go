package js

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// origin is the loopback server subrequests go to in these tests.
type origin struct {
	*httptest.Server
	hits atomic.Int32
	// firstChunk is closed when /stream-in has received its first body chunk.
	firstChunk chan struct{}
	// canceled receives the path of a request whose context ended before it answered.
	canceled chan string
}

func newOrigin(t *testing.T) *origin {
	o := &origin{firstChunk: make(chan struct{}), canceled: make(chan string, 16)}
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		fmt.Fprintf(w, `{"method":%q,"ua":%q,"hasUA":%v,"x":%q,"auth":%q,"host":%q}`, r.Method, r.UserAgent(),
			r.Header["User-Agent"] != nil, r.Header.Get("X-Test"), r.Header.Get("Authorization"), r.Host)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Length", fmt.Sprint(r.ContentLength))
		w.Header().Set("X-Type", r.Header.Get("Content-Type"))
		w.Write(body)
	})
	// /stream-in echoes a request body once it is complete, noting when its first chunk came.
	mux.HandleFunc("/stream-in", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64)
		var got []byte
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				once.Do(func() { close(o.firstChunk) })
			}
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		w.Write(got)
	})
	// /seen answers whether /stream-in has seen its first chunk yet, waiting a little for it.
	mux.HandleFunc("/seen", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-o.firstChunk:
			io.WriteString(w, "seen")
		case <-time.After(2 * time.Second):
			io.WriteString(w, "not seen")
		}
	})
	mux.HandleFunc("/redirect/", func(w http.ResponseWriter, r *http.Request) {
		// /redirect/<status>/<n>: n more redirects with status, then /echo.
		var status, n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/redirect/"), "%d/%d", &status, &n)
		io.Copy(io.Discard, r.Body)
		target := "/echo"
		if n > 1 {
			target = fmt.Sprintf("/redirect/%d/%d", status, n-1)
		}
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	})
	mux.HandleFunc("/no-location", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(302) })
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			o.canceled <- r.URL.Path
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/hang-body", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			o.canceled <- r.URL.Path
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		var status int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/status/"), "%d", &status)
		w.WriteHeader(status)
	})
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(o.Close)
	return o
}

// refusedURL is an http URL on which nothing listens.
func refusedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}

func TestFetch(t *testing.T) {
	o := newOrigin(t)
	cases := []struct {
		name, js, want string
		hits           int32 // requests the origin must have received, when not -1
	}{
		{name: "get json", js: `const r = await fetch("$UP/json", { headers: { "x-test": "yes", host: "evil.example" } });
			const j = await r.json();
			return [r.status, r.statusText, r.ok, r.url, r.redirected, r.headers.get("content-type"), r.headers.getSetCookie(), j.method, j.hasUA, j.x, j.host === "$HOST"];`,
			want: `[200,"OK",true,"$UP/json",false,"application/json",["a=1","b=2"],"GET",false,"yes",true]`, hits: 1},
		{name: "user agent set by the worker", js: `return (await (await fetch("$UP/json", { headers: { "user-agent": "molt-test" } })).json()).ua;`,
			want: `molt-test`},
		{name: "response headers are immutable", js: `const r = await fetch("$UP/json");
			try { r.headers.set("x", "y"); } catch (e) { return e.name + ": " + e.message; }`,
			want: `TypeError: Can't modify immutable headers.`},
		{name: "a Request as input", js: `const req = new Request("$UP/echo", { method: "PUT", body: "from a request" });
			const r = await fetch(req); return [req.bodyUsed, r.headers.get("x-method"), await r.text()];`,
			want: `[true,"PUT","from a request"]`},
		{name: "string body", js: `const r = await fetch("$UP/echo", { method: "POST", body: "hello" });
			return [r.headers.get("x-method"), r.headers.get("x-length"), r.headers.get("x-type"), await r.text()];`,
			want: `["POST","5","text/plain;charset=UTF-8","hello"]`},
		{name: "bytes body", js: `const r = await fetch("$UP/echo", { method: "POST", body: new Uint8Array([104, 105]) });
			return [r.headers.get("x-length"), await r.text()];`, want: `["2","hi"]`},
		{name: "empty body", js: `const r = await fetch("$UP/echo", { method: "POST", body: "" });
			return [r.headers.get("x-length"), await r.text()];`, want: `["0",""]`},
		{name: "stream body reaches the origin chunk by chunk", js: `const enc = new TextEncoder(); let step = 0;
			const body = new ReadableStream({ async pull(c) {
				step++;
				if (step === 1) c.enqueue(enc.encode("one|"));
				else if (step === 2) c.enqueue(enc.encode(await (await fetch("$UP/seen")).text()));
				else c.close();
			} });
			const r = await fetch("$UP/stream-in", { method: "POST", body });
			return await r.text();`, want: `one|seen`},
		{name: "a failing body stream rejects the fetch with its error", js: `let n = 0;
			const body = new ReadableStream({ pull(c) { if (n++ === 0) c.enqueue(new Uint8Array([1])); else c.error(new RangeError("bad body")); } });
			try { await fetch("$UP/echo", { method: "POST", body }); } catch (e) { return e.name + ": " + e.message; }`,
			want: `RangeError: bad body`},
		{name: "HEAD has no body", js: `const r = await fetch("$UP/json", { method: "HEAD" }); return [r.status, r.body];`, want: `[200,null]`},
		{name: "204 has no body", js: `const r = await fetch("$UP/status/204"); return [r.status, r.body, await r.text()];`, want: `[204,null,""]`},
		{name: "error status resolves", js: `const r = await fetch("$UP/status/503"); return [r.status, r.ok, r.statusText];`,
			want: `[503,false,"Service Unavailable"]`},
		{name: "follow 302 turns POST into GET", js: `const r = await fetch("$UP/redirect/302/1", { method: "POST", body: "x" });
			return [r.status, r.redirected, r.url, r.headers.get("x-method"), await r.text()];`,
			want: `[200,true,"$UP/echo","GET",""]`},
		{name: "follow 307 resends a buffered body", js: `const r = await fetch("$UP/redirect/307/2", { method: "POST", body: "again" });
			return [r.redirected, r.headers.get("x-method"), await r.text()];`, want: `[true,"POST","again"]`},
		{name: "follow 303 turns PUT into GET", js: `const r = await fetch("$UP/redirect/303/1", { method: "PUT", body: "x" });
			return r.headers.get("x-method");`, want: `GET`},
		{name: "307 with a stream body cannot follow", js: `const body = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array([1])); c.close(); } });
			try { await fetch("$UP/redirect/307/1", { method: "POST", body }); } catch (e) { return e.name + ": " + e.message; }`,
			want: "TypeError: " + msgOneTimeBody},
		{name: "20 redirects are followed", js: `const r = await fetch("$UP/redirect/301/20"); return [r.status, r.redirected];`,
			want: `[200,true]`, hits: 21},
		{name: "21 redirects are too many", js: `try { await fetch("$UP/redirect/301/21"); } catch (e) { return e.name + ": " + e.message; }`,
			want: `TypeError: Too many redirects.`, hits: 21},
		{name: "manual returns the redirect", js: `const r = await fetch("$UP/redirect/302/1", { redirect: "manual" });
			return [r.status, r.redirected, r.headers.get("location"), r.url];`, want: `[302,false,"/echo","$UP/redirect/302/1"]`},
		{name: "error mode rejects", js: `try { await fetch("$UP/redirect/302/1", { redirect: "error" }); } catch (e) { return e.name + ": " + e.message; }`,
			want: "TypeError: " + msgRedirectError},
		{name: "a redirect without location is returned", js: `const r = await fetch("$UP/no-location"); return [r.status, r.redirected];`,
			want: `[302,false]`},
		{name: "the fragment is not part of the response url", js: `return (await fetch("$UP/json#frag")).url;`, want: `$UP/json`},
		{name: "unsupported scheme", js: `try { await fetch("ftp://example.com/x"); } catch (e) { return e.name + ": " + e.message; }`,
			want: `TypeError: Fetch API cannot load: ftp://example.com/x`, hits: 0},
		{name: "invalid URL", js: `try { await fetch("not a url"); } catch (e) { return e.name; }`, want: `TypeError`, hits: 0},
		{name: "no argument", js: `try { await fetch(); } catch (e) { return e.message; }`,
			want: `Failed to execute 'fetch' on 'ServiceWorkerGlobalScope': 1 argument required, but only 0 present.`},
		{name: "refused connection", js: `try { await fetch("$REFUSED"); } catch (e) { return [e.name, e.message, e instanceof TypeError]; }`,
			want: `["Error","Network connection lost.",false]`},
		{name: "abort before the request", js: `const c = new AbortController(); c.abort();
			try { await fetch("$UP/json", { signal: c.signal }); } catch (e) { return [e.name, e.message, e instanceof DOMException]; }`,
			want: `["AbortError","The operation was aborted",true]`, hits: 0},
		{name: "abort with a reason before the request", js: `try { await fetch("$UP/json", { signal: AbortSignal.abort("nope") }); } catch (e) { return e; }`,
			want: `nope`, hits: 0},
		{name: "abort during the request", js: `const c = new AbortController(); setTimeout(() => c.abort(new Error("took too long")), 20);
			try { await fetch("$UP/hang", { signal: c.signal }); } catch (e) { return e.message; }`, want: `took too long`},
		{name: "timeout signal", js: `try { await fetch("$UP/hang", { signal: AbortSignal.timeout(20) }); } catch (e) { return [e.name, e.code]; }`,
			want: `["TimeoutError",23]`},
		{name: "abort during the body", js: `const c = new AbortController();
			const r = await fetch("$UP/hang-body", { signal: c.signal });
			const reader = r.body.getReader();
			const first = new TextDecoder().decode((await reader.read()).value);
			const next = reader.read();
			c.abort();
			try { await next; } catch (e) { return [first, e.name]; }`, want: `["first","AbortError"]`},
		{name: "abort during a streamed request body", js: `let canceled = "not canceled"; const c = new AbortController();
			const body = new ReadableStream({
				pull(ctrl) { return new Promise((r) => setTimeout(() => { ctrl.enqueue(new Uint8Array([1])); r(); }, 5)); },
				cancel(reason) { canceled = reason; },
			});
			setTimeout(() => c.abort("stop"), 30);
			try { await fetch("$UP/stream-in", { method: "POST", body, signal: c.signal }); } catch (e) { return [e, canceled]; }`,
			want: `["stop","stop"]`},
		{name: "an aborted body cannot be read whole", js: `const c = new AbortController();
			const r = await fetch("$UP/hang-body", { signal: c.signal });
			const p = r.text(); setTimeout(() => c.abort(), 10);
			try { await p; return "read"; } catch (e) { return e.name; }`, want: `AbortError`},
	}
	refused := refusedURL(t)
	host := strings.TrimPrefix(o.URL, "http://")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := o.hits.Load()
			r := strings.NewReplacer("$UP", o.URL, "$REFUSED", refused, "$HOST", host)
			got, err := runJS(t, r.Replace(c.js))
			if err != nil {
				t.Fatal(err)
			}
			if want := r.Replace(c.want); got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			if c.hits != 0 || strings.Contains(c.name, "before") || strings.Contains(c.name, "scheme") {
				if n := o.hits.Load() - before; n != c.hits {
					t.Fatalf("origin got %d requests, want %d", n, c.hits)
				}
			}
		})
	}
}

// TestFetchCrossOriginRedirectDropsAuthorization follows a redirect to another origin (another
// loopback port) and checks that Authorization stays behind while other headers follow.
func TestFetchCrossOriginRedirectDropsAuthorization(t *testing.T) {
	o := newOrigin(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, o.URL+"/json", http.StatusFound)
	}))
	defer other.Close()
	got, err := runJS(t, `const j = await (await fetch("`+other.URL+`/", { headers: { authorization: "secret", "x-test": "kept" } })).json();
		return [j.auth, j.x];`)
	if err != nil {
		t.Fatal(err)
	}
	if got != `["","kept"]` {
		t.Fatalf("got %s", got)
	}
}

func TestFetchSubrequestLimit(t *testing.T) {
	o := newOrigin(t)
	got, err := runJS(t, strings.NewReplacer("$UP", o.URL, "LIMIT", fmt.Sprint(SubrequestLimit)).Replace(`let ok = 0;
		for (let i = 0; i < LIMIT; i++) { const r = await fetch("$UP/count"); await r.arrayBuffer(); ok++; }
		try { await fetch("$UP/count"); return "no limit"; } catch (e) { return [ok, e.name, e.message]; }`))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`[%d,"Error","Too many subrequests."]`, SubrequestLimit); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestFetchInGlobalScopeIsRefused(t *testing.T) {
	iso := newTestIsolate(t, `let msg = "none";
		fetch("http://127.0.0.1:1/").catch((e) => { msg = e.message; });
		var __molt_exports = { default: { fetch() { return new Response(msg); } } };`, nil)
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body, "Disallowed operation called within global scope.") {
		t.Fatalf("got %q", body)
	}
}

// casesWorker is a test worker over a binding: cases defines an object cases of functions
// (binding, env); a request for /NAME runs cases.NAME with env[binding] and answers with its
// result as JSON ({ok}), or with the name and message of what it threw ({error}).
func casesWorker(binding, cases string) string {
	return cases + `
var __molt_exports = { default: { async fetch(req, env) {
  const name = new URL(req.url).pathname.slice(1);
  try {
    return Response.json({ ok: await cases[name](env.` + binding + `, env) ?? "undefined" });
  } catch (e) {
    return Response.json({ error: [e.name, e.message] });
  }
} } };
`
}

// workerCase is a request for /name to a casesWorker and the body it must answer.
type workerCase struct{ name, want string }

// thrown is the body a casesWorker answers for a case that throws an error named name with
// message msg.
func thrown(name, msg string) string {
	n, _ := json.Marshal(name)
	m, _ := json.Marshal(msg)
	return `{"error":[` + string(n) + `,` + string(m) + `]}`
}

// runCases requests /NAME from srv for each case in order (later cases may see what earlier
// ones wrote), each in a subtest, and fails one whose body is not want: byte for byte, or with
// asJSON the same JSON value.
func runCases(t *testing.T, srv *httptest.Server, cases []workerCase, asJSON bool) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(srv.URL + "/" + tc.name)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			same := string(body) == tc.want
			if asJSON {
				var got, want any
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("status %d, body %.300s", res.StatusCode, body)
				}
				if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
					t.Fatalf("bad want: %v", err)
				}
				same = reflect.DeepEqual(got, want)
			}
			if !same {
				t.Fatalf("got  %s\nwant %s", body, tc.want)
			}
		})
	}
}

// frontServer serves every request with a fresh isolate of src, as the host does.
func frontServer(t testing.TB, src string, env map[string]any) *httptest.Server {
	s, err := Compile("worker.js", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iso, err := NewIsolate(&Config{Script: s, Env: env})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer iso.Close()
		scheme := "http://"
		if _, err := iso.Serve(w, r, Incoming{URL: scheme + r.Host + r.URL.RequestURI(), Stop: r.Context().Done()}); err != nil {
			t.Logf("serve: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFetchStreamsThrough checks that a response passed straight back reaches the client chunk
// by chunk: the origin sends its second chunk only once the client has read the first.
func TestFetchStreamsThrough(t *testing.T) {
	clientGotFirst := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-clientGotFirst:
		case <-time.After(5 * time.Second):
			io.WriteString(w, "timeout\n")
			return
		}
		io.WriteString(w, "second\n")
	}))
	defer up.Close()
	cases := []struct{ name, handler string }{
		{"passed through", `return fetch(env.UP);`},
		{"wrapped in a new Response", `const r = await fetch(env.UP); return new Response(r.body, r);`},
		{"read by JavaScript", `const r = await fetch(env.UP); const reader = r.body.getReader();
			return new Response(new ReadableStream({ async pull(c) { const { value, done } = await reader.read(); if (done) c.close(); else c.enqueue(value); } }));`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clientGotFirst = make(chan struct{})
			front := frontServer(t, `var __molt_exports = { default: { async fetch(request, env) { `+c.handler+` } } };`, map[string]any{"UP": up.URL})
			res, err := http.Get(front.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			br := bufio.NewReader(res.Body)
			line, err := br.ReadString('\n')
			if err != nil || line != "first\n" {
				t.Fatalf("first line %q, %v", line, err)
			}
			close(clientGotFirst)
			rest, _ := io.ReadAll(br)
			if string(rest) != "second\n" {
				t.Fatalf("rest %q", rest)
			}
		})
	}
}

// TestFetchForwardsIncomingBody checks that an incoming request body passed to fetch is copied
// by Go, keeping its length.
func TestFetchForwardsIncomingBody(t *testing.T) {
	o := newOrigin(t)
	front := frontServer(t, `var __molt_exports = { default: { async fetch(request, env) {
		const r = await fetch(env.UP + "/echo", { method: "POST", body: request.body, headers: request.headers });
		return new Response(r.body, { headers: { "x-length": r.headers.get("x-length") } });
	} } };`, map[string]any{"UP": o.URL})
	payload := strings.Repeat("0123456789", 20000)
	res, err := http.Post(front.URL, "text/plain", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != payload {
		t.Fatalf("got %d bytes, want %d", len(body), len(payload))
	}
	if l := res.Header.Get("X-Length"); l != fmt.Sprint(len(payload)) {
		t.Fatalf("origin saw content-length %s", l)
	}
}

// TestFetchCanceledWhenIsolateCloses checks that closing an isolate ends its in-flight
// subrequests: the origin sees the request canceled.
func TestFetchCanceledWhenIsolateCloses(t *testing.T) {
	o := newOrigin(t)
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch(request, env, ctx) {
		ctx.waitUntil(fetch("`+o.URL+`/hang"));
		return new Response("answered");
	} } };`, nil)
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil || body != "answered" {
		t.Fatalf("got %q, %v", body, err)
	}
	// Let the subrequest reach the origin, then close the isolate.
	deadline := time.Now().Add(2 * time.Second)
	for o.hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	iso.Close()
	select {
	case p := <-o.canceled:
		if p != "/hang" {
			t.Fatalf("canceled %s", p)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the origin's request was not canceled when the isolate closed")
	}
}

// TestFetchAbortCancelsOriginRequest checks that aborting reaches the network: the origin sees
// its request canceled.
func TestFetchAbortCancelsOriginRequest(t *testing.T) {
	o := newOrigin(t)
	got, err := runJS(t, `const c = new AbortController(); setTimeout(() => c.abort(), 30);
		try { await fetch("`+o.URL+`/hang", { signal: c.signal }); } catch (e) { return e.name; }`)
	if err != nil || got != "AbortError" {
		t.Fatalf("got %q, %v", got, err)
	}
	select {
	case <-o.canceled:
	case <-time.After(3 * time.Second):
		t.Fatal("the origin's request was not canceled by the abort")
	}
}

// bigOrigin serves size bytes at any path.
func bigOrigin(b *testing.B, size int) *httptest.Server {
	chunk := []byte(strings.Repeat("x", 32<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		for n := size; n > 0; n -= len(chunk) {
			w.Write(chunk[:min(n, len(chunk))])
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchFront(b *testing.B, handler string, size int) {
	up := bigOrigin(b, size)
	s, err := Compile("worker.js", []byte(`var __molt_exports = { default: { async fetch(request, env) { `+handler+` } } };`), nil)
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iso, err := NewIsolate(&Config{Script: s, Env: map[string]any{"UP": up.URL}})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer iso.Close()
		iso.Serve(w, r, Incoming{URL: "http://" + r.Host + r.URL.RequestURI(), Stop: r.Context().Done()})
	}))
	defer front.Close()
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := http.Get(front.URL)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || (size > 100 && n != int64(size)) {
			b.Fatalf("status %d, %d bytes", res.StatusCode, n)
		}
	}
}

// BenchmarkFetchPassThrough measures `return fetch(url)`: Go copies the body, JavaScript never
// sees it.
func BenchmarkFetchPassThrough(b *testing.B) { benchFront(b, `return fetch(env.UP);`, 16<<20) }

// BenchmarkFetchReadInJS measures a body read whole by JavaScript and sent back.
func BenchmarkFetchReadInJS(b *testing.B) {
	benchFront(b, `const r = await fetch(env.UP); return new Response(await r.arrayBuffer());`, 16<<20)
}

// BenchmarkFetchStreamInJS measures a body streamed chunk by chunk through JavaScript.
func BenchmarkFetchStreamInJS(b *testing.B) {
	benchFront(b, `const r = await fetch(env.UP); const rd = r.body.getReader();
		return new Response(new ReadableStream({ async pull(c) { const { value, done } = await rd.read(); if (done) c.close(); else c.enqueue(value); } }));`, 16<<20)
}

// BenchmarkFetchSmall measures a request whose worker makes one small subrequest, isolate
// creation included.
func BenchmarkFetchSmall(b *testing.B) {
	benchFront(b, `const r = await fetch(env.UP); return new Response(await r.text());`, 2)
}
