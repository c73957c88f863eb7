package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runBackground runs the molt command line args in the background; out collects its stdout
// and stderr. stop cancels it and returns its exit code, failing t if it has not stopped
// within 10 seconds; a test that ends without stop cancels it.
func runBackground(t *testing.T, args ...string) (out *testutil.SyncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out = &testutil.SyncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, out, out) }()
	return out, func() int {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatalf("molt %s did not stop\n%s", args[0], out)
			return -1
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "molt ") {
		t.Errorf("output %q", out.String())
	}
}

func TestDevErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing project", []string{"dev", filepath.Join(dir, "nope")}, "nope: no such file or directory"},
		{"no configuration", []string{"dev", dir}, "looked for wrangler.json, wrangler.jsonc and wrangler.toml"},
		{"bad --var", []string{"dev", dir, "--var", "novalue"}, "novalue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), c.args, &out, &errOut); code == 0 {
				t.Fatal("exit 0, want an error")
			}
			if !strings.Contains(errOut.String(), c.want) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), c.want)
			}
		})
	}
}

// molt dev serves a lone entry file, logs each request with its CPU time, prints the worker's
// console output, and stops cleanly when its context ends.
func TestDevServesAFile(t *testing.T) {
	dir := t.TempDir()
	entry := filepath.Join(dir, "worker.ts")
	src := `export default { fetch(req: Request, env: { GREETING: string }): Response {
  console.log("handling", { path: "/hi" });
  return new Response(env.GREETING + " from " + req.method);
} };`
	if err := os.WriteFile(entry, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	out, stop := runBackground(t, "dev", entry, "--port", strconv.Itoa(port), "--var", "GREETING:hello")
	body := getWhenUp(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/hi", out)
	if body != "hello from GET" {
		t.Errorf("body %q", body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	log := out.String()
	for _, want := range []string{"Ready on http://127.0.0.1:", "GET /hi 200 wall_ms=", "cpu_ms=", "handling { path: '/hi' }"} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
}
