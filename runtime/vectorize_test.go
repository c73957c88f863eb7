package runtime

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/vectorize"
	"github.com/moltworker/molt/internal/testutil"
)

const vectorizeProjectWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/put") {
      await env.IDX.upsert([{ id: "a", values: [1, 0], metadata: { n: 1 } }, { id: "b", values: [0, 1] }]);
      return new Response("stored");
    }
    const r = await env.IDX.query([1, 0.1], { topK: 1, returnMetadata: "all" });
    return new Response(r.matches.map((m) => m.id + JSON.stringify(m.metadata)).join());
  },
};
`

// Vectors a worker stored are there after the worker is closed and the project loaded again,
// as when molt dev restarts; the file is then free for molt vectorize.
func TestVectorizeSurvivesRestart(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"v\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n\n[[vectorize]]\nbinding = \"IDX\"\nindex_name = \"things\"\n",
		"index.js":      vectorizeProjectWorker,
	})
	state := t.TempDir()
	serveOnce := func(path string) string {
		srv, stop := startProject(t, dir, Options{PersistTo: state})
		defer stop()
		_, body := get(t, srv.URL+path)
		return body
	}
	if got := serveOnce("/put"); got != "stored" {
		t.Fatalf("put: %q", got)
	}
	if got := serveOnce("/query"); got != `a{"n":1}` {
		t.Fatalf("after a restart: %q", got)
	}
	store, err := vectorize.Open(VectorizePath(state), vectorize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfgs, err := store.Indexes()
	if err != nil || len(cfgs) != 1 || cfgs[0].Name != "things" || cfgs[0].Dimensions != 2 || cfgs[0].Metric != vectorize.Cosine {
		t.Fatalf("indexes %+v %v", cfgs, err)
	}
}

// While molt dev holds a state directory, molt vectorize reaches the same indexes through the
// socket the running process serves them on, both ways; the socket goes when the worker closes.
func TestVectorizeServedWhileRunning(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"v\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n\n[[vectorize]]\nbinding = \"IDX\"\nindex_name = \"things\"\n",
		"index.js":      vectorizeProjectWorker,
	})
	state := t.TempDir()
	w, err := Load(Project{Path: dir}, Options{PersistTo: state})
	if err != nil {
		t.Fatal(err)
	}
	host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
	host.Swap(w)
	srv := httptest.NewServer(host)
	defer srv.Close()

	if _, err := vectorize.Open(VectorizePath(state), vectorize.Options{LockTimeout: 50e6}); !errors.Is(err, vectorize.ErrLocked) {
		t.Fatalf("a second opener: %v, want ErrLocked", err)
	}
	remote := vectorize.DialRemote(VectorizeSocket(state))
	defer remote.Close()
	if _, err := remote.CreateIndex(vectorize.IndexConfig{Name: "things", Dimensions: 2, Metric: vectorize.Cosine}); err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Write("things", []vectorize.Vector{{ID: "cli", Values: []float32{1, 0.2}, Metadata: json.RawMessage(`{"by":"cli"}`)}}, true); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, srv.URL+"/query"); body != `cli{"by":"cli"}` {
		t.Errorf("the worker found %q, want the vector the other process inserted", body)
	}
	if _, body := get(t, srv.URL+"/put"); body != "stored" {
		t.Fatalf("put: %q", body)
	}
	res, err := remote.Query("things", []float32{1, 0}, "", vectorize.QueryOptions{TopK: 3})
	if err != nil || res.Count != 3 || res.Matches[0].ID != "a" {
		t.Errorf("query through the socket: %+v, %v", res, err)
	}
	if _, err := remote.Query("things", []float32{1}, "", vectorize.QueryOptions{}); err == nil || !strings.Contains(err.Error(), "(code = 40006)") {
		t.Errorf("a wrong query through the socket: %v", err)
	}
	if _, err := remote.GetIndex("nope"); !errors.As(err, new(*vectorize.ErrNotFound)) {
		t.Errorf("a missing index through the socket: %v", err)
	}

	w.Close()
	if _, err := os.Stat(VectorizeSocket(state)); !os.IsNotExist(err) {
		t.Errorf("socket still there after the worker closed: %v", err)
	}
}
