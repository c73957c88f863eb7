// Package runtime is molt's host: it reads a Workers project, bundles it, turns it into a
// deployed Worker and serves HTTP requests through the worker's isolates.
package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime/bundle"
	"github.com/moltworker/molt/runtime/config"
)

// Project names a Workers project on disk and the overrides the command line gives it.
type Project struct {
	// Path is the project directory or a single entry module (.js, .mjs, .ts, ...).
	Path string
	// ConfigPath is the wrangler configuration file; empty means found in the directory.
	ConfigPath string
	// Env selects an [env.NAME] section.
	Env string
	// Vars override or add variables (--var KEY:VALUE).
	Vars map[string]string
	// CompatibilityDate overrides the configuration's date.
	CompatibilityDate string
}

// Limits bound what one request may use.
type Limits struct {
	// CPU caps the JavaScript time of one request (limits.cpu_ms).
	CPU time.Duration
	// Wall caps a request's total time before the client is answered, for hung requests.
	Wall time.Duration
	// WaitUntil caps how long ctx.waitUntil work may run after the response.
	WaitUntil time.Duration
	// Subrequests caps the subrequests of one request (limits.subrequests); 0 means
	// js.SubrequestLimit, Cloudflare's Paid plan figure.
	Subrequests int
	// Memory caps an isolate's memory (limits.memory_mb), in bytes: the linear memory of a
	// Wasm isolate, the heap a JavaScript isolate keeps (isolates/js/MEMORY.md).
	Memory uint64
}

// Default limits: Cloudflare's paid CPU default, and its 30 s bound on waitUntil work.
const (
	DefaultCPULimit       = 30 * time.Second
	DefaultWallLimit      = 5 * time.Minute
	DefaultWaitUntilLimit = 30 * time.Second
	// DefaultMemoryLimit is Cloudflare's 128 MB per isolate.
	DefaultMemoryLimit = 128 << 20
)

var versions atomic.Int64

// Worker is one immutable deployed version of a Workers project: its compiled code, its
// environment, its limits, and a pool of isolates ready to serve it.
type Worker struct {
	// Name is the worker's name from its configuration.
	Name string
	// Version counts the versions built by this process, for logs.
	Version int64
	// Inputs lists the files the version was built from, for live reload.
	Inputs []string
	// Warnings collects what the configuration and the bundler warned about.
	Warnings []string
	// Limits are the version's per-request limits.
	Limits Limits

	pool *js.Pool
	// wasm is set instead of pool for a worker whose main module is a .wasm file.
	wasm *wasmWorker
	// release lets go of the binding state (KV and Vectorize stores) this version holds.
	release func()
	// objects are the version's Durable Object namespaces; nil for Wasm workers.
	objects *durableObjects
}

// Options are the host-side settings a Worker is built with.
type Options struct {
	// Console receives the worker's console output.
	Console js.Console
	// PoolSize is how many isolates are kept ready; 0 picks a default.
	PoolSize int
	// WallLimit overrides DefaultWallLimit when not zero.
	WallLimit time.Duration
	// CPULimit, when not zero, overrides the configuration's limits.cpu_ms.
	CPULimit time.Duration
	// MemoryLimit, when not zero, overrides the configuration's limits.memory_mb, in bytes.
	MemoryLimit uint64
	// SubrequestLimit, when not zero, overrides the configuration's limits.subrequests.
	SubrequestLimit int
	// PublicSubrequestsOnly refuses workers' subrequests to loopback, private and link-local
	// addresses (molt serve, where they could reach the admin API or internal services).
	PublicSubrequestsOnly bool
	// DurableIdleTimeout is how long an idle Durable Object stays in memory; 0 means
	// js.DefaultIdleTimeout.
	DurableIdleTimeout time.Duration
	// PersistTo is the directory of local binding state (--persist-to); "" means
	// DefaultStateDir in the project.
	PersistTo string
	// Models is the models directory of the [ai] binding (--models); "" means
	// ai.DefaultDir().
	Models string
	// Services resolves the workers that [[services]] bindings name; nil leaves them out with
	// a warning (molt dev).
	Services ServiceResolver
	// DurableObjects resolves the Durable Object classes of other workers (script_name); nil
	// refuses such bindings (molt dev runs one worker).
	DurableObjects DurableResolver
}

// Load reads, bundles and compiles the project into a Worker.
func Load(p Project, opts Options) (*Worker, error) {
	cfg, err := loadConfig(p)
	if err != nil {
		return nil, err
	}
	if cfg.Main == "" {
		return nil, fmt.Errorf("%s: no entry module: set \"main\" in the configuration or pass the entry file to molt dev", cfg.Path)
	}
	if _, err := os.Stat(cfg.Main); err != nil {
		return nil, fmt.Errorf("%s: entry module %s: %w", configName(cfg), cfg.Main, errors.Unwrap(err))
	}
	if isWasmMain(cfg.Main) {
		return loadWasm(p, cfg, opts, workerLimits(cfg, opts))
	}
	res, err := bundle.Build(bundle.Options{Entry: cfg.Main, Dir: cfg.Dir, Rules: bundleRules(cfg.Rules)})
	if err != nil {
		return nil, err
	}
	env, err := environment(p, cfg)
	if err != nil {
		return nil, err
	}
	return startWorker(cfg, built{name: res.Name, code: res.Code, sourceMap: res.SourceMap, serviceWorker: res.Format == bundle.ServiceWorker,
		inputs: res.Inputs, warnings: res.Warnings, compatibilityDate: p.CompatibilityDate, wasm: res.Wasm}, env, opts)
}

// built is bundled code ready to compile, from a project (Load) or from an upload (FromBundle).
type built struct {
	name, compatibilityDate string
	code, sourceMap         []byte
	serviceWorker           bool
	inputs, warnings        []string
	// wasm holds the CompiledWasm modules the code imports (bundle.Result.Wasm).
	wasm map[string][]byte
}

// startWorker compiles bundled code, opens its bindings and fills its isolate pool.
func startWorker(cfg *config.Config, res built, env map[string]any, opts Options) (*Worker, error) {
	script, err := js.Compile(res.name, res.code, res.sourceMap)
	if err != nil {
		return nil, err
	}
	serviceWarnings, err := serviceBindings(cfg, opts.Services, env)
	if err != nil {
		return nil, err
	}
	res.warnings = append(append([]string(nil), res.warnings...), serviceWarnings...)
	limits := workerLimits(cfg, opts)
	engine, modules, err := compileWasm(res.wasm, limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", relTo(cfg.Dir, cfg.Main), err)
	}
	if err := aiBinding(cfg, opts.Models, env); err != nil {
		engine.Close()
		return nil, err
	}
	releaseKV, err := kvBindings(cfg, opts.PersistTo, env)
	if err != nil {
		engine.Close()
		return nil, err
	}
	releaseVectorize, err := vectorizeBindings(cfg, opts.PersistTo, env)
	if err != nil {
		releaseKV()
		return nil, err
	}
	objects, objectWarnings, err := durableBindings(cfg, opts.PersistTo, opts.DurableObjects, env)
	if err != nil {
		releaseKV()
		releaseVectorize()
		return nil, err
	}
	release := func() { objects.close(); releaseKV(); releaseVectorize(); engine.Close() }
	date := cfg.CompatibilityDate
	if res.compatibilityDate != "" {
		date = res.compatibilityDate
	}
	warnings := append(append(append([]string(nil), cfg.Warnings...), res.warnings...), objectWarnings...)
	if date == "" {
		date = time.Now().UTC().Format("2006-01-02")
		warnings = append(warnings, fmt.Sprintf("no compatibility_date is set; using today's date, %s", date))
	}
	size := opts.PoolSize
	if size == 0 {
		size = 4
	}
	jsCfg := &js.Config{
		Script:                script,
		Env:                   env,
		CompatibilityDate:     date,
		CompatibilityFlags:    cfg.CompatibilityFlags,
		CPULimit:              limits.CPU,
		MemoryLimit:           int64(limits.Memory),
		Subrequests:           limits.Subrequests,
		PublicSubrequestsOnly: opts.PublicSubrequestsOnly,
		Console:               opts.Console,
		ServiceWorker:         res.serviceWorker,
		Wasm:                  engine,
		WasmModules:           modules,
	}
	pool, err := js.NewPool(jsCfg, size)
	if err != nil {
		release()
		return nil, fmt.Errorf("%s: the worker's top-level code failed: %w", relTo(cfg.Dir, cfg.Main), err)
	}
	if err := objects.start(jsCfg, opts.DurableIdleTimeout); err != nil {
		pool.Close()
		release()
		return nil, err
	}
	inputs := append([]string{}, res.inputs...)
	if cfg.Path != "" {
		inputs = append(inputs, cfg.Path)
	}
	inputs = append(inputs, filepath.Join(cfg.Dir, ".dev.vars"))
	return &Worker{Name: cfg.Name, Version: versions.Add(1), Inputs: inputs, Warnings: warnings, Limits: limits, pool: pool, release: release, objects: objects}, nil
}

// workerLimits combines the configuration's limits, the defaults and the host's overrides.
func workerLimits(cfg *config.Config, opts Options) Limits {
	limits := Limits{CPU: DefaultCPULimit, Wall: DefaultWallLimit, WaitUntil: DefaultWaitUntilLimit, Memory: DefaultMemoryLimit}
	if cfg.Limits.CPUMs > 0 {
		limits.CPU = time.Duration(cfg.Limits.CPUMs) * time.Millisecond
	}
	if cfg.Limits.MemoryMB > 0 {
		limits.Memory = uint64(cfg.Limits.MemoryMB) << 20
	}
	limits.Subrequests = cfg.Limits.Subrequests
	if opts.SubrequestLimit > 0 {
		limits.Subrequests = opts.SubrequestLimit
	}
	if opts.CPULimit > 0 {
		limits.CPU = opts.CPULimit
	}
	if opts.MemoryLimit > 0 {
		limits.Memory = opts.MemoryLimit
	}
	if opts.WallLimit > 0 {
		limits.Wall = opts.WallLimit
	}
	return limits
}

// Close stops preparing isolates for this version and lets go of its binding state; requests
// in flight finish.
func (w *Worker) Close() {
	if w.pool != nil {
		w.pool.Close()
	}
	w.release()
}

// loadConfig reads the project's wrangler configuration, or makes one for a lone entry file.
func loadConfig(p Project) (*config.Config, error) {
	path := p.Path
	if path == "" {
		path = "."
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", path, errors.Unwrap(err))
	}
	cfgPath := p.ConfigPath
	if cfgPath == "" && !fi.IsDir() {
		return &config.Config{Name: strings.TrimSuffix(fi.Name(), filepath.Ext(fi.Name())), Main: abs, Dir: filepath.Dir(abs)}, nil
	}
	if cfgPath == "" {
		if cfgPath, err = config.Find(abs); err != nil {
			return nil, err
		}
	}
	cfg, err := config.Load(cfgPath, config.LoadOptions{Env: p.Env})
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		cfg.Main = abs
	}
	return cfg, nil
}

// environment merges the worker's vars, its .dev.vars secrets and the --var overrides, in
// wrangler's order of precedence.
func environment(p Project, cfg *config.Config) (map[string]any, error) {
	env := make(map[string]any, len(cfg.Vars))
	for k, v := range cfg.Vars {
		env[k] = v
	}
	if cfg.Path != "" {
		secrets, err := config.LoadDevVars(cfg.Dir, p.Env)
		if err != nil {
			return nil, err
		}
		for k, v := range secrets {
			env[k] = v
		}
	}
	for k, v := range p.Vars {
		env[k] = v
	}
	return env, nil
}

func bundleRules(rules []config.Rule) []bundle.Rule {
	out := make([]bundle.Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, bundle.Rule{Type: r.Type, Globs: r.Globs, Fallthrough: r.Fallthrough})
	}
	return out
}

func configName(cfg *config.Config) string {
	if cfg.Path != "" {
		return filepath.Base(cfg.Path)
	}
	return "molt"
}

func relTo(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}
