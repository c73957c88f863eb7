package js

import (
	"unicode/utf8"

	"github.com/dop251/goja"
)

func init() {
	register("encoding", []string{"TextEncoder", "TextDecoder"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"encode": func(s string) goja.Value { return iso.vm.ToValue(iso.vm.NewArrayBuffer([]byte(s))) },
			"decode": func(v goja.Value, fatal bool) goja.Value {
				data, ok := iso.chunkBytes(v)
				if !ok {
					iso.throwTypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.")
				}
				s, valid := decodeUTF8(data, fatal)
				if !valid {
					iso.throwTypeError("The encoded data was not valid for encoding utf-8")
				}
				return iso.vm.ToValue(s)
			},
		}
	})
}

// decodeUTF8 decodes data as the WHATWG UTF-8 decoder does: each maximal ill-formed subpart
// becomes one U+FFFD. With fatal set, ill-formed input yields ok == false instead.
func decodeUTF8(data []byte, fatal bool) (s string, ok bool) {
	if utf8.Valid(data) {
		return string(data), true
	}
	if fatal {
		return "", false
	}
	out := make([]byte, 0, len(data)+8)
	for i := 0; i < len(data); {
		c := data[i]
		if c < 0x80 {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r != utf8.RuneError || n > 1 {
			out = append(out, data[i:i+n]...)
			i += n
			continue
		}
		i += maximalSubpart(data[i:])
		out = append(out, "\uFFFD"...)
	}
	return string(out), true
}

// maximalSubpart returns the length of the ill-formed sequence starting at b[0]: the lead byte
// plus the continuation bytes that were valid for it (Unicode's "maximal subpart" rule).
func maximalSubpart(b []byte) int {
	lead := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case lead >= 0xC2 && lead <= 0xDF:
		need = 1
	case lead == 0xE0:
		need, lo = 2, 0xA0
	case lead >= 0xE1 && lead <= 0xEC, lead == 0xEE, lead == 0xEF:
		need = 2
	case lead == 0xED:
		need, hi = 2, 0x9F
	case lead == 0xF0:
		need, lo = 3, 0x90
	case lead >= 0xF1 && lead <= 0xF3:
		need = 3
	case lead == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}
