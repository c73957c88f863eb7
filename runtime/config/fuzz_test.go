package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad reads arbitrary bytes as each of the three configuration formats, with and without
// an environment selected: the result is a configuration or *Error values, never a panic.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"name = \"w\"\nmain = \"src/index.js\"\ncompatibility_date = \"2026-11-01\"\n[limits]\ncpu_ms = 50\nmemory_mb = 64\n",
		"[env.staging]\nname = \"s\"\nvars = { A = \"1\" }\n[[env.staging.kv_namespaces]]\nbinding = \"KV\"\nid = \"x\"\n",
		"[[rules]]\ntype = \"Text\"\nglobs = [\"**/*.txt\"]\n[[durable_objects.bindings]]\nname = \"C\"\nclass_name = \"Counter\"\n",
		`{"name": "w", "limits": {"cpu_ms": 5}, "env": {"staging": {"vars": {"A": "b"}}}, // c
		}`,
		`{"kv_namespaces": [{"binding": "K", "id": 1}], "migrations": [{"tag": "v1", "new_classes": ["A"]}]}`,
		"limits = { cpu_ms = 1.5 }", "[limits]\nmemory_mb = -1\n", "", "\x00", "{",
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "staging")
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte, env string) {
		for _, name := range []string{"wrangler.toml", "wrangler.json", "wrangler.jsonc"} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, src, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, LoadOptions{Env: env})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s %q (env %q): error is not a *config.Error: %#v", name, src, env, err)
				}
				continue
			}
			if cfg == nil {
				t.Fatalf("%s %q: nil configuration without an error", name, src)
			}
		}
	})
}
