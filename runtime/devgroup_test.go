package runtime

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// copyProject copies a project's files into a temporary directory, so that a test may edit it.
func copyProject(t *testing.T, dir string) string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return testutil.WriteFiles(t, files)
}

// molt dev ./gateway ./auth ./counter ./front: the first is served; service bindings (fetch,
// JS RPC, named entrypoints) and Durable Object script_name bindings reach the others, and
// each project is rebuilt on its own changes.
func TestDevGroup(t *testing.T) {
	gateway := copyProject(t, "../examples/platform/gateway")
	auth := copyProject(t, "../examples/platform/auth")
	counter := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"counter\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
			"[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n",
		"index.js": `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment() { const n = ((await this.ctx.storage.get("n")) ?? 0) + 1; await this.ctx.storage.put("n", n); return n; }
}
export default { fetch() { return new Response("counter"); } };`,
	})
	front := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"front\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
			"[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\nscript_name = \"counter\"\n" +
			"[[services]]\nbinding = \"NOBODY\"\nservice = \"nobody\"\n",
		"index.js": `export default { async fetch(request, env) {
  const n = await env.COUNTER.getByName("a").increment();
  const res = await env.NOBODY.fetch("https://nobody/");
  let rpc;
  try { await env.NOBODY.hello(); } catch (e) { rpc = e.message; }
  return new Response(n + " " + res.status + " " + (await res.text()) + " | " + rpc);
} };`,
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	persist := t.TempDir()
	projects := []Project{{Path: gateway}, {Path: auth}, {Path: front}, {Path: counter}}
	g, err := NewDevGroup(projects, Options{PersistTo: persist}, log, NewHost)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Warnings) != 1 || !strings.Contains(g.Warnings[0], `"nobody"`) {
		t.Errorf("warnings = %q, want one about the service \"nobody\"", g.Warnings)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, d := range g.Devs {
		d.Poll = 20 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.Watch(ctx)

	srv := httptest.NewServer(g.Devs[0].Host)
	defer srv.Close()
	want, err := os.ReadFile("../examples/platform/gateway/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, srv.URL); body != string(want) {
		t.Errorf("gateway:\n%s\nwant\n%s", body, want)
	}

	frontSrv := httptest.NewServer(g.Devs[2].Host)
	defer frontSrv.Close()
	for i, want := range []string{"1", "2"} {
		missing := `service binding: no worker named "nobody" runs in this molt dev`
		want += " 503 " + missing + " | " + missing
		if _, body := get(t, frontSrv.URL); body != want {
			t.Errorf("front, request %d: %q, want %q", i, body, want)
		}
	}

	// An edit to a bound project is picked up by its own watcher.
	time.Sleep(30 * time.Millisecond)
	src, _ := os.ReadFile(filepath.Join(auth, "index.js"))
	edited := strings.Replace(string(src), "return a + b;", "return a * b;", 1)
	if err := os.WriteFile(filepath.Join(auth, "index.js"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, srv.URL, strings.Replace(string(want), "5\n", "6\n", 1))
}
