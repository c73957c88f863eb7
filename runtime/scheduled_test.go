package runtime

import (
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/isolates/js"
)

// molt dev --test-scheduled runs the scheduled handler from wrangler's test routes, with the
// query's cron and time; without the flag those paths reach the worker's fetch handler.
func TestTestScheduledRoutes(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"index.js": `export default {
  fetch() { return new Response("fetch handler"); },
  async scheduled(controller, env, ctx) {
    if (controller.cron === "fail") throw new Error("scheduled failed on purpose");
    console.log("scheduled", controller.cron, new Date(controller.scheduledTime).toISOString());
  },
};`})
	logs := &testutil.SyncBuffer{}
	console := js.ConsoleFunc(func(_ js.Level, text string) { io.WriteString(logs, text+"\n") })
	srv := serveProject(t, dir+"/index.js", Options{Console: console})
	host := srv.Config.Handler.(*Host)

	if _, body := get(t, srv.URL+"/__scheduled"); body != "fetch handler" {
		t.Errorf("without the flag: %q, want the fetch handler's answer", body)
	}
	host.TestScheduled = true
	cases := []struct {
		path   string
		status int
		body   string
		log    string
	}{
		{"/__scheduled?cron=*/5+*+*+*+*&time=1000", 200, "^Ran scheduled event$", `(?m)^scheduled \*/5 \* \* \* \* 1970-01-01T00:00:01\.000Z$`},
		{"/cdn-cgi/handler/scheduled?cron=0+17+*+*+sun", 200, "^Ran scheduled event$", `(?m)^scheduled 0 17 \* \* sun 20`},
		{"/__scheduled?cron=fail", 500, "scheduled failed on purpose", ""},
		{"/__scheduled?time=soon", 400, "not milliseconds", ""},
	}
	for _, c := range cases {
		res, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !regexp.MustCompile(c.body).Match(b) {
			t.Errorf("%s: %d %q, want %d matching %q", c.path, res.StatusCode, b, c.status, c.body)
		}
		if c.log == "" {
			continue
		}
		deadline := time.Now().Add(5 * time.Second)
		for !regexp.MustCompile(c.log).MatchString(logs.String()) {
			if time.Now().After(deadline) {
				t.Errorf("%s: no console line matches %q in:\n%s", c.path, c.log, logs)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// A default export that is a WorkerEntrypoint class gets scheduled(controller) on a fresh
// instance, with this.env; a worker without a scheduled handler fails with workerd's message.
func TestScheduledEntrypointClass(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"cls\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n[vars]\nWHO = \"class\"\n",
		"index.js": `import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  fetch() { return new Response("fetch"); }
  scheduled(controller) { console.log("scheduled by", this.env.WHO, controller.cron, typeof this.ctx.waitUntil); }
};`,
	})
	logs := &testutil.SyncBuffer{}
	console := js.ConsoleFunc(func(_ js.Level, text string) { io.WriteString(logs, text+"\n") })
	w, err := Load(Project{Path: dir}, Options{Console: console})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Scheduled(t.Context(), "* * * * *", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := logs.String(); got != "scheduled by class * * * * * function\n" {
		t.Errorf("console = %q", got)
	}

	plain := testutil.WriteFiles(t, map[string]string{"index.js": `export default { fetch() { return new Response("x"); } };`})
	w2, err := Load(Project{Path: plain + "/index.js"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if err := w2.Scheduled(t.Context(), "* * * * *", time.Now()); err == nil || err.Error() != "Handler does not export a scheduled() function." {
		t.Errorf("without a handler: %v", err)
	}
}
