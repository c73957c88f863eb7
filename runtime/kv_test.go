package runtime

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/kv"
	"github.com/moltworker/molt/internal/testutil"
)

const kvProjectWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (url.pathname === "/put") { await env.DATA.put(key, url.searchParams.get("value")); return new Response("stored"); }
    return new Response(String(await env.DATA.get(key)));
  },
};
`

func kvProject(t *testing.T, toml string) string {
	return testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"kv\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n" + toml,
		"index.js":      kvProjectWorker,
	})
}

// Data a worker put is there after the worker is closed and the project loaded again, as when
// molt dev restarts, and under the namespace id wrangler dev would use.
func TestKVSurvivesRestart(t *testing.T) {
	dir := kvProject(t, "[[kv_namespaces]]\nbinding = \"DATA\"\nid = \"prod\"\npreview_id = \"dev\"\n")
	state := t.TempDir()
	serveOnce := func(path string) string {
		srv, stop := startProject(t, dir, Options{PersistTo: state})
		defer stop()
		_, body := get(t, srv.URL+path)
		return body
	}
	if got := serveOnce("/put?key=k&value=persisted"); got != "stored" {
		t.Fatalf("put: %q", got)
	}
	if got := serveOnce("/get?key=k"); got != "persisted" {
		t.Fatalf("after a restart: %q", got)
	}
	// Closed by the last worker: the file can be opened by another process now, as molt kv does.
	store, err := kv.OpenBolt(KVPath(state), kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e, ok, err := kv.NewNamespace(store, "dev").Get("k", kv.GetOptions{})
	if !ok || err != nil || string(e.Value) != "persisted" {
		t.Fatalf("namespace \"dev\" (the preview_id) holds %q ok=%v err=%v", e.Value, ok, err)
	}
}

// Two versions of a worker alive at once (a reload) share one open store.
func TestKVSharedAcrossVersions(t *testing.T) {
	dir := kvProject(t, "[[kv_namespaces]]\nbinding = \"DATA\"\n")
	state := t.TempDir()
	a, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		t.Fatalf("a second version while the first is open: %v", err)
	}
	a.Close()
	srv := serveWorker(t, b)
	get(t, srv.URL+"/put?key=x&value=1")
	if _, body := get(t, srv.URL+"/get?key=x"); body != "1" {
		t.Fatalf("after the first version closed: %q", body)
	}
	b.Close()
}

// The default state directory is .molt/state in the project, created only for workers with
// bindings.
func TestKVDefaultStateDir(t *testing.T) {
	dir := kvProject(t, "[[kv_namespaces]]\nbinding = \"DATA\"\nid = \"abc\"\n")
	w, err := Load(Project{Path: dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(dir, ".molt", "state", "kv", "kv.db")); err != nil {
		t.Fatal(err)
	}
	plain := kvProject(t, "")
	w, err = Load(Project{Path: plain}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := os.Stat(filepath.Join(plain, ".molt")); !os.IsNotExist(err) {
		t.Fatalf("a worker without bindings made a state directory: %v", err)
	}
}

func serveWorker(t *testing.T, w *Worker) *httptest.Server {
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	t.Cleanup(srv.Close)
	return srv
}
