package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/runtime"
)

// molt runs the command line and returns its exit code, standard output and standard error.
func molt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestKVCommands(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"shop\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n\n[[kv_namespaces]]\nbinding = \"STOCK\"\nid = \"prod-id\"\npreview_id = \"dev-id\"\n",
		"index.js":      "export default { async fetch(req, env) { const k = new URL(req.url).pathname.slice(1); return new Response(String(await env.STOCK.get(k))); } };\n",
		"value.bin":     "from a file",
		"bulk.json":     `[{"key": "b1", "value": "one"}, {"key": "b2", "value": "dHdv", "base64": true, "metadata": {"n": 2}}, {"key": "b3", "value": "three", "expiration_ttl": 3600}]`,
		"delete.json":   `["b1", {"key": "b3"}]`,
		"bad.json":      `[{"key": "x", "value": "y", "expiration_ttl": 5}]`,
	})
	cfg := filepath.Join(dir, "wrangler.toml")
	ns := []string{"-c", cfg, "--binding", "STOCK"}
	steps := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings; out "=" prefix means exact
	}{
		{"put", append([]string{"kv", "key", "put", "apples", "12", "--metadata", `{"unit":"kg"}`}, ns...), 0, "", `Wrote 2 bytes to key "apples" of namespace dev-id.`},
		{"put file", append([]string{"kv", "key", "put", "file", "--path", filepath.Join(dir, "value.bin")}, ns...), 0, "", "Wrote 11 bytes"},
		{"put ttl", append([]string{"kv", "key", "put", "soon", "x", "--ttl", "120"}, ns...), 0, "", ""},
		{"get", append([]string{"kv", "key", "get", "apples"}, ns...), 0, "=12", ""},
		{"get file", append([]string{"kv", "key", "get", "file", "--text"}, ns...), 0, "=from a file\n", ""},
		{"get missing", append([]string{"kv", "key", "get", "pears"}, ns...), 0, "=Value not found\n", ""},
		{"bulk put", append([]string{"kv", "bulk", "put", filepath.Join(dir, "bulk.json")}, ns...), 0, "", "Wrote 3 key-value pairs to namespace dev-id."},
		{"get base64", append([]string{"kv", "key", "get", "b2"}, ns...), 0, "=two", ""},
		{"list", append([]string{"kv", "key", "list", "--prefix", "b"}, ns...), 0, `"name": "b2",` + "\n" + `    "metadata": {` + "\n" + `      "n": 2`, ""},
		{"bulk delete", append([]string{"kv", "bulk", "delete", filepath.Join(dir, "delete.json"), "--force"}, ns...), 0, "", "Deleted 2 keys"},
		{"delete", append([]string{"kv", "key", "delete", "file"}, ns...), 0, "", `Deleted key "file"`},
		{"by id", []string{"kv", "key", "get", "apples", "-c", cfg, "--namespace-id", "dev-id"}, 0, "=12", ""},
		{"other id is empty", []string{"kv", "key", "get", "apples", "-c", cfg, "--namespace-id", "prod-id"}, 0, "=Value not found\n", ""},
		{"namespaces", []string{"kv", "namespace", "list", "-c", cfg}, 0, `"id": "dev-id",` + "\n" + `    "title": "shop-STOCK",` + "\n" + `    "binding": "STOCK"`, ""},
		{"ttl too short", append([]string{"kv", "key", "put", "k", "v", "--ttl", "10"}, ns...), 1, "", "KV PUT failed: 400 Invalid expiration_ttl of 10. Expiration TTL must be at least 60."},
		{"bulk bad entry", append([]string{"kv", "bulk", "put", filepath.Join(dir, "bad.json")}, ns...), 1, "", `key "x": KV PUT failed: 400 Invalid expiration_ttl of 5.`},
		{"empty key", append([]string{"kv", "key", "get", ""}, ns...), 1, "", "Key name cannot be empty."},
		{"unknown binding", []string{"kv", "key", "get", "k", "-c", cfg, "--binding", "NOPE"}, 1, "", `no kv_namespaces entry has the binding "NOPE"`},
		{"no namespace", []string{"kv", "key", "get", "k", "-c", cfg}, 1, "", "exactly one of --binding and --namespace-id"},
		{"bad metadata", append([]string{"kv", "key", "put", "k", "v", "--metadata", "{nope"}, ns...), 1, "", "is not JSON"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errOut := molt(t, s.args...)
			if code != s.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, s.code, errOut)
			}
			if want, exact := strings.CutPrefix(s.out, "="); exact && out != want || !exact && !strings.Contains(out, s.out) {
				t.Fatalf("stdout %q, want %q", out, s.out)
			}
			if !strings.Contains(errOut, s.err) {
				t.Fatalf("stderr %q, want it to contain %q", errOut, s.err)
			}
		})
	}
	var keys []map[string]any
	_, out, _ := molt(t, append([]string{"kv", "key", "list"}, ns...)...)
	if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 3 {
		t.Fatalf("keys after the deletes: %s (%v)", out, err)
	}

	// The worker sees what molt kv wrote: same state directory, same namespace.
	w, err := runtime.Load(runtime.Project{Path: dir}, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	host := runtime.NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/apples")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "12" {
		t.Fatalf("the worker reads %q", body)
	}
	if _, err := os.Stat(filepath.Join(dir, ".molt", "state", "kv", "kv.db")); err != nil {
		t.Fatal(err)
	}
}
