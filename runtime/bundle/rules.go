package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// Rule is one of wrangler's module rules: an imported file whose path,
// relative to the project directory, matches one of Globs is imported as
// Type.
//
//   - "Text": the module's default export is the file's contents as a string.
//   - "Data": the default export is an ArrayBuffer of the file's bytes.
//   - "ESModule", "CommonJS": the file is JavaScript of that kind, whatever
//     its extension.
//   - "CompiledWasm": the default export is a WebAssembly.Module. The bundle
//     imports it as the external module WasmPrefix + name, and Result.Wasm
//     holds its bytes under name, for the runtime to compile before the
//     worker runs.
type Rule struct {
	Type  string
	Globs []string
	// Fallthrough keeps the default rules of the same Type after this one.
	// Without it a project rule of a Type replaces wrangler's defaults for
	// that Type, as in wrangler.
	Fallthrough bool
}

// defaultRules are wrangler's module rules, always tried after the
// project's own.
var defaultRules = []Rule{
	{Type: "Text", Globs: []string{"**/*.txt", "**/*.html", "**/*.sql"}},
	{Type: "Data", Globs: []string{"**/*.bin"}},
	{Type: "CompiledWasm", Globs: []string{"**/*.wasm", "**/*.wasm?module"}},
}

// rule is a Rule with its globs compiled.
type rule struct {
	typ   string
	globs []*regexp.Regexp
}

// bytesNamespace holds the raw bytes behind a Data module, which wraps them
// in an ArrayBuffer (esbuild's binary loader gives a Uint8Array).
const bytesNamespace = "molt-bytes"

// WasmPrefix starts the specifier through which a bundle imports a
// CompiledWasm module: WasmPrefix + its path relative to the project
// directory, the key of its bytes in Result.Wasm.
const WasmPrefix = "molt:wasm/"

// wasmFiles collects the CompiledWasm modules of one build; esbuild calls
// plugins from several goroutines.
type wasmFiles struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (w *wasmFiles) add(name string, data []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.files == nil {
		w.files = map[string][]byte{}
	}
	w.files[name] = data
}

// take returns the modules collected since the last take.
func (w *wasmFiles) take() map[string][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	f := w.files
	w.files = nil
	return f
}

// rulesPlugin returns the esbuild plugin that applies the project's rules
// and wrangler's defaults to every file the bundle imports.
func rulesPlugin(dir string, project []Rule, wasm *wasmFiles) (api.Plugin, error) {
	var rules []rule
	replaced := map[string]bool{}
	for _, r := range project {
		switch r.Type {
		case "Text", "Data", "ESModule", "CommonJS", "CompiledWasm":
		default:
			return api.Plugin{}, fmt.Errorf("bundle: module rule type %q is not one of Text, Data, ESModule, CommonJS, CompiledWasm", r.Type)
		}
		cr := rule{typ: r.Type}
		for _, g := range r.Globs {
			cr.globs = append(cr.globs, globRegexp(g))
		}
		rules = append(rules, cr)
		if !r.Fallthrough {
			replaced[r.Type] = true
		}
	}
	for _, r := range defaultRules {
		if replaced[r.Type] {
			continue
		}
		cr := rule{typ: r.Type}
		for _, g := range r.Globs {
			cr.globs = append(cr.globs, globRegexp(g))
		}
		rules = append(rules, cr)
	}
	match := func(path string) string {
		rel := relPath(dir, path)
		for _, r := range rules {
			for _, g := range r.globs {
				if g.MatchString(rel) {
					return r.typ
				}
			}
		}
		return ""
	}
	return api.Plugin{
		Name: "molt-module-rules",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: "^" + regexp.QuoteMeta(WasmPrefix)},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{Path: args.Path, External: true}, nil
				})
			b.OnResolve(api.OnResolveOptions{Filter: "^" + bytesNamespace + ":"},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{Path: strings.TrimPrefix(args.Path, bytesNamespace+":"), Namespace: bytesNamespace}, nil
				})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: bytesNamespace},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					data, err := os.ReadFile(args.Path)
					if err != nil {
						return api.OnLoadResult{}, err
					}
					s := string(data)
					return api.OnLoadResult{Contents: &s, Loader: api.LoaderBinary}, nil
				})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					typ := match(args.Path)
					if typ == "" {
						return api.OnLoadResult{}, nil
					}
					if typ == "CompiledWasm" {
						data, err := os.ReadFile(args.Path)
						if err != nil {
							return api.OnLoadResult{}, err
						}
						name := relPath(dir, args.Path)
						wasm.add(name, data)
						src := fmt.Sprintf("export { default } from %q;\n", WasmPrefix+name)
						return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
					}
					if typ == "Data" {
						src := fmt.Sprintf("import u8 from %q;\nexport default u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);\n",
							bytesNamespace+":"+args.Path)
						return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS, ResolveDir: filepath.Dir(args.Path)}, nil
					}
					data, err := os.ReadFile(args.Path)
					if err != nil {
						return api.OnLoadResult{}, err
					}
					s := string(data)
					loader := api.LoaderText
					if typ == "ESModule" || typ == "CommonJS" {
						loader = api.LoaderJS
					}
					return api.OnLoadResult{Contents: &s, Loader: loader}, nil
				})
		},
	}, nil
}

// globRegexp compiles a wrangler glob: "**/" is any number of directories,
// "*" any run of characters but "/", "?" one such character.
func globRegexp(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case strings.HasPrefix(glob[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(glob[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
