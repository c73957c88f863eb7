package urlpattern

import (
	"strconv"
	"strings"
	"unicode"
)

// This file is the URL Pattern Standard's pattern syntax: the tokenizer, the pattern parser that
// turns a component's pattern string into parts, and the two generators that turn parts back
// into a regular expression and into the normalized pattern string the getters return. Strings
// are handled as code points ([]rune) since the standard indexes them that way.

type tokenType uint8

const (
	tokOpen tokenType = iota
	tokClose
	tokRegexp
	tokName
	tokChar
	tokEscapedChar
	tokOtherModifier
	tokAsterisk
	tokEnd
	tokInvalidChar
)

type token struct {
	typ   tokenType
	index int // code point index in the input
	value string
}

type tokenizePolicy bool

const (
	strict  tokenizePolicy = true
	lenient tokenizePolicy = false
)

type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

func isASCII(r rune) bool { return r < 0x80 }

// validNameCodePoint is the standard's identifier rule for :names.
func validNameCodePoint(r rune, first bool) bool {
	if first {
		return r == '$' || r == '_' || unicode.In(r, unicode.L, unicode.Nl, unicode.Other_ID_Start)
	}
	return r == '$' || r == '\u200C' || r == '\u200D' ||
		unicode.In(r, unicode.L, unicode.Nl, unicode.Other_ID_Start, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

func tokenize(input []rune, policy tokenizePolicy) ([]token, error) {
	var toks []token
	i := 0
	add := func(typ tokenType, next, valuePos, valueLen int) {
		toks = append(toks, token{typ: typ, index: i, value: string(input[valuePos : valuePos+valueLen])})
		i = next
	}
	fail := func(next, valuePos int) error {
		if policy == strict {
			return &syntaxError{"invalid pattern at index " + strconv.Itoa(valuePos)}
		}
		add(tokInvalidChar, next, valuePos, next-valuePos)
		return nil
	}
	for i < len(input) {
		c := input[i]
		switch c {
		case '*':
			add(tokAsterisk, i+1, i, 1)
			continue
		case '+', '?':
			add(tokOtherModifier, i+1, i, 1)
			continue
		case '\\':
			if i == len(input)-1 {
				if err := fail(i+1, i); err != nil {
					return nil, err
				}
				continue
			}
			add(tokEscapedChar, i+2, i+1, 1)
			continue
		case '{':
			add(tokOpen, i+1, i, 1)
			continue
		case '}':
			add(tokClose, i+1, i, 1)
			continue
		case ':':
			start := i + 1
			pos := start
			for pos < len(input) && validNameCodePoint(input[pos], pos == start) {
				pos++
			}
			if pos <= start {
				if err := fail(start, i); err != nil {
					return nil, err
				}
				continue
			}
			add(tokName, pos, start, pos-start)
			continue
		case '(':
			depth := 1
			start := i + 1
			pos := start
			bad := false
			for pos < len(input) {
				r := input[pos]
				if !isASCII(r) || (pos == start && r == '?') {
					bad = true
					break
				}
				if r == '\\' {
					if pos == len(input)-1 || !isASCII(input[pos+1]) {
						bad = true
						break
					}
					pos += 2
					continue
				}
				if r == ')' {
					depth--
					if depth == 0 {
						pos++
						break
					}
				} else if r == '(' {
					depth++
					if pos == len(input)-1 || input[pos+1] != '?' {
						bad = true
						break
					}
				}
				pos++
			}
			if !bad && (depth != 0 || pos-start-1 == 0) {
				bad = true
			}
			if bad {
				if err := fail(start, i); err != nil {
					return nil, err
				}
				continue
			}
			add(tokRegexp, pos, start, pos-start-1)
			continue
		}
		add(tokChar, i+1, i, 1)
	}
	toks = append(toks, token{typ: tokEnd, index: len(input)})
	return toks, nil
}

type modifier uint8

const (
	modNone modifier = iota
	modOptional
	modZeroOrMore
	modOneOrMore
)

func (m modifier) String() string {
	return [...]string{"", "?", "*", "+"}[m]
}

type partType uint8

const (
	partFixed partType = iota
	partRegexp
	partSegmentWildcard
	partFullWildcard
)

type part struct {
	typ            partType
	value          string
	modifier       modifier
	name           string
	prefix, suffix string
}

// options are a component's compile options: the segment delimiter and the prefix that
// :name and * absorb (hostname ".", "", pathname "/", "/", others "", "").
type options struct {
	delimiter, prefix string
	ignoreCase        bool
}

type encoder func(string) (string, error)

func escapeRegexp(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(".+*?^${}()[]|/\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func escapePattern(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("+*?:{}()\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func segmentWildcard(o options) string {
	return "[^" + escapeRegexp(o.delimiter) + "]+?"
}

const fullWildcard = ".*"

type patternParser struct {
	toks        []token
	i           int
	encode      encoder
	segment     string
	parts       []part
	pending     strings.Builder
	nextNumeric int
	opts        options
}

func (p *patternParser) try(t tokenType) *token {
	if p.toks[p.i].typ != t {
		return nil
	}
	p.i++
	return &p.toks[p.i-1]
}

func (p *patternParser) tryModifier() *token {
	if t := p.try(tokOtherModifier); t != nil {
		return t
	}
	return p.try(tokAsterisk)
}

func (p *patternParser) tryRegexpOrWildcard(name *token) *token {
	t := p.try(tokRegexp)
	if name == nil && t == nil {
		t = p.try(tokAsterisk)
	}
	return t
}

func (p *patternParser) text() string {
	var b strings.Builder
	for {
		t := p.try(tokChar)
		if t == nil {
			t = p.try(tokEscapedChar)
		}
		if t == nil {
			return b.String()
		}
		b.WriteString(t.value)
	}
}

func (p *patternParser) flushPending() error {
	if p.pending.Len() == 0 {
		return nil
	}
	enc, err := p.encode(p.pending.String())
	if err != nil {
		return err
	}
	p.pending.Reset()
	p.parts = append(p.parts, part{typ: partFixed, value: enc})
	return nil
}

func (p *patternParser) addPart(prefix string, name, re *token, suffix string, mod *token) error {
	m := modNone
	if mod != nil {
		switch mod.value {
		case "?":
			m = modOptional
		case "*":
			m = modZeroOrMore
		case "+":
			m = modOneOrMore
		}
	}
	if name == nil && re == nil && m == modNone {
		p.pending.WriteString(prefix)
		return nil
	}
	if err := p.flushPending(); err != nil {
		return err
	}
	if name == nil && re == nil {
		if prefix == "" {
			return nil
		}
		enc, err := p.encode(prefix)
		if err != nil {
			return err
		}
		p.parts = append(p.parts, part{typ: partFixed, value: enc, modifier: m})
		return nil
	}
	value := ""
	switch {
	case re == nil:
		value = p.segment
	case re.typ == tokAsterisk:
		value = fullWildcard
	default:
		value = re.value
	}
	typ := partRegexp
	switch value {
	case p.segment:
		typ, value = partSegmentWildcard, ""
	case fullWildcard:
		typ, value = partFullWildcard, ""
	}
	n := ""
	if name != nil {
		n = name.value
	} else if re != nil {
		n = strconv.Itoa(p.nextNumeric)
		p.nextNumeric++
	}
	for _, q := range p.parts {
		if q.typ != partFixed && q.name == n {
			return &syntaxError{"duplicate group name " + n}
		}
	}
	ep, err := p.encode(prefix)
	if err != nil {
		return err
	}
	es, err := p.encode(suffix)
	if err != nil {
		return err
	}
	p.parts = append(p.parts, part{typ: typ, value: value, modifier: m, name: n, prefix: ep, suffix: es})
	return nil
}

// parsePattern is "parse a pattern string".
func parsePattern(input string, o options, encode encoder) ([]part, error) {
	toks, err := tokenize([]rune(input), strict)
	if err != nil {
		return nil, err
	}
	p := &patternParser{toks: toks, encode: encode, segment: segmentWildcard(o), opts: o}
	for p.i < len(p.toks) {
		char := p.try(tokChar)
		name := p.try(tokName)
		re := p.tryRegexpOrWildcard(name)
		if name != nil || re != nil {
			prefix := ""
			if char != nil {
				prefix = char.value
			}
			if prefix != "" && prefix != o.prefix {
				p.pending.WriteString(prefix)
				prefix = ""
			}
			if err := p.flushPending(); err != nil {
				return nil, err
			}
			if err := p.addPart(prefix, name, re, "", p.tryModifier()); err != nil {
				return nil, err
			}
			continue
		}
		fixed := char
		if fixed == nil {
			fixed = p.try(tokEscapedChar)
		}
		if fixed != nil {
			p.pending.WriteString(fixed.value)
			continue
		}
		if p.try(tokOpen) != nil {
			prefix := p.text()
			name := p.try(tokName)
			re := p.tryRegexpOrWildcard(name)
			suffix := p.text()
			if p.try(tokClose) == nil {
				return nil, &syntaxError{"missing } in pattern"}
			}
			if err := p.addPart(prefix, name, re, suffix, p.tryModifier()); err != nil {
				return nil, err
			}
			continue
		}
		if err := p.flushPending(); err != nil {
			return nil, err
		}
		if p.try(tokEnd) == nil {
			return nil, &syntaxError{"unexpected " + strconv.Quote(p.toks[p.i].value) + " in pattern"}
		}
	}
	return p.parts, nil
}

// generateRegexp is "generate a regular expression and name list".
func generateRegexp(parts []part, o options) (string, []string) {
	var b strings.Builder
	var names []string
	b.WriteByte('^')
	for _, p := range parts {
		if p.typ == partFixed {
			if p.modifier == modNone {
				b.WriteString(escapeRegexp(p.value))
			} else {
				b.WriteString("(?:" + escapeRegexp(p.value) + ")" + p.modifier.String())
			}
			continue
		}
		names = append(names, p.name)
		value := p.value
		switch p.typ {
		case partSegmentWildcard:
			value = segmentWildcard(o)
		case partFullWildcard:
			value = fullWildcard
		}
		switch {
		case p.prefix == "" && p.suffix == "":
			if p.modifier == modNone || p.modifier == modOptional {
				b.WriteString("(" + value + ")" + p.modifier.String())
			} else {
				b.WriteString("((?:" + value + ")" + p.modifier.String() + ")")
			}
		case p.modifier == modNone || p.modifier == modOptional:
			b.WriteString("(?:" + escapeRegexp(p.prefix) + "(" + value + ")" + escapeRegexp(p.suffix) + ")" + p.modifier.String())
		default:
			b.WriteString("(?:" + escapeRegexp(p.prefix) + "((?:" + value + ")(?:" + escapeRegexp(p.suffix) + escapeRegexp(p.prefix) +
				"(?:" + value + "))*)" + escapeRegexp(p.suffix) + ")")
			if p.modifier == modZeroOrMore {
				b.WriteByte('?')
			}
		}
	}
	b.WriteByte('$')
	return b.String(), names
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

func lastRune(s string) (rune, bool) {
	r := []rune(s)
	if len(r) == 0 {
		return 0, false
	}
	return r[len(r)-1], true
}

func isDigitName(name string) bool {
	return name != "" && name[0] >= '0' && name[0] <= '9'
}

// generatePattern is "generate a pattern string": the normalized pattern the getters show.
func generatePattern(parts []part, o options) string {
	var b strings.Builder
	for i, p := range parts {
		var prev, next *part
		if i > 0 {
			prev = &parts[i-1]
		}
		if i+1 < len(parts) {
			next = &parts[i+1]
		}
		if p.typ == partFixed {
			if p.modifier == modNone {
				b.WriteString(escapePattern(p.value))
			} else {
				b.WriteString("{" + escapePattern(p.value) + "}" + p.modifier.String())
			}
			continue
		}
		custom := !isDigitName(p.name)
		grouping := p.suffix != "" || (p.prefix != "" && p.prefix != o.prefix)
		if !grouping && custom && p.typ == partSegmentWildcard && p.modifier == modNone && next != nil && next.prefix == "" && next.suffix == "" {
			if next.typ == partFixed {
				r, ok := firstRune(next.value)
				grouping = ok && validNameCodePoint(r, false)
			} else {
				grouping = isDigitName(next.name)
			}
		}
		if !grouping && p.prefix == "" && prev != nil && prev.typ == partFixed {
			if r, ok := lastRune(prev.value); ok && string(r) == o.prefix {
				grouping = true
			}
		}
		if grouping {
			b.WriteByte('{')
		}
		b.WriteString(escapePattern(p.prefix))
		if custom {
			b.WriteString(":" + p.name)
		}
		switch p.typ {
		case partRegexp:
			b.WriteString("(" + p.value + ")")
		case partSegmentWildcard:
			if !custom {
				b.WriteString("(" + segmentWildcard(o) + ")")
			}
		case partFullWildcard:
			if !custom && (prev == nil || prev.typ == partFixed || prev.modifier != modNone || grouping || p.prefix != "") {
				b.WriteByte('*')
			} else {
				b.WriteString("(" + fullWildcard + ")")
			}
		}
		if p.typ == partSegmentWildcard && custom && p.suffix != "" {
			if r, ok := firstRune(p.suffix); ok && validNameCodePoint(r, false) {
				b.WriteByte('\\')
			}
		}
		b.WriteString(escapePattern(p.suffix))
		if grouping {
			b.WriteByte('}')
		}
		b.WriteString(p.modifier.String())
	}
	return b.String()
}
