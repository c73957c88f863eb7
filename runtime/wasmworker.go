package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moltworker/molt/bindings/kv"
	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/isolates/wasm"
	"github.com/moltworker/molt/runtime/config"
)

// wasmWorker is the Wasm side of a Worker whose main module is a .wasm file: a WASI command
// that answers each request in a fresh instance through WAGI.
type wasmWorker struct {
	engine *wasm.Engine
	worker *wasm.Worker
}

// isWasmMain reports whether the entry is a Wasm module rather than JavaScript.
func isWasmMain(main string) bool { return strings.EqualFold(filepath.Ext(main), ".wasm") }

// loadWasm builds the Worker of a project whose main is a .wasm file. Its vars and secrets
// become environment variables (JSON vars as their JSON text) and its KV namespaces reach it
// through the molt host module; bindings of other kinds are not reachable from Wasm yet and
// are warned about.
func loadWasm(p Project, cfg *config.Config, opts Options, limits Limits) (*Worker, error) {
	bin, err := os.ReadFile(cfg.Main)
	if err != nil {
		return nil, fmt.Errorf("%s: entry module %s: %w", configName(cfg), relTo(cfg.Dir, cfg.Main), err)
	}
	env, err := environment(p, cfg)
	if err != nil {
		return nil, err
	}
	release, err := kvBindings(cfg, opts.PersistTo, env)
	if err != nil {
		return nil, err
	}
	var warnings []string
	warnings = append(warnings, cfg.Warnings...)
	if len(cfg.VectorizeIndexes) > 0 || len(cfg.DurableObjects) > 0 {
		warnings = append(warnings, "Vectorize and Durable Object bindings are not reachable from a Wasm worker yet: only KV namespaces are (module \"molt\")")
	}
	vars := map[string]string{}
	bindings := wasm.Bindings{KV: map[string]*kv.Namespace{}}
	for k, v := range env {
		switch v := v.(type) {
		case string:
			vars[k] = v
		case *kv.Namespace:
			bindings.KV[k] = v
		default:
			b, err := json.Marshal(v)
			if err == nil {
				vars[k] = string(b)
			}
		}
	}
	engine := wasm.NewEngine(wasm.Limits{Memory: limits.Memory, CPU: limits.CPU})
	fail := func(err error) (*Worker, error) {
		engine.Close()
		release()
		return nil, fmt.Errorf("%s: %w", relTo(cfg.Dir, cfg.Main), err)
	}
	mod, err := engine.Compile(bin)
	if err != nil {
		return fail(err)
	}
	console := opts.Console
	ww, err := wasm.NewWorker(engine, mod, wasm.WorkerConfig{
		Name:     filepath.Base(cfg.Main),
		Vars:     vars,
		Bindings: bindings,
		Stderr: func(line string) {
			if console != nil {
				console.Message(js.LevelError, line)
			}
		},
	})
	if err != nil {
		return fail(err)
	}
	inputs := []string{cfg.Main, filepath.Join(cfg.Dir, ".dev.vars")}
	if cfg.Path != "" {
		inputs = append(inputs, cfg.Path)
	}
	sort.Strings(warnings)
	return &Worker{
		Name: cfg.Name, Version: versions.Add(1), Inputs: inputs, Warnings: warnings, Limits: limits,
		wasm:    &wasmWorker{engine: engine, worker: ww},
		release: func() { engine.Close(); release() },
	}, nil
}

// serveWasm answers r with a fresh instance of a Wasm worker.
func (h *Host) serveWasm(w http.ResponseWriter, r *http.Request, wk *Worker, start time.Time) {
	ctx, cancel := context.WithTimeout(r.Context(), wk.Limits.Wall)
	defer cancel()
	meter := wasm.NewMeter(wk.Limits.CPU)
	limited := &headerLimit{ResponseWriter: w}
	out, err := wk.wasm.worker.Serve(ctx, limited, r, requestURL(r), meter)
	if limited.over != nil {
		// Nothing was sent: the host answers in the held-back response's place.
		out.Status, err = 0, limited.over
	}
	status := out.Status
	var mem *wasm.MemoryLimitError
	var rh *ResponseHeadersTooLargeError
	switch {
	case err == nil:
	case status != 0:
		// The response had started: all that can be done is to cut it short.
		h.log.Error("response interrupted", "path", r.URL.Path, "error", err)
		h.logRequest(r, status, start, out.CPU)
		panic(http.ErrAbortHandler)
	case errors.As(err, &rh):
		status = h.responseHeadersTooLarge(w, r, rh)
	case errors.Is(err, wasm.ErrCPULimit):
		h.log.Error("worker exceeded its CPU time limit", "path", r.URL.Path)
		h.cloudflarePage(w, http.StatusServiceUnavailable, 1102, "Worker exceeded resource limits",
			"This worker has exceeded its CPU time limit and has been stopped.")
		status = http.StatusServiceUnavailable
	case errors.As(err, &mem):
		h.log.Error("worker exceeded its memory limit", "path", r.URL.Path, "error", err.Error())
		h.cloudflarePage(w, http.StatusServiceUnavailable, 1102, "Worker exceeded resource limits",
			"This worker has exceeded its memory limit and has been stopped.")
		status = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		h.log.Error("worker exceeded its wall-clock limit", "path", r.URL.Path)
		h.errorPage(w, r, http.StatusGatewayTimeout, "Worker timed out", "The worker did not respond within its wall-clock limit.")
		status = http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		status = 499 // The client went away; nothing to answer.
	default:
		h.log.Error("Wasm worker failed", "path", r.URL.Path, "error", err.Error())
		h.exceptionPage(w, r, err)
		status = http.StatusInternalServerError
	}
	h.logRequest(r, status, start, out.CPU)
}

// compileWasm compiles the CompiledWasm modules a JavaScript worker imports, once for the
// version: its isolates only instantiate them. The engine is returned even without modules,
// since the worker may compile bytes itself under molt_wasm_codegen.
func compileWasm(files map[string][]byte, limits Limits) (*wasm.Engine, map[string]*wasm.Module, error) {
	engine := wasm.NewEngine(wasm.Limits{Memory: limits.Memory, CPU: limits.CPU})
	modules := make(map[string]*wasm.Module, len(files))
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m, err := engine.Compile(files[name])
		if err != nil {
			engine.Close()
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		modules[name] = m
	}
	return engine, modules, nil
}
