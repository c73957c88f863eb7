package cli

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// molt dev ./gateway ./auth serves the first project and reaches the second through its
// service bindings.
func TestDevSeveralProjects(t *testing.T) {
	want, err := os.ReadFile("../examples/platform/gateway/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	out, stop := runBackground(t, "dev", "../examples/platform/gateway", "../examples/platform/auth", "--port", strconv.Itoa(port),
		"--persist-to", t.TempDir())
	body := getWhenUp(t, "http://127.0.0.1:"+strconv.Itoa(port)+"/", out)
	if body != string(want) {
		t.Errorf("gateway:\n%s\nwant\n%s", body, want)
	}
	if !strings.Contains(out.String(), "also running auth (../examples/platform/auth)") {
		t.Errorf("molt dev does not say auth runs:\n%s", out)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d\n%s", code, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dev", "../examples/platform/auth", "../examples/platform/auth"}, `two projects are named "auth"`},
		{[]string{"dev", "../examples/platform/auth", "../examples/platform/gateway", "-c", "wrangler.toml"}, "2 projects and 1 -c configurations"},
	} {
		var errOut testutil.SyncBuffer
		if code := run(context.Background(), tc.args, io.Discard, &errOut); code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// getWhenUp waits for a molt dev starting in the background to answer url, and returns the
// body of its first answer; out is the command's output, shown if it never answers.
func getWhenUp(t *testing.T, url string, out *testutil.SyncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("molt dev did not serve: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
