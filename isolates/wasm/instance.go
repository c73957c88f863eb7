package wasm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// HostFunc implements one function import for one instance: it reads the arguments from
// stack and writes the results back into it, as api.GoFunction does.
type HostFunc func(ctx context.Context, stack []uint64)

// FuncImport is a function import with its signature.
type FuncImport struct {
	Module, Name    string
	Params, Results []api.ValueType
}

// FunctionImports lists the module's function imports in declaration order: the order of the
// HostFuncs that Instantiate takes.
func (m *Module) FunctionImports() []FuncImport {
	defs := m.compiled.ImportedFunctions()
	out := make([]FuncImport, len(defs))
	for i, d := range defs {
		mod, name, _ := d.Import()
		out[i] = FuncImport{Module: mod, Name: name, Params: d.ParamTypes(), Results: d.ResultTypes()}
	}
	return out
}

// hostImports are the host modules that stand for a module's import modules, instantiated
// once per Module and shared by all its instances, and for each a shim: a Wasm module that
// imports the host functions and exports Wasm functions calling them, instantiated per
// instance. Instances import the shim's functions, so that
//   - a host function finds the HostFuncs of its instance: the shim instance calls it, and
//     the Store knows whose shim that is, even when the call came through a table shared
//     with another instance;
//   - every funcref refers to a Wasm function, which wazero's table lookup resolves (it
//     misreads host functions).
type hostImports struct {
	once    sync.Once
	err     error
	modules map[string]api.Module
	shims   map[string]*Module
}

func (m *Module) hostModules() (hosts map[string]api.Module, shims map[string]*Module, err error) {
	m.hosts.once.Do(func() {
		ctx := context.Background()
		builders := map[string]wazero.HostModuleBuilder{}
		imports := map[string][]FuncImport{}
		seen := map[[2]string]bool{}
		for i, imp := range m.FunctionImports() {
			if seen[[2]string{imp.Module, imp.Name}] {
				continue
			}
			seen[[2]string{imp.Module, imp.Name}] = true
			imports[imp.Module] = append(imports[imp.Module], imp)
			b := builders[imp.Module]
			if b == nil {
				b = m.engine.rt.NewHostModuleBuilder(imp.Module)
				builders[imp.Module] = b
			}
			b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
				fns := hostFuncs(ctx, m, caller)
				if i >= len(fns) || fns[i] == nil {
					panic(fmt.Errorf("import %s.%s called outside its instance", imp.Module, imp.Name))
				}
				fns[i](ctx, stack)
			}), imp.Params, imp.Results).Export(imp.Name)
		}
		m.hosts.modules = map[string]api.Module{}
		m.hosts.shims = map[string]*Module{}
		for name, b := range builders {
			c, err := b.Compile(ctx)
			if err != nil {
				m.hosts.err = fmt.Errorf("wasm: compiling imports of module %q: %w", name, err)
				return
			}
			mod, err := m.engine.rt.InstantiateModule(ctx, c, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				m.hosts.err = fmt.Errorf("wasm: instantiating imports of module %q: %w", name, err)
				return
			}
			m.hosts.modules[name] = mod
			if m.hosts.shims[name], err = m.engine.Compile(shimModule(imports[name])); err != nil {
				m.hosts.err = fmt.Errorf("wasm: compiling the shim of import module %q: %w", name, err)
				return
			}
		}
	})
	return m.hosts.modules, m.hosts.shims, m.hosts.err
}

// Instance is one instantiation of a module for an embedder (the JavaScript WebAssembly API).
type Instance struct {
	module *Module
	mod    api.Module
	store  *Store
	// resolve holds the instances its import modules resolved to.
	resolve map[string]api.Module
}

// Module returns the module the instance was made from.
func (in *Instance) Module() *Module { return in.module }

// Function returns the exported function name, or nil.
func (in *Instance) Function(name string) api.Function { return in.mod.ExportedFunction(name) }

// Memory returns the exported memory name, or nil.
func (in *Instance) Memory(name string) api.Memory { return in.mod.ExportedMemory(name) }

// Global returns the exported global name, or nil.
func (in *Instance) Global(name string) api.Global { return in.mod.ExportedGlobal(name) }

// callError classifies the error of a call into Wasm.
func callError(err error) error {
	if interrupted(err) {
		return err
	}
	var he *hostPanic
	if errors.As(err, &he) {
		return he
	}
	return &RuntimeError{Text: err.Error()}
}

// hostPanic carries a value a HostFunc panicked with through wazero, so that the embedder gets
// its own exception back (a JavaScript exception thrown by an imported function).
type hostPanic struct{ Value any }

func (h *hostPanic) Error() string { return fmt.Sprint("host function failed: ", h.Value) }

// Throw makes a HostFunc fail with v: the Call that led to it returns a *HostPanic holding v.
func Throw(v any) { panic(&hostPanic{Value: v}) }

// Thrown returns the value passed to Throw if err comes from one.
func Thrown(err error) (any, bool) {
	var he *hostPanic
	if errors.As(err, &he) {
		return he.Value, true
	}
	return nil, false
}
