// Package kernels runs molt's compute kernels: C sources in c/ built with
// clang into WebAssembly SIMD128 modules (simd.wasm) and scalar twins
// (scalar.wasm), embedded here and executed by wazero's compiler.
//
//	in, err := kernels.NewInstance(kernels.SIMD)
//	w, _ := in.Put(weights)          // resident in the instance's memory
//	x, _ := in.Put(input)
//	y, _ := in.Alloc(4 * rows)
//	err = in.MatVecF32(w, x, y, rows, cols)
//	out := in.Float32s(y)            // a view, no copy
//
// An Instance is one module instance with its own linear memory; it is not
// safe for concurrent use. A Pool spreads resident weight matrices over one
// instance per core so that MatVec and MatMul use every core.
//
// Kernels run to completion: the runtime is built without
// WithCloseOnContextDone, which made kernels 3-5x slower, so callers bound
// the work of each call instead (a call is at most one matrix product).
package kernels

import (
	"context"
	_ "embed"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

//go:embed simd.wasm
var simdWasm []byte

//go:embed scalar.wasm
var scalarWasm []byte

// Build selects which compilation of the kernel sources runs.
type Build int

const (
	// SIMD is the build with -msimd128, the one to use.
	SIMD Build = iota
	// Scalar is the same sources without SIMD: the reference the tests
	// check SIMD against, and the baseline of the benchmarks.
	Scalar
)

// String names the build as its .wasm file is named.
func (b Build) String() string {
	switch b {
	case SIMD:
		return "simd"
	case Scalar:
		return "scalar"
	}
	return fmt.Sprintf("Build(%d)", int(b))
}

// Wasm returns the embedded module bytes of the build (shared; do not modify).
func (b Build) Wasm() []byte {
	switch b {
	case SIMD:
		return simdWasm
	case Scalar:
		return scalarWasm
	}
	return nil
}

// engine is the process-wide wazero runtime and the compiled modules: each
// build is compiled once per process (10-40 ms) and instantiated many times
// (microseconds).
var engine struct {
	once     sync.Once
	rt       wazero.Runtime
	mu       sync.Mutex
	compiled map[Build]wazero.CompiledModule
}

func compiled(b Build) (wazero.CompiledModule, wazero.Runtime, error) {
	engine.once.Do(func() {
		cfg := wazero.NewRuntimeConfigCompiler().
			WithCoreFeatures(api.CoreFeaturesV2).
			WithCompilationCache(wazero.NewCompilationCache())
		engine.rt = wazero.NewRuntimeWithConfig(context.Background(), cfg)
		engine.compiled = map[Build]wazero.CompiledModule{}
	})
	engine.mu.Lock()
	defer engine.mu.Unlock()
	if c, ok := engine.compiled[b]; ok {
		return c, engine.rt, nil
	}
	bin := b.Wasm()
	if bin == nil {
		return nil, nil, fmt.Errorf("kernels: unknown build %v", b)
	}
	c, err := engine.rt.CompileModule(context.Background(), bin)
	if err != nil {
		return nil, nil, fmt.Errorf("kernels: compiling %v.wasm: %w", b, err)
	}
	engine.compiled[b] = c
	return c, engine.rt, nil
}
