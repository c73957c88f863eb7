package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/runtime"
)

// platformUnderTest is a platform on loopback: its public front and admin API, and a token
// for each of two tenants.
type platformUnderTest struct {
	cfg           *Config
	p             *Platform
	front, admin  *httptest.Server
	acme, globex  *Client
	publicAddress string
}

func startPlatform(t *testing.T, cfg *Config) *platformUnderTest {
	t.Helper()
	p, err := Open(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u := &platformUnderTest{cfg: cfg, p: p, front: httptest.NewServer(p), admin: httptest.NewServer(p.Admin())}
	t.Cleanup(func() { u.front.Close(); u.admin.Close(); p.Close() })
	return u
}

func writeConfig(t *testing.T) *Config {
	t.Helper()
	dir := testutil.WriteFiles(t, map[string]string{"platform.toml": `
data_dir = "data"
domain = "workers.test"
[listen]
public = "127.0.0.1:0"
admin = "127.0.0.1:0"
[plans.free]
cpu_ms = 50
[tenants.acme]
plan = "free"
domains = ["acme.test"]
[tenants.globex]
`})
	cfg, err := LoadConfig(filepath.Join(dir, "platform.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (u *platformUnderTest) client(t *testing.T, tenant string) *Client {
	t.Helper()
	tok, _, err := CreateToken(u.cfg, tenant)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{URL: u.admin.URL, Token: tok}
}

// get asks the public front for path on host.
func (u *platformUnderTest) get(t *testing.T, host, path string) (int, string) {
	t.Helper()
	return u.request(t, "GET", host, path)
}

// request sends a bodiless request with method for path on host to the public front.
func (u *platformUnderTest) request(t *testing.T, method, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u.front.URL+path, nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func bundleOf(t *testing.T, dir string) *runtime.Bundle {
	t.Helper()
	b, err := runtime.BuildBundle(runtime.Project{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func status(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

const kvWorker = `export default {
  async fetch(request, env) {
    if (request.method === "PUT") { await env.DATA.put("k", await request.text()); return new Response("stored"); }
    return new Response((await env.DATA.get("k")) ?? "none");
  },
};
`

func kvProject(t *testing.T, routes string) string {
	return testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"store\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" + routes +
			"[[kv_namespaces]]\nbinding = \"DATA\"\nid = \"11111111111111111111111111111111\"\n",
		"index.js": kvWorker,
	})
}

// The platform end to end: two tenants deploy examples by hostname, routes and custom
// domains, tenants' KV data and workers kept apart, auth errors, a deploy under load, a bad
// upload, rollback, delete and a restart.
func TestPlatform(t *testing.T) {
	cfg := writeConfig(t)
	u := startPlatform(t, cfg)
	ctx := context.Background()
	acme, globex := u.client(t, "acme"), u.client(t, "globex")

	if _, err := acme.Deploy(ctx, "hello", bundleOf(t, "../../examples/hello")); err != nil {
		t.Fatal(err)
	}
	v, err := globex.Deploy(ctx, "router", bundleOf(t, "../../examples/router"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.URLs) == 0 || !strings.HasPrefix(v.URLs[0], "http://router.workers.test") {
		t.Errorf("URLs = %v, want the default hostname first", v.URLs)
	}
	acmeKV := kvProject(t, "routes = [\"api.acme.test/v1/*\", { pattern = \"shop.acme.test\", custom_domain = true }]\n")
	if _, err := acme.Deploy(ctx, "store-a", bundleOf(t, acmeKV)); err != nil {
		t.Fatal(err)
	}
	if _, err := globex.Deploy(ctx, "store-g", bundleOf(t, kvProject(t, ""))); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", u.front.URL+"/", strings.NewReader("acme's secret"))
	req.Host = "store-a.workers.test"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("PUT = %v, %v", res, err)
	}

	for _, tt := range []struct{ host, path, want string }{
		{"hello.workers.test", "/", "200 Hello World!"},
		{"HELLO.workers.test.", "/x", "200 Hello World!"},
		{"router.workers.test", "/", "200 molt router example\n"},
		{"store-a.workers.test", "/", "200 acme's secret"},
		// Same namespace id, other tenant: other data.
		{"store-g.workers.test", "/", "200 none"},
		{"api.acme.test", "/v1/anything", "200 acme's secret"},
		{"shop.acme.test", "/any/path", "200 acme's secret"},
		{"api.acme.test", "/v2/", "404"},
		{"nobody.workers.test", "/", "404"},
		{"workers.test", "/", "404"},
	} {
		code, body := u.get(t, tt.host, tt.path)
		got := fmt.Sprint(code, " ", body)
		if tt.want == "404" {
			got = fmt.Sprint(code)
			if !strings.Contains(body, "No worker here") {
				t.Errorf("%s%s: 404 page = %q", tt.host, tt.path, body)
			}
		}
		if got != tt.want {
			t.Errorf("%s%s = %q, want %q", tt.host, tt.path, got, tt.want)
		}
	}

	t.Run("auth", func(t *testing.T) {
		anon := &Client{URL: u.admin.URL, Token: ""}
		wrong := &Client{URL: u.admin.URL, Token: "molt_0000"}
		for _, tt := range []struct {
			name string
			err  error
			want int
		}{
			{"no token", anon.call(ctx, "GET", "/v1/workers", nil, nil), 401},
			{"wrong token", func() error { _, err := wrong.Versions(ctx, "hello"); return err }(), 401},
			{"other tenant's versions", func() error { _, err := globex.Versions(ctx, "hello"); return err }(), 403},
			{"other tenant's rollback", func() error { _, err := globex.Rollback(ctx, "hello", ""); return err }(), 403},
			{"other tenant's delete", globex.Delete(ctx, "hello"), 403},
			{"take another tenant's name", func() error { _, err := globex.Deploy(ctx, "hello", bundleOf(t, "../../examples/hello")); return err }(), 403},
			{"claim another tenant's host", func() error {
				_, err := globex.Deploy(ctx, "thief", bundleOf(t, kvProject(t, "route = \"api.acme.test/v1/admin/*\"\n")))
				return err
			}(), 403},
			{"route already taken", func() error {
				_, err := acme.Deploy(ctx, "store-a2", bundleOf(t, kvProject(t, "route = \"api.acme.test/v1/*\"\n")))
				return err
			}(), 409},
			{"missing worker", func() error { _, err := acme.Versions(ctx, "ghost"); return err }(), 404},
		} {
			if got := status(tt.err); got != tt.want {
				t.Errorf("%s: %v, want HTTP %d", tt.name, tt.err, tt.want)
			}
		}
		if code, _ := u.get(t, "hello.workers.test", "/"); code != 200 {
			t.Errorf("hello after the refused calls: %d", code)
		}
	})

	t.Run("deploy under load, bad upload, rollback", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"live\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
			"index.js":      `export default { fetch() { return new Response("v1"); } };`,
		})
		v1, err := acme.Deploy(ctx, "live", bundleOf(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "index.js"), []byte(`export default { fetch() { return new Response("v2"); } };`), 0o644)
		b2 := bundleOf(t, dir)

		var (
			stop     atomic.Bool
			wg       sync.WaitGroup
			mu       sync.Mutex
			failures []string
			served   atomic.Int64
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					req, _ := http.NewRequest("GET", u.front.URL+"/", nil)
					req.Host = "live.workers.test"
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
						continue
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != 200 || (string(b) != "v1" && string(b) != "v2") {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("%d %q", res.StatusCode, b))
						mu.Unlock()
					}
					served.Add(1)
				}
			}()
		}
		for served.Load() < 20 {
			runtimeGosched()
		}
		v2, err := acme.Deploy(ctx, "live", b2)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := u.get(t, "live.workers.test", "/"); code != 200 || body != "v2" {
			t.Errorf("after the deploy: %d %q, want v2", code, body)
		}
		at := served.Load()
		for served.Load() < at+20 {
			runtimeGosched()
		}
		stop.Store(true)
		wg.Wait()
		if len(failures) > 0 {
			t.Errorf("%d of %d requests failed during the deploy, first: %s", len(failures), served.Load(), failures[0])
		}

		bad := *b2
		bad.Code = []byte("export default {")
		if _, err := acme.Deploy(ctx, "live", &bad); status(err) != 400 {
			t.Errorf("deploy of a syntax error: %v, want HTTP 400", err)
		}
		if code, body := u.get(t, "live.workers.test", "/"); body != "v2" {
			t.Errorf("after a bad upload: %d %q, want v2 still", code, body)
		}
		vs, err := acme.Versions(ctx, "live")
		if err != nil || len(vs) != 2 || vs[0].ID != v1.ID || vs[1].ID != v2.ID || !vs[1].Active {
			t.Fatalf("versions = %+v, %v; want v1, v2 (active)", vs, err)
		}
		if v, err := acme.Rollback(ctx, "live", ""); err != nil || v.ID != v1.ID {
			t.Fatalf("rollback = %+v, %v; want %s", v, err, v1.ID)
		}
		if _, body := u.get(t, "live.workers.test", "/"); body != "v1" {
			t.Errorf("after rollback: %q, want v1", body)
		}
		if _, err := acme.Rollback(ctx, "live", ""); status(err) != 409 {
			t.Errorf("rollback before the first version: %v, want HTTP 409", err)
		}
		if _, err := acme.Rollback(ctx, "live", v2.ID); err != nil {
			t.Fatal(err)
		}
		if _, body := u.get(t, "live.workers.test", "/"); body != "v2" {
			t.Errorf("after rollback to v2: %q", body)
		}
	})

	t.Run("a request in flight finishes on its version; config errors change nothing", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"slow\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
			"index.js": `export default { async fetch(request) {
  await scheduler.wait(400);
  return new Response("v1 " + request.headers.get("CF-Connecting-IP"));
} };`,
		})
		if _, err := acme.Deploy(ctx, "slow", bundleOf(t, dir)); err != nil {
			t.Fatal(err)
		}
		type answer struct {
			code int
			body string
		}
		got := make(chan answer)
		go func() {
			req, _ := http.NewRequest("GET", u.front.URL+"/", nil)
			req.Host = "slow.workers.test"
			req.Header.Set("CF-Connecting-IP", "203.0.113.9") // spoofed: the front replaces it
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				got <- answer{0, err.Error()}
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			got <- answer{res.StatusCode, string(b)}
		}()
		time.Sleep(100 * time.Millisecond) // the request is inside the worker's wait
		os.WriteFile(filepath.Join(dir, "index.js"), []byte(`export default { fetch() { return new Response("v2"); } };`), 0o644)
		if _, err := acme.Deploy(ctx, "slow", bundleOf(t, dir)); err != nil {
			t.Fatal(err)
		}
		if _, body := u.get(t, "slow.workers.test", "/"); body != "v2" {
			t.Errorf("a new request after the deploy: %q, want v2", body)
		}
		if a := <-got; a.code != 200 || a.body != "v1 127.0.0.1" {
			t.Errorf("the request in flight during the deploy: %d %q, want 200 \"v1 127.0.0.1\"", a.code, a.body)
		}

		bad := bundleOf(t, dir)
		bad.Config["kv_namespaces"] = []any{map[string]any{"binding": "not an identifier"}}
		if _, err := acme.Deploy(ctx, "slow", bad); status(err) != 400 {
			t.Errorf("deploy with a bad binding: %v, want HTTP 400", err)
		}
		if vs, _ := acme.Versions(ctx, "slow"); len(vs) != 2 {
			t.Errorf("%d versions after a refused deploy, want 2", len(vs))
		}
		if _, body := u.get(t, "slow.workers.test", "/"); body != "v2" {
			t.Errorf("after the refused deploy: %q", body)
		}
		if err := acme.Delete(ctx, "slow"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("durable objects keep their state across versions, in the tenant's directory", func(t *testing.T) {
		b := bundleOf(t, "../../examples/do-counter")
		if _, err := acme.Deploy(ctx, "counter", b); err != nil {
			t.Fatal(err)
		}
		post := func() string {
			req, _ := http.NewRequest("POST", u.front.URL+"/increment/a", nil)
			req.Host = "counter.workers.test"
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return string(body)
		}
		post()
		if got := post(); got != `{"name":"a","value":2}` {
			t.Fatalf("second increment = %s", got)
		}
		if _, err := acme.Deploy(ctx, "counter", b); err != nil {
			t.Fatal(err)
		}
		if _, body := u.get(t, "counter.workers.test", "/get/a"); body != `{"name":"a","value":2}` {
			t.Errorf("after a new version: %s", body)
		}
		matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, "tenants", "acme", "state", "do", "counter-Counter", "*"))
		if len(matches) == 0 {
			t.Errorf("no Durable Object data under acme's state directory")
		}
		if err := acme.Delete(ctx, "counter"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CompiledWasm modules travel with the bundle and survive on disk", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"wasmy\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
			// The smallest module there is: the magic number and version 1.
			"lib/empty.wasm": "\x00asm\x01\x00\x00\x00",
			"index.js": `import mod from "./lib/empty.wasm";
export default { fetch() { return new Response(String(mod instanceof WebAssembly.Module) + " " + WebAssembly.Module.exports(mod).length); } };`,
		})
		b := bundleOf(t, dir)
		if len(b.Wasm) != 1 {
			t.Fatalf("bundle has %d Wasm modules, want 1", len(b.Wasm))
		}
		if _, err := acme.Deploy(ctx, "wasmy", b); err != nil {
			t.Fatal(err)
		}
		if code, body := u.get(t, "wasmy.workers.test", "/"); code != 200 || body != "true 0" {
			t.Errorf("wasmy = %d %q", code, body)
		}
		v, bundle, _, err := readVersion(u.p.versionDir("acme", "wasmy", u.p.workers["wasmy"].active.version.ID))
		if err != nil || len(bundle.Wasm) != 1 {
			t.Errorf("stored version %s: %d Wasm modules, %v", v.ID, len(bundle.Wasm), err)
		}
		if err := acme.Delete(ctx, "wasmy"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("service bindings reach the tenant's own workers only", func(t *testing.T) {
		backend := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"backend\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
			"index.js": `export default { async fetch(request) {
  return new Response("backend saw " + request.method + " " + request.url + " " + (await request.text()), { status: 201, headers: { "x-from": "backend" } });
} };`,
		})
		gateway := func(target string) string {
			return testutil.WriteFiles(t, map[string]string{
				"wrangler.toml": "name = \"gateway\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
					"[[services]]\nbinding = \"API\"\nservice = \"" + target + "\"\n",
				"index.js": `export default { async fetch(request, env) {
  const res = await env.API.fetch("https://internal.example/x?y=1", { method: "POST", body: "hi" });
  return new Response(res.status + " " + res.headers.get("x-from") + ": " + (await res.text()) + " | " + String(env.API));
} };`,
			})
		}
		if _, err := acme.Deploy(ctx, "gateway", bundleOf(t, gateway("backend"))); status(err) != 400 {
			t.Errorf("binding a worker not deployed: %v, want HTTP 400", err)
		}
		if _, err := acme.Deploy(ctx, "backend", bundleOf(t, backend)); err != nil {
			t.Fatal(err)
		}
		if _, err := globex.Deploy(ctx, "gateway", bundleOf(t, gateway("backend"))); status(err) != 400 {
			t.Errorf("binding another tenant's worker: %v, want HTTP 400", err)
		}
		if _, err := acme.Deploy(ctx, "gateway", bundleOf(t, gateway("backend"))); err != nil {
			t.Fatal(err)
		}
		want := "201 backend: backend saw POST https://internal.example/x?y=1 hi | [object Fetcher]"
		if code, body := u.get(t, "gateway.workers.test", "/"); code != 200 || body != want {
			t.Errorf("gateway = %d %q, want %q", code, body, want)
		}
		if err := acme.Delete(ctx, "backend"); err != nil {
			t.Fatal(err)
		}
		if code, body := u.get(t, "gateway.workers.test", "/"); code != 500 {
			t.Errorf("gateway with its backend deleted = %d %q, want 500 (fetch rejects)", code, body)
		}
		if err := acme.Delete(ctx, "gateway"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("JS RPC to WorkerEntrypoint classes", func(t *testing.T) {
		if _, err := acme.Deploy(ctx, "auth", bundleOf(t, "../../examples/platform/auth")); err != nil {
			t.Fatal(err)
		}
		if _, err := acme.Deploy(ctx, "gateway", bundleOf(t, "../../examples/platform/gateway")); err != nil {
			t.Fatal(err)
		}
		// RPC calls show in the target's tail, one invocation each.
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		calls := make(chan TailEvent, 64)
		go acme.Tail(tctx, "auth", TailFilter{}, func(ev TailEvent) error { calls <- ev; return nil })
		deadline := time.After(10 * time.Second)
	wait:
		for {
			u.get(t, "gateway.workers.test", "/")
			for {
				select {
				case ev := <-calls:
					if rpc, ok := ev.Event.(*RPCEvent); ok && rpc.RPCMethod == "check" {
						if ev.Entrypoint != "default" || ev.Outcome != "exception" || len(ev.Exceptions) != 1 || ev.Exceptions[0].Name != "RangeError" {
							t.Errorf("tail of the call to check: %+v", ev)
						}
						break wait
					}
					continue
				case <-time.After(50 * time.Millisecond):
				case <-deadline:
					t.Fatal("no RPC call in the tail")
				}
				break
			}
		}
		cancel()
		want, err := os.ReadFile("../../examples/platform/gateway/expected.txt")
		if err != nil {
			t.Fatal(err)
		}
		if code, body := u.get(t, "gateway.workers.test", "/"); code != 200 || body != string(want) {
			t.Errorf("gateway = %d\n%s\nwant\n%s", code, body, want)
		}
		for _, w := range []string{"gateway", "auth"} {
			if err := acme.Delete(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("cron triggers", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"cronjob\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
				"[triggers]\ncrons = [\"3-59/5 * * * *\", \"0 17 * * sun\"]\n" +
				"[[kv_namespaces]]\nbinding = \"DATA\"\nid = \"cron\"\n",
			"index.js": `export default {
  async scheduled(controller, env, ctx) {
    await env.DATA.put("last", controller.cron + " at " + new Date(controller.scheduledTime).toISOString() + " " + controller.type);
    ctx.waitUntil(env.DATA.put("after", "waitUntil ran"));
  },
  async fetch(request, env) { return new Response((await env.DATA.get("last")) + " / " + (await env.DATA.get("after"))); },
};`,
		})
		if _, err := acme.Deploy(ctx, "cronjob", bundleOf(t, dir)); err != nil {
			t.Fatal(err)
		}
		res, err := acme.Trigger(ctx, "cronjob", "")
		if err != nil || res.Outcome != "ok" || res.Cron != "3-59/5 * * * *" {
			t.Fatalf("trigger = %+v, %v", res, err)
		}
		if _, body := u.get(t, "cronjob.workers.test", "/"); !strings.HasPrefix(body, "3-59/5 * * * * at ") || !strings.HasSuffix(body, " scheduled / waitUntil ran") {
			t.Errorf("after a triggered run: %q", body)
		}
		// The minute ticker: Sunday 2026-12-06 17:00 UTC matches the second trigger only.
		at := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
		u.p.fireCrons(at)
		want := "0 17 * * sun at 2026-12-06T17:00:00.000Z scheduled / waitUntil ran"
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body := u.get(t, "cronjob.workers.test", "/")
			if body == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the 17:00 tick: %q, want %q", body, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if res, err := globex.Trigger(ctx, "cronjob", ""); status(err) != 403 {
			t.Errorf("another tenant's trigger: %+v, %v", res, err)
		}
		if res, err := acme.Trigger(ctx, "store-a", "* * * * *"); err != nil || res.Outcome != "exception" || res.Error != "Handler does not export a scheduled() function." {
			t.Errorf("a worker without scheduled(): %+v, %v", res, err)
		}
		bad := bundleOf(t, dir)
		bad.Config["triggers"] = map[string]any{"crons": []any{"61 * * * *"}}
		if _, err := acme.Deploy(ctx, "cronjob", bad); status(err) != 400 || !strings.Contains(err.Error(), "minute") {
			t.Errorf("a bad cron: %v, want HTTP 400 naming the minute", err)
		}
		if err := acme.Delete(ctx, "cronjob"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a Wasm worker (main = worker.wasm) deploys and serves", func(t *testing.T) {
		// examples/wasm-hello is built by make, not committed: build it here when missing.
		wasmPath := filepath.Join(t.TempDir(), "worker.wasm")
		cmd := exec.Command("go", "build", "-o", wasmPath, ".")
		cmd.Dir = "../../examples/wasm-hello"
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building examples/wasm-hello: %v\n%s", err, out)
		}
		bin, err := os.ReadFile(wasmPath)
		if err != nil {
			t.Fatal(err)
		}
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml":     "name = \"wasm-hello\"\nmain = \"build/worker.wasm\"\ncompatibility_date = \"2026-11-01\"\n",
			"build/worker.wasm": string(bin),
		})
		b := bundleOf(t, dir)
		if b.Name != "worker.wasm" || b.Config["main"] != "worker.wasm" {
			t.Fatalf("Wasm bundle %q with main %v", b.Name, b.Config["main"])
		}
		if _, err := globex.Deploy(ctx, "wasm-hello", b); err != nil {
			t.Fatal(err)
		}
		if code, body := u.get(t, "wasm-hello.workers.test", "/x"); code != 200 || body != "Hello World!" {
			t.Errorf("wasm-hello = %d %q", code, body)
		}
		if err := globex.Delete(ctx, "wasm-hello"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("the plan's CPU limit is not raised by the worker's", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"spin\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[limits]\ncpu_ms = 60000\n",
			"index.js":      "export default { fetch() { for (;;) {} } };\n",
		})
		if _, err := acme.Deploy(ctx, "spin", bundleOf(t, dir)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		code, body := u.get(t, "spin.workers.test", "/")
		if code != 503 || !strings.Contains(body, "error code: 1102") || time.Since(start) > 10*time.Second {
			t.Errorf("spinning on acme's free plan (cpu_ms 50): %d after %v\n%s", code, time.Since(start), body)
		}
		if err := acme.Delete(ctx, "spin"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Durable Objects of another worker of the tenant (script_name)", func(t *testing.T) {
		owner := bundleOf(t, "../../examples/do-counter")
		code, err := os.ReadFile("../../examples/do-counter/src/index.js")
		if err != nil {
			t.Fatal(err)
		}
		client := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"counter-client\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
				"[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\nscript_name = \"counter-owner\"\n",
			"index.js": string(code),
		})
		if _, err := acme.Deploy(ctx, "counter-client", bundleOf(t, client)); status(err) != 400 {
			t.Errorf("binding a worker not deployed: %v, want HTTP 400", err)
		}
		if _, err := acme.Deploy(ctx, "counter-owner", owner); err != nil {
			t.Fatal(err)
		}
		increment := func(host string) string {
			req, _ := http.NewRequest("POST", u.front.URL+"/increment/shared", nil)
			req.Host = host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return string(body)
		}
		increment("counter-owner.workers.test")
		if _, err := acme.Deploy(ctx, "counter-client", bundleOf(t, client)); err != nil {
			t.Fatal(err)
		}
		if got := increment("counter-client.workers.test"); got != `{"name":"shared","value":2}` {
			t.Errorf("through the client: %s, want the owner's object at 2", got)
		}
		if _, err := acme.Deploy(ctx, "counter-owner", owner); err != nil {
			t.Fatal(err)
		}
		if got := increment("counter-client.workers.test"); got != `{"name":"shared","value":3}` {
			t.Errorf("after the owner's new version: %s, want 3", got)
		}
		if _, err := globex.Deploy(ctx, "counter-thief", bundleOf(t, client)); status(err) != 400 {
			t.Errorf("another tenant binding acme's class: %v, want HTTP 400", err)
		}
		// An owner need not bind its class: its migrations are enough.
		bareOwner := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"bare-owner\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
				"[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n",
			"index.js": string(code),
		})
		bareClient := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"bare-client\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
				"[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\nscript_name = \"bare-owner\"\n",
			"index.js": string(code),
		})
		if _, err := acme.Deploy(ctx, "bare-owner", bundleOf(t, bareOwner)); err != nil {
			t.Fatal(err)
		}
		if _, err := acme.Deploy(ctx, "bare-client", bundleOf(t, bareClient)); err != nil {
			t.Fatal(err)
		}
		increment("bare-client.workers.test")
		if got := increment("bare-client.workers.test"); got != `{"name":"shared","value":2}` {
			t.Errorf("through a client of an owner without its own binding: %s", got)
		}
		for _, w := range []string{"bare-client", "bare-owner"} {
			if err := acme.Delete(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		// counter-owner and counter-client stay for the restart below, which must load the
		// owner before the client.
	})

	t.Run("tail", func(t *testing.T) {
		dir := testutil.WriteFiles(t, map[string]string{
			"wrangler.toml": "name = \"chatty\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n",
			"index.js": `export default { fetch(request) {
  console.log("handling", new URL(request.url).pathname, { n: 1 }, undefined);
  if (request.url.endsWith("/throw")) throw new Error("boom");
  return new Response("ok");
} };`,
		})
		v, err := acme.Deploy(ctx, "chatty", bundleOf(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := globex.Tail(ctx, "chatty", TailFilter{}, func(TailEvent) error { return nil }); status(err) != 403 {
			t.Errorf("tail of another tenant's worker: %v, want HTTP 403", err)
		}
		if err := acme.Tail(ctx, "chatty", TailFilter{Status: []string{"fine"}}, func(TailEvent) error { return nil }); status(err) != 400 {
			t.Errorf("tail with a bad status filter: %v, want HTTP 400", err)
		}
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		events := make(chan TailEvent, 16)
		done := make(chan error, 1)
		go func() {
			done <- acme.Tail(tctx, "chatty", TailFilter{Status: []string{"error"}}, func(ev TailEvent) error { events <- ev; return nil })
		}()
		// The stream is open once the server has subscribed; until then requests go untold.
		// Only the failing requests pass the filter.
		var ev TailEvent
		deadline := time.After(10 * time.Second)
	wait:
		for {
			u.get(t, "chatty.workers.test", "/fine")
			u.get(t, "chatty.workers.test", "/throw")
			select {
			case ev = <-events:
				break wait
			case <-time.After(50 * time.Millisecond):
			case <-deadline:
				t.Fatal("tail received nothing")
			}
		}
		req, _ := ev.Event.(*RequestEvent)
		if ev.Outcome != "exception" || ev.ScriptName != "chatty" || ev.ScriptVersion == nil || ev.ScriptVersion.ID != v.ID ||
			req == nil || req.Request.URL != "http://chatty.workers.test/throw" || req.Request.Method != "GET" || req.Response == nil || req.Response.Status != 500 {
			t.Errorf("tail event = %+v, event %+v", ev, req)
		}
		// Each console argument is its own JSON value, as in Cloudflare's tail events.
		if msg, _ := json.Marshal(ev.Logs); len(ev.Logs) != 1 || ev.Logs[0].Level != "log" ||
			!strings.HasPrefix(string(msg), `[{"message":["handling","/throw",{"n":1},"undefined"],"level":"log"`) {
			t.Errorf("logs = %+v", ev.Logs)
		}
		if len(ev.Exceptions) != 1 || ev.Exceptions[0].Name != "Error" || ev.Exceptions[0].Message != "boom" {
			t.Errorf("exceptions = %+v", ev.Exceptions)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("tail ended with %v", err)
		}
		if err := acme.Delete(ctx, "chatty"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		srv := httptest.NewServer(u.p.Metrics())
		defer srv.Close()
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		text := string(b)
		for _, want := range []string{
			`molt_requests_total{tenant="acme",worker="hello",status="200"} 3`,
			`molt_requests_total{tenant="",worker="",status="404"} 3`,
			`molt_deploys_total{tenant="acme",worker="live",result="refused"} 1`,
			`molt_deploys_total{tenant="globex",worker="hello",result="refused"} 1`,
			`molt_request_duration_seconds_count{tenant="acme",worker="live"} `,
			`molt_rpc_calls_total{tenant="acme",worker="auth",outcome="exception"} `,
			`molt_rpc_calls_total{tenant="acme",worker="auth",outcome="ok"} `,
			"molt_workers 7\n", // hello, router, store-a, store-g, live, counter-owner, counter-client
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q:\n%s", want, text)
			}
		}
	})

	t.Run("tenants with the same Durable Object ids and Vectorize index names stay apart", func(t *testing.T) {
		send := func(method, host, path string) string {
			code, body := u.request(t, method, host, path)
			return fmt.Sprint(code, " ", body)
		}
		// One worker name, freed by acme and taken by globex: the same namespace and the same
		// idFromName ids, in two tenants.
		counter := bundleOf(t, "../../examples/do-counter")
		if _, err := acme.Deploy(ctx, "tally", counter); err != nil {
			t.Fatal(err)
		}
		send("POST", "tally.workers.test", "/increment/a")
		if got := send("POST", "tally.workers.test", "/increment/a"); got != `200 {"name":"a","value":2}` {
			t.Fatalf("acme's second increment = %s", got)
		}
		if err := acme.Delete(ctx, "tally"); err != nil {
			t.Fatal(err)
		}
		if _, err := globex.Deploy(ctx, "tally", counter); err != nil {
			t.Fatal(err)
		}
		if got := send("POST", "tally.workers.test", "/increment/a"); got != `200 {"name":"a","value":1}` {
			t.Errorf("globex's first increment of the same id = %s, want 1", got)
		}
		if err := globex.Delete(ctx, "tally"); err != nil {
			t.Fatal(err)
		}

		vec := func(name string) *runtime.Bundle {
			return bundleOf(t, testutil.WriteFiles(t, map[string]string{
				"wrangler.toml": "name = \"" + name + "\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" +
					"[[vectorize]]\nbinding = \"VEC\"\nindex_name = \"docs\"\n",
				"index.js": `export default { async fetch(request, env) {
  const owner = new URL(request.url).searchParams.get("owner");
  if (request.method === "POST") {
    await env.VEC.upsert([{ id: "doc-1", values: [1, 0, 0], metadata: { owner } }]);
    return new Response("stored");
  }
  const found = await env.VEC.getByIds(["doc-1"]);
  return new Response(JSON.stringify(found.map((v) => v.metadata.owner)));
} };`,
			}))
		}
		if _, err := acme.Deploy(ctx, "vec-a", vec("vec-a")); err != nil {
			t.Fatal(err)
		}
		if _, err := globex.Deploy(ctx, "vec-g", vec("vec-g")); err != nil {
			t.Fatal(err)
		}
		if got := send("POST", "vec-a.workers.test", "/?owner=acme"); got != "200 stored" {
			t.Fatalf("acme's upsert = %s", got)
		}
		// The same vector id in the index of the same name: each tenant reads its own.
		if got := send("POST", "vec-g.workers.test", "/?owner=globex"); got != "200 stored" {
			t.Fatalf("globex's upsert = %s", got)
		}
		for host, want := range map[string]string{"vec-a.workers.test": `200 ["acme"]`, "vec-g.workers.test": `200 ["globex"]`} {
			if got := send("GET", host, "/"); got != want {
				t.Errorf("%s = %s, want %s", host, got, want)
			}
		}
		if err := acme.Delete(ctx, "vec-a"); err != nil {
			t.Fatal(err)
		}
		if err := globex.Delete(ctx, "vec-g"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("delete and restart", func(t *testing.T) {
		if err := acme.Delete(ctx, "hello"); err != nil {
			t.Fatal(err)
		}
		if code, _ := u.get(t, "hello.workers.test", "/"); code != 404 {
			t.Errorf("deleted worker answers %d", code)
		}
		u.front.Close()
		u.admin.Close()
		u.p.Close()
		again := startPlatform(t, cfg)
		for _, tt := range []struct{ host, want string }{
			{"router.workers.test", "molt router example\n"},
			{"live.workers.test", "v2"},
			{"shop.acme.test", "acme's secret"},
			{"store-g.workers.test", "none"},
		} {
			if code, body := again.get(t, tt.host, "/"); code != 200 || body != tt.want {
				t.Errorf("after restart %s = %d %q, want %q", tt.host, code, body, tt.want)
			}
		}
		req, _ := http.NewRequest("POST", again.front.URL+"/increment/shared", nil)
		req.Host = "counter-client.workers.test"
		if res, err := http.DefaultClient.Do(req); err != nil {
			t.Error(err)
		} else {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(body) != `{"name":"shared","value":4}` {
				t.Errorf("the client of another worker's objects after restart: %s, want 4", body)
			}
		}
		if code, _ := again.get(t, "hello.workers.test", "/"); code != 404 {
			t.Errorf("deleted worker came back: %d", code)
		}
		// Tokens survive too.
		acme.URL = again.admin.URL
		if _, err := acme.Versions(ctx, "live"); err != nil {
			t.Error(err)
		}
	})
}
