package wasm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/table"
)

// Store holds the WebAssembly of one isolate for an embedder (the JavaScript WebAssembly API):
// the context its calls run in, which the CPU watchdog cancels, the budget its memories share,
// and every module instance made for it, which Close releases together. An isolate runs on one
// goroutine at a time, and so does its Store.
type Store struct {
	engine *Engine
	ctx    context.Context
	budget *Budget
	owned  []api.Module
	// hosts holds each instance's HostFuncs, by the shim instances that call them.
	hosts map[api.Module]instanceHosts

	// modules are the modules instantiated in the store, whose function types types gathers
	// when a funcref is first read: wazero finds the function a funcref value refers to only
	// given its type.
	modules  map[*Module]bool
	typed    int // how many modules types covers
	types    []funcType
	lastType int
	reader   api.Module // funcRefReader
	refs     map[funcKey]uint64
	// imported maps the funcrefs instances made to their own imports to the functions behind
	// them, learned from the instances in unread when a funcref is first read.
	imported map[uint64]api.Function
	unread   []*Instance
}

type instanceHosts struct {
	module *Module
	funcs  []HostFunc
}

type funcKey struct {
	mod  api.Module
	name string
}

type storeKey struct{}

// NewStore returns a store whose calls run in ctx and whose memories grow under budget.
func (e *Engine) NewStore(ctx context.Context, budget *Budget) *Store {
	s := &Store{engine: e, budget: budget, hosts: map[api.Module]instanceHosts{}, modules: map[*Module]bool{}, refs: map[funcKey]uint64{},
		imported: map[uint64]api.Function{}}
	s.ctx = context.WithValue(ctx, storeKey{}, s)
	return s
}

// hostFuncs finds the HostFuncs for a call to an import of m from caller, the shim of an
// instance of m.
func hostFuncs(ctx context.Context, m *Module, caller api.Module) []HostFunc {
	if s, ok := ctx.Value(storeKey{}).(*Store); ok {
		if h, ok := s.hosts[caller]; ok && h.module == m {
			return h.funcs
		}
	}
	return nil
}

// Extern is a memory, table or global exported by an instance as Name, handed to another
// instance as an import.
type Extern struct {
	From *Instance
	Name string
}

// Instantiate instantiates m with funcs for its function imports (FunctionImports order) and
// externs for its memory, table and global imports (in Imports order), and runs its start
// function. Imported memories, tables and globals are shared, not copied. An import that does
// not match its declaration is a *LinkError with V8's message; memory past the budget a
// *MemoryLimitError.
func (s *Store) Instantiate(m *Module, funcs []HostFunc, externs []Extern) (*Instance, error) {
	if err := m.checkExterns(externs); err != nil {
		return nil, err
	}
	hosts, shims, err := m.hostModules()
	if err != nil {
		return nil, err
	}
	resolve := map[string]api.Module{}
	for name, shim := range shims {
		mod, err := s.instantiate(s.ctx, shim, map[string]api.Module{"h": hosts[name]})
		if err != nil {
			return nil, err
		}
		s.hosts[mod] = instanceHosts{m, funcs}
		resolve[name] = mod
	}
	if err := s.link(m, externs, resolve); err != nil {
		return nil, err
	}
	mod, err := s.instantiate(s.ctx, m, resolve)
	if err != nil {
		return nil, err
	}
	s.modules[m] = true
	in := &Instance{module: m, mod: mod, store: s, resolve: resolve}
	if len(m.importRefs) > 0 {
		s.unread = append(s.unread, in)
	}
	return in, nil
}

// instantiate instantiates m in ctx under the store's budget, its imports from resolve.
func (s *Store) instantiate(ctx context.Context, m *Module, resolve map[string]api.Module) (api.Module, error) {
	if used := s.budget.Used(); used+m.minMemory > s.budget.limit {
		return nil, &MemoryLimitError{Limit: s.budget.limit, Requested: used + m.minMemory}
	}
	ictx := experimental.WithImportResolver(s.budget.with(ctx), func(name string) api.Module { return resolve[name] })
	mod, err := s.engine.rt.InstantiateModule(ictx, m.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		if ref := s.budget.Refused(); ref != nil {
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
	s.owned = append(s.owned, mod)
	return mod, nil
}

// entityImports lists the indexes in m.Imports of its memory, table and global imports.
func (m *Module) entityImports() []int {
	var out []int
	for i, imp := range m.Imports {
		if imp.Kind != "function" {
			out = append(out, i)
		}
	}
	return out
}

// checkExterns checks externs against the module's declarations as V8 does, with its messages.
func (m *Module) checkExterns(externs []Extern) error {
	ents := m.entityImports()
	if len(externs) != len(ents) {
		return &LinkError{Err: fmt.Errorf("%d memory, table and global imports given for %d", len(externs), len(ents))}
	}
	for j, i := range ents {
		imp, x := m.Imports[i], externs[j]
		where := fmt.Sprintf("Import #%d %q %q", i, imp.Module, imp.Name)
		fail := func(format string, args ...any) error { return &LinkError{Err: fmt.Errorf(format, args...)} }
		switch imp.Kind {
		case "memory":
			mem := x.From.Memory(x.Name)
			if mem == nil {
				return fail("%s: memory import must be a WebAssembly.Memory object", where)
			}
			if pages := uint64(mem.Size() / PageSize); pages < imp.Min {
				return fail("%s: memory import has %d pages which is smaller than the declared initial of %d", where, pages, imp.Min)
			}
			if imp.HasMax {
				max, ok := mem.Definition().Max()
				if !ok {
					// V8 prints the imported memory's maximum here, -1 as unsigned.
					return fail("%s: memory import has no maximum limit, expected at most %d", where, uint32(math.MaxUint32))
				}
				if uint64(max) > imp.Max {
					return fail("%s: memory import has a larger maximum size %d than the module's declared maximum %d", where, max, imp.Max)
				}
			}
		case "table":
			tt, ok := x.From.Table(x.Name)
			if !ok {
				return fail("%s: table import requires a WebAssembly.Table", where)
			}
			size, err := x.From.TableSize(x.Name)
			if err != nil {
				return err
			}
			if uint64(size) < imp.Min {
				return fail("table import %d is smaller than initial %d, got %d", i, imp.Min, size)
			}
			if imp.HasMax {
				if !tt.HasMax {
					return fail("table import %d has no maximum length, expected %d", i, imp.Max)
				}
				if tt.Max > imp.Max {
					return fail("table import %d has a larger maximum size %x than the module's declared maximum %d", i, tt.Max, imp.Max)
				}
			}
			if tt.Elem != imp.Type {
				return fail("%s: imported table does not match the expected type", where)
			}
		case "global":
			g := x.From.Global(x.Name)
			if g == nil {
				return fail("%s: global import must be a number, valid Wasm reference, or WebAssembly.Global object", where)
			}
			if _, mut := g.(api.MutableGlobal); mut != imp.Mutable {
				return fail("%s: imported global does not match the expected mutability", where)
			}
			if g.Type() != imp.Type {
				return fail("%s: imported global does not match the expected type", where)
			}
		}
	}
	return nil
}

// link makes, for each import module of m that names memories, tables or globals, a linker
// instance that exports the module's functions (from the shim resolve holds) and those
// externs under their import names, and points resolve at it: wazero resolves all imports of
// one module name from one instance.
func (s *Store) link(m *Module, externs []Extern, resolve map[string]api.Module) error {
	ents := m.entityImports()
	byModule := map[string][]int{}
	var order []string
	for j, i := range ents {
		name := m.Imports[i].Module
		if byModule[name] == nil {
			order = append(order, name)
		}
		byModule[name] = append(byModule[name], j)
	}
	for _, name := range order {
		var b builder
		from := map[string]api.Module{"f": resolve[name]}
		exported := map[string]bool{}
		for _, fi := range m.FunctionImports() {
			if fi.Module == name && !exported[fi.Name] {
				exported[fi.Name] = true
				b.export(fi.Name, kindFunc, b.importFunc("f", fi.Name, fi.Params, fi.Results))
			}
		}
		for _, j := range byModule[name] {
			imp, x := m.Imports[ents[j]], externs[j]
			if exported[imp.Name] {
				continue
			}
			exported[imp.Name] = true
			src := fmt.Sprintf("e%d", j)
			from[src] = x.From.mod
			kind, desc := x.From.importType(imp.Kind, x.Name)
			b.export(imp.Name, kind, b.importOf(src, x.Name, kind, desc))
		}
		lm, err := s.engine.Compile(b.bytes())
		if err != nil {
			return fmt.Errorf("wasm: compiling the linker of import module %q: %w", name, err)
		}
		mod, err := s.instantiate(s.ctx, lm, from)
		if err != nil {
			return err
		}
		resolve[name] = mod
	}
	return nil
}

// importType is the kind and import description that import name, a kind export of in, as it
// is: the linker takes any size, and the importing module checks its own limits.
func (in *Instance) importType(kind, name string) (byte, []byte) {
	switch kind {
	case "memory":
		return kindMemory, encLimits(0, 0, false)
	case "table":
		tt, _ := in.Table(name)
		return kindTable, append([]byte{tt.Elem}, encLimits(0, 0, false)...)
	}
	g := in.Global(name)
	mut := byte(0)
	if _, ok := g.(api.MutableGlobal); ok {
		mut = 1
	}
	return kindGlobal, []byte{g.Type(), mut}
}

// NewMemory makes a standalone memory of min pages, at most max when hasMax: the memory of an
// instance that exports only that, as "e".
func (s *Store) NewMemory(min, max uint64, hasMax bool) (*Instance, error) {
	return s.provide(memoryProvider(min, max, hasMax))
}

// NewTable makes a standalone table of elem references, exported as "e".
func (s *Store) NewTable(elem api.ValueType, min, max uint64, hasMax bool) (*Instance, error) {
	return s.provide(tableProvider(elem, min, max, hasMax))
}

// NewGlobal makes a standalone global of type t holding v, exported as "e". An immutable
// reference global can only hold null: its value must be a constant in the module.
func (s *Store) NewGlobal(t api.ValueType, mutable bool, v uint64) (*Instance, error) {
	if mutable || v == 0 {
		in, err := s.provide(globalProvider(t, mutable, 0))
		if err == nil && v != 0 {
			in.Global(providedName).(api.MutableGlobal).Set(v)
		}
		return in, err
	}
	if t == api.ValueTypeExternref || t == ValueTypeFuncref {
		return nil, fmt.Errorf("molt cannot make an immutable reference global that is not null")
	}
	// Each value makes a module of its own, compiled for this instance alone.
	ctx := context.Background()
	c, err := s.engine.rt.CompileModule(ctx, globalProvider(t, false, v))
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	m := &Module{engine: s.engine, compiled: c}
	mod, err := s.instantiate(s.ctx, m, nil)
	if err != nil {
		return nil, err
	}
	return &Instance{module: m, mod: mod, store: s}, nil
}

func (s *Store) provide(bin []byte) (*Instance, error) {
	m, err := s.engine.Compile(bin)
	if err != nil {
		return nil, err
	}
	mod, err := s.instantiate(s.ctx, m, nil)
	if err != nil {
		return nil, err
	}
	return &Instance{module: m, mod: mod, store: s}, nil
}

// Call calls f with stack holding its arguments and room for its results, in the store's
// context. A trap is a *RuntimeError.
func (s *Store) Call(f api.Function, stack []uint64) error {
	if err := f.CallWithStack(s.ctx, stack); err != nil {
		return callError(err)
	}
	return nil
}

// Func returns the function the funcref value ref refers to, or nil for null.
func (s *Store) Func(ref uint64) (api.Function, error) {
	if ref == 0 {
		return nil, nil
	}
	if s.reader == nil {
		m, err := s.engine.Compile(funcRefReader())
		if err != nil {
			return nil, err
		}
		if s.reader, err = s.instantiate(s.ctx, m, nil); err != nil {
			return nil, err
		}
	}
	if err := s.Call(s.reader.ExportedFunction("put"), []uint64{ref}); err != nil {
		return nil, err
	}
	for len(s.unread) > 0 {
		in := s.unread[0]
		s.unread = s.unread[1:]
		if err := s.learnImportRefs(in); err != nil {
			return nil, err
		}
	}
	if f := s.imported[ref]; f != nil {
		return f, nil
	}
	if s.typed != len(s.modules) {
		s.gatherTypes()
	}
	for i := range s.types {
		k := (s.lastType + i) % len(s.types)
		if f := lookupFunction(s.reader, s.types[k]); f != nil {
			if f.Definition().GoFunction() != nil {
				// A funcref an instance made to a function it imports that learnImportRefs
				// did not learn: wazero's lookup finds the shim behind it but always takes
				// its function 0, the first host function, so which it is cannot be told.
				return nil, ErrImportFuncRef
			}
			s.lastType = k
			return f, nil
		}
	}
	return nil, fmt.Errorf("wasm: funcref %#x has none of the function types of the isolate's modules", ref)
}

// learnImportRefs records the funcrefs in makes to its imports (see tables.go), each as the
// function the import is bound to: an export of the shim or linker it was instantiated with.
func (s *Store) learnImportRefs(in *Instance) error {
	fis := in.module.FunctionImports()
	for _, i := range in.module.importRefs {
		st := []uint64{0}
		if err := s.Call(in.mod.ExportedFunction(importRef+strconv.Itoa(int(i))), st); err != nil {
			return err
		}
		fi := fis[i]
		if from := in.resolve[fi.Module]; from != nil {
			if f := from.ExportedFunction(fi.Name); f != nil {
				s.imported[st[0]] = f
			}
		}
	}
	return nil
}

// gatherTypes lists the distinct function types of the store's modules.
func (s *Store) gatherTypes() {
	seen := map[string]bool{}
	s.types = s.types[:0]
	for m := range s.modules {
		for _, t := range m.types {
			if k := string(t.params) + "|" + string(t.results); !seen[k] {
				seen[k] = true
				s.types = append(s.types, t)
			}
		}
	}
	s.typed, s.lastType = len(s.modules), 0
}

// ErrImportFuncRef is returned by Func for a funcref that an instance made to a function it
// imports: wazero cannot look those up (Wasm still calls them through tables).
var ErrImportFuncRef = errors.New("the funcref refers to a function its instance imports, which molt cannot hand back to the embedder")

// lookupFunction returns the function in table 0 at 0 of mod if it has type t. wazero
// panics, as call_indirect traps, when it has not.
func lookupFunction(mod api.Module, t funcType) (f api.Function) {
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	return table.LookupFunction(mod, 0, 0, t.params, t.results)
}

// FuncRef returns a funcref value referring to the function in exports as name.
func (s *Store) FuncRef(in *Instance, name string) (uint64, error) {
	key := funcKey{in.mod, name}
	if ref, ok := s.refs[key]; ok {
		return ref, nil
	}
	f := in.Function(name)
	if f == nil {
		return 0, fmt.Errorf("wasm: no exported function %q", name)
	}
	def := f.Definition()
	m, err := s.engine.Compile(funcRefMaker(name, def.ParamTypes(), def.ResultTypes()))
	if err != nil {
		return 0, err
	}
	mod, err := s.instantiate(s.ctx, m, map[string]api.Module{"m": in.mod})
	if err != nil {
		return 0, err
	}
	stack := []uint64{0}
	if err := s.Call(mod.ExportedFunction("ref"), stack); err != nil {
		return 0, err
	}
	s.refs[key] = stack[0]
	return stack[0], nil
}

// Close releases every instance of the store and the memory they hold, the ones importing
// from others first.
func (s *Store) Close() {
	ctx := context.Background()
	for i := len(s.owned) - 1; i >= 0; i-- {
		s.owned[i].Close(ctx)
	}
	s.owned = nil
	clear(s.hosts)
}

// Table returns the type of the table the instance exports as name.
func (in *Instance) Table(name string) (TableType, bool) {
	t, ok := in.module.tables[name]
	return t, ok
}

// TableSize returns the length of table name.
func (in *Instance) TableSize(name string) (uint32, error) {
	st, err := in.tableCall(tableSize, name)
	return uint32(st[0]), err
}

// TableGrow grows table name by delta elements set to init and returns its previous length,
// or -1 if it cannot grow that much.
func (in *Instance) TableGrow(name string, delta uint32, init uint64) (int32, error) {
	st, err := in.tableCall(tableGrow, name, uint64(delta), init)
	return int32(uint32(st[0])), err
}

// TableGet returns element i of table name.
func (in *Instance) TableGet(name string, i uint32) (uint64, error) {
	st, err := in.tableCall(tableGet, name, uint64(i))
	return st[0], err
}

// TableSet sets element i of table name to v.
func (in *Instance) TableSet(name string, i uint32, v uint64) error {
	_, err := in.tableCall(tableSet, name, uint64(i), v)
	return err
}

// tableCall calls the accessor op of table name (see tables.go) with args.
func (in *Instance) tableCall(op, name string, args ...uint64) ([]uint64, error) {
	st := make([]uint64, max(len(args), 1))
	f := in.mod.ExportedFunction(op + name)
	if f == nil {
		return st, fmt.Errorf("wasm: the instance exports no table %q", name)
	}
	copy(st, args)
	return st, in.store.Call(f, st)
}
