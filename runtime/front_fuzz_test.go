package runtime

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

// FuzzHostServe sends whatever net/http accepts as a request through the host's front and a
// worker that reads every part of it: the host answers every one, and never with the 500 a
// recovered panic gives.
func FuzzHostServe(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /x?y=%zz HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Type: application/json\r\n\r\n{}}",
		"PUT /%2e%2e/ HTTP/1.1\r\nHost: [::1]:80\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET http://other/p HTTP/1.1\r\nHost: x\r\nCookie: a=b; c\r\nCF-Connecting-IP: zz\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /__scheduled?cron=*&time=x HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST / HTTP/1.0\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 30\r\n\r\n--b\r\nContent-Disposition: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	dir := testutil.WriteFiles(f, map[string]string{"index.js": `export default {
  async fetch(request) {
    const u = new URL(request.url);
    const h = [...request.headers].map(([k, v]) => k + ":" + v).join("\n");
    let body = "";
    try { body = await request.text(); } catch (e) { body = String(e); }
    return new Response([request.method, u.pathname, u.search, h, body.length, JSON.stringify(request.cf)].join("|"));
  },
};`})
	w, err := Load(Project{Path: filepath.Join(dir, "index.js")}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(w.Close)
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.TestScheduled = true
	host.Swap(w)
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		r.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		host.ServeHTTP(rec, r)
		if rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), "Internal error") {
			t.Fatalf("request %q: the host panicked: %s", raw, rec.Body)
		}
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("request %q: status %d", raw, rec.Code)
		}
	})
}
