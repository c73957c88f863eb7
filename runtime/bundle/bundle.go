// Package bundle turns a Workers project into one classic script that goja
// can run, the way wrangler bundles a worker with esbuild before handing it
// to workerd.
//
// goja runs classic scripts, not ES modules, so the bundle is an IIFE whose
// value is stored in the global variable named by GlobalName: after running
// Result.Code, globalThis[GlobalName].default is a module worker's default
// export and every other named export of the entry (Durable Object classes,
// for instance) sits beside it. A service worker's top-level code simply runs.
//
// Specifiers the runtime provides itself ("cloudflare:*", "node:*") are left
// out of the bundle. The script reaches them through a global function named
// require that the runtime must define before running Code:
//
//	require(specifier string) namespace
//
// It is called with the exact specifier, once per importing module while the
// bundle's top-level code runs (and from a Promise job for a dynamic
// import()). The returned object is used as the module namespace: named
// imports read its properties when used; a default import reads its
// "default" property if the object has a truthy __esModule property, and is
// the object itself otherwise.
package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// GlobalName is the global variable that holds the entry module's exports
// once Code has run: the runtime reads the worker's handlers from it.
const GlobalName = "__molt_exports"

// Format is the Workers script format of the entry module, which decides how
// the runtime finds the worker's handlers.
type Format string

const (
	// Modules is an entry with a default export (export default {fetch}):
	// the handlers are properties of globalThis[GlobalName].default.
	Modules Format = "modules"
	// ServiceWorker is an entry without a default export: its top-level code
	// registers handlers with addEventListener.
	ServiceWorker Format = "service-worker"
)

// Options describes one worker to bundle.
type Options struct {
	// Entry is the absolute path of the entry module (.js, .mjs, .cjs, .ts,
	// .mts, .cts, .jsx or .tsx). Like wrangler, .js, .mjs and .cjs files may
	// contain JSX.
	Entry string
	// Dir is the project directory. File names in errors, warnings and the
	// source map are relative to it. Packages resolve from the node_modules
	// directories beside each importing file and in its parents, so a
	// project inside a workspace finds the workspace's node_modules too.
	// Empty means the entry's directory.
	Dir string
	// Rules are module rules in wrangler's style, tried before the default
	// ones, which are always on; see Rule.
	Rules []Rule
	// Define replaces global identifiers or member expressions with the
	// given JS expressions at build time, like wrangler's [define].
	Define map[string]string
	// Minify shortens the code; stack traces still map back through the
	// source map.
	Minify bool
}

// Result is a bundled worker.
type Result struct {
	// Code is one classic script. Its last line is
	// "//# sourceMappingURL=" + Name + ".map", so a runtime that compiles it
	// under the file name Name and serves SourceMap for Name+".map" (goja:
	// parser.WithSourceMapLoader) gets stack traces in original positions.
	Code []byte
	// Name is the script's file name: the entry's base name with its
	// extension replaced by ".js" (src/index.ts gives "index.js"). Compiling
	// Code under this bare name, without a directory, makes goja report
	// frames with the map's Dir-relative sources, such as src/index.ts:12:5.
	Name string
	// SourceMap is the v3 source map of Code. Its sources are slash-separated
	// paths relative to Dir (src/index.ts, node_modules/hono/dist/hono.js)
	// and it carries their contents, so nothing needs to be read from disk
	// to show the original code.
	SourceMap []byte
	// Format is Modules if the entry has a default export and ServiceWorker
	// otherwise. It comes from esbuild's metafile for a quick unbundled build
	// of the entry alone, run beside the bundling: the entry output's
	// "exports" list. This is how wrangler guesses a worker's format, and
	// like wrangler an entry with exports but no default export is a service
	// worker (with a warning). Names re-exported by "export * from" are not
	// in that list.
	Format Format
	// Inputs are the absolute paths of every file that went into the bundle,
	// sorted: the project's modules, rule modules (text, data) and the
	// node_modules files used, which all matter to a live-reload watcher
	// (an npm install changes what is bundled). The package.json and
	// tsconfig.json files esbuild consulted are not included.
	Inputs []string
	// Warnings are esbuild's warnings, printed as Message.String does.
	Warnings []string
	// Wasm holds the bytes of the CompiledWasm modules the bundle imports,
	// by the name the bundle imports them with (after WasmPrefix): their
	// path relative to Dir.
	Wasm map[string][]byte
}

// The bundle is for goja, not V8, so this is the list of syntax features
// that esbuild must rewrite because goja cannot parse or run them (checked
// against goja's own parser; everything else up to ES2022 and beyond, such
// as class private members and static blocks, optional chaining, ??=, BigInt
// and async functions, runs as written, which keeps the bundle fast).
var gojaUnsupported = map[string]bool{
	"async-generator": false, // "Async generators are not supported yet"
	"for-await":       false, // SyntaxError
	"decorators":      false, // JS decorators (TypeScript's are always lowered)
	"using":           false, // using declarations
	// goja rejects public class fields named get, set or async ("set = ..."),
	// which Hono uses; esbuild then assigns fields in the constructor.
	"class-field": false,
	// A classic script cannot call import(): esbuild turns it into a Promise
	// that resolves to require(specifier) for external modules.
	"dynamic-import": false,
	// goja rejects the d and v regular-expression flags when it parses the
	// literal; written as new RegExp(...), a library that has one such
	// pattern still loads, and fails only if it really uses the pattern.
	"regexp-match-indices": false,
	"regexp-set-notation":  false,
}

// buildConditions are the package.json "exports" conditions wrangler
// bundles with (besides esbuild's own default, import and require), so a
// package picks the same file as under wrangler.
var buildConditions = []string{"workerd", "worker", "browser"}

// Builder bundles one worker again and again. esbuild keeps the files it
// parsed between builds and parses again only those whose contents changed,
// which makes rebuilds after an edit cheaper than a fresh Build. A Builder is
// for one goroutine at a time; Close it when done.
type Builder struct {
	opts   Options
	name   string
	bundle api.BuildContext
	// format is the unbundled build of the entry alone that tells whether
	// it has a default export (see Result.Format).
	format api.BuildContext
	wasm   *wasmFiles
}

// NewBuilder checks the options and prepares the builds without reading any
// source file: errors in the project surface from Build.
func NewBuilder(opts Options) (*Builder, error) {
	if !filepath.IsAbs(opts.Entry) {
		return nil, fmt.Errorf("bundle: entry %q is not an absolute path", opts.Entry)
	}
	opts.Entry = filepath.Clean(opts.Entry)
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(opts.Entry)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	opts.Dir = dir
	wasm := &wasmFiles{}
	plugin, err := rulesPlugin(opts.Dir, opts.Rules, wasm)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(opts.Entry)
	name := strings.TrimSuffix(base, filepath.Ext(base)) + ".js"

	var minify bool = opts.Minify
	bundle, cerr := api.Context(api.BuildOptions{
		EntryPoints:   []string{opts.Entry},
		AbsWorkingDir: opts.Dir,
		// Nothing is written, but the output's place decides what the
		// source map's sources are relative to: Dir.
		Outfile:  filepath.Join(opts.Dir, name),
		Write:    false,
		Bundle:   true,
		Metafile: true,
		LogLevel: api.LogLevelSilent,

		Format:     api.FormatIIFE,
		GlobalName: GlobalName,
		Platform:   api.PlatformBrowser,
		Conditions: buildConditions,
		External:   []string{"cloudflare:*", "node:*"},
		Target:     api.ESNext,
		Supported:  gojaUnsupported,
		Loader:     jsxLoaders,
		Define:     opts.Define,
		Plugins:    []api.Plugin{plugin},

		Sourcemap:         api.SourceMapLinked,
		MinifyWhitespace:  minify,
		MinifyIdentifiers: minify,
		MinifySyntax:      minify,
	})
	if cerr != nil {
		return nil, newError(opts.Dir, cerr.Errors)
	}
	format, cerr := api.Context(api.BuildOptions{
		EntryPoints:   []string{opts.Entry},
		AbsWorkingDir: opts.Dir,
		Write:         false,
		Metafile:      true,
		LogLevel:      api.LogLevelSilent,
		Format:        api.FormatESModule,
		Target:        api.ESNext,
		Loader:        jsxLoaders,
	})
	if cerr != nil {
		bundle.Dispose()
		return nil, newError(opts.Dir, cerr.Errors)
	}
	return &Builder{opts: opts, name: name, bundle: bundle, format: format, wasm: wasm}, nil
}

// jsxLoaders lets plain JavaScript files contain JSX, as wrangler does.
var jsxLoaders = map[string]api.Loader{".js": api.LoaderJSX, ".mjs": api.LoaderJSX, ".cjs": api.LoaderJSX}

// Build bundles the worker as its files are now. A failed build returns an
// *Error; a missing entry file returns an error that wraps fs.ErrNotExist.
func (b *Builder) Build() (*Result, error) {
	if _, err := os.Stat(b.opts.Entry); err != nil {
		rel := relPath(b.opts.Dir, b.opts.Entry)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("bundle: entry module %s does not exist: %w", rel, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("bundle: entry module %s: %w", rel, err)
	}
	// The two builds share nothing, so the format check costs no time
	// beside the bundling on a machine with a spare core.
	formatDone := make(chan api.BuildResult, 1)
	go func() { formatDone <- b.format.Rebuild() }()
	b.wasm.take()
	res := b.bundle.Rebuild()
	fres := <-formatDone
	wasm := b.wasm.take()
	if len(res.Errors) > 0 {
		return nil, newError(b.opts.Dir, res.Errors)
	}
	if len(fres.Errors) > 0 {
		return nil, newError(b.opts.Dir, fres.Errors)
	}

	out := &Result{Name: b.name, Wasm: wasm}
	for _, f := range res.OutputFiles {
		switch filepath.Base(f.Path) {
		case b.name:
			out.Code = f.Contents
		case b.name + ".map":
			out.SourceMap = f.Contents
		}
	}
	if out.Code == nil || out.SourceMap == nil {
		return nil, fmt.Errorf("bundle: esbuild returned no %s or no %s.map", b.name, b.name)
	}
	out.Code = directExports(out.Code)
	var err error
	if out.Inputs, err = inputs(b.opts.Dir, res.Metafile); err != nil {
		return nil, err
	}
	exports, err := entryExports(fres.Metafile)
	if err != nil {
		return nil, err
	}
	out.Format = ServiceWorker
	if slices.Contains(exports, "default") {
		out.Format = Modules
	} else if len(exports) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf(
			"%s: WARNING: the entry module has exports but no default export, so it runs as a service worker",
			relPath(b.opts.Dir, b.opts.Entry)))
	}
	for _, w := range append(res.Warnings, fres.Warnings...) {
		out.Warnings = append(out.Warnings, newMessage(b.opts.Dir, w, "WARNING").String())
	}
	return out, nil
}

// Close releases esbuild's state. The Builder must not be used afterwards.
func (b *Builder) Close() {
	b.bundle.Dispose()
	b.format.Dispose()
}

// Build bundles a worker once. Use a Builder to bundle the same worker again
// after its files change.
func Build(opts Options) (*Result, error) {
	b, err := NewBuilder(opts)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return b.Build()
}

// toCommonJS is how esbuild's IIFE output ends: it copies the entry's exports, already
// getters on the namespace object, onto a new object with an __esModule flag, through a
// for-of over getOwnPropertyNames and a closure per export. In goja that copy was most of a
// small worker's set-up, repeated for every request's fresh isolate; the runtime reads the
// handlers off the namespace object and never the flag, so the namespace itself is returned.
var toCommonJS = regexp.MustCompile(`(?m)^  return __toCommonJS\(([A-Za-z_$][\w$]*)\);$`)

// directExports returns the namespace object instead of its CommonJS copy. The replacement
// stays on its line, so the source map still holds.
func directExports(code []byte) []byte {
	return toCommonJS.ReplaceAll(code, []byte("  return $1;"))
}

// metafile is the part of esbuild's metafile that Build reads.
type metafile struct {
	Inputs  map[string]json.RawMessage `json:"inputs"`
	Outputs map[string]struct {
		EntryPoint string   `json:"entryPoint"`
		Exports    []string `json:"exports"`
	} `json:"outputs"`
}

// inputs lists the files in a bundle's metafile. Its keys are paths relative
// to dir; modules that plugins made up carry a "namespace:" prefix and are
// left out (the files they stand for are listed under their own paths).
func inputs(dir, meta string) ([]string, error) {
	var m metafile
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return nil, fmt.Errorf("bundle: reading esbuild's metafile: %w", err)
	}
	paths := make([]string, 0, len(m.Inputs))
	for key := range m.Inputs {
		if ns, _, ok := strings.Cut(key, ":"); ok && !strings.ContainsAny(ns, `/\`) && len(ns) > 1 {
			continue
		}
		paths = append(paths, filepath.Join(dir, filepath.FromSlash(key)))
	}
	slices.Sort(paths)
	return paths, nil
}

// entryExports returns the export names of the only entry point in an
// unbundled ES-module build's metafile.
func entryExports(meta string) ([]string, error) {
	var m metafile
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return nil, fmt.Errorf("bundle: reading esbuild's metafile: %w", err)
	}
	for _, out := range m.Outputs {
		if out.EntryPoint != "" {
			return out.Exports, nil
		}
	}
	return nil, errors.New("bundle: esbuild's metafile has no entry point")
}

// relPath is path relative to dir with forward slashes, or path itself if it
// is not below dir.
func relPath(dir, path string) string {
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return filepath.ToSlash(rel)
}
