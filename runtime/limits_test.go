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
