// Package wasm runs WebAssembly for molt on wazero: the compiled modules of a worker version,
// the memory and CPU caps of each instance, Wasm workers that answer HTTP through WAGI (CGI
// over WASI preview 1) and the host functions through which they reach bindings.
//
// An Engine belongs to one worker version and compiles each module once; every request then
// only instantiates:
//
//	e := wasm.NewEngine(wasm.Limits{Memory: 128 << 20, CPU: 50 * time.Millisecond})
//	defer e.Close()
//	m, err := e.Compile(bytes)          // once per version
//	w, err := wasm.NewWorker(e, m, wasm.WorkerConfig{KV: namespaces})
//	out, err := w.Serve(ctx, rw, req, url) // a fresh instance per request
package wasm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// DefaultMemory is the memory cap of an isolate when Limits.Memory is zero: Cloudflare's 128 MB.
const DefaultMemory = 128 << 20

// PageSize is the size of a Wasm memory page.
const PageSize = 1 << 16

// Limits bound what one isolate may use.
type Limits struct {
	// Memory caps the linear memory of one isolate, all its memories together, in bytes;
	// zero means DefaultMemory.
	Memory uint64
	// CPU caps the CPU time of one request's Wasm; zero means no cap.
	CPU time.Duration
}

func (l Limits) memory() uint64 {
	if l.Memory == 0 {
		return DefaultMemory
	}
	return l.Memory
}

// cache holds machine code for every module compiled in the process, keyed by wazero on the
// module's bytes and the runtime's configuration: a reload that keeps a module compiles nothing.
var cache = wazero.NewCompilationCache()

// Engine compiles and instantiates the Wasm of one worker version. It is safe for concurrent
// use: instances are anonymous, so any number of requests can run the same module at once.
type Engine struct {
	rt     wazero.Runtime
	limits Limits

	mu      sync.Mutex
	modules map[[32]byte]*Module

	hostOnce sync.Once
	hostErr  error
}

// NewEngine returns an engine whose instances run under limits.
func NewEngine(limits Limits) *Engine {
	return newEngine(limits, true)
}

// newEngine lets benchmarks measure what interruptible code costs: without closeOnDone, a
// runaway loop cannot be stopped, so production engines always set it.
func newEngine(limits Limits, closeOnDone bool) *Engine {
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(cache).
		WithCloseOnContextDone(closeOnDone).
		// The cap is enforced by the memory allocator of each instance (see memory.go), which
		// can tell a refused memory.grow apart from a trap; wazero's own page limit only keeps
		// what a module declares within 4 GiB.
		WithMemoryLimitPages(65536)
	return &Engine{
		rt:      wazero.NewRuntimeWithConfig(context.Background(), cfg),
		limits:  limits,
		modules: map[[32]byte]*Module{},
	}
}

// Limits returns the engine's limits.
func (e *Engine) Limits() Limits { return e.limits }

// Close releases the engine's compiled modules and instances.
func (e *Engine) Close() error { return e.rt.Close(context.Background()) }

// Module is a compiled WebAssembly module, ready to be instantiated any number of times.
type Module struct {
	engine   *Engine
	compiled wazero.CompiledModule
	// Hash is the SHA-256 of the module's bytes.
	Hash [32]byte
	// Size is the length of the module's bytes.
	Size int
	// Imports and Exports list the module's imports and exports in declaration order.
	Imports []Import
	Exports []Export
	// minMemory is what the memories the module defines start with, in bytes.
	minMemory uint64
	hosts     hostImports
	tables    map[string]TableType // exported tables by name
	types     []funcType
	// importRefs are the imported functions the module may make funcrefs to (tables.go).
	importRefs []uint32

	definesOnce sync.Once
	defines     map[string]bool // exported functions the module defines itself
}

// Defines reports whether the module defines the function it exports as name, rather than
// re-exporting one it imports.
func (m *Module) Defines(name string) bool {
	m.definesOnce.Do(func() {
		m.defines = map[string]bool{}
		for n, d := range m.compiled.ExportedFunctions() {
			if _, _, imported := d.Import(); !imported {
				m.defines[n] = true
			}
		}
	})
	return m.defines[name]
}

// Import is one import of a module.
type Import struct {
	Module, Name string
	// Kind is "function", "table", "memory" or "global", as WebAssembly.Module.imports says.
	Kind string
	// Min and, when HasMax, Max bound an imported memory (in pages) or table (in elements).
	Min, Max uint64
	HasMax   bool
	// Type is the element type of a table or the value type of a global; Mutable says
	// whether a global is mutable.
	Type    api.ValueType
	Mutable bool
}

// Export is one export of a module.
type Export struct {
	Name string
	// Kind is "function", "table", "memory" or "global".
	Kind string
}

// Compile compiles bin, or returns the module already compiled from the same bytes. Invalid
// bytes give a *CompileError.
func (e *Engine) Compile(bin []byte) (*Module, error) {
	h := sha256.Sum256(bin)
	e.mu.Lock()
	m := e.modules[h]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	iface, err := readInterface(bin)
	if err != nil {
		return nil, &CompileError{Err: err}
	}
	code, importRefs, err := addAccessors(bin)
	if err != nil {
		return nil, &CompileError{Err: err}
	}
	code = coalesceData(code)
	c, err := e.rt.CompileModule(context.Background(), code)
	if err != nil {
		return nil, &CompileError{Err: err}
	}
	m = &Module{engine: e, compiled: c, Hash: h, Size: len(bin), Imports: iface.imports, Exports: iface.exports,
		minMemory: iface.minPages * PageSize, tables: iface.tables, types: iface.types, importRefs: importRefs}
	e.mu.Lock()
	if prev := e.modules[h]; prev != nil {
		m = prev
	} else {
		e.modules[h] = m
	}
	e.mu.Unlock()
	return m, nil
}

// hostModules instantiates, once per engine, the modules every Wasm worker may import: WASI
// preview 1 and molt's bindings. They keep no per-request state; what a call needs arrives in
// its context.
func (e *Engine) hostModules() error {
	e.hostOnce.Do(func() {
		ctx := context.Background()
		if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
			e.hostErr = fmt.Errorf("wasm: instantiating WASI: %w", err)
			return
		}
		if _, err := hostModule(e.rt).Instantiate(ctx); err != nil {
			e.hostErr = fmt.Errorf("wasm: instantiating the molt host module: %w", err)
		}
	})
	return e.hostErr
}

// CompileError reports bytes that are not a valid WebAssembly module.
type CompileError struct{ Err error }

func (e *CompileError) Error() string { return "invalid WebAssembly module: " + e.Err.Error() }
func (e *CompileError) Unwrap() error { return e.Err }

// LinkError reports a module whose imports cannot be satisfied.
type LinkError struct{ Err error }

func (e *LinkError) Error() string { return "WebAssembly link error: " + e.Err.Error() }
func (e *LinkError) Unwrap() error { return e.Err }

// RuntimeError is a trap: the module hit unreachable, divided by zero, accessed memory out of
// bounds, or a host function failed. Text is wazero's message with the Wasm stack trace.
type RuntimeError struct{ Text string }

func (e *RuntimeError) Error() string { return e.Text }

// ErrCPULimit is returned when an isolate used more CPU time than its limit allows.
var ErrCPULimit = errors.New("Worker exceeded CPU time limit.")

// MemoryLimitError is returned when an instance asked for more linear memory than its cap.
type MemoryLimitError struct {
	// Limit is the cap and Requested the total the refused memory.grow asked for, in bytes.
	Limit, Requested uint64
}

func (e *MemoryLimitError) Error() string {
	return fmt.Sprintf("Worker exceeded memory limit: growing WebAssembly memory to %s was refused (the limit is %s)",
		mib(e.Requested), mib(e.Limit))
}

func mib(n uint64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
