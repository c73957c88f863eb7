package js

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/kv"
)

// BenchmarkKVRequest is one request of bench/kv.sh's worker (10 gets and 1 put) on a fresh
// isolate, the isolate's creation included, so that its figures explain the load test's.
func BenchmarkKVRequest(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "..", "bench", "kv", "index.js"))
	if err != nil {
		b.Fatal(err)
	}
	code := []byte("var __molt_exports = {};\n" + string(src))
	code = []byte(replaceExportDefault(string(code)))
	s, err := Compile("kv.js", code, nil)
	if err != nil {
		b.Fatal(err)
	}
	store, err := kv.OpenBolt(filepath.Join(b.TempDir(), "kv.db"), kv.BoltOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	cfg := &Config{Script: s, Env: map[string]any{"KV": kv.NewNamespace(store, "bench")}, CompatibilityDate: "2026-11-01"}
	precompile()
	for _, l := range libraries {
		l.program()
	}
	iso, err := NewIsolate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	serveOnce(b, iso, httptest.NewRequest("GET", "/seed", nil), Incoming{URL: "http://localhost/seed"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			iso, err := NewIsolate(cfg)
			if err != nil {
				b.Fatal(err)
			}
			serveOnce(b, iso, httptest.NewRequest("GET", "/", nil), Incoming{URL: "http://localhost/"})
		}
	})
}

// replaceExportDefault turns the module's "export default {" into an assignment to the exports
// global, which is what the bundler produces for this simple a module.
func replaceExportDefault(src string) string {
	const from, to = "export default {", "__molt_exports.default = {"
	for i := 0; i+len(from) <= len(src); i++ {
		if src[i:i+len(from)] == from {
			return src[:i] + to + src[i+len(from):]
		}
	}
	return src
}
