package urlpattern

import (
	"errors"
	"strings"
)

// regexp2 accepts escapes that the "u" and "v" flags forbid and lacks the class set operations
// of "v". checkEscapes refuses the former; translateSets rewrites the latter.

var errEscape = errors.New("invalid escape in regular expression")

// checkEscapes rejects identity escapes of letters and digits that Unicode-mode JavaScript
// regular expressions refuse, such as \m or \H.
func checkEscapes(src string) error {
	for i := 0; i < len(src); i++ {
		if src[i] != '\\' {
			continue
		}
		i++
		if i >= len(src) {
			return errEscape
		}
		c := src[i]
		switch {
		case strings.IndexByte("dDwWsSbBfnrtv0123456789^$\\.*+?()[]{}|/-", c) >= 0:
		case c == 'c':
			if i+1 >= len(src) || !isLetter(src[i+1]) {
				return errEscape
			}
		case c == 'x':
			if i+2 >= len(src) || !isHex(src[i+1]) || !isHex(src[i+2]) {
				return errEscape
			}
		case c == 'u', c == 'p', c == 'P', c == 'k', c == 'q':
			// Their bodies are checked by regexp2.
		case isLetter(c):
			return errEscape
		}
	}
	return nil
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

// translateSets rewrites character classes that use "v" syntax (nested classes, "--"
// subtraction, "&&" intersection) into lookaheads regexp2 understands:
// [A--B] becomes (?:(?!B)A) and [A&&B] becomes (?:(?=B)A), where A and B are classes or single
// characters. Classes without that syntax are left alone.
func translateSets(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' && i+1 < len(src) {
			b.WriteString(src[i : i+2])
			i++
			continue
		}
		if c != '[' {
			b.WriteByte(c)
			continue
		}
		end, ok := classEnd(src, i)
		if !ok {
			b.WriteString(src[i:])
			break
		}
		b.WriteString(translateClass(src[i : end+1]))
		i = end
	}
	return b.String()
}

// classEnd finds the "]" closing the class that opens at i, counting nested classes.
func classEnd(s string, i int) (int, bool) {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
}

// translateClass rewrites one class, given with its brackets.
func translateClass(cls string) string {
	body := cls[1 : len(cls)-1]
	if !strings.ContainsAny(body, "[") && !strings.Contains(body, "--") && !strings.Contains(body, "&&") {
		return cls
	}
	if strings.HasPrefix(body, "^") {
		return cls // negated set expressions are left to fail in regexp2
	}
	operands, ops := splitOperands(body)
	if operands == nil {
		return cls
	}
	if len(ops) == 0 {
		// A union of nested classes and characters.
		return "(?:" + strings.Join(operands, "|") + ")"
	}
	out := operands[0]
	for k, op := range ops {
		next := operands[k+1]
		if op == "--" {
			out = "(?:(?!" + next + ")" + out + ")"
		} else {
			out = "(?:(?=" + next + ")" + out + ")"
		}
	}
	return out
}

// splitOperands splits a class body into operands (each a regexp for one character) and the
// operators between them; nil when the body mixes forms this translation does not cover.
func splitOperands(body string) ([]string, []string) {
	var operands, ops []string
	for i := 0; i < len(body); {
		switch {
		case strings.HasPrefix(body[i:], "--"), strings.HasPrefix(body[i:], "&&"):
			ops = append(ops, body[i:i+2])
			i += 2
		case body[i] == '[':
			end, ok := classEnd(body, i)
			if !ok {
				return nil, nil
			}
			operands = append(operands, translateClass(body[i:end+1]))
			i = end + 1
		case body[i] == '\\' && i+1 < len(body):
			operands = append(operands, "["+body[i:i+2]+"]")
			i += 2
		case body[i] == '-':
			return nil, nil // a range; ranges only appear inside nested classes here
		default:
			operands = append(operands, "["+body[i:i+1]+"]")
			i++
		}
	}
	if len(ops) > 0 && len(ops) != len(operands)-1 {
		return nil, nil
	}
	return operands, ops
}
