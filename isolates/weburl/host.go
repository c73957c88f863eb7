package weburl

import "strings"

// parseHost is the standard's host parser. It returns the serialized host,
// so callers never need to keep the IPv4/IPv6 numbers around.
func parseHost(input string, opaque bool) (string, error) {
	if input != "" && input[0] == '[' {
		if input[len(input)-1] != ']' {
			return "", errIPv6Unclosed
		}
		return parseIPv6(input[1 : len(input)-1])
	}
	if opaque {
		return parseOpaqueHost(input)
	}
	domain := input
	if strings.IndexByte(input, '%') >= 0 {
		domain = toValidUTF8(percentDecode(input))
	}
	ascii, err := domainToASCII(domain)
	if err != nil {
		return "", err
	}
	if endsInNumber(ascii) {
		return parseIPv4(ascii)
	}
	return ascii, nil
}

// parseOpaqueHost is the opaque-host parser used for non-special URLs.
func parseOpaqueHost(input string) (string, error) {
	for i := 0; i < len(input); i++ {
		if forbiddenHost[input[i]] {
			return "", errHostInvalid
		}
	}
	return encodeString(input, &c0ControlSet), nil
}

// forbiddenHost and forbiddenDomain are the standard's forbidden host and
// forbidden domain code points (all ASCII).
var forbiddenHost, forbiddenDomain = func() (h, d [256]bool) {
	for _, c := range []byte("\x00\t\n\r #/:<>?@[\\]^|") {
		h[c] = true
	}
	d = h
	for c := 0; c < 0x20; c++ {
		d[c] = true
	}
	d['%'], d[0x7f] = true, true
	return h, d
}()

// domainToASCII is the standard's "domain parser" with beStrict false.
func domainToASCII(domain string) (string, error) {
	var result string
	if isASCII(domain) {
		// ASCII input skips UTS #46 entirely, even when its processing
		// would fail (say "xn--a"): the standard keeps such hosts working.
		result = asciiLower(domain)
	} else {
		var ok bool
		if result, ok = uts46ToASCII(domain); !ok {
			return "", errDomainToASCII
		}
	}
	if result == "" {
		return "", errDomainToASCII
	}
	for i := 0; i < len(result); i++ {
		if forbiddenDomain[result[i]] {
			return "", errDomainInvalid
		}
	}
	return result, nil
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lowercases ASCII letters, returning s itself when it has no
// uppercase letter (the usual case for hosts).
func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// endsInNumber is the standard's "ends in a number checker": such hosts
// are IPv4 addresses (or invalid), never domains.
func endsInNumber(s string) bool {
	s = strings.TrimSuffix(s, ".")
	last := s[strings.LastIndexByte(s, '.')+1:]
	if last == "" {
		return false
	}
	digits := true
	for i := 0; i < len(last); i++ {
		if !isDigit(last[i]) {
			digits = false
			break
		}
	}
	if digits {
		return true
	}
	// Otherwise only "0x" or "0X" followed by hex digits parses as an
	// IPv4 number.
	if len(last) < 2 || last[0] != '0' || last[1]|0x20 != 'x' {
		return false
	}
	for i := 2; i < len(last); i++ {
		if !isHex(last[i]) {
			return false
		}
	}
	return true
}
