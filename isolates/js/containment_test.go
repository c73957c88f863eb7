package js

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/service"
)

// brokenTarget is a service binding's target with a bug: its Go code panics, on the goroutine
// molt runs the subrequest on.
type brokenTarget struct{}

func (brokenTarget) RoundTrip(*http.Request) (*http.Response, error) { panic("broken target") }
func (brokenTarget) Call(context.Context, string, string, []byte) (service.Result, error) {
	panic("broken target")
}

// A panic on a goroutine molt started for a request fails that request with an internal error;
// without containment it would end the process, and the test binary with it.
func TestPanicOffTheLoopFailsTheRequest(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { async fetch(r, env) {
		return await env.SVC.fetch("http://svc/");
	} } };`, func(c *Config) { c.Env = map[string]any{"SVC": &service.Binding{Target: brokenTarget{}}} })
	_, _, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	if err == nil || !strings.Contains(err.Error(), "molt internal error: broken target") {
		t.Fatalf("error = %v, want the internal error", err)
	}
}
