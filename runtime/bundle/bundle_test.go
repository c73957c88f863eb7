package bundle

import (
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moltworker/molt/internal/testutil"
)

func TestBuild(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		entry  string
		rules  []Rule
		format Format
		// code lists regexps the bundle must match; warn one a warning must match.
		code []string
		warn string
	}{
		{
			name:   "module worker",
			files:  map[string]string{"src/index.js": `export default { fetch() { return new Response("hi"); } };`},
			entry:  "src/index.js",
			format: Modules,
			code:   []string{`var __molt_exports = `, `(?m)^  return index_exports;$`},
		},
		{
			name:   "service worker",
			files:  map[string]string{"sw.js": `addEventListener("fetch", (e) => e.respondWith(new Response("hi")));`},
			entry:  "sw.js",
			format: ServiceWorker,
		},
		{
			name:   "exports without a default are a service worker, with a warning",
			files:  map[string]string{"w.js": `export const x = 1; addEventListener("fetch", () => {});`},
			entry:  "w.js",
			format: ServiceWorker,
			warn:   "has exports but no default export",
		},
		{
			name: "TypeScript, a Text module and a Data module",
			files: map[string]string{
				"src/index.ts": `import text from "./a.txt"; import data from "./b.bin";
const n: number = 1; export default { fetch() { return new Response(text + (data as ArrayBuffer).byteLength + n); } };`,
				"src/a.txt": "hello", "src/b.bin": "\x00\x01",
			},
			entry:  "src/index.ts",
			format: Modules,
			code:   []string{`"hello"`, `\.buffer\.slice\(`},
		},
		{
			name: "a project rule makes .md files Text",
			files: map[string]string{
				"index.js":  `import readme from "./README.md"; export default { fetch() { return new Response(readme); } };`,
				"README.md": "# title",
			},
			entry:  "index.js",
			rules:  []Rule{{Type: "Text", Globs: []string{"**/*.md"}}},
			format: Modules,
			code:   []string{`"# title"`},
		},
		{
			name: "npm package with a workerd export condition",
			files: map[string]string{
				"index.js":                      `import { where } from "pkg"; export default { fetch() { return new Response(where); } };`,
				"node_modules/pkg/package.json": `{"name":"pkg","exports":{"workerd":"./w.js","default":"./d.js"}}`,
				"node_modules/pkg/w.js":         `export const where = "workerd build";`,
				"node_modules/pkg/d.js":         `export const where = "default build";`,
			},
			entry:  "index.js",
			format: Modules,
			code:   []string{`workerd build`},
		},
		{
			name:   "async generators are lowered for goja",
			files:  map[string]string{"index.js": `async function* g() { yield 1; } export default { async fetch() { for await (const x of g()) {} return new Response(""); } };`},
			entry:  "index.js",
			format: Modules,
			code:   []string{`__asyncGenerator`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.WriteFiles(t, c.files)
			res, err := Build(Options{Entry: filepath.Join(dir, c.entry), Dir: dir, Rules: c.rules})
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != c.format {
				t.Errorf("format %s, want %s", res.Format, c.format)
			}
			for _, re := range c.code {
				if !regexp.MustCompile(re).Match(res.Code) {
					t.Errorf("bundle does not match %q:\n%s", re, res.Code)
				}
			}
			if !strings.HasSuffix(strings.TrimSpace(string(res.Code)), "//# sourceMappingURL="+res.Name+".map") {
				t.Errorf("bundle does not end with its source map link")
			}
			if !strings.Contains(string(res.SourceMap), `"`+filepath.ToSlash(c.entry)+`"`) {
				t.Errorf("source map does not name %s relative to the project: %s", c.entry, res.SourceMap)
			}
			entry := filepath.Join(dir, c.entry)
			found := false
			for _, in := range res.Inputs {
				found = found || in == entry
			}
			if !found {
				t.Errorf("inputs %v lack the entry %s", res.Inputs, entry)
			}
			warned := c.warn == ""
			for _, w := range res.Warnings {
				warned = warned || strings.Contains(w, c.warn)
			}
			if !warned {
				t.Errorf("warnings %q lack %q", res.Warnings, c.warn)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		entry string
		rules []Rule
		want  string
	}{
		{"syntax error", map[string]string{"src/index.js": "export default {\n  fetch() { return 1 +; }\n};\n"}, "src/index.js", nil,
			`^src/index.js:2:\d+: ERROR: Unexpected ";"\n    .*\n +\^$`},
		{"unresolved import", map[string]string{"index.js": `import x from "nope";`}, "index.js", nil, `index.js:1:\d+: ERROR: Could not resolve "nope"`},
		{"unknown rule type", map[string]string{"index.js": ``}, "index.js", []Rule{{Type: "Yaml", Globs: []string{"*.yml"}}}, `module rule type "Yaml"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := testutil.WriteFiles(t, c.files)
			_, err := Build(Options{Entry: filepath.Join(dir, c.entry), Dir: dir, Rules: c.rules})
			if err == nil {
				t.Fatal("built; want an error")
			}
			if !regexp.MustCompile(c.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %q", err, c.want)
			}
		})
	}
	t.Run("missing entry", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Build(Options{Entry: filepath.Join(dir, "src/index.js"), Dir: dir})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "src/index.js") {
			t.Errorf("error %v, want one naming src/index.js that wraps fs.ErrNotExist", err)
		}
	})
}

func TestGlobRegexp(t *testing.T) {
	cases := []struct {
		glob, path string
		match      bool
	}{
		{"**/*.txt", "a.txt", true},
		{"**/*.txt", "src/deep/a.txt", true},
		{"**/*.txt", "a.txt.js", false},
		{"*.txt", "src/a.txt", false},
		{"src/*.bin", "src/x.bin", true},
		{"src/?.bin", "src/xy.bin", false},
		{"data/**", "data/a/b", true},
	}
	for _, c := range cases {
		if got := globRegexp(c.glob).MatchString(c.path); got != c.match {
			t.Errorf("glob %q on %q: %v, want %v", c.glob, c.path, got, c.match)
		}
	}
}

func TestCompiledWasm(t *testing.T) {
	dir := testutil.WriteFiles(t, map[string]string{
		"src/index.js": `import m from "../lib/add.wasm"; import again from "../lib/add.wasm"; import other from "./x.bin.wasm";
export default { m, same: m === again, other };`,
		"lib/add.wasm":   "\x00asm\x01\x00\x00\x00",
		"src/x.bin.wasm": "\x00asm\x01\x00\x00\x00\x00",
	})
	res, err := Build(Options{Entry: filepath.Join(dir, "src/index.js"), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lib/add.wasm": "\x00asm\x01\x00\x00\x00", "src/x.bin.wasm": "\x00asm\x01\x00\x00\x00\x00"}
	if len(res.Wasm) != len(want) {
		t.Fatalf("Wasm modules %v, want %v", res.Wasm, want)
	}
	for name, data := range want {
		if string(res.Wasm[name]) != data {
			t.Errorf("Wasm[%q] = %q, want %q", name, res.Wasm[name], data)
		}
		if !strings.Contains(string(res.Code), `"`+WasmPrefix+name+`"`) {
			t.Errorf("the bundle does not import %s%s:\n%s", WasmPrefix, name, res.Code)
		}
	}
}
