package config

import (
	"reflect"
	"testing"
)

func TestVectorizeIndexes(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             []VectorizeIndex
		err              string
	}{
		{"toml", "wrangler.toml", "[[vectorize]]\nbinding = \"DOCS\"\nindex_name = \"docs-index\"\n\n[[vectorize]]\nbinding = \"IMAGES\"\nindex_name = \"images\"\n",
			[]VectorizeIndex{{"DOCS", "docs-index"}, {"IMAGES", "images"}}, ""},
		{"jsonc", "wrangler.jsonc", `{ // comment
  "vectorize": [{ "binding": "DOCS", "index_name": "docs-index" },],
}`, []VectorizeIndex{{"DOCS", "docs-index"}}, ""},
		{"no index_name", "wrangler.toml", "[[vectorize]]\nbinding = \"DOCS\"\n", nil, `must have a "index_name" field`},
		{"bad binding", "wrangler.toml", "[[vectorize]]\nbinding = \"no-dash\"\nindex_name = \"x\"\n", nil, "valid JavaScript identifier"},
		{"twice", "wrangler.toml", "[[vectorize]]\nbinding = \"A\"\nindex_name = \"x\"\n[[vectorize]]\nbinding = \"A\"\nindex_name = \"y\"\n", nil, "defined more than once"},
		{"not an array", "wrangler.json", `{"vectorize": {"binding": "A"}}`, nil, "must be an array of indexes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadCase(t, tt.file, tt.text, LoadOptions{}, tt.err)
			if cfg != nil && !reflect.DeepEqual(cfg.VectorizeIndexes, tt.want) {
				t.Fatalf("got %+v, want %+v", cfg.VectorizeIndexes, tt.want)
			}
		})
	}
}
