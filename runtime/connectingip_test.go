package runtime

import (
	"io"
	"net/http"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

// The worker sees the client's address in CF-Connecting-IP, as on Cloudflare and wrangler dev.
func TestConnectingIP(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"index.js": `export default { fetch(req) { return new Response(req.headers.get("CF-Connecting-IP")); } };`,
	})
	srv := serveProject(t, dir+"/index.js", Options{})
	for _, tc := range []struct{ sent, want string }{{"", "127.0.0.1"}, {"203.0.113.9", "203.0.113.9"}} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if tc.sent != "" {
			req.Header.Set("CF-Connecting-IP", tc.sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != tc.want {
			t.Errorf("sent %q: worker saw %q, want %q", tc.sent, b, tc.want)
		}
	}
}
