package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// molt serve, molt admin token create, molt deploy and molt versions list work together over
// loopback, and serve stops cleanly when its context ends (SIGTERM).
func TestServeDeploy(t *testing.T) {
	pub, adm := freePort(t), freePort(t)
	dir := testutil.WriteFiles(t, map[string]string{"p.toml": fmt.Sprintf(
		"data_dir = \"data\"\ndomain = \"w.test\"\n[listen]\npublic = \"127.0.0.1:%d\"\nadmin = \"127.0.0.1:%d\"\n[tenants.acme]\n", pub, adm)})
	cfg := filepath.Join(dir, "p.toml")
	cli := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut)
		return out.String(), errOut.String(), code
	}
	if _, errOut, code := cli("admin", "token", "create", "-c", cfg, "--tenant", "nobody"); code == 0 || !strings.Contains(errOut, "not in") {
		t.Errorf("token for an unknown tenant: exit %d, %q", code, errOut)
	}
	token, errOut, code := cli("admin", "token", "create", "-c", cfg, "--tenant", "acme")
	if code != 0 {
		t.Fatal(errOut)
	}
	token = strings.TrimSpace(token)

	_, stop := runBackground(t, "serve", "-c", cfg)
	defer func() {
		if code := stop(); code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}()
	to := fmt.Sprintf("http://127.0.0.1:%d", adm)
	var out string
	for i := 0; ; i++ {
		out, errOut, code = cli("deploy", "../examples/hello", "--to", to, "--token", token)
		if code == 0 || i == 50 {
			break
		}
		time.Sleep(50 * time.Millisecond) // serve may still be starting
	}
	if code != 0 || !strings.Contains(out, "Version ID: ") || !strings.Contains(out, fmt.Sprintf("http://hello.w.test:%d/", pub)) {
		t.Fatalf("deploy: exit %d\n%s%s", code, out, errOut)
	}
	hello := func() string {
		req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/", pub), nil)
		req.Host = "hello.w.test"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return fmt.Sprint(res.StatusCode, " ", string(body))
	}
	if got := hello(); got != "200 Hello World!" {
		t.Errorf("hello.w.test = %q", got)
	}

	// molt tail shows the requests that arrive while it runs, and stops with its context.
	var tailOut testutil.SyncBuffer
	tailCtx, stopTail := context.WithCancel(context.Background())
	tailDone := make(chan int)
	go func() {
		tailDone <- run(tailCtx, []string{"tail", "--name", "hello", "--to", to, "--token", token, "--format", "json", "--status", "ok", "--method", "GET"}, &tailOut, io.Discard)
	}()
	for i := 0; !strings.Contains(tailOut.String(), `"outcome":"ok","scriptName":"hello"`) || !strings.Contains(tailOut.String(), `"response":{"status":200}`); i++ {
		if i == 200 {
			t.Fatalf("tail printed %q", tailOut.String())
		}
		hello()
		time.Sleep(20 * time.Millisecond)
	}
	stopTail()
	if code := <-tailDone; code != 0 {
		t.Errorf("tail exited %d", code)
	}
	if out, errOut, code := cli("versions", "list", "--name", "hello", "--to", to, "--token", token); code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "yes") {
		t.Errorf("versions list: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := cli("delete", "--name", "hello", "--to", to, "--token", "molt_wrong"); code == 0 || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("delete with a wrong token: exit %d, %q", code, errOut)
	}
}

// molt deploy --dry-run builds without a platform and writes what it would upload.
func TestDeployDryRun(t *testing.T) {
	t.Setenv("MOLT_API_URL", "")
	t.Setenv("MOLT_API_TOKEN", "")
	out := t.TempDir()
	stdout, errOut, code := cliRun("deploy", "../examples/hello", "--dry-run", "--outdir", out)
	if code != 0 || !strings.Contains(stdout, "not deployed (--dry-run)") {
		t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
	}
	for _, name := range []string{"index.js", "index.js.map", "wrangler.json"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(out, "wrangler.json"))
	if !strings.Contains(string(cfg), `"name": "hello"`) {
		t.Errorf("wrangler.json = %s", cfg)
	}
	if _, errOut, code := cliRun("deploy", "../examples/hello"); code == 0 || !strings.Contains(errOut, "--to") {
		t.Errorf("deploy without --to: exit %d, %q", code, errOut)
	}
}
