package config

import (
	"reflect"
	"testing"
)

func TestKVNamespaces(t *testing.T) {
	for _, tc := range []struct {
		name, file, content, env string
		want                     []KVNamespace
		local                    []string
		err                      string
	}{
		{
			name: "toml", file: "wrangler.toml",
			content: "[[kv_namespaces]]\nbinding = \"A\"\nid = \"id-a\"\npreview_id = \"prev-a\"\n\n[[kv_namespaces]]\nbinding = \"B\"\nid = \"id-b\"\n\n[[kv_namespaces]]\nbinding = \"C\"\n",
			want:    []KVNamespace{{"A", "id-a", "prev-a"}, {"B", "id-b", ""}, {"C", "", ""}},
			local:   []string{"prev-a", "id-b", "C"},
		},
		{
			name: "jsonc", file: "wrangler.jsonc",
			content: `{"kv_namespaces": [{"binding": "CACHE", "id": "x", /* comment */},],}`,
			want:    []KVNamespace{{"CACHE", "x", ""}},
			local:   []string{"x"},
		},
		{
			name: "environment", file: "wrangler.toml", env: "staging",
			content: "kv_namespaces = [{ binding = \"TOP\", id = \"t\" }]\n[env.staging]\nkv_namespaces = [{ binding = \"ST\", id = \"s\" }]\n",
			want:    []KVNamespace{{"ST", "s", ""}},
			local:   []string{"s"},
		},
		{
			name: "not inherited", file: "wrangler.toml", env: "staging",
			content: "kv_namespaces = [{ binding = \"TOP\", id = \"t\" }]\n[env.staging]\nname = \"x\"\n",
		},
		{name: "not an array", file: "wrangler.json", content: `{"kv_namespaces": {"binding": "A"}}`, err: `"kv_namespaces" must be an array of namespaces, got an object`},
		{name: "no binding", file: "wrangler.json", content: `{"kv_namespaces": [{"id": "a"}]}`, err: `"kv_namespaces[0]" must have a "binding" field`},
		{name: "binding type", file: "wrangler.json", content: `{"kv_namespaces": [{"binding": 3}]}`, err: `"kv_namespaces[0].binding" must be a string, got number 3`},
		{name: "bad identifier", file: "wrangler.toml", content: "[[kv_namespaces]]\nbinding = \"my-kv\"\n", err: `"kv_namespaces[0].binding" must be a valid JavaScript identifier, got "my-kv"`},
		{name: "twice", file: "wrangler.json", content: `{"kv_namespaces": [{"binding": "A"}, {"binding": "A"}]}`, err: `the binding "A" is defined more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadCase(t, tc.file, tc.content, LoadOptions{Env: tc.env}, tc.err)
			if cfg == nil {
				return
			}
			if !reflect.DeepEqual(cfg.KVNamespaces, tc.want) {
				t.Fatalf("KVNamespaces = %#v, want %#v", cfg.KVNamespaces, tc.want)
			}
			var local []string
			for _, ns := range cfg.KVNamespaces {
				local = append(local, ns.LocalID())
			}
			if !reflect.DeepEqual(local, tc.local) {
				t.Fatalf("local ids %v, want %v", local, tc.local)
			}
		})
	}
}
