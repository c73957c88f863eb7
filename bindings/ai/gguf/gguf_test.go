package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// everyValue holds one metadata entry of every type, arrays of every element
// type, a nested array and an empty one.
var everyValue = []struct {
	key string
	v   any
}{
	{"u8", uint8(200)}, {"i8", int8(-100)}, {"u16", uint16(60000)}, {"i16", int16(-30000)},
	{"u32", uint32(4e9)}, {"i32", int32(-2e9)}, {"f32", float32(3.25)}, {"bool", true},
	{"str", "héllo ▁world"}, {"u64", uint64(1 << 63)}, {"i64", int64(-1 << 62)}, {"f64", math.Pi},
	{"a.u8", []uint8{1, 2, 3}}, {"a.i8", []int8{-1, 2}}, {"a.u16", []uint16{1, 65535}},
	{"a.i16", []int16{-2}}, {"a.u32", []uint32{7}}, {"a.i32", []int32{-7, 8}},
	{"a.f32", []float32{0.5, -1}}, {"a.bool", []bool{true, false}}, {"a.str", []string{"[CLS]", "", "▁the"}},
	{"a.u64", []uint64{1}}, {"a.i64", []int64{-1}}, {"a.f64", []float64{1e300}},
	{"a.nested", []Array{{Elem: TypeInt32, Values: []int32{1, 2}}, {Elem: TypeString, Values: []string{"x"}}}},
	{"a.empty", []string{}},
}

type tensor struct {
	name string
	typ  Type
	dims []uint64
}

var someTensors = []tensor{
	{"f32.1d", F32, []uint64{5}},
	{"f16.2d", F16, []uint64{3, 2}},
	{"q8.2d", Q8_0, []uint64{64, 3}},
	{"q4.3d", Q4_0, []uint64{32, 2, 2}},
	{"f32.4d", F32, []uint64{1, 2, 3, 4}},
}

func randomValues(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// build writes a file with everyValue and someTensors and returns its bytes
// and each tensor's encoded data.
func build(t testing.TB, version uint32, alignment uint32) ([]byte, map[string][]byte) {
	t.Helper()
	w := NewWriter()
	w.Version = version
	for _, kv := range everyValue {
		if err := w.Set(kv.key, kv.v); err != nil {
			t.Fatal(err)
		}
	}
	if alignment != 0 {
		if err := w.Set("general.alignment", alignment); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	data := map[string][]byte{}
	for _, ts := range someTensors {
		n := uint64(1)
		for _, d := range ts.dims {
			n *= d
		}
		b, err := Encode(ts.typ, randomValues(r, int(n)))
		if err != nil {
			t.Fatal(err)
		}
		data[ts.name] = b
		if err := w.AddTensor(ts.name, ts.typ, ts.dims, b); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), data
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct{ version, align uint32 }{{3, 0}, {2, 0}, {3, 64}, {3, 1}} {
		t.Run(fmt.Sprintf("v%d/align%d", c.version, c.align), func(t *testing.T) {
			raw, data := build(t, c.version, c.align)
			path := filepath.Join(t.TempDir(), "m.gguf")
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			opened, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer opened.Close()
			read, err := Read(bytes.NewReader(raw), int64(len(raw)))
			if err != nil {
				t.Fatal(err)
			}
			for name, f := range map[string]*File{"Open": opened, "Read": read} {
				if f.Version != c.version {
					t.Errorf("%s: version %d", name, f.Version)
				}
				wantAlign := uint64(c.align)
				if wantAlign == 0 {
					wantAlign = DefaultAlignment
				}
				if f.Alignment != wantAlign || f.DataOffset%wantAlign != 0 {
					t.Errorf("%s: alignment %d, data at %d", name, f.Alignment, f.DataOffset)
				}
				for _, kv := range everyValue {
					got, ok := f.Value(kv.key)
					want, _ := ValueOf(kv.v)
					if !ok || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %s = %#v, want %#v", name, kv.key, got, want)
					}
				}
				if len(f.Tensors) != len(someTensors) {
					t.Fatalf("%s: %d tensors", name, len(f.Tensors))
				}
				for _, ts := range someTensors {
					info, ok := f.Tensor(ts.name)
					if !ok || info.Type != ts.typ || !reflect.DeepEqual(info.Dims, ts.dims) || info.Offset%wantAlign != 0 {
						t.Fatalf("%s: tensor %s = %+v", name, ts.name, info)
					}
					got, err := f.TensorData(info)
					if err != nil || !bytes.Equal(got, data[ts.name]) {
						t.Fatalf("%s: tensor %s data differs (%v)", name, ts.name, err)
					}
				}
			}
		})
	}
}

// TestGoldenBytes pins the encoding against a file assembled by hand from
// the specification, so reader and writer cannot agree on a mistake.
func TestGoldenBytes(t *testing.T) {
	le := binary.LittleEndian
	var want []byte
	want = append(want, "GGUF"...)
	want = le.AppendUint32(want, 3)
	want = le.AppendUint64(want, 1) // tensors
	want = le.AppendUint64(want, 2) // metadata
	want = le.AppendUint64(want, 1)
	want = append(want, 'a')
	want = le.AppendUint32(want, 0) // uint8
	want = append(want, 7)
	want = le.AppendUint64(want, 1)
	want = append(want, 'b')
	want = le.AppendUint32(want, 9) // array
	want = le.AppendUint32(want, 8) // of strings
	want = le.AppendUint64(want, 1) // one
	want = le.AppendUint64(want, 2) // of two bytes
	want = append(want, "hi"...)    //
	want = le.AppendUint64(want, 1) // tensor name
	want = append(want, 't')        //
	want = le.AppendUint32(want, 1) // dims
	want = le.AppendUint64(want, 2) // ne0
	want = le.AppendUint32(want, 0) // F32
	want = le.AppendUint64(want, 0) // offset
	if len(want) != 106 {
		t.Fatalf("hand-assembled header is %d bytes, want 106", len(want))
	}
	want = append(want, make([]byte, 128-106)...) // data starts at the next multiple of 32
	want = le.AppendUint32(want, math.Float32bits(1))
	want = le.AppendUint32(want, math.Float32bits(2))

	w := NewWriter()
	w.Set("a", uint8(7))
	w.Set("b", []string{"hi"})
	w.AddTensor("t", F32, []uint64{2}, want[128:])
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("writer output\n%x\nwant\n%x", buf.Bytes(), want)
	}
	f, err := Read(bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	if f.DataOffset != 128 || len(f.Tensors) != 1 || f.Tensors[0].Size != 8 {
		t.Fatalf("read %+v", f)
	}
	if s, ok := f.Array("b"); !ok || !reflect.DeepEqual(s.Values, []string{"hi"}) {
		t.Fatalf("b = %#v", s)
	}
}

func TestEveryTruncationFails(t *testing.T) {
	raw, _ := build(t, 3, 0)
	for n := 0; n < len(raw); n++ {
		f, err := Read(bytes.NewReader(raw[:n]), int64(n))
		if err == nil {
			t.Fatalf("a file cut to %d of %d bytes parsed (%d tensors)", n, len(raw), len(f.Tensors))
		}
	}
}

// header assembles a file from its parts for the malformed-file table.
func header(version uint32, nt, nkv uint64, rest ...[]byte) []byte {
	b := append([]byte("GGUF"), binary.LittleEndian.AppendUint32(nil, version)...)
	b = binary.LittleEndian.AppendUint64(b, nt)
	b = binary.LittleEndian.AppendUint64(b, nkv)
	for _, r := range rest {
		b = append(b, r...)
	}
	return b
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func str(s string) []byte { return append(u64(uint64(len(s))), s...) }

func tinfo(name string, dims []uint64, typ uint32, off uint64) []byte {
	b := append(str(name), u32(uint32(len(dims)))...)
	for _, d := range dims {
		b = append(b, u64(d)...)
	}
	return append(append(b, u32(typ)...), u64(off)...)
}

func nested(depth int) []byte {
	b := append(u32(uint32(TypeArray)), u32(uint32(TypeArray))...)
	b = append(b, u64(1)...)
	for i := 0; i < depth; i++ {
		b = append(b, u32(uint32(TypeArray))...)
		b = append(b, u64(1)...)
	}
	return append(append(b, u32(uint32(TypeUint8))...), u64(0)...)
}

func TestMalformed(t *testing.T) {
	pad := make([]byte, 256)
	cases := []struct {
		name, want string
		file       []byte
	}{
		{"empty", "not a GGUF file", nil},
		{"bad magic", "magic", append([]byte("GGML"), pad...)},
		{"version 1", "version 1", header(1, 0, 0)},
		{"version 4", "version 4", header(4, 0, 0)},
		{"huge tensor count", "tensors cannot fit", header(3, 1<<60, 0, pad)},
		{"huge metadata count", "metadata entries cannot fit", header(3, 0, 1<<62, pad)},
		{"huge key", "string of", header(3, 0, 1, u64(1<<40), pad)},
		{"unknown value type", "unknown metadata value type 13", header(3, 0, 1, str("k"), u32(13), pad)},
		{"huge array", "array elements cannot fit", header(3, 0, 1, str("k"), u32(9), u32(6), u64(1<<40), pad)},
		{"unknown element type", "unknown array element type 99", header(3, 0, 1, str("k"), u32(9), u32(99), u64(1), pad)},
		{"deep nesting", "nested deeper", header(3, 0, 1, str("k"), nested(9), pad)},
		{"bool 2", "bool value 2", header(3, 0, 1, str("k"), u32(7), []byte{2}, pad)},
		{"duplicate key", "appears twice", header(3, 0, 2, str("k"), u32(0), []byte{1}, str("k"), u32(0), []byte{1}, pad)},
		{"alignment type", "general.alignment must be", header(3, 0, 1, str("general.alignment"), u32(10), u64(32), pad)},
		{"alignment 48", "general.alignment must be", header(3, 0, 1, str("general.alignment"), u32(4), u32(48), pad)},
		{"alignment 0", "general.alignment must be", header(3, 0, 1, str("general.alignment"), u32(4), u32(0), pad)},
		{"zero dims", "0 dimensions", header(3, 1, 0, tinfo("t", nil, 0, 0), pad)},
		{"five dims", "5 dimensions", header(3, 1, 0, tinfo("t", []uint64{1, 1, 1, 1, 1}, 0, 0), pad)},
		{"zero dim", "dimension 0 is 0", header(3, 1, 0, tinfo("t", []uint64{0}, 0, 0), pad)},
		{"overflowing dims", "dimension 1 is", header(3, 1, 0, tinfo("t", []uint64{1 << 32, 1 << 31, 1 << 31}, 0, 0), pad)},
		{"unknown tensor type", "unknown tensor type Type(99)", header(3, 1, 0, tinfo("t", []uint64{4}, 99, 0), pad)},
		{"ragged blocks", "not whole", header(3, 1, 0, tinfo("t", []uint64{16, 2}, uint32(Q8_0), 0), pad)},
		{"misaligned offset", "not a multiple of the alignment", header(3, 1, 0, tinfo("t", []uint64{4}, 0, 4), pad)},
		{"data past the end", "outside the", header(3, 1, 0, tinfo("t", []uint64{4}, 0, 1<<40), pad)},
		{"data overflowing", "outside the", header(3, 1, 0, tinfo("t", []uint64{1 << 40}, 0, 0), pad)},
		{"duplicate tensor", "appears twice", header(3, 2, 0, tinfo("t", []uint64{4}, 0, 0), tinfo("t", []uint64{4}, 0, 32), pad)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if c.name != "empty" && !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	cases := []struct {
		name string
		do   func(w *Writer) error
		want string
	}{
		{"go type", func(w *Writer) error { return w.Set("k", struct{}{}) }, "no metadata type"},
		{"mismatched array", func(w *Writer) error { return w.Set("k", Array{Elem: TypeInt8, Values: []string{}}) }, "holds a Go []string"},
		{"twice", func(w *Writer) error { w.Set("k", 1.0); return w.Set("k", 2.0) }, "set twice"},
		{"alignment", func(w *Writer) error { return w.Set("general.alignment", uint32(24)) }, "power-of-two"},
		{"short data", func(w *Writer) error { return w.AddTensor("t", Q4_0, []uint64{32}, make([]byte, 17)) }, "needs 18 bytes"},
		{"ragged", func(w *Writer) error { return w.AddTensor("t", Q8_0, []uint64{16, 2}, make([]byte, 34)) }, "not whole"},
		{"dims", func(w *Writer) error { return w.AddTensor("t", F32, nil, nil) }, "0 dimensions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := NewWriter()
			if err := c.do(w); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if _, err := w.WriteTo(&bytes.Buffer{}); err == nil {
				t.Fatal("WriteTo succeeded after an error")
			}
		})
	}
}

func TestHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat(uint16(h))
		if f != f {
			continue
		}
		if back := FloatToHalf(f); back != uint16(h) {
			t.Fatalf("FloatToHalf(HalfToFloat(%#04x) = %v) = %#04x", h, f, back)
		}
	}
	cases := []struct {
		f    float32
		want uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, // 65520 rounds up to Inf
		{float32(math.Inf(-1)), 0xfc00}, {0x1p-24, 0x0001}, {0x1p-25, 0x0000}, // tie to even (0)
		{0x1.8p-24, 0x0002},                          // tie between 1 and 2 ulps of subnormal: to even
		{1 + 0x1p-11, 0x3c00}, {1 + 0x3p-11, 0x3c02}, // ties at 1.0
		{float32(math.NaN()), 0x7e00},
	}
	for _, c := range cases {
		if got := FloatToHalf(c.f); got != c.want {
			t.Errorf("FloatToHalf(%v) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
}

func TestQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	x := randomValues(r, 32*64)
	for i := 0; i < 32; i++ {
		x[i] = 0 // an all-zero block
	}
	for _, c := range []struct {
		typ Type
		tol float64 // of the block's largest magnitude
	}{{Q8_0, 0.57 / 127}, {Q4_0, 1.1 / 8}, {F16, 1e-3}, {F32, 0}} { // half a step, plus the f16 rounding of the scale
		t.Run(c.typ.String(), func(t *testing.T) {
			enc, err := Encode(c.typ, x)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := Dequantize(c.typ, enc, len(x))
			if err != nil {
				t.Fatal(err)
			}
			for b := 0; b < len(x); b += 32 {
				var amax float64
				for _, v := range x[b : b+32] {
					amax = max(amax, math.Abs(float64(v)))
				}
				for i := b; i < b+32; i++ {
					if d := math.Abs(float64(dec[i] - x[i])); d > c.tol*amax {
						t.Fatalf("value %d: %v decoded as %v (|diff| %.3g > %.3g)", i, x[i], dec[i], d, c.tol*amax)
					}
				}
			}
		})
	}
	// llama.cpp's Q4_0 maps the largest-magnitude value to -8 exactly.
	blk := make([]float32, 32)
	for i := range blk {
		blk[i] = float32(i - 16) // -16 is the extreme: scale 2
	}
	q, _ := QuantizeQ4_0(blk)
	if d := HalfToFloat(binary.LittleEndian.Uint16(q)); d != 2 {
		t.Fatalf("Q4_0 scale %v, want 2", d)
	}
	if q[2]&15 != 0 || q[2]>>4 != 8 || q[17]>>4 != 15 {
		t.Fatalf("Q4_0 nibbles %x", q[2:])
	}
}

// FuzzRead feeds Read arbitrary bytes: it must return an error or a File
// whose every tensor's data can be read, and never panic.
func FuzzRead(f *testing.F) {
	raw, _ := build(f, 3, 0)
	f.Add(raw)
	raw2, _ := build(f, 2, 64)
	f.Add(raw2)
	f.Add(header(3, 1, 1, str("general.alignment"), u32(4), u32(16), tinfo("t", []uint64{4}, 0, 0), make([]byte, 64)))
	f.Add(header(3, 0, 1, str("k"), nested(3)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, ti := range file.Tensors {
			b, err := file.TensorData(ti)
			if err != nil || uint64(len(b)) != ti.Size {
				t.Fatalf("tensor %q: %d bytes, %v", ti.Name, len(b), err)
			}
			if file.DataOffset+ti.Offset+ti.Size > uint64(len(data)) {
				t.Fatalf("tensor %q extends past the file", ti.Name)
			}
		}
	})
}
