package runtime

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// BenchmarkServiceBinding measures one call over a service binding to examples/platform/auth,
// in process, as a worker's env.AUTH makes it: a JS RPC call (add(2, 3): a fresh isolate,
// a fresh WorkerEntrypoint instance, arguments and result serialised) beside a fetch through
// the target's Host (request, response and its streamed body).
func BenchmarkServiceBinding(b *testing.B) {
	w, err := Load(Project{Path: "../examples/platform/auth"}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	defer w.Close()
	target := HostTarget{Host: host}
	args := []byte(`["a",2,"0",2,"1",3]`) // lib/serialize.js text of [2, 3]
	b.Run("rpc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := target.Call(b.Context(), "", "add", args)
			if err != nil || res.Threw || string(res.Value) != "5" {
				b.Fatalf("add = %s %v %v", res.Value, res.Threw, err)
			}
		}
	})
	b.Run("fetch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", "https://auth/p", nil)
			res, err := target.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != "auth fetch /p" {
				b.Fatalf("fetch = %d %q", res.StatusCode, body)
			}
		}
	})
}
