package js

import (
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/moltworker/molt/runtime/bundle"
)

// streamsBenchConfig bundles bench/streams/worker.js, the worker bench/streams.mjs times on
// workerd, so that both runtimes run the same code.
var streamsBenchConfig = sync.OnceValues(func() (*Config, error) {
	entry, err := filepath.Abs(filepath.Join("..", "..", "bench", "streams", "worker.js"))
	if err != nil {
		return nil, err
	}
	res, err := bundle.Build(bundle.Options{Entry: entry, Dir: filepath.Dir(entry)})
	if err != nil {
		return nil, err
	}
	s, err := Compile(res.Name, res.Code, res.SourceMap)
	if err != nil {
		return nil, err
	}
	precompile()
	for _, l := range libraries {
		l.program()
	}
	return &Config{Script: s, CompatibilityDate: "2026-11-01"}, nil
})

// BenchmarkStreams streams 16 MiB in 64 KiB chunks through CompressionStream("gzip") and
// through a pass-through TransformStream inside a worker, one request per iteration; MB/s is
// of the uncompressed bytes.
func BenchmarkStreams(b *testing.B) {
	cfg, err := streamsBenchConfig()
	if err != nil {
		b.Fatal(err)
	}
	const mib = 16
	for _, op := range []string{"gzip", "pass", "digest"} {
		b.Run(op, func(b *testing.B) {
			path := "/" + op + "?mib=16"
			r := httptest.NewRequest("GET", path, nil)
			in := Incoming{URL: "http://localhost" + path}
			b.SetBytes(mib << 20)
			for b.Loop() {
				iso, err := NewIsolate(cfg)
				if err != nil {
					b.Fatal(err)
				}
				serveOnce(b, iso, r, in)
			}
		})
	}
}
