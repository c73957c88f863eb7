package urlpattern

// parseConstructorString is the standard's "parse a constructor string": it splits a pattern
// like "https://*.example.com/:path" into an Init, tokenizing leniently so that every character
// lands in some component.
func parseConstructorString(input string) (Init, error) {
	in := []rune(input)
	toks, err := tokenize(in, lenient)
	if err != nil {
		return Init{}, err
	}
	p := &ctorParser{input: in, toks: toks, state: stInit}
	for p.i < len(p.toks) {
		p.inc = 1
		if p.toks[p.i].typ == tokEnd {
			if p.state == stInit {
				p.rewind()
				switch {
				case p.isHashPrefix():
					p.change(stHash, 1)
				case p.isSearchPrefix():
					p.change(stSearch, 1)
				default:
					p.change(stPathname, 0)
				}
				p.i += p.inc
				continue
			}
			if p.state == stAuthority {
				p.rewind()
				p.state = stHostname
				p.i += p.inc
				continue
			}
			p.change(stDone, 0)
			break
		}
		if p.toks[p.i].typ == tokOpen {
			p.groupDepth++
			p.i += p.inc
			continue
		}
		if p.groupDepth > 0 {
			if p.toks[p.i].typ == tokClose {
				p.groupDepth--
			} else {
				p.i += p.inc
				continue
			}
		}
		switch p.state {
		case stInit:
			if p.is(0, ":") {
				p.rewind()
				p.state = stProtocol
			}
		case stProtocol:
			if p.is(0, ":") {
				if err := p.computeSpecial(); err != nil {
					return Init{}, err
				}
				next, skip := stPathname, 1
				if p.is(1, "/") && p.is(2, "/") {
					next, skip = stAuthority, 3
				} else if p.special {
					next = stAuthority
				}
				p.change(next, skip)
			}
		case stAuthority:
			if p.is(0, "@") {
				p.rewind()
				p.state = stUsername
			} else if p.is(0, "/") || p.isSearchPrefix() || p.isHashPrefix() {
				p.rewind()
				p.state = stHostname
			}
		case stUsername:
			if p.is(0, ":") {
				p.change(stPassword, 1)
			} else if p.is(0, "@") {
				p.change(stHostname, 1)
			}
		case stPassword:
			if p.is(0, "@") {
				p.change(stHostname, 1)
			}
		case stHostname:
			switch {
			case p.is(0, "["):
				p.bracketDepth++
			case p.is(0, "]"):
				p.bracketDepth--
			case p.is(0, ":") && p.bracketDepth == 0:
				p.change(stPort, 1)
			case p.is(0, "/"):
				p.change(stPathname, 0)
			case p.isSearchPrefix():
				p.change(stSearch, 1)
			case p.isHashPrefix():
				p.change(stHash, 1)
			}
		case stPort:
			switch {
			case p.is(0, "/"):
				p.change(stPathname, 0)
			case p.isSearchPrefix():
				p.change(stSearch, 1)
			case p.isHashPrefix():
				p.change(stHash, 1)
			}
		case stPathname:
			if p.isSearchPrefix() {
				p.change(stSearch, 1)
			} else if p.isHashPrefix() {
				p.change(stHash, 1)
			}
		case stSearch:
			if p.isHashPrefix() {
				p.change(stHash, 1)
			}
		}
		p.i += p.inc
	}
	if p.result.Hostname != nil && p.result.Port == nil {
		p.result.Port = str("")
	}
	return p.result, nil
}

type ctorState uint8

const (
	stInit ctorState = iota
	stProtocol
	stAuthority
	stUsername
	stPassword
	stHostname
	stPort
	stPathname
	stSearch
	stHash
	stDone
)

type ctorParser struct {
	input        []rune
	toks         []token
	result       Init
	start, i     int
	inc          int
	groupDepth   int
	bracketDepth int
	special      bool
	state        ctorState
}

func str(s string) *string { return &s }

func (p *ctorParser) rewind() {
	p.i = p.start
	p.inc = 0
}

func (p *ctorParser) safe(i int) token {
	if i < len(p.toks) {
		return p.toks[i]
	}
	return p.toks[len(p.toks)-1]
}

// is reports whether the token at offset is value as a plain (non-special) pattern character.
func (p *ctorParser) is(offset int, value string) bool {
	t := p.safe(p.i + offset)
	return t.value == value && (t.typ == tokChar || t.typ == tokEscapedChar || t.typ == tokInvalidChar)
}

func (p *ctorParser) isSearchPrefix() bool {
	if p.is(0, "?") {
		return true
	}
	if p.toks[p.i].value != "?" {
		return false
	}
	if p.i-1 < 0 {
		return true
	}
	switch p.safe(p.i - 1).typ {
	case tokName, tokRegexp, tokClose, tokAsterisk:
		return false
	}
	return true
}

func (p *ctorParser) isHashPrefix() bool { return p.is(0, "#") }

func (p *ctorParser) component() string {
	end := p.toks[p.i].index
	begin := p.safe(p.start).index
	if begin > end {
		begin = end
	}
	return string(p.input[begin:end])
}

func (p *ctorParser) field(s ctorState) **string {
	r := &p.result
	switch s {
	case stProtocol:
		return &r.Protocol
	case stUsername:
		return &r.Username
	case stPassword:
		return &r.Password
	case stHostname:
		return &r.Hostname
	case stPort:
		return &r.Port
	case stPathname:
		return &r.Pathname
	case stSearch:
		return &r.Search
	case stHash:
		return &r.Hash
	}
	return nil
}

func (p *ctorParser) change(next ctorState, skip int) {
	if p.state != stInit && p.state != stAuthority && p.state != stDone {
		*p.field(p.state) = str(p.component())
	}
	if p.state != stInit && next != stDone {
		if p.state <= stPassword && next >= stPort && next <= stHash && p.result.Hostname == nil {
			p.result.Hostname = str("")
		}
		if p.state <= stPort && (next == stSearch || next == stHash) && p.result.Pathname == nil {
			if p.special {
				p.result.Pathname = str("/")
			} else {
				p.result.Pathname = str("")
			}
		}
		if p.state <= stPathname && next == stHash && p.result.Search == nil {
			p.result.Search = str("")
		}
	}
	p.state = next
	p.i += skip
	p.start = p.i
	p.inc = 0
}

func (p *ctorParser) computeSpecial() error {
	c, err := compileComponent(p.component(), canonProtocol, options{})
	if err != nil {
		return err
	}
	p.special = c.matchesSpecialScheme()
	return nil
}
