package wasm

import (
	"slices"
	"testing"
)

// TestReferencedImports covers every place a module can name an imported function for
// ref.func: element segments of each form, global initialisers and exports.
func TestReferencedImports(t *testing.T) {
	refFunc := func(i byte) []byte { return []byte{0xd2, i, 0x0b} }
	i32 := []byte{0x41, 0, 0x0b}
	cases := []struct {
		name    string
		elems   [][]byte
		globals [][]byte
		export  bool
		want    []uint32
	}{
		{name: "none", want: nil},
		{name: "active, function indexes", elems: [][]byte{append(append([]byte{0}, i32...), 3, 1, 2, 0)}, want: []uint32{1, 2, 0}},
		{name: "declarative", elems: [][]byte{{3, 0, 1, 2}}, want: []uint32{2}},
		{name: "active, expressions", elems: [][]byte{append(append(append([]byte{4}, i32...), 2), append(refFunc(2), 0xd0, 0x70, 0x0b)...)}, want: []uint32{2}},
		{name: "passive, expressions", elems: [][]byte{append([]byte{5, 0x70, 1}, refFunc(1)...)}, want: []uint32{1}},
		{name: "a local function is not an import", elems: [][]byte{{3, 0, 1, 3}}, want: nil},
		{name: "a global's initialiser", globals: [][]byte{append([]byte{0x70, 0}, refFunc(0)...)}, want: []uint32{0}},
		{name: "an exported import", export: true, want: []uint32{1}},
		{name: "an expression it cannot read", elems: [][]byte{{4, 0xfd, 0x0b, 0}}, want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b builder
			for _, n := range []string{"a", "b", "c"} {
				b.importFunc("env", n, nil, nil)
			}
			b.function(nil, nil)
			b.elems, b.globals = c.elems, c.globals
			if c.export {
				b.export("b", kindFunc, 1)
			}
			secs, err := splitSections(b.bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got := referencedImports(secs, 3); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
