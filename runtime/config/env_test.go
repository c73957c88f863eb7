package config

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

const envTOML = `name = "w"
main = "src/index.js"
compatibility_date = "2024-01-01"
compatibility_flags = ["nodejs_compat"]
rules = [{ type = "Data", globs = ["**/*.bin"] }]
limits = { cpu_ms = 10 }
keep_vars = true

[vars]
A = "top"
B = "top"

[[kv_namespaces]]
binding = "KV"
id = "top"

[env.staging]
main = "src/staging.js"

[env.staging.vars]
A = "staging"

[env.production]
name = "prod-worker"
compatibility_flags = []

[[env.production.kv_namespaces]]
binding = "KV"
id = "prod"
`

// envJSON is envTOML's production environment, to check the paths in messages from JSON.
const envJSON = `{
  "name": "w",
  "vars": {"A": "top"},
  "env": {"production": {"name": "prod-worker", "kv_namespaces": [{"binding": "KV", "id": "prod"}]}}
}`

func TestLoadEnv(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{"wrangler.toml": envTOML, "wrangler.json": envJSON})
	toml, json := filepath.Join(dir, "wrangler.toml"), filepath.Join(dir, "wrangler.json")
	type want struct {
		name, main, date string
		flags            []string
		vars             map[string]any
		limits           Limits
		rules            []Rule
		kv               any // Raw["kv_namespaces"]
		keepVars         any // Raw["keep_vars"]
		warnings         []string
	}
	dataRule := []Rule{{Type: "Data", Globs: []string{"**/*.bin"}}}
	topKV := []any{map[string]any{"binding": "KV", "id": "top"}}
	prodKV := []any{map[string]any{"binding": "KV", "id": "prod"}}
	for _, tc := range []struct {
		file, env string
		want      want
	}{
		{toml, "", want{
			name: "w", main: "src/index.js", date: "2024-01-01", flags: []string{"nodejs_compat"},
			vars: map[string]any{"A": "top", "B": "top"}, limits: Limits{CPUMs: 10}, rules: dataRule,
			kv: topKV, keepVars: true,
		}},
		{toml, "staging", want{
			name: "w-staging", main: "src/staging.js", date: "2024-01-01", flags: []string{"nodejs_compat"},
			vars: map[string]any{"A": "staging"}, limits: Limits{CPUMs: 10}, rules: dataRule,
			keepVars: true,
			warnings: []string{
				`"kv_namespaces" exists at the top level, but not in env.staging; it is not inherited, so env.staging has none`,
				`vars "B" exist at the top level, but not in env.staging.vars; vars are not inherited`,
			},
		}},
		{toml, "production", want{
			name: "prod-worker", main: "src/index.js", date: "2024-01-01", flags: []string{},
			vars: map[string]any{}, limits: Limits{CPUMs: 10}, rules: dataRule,
			kv: prodKV, keepVars: true,
			warnings: []string{
				`"vars" exists at the top level, but not in env.production; it is not inherited, so env.production has none`,
			},
		}},
		{json, "production", want{
			name: "prod-worker", vars: map[string]any{}, kv: prodKV,
			warnings: []string{
				`"vars" exists at the top level, but not in env.production; it is not inherited, so env.production has none`,
			},
		}},
	} {
		t.Run(filepath.Base(tc.file)+"/"+tc.env, func(t *testing.T) {
			cfg, err := Load(tc.file, LoadOptions{Env: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			main := ""
			if tc.want.main != "" {
				main = filepath.Join(dir, tc.want.main)
			}
			got := want{
				name: cfg.Name, main: cfg.Main, date: cfg.CompatibilityDate, flags: cfg.CompatibilityFlags,
				vars: cfg.Vars, limits: cfg.Limits, rules: cfg.Rules,
				kv: cfg.Raw["kv_namespaces"], keepVars: cfg.Raw["keep_vars"], warnings: cfg.Warnings,
			}
			tc.want.main = main
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Load(%s, %q):\n got %#v\nwant %#v", filepath.Base(tc.file), tc.env, got, tc.want)
			}
			if cfg.Env != tc.env {
				t.Errorf("Env = %q, want %q", cfg.Env, tc.env)
			}
			if _, ok := cfg.Raw["env"]; ok {
				t.Error(`Raw has "env"`)
			}
		})
	}
}

func TestLoadEnvUndefined(t *testing.T) {
	t.Chdir(testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": envTOML,
		"plain.toml":    "name = \"w\"\n[vars]\nA = \"top\"\n",
	}))
	_, err := Load("wrangler.toml", LoadOptions{Env: "qa"})
	want := `wrangler.toml: no environment "qa" is defined; the environments are "production", "staging"`
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}

	// Like wrangler, a file without environments only warns, and is used as it is, named for the env.
	cfg, err := Load("plain.toml", LoadOptions{Env: "qa"})
	if err != nil {
		t.Fatal(err)
	}
	warnings := []string{`no environment "qa" is defined in plain.toml; using the top-level configuration`}
	if cfg.Name != "w-qa" || !reflect.DeepEqual(cfg.Vars, map[string]any{"A": "top"}) || !reflect.DeepEqual(cfg.Warnings, warnings) {
		t.Errorf("Load(plain.toml, qa) = name %q, vars %v, warnings %q", cfg.Name, cfg.Vars, cfg.Warnings)
	}
}

func TestLoadWarnings(t *testing.T) {
	t.Chdir(testutil.WriteFiles(t, map[string]string{
		"wrangler.toml": `name = "w"
fo = 1
workers_dev = false
account_id = "x"
usage_model = "bundled"
node_compat = true
send_metrics = false
[triggers]
crons = ["* * * * *"]
[env.staging]
bar = 2
keep_vars = true
[env.staging.dev]
port = 1
[env.other]
ignored = "only the selected environment is checked"
`,
		"wrangler.jsonc": `{"$schema": "x", "name": "w", "observability": {"enabled": true}, "unknown_key": 1}`,
	}))
	for _, tc := range []struct {
		file, env string
		want      []string
	}{
		{"wrangler.toml", "", []string{`unexpected field "fo" in wrangler.toml`}},
		{"wrangler.toml", "staging", []string{
			`unexpected field "fo" in wrangler.toml`,
			`unexpected field "bar" in env.staging`,
			`unexpected field "dev" in env.staging: it is only allowed at the top level`,
			`unexpected field "keep_vars" in env.staging: it is only allowed at the top level`,
		}},
		{"wrangler.jsonc", "", []string{`unexpected field "unknown_key" in wrangler.jsonc`}},
	} {
		cfg, err := Load(tc.file, LoadOptions{Env: tc.env})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cfg.Warnings, tc.want) {
			t.Errorf("Load(%s, %q) warnings:\n got %q\nwant %q", tc.file, tc.env, cfg.Warnings, tc.want)
		}
		if _, ok := cfg.Raw["fo"]; ok {
			t.Errorf("Load(%s, %q): Raw holds the unexpected field", tc.file, tc.env)
		}
	}
}
