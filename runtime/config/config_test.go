package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

// loadCase writes content as file in a fresh directory and loads it with opts. With wantErr
// set, loading must fail with an error containing it, and loadCase returns nil; otherwise any
// error fails t.
func loadCase(t *testing.T, file, content string, opts LoadOptions, wantErr string) *Config {
	t.Helper()
	dir := testutil.WriteFiles(t, map[string]string{file: content})
	cfg, err := Load(filepath.Join(dir, file), opts)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", err, wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const sampleTOML = `# A Worker with one of everything Config decodes.
name = "my-worker"
main = "src/index.js"
compatibility_date = "2024-09-23"
compatibility_flags = ["nodejs_compat"]
rules = [{ type = "Text", globs = ["**/*.md"], fallthrough = true }]

[vars]
GREETING = "hi"
COUNT = 3
FEATURES = { beta = true, list = [1, "two"] }

[limits]
cpu_ms = 50

[[kv_namespaces]]
binding = "KV"
id = "abc"
`

const sampleJSON = `{
  "name": "my-worker",
  "main": "src/index.js",
  "compatibility_date": "2024-09-23",
  "compatibility_flags": ["nodejs_compat"],
  "rules": [{"type": "Text", "globs": ["**/*.md"], "fallthrough": true}],
  "vars": {"GREETING": "hi", "COUNT": 3, "FEATURES": {"beta": true, "list": [1, "two"]}},
  "limits": {"cpu_ms": 50},
  "kv_namespaces": [{"binding": "KV", "id": "abc"}]
}
`

const sampleJSONC = `// wrangler.jsonc
{
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "my-worker", // the Worker
  /* the entry module */ "main": "src/index.js",
  "compatibility_date": "2024-09-23",
  "compatibility_flags": [
    "nodejs_compat", // trailing comma next
  ],
  "rules": [{"type": "Text", "globs": ["**/*.md"], "fallthrough": true,},],
  "vars": {
    "GREETING": "hi", "COUNT": 3,
    "FEATURES": {"beta": true, "list": [1, "two"]},
  },
  "limits": {"cpu_ms": 50},
  "kv_namespaces": [{"binding": "KV", "id": "abc"}],
}
`

func TestLoadFormats(t *testing.T) {
	for _, tc := range []struct{ file, content string }{
		{"wrangler.toml", sampleTOML},
		{"wrangler.json", sampleJSON},
		{"wrangler.jsonc", sampleJSONC},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := testutil.WriteFiles(t, map[string]string{tc.file: tc.content})
			cfg, err := Load(filepath.Join(dir, tc.file), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			vars := map[string]any{
				"GREETING": "hi",
				"COUNT":    3.0,
				"FEATURES": map[string]any{"beta": true, "list": []any{1.0, "two"}},
			}
			rules := []any{map[string]any{"type": "Text", "globs": []any{"**/*.md"}, "fallthrough": true}}
			want := &Config{
				Path:               filepath.Join(dir, tc.file),
				Dir:                dir,
				Name:               "my-worker",
				Main:               filepath.Join(dir, "src", "index.js"),
				CompatibilityDate:  "2024-09-23",
				CompatibilityFlags: []string{"nodejs_compat"},
				Vars:               vars,
				Limits:             Limits{CPUMs: 50},
				Rules:              []Rule{{Type: "Text", Globs: []string{"**/*.md"}, Fallthrough: true}},
				KVNamespaces:       []KVNamespace{{Binding: "KV", ID: "abc"}},
				Raw: map[string]any{
					"name":                "my-worker",
					"main":                "src/index.js",
					"compatibility_date":  "2024-09-23",
					"compatibility_flags": []any{"nodejs_compat"},
					"rules":               rules,
					"vars":                vars,
					"limits":              map[string]any{"cpu_ms": 50.0},
					"kv_namespaces":       []any{map[string]any{"binding": "KV", "id": "abc"}},
				},
			}
			if tc.file == "wrangler.jsonc" {
				want.Raw["$schema"] = "node_modules/wrangler/config-schema.json"
			}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("Load:\n got %#v\nwant %#v", cfg, want)
			}
		})
	}
}

func TestLoadMinimal(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.toml": ""})
	cfg, err := Load(filepath.Join(dir, "wrangler.toml"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Path: filepath.Join(dir, "wrangler.toml"), Dir: dir, Vars: map[string]any{}, Raw: map[string]any{}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load:\n got %#v\nwant %#v", cfg, want)
	}
}

func TestLoadMainAbsolute(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.json": `{"main": "/srv/app/../worker.js"}`})
	cfg, err := Load(filepath.Join(dir, "wrangler.json"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Main != "/srv/worker.js" {
		t.Errorf("Main = %q, want /srv/worker.js", cfg.Main)
	}
}

func TestLoadVarsAreACopy(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.toml": "[vars]\nA = \"a\"\n"})
	cfg, err := Load(filepath.Join(dir, "wrangler.toml"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Vars["B"] = "b"
	if _, ok := cfg.Raw["vars"].(map[string]any)["B"]; ok {
		t.Error("changing Vars changed Raw")
	}
}

func TestLoadUnsupportedExtension(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.yaml": "name: x\n"})
	path := filepath.Join(dir, "wrangler.yaml")
	_, err := Load(path, LoadOptions{})
	want := path + ": unsupported configuration file; wrangler reads .json, .jsonc and .toml"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "wrangler.toml"), LoadOptions{})
	if !os.IsNotExist(err) {
		t.Errorf("Load error = %v, want a not-exist error", err)
	}
}
