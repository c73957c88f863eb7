package examples

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/runtime"
)

// serveProject serves an example project through a Host and returns its URL.
func serveProject(t *testing.T, dir string, opts runtime.Options) string {
	t.Helper()
	opts.PersistTo = t.TempDir()
	w, err := runtime.Load(runtime.Project{Path: dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	host := runtime.NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Dev = true
	host.Swap(w)
	srv := httptest.NewServer(host)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestWasmPNGEncodes checks the PNG that wasm-png's Rust encoder writes with Go's decoder.
func TestWasmPNGEncodes(t *testing.T) {
	base := serveProject(t, "wasm-png", runtime.Options{})
	const w, h = 5, 3
	pixels := make([]byte, w*h*4)
	for i := range pixels {
		pixels[i] = byte(i*37 + 11)
	}
	res, err := http.Post(fmt.Sprintf("%s/encode?w=%d&h=%d", base, w, h), "application/octet-stream", bytes.NewReader(pixels))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	img, err := png.Decode(res.Body)
	if err != nil {
		t.Fatalf("Go cannot decode the PNG: %v", err)
	}
	nrgba, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("decoded a %T, want *image.NRGBA", img)
	}
	if nrgba.Rect.Dx() != w || nrgba.Rect.Dy() != h || !bytes.Equal(nrgba.Pix, pixels) {
		t.Fatalf("decoded %v %v, want %dx%d %v", nrgba.Rect, nrgba.Pix, w, h, pixels)
	}
}

// TestWasmWorkerLimitsKeepHostServing sends, at once, requests that run a Wasm worker past its
// memory cap and into an endless loop, beside ordinary ones: the bad ones get Cloudflare's
// 1102 page, the others their answers. The CPU cap leaves room for an 8 MB allocation under
// the race detector on a busy machine (CI runs packages in parallel).
func TestWasmWorkerLimitsKeepHostServing(t *testing.T) {
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", dir+"/worker.wasm", "../isolates/wasm/testdata/guest")
	build.Env = append(build.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	writeFile(t, dir+"/wrangler.toml", "name = \"limits\"\nmain = \"worker.wasm\"\ncompatibility_date = \"2026-11-01\"\n[limits]\ncpu_ms = 1000\nmemory_mb = 32\n")
	base := serveProject(t, dir, runtime.Options{})
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var wg sync.WaitGroup
	check := func(path string, status int, want string) {
		defer wg.Done()
		code, body := get(path)
		if code != status || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q, want %d with %q", path, code, body, status, want)
		}
	}
	start := time.Now()
	wg.Add(2)
	go check("/spin", 503, "error code: 1102")
	go check("/alloc?100", 503, "error code: 1102")
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go check("/hello", 200, "hello from wasm")
	}
	wg.Wait()
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if code, body := get("/alloc?8"); code != 200 {
		t.Errorf("a request within the cap afterwards: %d %q", code, body)
	}
	// A trap is a 500 whose molt dev page names the trap and shows the Wasm stack.
	writeFile(t, dir+"/wrangler.toml", "name = \"limits\"\nmain = \"trap.wasm\"\ncompatibility_date = \"2026-11-01\"\n")
	copyFile(t, "../isolates/wasm/testdata/trap.wasm", dir+"/trap.wasm")
	base = serveProject(t, dir, runtime.Options{})
	if code, body := get("/"); code != 500 || !strings.Contains(body, "wasm error: unreachable\nwasm stack trace:\n\t") {
		t.Errorf("trap: %d %q", code, body)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(b))
}
