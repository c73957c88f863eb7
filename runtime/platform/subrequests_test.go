package platform

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

// A deployed worker cannot reach the platform's admin API or anything else on loopback unless
// the platform allows private subrequests, and the plan's subrequest cap holds.
func TestPlatformSubrequests(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) }))
	t.Cleanup(internal.Close)
	project := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
		"index.js": `export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get("url");
    let n = 0;
    try { for (;;) { await (await fetch(target)).text(); n++; } }
    catch (e) { return new Response(n + " " + e.name + ": " + e.message); }
  },
};`,
	})
	for _, allow := range []bool{false, true} {
		cfg := writeConfig(t)
		cfg.AllowPrivateSubrequests = allow
		cfg.Plans["free"] = Plan{CPUMs: 1000, Subrequests: 5}
		u := startPlatform(t, cfg)
		if _, err := u.client(t, "acme").Deploy(context.Background(), "probe", bundleOf(t, project)); err != nil {
			t.Fatal(err)
		}
		for _, target := range []string{u.admin.URL + "/", internal.URL + "/"} {
			_, body := u.get(t, "probe.workers.test", "/?url="+target)
			refused := strings.HasPrefix(body, "0 TypeError: Fetch API cannot load") && strings.Contains(body, "not allowed on this platform")
			capped := body == "5 Error: Too many subrequests."
			if (!allow && !refused) || (allow && !capped) {
				t.Errorf("allow_private_subrequests = %v, fetch %s: %q", allow, target, body)
			}
		}
	}
}
