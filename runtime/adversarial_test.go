package runtime

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/heapwatch"
	"github.com/moltworker/molt/internal/testutil"
)

// hogWorker misbehaves in every way a tenant can, one way per path.
const hogWorker = `export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/leak/array": { const a = []; for (let i = 0; ; i++) a.push({ i, s: "x" + i }); }
      case "/leak/string": { let s = "0123456789abcdef"; for (let i = 0; i < 6; i++) s += s; const keep = []; for (let i = 0; ; i++) keep.push(s + i); }
      case "/leak/buffer": { const a = []; for (;;) a.push(new Uint8Array(1 << 16)); }
      case "/leak/map": { const m = new Map(); for (let i = 0; ; i++) m.set(i, [i]); }
      case "/leak/closure": { let f = () => 0; for (let i = 0; ; i++) { const g = f, pad = [i, i]; f = () => g() + pad.length; } }
      case "/leak/promise": { const keep = []; const step = () => { keep.push(new Array(32).fill(keep.length)); return Promise.resolve().then(step); }; step(); return new Promise(() => {}); }
      case "/leak/repeat": { const a = []; for (;;) a.push("z".repeat(1 << 20) + a.length); }
      case "/recurse": { const f = (n) => f(n + 1) + 1; return new Response(String(f(0))); }
      case "/subrequests": for (;;) await fetch(env.UPSTREAM);
      case "/throw": throw new Error("thrown in fetch");
      case "/reject": return Promise.reject(new Error("rejected in fetch"));
      case "/waituntil": ctx.waitUntil(Promise.reject(new Error("rejected in waitUntil"))); return new Response("ok");
    }
    return new Response("ok");
  },
  scheduled() { throw new Error("thrown in scheduled"); },
};
`

// spinWorker's requests loop forever.
const spinnerWorker = `export default { fetch() { for (;;) {} } };`

// hogCase is one kind of bad request and the answer Cloudflare documents for it.
type hogCase struct {
	path, want string
	status     int
}

var hogCases = []hogCase{
	{"/spin", "CPU time limit", 503},
	{"/leak/array", "memory limit", 503},
	{"/leak/string", "memory limit", 503},
	{"/leak/buffer", "memory limit", 503},
	{"/leak/map", "memory limit", 503},
	{"/leak/closure", "memory limit", 503},
	{"/leak/promise", "memory limit", 503},
	{"/leak/repeat", "memory limit", 503},
	{"/recurse", "RangeError: Maximum call stack size exceeded", 500},
	{"/subrequests", "Too many subrequests.", 500},
	{"/throw", "Error: thrown in fetch", 500},
	{"/reject", "Error: rejected in fetch", 500},
	{"/waituntil", "ok", 200},
	{"/__scheduled", "thrown in scheduled", 500},
}

// TestAdversarialLoad serves examples/hello and examples/hono under load, alone and then beside
// a worker that misbehaves in every way in a loop, on the same host process. It checks that
// every bad request got its documented answer and every good one a 200, and logs the good
// workers' throughput kept, the peak RSS and how far past its cap a leak got. The default run
// is short; MOLT_ADVERSARIAL=30s (make adversarial) runs each phase that long and
// MOLT_ADVERSARIAL_MEMORY_MB sets the hog's cap (default 32 in the short run, 16 under the race
// detector, 128 otherwise).
func TestAdversarialLoad(t *testing.T) {
	phase, capMB := 1500*time.Millisecond, 32
	if raceEnabled {
		phase, capMB = time.Second, 16
	}
	if v := os.Getenv("MOLT_ADVERSARIAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("MOLT_ADVERSARIAL=%q: %v", v, err)
		}
		phase, capMB = d, 128
	}
	if v := os.Getenv("MOLT_ADVERSARIAL_MEMORY_MB"); v != "" {
		capMB, _ = strconv.Atoi(v)
	}
	good := []struct{ name, url string }{{"hello", serveExample(t, "hello") + "/"}, {"hono", serveExample(t, "hono") + "/json"}}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") }))
	t.Cleanup(upstream.Close)
	hog := serveHog(t, capMB, upstream.URL)
	spinner := serveSpinner(t)

	alone := driveGood(t, good, phase)
	rss := watchRSS()
	before := heapwatch.Default.Stats()
	stop := make(chan struct{})
	results := make(chan hogResult, 1)
	go func() { results <- driveHog(hog, spinner, stop) }()
	beside := driveGood(t, good, phase)
	close(stop)
	bad := <-results
	peak := rss()
	after := heapwatch.Default.Stats()

	var b strings.Builder
	fmt.Fprintf(&b, "phase %v, hog memory cap %d MiB, spinner CPU cap 50 ms\n\n", phase, capMB)
	fmt.Fprintf(&b, "| good worker | rps alone | rps beside the hog | kept |\n| --- | ---: | ---: | ---: |\n")
	for i, g := range good {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f%% |\n", g.name, alone[i], beside[i], 100*beside[i]/alone[i])
	}
	fmt.Fprintf(&b, "\n| bad request | sent | documented answer | median ms | max ms |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, c := range hogCases {
		r := bad.byPath[c.path]
		fmt.Fprintf(&b, "| %s | %d | %d/%d (%d %q) | %.0f | %.0f |\n", c.path, r.sent, r.sent-r.wrong, r.sent, c.status, c.want, r.median(), r.max())
	}
	fmt.Fprintf(&b, "\nhost peak RSS %d MiB; memory kills %d, forced collections %d, largest overshoot past a cap %d MiB\n",
		peak>>20, after.Kills-before.Kills, after.Measurements-before.Measurements, after.MaxOvershoot>>20)
	t.Log("\n" + b.String())
	if out := os.Getenv("MOLT_ADVERSARIAL_REPORT"); out != "" {
		os.WriteFile(out, []byte(b.String()), 0o644)
	}
	for _, c := range hogCases {
		r := bad.byPath[c.path]
		if r.sent == 0 {
			t.Errorf("%s: never sent", c.path)
		}
		for _, w := range r.wrongs {
			t.Errorf("%s: got %s, want %d with %q", c.path, w, c.status, c.want)
		}
	}
}

// serveExample serves examples/NAME on a loopback port and returns its base URL.
func serveExample(t *testing.T, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	w, err := Load(Project{Path: dir}, Options{})
	if err != nil {
		t.Skipf("load examples/%s (npm ci there?): %v", name, err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	t.Cleanup(func() { srv.Close(); w.Close() })
	return srv.URL
}

// serveHog serves hogWorker in molt dev's mode, whose error pages show the exception.
func serveHog(t *testing.T, capMB int, upstream string) string {
	t.Helper()
	return serveBad(t, fmt.Sprintf("name = \"hog\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[vars]\nUPSTREAM = %q\n[limits]\nmemory_mb = %d\nsubrequests = 50\n", upstream, capMB), hogWorker)
}

// serveSpinner serves spinnerWorker with a 50 ms CPU cap.
func serveSpinner(t *testing.T) string {
	t.Helper()
	return serveBad(t, "name = \"spinner\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[limits]\ncpu_ms = 50\n", spinnerWorker)
}

func serveBad(t *testing.T, config, code string) string {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.toml": config, "index.js": code})
	w, err := Load(Project{Path: dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Dev, host.TestScheduled = true, true
	host.Swap(w)
	srv := httptest.NewServer(host)
	t.Cleanup(func() { srv.Close(); w.Close() })
	return srv.URL
}

// driveGood loads each good worker with four keep-alive clients for d and returns their
// requests per second. A request that fails or gets anything but a 200 fails the test.
func driveGood(t *testing.T, good []struct{ name, url string }, d time.Duration) []float64 {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	counts := make([]atomic.Int64, len(good))
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i, g := range good {
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					res, err := client.Get(g.url)
					if err != nil {
						t.Errorf("%s: %v", g.name, err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						t.Errorf("%s: status %d", g.name, res.StatusCode)
						return
					}
					counts[i].Add(1)
				}
			}()
		}
	}
	wg.Wait()
	rps := make([]float64, len(good))
	for i := range counts {
		rps[i] = float64(counts[i].Load()) / d.Seconds()
	}
	return rps
}

type hogResult struct{ byPath map[string]*hogStats }

type hogStats struct {
	sent, wrong int
	wrongs      []string
	ms          []float64
}

func (s *hogStats) median() float64 {
	if len(s.ms) == 0 {
		return 0
	}
	sort.Float64s(s.ms)
	return s.ms[len(s.ms)/2]
}

func (s *hogStats) max() float64 {
	if len(s.ms) == 0 {
		return 0
	}
	sort.Float64s(s.ms)
	return s.ms[len(s.ms)-1]
}

// driveHog sends the bad requests one after another, round after round, until stop; the
// round under way when stop closes is finished, so that every kind is sent at least once.
func driveHog(hog, spinner string, stop <-chan struct{}) hogResult {
	r := hogResult{byPath: map[string]*hogStats{}}
	for _, c := range hogCases {
		r.byPath[c.path] = &hogStats{}
	}
	client := &http.Client{Timeout: time.Minute}
	for {
		select {
		case <-stop:
			return r
		default:
		}
		for _, c := range hogCases {
			s := r.byPath[c.path]
			// The spinning worker's CPU cap is 50 ms; the hog has the default, so that its
			// leaks meet the memory cap first.
			base := hog
			if c.path == "/spin" {
				base = spinner
			}
			start := time.Now()
			res, err := client.Get(base + c.path)
			s.sent++
			if err != nil {
				s.wrong++
				s.wrongs = append(s.wrongs, err.Error())
				continue
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			s.ms = append(s.ms, float64(time.Since(start).Microseconds())/1000)
			if res.StatusCode != c.status || !strings.Contains(string(body), c.want) {
				s.wrong++
				s.wrongs = append(s.wrongs, fmt.Sprintf("%d %.200q", res.StatusCode, body))
			}
		}
	}
}

// watchRSS samples the process's resident set every 5 ms until the returned function is
// called, which returns the largest sample.
func watchRSS() func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if v := testutil.RSS(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 { close(done); return peak.Load() }
}
