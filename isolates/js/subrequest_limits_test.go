package js

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstreamCounting answers after a short delay and records the most requests it had in flight
// at once.
func upstreamCounting(t *testing.T) (url string, most func() int) {
	var mu sync.Mutex
	in, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		in++
		peak = max(peak, in)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		in--
		mu.Unlock()
		w.Write([]byte("up"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { mu.Lock(); defer mu.Unlock(); return peak }
}

func TestSubrequestLimits(t *testing.T) {
	up, most := upstreamCounting(t)
	run := func(t *testing.T, js string, mod func(*Config)) (string, error) {
		iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch() { `+strings.ReplaceAll(js, "$UP", up)+` } } };`, mod)
		_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
		return body, err
	}

	t.Run("six connections at a time, the rest queue", func(t *testing.T) {
		body, err := run(t, `const all = await Promise.all(Array.from({ length: 14 }, () => fetch("$UP").then((r) => r.text())));
			return new Response(all.join(""));`, nil)
		if err != nil || body != strings.Repeat("up", 14) {
			t.Fatalf("body %q, error %v", body, err)
		}
		if m := most(); m != MaxOpenConnections {
			t.Fatalf("upstream saw %d requests at once, want %d", m, MaxOpenConnections)
		}
	})

	t.Run("limits.subrequests", func(t *testing.T) {
		body, err := run(t, `let n = 0;
			try { for (;;) { await (await fetch("$UP")).text(); n++; } } catch (e) { return new Response(n + " " + e.message); }`,
			func(c *Config) { c.Subrequests = 50 })
		if err != nil || body != "50 Too many subrequests." {
			t.Fatalf("body %q, error %v", body, err)
		}
	})

	t.Run("public subrequests only", func(t *testing.T) {
		for _, target := range []string{"$UP", "http://localhost:1/", "http://10.0.0.1/", "http://[::1]:1/", "http://169.254.169.254/latest/"} {
			body, err := run(t, `try { await fetch("`+target+`"); return new Response("fetched"); } catch (e) { return new Response(e.name + ": " + e.message); }`,
				func(c *Config) { c.PublicSubrequestsOnly = true })
			if err != nil || !strings.HasPrefix(body, "TypeError: Fetch API cannot load") || !strings.Contains(body, "not allowed on this platform") {
				t.Errorf("%s: body %q, error %v", target, body, err)
			}
		}
	})
}

// A worker that leaves six response bodies unread and fetches again would wait forever:
// Cloudflare cancels the least recently used idle connection instead, and so does molt.
func TestIdleConnectionsAreCancelledWhenDeadlocked(t *testing.T) {
	// Each body arrives in two parts, so that a cancelled one cannot have been read whole.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("u"))
		w.(http.Flusher).Flush()
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("p"))
	}))
	t.Cleanup(slow.Close)
	up := slow.URL
	iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch() {
		const kept = [];
		for (let i = 0; i < 8; i++) kept.push(await fetch("`+up+`"));
		let first;
		try { await kept[0].text(); first = "read"; } catch (e) { first = e.message; }
		return new Response(first + " / " + (await kept[7].text()));
	} } };`, nil)
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err != nil || !strings.HasSuffix(body, " / up") || strings.HasPrefix(body, "read") {
		t.Fatalf("body %q, error %v; want the first body cancelled and the eighth read", body, err)
	}
}
