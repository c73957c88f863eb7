package gguf

import (
	"fmt"
	"math"
)

// Value is one metadata value. Its Go representation by Type:
// uint8, int8, uint16, int16, uint32, int32, float32, bool, string, uint64,
// int64, float64, and for TypeArray an Array.
type Value struct {
	Type ValueType
	V    any
}

// Array is an array value: Elem is the element type and Values a Go slice of
// the element's representation ([]string, []float32, []int32, ..., or
// []Array for nested arrays).
type Array struct {
	Elem   ValueType
	Values any
}

// Len is the number of elements.
func (a Array) Len() int {
	switch v := a.Values.(type) {
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case []uint16:
		return len(v)
	case []int16:
		return len(v)
	case []uint32:
		return len(v)
	case []int32:
		return len(v)
	case []float32:
		return len(v)
	case []bool:
		return len(v)
	case []string:
		return len(v)
	case []uint64:
		return len(v)
	case []int64:
		return len(v)
	case []float64:
		return len(v)
	case []Array:
		return len(v)
	}
	return 0
}

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// ValueOf converts a Go value to a metadata Value: the scalar types listed
// on Value, and slices of them or of Array for arrays.
func ValueOf(v any) (Value, error) {
	switch x := v.(type) {
	case uint8:
		return Value{TypeUint8, x}, nil
	case int8:
		return Value{TypeInt8, x}, nil
	case uint16:
		return Value{TypeUint16, x}, nil
	case int16:
		return Value{TypeInt16, x}, nil
	case uint32:
		return Value{TypeUint32, x}, nil
	case int32:
		return Value{TypeInt32, x}, nil
	case float32:
		return Value{TypeFloat32, x}, nil
	case bool:
		return Value{TypeBool, x}, nil
	case string:
		return Value{TypeString, x}, nil
	case uint64:
		return Value{TypeUint64, x}, nil
	case int64:
		return Value{TypeInt64, x}, nil
	case float64:
		return Value{TypeFloat64, x}, nil
	case Array:
		// The element type must agree with the slice, or the encoding lies.
		inner, err := ValueOf(x.Values)
		if err != nil || inner.Type != TypeArray || inner.V.(Array).Elem != x.Elem {
			return Value{}, fmt.Errorf("gguf: array of %v holds a Go %T", x.Elem, x.Values)
		}
		return Value{TypeArray, x}, nil
	case Value:
		return x, nil
	}
	elem := map[string]ValueType{
		"[]uint8": TypeUint8, "[]int8": TypeInt8, "[]uint16": TypeUint16, "[]int16": TypeInt16,
		"[]uint32": TypeUint32, "[]int32": TypeInt32, "[]float32": TypeFloat32, "[]bool": TypeBool,
		"[]string": TypeString, "[]uint64": TypeUint64, "[]int64": TypeInt64, "[]float64": TypeFloat64,
		"[]gguf.Array": TypeArray,
	}
	if t, ok := elem[fmt.Sprintf("%T", v)]; ok {
		return Value{TypeArray, Array{Elem: t, Values: v}}, nil
	}
	return Value{}, fmt.Errorf("gguf: no metadata type for Go %T", v)
}

// Uint returns an integer value of any integer type as uint64; ok is false
// for other types and negative values.
func (v Value) Uint() (uint64, bool) {
	i, ok := v.Int()
	if ok && i >= 0 {
		return uint64(i), true
	}
	if u, isU64 := v.V.(uint64); isU64 {
		return u, true
	}
	return 0, false
}

// Int returns an integer value of any integer type as int64; ok is false for
// other types and for uint64 values above MaxInt64.
func (v Value) Int() (int64, bool) {
	switch x := v.V.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case int64:
		return x, true
	}
	return 0, false
}

// Float returns a float32 or float64 value as float64.
func (v Value) Float() (float64, bool) {
	switch x := v.V.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// Str returns a string value (String would read as fmt.Stringer).
func (v Value) Str() (string, bool) {
	s, ok := v.V.(string)
	return s, ok
}

// Bool returns a bool value.
func (v Value) Bool() (bool, bool) {
	b, ok := v.V.(bool)
	return b, ok
}
