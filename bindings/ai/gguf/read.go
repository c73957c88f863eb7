package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment applies when general.alignment is absent.
const DefaultAlignment = 32

// MaxDims is ggml's limit on tensor dimensions.
const MaxDims = 4

// maxDepth bounds nested arrays; real files nest at most once.
const maxDepth = 8

// TensorInfo describes one tensor. Dims[0] varies fastest: a weight matrix
// with R rows of C columns has Dims = [C, R].
type TensorInfo struct {
	Name   string
	Dims   []uint64
	Type   Type
	Offset uint64 // from the start of the data section
	Size   uint64 // bytes
}

// Elements is the number of elements.
func (t TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// File is a parsed GGUF file: its header, metadata and tensor infos, and a
// way to its tensor data.
type File struct {
	Version   uint32
	Metadata  []KV // in file order
	Tensors   []TensorInfo
	Alignment uint64
	// DataOffset is where tensor data starts in the file.
	DataOffset uint64

	meta    map[string]int
	tensors map[string]int
	r       io.ReaderAt
	size    int64
	mapped  []byte // the whole file when memory-mapped
	unmap   func() error
}

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("gguf: malformed file")

// reader decodes the header, tracking its position and the bytes left so
// that no length read from the file is trusted beyond what the file holds.
type reader struct {
	br   *bufio.Reader
	pos  uint64
	size uint64
	err  error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrFormat, r.pos, fmt.Sprintf(format, args...))
	}
}

func (r *reader) left() uint64 { return r.size - r.pos }

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > r.left() {
		r.fail("need %d bytes, the file has %d left (truncated?)", n, r.left())
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		r.fail("reading %d bytes: %v", n, err)
		return nil
	}
	r.pos += n
	return b
}

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) str() string {
	n := r.u64()
	if r.err == nil && n > r.left() {
		r.fail("string of %d bytes, the file has %d left", n, r.left())
	}
	return string(r.bytes(n))
}

// count reads an element count and checks that count elements of at least
// minSize bytes each fit in what is left of the file.
func (r *reader) count(what string, minSize uint64) uint64 {
	n := r.u64()
	if r.err == nil && n > r.left()/minSize {
		r.fail("%d %s cannot fit in the %d bytes left", n, what, r.left())
	}
	if r.err != nil {
		return 0
	}
	return n
}

func (r *reader) value(t ValueType, depth int) any {
	switch t {
	case TypeUint8:
		return r.u8()
	case TypeInt8:
		return int8(r.u8())
	case TypeUint16:
		return r.u16()
	case TypeInt16:
		return int16(r.u16())
	case TypeUint32:
		return r.u32()
	case TypeInt32:
		return int32(r.u32())
	case TypeFloat32:
		return math.Float32frombits(r.u32())
	case TypeBool:
		b := r.u8()
		if b > 1 {
			r.fail("bool value %d", b)
		}
		return b == 1
	case TypeString:
		return r.str()
	case TypeUint64:
		return r.u64()
	case TypeInt64:
		return int64(r.u64())
	case TypeFloat64:
		return math.Float64frombits(r.u64())
	case TypeArray:
		if depth >= maxDepth {
			r.fail("arrays nested deeper than %d", maxDepth)
			return nil
		}
		return r.array(depth + 1)
	}
	r.fail("unknown metadata value type %d", uint32(t))
	return nil
}

func (r *reader) array(depth int) Array {
	et := ValueType(r.u32())
	if r.err != nil {
		return Array{}
	}
	minSize := uint64(et.size())
	switch et {
	case TypeString:
		minSize = 8
	case TypeArray:
		minSize = 12
	}
	if minSize == 0 {
		r.fail("unknown array element type %d", uint32(et))
		return Array{}
	}
	n := r.count("array elements", minSize)
	a := Array{Elem: et}
	switch et {
	case TypeUint8:
		a.Values = r.bytes(n)
	case TypeInt8:
		a.Values = fill(r, n, func() int8 { return int8(r.u8()) })
	case TypeUint16:
		a.Values = fill(r, n, r.u16)
	case TypeInt16:
		a.Values = fill(r, n, func() int16 { return int16(r.u16()) })
	case TypeUint32:
		a.Values = fill(r, n, r.u32)
	case TypeInt32:
		a.Values = fill(r, n, func() int32 { return int32(r.u32()) })
	case TypeFloat32:
		a.Values = fill(r, n, func() float32 { return math.Float32frombits(r.u32()) })
	case TypeBool:
		a.Values = fill(r, n, func() bool { return r.value(TypeBool, depth).(bool) })
	case TypeString:
		a.Values = fill(r, n, r.str)
	case TypeUint64:
		a.Values = fill(r, n, r.u64)
	case TypeInt64:
		a.Values = fill(r, n, func() int64 { return int64(r.u64()) })
	case TypeFloat64:
		a.Values = fill(r, n, func() float64 { return math.Float64frombits(r.u64()) })
	case TypeArray:
		if depth >= maxDepth {
			r.fail("arrays nested deeper than %d", maxDepth)
			return Array{}
		}
		a.Values = fill(r, n, func() Array { return r.array(depth + 1) })
	}
	return a
}

// fill reads n elements, stopping at the first error.
func fill[T any](r *reader, n uint64, next func() T) []T {
	out := make([]T, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, next())
	}
	return out
}

// Read parses the GGUF file of size bytes that ra holds. Tensor data is
// read from ra on demand by TensorData.
func Read(ra io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("gguf: negative size %d", size)
	}
	r := &reader{br: bufio.NewReaderSize(io.NewSectionReader(ra, 0, size), 1<<16), size: uint64(size)}
	if m := r.bytes(4); r.err != nil || string(m) != Magic {
		if r.err != nil {
			return nil, fmt.Errorf("gguf: not a GGUF file: %w", r.err)
		}
		return nil, fmt.Errorf("%w: magic %q, want %q", ErrFormat, m, Magic)
	}
	f := &File{r: ra, size: size, meta: map[string]int{}, tensors: map[string]int{}}
	f.Version = r.u32()
	if r.err == nil && f.Version != 2 && f.Version != 3 {
		return nil, fmt.Errorf("%w: version %d (molt reads 2 and 3)", ErrFormat, f.Version)
	}
	// Minimal encodings: a tensor info is a name length, one dimension, a
	// type and an offset; a metadata entry a key length, a type and a byte.
	nt := r.count("tensors", 8+4+8+4+8)
	nkv := r.count("metadata entries", 8+4+1)
	for i := uint64(0); i < nkv && r.err == nil; i++ {
		key := r.str()
		t := ValueType(r.u32())
		v := r.value(t, 0)
		if r.err != nil {
			break
		}
		if _, dup := f.meta[key]; dup {
			r.fail("metadata key %q appears twice", key)
			break
		}
		f.meta[key] = len(f.Metadata)
		f.Metadata = append(f.Metadata, KV{Key: key, Value: Value{Type: t, V: v}})
	}
	for i := uint64(0); i < nt && r.err == nil; i++ {
		var t TensorInfo
		t.Name = r.str()
		nd := r.u32()
		if r.err == nil && (nd == 0 || nd > MaxDims) {
			r.fail("tensor %q has %d dimensions (1 to %d allowed)", t.Name, nd, MaxDims)
		}
		elems := uint64(1)
		for d := uint32(0); d < nd && r.err == nil; d++ {
			n := r.u64()
			if r.err == nil && (n == 0 || n > math.MaxInt64/elems) {
				r.fail("tensor %q dimension %d is %d", t.Name, d, n)
			}
			elems *= n
			t.Dims = append(t.Dims, n)
		}
		t.Type = Type(r.u32())
		t.Offset = r.u64()
		if r.err != nil {
			break
		}
		size, err := t.Type.RowBytes(elems)
		if err == nil && t.Dims[0]%uint64(t.Type.BlockSize()) != 0 {
			err = fmt.Errorf("rows of %d elements are not whole %d-element blocks", t.Dims[0], t.Type.BlockSize())
		}
		if err != nil {
			r.fail("tensor %q: %v", t.Name, err)
			break
		}
		t.Size = size
		if _, dup := f.tensors[t.Name]; dup {
			r.fail("tensor %q appears twice", t.Name)
			break
		}
		f.tensors[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	if r.err != nil {
		return nil, r.err
	}
	f.Alignment = DefaultAlignment
	if v, ok := f.Value("general.alignment"); ok {
		a, isU32 := v.V.(uint32)
		if !isU32 || a == 0 || a&(a-1) != 0 {
			return nil, fmt.Errorf("%w: general.alignment must be a power-of-two uint32, got %v %v", ErrFormat, v.Type, v.V)
		}
		f.Alignment = uint64(a)
	}
	f.DataOffset = alignUp(r.pos, f.Alignment)
	if f.DataOffset > uint64(size) && len(f.Tensors) > 0 {
		return nil, fmt.Errorf("%w: tensor data would start at %d, past the end of the %d-byte file", ErrFormat, f.DataOffset, size)
	}
	dataSize := uint64(size) - min(f.DataOffset, uint64(size))
	for _, t := range f.Tensors {
		if t.Offset%f.Alignment != 0 {
			return nil, fmt.Errorf("%w: tensor %q offset %d is not a multiple of the alignment %d", ErrFormat, t.Name, t.Offset, f.Alignment)
		}
		if t.Offset > dataSize || t.Size > dataSize-t.Offset {
			return nil, fmt.Errorf("%w: tensor %q [%d, +%d) lies outside the %d bytes of tensor data (truncated?)", ErrFormat, t.Name, t.Offset, t.Size, dataSize)
		}
	}
	return f, nil
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

// Value returns the metadata value under key.
func (f *File) Value(key string) (Value, bool) {
	i, ok := f.meta[key]
	if !ok {
		return Value{}, false
	}
	return f.Metadata[i].Value, true
}

// String returns the string under key; ok is false when it is absent or not
// a string.
func (f *File) String(key string) (s string, ok bool) {
	v, ok := f.Value(key)
	if !ok {
		return "", false
	}
	return v.Str()
}

// Uint returns the non-negative integer (of any integer type) under key.
func (f *File) Uint(key string) (uint64, bool) {
	v, ok := f.Value(key)
	if !ok {
		return 0, false
	}
	return v.Uint()
}

// Float returns the float32 or float64 under key.
func (f *File) Float(key string) (float64, bool) {
	v, ok := f.Value(key)
	if !ok {
		return 0, false
	}
	return v.Float()
}

// Bool returns the bool under key.
func (f *File) Bool(key string) (bool, bool) {
	v, ok := f.Value(key)
	if !ok {
		return false, false
	}
	return v.Bool()
}

// Array returns the array under key.
func (f *File) Array(key string) (Array, bool) {
	v, ok := f.Value(key)
	if !ok {
		return Array{}, false
	}
	a, ok := v.V.(Array)
	return a, ok
}

// Tensor returns the info of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.tensors[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// TensorData returns the bytes of t: a view into the mapping when the file
// was memory-mapped by Open (valid until Close; do not modify), else a copy
// read from the file.
func (f *File) TensorData(t TensorInfo) ([]byte, error) {
	start := f.DataOffset + t.Offset
	if t.Offset > uint64(f.size) || start > uint64(f.size) || t.Size > uint64(f.size)-start {
		return nil, fmt.Errorf("%w: tensor %q lies outside the file", ErrFormat, t.Name)
	}
	if f.mapped != nil {
		return f.mapped[start : start+t.Size : start+t.Size], nil
	}
	b := make([]byte, t.Size)
	if _, err := f.r.ReadAt(b, int64(start)); err != nil {
		return nil, fmt.Errorf("gguf: reading tensor %q: %w", t.Name, err)
	}
	return b, nil
}

// Close releases the file's mapping or descriptor (a no-op for files from
// Read).
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap, f.mapped = nil, nil
	return err
}
