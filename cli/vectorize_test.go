package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

func TestVectorizeCommands(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": "name = \"search\"\nmain = \"index.js\"\ncompatibility_date = \"2026-11-01\"\n\n[[vectorize]]\nbinding = \"DOCS\"\nindex_name = \"docs\"\n",
		"index.js":      "export default { fetch() { return new Response('ok'); } };\n",
		"vectors.ndjson": `{"id": "a", "values": [1, 0, 0], "metadata": {"genre": "drama"}}
{"id": "b", "values": [0.9, 0.1, 0], "namespace": "n1", "metadata": {"genre": "comedy"}}

{"id": "c", "values": [0, 1, 0]}
`,
		"bad.ndjson": `{"id": "x", "values": [1, 0]}` + "\n",
	})
	cfg := []string{"-c", filepath.Join(dir, "wrangler.toml")}
	steps := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"create", []string{"vectorize", "create", "docs", "--dimensions", "3", "--metric", "cosine"}, 0, "✅ Successfully created a new Vectorize index: 'docs'", ""},
		{"create again", []string{"vectorize", "create", "docs", "--dimensions", "3", "--metric", "cosine"}, 1, "", `an index named "docs" already exists`},
		{"create without metric", []string{"vectorize", "create", "x", "--dimensions", "3"}, 1, "", "You must provide both dimensions and a metric"},
		{"create too big", []string{"vectorize", "create", "x", "--dimensions", "2000", "--metric", "cosine"}, 1, "", "an index has 1 to 1536 dimensions"},
		{"metadata index", []string{"vectorize", "create-metadata-index", "docs", "--property-name", "genre", "--type", "string"}, 0, "Successfully enqueued metadata index creation request", ""},
		{"metadata index type", []string{"vectorize", "create-metadata-index", "docs", "--property-name", "year", "--type", "date"}, 1, "", `invalid metadata index type "date"`},
		{"list metadata", []string{"vectorize", "list-metadata-index", "docs"}, 0, `"propertyName": "genre",` + "\n" + `    "indexType": "string"`, ""},
		{"insert", []string{"vectorize", "insert", "docs", "--file", filepath.Join(dir, "vectors.ndjson")}, 0, "✅ Successfully enqueued 3 vectors into index 'docs' for insertion.", ""},
		{"insert wrong dimensions", []string{"vectorize", "insert", "docs", "--file", filepath.Join(dir, "bad.ndjson")}, 1, "", `VECTOR_INSERT_ERROR (code = 40012): invalid vector for id="x", expected 3 dimensions, and got 2 dimensions`},
		{"info", []string{"vectorize", "info", "docs"}, 0, `"dimensions": 3,` + "\n" + `  "vectorCount": 3,`, ""},
		{"get", []string{"vectorize", "get", "docs"}, 0, `"config": {` + "\n" + `    "dimensions": 3,` + "\n" + `    "metric": "cosine"`, ""},
		{"list", []string{"vectorize", "list"}, 0, `"name": "docs"`, ""},
		{"query", []string{"vectorize", "query", "docs", "--vector", "1", "0", "0", "--top-k", "2"}, 0, `"id": "a",` + "\n" + `      "score": 1`, ""},
		{"query commas", []string{"vectorize", "query", "docs", "--vector", "0,1,0", "--top-k", "1", "--return-values"}, 0, `"id": "c"`, ""},
		{"query filter", []string{"vectorize", "query", "docs", "--vector", "1,0,0", "--filter", `{"genre": "comedy"}`, "--return-metadata", "all"}, 0, `"namespace": "n1"`, ""},
		{"query namespace none", []string{"vectorize", "query", "docs", "--vector", "1,0,0", "--namespace", "n2"}, 0, "", "Could not find any relevant vectors"},
		{"query by id", []string{"vectorize", "query", "docs", "--vector-id", "c", "--top-k", "1"}, 0, `"id": "c"`, ""},
		{"query both", []string{"vectorize", "query", "docs", "--vector", "1,0,0", "--vector-id", "c"}, 1, "", "Either vector or vector-id"},
		{"query topK", []string{"vectorize", "query", "docs", "--vector", "1,0,0", "--top-k", "101"}, 1, "", "max top K is 100, but got 101"},
		{"delete metadata", []string{"vectorize", "delete-metadata-index", "docs", "--property-name", "genre"}, 0, "deletion request", ""},
		{"delete metadata again", []string{"vectorize", "delete-metadata-index", "docs", "--property-name", "genre"}, 1, "", "(code = 40005)"},
		{"missing index", []string{"vectorize", "info", "nope"}, 1, "", `index "nope" not found`},
		{"delete", []string{"vectorize", "delete", "docs", "--force"}, 0, "✅ Deleted index docs", ""},
		{"list empty", []string{"vectorize", "list"}, 0, "[]", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, out, errOut := molt(t, append(s.args, cfg...)...)
			if code != s.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, s.code, out, errOut)
			}
			if !strings.Contains(out, s.out) {
				t.Fatalf("stdout %q, want it to contain %q", out, s.out)
			}
			if !strings.Contains(errOut, s.err) {
				t.Fatalf("stderr %q, want it to contain %q", errOut, s.err)
			}
		})
	}
	// What the CLI wrote is what molt dev binds: the project's state directory.
	code, out, _ := molt(t, append([]string{"vectorize", "create", "docs", "--dimensions", "2", "--metric", "euclidean", "--json"}, cfg...)...)
	var created map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &created) != nil || created["name"] != "docs" {
		t.Fatalf("create --json: %d %q", code, out)
	}
}
