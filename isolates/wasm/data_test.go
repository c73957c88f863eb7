package wasm

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// dataModule encodes a module with a 2-page exported memory and the given active segments.
func dataModule(segs []struct {
	off  int32
	data string
}) []byte {
	body := uleb(uint64(len(segs)))
	for _, s := range segs {
		body = append(body, 0, 0x41)
		body = append(body, sleb(int64(s.off))...)
		body = append(body, 0x0b)
		body = append(body, uleb(uint64(len(s.data)))...)
		body = append(body, s.data...)
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = append(out, 5, 3, 1, 0, 2)                                   // memory 0: 2 pages
	out = append(out, 7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0) // export "memory"
	out = append(out, 11)
	out = append(out, uleb(uint64(len(body)))...)
	return append(out, body...)
}

func TestCoalesceData(t *testing.T) {
	type seg = struct {
		off  int32
		data string
	}
	tests := []struct {
		name string
		segs []seg
		want int // segments after merging
	}{
		{"adjacent and close", []seg{{0, "ab"}, {2, "cd"}, {10, "ef"}}, 1},
		{"a gap too long", []seg{{0, "ab"}, {5000, "cd"}}, 2},
		{"backwards stays apart, in order", []seg{{100, "abc"}, {101, "X"}, {200, "z"}}, 3},
		{"back then past the highest", []seg{{100, "abc"}, {50, "X"}, {103, "z"}, {300, "y"}}, 3},
		{"high addresses", []seg{{131000, "hi"}, {131010, "there"}}, 1},
		{"single", []seg{{7, "x"}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := dataModule(tc.segs)
			merged := coalesceData(orig)
			r := &reader{b: merged, off: 8}
			count := -1
			for !r.done() {
				id := r.byte()
				n := int(r.u32())
				if id == 11 {
					count = int((&reader{b: merged[r.off : r.off+n]}).u32())
				}
				r.off += n
			}
			if count != tc.want {
				t.Errorf("%d segments after merging, want %d", count, tc.want)
			}
			if !bytes.Equal(memoryAfter(t, orig), memoryAfter(t, merged)) {
				t.Error("the merged module starts with different memory")
			}
		})
	}
}

func memoryAfter(t *testing.T, bin []byte) []byte {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mod.Memory().Read(0, mod.Memory().Size())
	return append([]byte(nil), b...)
}
