package wasm

import (
	"fmt"
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

// Table accessor export prefixes.
const (
	tableSize = "__molt_table_size:"
	tableGrow = "__molt_table_grow:"
	tableGet  = "__molt_table_get:"
	tableSet  = "__molt_table_set:"
)

const valI32 = 0x7f

// section is one section of a module binary.
type section struct {
	id   byte
	body []byte
}

// sectionOrder is where each known section goes; custom sections (0) stay where they are.
var sectionOrder = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// addTableAccessors returns bin with accessors for its exported tables, or bin itself when it
// exports none.
func addTableAccessors(bin []byte) ([]byte, error) {
	secs, err := splitSections(bin)
	if err != nil {
		return nil, err
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
					return nil, fmt.Errorf("table %d has an initialiser expression, which molt does not support", len(tableTypes))
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
			return nil, fmt.Errorf("section %d: %w", s.id, r.err)
		}
	}
	if len(exported) == 0 {
		return bin, nil
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
			return nil, fmt.Errorf("export %q names table %d, which does not exist", e.name, e.index)
		}
		ref := tableTypes[e.index]
		t := uleb(uint64(e.index))
		add(tableSize+e.name, nil, []byte{valI32}, append([]byte{0xfc, 16}, t...))
		add(tableGrow+e.name, []byte{valI32, ref}, []byte{valI32}, append([]byte{0x20, 1, 0x20, 0, 0xfc, 15}, t...))
		add(tableGet+e.name, []byte{valI32}, []byte{ref}, append([]byte{0x20, 0, 0x25}, t...))
		add(tableSet+e.name, []byte{valI32, ref}, nil, append([]byte{0x20, 0, 0x20, 1, 0x26}, t...))
	}
	secs = appendToVector(secs, 1, types)
	secs = appendToVector(secs, 3, funcs)
	secs = appendToVector(secs, 7, exports)
	secs = appendToVector(secs, 10, codes)
	return joinSections(bin[:8], secs), nil
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
