package runtime

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkHostServe measures requests through a Host over loopback HTTP with keep-alive
// connections, as bench/load.sh drives molt dev with wrk: every request takes a fresh isolate
// from the pool, runs the worker and logs its line. The client shares the machine's cores with
// the server, as wrk does.
func BenchmarkHostServe(b *testing.B) {
	for _, ex := range []struct{ name, path string }{{"hello", "/"}, {"hono", "/json"}, {"wasm-hello", "/"}} {
		for _, par := range []struct {
			name  string
			conns int
		}{{"serial", 0}, {"parallel", 8}} {
			b.Run(ex.name+"/"+par.name, func(b *testing.B) {
				url := benchHost(b, ex.name) + ex.path
				tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				b.ReportAllocs()
				if par.conns == 0 {
					for b.Loop() {
						benchGet(b, client, url)
					}
					return
				}
				b.SetParallelism(par.conns)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						benchGet(b, client, url)
					}
				})
			})
		}
	}
}

// benchHost serves examples/NAME with a Host on a loopback port and returns its base URL.
func benchHost(b *testing.B, name string) string {
	b.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "examples", name))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
		// A Go Wasm worker, built as its Makefile does.
		build := exec.Command("go", "build", "-o", "worker.wasm", ".")
		build.Dir = dir
		build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("building examples/%s: %v\n%s", name, err, out)
		}
	}
	w, err := Load(Project{Path: dir}, Options{})
	if err != nil {
		b.Skipf("load examples/%s (npm ci there?): %v", name, err)
	}
	b.Cleanup(w.Close)
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Dev = true
	host.Swap(w)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := host.Server(ln.Addr().String())
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func benchGet(b *testing.B, client *http.Client, url string) {
	res, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("GET %s: status %d, %v", url, res.StatusCode, err)
	}
}
