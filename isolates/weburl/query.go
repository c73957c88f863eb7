package weburl

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Pair is one name-value tuple of an application/x-www-form-urlencoded
// list, the list behind URLSearchParams.
type Pair struct{ Name, Value string }

// ParseQuery is the application/x-www-form-urlencoded parser. Callers strip
// a leading "?" themselves where the API says so (the URLSearchParams
// constructor does; URL's query never has one).
func ParseQuery(s string) []Pair {
	if s == "" {
		return nil
	}
	pairs := make([]Pair, 0, strings.Count(s, "&")+1)
	for seq := range strings.SplitSeq(s, "&") {
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		pairs = append(pairs, Pair{formDecode(name), formDecode(value)})
	}
	return pairs
}

// formDecode turns "+" into a space, percent-decodes and UTF-8 decodes
// with replacement. Plain tokens, the common case, come back unallocated.
func formDecode(s string) string {
	if strings.IndexByte(s, '+') >= 0 {
		s = strings.ReplaceAll(s, "+", " ")
	}
	return toValidUTF8(percentDecode(s))
}

// SerializeQuery is the application/x-www-form-urlencoded serializer, what
// URLSearchParams.toString() returns and what it writes back to its URL
// (through SetQuery).
func SerializeQuery(pairs []Pair) string {
	var b []byte
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendFormEncoded(b, p.Name)
		b = append(b, '=')
		b = appendFormEncoded(b, p.Value)
	}
	return string(b)
}

// appendFormEncoded encodes s with the application/x-www-form-urlencoded
// percent-encode set, spaces as "+".
func appendFormEncoded(dst []byte, s string) []byte {
	s = toValidUTF8(s)
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			dst = append(dst, '+')
		} else {
			dst = appendEncoded(dst, s[i], &formSet)
		}
	}
	return dst
}

// SortPairs sorts pairs stably by name for URLSearchParams.sort(). Names
// compare by UTF-16 code units, as JS does, which differs from Go's byte
// order when names mix astral characters with U+E000..U+FFFF.
func SortPairs(pairs []Pair) {
	slices.SortStableFunc(pairs, func(a, b Pair) int { return compareUTF16(a.Name, b.Name) })
}

// compareUTF16 compares a and b by UTF-16 code units.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ha, la := utf16Units(ra)
			hb, lb := utf16Units(rb)
			if ha != hb {
				return cmp.Compare(ha, hb)
			}
			return cmp.Compare(la, lb)
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Units returns r's first UTF-16 code unit and its second (0 when r
// fits in one unit).
func utf16Units(r rune) (rune, rune) {
	if r < 0x10000 {
		return r, 0
	}
	return utf16.EncodeRune(r)
}
