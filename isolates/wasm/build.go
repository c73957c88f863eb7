package wasm

import (
	"encoding/binary"

	"github.com/tetratelabs/wazero/api"
)

// wazero links an import only to an export of another module instance, so whatever the
// embedder hands an instance (a standalone memory, table or global, a memory exported by one
// instance and imported by the next) must come from a module. builder encodes the small
// modules molt generates for that: providers that define one memory, table or global and
// export it as "e", linkers that gather one import module's functions and entities under their
// import names, and the helpers that turn funcref values into callable functions and back.

// Export kinds in the binary format.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
)

// ValueTypeFuncref is the type of function references, which wazero's api does not name.
const ValueTypeFuncref api.ValueType = 0x70

// providedName is the export name of what a provider module defines.
const providedName = "e"

// builder collects the sections of a module; each field holds the encoded items of one
// vector section.
type builder struct {
	types, imports, funcs, tables, memories, globals, exports, elems, codes [][]byte
	// imported counts imports of each kind, which come first in their index spaces.
	imported [4]uint32
}

func (b *builder) typeIndex(params, results []api.ValueType) uint32 {
	t := append([]byte{0x60}, uleb(uint64(len(params)))...)
	t = append(t, params...)
	t = append(t, uleb(uint64(len(results)))...)
	t = append(t, results...)
	b.types = append(b.types, t)
	return uint32(len(b.types) - 1)
}

// importOf adds an import of kind with desc, its type, and returns its index.
func (b *builder) importOf(module, name string, kind byte, desc []byte) uint32 {
	imp := append(encName(module), encName(name)...)
	imp = append(imp, kind)
	b.imports = append(b.imports, append(imp, desc...))
	b.imported[kind]++
	return b.imported[kind] - 1
}

func (b *builder) importFunc(module, name string, params, results []api.ValueType) uint32 {
	return b.importOf(module, name, kindFunc, uleb(uint64(b.typeIndex(params, results))))
}

// function adds a function without locals whose body is code (without its end) and returns
// its index.
func (b *builder) function(params, results []api.ValueType, code ...byte) uint32 {
	b.funcs = append(b.funcs, uleb(uint64(b.typeIndex(params, results))))
	body := append([]byte{0}, code...)
	body = append(body, 0x0b)
	b.codes = append(b.codes, append(uleb(uint64(len(body))), body...))
	return b.imported[kindFunc] + uint32(len(b.funcs)-1)
}

func (b *builder) export(name string, kind byte, index uint32) {
	e := append(encName(name), kind)
	b.exports = append(b.exports, append(e, uleb(uint64(index))...))
}

// bytes encodes the module.
func (b *builder) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range []struct {
		id    byte
		items [][]byte
	}{{1, b.types}, {2, b.imports}, {3, b.funcs}, {4, b.tables}, {5, b.memories}, {6, b.globals}, {7, b.exports}, {9, b.elems}, {10, b.codes}} {
		if len(s.items) == 0 {
			continue
		}
		body := uleb(uint64(len(s.items)))
		for _, it := range s.items {
			body = append(body, it...)
		}
		out = append(out, s.id)
		out = append(out, uleb(uint64(len(body)))...)
		out = append(out, body...)
	}
	return out
}

func encName(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func encLimits(min, max uint64, hasMax bool) []byte {
	if !hasMax {
		return append([]byte{0}, uleb(min)...)
	}
	return append(append([]byte{1}, uleb(min)...), uleb(max)...)
}

// memoryProvider defines a memory of min pages, at most max when hasMax.
func memoryProvider(min, max uint64, hasMax bool) []byte {
	var b builder
	b.memories = [][]byte{encLimits(min, max, hasMax)}
	b.export(providedName, kindMemory, 0)
	return b.bytes()
}

// tableProvider defines a table of elem references.
func tableProvider(elem api.ValueType, min, max uint64, hasMax bool) []byte {
	var b builder
	b.tables = [][]byte{append([]byte{elem}, encLimits(min, max, hasMax)...)}
	b.export(providedName, kindTable, 0)
	return b.bytes()
}

// globalProvider defines a global of type t starting at v, which for references must be null.
func globalProvider(t api.ValueType, mutable bool, v uint64) []byte {
	var init []byte
	switch t {
	case api.ValueTypeI32:
		init = append([]byte{0x41}, sleb(int64(int32(uint32(v))))...)
	case api.ValueTypeI64:
		init = append([]byte{0x42}, sleb(int64(v))...)
	case api.ValueTypeF32:
		init = binary.LittleEndian.AppendUint32([]byte{0x43}, uint32(v))
	case api.ValueTypeF64:
		init = binary.LittleEndian.AppendUint64([]byte{0x44}, v)
	default:
		init = []byte{0xd0, t}
	}
	mut := byte(0)
	if mutable {
		mut = 1
	}
	var b builder
	b.globals = [][]byte{append(append([]byte{t, mut}, init...), 0x0b)}
	b.export(providedName, kindGlobal, 0)
	return b.bytes()
}

// funcRefReader is a module with a one-element funcref table and "put", which stores a
// funcref in it, so that wazero's table lookup can turn any funcref value into a function.
func funcRefReader() []byte {
	var b builder
	b.tables = [][]byte{{ValueTypeFuncref, 0, 1}}
	put := b.function([]api.ValueType{ValueTypeFuncref}, nil, 0x41, 0, 0x20, 0, 0x26, 0)
	b.export("put", kindFunc, put)
	return b.bytes()
}

// funcRefMaker imports function name (of type params → results) from module "m" and exports
// "ref", which returns a funcref to it.
func funcRefMaker(name string, params, results []api.ValueType) []byte {
	var b builder
	f := b.importFunc("m", name, params, results)
	ref := b.function(nil, []api.ValueType{ValueTypeFuncref}, append([]byte{0xd2}, uleb(uint64(f))...)...)
	b.export("ref", kindFunc, ref)
	// A declarative element segment declares the function for ref.func.
	b.elems = [][]byte{append([]byte{3, 0, 1}, uleb(uint64(f))...)}
	return b.bytes()
}

// shimModule imports fns from module "h" and exports, under the same names, Wasm functions
// that call them.
func shimModule(fns []FuncImport) []byte {
	var b builder
	for _, f := range fns {
		b.importFunc("h", f.Name, f.Params, f.Results)
	}
	for k, f := range fns {
		var code []byte
		for p := range f.Params {
			code = append(append(code, 0x20), uleb(uint64(p))...)
		}
		code = append(append(code, 0x10), uleb(uint64(k))...)
		b.export(f.Name, kindFunc, b.function(f.Params, f.Results, code...))
	}
	return b.bytes()
}
