package runtime

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/heapwatch"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/isolates/js"
)

// panicWorker logs "panic" where molt's Go code is made to fail: in the response (/panic),
// in waitUntil work after it (/wait), or in the scheduled handler.
const panicWorker = `export default {
  fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/panic") console.log("panic");
    if (path === "/wait") ctx.waitUntil(new Promise((r) => setTimeout(r, 20)).then(() => console.log("panic")));
    return new Response("ok");
  },
  scheduled() { console.log("panic"); },
};`

// panickingConsole is a console sink with a bug: it panics on the message "panic", after
// telling panicked.
func panickingConsole() (js.Console, <-chan struct{}) {
	panicked := make(chan struct{})
	var once sync.Once
	return js.ConsoleFunc(func(_ js.Level, text string) {
		if text == "panic" {
			once.Do(func() { close(panicked) })
			panic("console sink failed")
		}
	}), panicked
}

// A request that panics closes its isolate: its memory account, watchdog and subrequests do
// not outlive it.
func TestPanicClosesItsIsolate(t *testing.T) {
	before := heapwatch.Default.Stats().Tenants
	console, _ := panickingConsole()
	srv, stop := startProject(t, testutil.WriteFiles(t, map[string]string{"index.js": panicWorker})+"/index.js", Options{Console: console})
	for i := 0; i < 5; i++ {
		if status, _ := get(t, srv.URL+"/panic"); status != http.StatusInternalServerError {
			t.Fatalf("/panic: status %d, want 500", status)
		}
	}
	stop()
	// Isolates of other tests may still be closing: wait for the count to come back.
	for deadline := time.Now().Add(5 * time.Second); heapwatch.Default.Stats().Tenants > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d memory accounts open after the worker closed, %d before: the panicking requests' isolates were not closed",
				heapwatch.Default.Stats().Tenants, before)
		}
	}
}

// A panic in waitUntil work, after the response was sent, is logged; the process goes on
// serving.
func TestPanicInWaitUntilIsContained(t *testing.T) {
	console, panicked := panickingConsole()
	srv := serveProject(t, testutil.WriteFiles(t, map[string]string{"index.js": panicWorker})+"/index.js", Options{Console: console})
	if status, body := get(t, srv.URL+"/wait"); status != 200 || body != "ok" {
		t.Fatalf("/wait: %d %q, want 200 ok", status, body)
	}
	select {
	case <-panicked:
	case <-time.After(10 * time.Second):
		t.Fatal("the waitUntil work did not run")
	}
	for i := 0; i < 5; i++ {
		if status, body := get(t, srv.URL+"/"); status != 200 || body != "ok" {
			t.Fatalf("after the panic: %d %q, want 200 ok", status, body)
		}
	}
}

// A panic in a scheduled event (a cron trigger, which no request contains) fails that event
// with an internal error.
func TestPanicInScheduledFailsTheEvent(t *testing.T) {
	console, _ := panickingConsole()
	w, err := Load(Project{Path: testutil.WriteFiles(t, map[string]string{"index.js": panicWorker}) + "/index.js"}, Options{Console: console})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	err = w.Scheduled(context.Background(), "* * * * *", time.Now())
	if err == nil || !strings.Contains(err.Error(), "molt internal error: console sink failed") {
		t.Fatalf("Scheduled: %v, want the internal error", err)
	}
}
