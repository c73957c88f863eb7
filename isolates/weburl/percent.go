package weburl

import (
	"strings"
	"unicode/utf8"
)

// encodeSet is a percent-encode set indexed by byte. Every set in the
// standard contains all non-ASCII code points, so working on UTF-8 bytes
// gives the same output as encoding each code point's UTF-8 bytes.
type encodeSet [256]bool

// The percent-encode sets of the URL Standard, each built on the previous
// one exactly as the standard layers them.
var (
	c0ControlSet    = newEncodeSet(nil, "")
	fragmentSet     = newEncodeSet(&c0ControlSet, " \"<>`")
	querySet        = newEncodeSet(&c0ControlSet, " \"#<>")
	specialQuerySet = newEncodeSet(&querySet, "'")
	pathSet         = newEncodeSet(&querySet, "?^`{}")
	userinfoSet     = newEncodeSet(&pathSet, "/:;=@[\\]|")
	componentSet    = newEncodeSet(&userinfoSet, "$%&+,")
	formSet         = newEncodeSet(&componentSet, "!'()~")
)

// newEncodeSet returns parent (or the C0 control set when parent is nil)
// extended with the bytes in extra.
func newEncodeSet(parent *encodeSet, extra string) encodeSet {
	var s encodeSet
	if parent != nil {
		s = *parent
	} else {
		for b := 0; b < 256; b++ {
			s[b] = b < 0x20 || b > 0x7e
		}
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return s
}

const upperHex = "0123456789ABCDEF"

// appendEncoded appends b, percent-encoded if set contains it.
func appendEncoded(dst []byte, b byte, set *encodeSet) []byte {
	if set[b] {
		return append(dst, '%', upperHex[b>>4], upperHex[b&0xf])
	}
	return append(dst, b)
}

// encodeString UTF-8 percent-encodes s with set. It returns s itself when
// nothing needs encoding, which is the common case for setter input.
func encodeString(s string, set *encodeSet) string {
	i := 0
	for i < len(s) && !set[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	dst := make([]byte, 0, len(s)+16)
	dst = append(dst, s[:i]...)
	for ; i < len(s); i++ {
		dst = appendEncoded(dst, s[i], set)
	}
	return string(dst)
}

// isHex reports whether b is an ASCII hex digit.
func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// unhex returns the value of the ASCII hex digit b.
func unhex(b byte) byte {
	switch {
	case b <= '9':
		return b - '0'
	case b >= 'a':
		return b - 'a' + 10
	default:
		return b - 'A' + 10
	}
}

// percentDecode percent-decodes s. A "%" not followed by two hex digits is
// kept literally, as the standard requires, so decoding never fails.
func percentDecode(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	dst := make([]byte, 0, len(s))
	dst = append(dst, s[:i]...)
	for ; i < len(s); i++ {
		b := s[i]
		if b == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = append(dst, b)
	}
	return string(dst)
}

// toValidUTF8 is the Encoding Standard's "UTF-8 decode without BOM": each
// maximal invalid subsequence becomes one U+FFFD. strings.ToValidUTF8 is not
// usable because it merges adjacent invalid sequences into one replacement,
// and utf8.DecodeRune alone replaces byte by byte.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	dst := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			dst = append(dst, b)
			i++
			continue
		}
		if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
			dst = append(dst, s[i:i+size]...)
			i += size
			continue
		}
		// Invalid: swallow the lead byte plus every continuation byte that
		// the lead byte's bounds still allow (the maximal subpart).
		need, lo, hi := 0, byte(0x80), byte(0xbf)
		switch {
		case 0xc2 <= b && b <= 0xdf:
			need = 1
		case 0xe0 <= b && b <= 0xef:
			need = 2
			if b == 0xe0 {
				lo = 0xa0
			} else if b == 0xed {
				hi = 0x9f
			}
		case 0xf0 <= b && b <= 0xf4:
			need = 3
			if b == 0xf0 {
				lo = 0x90
			} else if b == 0xf4 {
				hi = 0x8f
			}
		}
		n := 1
		for ; n <= need && i+n < len(s); n++ {
			if c := s[i+n]; c < lo || c > hi {
				break
			}
			lo, hi = 0x80, 0xbf
		}
		dst = append(dst, "\uFFFD"...)
		i += n
	}
	return string(dst)
}
