package runtime

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

// headersWorker answers with headers of the size the query asks for: ?one=N in one header,
// ?many=N in headers of 100 bytes each, streamed with ?stream.
const headersWorker = `export default {
  fetch(request) {
    const q = new URL(request.url).searchParams;
    const h = new Headers();
    if (q.has("one")) h.set("x-big", "a".repeat(Number(q.get("one"))));
    for (let i = 0; i < Number(q.get("many") ?? 0); i++) h.set("x-h" + String(i).padStart(5, "0"), "b".repeat(88));
    if (q.has("stream")) {
      const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } });
      return new Response(body, { headers: h });
    }
    return new Response("ok", { headers: h });
  },
};`

// A response whose headers pass Cloudflare's 128 KB is not sent: the client gets a 500 naming
// the problem, the log says it in so many words, and the host goes on serving.
func TestResponseHeaderLimit(t *testing.T) {
	w, err := Load(Project{Path: testutil.WriteFiles(t, map[string]string{"index.js": headersWorker}) + "/index.js"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	var log testutil.SyncBuffer
	host := NewHost(slog.New(slog.NewTextHandler(&log, nil)))
	host.Dev = true
	host.Swap(w)
	srv := httptest.NewServer(host)
	t.Cleanup(srv.Close)

	// "x-big: " and "\r\n" are 9 bytes; "x-h00000: " + 88 + "\r\n" are 100. A streamed body
	// has no headers of its own (no Content-Type, Content-Length or compression), so the
	// streamed cases know the exact size; the others have molt's few added.
	cases := []struct {
		name, query string
		over        bool
		size        int // the headers' size when known
	}{
		{"one header at the limit", "stream&one=" + strconv.Itoa(MaxResponseHeaderBytes-9), false, 0},
		{"one header a byte over", "stream&one=" + strconv.Itoa(MaxResponseHeaderBytes-8), true, MaxResponseHeaderBytes + 1},
		{"many headers within", "many=1200", false, 0},
		{"many headers over", "many=1400", true, 0},
		{"many headers over, streamed", "stream&many=1400", true, 1400 * 100},
		{"one header over", "one=" + strconv.Itoa(130<<10), true, 0},
	}
	sizeRe := regexp.MustCompile(`response headers are (\d+) bytes, over Cloudflare's 128 KB limit`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := http.Get(srv.URL + "/?" + c.query)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !c.over {
				if res.StatusCode != 200 || len(body) == 0 {
					t.Fatalf("%d %q, want 200", res.StatusCode, body)
				}
				return
			}
			if res.StatusCode != 500 || !strings.Contains(string(body), "Response headers too large") {
				t.Fatalf("%d %q, want a 500 naming the problem", res.StatusCode, body)
			}
			if res.Header.Get("X-Big") != "" || res.Header.Get("X-H00000") != "" {
				t.Fatal("the worker's headers were sent with the error page")
			}
			m := sizeRe.FindAllStringSubmatch(log.String(), -1)
			if m == nil {
				t.Fatalf("the log does not name the problem:\n%s", log.String())
			}
			logged, _ := strconv.Atoi(m[len(m)-1][1])
			if logged <= MaxResponseHeaderBytes || c.size != 0 && logged != c.size {
				t.Fatalf("logged size %d, want %d (over %d)", logged, c.size, MaxResponseHeaderBytes)
			}
			if !strings.Contains(string(body), "headers are "+strconv.Itoa(logged)+" bytes") {
				t.Fatalf("the page does not give the size %d: %q", logged, body)
			}
		})
	}
	if status, body := get(t, srv.URL+"/"); status != 200 || body != "ok" {
		t.Fatalf("afterwards: %d %q", status, body)
	}
}
