package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

func TestLoadDevVars(t *testing.T) {
	all := map[string]string{
		".dev.vars":          "FROM=dev.vars\nTOP=1\n",
		".dev.vars.staging":  "FROM=dev.vars.staging\n",
		".env":               "FROM=env\nA=env\nB=env\nC=env\n",
		".env.local":         "FROM=env.local\nA=env.local\nB=env.local\n",
		".env.staging":       "FROM=env.staging\nA=env.staging\n",
		".env.staging.local": "FROM=env.staging.local\n",
	}
	without := func(names ...string) map[string]string {
		files := map[string]string{}
		for k, v := range all {
			files[k] = v
		}
		for _, n := range names {
			delete(files, n)
		}
		return files
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		env   string
		want  map[string]string
	}{
		{".dev.vars", all, "", map[string]string{"FROM": "dev.vars", "TOP": "1"}},
		// .dev.vars.<env> replaces .dev.vars: nothing of .dev.vars is loaded.
		{".dev.vars.<env>", all, "staging", map[string]string{"FROM": "dev.vars.staging"}},
		{".dev.vars without .dev.vars.<env>", all, "production", map[string]string{"FROM": "dev.vars", "TOP": "1"}},
		{".dev.vars.<env> alone", map[string]string{".dev.vars.staging": "X=1"}, "staging", map[string]string{"X": "1"}},
		// Without .dev.vars the .env files are merged, the most specific winning.
		{".env files", without(".dev.vars", ".dev.vars.staging"), "",
			map[string]string{"FROM": "env.local", "A": "env.local", "B": "env.local", "C": "env"}},
		{".env files for an env", without(".dev.vars", ".dev.vars.staging"), "staging",
			map[string]string{"FROM": "env.staging.local", "A": "env.local", "B": "env.local", "C": "env"}},
		{".env.<env> over .env", map[string]string{".env": "A=env\nB=env", ".env.staging": "A=staging"}, "staging",
			map[string]string{"A": "staging", "B": "env"}},
		{".env.<env> ignored without env", map[string]string{".env.staging": "A=staging"}, "", nil},
		{"empty .dev.vars still hides .env", map[string]string{".dev.vars": "", ".env": "A=1"}, "", map[string]string{}},
		{"no files", nil, "staging", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadDevVars(testutil.WriteFiles(t, tc.files), tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("LoadDevVars(%q) = %q, want %q", tc.env, got, tc.want)
			}
		})
	}
}

func TestLoadDevVarsErrors(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{".dev.vars": "A=1\nB\n", ".env.local": "OK=1\nC='x\n", "sub/.dev.vars/x": ""})
	_, err := LoadDevVars(dir, "")
	want := filepath.Join(dir, ".dev.vars") + ":2:2: expected = after B"
	if err == nil || err.Error() != want {
		t.Errorf("LoadDevVars error = %v, want %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || e.Column != 2 {
		t.Errorf("LoadDevVars error %#v is not an *Error at 2:2", err)
	}

	_, err = LoadDevVars(filepath.Join(dir, "sub"), "")
	if err == nil || errors.As(err, &e) {
		t.Errorf("LoadDevVars with a .dev.vars directory: error = %v, want a read error", err)
	}
}

func TestParseVarFlag(t *testing.T) {
	for _, tc := range []struct{ in, key, value, err string }{
		{"A:1", "A", "1", ""},
		{"URL:https://example.com:8080/x", "URL", "https://example.com:8080/x", ""},
		{"EMPTY:", "EMPTY", "", ""},
		{"Q:'quoted'", "Q", "'quoted'", ""},
		{"A=1", "", "", `--var "A=1": expected KEY:VALUE`},
		{":1", "", "", `--var ":1": the variable name before the colon is empty`},
	} {
		key, value, err := ParseVarFlag(tc.in)
		if key != tc.key || value != tc.value || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("ParseVarFlag(%q) = %q, %q, %v; want %q, %q, %s", tc.in, key, value, err, tc.key, tc.value, tc.err)
		}
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"json first", []string{"wrangler.toml", "wrangler.jsonc", "wrangler.json"}, "wrangler.json"},
		{"then jsonc", []string{"wrangler.toml", "wrangler.jsonc"}, "wrangler.jsonc"},
		{"then toml", []string{"wrangler.toml"}, "wrangler.toml"},
		{"directories are not files", []string{"wrangler.json/x", "wrangler.toml"}, "wrangler.toml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for _, f := range tc.files {
				files[f] = "{}"
			}
			dir := testutil.WriteFiles(t, files)
			got, err := Find(dir)
			if err != nil || got != filepath.Join(dir, tc.want) {
				t.Errorf("Find = %q, %v; want %s", got, err, tc.want)
			}
		})
	}

	dir := testutil.WriteFiles(t, map[string]string{"wrangler.yaml": ""})
	_, err := Find(dir)
	want := "no wrangler configuration file in " + dir + " (looked for wrangler.json, wrangler.jsonc and wrangler.toml)"
	if !errors.Is(err, ErrNoConfig) || err.Error() != want {
		t.Errorf("Find error = %v, want %s wrapping ErrNoConfig", err, want)
	}

	file := filepath.Join(testutil.WriteFiles(t, map[string]string{"f": ""}), "f")
	if _, err := Find(file); err == nil || errors.Is(err, ErrNoConfig) {
		t.Errorf("Find(a file) error = %v, want the stat error", err)
	}
}
