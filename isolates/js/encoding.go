package js

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

func init() {
	register("encoding", []string{"TextEncoder", "TextDecoder", "TextEncoderStream", "TextDecoderStream"}, func(iso *Isolate) map[string]any {
		// Decoders of encodings other than UTF-8 keep their state (a partial sequence) in Go
		// between streaming calls, by id.
		decoders := map[int]*legacyDecoder{}
		next := 0
		return map[string]any{
			"encode": func(s string) goja.Value { return iso.vm.ToValue(iso.vm.NewArrayBuffer([]byte(s))) },
			"encodeInto": func(s string, dst goja.Value) []int {
				buf, ok := iso.chunkBytes(dst)
				if !ok {
					iso.throwTypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.")
				}
				read, written := encodeInto(s, buf)
				return []int{read, written}
			},
			"decode": func(v goja.Value, fatal bool) goja.Value {
				data, ok := iso.chunkBytes(v)
				if !ok {
					iso.throwTypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.")
				}
				s, valid := decodeUTF8(data, fatal)
				if !valid {
					iso.throwTypeError("Failed to decode input.")
				}
				return iso.vm.ToValue(s)
			},
			// encodingName returns the WHATWG name of label's encoding, or "" when workerd
			// refuses the label (unknown, or the replacement encoding).
			"encodingName": func(label string) string {
				e, err := htmlindex.Get(strings.ToLower(strings.Trim(label, "\t\n\f\r ")))
				if err != nil {
					return ""
				}
				name, err := htmlindex.Name(e)
				if err != nil || name == "replacement" {
					return ""
				}
				return name
			},
			"decoderNew": func(name string, fatal, ignoreBOM bool) int {
				next++
				decoders[next] = newLegacyDecoder(name, fatal, ignoreBOM)
				return next
			},
			"decoderDecode": func(id int, v goja.Value, stream bool) goja.Value {
				d := decoders[id]
				data, ok := iso.chunkBytes(v)
				if !ok {
					iso.throwTypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.")
				}
				s, valid := d.decode(data, !stream)
				if !valid {
					iso.throwTypeError("Failed to decode input.")
				}
				return iso.vm.ToValue(s)
			},
		}
	})
}

// encodeInto writes as much of s as fits into dst as UTF-8, whole characters only, and returns
// the UTF-16 code units read and the bytes written, as TextEncoder.encodeInto counts them. A
// lone surrogate reached Go as U+FFFD, which is what the encoder writes for it.
func encodeInto(s string, dst []byte) (read, written int) {
	for _, r := range s {
		n := utf8.RuneLen(r)
		if written+n > len(dst) {
			break
		}
		utf8.EncodeRune(dst[written:], r)
		written += n
		read += utf16.RuneLen(r)
	}
	return read, written
}

// legacyDecoder decodes UTF-16 and the legacy encodings, keeping a partial sequence between
// streaming calls.
type legacyDecoder struct {
	name      string
	fatal     bool
	ignoreBOM bool
	bomSeen   bool
	pending   []byte
	cm        *charmap.Charmap
	t         transform.Transformer
}

func newLegacyDecoder(name string, fatal, ignoreBOM bool) *legacyDecoder {
	d := &legacyDecoder{name: name, fatal: fatal, ignoreBOM: ignoreBOM}
	if name == "utf-16le" || name == "utf-16be" {
		return d
	}
	var e encoding.Encoding
	if name == "iso-8859-8-i" {
		e = charmap.ISO8859_8I
	} else {
		e, _ = htmlindex.Get(name)
	}
	if cm, ok := e.(*charmap.Charmap); ok {
		d.cm = cm
	} else {
		d.t = e.NewDecoder()
	}
	return d
}

// decode decodes data after what was pending; flush ends the stream (a partial sequence left
// then is an error). ok is false when fatal is set and the input is ill-formed.
func (d *legacyDecoder) decode(data []byte, flush bool) (s string, ok bool) {
	defer func() {
		if flush {
			d.pending, d.bomSeen = nil, false
			if d.t != nil {
				d.t.Reset()
			}
		}
	}()
	switch {
	case d.cm != nil:
		return d.singleByte(data)
	case d.t != nil:
		return d.multiByte(data, flush)
	}
	return d.utf16(data, flush)
}

// multiByte runs the x/text decoder of a CJK encoding, keeping an incomplete trailing sequence
// for the next call unless flush is set. Fatal mode refuses any U+FFFD the decoder produced,
// which is how x/text reports ill-formed input.
func (d *legacyDecoder) multiByte(data []byte, flush bool) (string, bool) {
	src := append(d.pending, data...)
	d.pending = nil
	dst := make([]byte, 3*len(src)+16)
	var out []byte
	for {
		nDst, nSrc, err := d.t.Transform(dst, src, flush)
		out = append(out, dst[:nDst]...)
		src = src[nSrc:]
		if err == transform.ErrShortDst {
			continue
		}
		if err == transform.ErrShortSrc && !flush {
			d.pending = append([]byte(nil), src...)
			break
		}
		if err != nil {
			return "", false
		}
		break
	}
	if d.fatal && strings.ContainsRune(string(out), utf8.RuneError) {
		return "", false
	}
	return string(out), true
}

// windows1252Control reports the bytes the bytes WHATWG's windows-1252 maps to the C1 control of the same
// number, which x/text's table leaves undefined.
func windows1252Control(b byte) bool {
	return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D
}

func (d *legacyDecoder) singleByte(data []byte) (string, bool) {
	var sb strings.Builder
	sb.Grow(len(data))
	for _, b := range data {
		if b < 0x80 {
			sb.WriteByte(b)
			continue
		}
		if d.name == "windows-1252" && windows1252Control(b) {
			sb.WriteRune(rune(b))
			continue
		}
		r := d.cm.DecodeByte(b)
		if r == utf8.RuneError && d.fatal {
			return "", false
		}
		sb.WriteRune(r)
	}
	return sb.String(), true
}

func (d *legacyDecoder) utf16(data []byte, flush bool) (string, bool) {
	if len(d.pending) > 0 {
		data = append(d.pending, data...)
		d.pending = nil
	}
	be := d.name == "utf-16be"
	units := make([]uint16, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		if be {
			units = append(units, uint16(data[i])<<8|uint16(data[i+1]))
		} else {
			units = append(units, uint16(data[i+1])<<8|uint16(data[i]))
		}
	}
	var rest []byte
	if len(data)%2 == 1 {
		rest = data[len(data)-1:]
	}
	// A lead surrogate at the end may pair with the next call's first unit.
	if !flush && len(units) > 0 && utf16.IsSurrogate(rune(units[len(units)-1])) && units[len(units)-1] < 0xDC00 {
		last := units[len(units)-1]
		units = units[:len(units)-1]
		if be {
			rest = append([]byte{byte(last >> 8), byte(last)}, rest...)
		} else {
			rest = append([]byte{byte(last), byte(last >> 8)}, rest...)
		}
	}
	var sb strings.Builder
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		switch {
		case u >= 0xD800 && u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] < 0xE000:
			sb.WriteRune(utf16.DecodeRune(u, rune(units[i+1])))
			i++
		case u >= 0xD800 && u < 0xE000:
			if d.fatal {
				return "", false
			}
			sb.WriteRune(utf8.RuneError)
		default:
			if u == 0xFEFF && !d.bomSeen && i == 0 && !d.ignoreBOM {
				d.bomSeen = true
				continue
			}
			sb.WriteRune(u)
		}
		d.bomSeen = true
	}
	if flush {
		if len(rest) > 0 {
			if d.fatal {
				return "", false
			}
			sb.WriteRune(utf8.RuneError)
		}
	} else {
		d.pending = append([]byte(nil), rest...)
	}
	return sb.String(), true
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
