package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Writer builds a GGUF file: metadata entries and tensors in the order
// added, tensor data aligned as general.alignment says (DefaultAlignment
// unless set). It writes what llama.cpp's gguf writer writes, and exists to
// produce test fixtures and converted models.
//
//	w := gguf.NewWriter()
//	w.Set("general.architecture", "bert")
//	w.AddTensor("token_embd.weight", gguf.F32, []uint64{cols, rows}, data)
//	_, err := w.WriteTo(file)
type Writer struct {
	// Version is the GGUF version written: 3 (the default) or 2, which
	// differ only in what readers assume about byte order.
	Version  uint32
	meta     []KV
	keys     map[string]bool
	tensors  []TensorInfo
	data     [][]byte
	names    map[string]bool
	firstErr error
}

// NewWriter returns an empty version-3 Writer.
func NewWriter() *Writer {
	return &Writer{Version: 3, keys: map[string]bool{}, names: map[string]bool{}}
}

func (w *Writer) fail(err error) error {
	if w.firstErr == nil {
		w.firstErr = err
	}
	return err
}

// Set adds a metadata entry; v is any type ValueOf accepts. Errors are also
// reported by WriteTo, so callers may check only there.
func (w *Writer) Set(key string, v any) error {
	val, err := ValueOf(v)
	if err != nil {
		return w.fail(fmt.Errorf("gguf: metadata %q: %w", key, err))
	}
	if w.keys[key] {
		return w.fail(fmt.Errorf("gguf: metadata %q set twice", key))
	}
	if key == "general.alignment" {
		a, ok := val.V.(uint32)
		if !ok || a == 0 || a&(a-1) != 0 {
			return w.fail(fmt.Errorf("gguf: general.alignment must be a power-of-two uint32"))
		}
	}
	w.keys[key] = true
	w.meta = append(w.meta, KV{Key: key, Value: val})
	return nil
}

// AddTensor adds a tensor of type t with dimensions dims (fastest first) and
// its encoded bytes.
func (w *Writer) AddTensor(name string, t Type, dims []uint64, data []byte) error {
	if w.names[name] {
		return w.fail(fmt.Errorf("gguf: tensor %q added twice", name))
	}
	if len(dims) == 0 || len(dims) > MaxDims {
		return w.fail(fmt.Errorf("gguf: tensor %q has %d dimensions", name, len(dims)))
	}
	n := uint64(1)
	for _, d := range dims {
		if d == 0 {
			return w.fail(fmt.Errorf("gguf: tensor %q has a zero dimension", name))
		}
		n *= d
	}
	size, err := t.RowBytes(n)
	if err == nil && dims[0]%uint64(t.BlockSize()) != 0 {
		err = fmt.Errorf("rows of %d elements are not whole blocks of %v", dims[0], t)
	}
	if err != nil {
		return w.fail(fmt.Errorf("gguf: tensor %q: %w", name, err))
	}
	if uint64(len(data)) != size {
		return w.fail(fmt.Errorf("gguf: tensor %q: %v %v needs %d bytes, got %d", name, t, dims, size, len(data)))
	}
	w.names[name] = true
	w.tensors = append(w.tensors, TensorInfo{Name: name, Dims: append([]uint64(nil), dims...), Type: t, Size: size})
	w.data = append(w.data, data)
	return nil
}

// WriteTo writes the file.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	if w.firstErr != nil {
		return 0, w.firstErr
	}
	if w.Version != 2 && w.Version != 3 {
		return 0, fmt.Errorf("gguf: cannot write version %d", w.Version)
	}
	align := uint64(DefaultAlignment)
	for _, kv := range w.meta {
		if kv.Key == "general.alignment" {
			align = uint64(kv.Value.V.(uint32))
		}
	}
	var off uint64
	for i := range w.tensors {
		w.tensors[i].Offset = off
		off = alignUp(off+w.tensors[i].Size, align)
	}
	e := &encoder{w: bufio.NewWriterSize(out, 1<<16)}
	e.raw([]byte(Magic))
	e.u32(w.Version)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.meta)))
	for _, kv := range w.meta {
		e.str(kv.Key)
		e.u32(uint32(kv.Value.Type))
		e.value(kv.Value.Type, kv.Value.V)
	}
	for _, t := range w.tensors {
		e.str(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(d)
		}
		e.u32(uint32(t.Type))
		e.u64(t.Offset)
	}
	e.pad(align)
	for i := range w.tensors {
		e.raw(w.data[i])
		if i < len(w.tensors)-1 {
			e.pad(align)
		}
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.n, e.err
}

type encoder struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (e *encoder) raw(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.n += int64(n)
	e.err = err
}

func (e *encoder) pad(align uint64) {
	if k := alignUp(uint64(e.n), align) - uint64(e.n); k > 0 {
		e.raw(make([]byte, k))
	}
}

func (e *encoder) u8(v uint8)   { e.raw([]byte{v}) }
func (e *encoder) u16(v uint16) { e.raw(binary.LittleEndian.AppendUint16(nil, v)) }
func (e *encoder) u32(v uint32) { e.raw(binary.LittleEndian.AppendUint32(nil, v)) }
func (e *encoder) u64(v uint64) { e.raw(binary.LittleEndian.AppendUint64(nil, v)) }
func (e *encoder) str(s string) { e.u64(uint64(len(s))); e.raw([]byte(s)) }

func (e *encoder) value(t ValueType, v any) {
	switch x := v.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case bool:
		if x {
			e.u8(1)
		} else {
			e.u8(0)
		}
	case string:
		e.str(x)
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case Array:
		e.u32(uint32(x.Elem))
		e.u64(uint64(x.Len()))
		eachElem(x, func(v any) { e.value(x.Elem, v) })
	default:
		if e.err == nil {
			e.err = fmt.Errorf("gguf: cannot encode %T as %v", v, t)
		}
	}
}

// eachElem calls f with every element of a.
func eachElem(a Array, f func(any)) {
	switch v := a.Values.(type) {
	case []uint8:
		each(v, f)
	case []int8:
		each(v, f)
	case []uint16:
		each(v, f)
	case []int16:
		each(v, f)
	case []uint32:
		each(v, f)
	case []int32:
		each(v, f)
	case []float32:
		each(v, f)
	case []bool:
		each(v, f)
	case []string:
		each(v, f)
	case []uint64:
		each(v, f)
	case []int64:
		each(v, f)
	case []float64:
		each(v, f)
	case []Array:
		each(v, f)
	}
}

func each[T any](s []T, f func(any)) {
	for _, v := range s {
		f(v)
	}
}
