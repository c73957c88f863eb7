package config

import (
	"strings"
)

// parseDotenv parses a .dev.vars or .env file as the dotenv package wrangler uses does:
//
//   - KEY=value, or KEY: value; an optional "export " prefix; keys of letters, digits, _ . -
//   - unquoted values end at # (a comment) and are trimmed;
//   - '…', "…" and `…` values may span lines and keep everything inside; in "…" values
//     \n and \r become a newline and a carriage return;
//   - blank lines and # comment lines are skipped; a later key wins.
//
// Where dotenv silently skips a line it cannot read, or keeps a quote that is not closed,
// this returns an *Error at the problem instead.
func parseDotenv(file string, data []byte) (map[string]string, error) {
	src := strings.TrimPrefix(string(data), "\uFEFF")
	src = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(src)
	p := dotenvParser{file: file, src: src}
	vars := map[string]string{}
	for p.off < len(src) {
		p.skipBlanks()
		switch {
		case p.off == len(src):
		case src[p.off] == '\n':
			p.off++
		case src[p.off] == '#':
			p.off = p.lineEnd(p.off)
		default:
			key, value, err := p.assignment()
			if err != nil {
				return nil, err
			}
			vars[key] = value
		}
	}
	return vars, nil
}

type dotenvParser struct {
	file string
	src  string // with \n line endings
	off  int
}

// assignment parses KEY=value from p.off to the end of its (last) line.
func (p *dotenvParser) assignment() (key, value string, err error) {
	if rest := p.src[p.off:]; strings.HasPrefix(rest, "export") && len(rest) > 6 && isBlank(rest[6]) {
		start := p.off
		p.off += 6
		p.skipBlanks()
		if p.off == len(p.src) || !isKeyByte(p.src[p.off]) {
			p.off = start // "export" is the key itself, as in export=1
		}
	}
	start := p.off
	for p.off < len(p.src) && isKeyByte(p.src[p.off]) {
		p.off++
	}
	key = p.src[start:p.off]
	if key == "" {
		return "", "", p.errorAt(start, "expected a variable name (letters, digits, _ . -)")
	}
	if p.off+1 < len(p.src) && p.src[p.off] == ':' && isBlank(p.src[p.off+1]) {
		p.off += 2
	} else {
		p.skipBlanks()
		if p.off == len(p.src) || p.src[p.off] != '=' {
			return "", "", p.errorAt(p.off, "expected = after %s", key)
		}
		p.off++
	}
	p.skipBlanks()
	if p.off < len(p.src) && strings.IndexByte("'\"`", p.src[p.off]) >= 0 {
		value, err = p.quoted()
		return key, value, err
	}
	end := p.lineEnd(p.off)
	value, _, _ = strings.Cut(p.src[p.off:end], "#")
	p.off = end
	return key, strings.TrimSpace(value), nil
}

// quoted parses the quoted value that starts at p.off and the comment that may follow it.
func (p *dotenvParser) quoted() (string, error) {
	open := p.off
	end, ok := p.closingQuote(open)
	if !ok {
		if end < 0 || strings.Contains(p.src[open:end], "\n") {
			return "", p.errorAt(open, "unterminated quoted value")
		}
		p.off = end + 1
		p.skipBlanks()
		return "", p.errorAt(p.off, "unexpected text after the closing quote")
	}
	value := p.src[open+1 : end]
	if p.src[open] == '"' {
		value = strings.NewReplacer(`\n`, "\n", `\r`, "\r").Replace(value)
	}
	p.off = p.lineEnd(end)
	return value, nil
}

// closingQuote finds the quote that ends the value opened at src[open], as dotenv's pattern
// matches it: at the first quote not escaped by a backslash, if only blanks or a comment follow
// on that line, or else at the last escaped quote before it that is so followed. When there is
// none, it returns the first unescaped quote (or -1) and false.
func (p *dotenvParser) closingQuote(open int) (int, bool) {
	q := p.src[open]
	var escaped []int
	end := -1
	for i := open + 1; i < len(p.src) && end < 0; i++ {
		switch {
		case p.src[i] == '\\' && i+1 < len(p.src) && p.src[i+1] == q:
			i++
			escaped = append(escaped, i)
		case p.src[i] == q:
			end = i
		}
	}
	if end >= 0 && p.endsLine(end+1) {
		return end, true
	}
	for i := len(escaped) - 1; i >= 0; i-- {
		if p.endsLine(escaped[i] + 1) {
			return escaped[i], true
		}
	}
	return end, false
}

// endsLine reports whether only blanks, and perhaps a comment, follow off on its line.
func (p *dotenvParser) endsLine(off int) bool {
	for off < len(p.src) && isBlank(p.src[off]) {
		off++
	}
	return off == len(p.src) || p.src[off] == '\n' || p.src[off] == '#'
}

// lineEnd returns the offset just past the line that off is on.
func (p *dotenvParser) lineEnd(off int) int {
	if i := strings.IndexByte(p.src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(p.src)
}

func (p *dotenvParser) skipBlanks() {
	for p.off < len(p.src) && isBlank(p.src[p.off]) {
		p.off++
	}
}

func (p *dotenvParser) errorAt(off int, format string, args ...any) *Error {
	return errorAt(p.file, []byte(p.src), off, format, args...)
}

// isBlank reports whether c is white space other than a newline.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f'
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}
