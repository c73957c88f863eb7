package wasm

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// readInterface reads the import and export sections of a module binary. wazero's
// CompiledModule lists functions and memories only, in map order; WebAssembly.Module.imports
// and exports need every kind, in declaration order.
//
// It also returns the pages that the memories the module defines start with, so that a module
// whose memory alone is over the cap is refused before anything is allocated, the types of
// its exported tables, which wazero does not expose, and its function types.
func readInterface(bin []byte) (iface moduleInterface, err error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" {
		return iface, errors.New("not a WebAssembly module: the magic number \\0asm is missing")
	}
	if bin[4] != 1 || bin[5] != 0 || bin[6] != 0 || bin[7] != 0 {
		return iface, fmt.Errorf("unsupported WebAssembly version %d (only 1 is supported)", uint32(bin[4])|uint32(bin[5])<<8|uint32(bin[6])<<16|uint32(bin[7])<<24)
	}
	var tables []TableType // in index order: imported, then defined
	r := &reader{b: bin, off: 8}
	for !r.done() {
		id := r.byte()
		size := r.u32()
		if r.err != nil {
			break
		}
		if uint64(r.off)+uint64(size) > uint64(len(r.b)) {
			return iface, fmt.Errorf("section %d at offset %d runs past the end of the module", id, r.off)
		}
		sec := &reader{b: r.b[:r.off+int(size)], off: r.off}
		r.off += int(size)
		switch id {
		case 1:
			for n := sec.u32(); n > 0 && sec.err == nil; n-- {
				if form := sec.byte(); form != 0x60 {
					// Not a plain function type (GC proposal): wazero refuses the module.
					sec.fail("unsupported type form 0x%x", form)
					break
				}
				iface.types = append(iface.types, funcType{params: sec.valueTypes(), results: sec.valueTypes()})
			}
		case 2:
			for n := sec.u32(); n > 0 && sec.err == nil; n-- {
				imp := Import{Module: sec.name(), Name: sec.name()}
				switch kind := sec.byte(); kind {
				case 0:
					imp.Kind = "function"
					sec.u32()
				case 1:
					imp.Kind = "table"
					imp.Type = sec.byte()
					imp.Min, imp.Max, imp.HasMax = sec.limits()
					tables = append(tables, TableType{Elem: imp.Type, Min: imp.Min, Max: imp.Max, HasMax: imp.HasMax})
				case 2:
					imp.Kind = "memory"
					imp.Min, imp.Max, imp.HasMax = sec.limits()
				case 3:
					imp.Kind = "global"
					imp.Type = sec.byte()
					imp.Mutable = sec.byte() == 1
				default:
					sec.fail("unknown import kind %d", kind)
				}
				iface.imports = append(iface.imports, imp)
			}
		case 4:
			for n := sec.u32(); n > 0 && sec.err == nil; n-- {
				t := TableType{Elem: sec.byte()}
				t.Min, t.Max, t.HasMax = sec.limits()
				tables = append(tables, t)
			}
		case 5:
			for n := sec.u32(); n > 0 && sec.err == nil; n-- {
				min, _, _ := sec.limits()
				iface.minPages += min
			}
		case 7:
			for n := sec.u32(); n > 0 && sec.err == nil; n-- {
				exp := Export{Name: sec.name()}
				kind := sec.byte()
				idx := sec.u32()
				switch kind {
				case 0:
					exp.Kind = "function"
				case 1:
					exp.Kind = "table"
					if int(idx) < len(tables) {
						if iface.tables == nil {
							iface.tables = map[string]TableType{}
						}
						iface.tables[exp.Name] = tables[idx]
					}
				case 2:
					exp.Kind = "memory"
				case 3:
					exp.Kind = "global"
				default:
					sec.fail("unknown export kind %d", kind)
				}
				iface.exports = append(iface.exports, exp)
			}
		}
		if sec.err != nil {
			return iface, fmt.Errorf("section %d: %w", id, sec.err)
		}
	}
	return iface, r.err
}

// moduleInterface is what readInterface finds in a module binary.
type moduleInterface struct {
	imports  []Import
	exports  []Export
	minPages uint64
	tables   map[string]TableType // by export name
	types    []funcType
}

// funcType is a function type of a module.
type funcType struct{ params, results []api.ValueType }

// TableType is the type of a table: its element type (api.ValueTypeFuncref or
// api.ValueTypeExternref) and its limits in elements.
type TableType struct {
	Elem     api.ValueType
	Min, Max uint64
	HasMax   bool
}

// reader decodes the binary format; the first error sticks and later reads return zeros.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at offset %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// u32 reads an unsigned LEB128 number of at most 32 bits.
func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("integer too long")
	return 0
}

func (r *reader) name() string {
	n := int(r.u32())
	if r.err != nil {
		return ""
	}
	if n > len(r.b)-r.off {
		r.fail("name runs past the end of its section")
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	if !utf8.ValidString(s) {
		r.fail("name is not UTF-8")
	}
	return s
}

// limits reads a limits value: a flags byte, a minimum and, when flagged, a maximum (64-bit
// memories encode them the same way, with wider numbers).
func (r *reader) limits() (min, max uint64, hasMax bool) {
	flags := r.byte()
	min = r.u64()
	if flags&1 != 0 {
		max, hasMax = r.u64(), true
	}
	return min, max, hasMax
}

// constExpr reads a constant expression up to its end, passing the function of each ref.func
// to mark (when not nil).
func (r *reader) constExpr(mark func(uint32)) {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b:
			return
		case 0x41, 0x42: // i32.const, i64.const: signed LEB128, read past as unsigned
			r.u64()
		case 0x43:
			r.skip(4)
		case 0x44:
			r.skip(8)
		case 0x23: // global.get
			r.u32()
		case 0xd0: // ref.null
			r.byte()
		case 0xd2: // ref.func
			if i := r.u32(); mark != nil {
				mark(i)
			}
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constants: add, sub, mul
		default:
			r.fail("unsupported instruction 0x%x in a constant expression", op)
		}
	}
}

func (r *reader) skip(n int) {
	if r.err == nil && n > len(r.b)-r.off {
		r.fail("unexpected end")
		return
	}
	r.off += n
}

// valueTypes reads a vector of value types.
func (r *reader) valueTypes() []api.ValueType {
	n := r.u32()
	if r.err != nil || int(n) > len(r.b)-r.off {
		r.fail("value type vector runs past the end of its section")
		return nil
	}
	out := make([]api.ValueType, n)
	for i := range out {
		out[i] = r.byte()
	}
	return out
}

func (r *reader) u64() uint64 {
	var v uint64
	for shift := 0; shift < 70; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("integer too long")
	return 0
}
