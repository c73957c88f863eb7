package runtime

import (
	"io"
	"log/slog"
	"net/http/httptest"
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
		w, err := Load(Project{Path: dir}, Options{PersistTo: state})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		host := NewHost(slog.New(slog.NewTextHandler(io.Discard, nil)))
		host.Swap(w)
		srv := httptest.NewServer(host)
		defer srv.Close()
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
