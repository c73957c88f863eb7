package weburl

import (
	"strconv"
	"strings"
)

// parseIPv4 is the standard's IPv4 parser, with its browser-compatible
// quirks: one to four parts, each decimal, octal ("0" prefix) or hex ("0x"
// prefix), the last part filling all remaining bytes. It returns the
// dotted-decimal serialization.
func parseIPv4(input string) (string, error) {
	// A single trailing dot is allowed ("1.2.3.4.").
	if strings.HasSuffix(input, ".") && len(input) > 1 {
		input = input[:len(input)-1]
	}
	var numbers [4]uint64
	n := 0
	for part := range strings.SplitSeq(input, ".") {
		if n == 4 {
			return "", errIPv4TooManyParts
		}
		v, ok := parseIPv4Number(part)
		if !ok {
			return "", errIPv4NonNumeric
		}
		numbers[n] = v
		n++
	}
	for i := 0; i < n-1; i++ {
		if numbers[i] > 255 {
			return "", errIPv4OutOfRange
		}
	}
	last := numbers[n-1]
	if last >= 1<<(8*(5-n)) {
		return "", errIPv4OutOfRange
	}
	ipv4 := last
	for i := 0; i < n-1; i++ {
		ipv4 += numbers[i] << (8 * (3 - i))
	}
	return serializeIPv4(uint32(ipv4)), nil
}

// ipv4Saturate caps parsed numbers: anything at or above it is out of range
// for every position, and capping keeps long digit strings from overflowing.
const ipv4Saturate = 1 << 40

// parseIPv4Number is the standard's IPv4 number parser.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	radix := uint64(10)
	if len(s) >= 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		s, radix = s[2:], 16
	} else if len(s) >= 2 && s[0] == '0' {
		s, radix = s[1:], 8
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case radix == 16 && isHex(c):
			d = uint64(unhex(c))
		default:
			return 0, false
		}
		if d >= radix {
			return 0, false
		}
		if v = v*radix + d; v >= ipv4Saturate {
			v = ipv4Saturate
		}
	}
	return v, true
}

// serializeIPv4 is the standard's IPv4 serializer.
func serializeIPv4(addr uint32) string {
	b := make([]byte, 0, 15)
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, uint64(addr>>(8*i)&0xff), 10)
		if i > 0 {
			b = append(b, '.')
		}
	}
	return string(b)
}
