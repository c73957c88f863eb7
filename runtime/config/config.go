// Package config reads a Workers project's wrangler configuration (wrangler.json,
// wrangler.jsonc or wrangler.toml) the way wrangler does, including its [env.NAME]
// environments, and the .dev.vars or .env files that hold local secrets.
//
// It decodes the keys molt's runtime needs into Config and keeps the whole effective table
// in Config.Raw, so that binding packages can decode their own sections (kv_namespaces,
// durable_objects, …) without this package knowing them.
package config

import (
	"errors"
	"path/filepath"
)

// Config is a Workers project's effective configuration for one environment.
type Config struct {
	// Path is the absolute path of the configuration file read.
	Path string
	// Dir is the project directory: the one holding the configuration file.
	Dir string
	// Env is the environment selected with --env, or "" for the top level.
	Env string

	// Name is the Worker's name. In an environment that does not set its own, it is the
	// top-level name suffixed with "-<env>", as wrangler names the Worker it deploys.
	Name string
	// Main is the absolute path of the entry module. It is "" when the configuration names
	// none; the caller must then be given the entry file, as `wrangler dev <script>` is.
	Main string
	// CompatibilityDate is the yyyy-mm-dd compatibility date, or "" when the configuration
	// has none; the caller picks the date to use then (molt uses today's).
	CompatibilityDate string
	// CompatibilityFlags are the compatibility flags, in the order written.
	CompatibilityFlags []string
	// Vars are the environment variables of [vars]: strings, and JSON values as
	// encoding/json decodes them (map[string]any, []any, float64, bool). It is never nil.
	Vars map[string]any
	// Limits are the runtime limits of [limits].
	Limits Limits
	// Rules are the module rules of `rules`, in order.
	Rules []Rule
	// KVNamespaces are the Workers KV bindings of kv_namespaces, in order.
	KVNamespaces []KVNamespace
	// VectorizeIndexes are the Vectorize bindings of vectorize, in order.
	VectorizeIndexes []VectorizeIndex
	// AI is the Workers AI binding of [ai], or nil.
	AI *AIBinding
	// DurableObjects are the Durable Object bindings of durable_objects.bindings, in order.
	DurableObjects []DurableObjectBinding
	// Migrations are the Durable Object class migrations, in order.
	Migrations []Migration

	// Raw is the effective configuration after environment selection: every key wrangler
	// knows, with its value as written (integers as float64, like encoding/json), top-level
	// keys and inherited ones included and the "env" table left out.
	Raw map[string]any
	// Warnings are problems that do not stop the Worker from running: unexpected fields,
	// bindings an environment does not inherit, and the like.
	Warnings []string
}

// Limits are a Worker's runtime limits.
type Limits struct {
	// CPUMs is limits.cpu_ms, the CPU time allowed per invocation in milliseconds; 0 if unset.
	CPUMs int
	// MemoryMB is limits.memory_mb, a molt extension: the memory an isolate may keep (a JS
	// isolate's heap, a Wasm isolate's linear memory), in MiB; 0 if unset (128, Cloudflare's
	// limit).
	MemoryMB int
	// Subrequests is limits.subrequests, the subrequests one request may make (Cloudflare's
	// Free plan allows 50, Paid 1000); 0 if unset.
	Subrequests int
}

// Rule is one of wrangler's module rules: files matching Globs are imported as Type.
type Rule struct {
	// Type is how matching files are imported: "ESModule", "CommonJS", "CompiledWasm",
	// "Text" or "Data".
	Type string
	// Globs are the glob patterns of the files the rule applies to.
	Globs []string
	// Fallthrough lets later rules of the same Type apply too.
	Fallthrough bool
}

// LoadOptions are the options of Load.
type LoadOptions struct {
	// Env is the environment to select, as `--env NAME` does; "" selects the top level.
	Env string
}

// Load reads the configuration file at path (.toml, .json or .jsonc; the JSON forms may
// have comments and trailing commas) and selects the environment opts.Env.
//
// Malformed files and mistyped fields are reported as *Error values naming the file as
// given, with the position of the problem when it is known; several are joined with
// errors.Join.
func Load(path string, opts LoadOptions) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	d, err := readDocument(path)
	if err != nil {
		return nil, err
	}
	sel, err := selectEnv(d, opts.Env)
	if err != nil {
		return nil, err
	}
	cfg := &Config{Path: abs, Dir: filepath.Dir(abs), Env: opts.Env, Raw: map[string]any{}, Warnings: sel.warnings}
	for k, f := range sel.fields {
		cfg.Raw[k] = f.value
	}
	r := fieldReader{d: d, fields: sel.fields}
	cfg.Name = r.name(opts.Env)
	cfg.Main = r.main(cfg.Dir)
	cfg.CompatibilityDate = r.compatibilityDate()
	cfg.CompatibilityFlags = r.strList("compatibility_flags")
	cfg.Vars = r.vars()
	cfg.Limits = r.limits()
	cfg.Rules = r.rules()
	cfg.KVNamespaces = r.kvNamespaces()
	cfg.VectorizeIndexes = r.vectorizeIndexes()
	cfg.AI = r.ai()
	var doWarn, migWarn []string
	cfg.DurableObjects, doWarn = r.durableObjects()
	cfg.Migrations, migWarn = r.migrations()
	cfg.Warnings = append(append(cfg.Warnings, doWarn...), migWarn...)
	if err := errors.Join(r.errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}
