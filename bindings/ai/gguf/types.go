// Package gguf reads and writes GGUF files, the model format of llama.cpp:
// versions 2 and 3, metadata of every value type, tensor infos and
// aligned tensor data, which Open memory-maps.
//
//	f, err := gguf.Open("model.gguf")
//	arch, _ := f.String("general.architecture")
//	t, _ := f.Tensor("token_embd.weight")
//	data, err := f.TensorData(t) // a view into the mapping, no copy
//
// Read never trusts the file: every count, length, dimension and offset is
// checked against the file's size before use, so a truncated or hostile
// file yields an error, not a panic or a huge allocation.
package gguf

import "fmt"

// ValueType is the type tag of a metadata value.
type ValueType uint32

// The metadata value types, numbered as in the GGUF specification.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64"}

// String names the type as the specification does.
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("ValueType(%d)", uint32(t))
}

// size is the encoded size of a fixed-size type (0 for string and array).
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// Type is a tensor's element type (ggml_type).
type Type uint32

// The tensor types molt computes with, and the others whose layout is known
// so that files holding them still parse.
const (
	F32  Type = 0
	F16  Type = 1
	Q4_0 Type = 2
	Q4_1 Type = 3
	Q5_0 Type = 6
	Q5_1 Type = 7
	Q8_0 Type = 8
	Q8_1 Type = 9
	Q2_K Type = 10
	Q3_K Type = 11
	Q4_K Type = 12
	Q5_K Type = 13
	Q6_K Type = 14
	Q8_K Type = 15
	I8   Type = 24
	I16  Type = 25
	I32  Type = 26
	I64  Type = 27
	F64  Type = 28
	BF16 Type = 30
)

type typeInfo struct {
	name        string
	block, size int // elements per block, bytes per block
}

var typeInfos = map[Type]typeInfo{
	F32: {"F32", 1, 4}, F16: {"F16", 1, 2}, Q4_0: {"Q4_0", 32, 18}, Q4_1: {"Q4_1", 32, 20},
	Q5_0: {"Q5_0", 32, 22}, Q5_1: {"Q5_1", 32, 24}, Q8_0: {"Q8_0", 32, 34}, Q8_1: {"Q8_1", 32, 36},
	Q2_K: {"Q2_K", 256, 84}, Q3_K: {"Q3_K", 256, 110}, Q4_K: {"Q4_K", 256, 144},
	Q5_K: {"Q5_K", 256, 176}, Q6_K: {"Q6_K", 256, 210}, Q8_K: {"Q8_K", 256, 292},
	I8: {"I8", 1, 1}, I16: {"I16", 1, 2}, I32: {"I32", 1, 4}, I64: {"I64", 1, 8},
	F64: {"F64", 1, 8}, BF16: {"BF16", 1, 2},
}

// String is ggml's name for the type.
func (t Type) String() string {
	if ti, ok := typeInfos[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("Type(%d)", uint32(t))
}

// BlockSize is the number of elements in one block of the type (1 for
// plain types), or 0 for a type this package does not know.
func (t Type) BlockSize() int { return typeInfos[t].block }

// RowBytes is the encoded size of n elements, or an error when the type is
// unknown or n is not a whole number of blocks.
func (t Type) RowBytes(n uint64) (uint64, error) {
	ti, ok := typeInfos[t]
	if !ok {
		return 0, fmt.Errorf("gguf: unknown tensor type %v", t)
	}
	if n%uint64(ti.block) != 0 {
		return 0, fmt.Errorf("gguf: %d elements of %v is not a whole number of %d-element blocks", n, t, ti.block)
	}
	return n / uint64(ti.block) * uint64(ti.size), nil
}
