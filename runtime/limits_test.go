package runtime

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/isolates/js"
)

const leakWorker = `export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/leak") { const a = []; for (let i = 0; ; i++) a.push({ i, s: "leak" + i }); }
    if (path === "/buffers") { const a = []; for (;;) a.push(new Uint8Array(1 << 20)); }
    if (path === "/stalled") { const a = []; for (let i = 0; i < 1e7; i++) a.push([i]); await new Promise(() => {}); }
    return new Response("ok");
  },
};
`

// A worker that allocates without end is stopped at its memory cap with Cloudflare's error
// 1102 while the host answers other requests, and the host serves normally afterwards.
func TestMemoryLimitStopsLeakWhileHostServes(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"leak\"\nmain = \"src/index.js\"\ncompatibility_date = \"2026-11-01\"\n[limits]\nmemory_mb = 48\n",
		"src/index.js":  leakWorker,
	})
	srv := serveProject(t, dir, Options{})
	var wg sync.WaitGroup
	for _, path := range []string{"/leak", "/buffers", "/stalled"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := fetchText(t, srv.URL+path)
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "error code: 1102") {
				t.Errorf("%s: %d %q, want 503 with error 1102", path, status, body)
			}
		}()
	}
	for i := 0; i < 20; i++ {
		if status, body := fetchText(t, srv.URL+"/"); status != 200 || body != "ok" {
			t.Errorf("beside the leaks: %d %q, want 200 ok", status, body)
		}
	}
	wg.Wait()
	if status, _ := fetchText(t, srv.URL+"/"); status != 200 {
		t.Errorf("after the leaks: status %d, want 200", status)
	}
}

// A panic in molt's Go code serving one request (here in the host's console sink) fails that
// request with a 500; the others, and the process, carry on.
func TestPanicFailsOnlyItsRequest(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"index.js": `export default {
  fetch(request) {
    if (request.url.endsWith("/panic")) console.log("panic");
    return new Response("ok");
  },
};`})
	console := js.ConsoleFunc(func(_ js.Level, text string) {
		if text == "panic" {
			panic("console sink failed")
		}
	})
	srv := serveProject(t, dir+"/index.js", Options{Console: console})
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if status, _ := fetchText(t, srv.URL+"/panic"); status != http.StatusInternalServerError {
				t.Errorf("/panic: status %d, want 500", status)
			}
		}()
		go func() {
			defer wg.Done()
			if status, body := fetchText(t, srv.URL+"/"); status != 200 || body != "ok" {
				t.Errorf("/: %d %q, want 200 ok", status, body)
			}
		}()
	}
	wg.Wait()
}

// fetchText is get for use from any goroutine: failures are reported with Errorf.
func fetchText(t *testing.T, url string) (int, string) {
	res, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// A worker sees its own bindings and nothing of the host: no files, no process environment,
// no other worker's bindings, no Node modules.
func TestWorkerCannotReachTheHost(t *testing.T) {
	t.Setenv("MOLT_TEST_SECRET", "host-secret")
	other := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"other\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[[kv_namespaces]]\nbinding = \"SECRETS\"\nid = \"secrets\"\n",
		"index.js":      `export default { async fetch(r, env) { await env.SECRETS.put("k", "other's secret"); return new Response("stored"); } };`,
	})
	if status, body := get(t, serveProject(t, other, Options{}).URL); status != 200 || body != "stored" {
		t.Fatalf("other worker: %d %q", status, body)
	}
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[vars]\nMINE = \"yes\"\n",
		"index.js": `export default {
  async fetch(request, env) {
    const seen = [];
    seen.push("env:" + Object.keys(env).sort().join(","));
    for (const name of ["process", "Deno", "Bun", "module", "__dirname", "SECRETS"]) seen.push(name + ":" + typeof globalThis[name]);
    for (const url of ["file:///etc/passwd", "file:///proc/self/environ"]) {
      try { await fetch(url); seen.push("fetched " + url); } catch (e) { seen.push(e.name); }
    }
    // require reaches only the modules the runtime provides (cloudflare:workers).
    for (const m of ["fs", "child_process", "node:fs"]) {
      try { require(m); seen.push("required " + m); } catch (e) { seen.push(e.message); }
    }
    return new Response(seen.join("\n"));
  },
};`,
	})
	_, body := get(t, serveProject(t, dir, Options{}).URL)
	for _, bad := range []string{"host-secret", "other's secret", "fetched", "required", ":object", ":function"} {
		if strings.Contains(body, bad) {
			t.Errorf("the worker reached the host (%q):\n%s", bad, body)
		}
	}
	if !strings.Contains(body, "env:MINE") {
		t.Errorf("the worker's env is not its own:\n%s", body)
	}
}
