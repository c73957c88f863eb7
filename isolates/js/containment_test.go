package js

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/internal/heapwatch"
	"github.com/moltworker/molt/kernels"
)

// brokenTarget is a service binding's target with a bug: its Go code panics, on the goroutine
// molt runs the subrequest on.
type brokenTarget struct{}

func (brokenTarget) RoundTrip(*http.Request) (*http.Response, error) { panic("broken target") }
func (brokenTarget) Call(context.Context, string, string, []byte) (service.Result, error) {
	panic("broken target")
}

// brokenModel is a model with a bug: its Go code panics, on the goroutine molt runs
// env.AI.run on. Files whose architecture is brokenArch load as one.
type brokenModel struct{}

const brokenArch = "molt-test-broken"

func (brokenModel) Task() string { return "Text Generation" }
func (brokenModel) Run(context.Context, map[string]any) (any, error) {
	panic("broken model")
}

func init() {
	ai.Register(brokenArch, func(*gguf.File, *kernels.Pool) (ai.Model, error) { return brokenModel{}, nil })
}

// waitingModel's runs wait for their context to end and report that end on waitingEnded;
// files whose architecture is waitingArch load as one.
type waitingModel struct{}

const waitingArch = "molt-test-waiting"

var (
	waitingStarted = make(chan struct{}, 1)
	waitingEnded   = make(chan error, 1)
)

func (waitingModel) Task() string { return "Text Generation" }
func (waitingModel) Run(ctx context.Context, _ map[string]any) (any, error) {
	waitingStarted <- struct{}{}
	<-ctx.Done()
	waitingEnded <- ctx.Err()
	return nil, ctx.Err()
}

func init() {
	ai.Register(waitingArch, func(*gguf.File, *kernels.Pool) (ai.Model, error) { return waitingModel{}, nil })
}

// brokenRegistry is a models directory whose model @cf/test/broken is a brokenModel.
func brokenRegistry(t *testing.T) *ai.Registry {
	t.Helper()
	return archRegistry(t, brokenArch, "@cf/test/broken")
}

// archRegistry is a models directory whose model name is a file of architecture arch.
func archRegistry(t *testing.T, arch, name string) *ai.Registry {
	t.Helper()
	dir := t.TempDir()
	w := gguf.NewWriter()
	if err := w.Set("general.architecture", arch); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "model.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ai.IndexFile), []byte(`"`+name+`" = "model.gguf"`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ai.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A panic on a goroutine molt started for a request fails that request with an internal error;
// without containment it would end the process, and the test binary with it. The same
// isolate's neighbours go on: every case runs beside a plain request.
func TestPanicOffTheLoopFailsTheRequest(t *testing.T) {
	cases := []struct {
		name, call, want string
		env              func(t *testing.T) any
	}{
		{"service binding fetch", `env.X.fetch("http://svc/")`, "broken target",
			func(*testing.T) any { return &service.Binding{Target: brokenTarget{}} }},
		{"service binding RPC", `env.X.hello("world")`, "broken target",
			func(*testing.T) any { return &service.Binding{Target: brokenTarget{}} }},
		{"AI", `env.X.run("@cf/test/broken", { prompt: "hi" })`, "broken model",
			func(t *testing.T) any { return brokenRegistry(t) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `var __molt_exports = { default: { async fetch(r, env) {
				if (new URL(r.url).pathname === "/plain") return new Response("ok");
				return await ` + c.call + `;
			} } };`
			env := map[string]any{"X": c.env(t)}
			iso := newTestIsolate(t, src, func(cfg *Config) { cfg.Env = env })
			_, _, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if err == nil || !strings.Contains(err.Error(), "molt internal error: "+c.want) {
				t.Fatalf("error = %v, want the internal error", err)
			}
			other := newTestIsolate(t, src, func(cfg *Config) { cfg.Env = env })
			if _, body, err := serve(t, other, httptest.NewRequest("GET", "/plain", nil)); err != nil || body != "ok" {
				t.Fatalf("a request beside it: %q, %v", body, err)
			}
		})
	}
}

// A model run started by a request stops when the request's isolate closes (here: its client
// left before the answer), rather than running on for nobody.
func TestAIRunEndsWithItsIsolate(t *testing.T) {
	src := `var __molt_exports = { default: { async fetch(r, env) {
		return Response.json(await env.AI.run("@cf/test/waiting", { prompt: "hi" }));
	} } };`
	env := map[string]any{"AI": archRegistry(t, waitingArch, "@cf/test/waiting")}
	iso := newTestIsolate(t, src, func(cfg *Config) { cfg.Env = env })
	stop := make(chan struct{})
	go func() { <-waitingStarted; close(stop) }()
	in := Incoming{URL: "http://localhost/", Stop: stop}
	if _, err := iso.Serve(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), in); !errors.Is(err, ErrStopped) {
		t.Fatalf("Serve: %v, want ErrStopped", err)
	}
	iso.Close()
	select {
	case err := <-waitingEnded:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the run ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the model run outlived its isolate")
	}
}

// A panic in molt's Go code while a Durable Object runs (here in the host's console sink)
// resets that object, failing the call with an internal error; the object starts anew on the
// next call and the others carry on.
func TestPanicInDurableObjectResetsIt(t *testing.T) {
	src := `
const { DurableObject } = require("cloudflare:workers");
class Obj extends DurableObject {
  say(x) { console.log(x); return "said " + x; }
}` + objectFetch
	w := newObjectWorld(t, src, false, ObjectsOptions{}, func(cfg *Config) {
		cfg.Console = ConsoleFunc(func(_ Level, text string) {
			if text == "panic" {
				panic("console sink failed")
			}
		})
	})
	if ok, errText := w.call(t, "b", "say", "hello"); ok != "said hello" {
		t.Fatalf("b before: %v %q", ok, errText)
	}
	if _, errText := w.call(t, "a", "say", "panic"); !strings.Contains(errText, "molt internal error: console sink failed") {
		t.Fatalf("a.say(panic) failed with %q, want the internal error", errText)
	}
	for _, name := range []string{"a", "b"} {
		if ok, errText := w.call(t, name, "say", "again"); ok != "said again" {
			t.Fatalf("%s after: %v %q", name, ok, errText)
		}
	}
}

// A panic in molt's Go code inside JavaScript (here in the host's console sink) leaves the
// isolate's entry as a return would: the memory watcher must not count it as running
// JavaScript afterwards, or it would sample on its behalf for as long as the process lives.
func TestPanicInsideJavaScriptLeavesTheEntry(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch() { console.log("panic"); } } };`, func(cfg *Config) {
		cfg.MemoryLimit = 64 << 20
		cfg.Console = ConsoleFunc(func(Level, string) { panic("console sink failed") })
	})
	func() {
		defer func() {
			if p := recover(); p != "console sink failed" {
				t.Fatalf("recovered %v, want the sink's panic", p)
			}
		}()
		serve(t, iso, httptest.NewRequest("GET", "/", nil))
	}()
	// Other tests' isolates may still be finishing: wait for them.
	for deadline := time.Now().Add(5 * time.Second); heapwatch.Default.Stats().Running != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the watcher counts %d isolates running JavaScript after the panic, want 0", heapwatch.Default.Stats().Running)
		}
	}
}
