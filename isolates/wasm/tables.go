package wasm

import (
	"fmt"
	"strconv"
)

// wazero's API reaches exported functions, memories and globals but not tables, which the
// WebAssembly JS API exposes (wasm-bindgen keeps JavaScript values in an exported externref
// table and reads it with table.get). So before compiling, a module that exports tables gets
// small accessor functions for each, appended after its own (no index of the module moves):
//
//	__molt_table_size:NAME  () -> i32
//	__molt_table_grow:NAME  (delta i32, init ref) -> i32
//	__molt_table_get:NAME   (i32) -> ref
//	__molt_table_set:NAME   (i32, ref)
//
// where ref is the table's element type, funcref or externref.
//
// A funcref that an instance makes to a function it imports (an element segment or ref.func
// naming an import) cannot be looked up by wazero, which takes function 0 of the module
// behind it. So a module that may make such funcrefs also gets, for each import r it names,
//
//	__molt_import_ref:r     () -> funcref                    (ref.func r)
//
// and the Store learns those funcref values from them and what each stands for.

// Accessor export prefixes.
const (
	tableSize = "__molt_table_size:"
	tableGrow = "__molt_table_grow:"
	tableGet  = "__molt_table_get:"
	tableSet  = "__molt_table_set:"
	importRef = "__molt_import_ref:"
)

const valI32 = 0x7f

// section is one section of a module binary.
type section struct {
	id   byte
	body []byte
}

// sectionOrder is where each known section goes; custom sections (0) stay where they are.
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// addAccessors returns bin with accessors for its exported tables and referenced imports, and
// the indexes of those imports, or bin itself when it needs none.
func addAccessors(bin []byte) ([]byte, []uint32, error) {
	secs, err := splitSections(bin)
	if err != nil {
		return nil, nil, err
	}
	// Table types in index order: imported tables first, then the module's own.
	var tableTypes []byte
	var exported []struct {
		name  string
		index uint32
	}
	var funcImports uint32
	for _, s := range secs {
		r := &reader{b: s.body}
		switch s.id {
		case 2:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.name()
				r.name()
				switch r.byte() {
				case 0:
					r.u32()
					funcImports++
				case 1:
					tableTypes = append(tableTypes, r.byte())
					r.limits()
				case 2:
					r.limits()
				case 3:
					r.byte()
					r.byte()
				}
			}
		case 4:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				t := r.byte()
				if t == 0x40 {
					// A table with an initialiser expression (function references proposal):
					// not produced by the toolchains molt supports.
					return nil, nil, fmt.Errorf("table %d has an initialiser expression, which molt does not support", len(tableTypes))
				}
				tableTypes = append(tableTypes, t)
				r.limits()
			}
		case 7:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				name := r.name()
				kind := r.byte()
				idx := r.u32()
				if kind == 1 {
					exported = append(exported, struct {
						name  string
						index uint32
					}{name, idx})
				}
			}
		}
		if r.err != nil {
			return nil, nil, fmt.Errorf("section %d: %w", s.id, r.err)
		}
	}
	refs := referencedImports(secs, funcImports)
	if len(exported) == 0 && len(refs) == 0 {
		return bin, nil, nil
	}
	var types, funcs, codes, exports [][]byte
	var typeCount, funcCount uint32
	for _, s := range secs {
		r := &reader{b: s.body}
		switch s.id {
		case 1:
			typeCount = r.u32()
		case 3:
			funcCount = r.u32()
		}
	}
	add := func(name string, params, results []byte, body []byte) {
		t := append([]byte{0x60}, uleb(uint64(len(params)))...)
		t = append(t, params...)
		t = append(t, uleb(uint64(len(results)))...)
		t = append(t, results...)
		types = append(types, t)
		funcs = append(funcs, uleb(uint64(typeCount)))
		typeCount++
		code := append([]byte{0}, body...) // no locals
		code = append(code, 0x0b)
		codes = append(codes, append(uleb(uint64(len(code))), code...))
		fn := funcImports + funcCount
		funcCount++
		exp := append(uleb(uint64(len(name))), name...)
		exp = append(exp, 0)
		exports = append(exports, append(exp, uleb(uint64(fn))...))
	}
	for _, e := range exported {
		if int(e.index) >= len(tableTypes) {
			return nil, nil, fmt.Errorf("export %q names table %d, which does not exist", e.name, e.index)
		}
		ref := tableTypes[e.index]
		t := uleb(uint64(e.index))
		add(tableSize+e.name, nil, []byte{valI32}, append([]byte{0xfc, 16}, t...))
		add(tableGrow+e.name, []byte{valI32, ref}, []byte{valI32}, append([]byte{0x20, 1, 0x20, 0, 0xfc, 15}, t...))
		add(tableGet+e.name, []byte{valI32}, []byte{ref}, append([]byte{0x20, 0, 0x25}, t...))
		add(tableSet+e.name, []byte{valI32, ref}, nil, append([]byte{0x20, 0, 0x20, 1, 0x26}, t...))
	}
	for _, i := range refs {
		add(importRef+strconv.Itoa(int(i)), nil, []byte{ValueTypeFuncref}, append([]byte{0xd2}, uleb(uint64(i))...))
	}
	secs = appendToVector(secs, 1, types)
	secs = appendToVector(secs, 3, funcs)
	secs = appendToVector(secs, 7, exports)
	secs = appendToVector(secs, 10, codes)
	return joinSections(bin[:8], secs), refs, nil
}

// referencedImports lists the imported functions (indexes below funcImports) that the module
// may make funcrefs to: those its element segments, global initialisers and exports name,
// which are all ref.func may name. A module it cannot read gets none.
func referencedImports(secs []section, funcImports uint32) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	mark := func(i uint32) {
		if i < funcImports && !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	funcVec := func(r *reader) {
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			mark(r.u32())
		}
	}
	exprVec := func(r *reader) {
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			r.constExpr(mark)
		}
	}
	for _, s := range secs {
		r := &reader{b: s.body}
		switch s.id {
		case 6:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.byte()
				r.byte()
				r.constExpr(mark)
			}
		case 7:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				r.name()
				kind, idx := r.byte(), r.u32()
				if kind == kindFunc {
					mark(idx)
				}
			}
		case 9:
			for n := r.u32(); n > 0 && r.err == nil; n-- {
				switch flags := r.u32(); flags {
				case 0:
					r.constExpr(nil)
					funcVec(r)
				case 1, 3:
					r.byte()
					funcVec(r)
				case 2:
					r.u32()
					r.constExpr(nil)
					r.byte()
					funcVec(r)
				case 4:
					r.constExpr(nil)
					exprVec(r)
				case 5, 7:
					r.byte()
					exprVec(r)
				case 6:
					r.u32()
					r.constExpr(nil)
					r.byte()
					exprVec(r)
				default:
					r.fail("unknown element segment flags %d", flags)
				}
			}
		}
		if r.err != nil {
			return nil
		}
	}
	return out
}

// splitSections cuts a module binary (already checked by readInterface) into its sections.
func splitSections(bin []byte) ([]section, error) {
	r := &reader{b: bin, off: 8}
	var secs []section
	for !r.done() {
		id := r.byte()
		n := int(r.u32())
		if r.err != nil {
			break
		}
		if n > len(bin)-r.off {
			return nil, fmt.Errorf("section %d runs past the end of the module", id)
		}
		secs = append(secs, section{id: id, body: bin[r.off : r.off+n]})
		r.off += n
	}
	return secs, r.err
}

// appendToVector appends items to the vector that makes up section id, creating the section
// in its place if the module has none.
func appendToVector(secs []section, id byte, items [][]byte) []section {
	for i, s := range secs {
		if s.id != id {
			continue
		}
		r := &reader{b: s.body}
		n := r.u32()
		body := uleb(uint64(n) + uint64(len(items)))
		body = append(body, s.body[r.off:]...)
		for _, it := range items {
			body = append(body, it...)
		}
		secs[i].body = body
		return secs
	}
	body := uleb(uint64(len(items)))
	for _, it := range items {
		body = append(body, it...)
	}
	at := len(secs)
	for i, s := range secs {
		if s.id != 0 && sectionOrder[s.id] > sectionOrder[id] {
			at = i
			break
		}
	}
	secs = append(secs[:at], append([]section{{id: id, body: body}}, secs[at:]...)...)
	return secs
}

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}
