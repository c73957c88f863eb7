package js

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkMemoryCap measures one hello request, its fresh isolate included, without a memory
// cap and with Cloudflare's 128 MB: the difference is what the accounting costs a request.
func BenchmarkMemoryCap(b *testing.B) {
	for _, c := range []struct {
		name  string
		limit int64
	}{{"off", 0}, {"128MB", 128 << 20}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := *benchConfig("hello")(b)
			cfg.MemoryLimit = c.limit
			r := httptest.NewRequest("GET", "/", nil)
			in := Incoming{URL: "http://localhost/"}
			b.ReportAllocs()
			for b.Loop() {
				iso, err := NewIsolate(&cfg)
				if err != nil {
					b.Fatal(err)
				}
				serveOnce(b, iso, r, in)
			}
		})
	}
}
