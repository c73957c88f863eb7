package wasm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
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
// once per Module and shared by all its instances: each function finds the instance's
// HostFuncs in its call's context.
type hostImports struct {
	once    sync.Once
	err     error
	modules map[string]api.Module
}

type hostFuncsKey struct{}

func (m *Module) hostModules() (map[string]api.Module, error) {
	m.hosts.once.Do(func() {
		ctx := context.Background()
		builders := map[string]wazero.HostModuleBuilder{}
		seen := map[[2]string]bool{}
		for i, imp := range m.FunctionImports() {
			if seen[[2]string{imp.Module, imp.Name}] {
				continue
			}
			seen[[2]string{imp.Module, imp.Name}] = true
			b := builders[imp.Module]
			if b == nil {
				b = m.engine.rt.NewHostModuleBuilder(imp.Module)
				builders[imp.Module] = b
			}
			i := i
			b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(ctx context.Context, stack []uint64) {
				fns, _ := ctx.Value(hostFuncsKey{}).([]HostFunc)
				if i >= len(fns) || fns[i] == nil {
					panic(fmt.Errorf("import %s.%s called outside its instance", imp.Module, imp.Name))
				}
				fns[i](ctx, stack)
			}), imp.Params, imp.Results).Export(imp.Name)
		}
		m.hosts.modules = map[string]api.Module{}
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
		}
	})
	return m.hosts.modules, m.hosts.err
}

// Instance is one instantiation of a module for an embedder (the JavaScript WebAssembly API):
// its calls run in the context it was instantiated with, which carries its HostFuncs.
type Instance struct {
	module *Module
	mod    api.Module
	ctx    context.Context
}

// Instantiate instantiates m with funcs for its function imports (FunctionImports order) and
// its memories under budget, and runs its start function. ctx is the context of every later
// call too: cancelling it stops them (the engine closes instances when their context ends).
// Modules importing memories, tables or globals are refused with a *LinkError.
func (m *Module) Instantiate(ctx context.Context, budget *Budget, funcs []HostFunc) (*Instance, error) {
	for _, imp := range m.Imports {
		if imp.Kind != "function" {
			return nil, &LinkError{Err: fmt.Errorf("the module imports %s %s.%s; molt can only provide function imports", imp.Kind, imp.Module, imp.Name)}
		}
	}
	if used := budget.Used(); used+m.minMemory > budget.limit {
		return nil, &MemoryLimitError{Limit: budget.limit, Requested: used + m.minMemory}
	}
	hosts, err := m.hostModules()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, hostFuncsKey{}, funcs)
	ictx := experimental.WithImportResolver(budget.with(ctx), func(name string) api.Module { return hosts[name] })
	mod, err := m.engine.rt.InstantiateModule(ictx, m.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		if ref := budget.Refused(); ref != nil {
			return nil, ref
		}
		if _, ok := Thrown(err); ok || interrupted(err) {
			return nil, callError(err)
		}
		if strings.Contains(err.Error(), "wasm error:") {
			// A trap in the start function.
			return nil, &RuntimeError{Text: err.Error()}
		}
		return nil, &LinkError{Err: err}
	}
	return &Instance{module: m, mod: mod, ctx: ctx}, nil
}

// Module returns the module the instance was made from.
func (in *Instance) Module() *Module { return in.module }

// Function returns the exported function name, or nil.
func (in *Instance) Function(name string) api.Function { return in.mod.ExportedFunction(name) }

// Memory returns the exported memory name, or nil.
func (in *Instance) Memory(name string) api.Memory { return in.mod.ExportedMemory(name) }

// Global returns the exported global name, or nil.
func (in *Instance) Global(name string) api.Global { return in.mod.ExportedGlobal(name) }

// Call calls f, an exported function of this instance, with stack holding its arguments and
// room for its results. A trap is a *RuntimeError.
func (in *Instance) Call(f api.Function, stack []uint64) error {
	if err := f.CallWithStack(in.ctx, stack); err != nil {
		return callError(err)
	}
	return nil
}

// Close releases the instance.
func (in *Instance) Close() error { return in.mod.Close(context.Background()) }

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
