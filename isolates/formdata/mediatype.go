package formdata

import "strings"

// MediaType is a parsed Content-Type: its essence (type/subtype, lower-cased) and parameters
// (names lower-cased, the first occurrence of a name kept).
type MediaType struct {
	Essence string
	Params  map[string]string
}

// ParseMediaType parses a Content-Type value as workerd's MimeType::tryParse does, which is the
// WHATWG MIME Sniffing algorithm: parameters with invalid names or values are skipped, quoted
// values lose their quotes and backslash escapes. ok is false when there is no valid
// type/subtype.
func ParseMediaType(s string) (mt MediaType, ok bool) {
	s = strings.TrimLeft(s, "\r\n\t ")
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || !isToken(s[:slash]) {
		return mt, false
	}
	typ := strings.ToLower(s[:slash])
	s = s[slash+1:]
	if s == "" {
		return mt, false
	}
	sub := s
	rest := ""
	if semi := strings.IndexByte(s, ';'); semi >= 0 {
		sub, rest = s[:semi], s[semi+1:]
	}
	sub = strings.TrimRight(sub, "\r\n\t ")
	if sub == "" || !isToken(sub) {
		return mt, false
	}
	mt.Essence = typ + "/" + strings.ToLower(sub)
	mt.Params = map[string]string{}
	add := func(name, value string) {
		if !isQuotedText(value) {
			return
		}
		name = strings.ToLower(name)
		if _, dup := mt.Params[name]; !dup {
			mt.Params[name] = value
		}
	}
	for rest != "" {
		rest = strings.TrimLeft(rest, "\r\n\t ")
		if rest == "" {
			break
		}
		d := strings.IndexAny(rest, ";=")
		if d < 0 {
			break
		}
		if rest[d] == ';' {
			rest = rest[d+1:]
			continue
		}
		name := rest[:d]
		rest = rest[d+1:]
		if name == "" || !isToken(name) {
			if semi := strings.IndexByte(rest, ';'); semi >= 0 {
				rest = rest[semi+1:]
				continue
			}
			break
		}
		if rest == "" {
			break
		}
		if rest[0] == '"' {
			var v strings.Builder
			i := 1
			for i < len(rest) {
				c := rest[i]
				if c == '"' {
					i++
					break
				}
				if c == '\\' {
					i++
					if i == len(rest) {
						v.WriteByte('\\')
						break
					}
					c = rest[i]
				}
				v.WriteByte(c)
				i++
			}
			rest = rest[i:]
			add(name, v.String())
			if semi := strings.IndexByte(rest, ';'); semi >= 0 {
				rest = rest[semi+1:]
				continue
			}
			break
		}
		value := rest
		if semi := strings.IndexByte(rest, ';'); semi >= 0 {
			value, rest = rest[:semi], rest[semi+1:]
		} else {
			rest = ""
		}
		if value = strings.TrimRight(value, "\r\n\t "); value != "" {
			add(name, value)
		}
	}
	return mt, true
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+\\-.^_`|~", c) >= 0
}

// isQuotedText reports whether every byte may appear in a quoted-string: tab, printable ASCII
// and bytes from 0x80 (workerd's table stops at 0xFE, and so does this).
func isQuotedText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '\t' || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c < 0xFF)) {
			return false
		}
	}
	return true
}
