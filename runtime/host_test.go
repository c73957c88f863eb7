package runtime

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// serveProject loads dir and serves it on a loopback port.
func serveProject(t *testing.T, dir string, opts Options) *httptest.Server {
	t.Helper()
	srv, stop := startProject(t, dir, opts)
	t.Cleanup(stop)
	return srv
}

// startProject loads the project at path and serves it on a loopback port until stop, which
// also closes the worker and lets go of its state, as molt dev does when it exits: tests of
// what survives a restart call it twice.
func startProject(t *testing.T, path string, opts Options) (srv *httptest.Server, stop func()) {
	t.Helper()
	w, err := Load(Project{Path: path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv = httptest.NewUnstartedServer(host)
	srv.Config.MaxHeaderBytes = MaxHeaderBytes
	srv.Start()
	return srv, func() {
		srv.Close()
		w.Close()
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

const spinWorker = `export default {
  fetch(request) {
    if (request.url.endsWith("/spin")) { for (;;) {} }
    return new Response("ok");
  },
};
`

// A worker stuck in an endless loop is stopped at its CPU cap with Cloudflare's error 1102,
// and the host answers other requests while it spins.
func TestCPULimitStopsLoopWhileHostServes(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"spin\"\nmain = \"src/index.js\"\ncompatibility_date = \"2026-11-01\"\n[limits]\ncpu_ms = 1500\n",
		"src/index.js":  spinWorker,
	})
	srv := serveProject(t, dir, Options{})

	type result struct {
		status int
		body   string
		at     time.Time
	}
	spun := make(chan result, 1)
	go func() {
		res, err := http.Get(srv.URL + "/spin")
		if err != nil {
			spun <- result{}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		spun <- result{res.StatusCode, string(b), time.Now()}
	}()
	time.Sleep(100 * time.Millisecond) // let the loop start
	var served time.Time
	for i := 0; i < 5; i++ {
		if status, body := get(t, srv.URL+"/"); status != 200 || body != "ok" {
			t.Fatalf("while a worker spins: %d %q, want 200 ok", status, body)
		}
		served = time.Now()
	}
	r := <-spun
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "Worker exceeded resource limits") || !strings.Contains(r.body, "error code: 1102") {
		t.Fatalf("spinning worker: %d %q, want 503 with error 1102", r.status, r.body)
	}
	if !served.Before(r.at) {
		t.Errorf("the other requests were answered only after the spinning one ended")
	}
	if status, _ := get(t, srv.URL+"/"); status != 200 {
		t.Errorf("after the CPU limit: status %d, want 200", status)
	}
}

// rawRequest sends head (and nothing else) on a new connection and returns the status line.
func rawRequest(t *testing.T, addr, head string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func TestRequestLimits(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"index.js": `export default { async fetch(r) { return new Response(String((await r.arrayBuffer()).byteLength)); } };`})
	srv := serveProject(t, filepath.Join(dir, "index.js"), Options{})
	addr := strings.TrimPrefix(srv.URL, "http://")

	t.Run("a body over 100 MiB is refused before it is read", func(t *testing.T) {
		head := fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", MaxBodyBytes+1)
		if got := rawRequest(t, addr, head); !strings.HasPrefix(got, "HTTP/1.1 413") {
			t.Errorf("status line %q, want 413", got)
		}
	})
	t.Run("headers over 128 KiB are refused", func(t *testing.T) {
		head := "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", MaxHeaderBytes+8192) + "\r\n\r\n"
		if got := rawRequest(t, addr, head); !strings.HasPrefix(got, "HTTP/1.1 431") {
			t.Errorf("status line %q, want 431", got)
		}
	})
	t.Run("a body under the limit reaches the worker", func(t *testing.T) {
		res, err := http.Post(srv.URL, "application/octet-stream", strings.NewReader(strings.Repeat("x", 1<<20)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "1048576" {
			t.Errorf("worker saw %q bytes, want 1048576", b)
		}
	})
}

// Requests never share an isolate: a global set by one request is not seen by the next.
func TestFreshIsolatePerRequest(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"index.js": `let n = 0;
export default { fetch() { globalThis.seen = (globalThis.seen || 0) + 1; n++; return new Response(n + "/" + globalThis.seen); } };`})
	srv := serveProject(t, filepath.Join(dir, "index.js"), Options{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body := get(t, srv.URL); body != "1/1" {
				t.Errorf("body %q, want 1/1: state crossed requests", body)
			}
		}()
	}
	wg.Wait()
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		path  string
		want  string
	}{
		{"no configuration", map[string]string{"x.txt": ""}, "", "no wrangler.json, wrangler.jsonc or wrangler.toml|looked for wrangler"},
		{"missing entry module", map[string]string{"wrangler.toml": "name = \"x\"\nmain = \"src/nope.js\"\n"}, "", "src/nope.js"},
		{"malformed configuration", map[string]string{"wrangler.toml": "name = \"x\nmain = 1\n"}, "", "wrangler.toml:1"},
		{"import that does not resolve", map[string]string{"wrangler.toml": "name = \"x\"\nmain = \"index.js\"\n", "index.js": "import x from \"./missing.js\";\nexport default { fetch() { return new Response(x); } };\n"}, "", `index.js:1:\d+: ERROR: Could not resolve "./missing.js"`},
		{"top-level code throws", map[string]string{"index.js": "throw new Error(\"at load\");\nexport default {};\n"}, "index.js", `Error: at load[\s\S]*index.js:1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.WriteFiles(t, c.files)
			_, err := Load(Project{Path: filepath.Join(dir, c.path)}, Options{})
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			if !regexpMatch(c.want, err.Error()) {
				t.Errorf("error %q does not match %q", err, c.want)
			}
		})
	}
}
