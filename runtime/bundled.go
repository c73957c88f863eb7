package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moltworker/molt/runtime/bundle"
	"github.com/moltworker/molt/runtime/config"
)

// Bundle is a worker as molt deploy uploads it and molt serve keeps it: the bundled script,
// its source map, and the effective configuration with the environment already selected, so
// that the server needs neither the project's files nor esbuild.
type Bundle struct {
	// Name is the script's file name (index.js); the script's sourceMappingURL names Name+".map".
	Name string
	// Code is the bundled script.
	Code []byte
	// SourceMap is Code's v3 source map, with the sources' contents.
	SourceMap []byte
	// ServiceWorker is set for a worker without a default export.
	ServiceWorker bool
	// Wasm holds the CompiledWasm modules the script imports, by import name (bundle.Result.Wasm).
	Wasm map[string][]byte
	// Config is the normalized wrangler configuration, as wrangler.json would hold it: the
	// selected environment's keys (no "env" table), its worker name, and the --var overrides
	// merged into "vars". Local secrets (.dev.vars) are not part of it: deploys do not carry them.
	Config map[string]any
	// Warnings are what the configuration and the bundler warned about.
	Warnings []string
}

// BuildBundle reads and bundles the project as Load does, without compiling or running it. A
// project whose main is a .wasm module gives a bundle of that module.
func BuildBundle(p Project) (*Bundle, error) {
	cfg, err := loadConfig(p)
	if err != nil {
		return nil, err
	}
	if cfg.Main == "" {
		return nil, fmt.Errorf("%s: no entry module: set \"main\" in the configuration or pass the entry file", configName(cfg))
	}
	if _, err := os.Stat(cfg.Main); err != nil {
		return nil, fmt.Errorf("%s: entry module %s: %w", configName(cfg), cfg.Main, errors.Unwrap(err))
	}
	raw := make(map[string]any, len(cfg.Raw)+2)
	for k, v := range cfg.Raw {
		raw[k] = v
	}
	if cfg.Name != "" {
		raw["name"] = cfg.Name
	}
	// main stays, relative, only so that messages name the file the user knows.
	raw["main"] = filepath.ToSlash(relTo(cfg.Dir, cfg.Main))
	if p.CompatibilityDate != "" {
		raw["compatibility_date"] = p.CompatibilityDate
	}
	if len(p.Vars) > 0 {
		vars := map[string]any{}
		for k, v := range cfg.Vars {
			vars[k] = v
		}
		for k, v := range p.Vars {
			vars[k] = v
		}
		raw["vars"] = vars
	}
	delete(raw, "rules") // already applied by the bundler
	if isWasmMain(cfg.Main) {
		// A Wasm worker is its module: nothing to bundle. main names the module's file, which
		// the server keeps beside the configuration.
		code, err := os.ReadFile(cfg.Main)
		if err != nil {
			return nil, fmt.Errorf("%s: entry module %s: %w", configName(cfg), relTo(cfg.Dir, cfg.Main), err)
		}
		raw["main"] = filepath.Base(cfg.Main)
		return &Bundle{Name: filepath.Base(cfg.Main), Code: code, Config: raw, Warnings: append([]string(nil), cfg.Warnings...)}, nil
	}
	res, err := bundle.Build(bundle.Options{Entry: cfg.Main, Dir: cfg.Dir, Rules: bundleRules(cfg.Rules)})
	if err != nil {
		return nil, err
	}
	return &Bundle{
		Name: res.Name, Code: res.Code, SourceMap: res.SourceMap, ServiceWorker: res.Format == bundle.ServiceWorker, Wasm: res.Wasm,
		Config: raw, Warnings: append(append([]string(nil), cfg.Warnings...), res.Warnings...),
	}, nil
}

// FromBundle makes a Worker from an uploaded bundle and its configuration, read back from the
// bundle's normalized config (config.Load of the wrangler.json it was written to). Only the
// configuration's vars make up env: an upload carries no .dev.vars. A Wasm bundle (Name ends
// in .wasm) runs from its file: cfg.Main must be where Code was written.
func FromBundle(cfg *config.Config, b *Bundle, opts Options) (*Worker, error) {
	if b.Name == "" || strings.ContainsAny(b.Name, `/\`) {
		return nil, fmt.Errorf("bundle: script name %q must be a bare file name", b.Name)
	}
	if isWasmMain(b.Name) {
		if cfg.Main != filepath.Join(cfg.Dir, b.Name) {
			return nil, fmt.Errorf("bundle: a Wasm worker's main must be its module, %s, got %s", b.Name, cfg.Main)
		}
		return loadWasm(Project{}, cfg, opts, workerLimits(cfg, opts))
	}
	env := make(map[string]any, len(cfg.Vars))
	for k, v := range cfg.Vars {
		env[k] = v
	}
	return startWorker(cfg, built{name: b.Name, code: b.Code, sourceMap: b.SourceMap, serviceWorker: b.ServiceWorker, warnings: b.Warnings, wasm: b.Wasm}, env, opts)
}
