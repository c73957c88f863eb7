package weburl

import "strings"

// state is a state of the basic URL parser's state machine.
type state uint8

const (
	stateNone state = iota // no state override
	stateSchemeStart
	stateScheme
	stateNoScheme
	stateSpecialRelativeOrAuthority
	statePathOrAuthority
	stateRelative
	stateRelativeSlash
	stateSpecialAuthoritySlashes
	stateSpecialAuthorityIgnoreSlashes
	stateAuthority
	stateHost
	stateHostname
	statePort
	stateFile
	stateFileSlash
	stateFileHost
	statePathStart
	statePath
	stateOpaquePath
	stateQuery
	stateFragment
)

// eof is the EOF code point; every other c is a byte of the UTF-8 input.
// Working on bytes is exact: the states only branch on ASCII, and every
// non-ASCII code point is either copied or percent-encoded byte by byte.
const eof = -1

// Parse runs the URL parser on input against base (which may be nil), as
// new URL(input, base) does once base has been parsed itself. The error
// matches ErrInvalidURL and names the failing validation error.
func Parse(input string, base *URL) (*URL, error) {
	u := &URL{port: -1}
	if err := basicParse(trimControlAndSpace(input), base, u, stateNone); err != nil {
		return nil, err
	}
	return u, nil
}

// CanParse reports whether Parse would succeed, for URL.canParse.
func CanParse(input string, base *URL) bool {
	var u URL
	u.port = -1
	return basicParse(trimControlAndSpace(input), base, &u, stateNone) == nil
}

// trimControlAndSpace removes leading and trailing C0 controls and spaces,
// which the parser does only when it is not run by a setter.
func trimControlAndSpace(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] <= ' ' {
		i++
	}
	for j > i && s[j-1] <= ' ' {
		j--
	}
	return s[i:j]
}

// removeTabAndNewline drops every ASCII tab or newline, which the parser
// does for all input, setters included.
func removeTabAndNewline(s string) string {
	if strings.IndexByte(s, '\t') < 0 && strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\n' && c != '\r' {
			b = append(b, c)
		}
	}
	return string(b)
}

// parser holds the basic URL parser's working state. The path, query and
// fragment are built in byte slices (the path needs truncation when ".."
// shortens it) and copied into url when the run ends.
type parser struct {
	in       string
	base     *URL
	url      *URL
	override state
	buf      []byte
	path     []byte
	query    []byte
	frag     []byte
}

// basicParse runs the basic URL parser on input, filling url. With a state
// override it is a setter run: url is modified in place and, like in the
// standard, keeps whatever was set before a failure. A nil error with an
// override is the standard's plain "return".
func basicParse(input string, base, url *URL, override state) error {
	p := parser{
		in:       toValidUTF8(removeTabAndNewline(input)),
		base:     base,
		url:      url,
		override: override,
	}
	if override != stateNone {
		p.path = append(p.path, url.path...)
		p.query = append(p.query, url.query...)
		p.frag = append(p.frag, url.fragment...)
	}
	err := p.run()
	url.path = string(p.path)
	url.query = ""
	if url.hasQuery {
		url.query = string(p.query)
	}
	url.fragment = ""
	if url.hasFrag {
		url.fragment = string(p.frag)
	}
	return err
}

// setScheme sets the url's scheme from the lowercased buffer.
func (p *parser) setScheme(b []byte) {
	p.url.kind, p.url.scheme = lookupScheme(b)
}

// emptyQuery sets the query to empty (non-null) so the query state can
// append to it.
func (p *parser) emptyQuery() {
	p.url.hasQuery = true
	p.query = p.query[:0]
}

// emptyFragment sets the fragment to empty (non-null).
func (p *parser) emptyFragment() {
	p.url.hasFrag = true
	p.frag = p.frag[:0]
}

// copyQuery sets the url's query to base's.
func (p *parser) copyQuery() {
	p.url.hasQuery = p.base.hasQuery
	p.query = append(p.query[:0], p.base.query...)
}

// copyAuthority sets the url's username, password, host and port to base's.
func (p *parser) copyAuthority() {
	b, u := p.base, p.url
	u.username, u.password = b.username, b.password
	u.host, u.hasHost, u.port = b.host, b.hasHost, b.port
}

// shortenPath removes the path's last segment, except a lone normalized
// Windows drive letter in a file URL.
func (p *parser) shortenPath() {
	path := p.path
	if p.url.kind == schemeFile && len(path) == 3 && isNormalizedDriveLetter(string(path[1:])) {
		return
	}
	if i := lastSlash(path); i >= 0 {
		p.path = path[:i]
	}
}

// lastSlash is bytes.LastIndexByte(path, '/') without importing bytes.
func lastSlash(path []byte) int {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return i
		}
	}
	return -1
}

// firstSegment returns path[0] of a serialized list path.
func firstSegment(path string) string {
	if path == "" {
		return ""
	}
	if i := strings.IndexByte(path[1:], '/'); i >= 0 {
		return path[1 : 1+i]
	}
	return path[1:]
}

// isDriveLetter reports whether s is a Windows drive letter ("c:" or "c|").
func isDriveLetter(s string) bool {
	return len(s) == 2 && isAlpha(s[0]) && (s[1] == ':' || s[1] == '|')
}

// isNormalizedDriveLetter reports whether s is a drive letter with ":".
func isNormalizedDriveLetter(s string) bool {
	return len(s) == 2 && isAlpha(s[0]) && s[1] == ':'
}

// startsWithDriveLetter is the standard's "starts with a Windows drive
// letter": a drive letter followed by the end or one of "/\?#".
func startsWithDriveLetter(s string) bool {
	if len(s) < 2 || !isDriveLetter(s[:2]) {
		return false
	}
	if len(s) == 2 {
		return true
	}
	switch s[2] {
	case '/', '\\', '?', '#':
		return true
	}
	return false
}

// isSingleDot reports whether seg is "." or "%2e", case-insensitively.
func isSingleDot(seg []byte) bool {
	switch len(seg) {
	case 1:
		return seg[0] == '.'
	case 3:
		return seg[0] == '%' && seg[1] == '2' && seg[2]|0x20 == 'e'
	}
	return false
}

// isDoubleDot reports whether seg is "..", ".%2e", "%2e." or "%2e%2e",
// case-insensitively.
func isDoubleDot(seg []byte) bool {
	switch len(seg) {
	case 2:
		return seg[0] == '.' && seg[1] == '.'
	case 4:
		return seg[0] == '.' && isSingleDot(seg[1:]) || isSingleDot(seg[:3]) && seg[3] == '.'
	case 6:
		return isSingleDot(seg[:3]) && isSingleDot(seg[3:])
	}
	return false
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// at returns the code unit at i, or eof past the end.
func (p *parser) at(i int) int {
	if i < len(p.in) {
		return int(p.in[i])
	}
	return eof
}

// run is the state machine itself, transcribed from the standard's "basic
// URL parser" section; the comments name the branches that are not
// self-evident.
func (p *parser) run() error {
	in, url, base, override := p.in, p.url, p.base, p.override
	st := override
	if st == stateNone {
		st = stateSchemeStart
	}
	var atSignSeen, insideBrackets, passwordTokenSeen bool
	for ptr := 0; ; ptr++ {
		c := p.at(ptr)
		switch st {
		case stateSchemeStart:
			if c != eof && isAlpha(byte(c)) {
				p.buf = append(p.buf, byte(c)|0x20)
				st = stateScheme
			} else if override == stateNone {
				st = stateNoScheme
				ptr--
			} else {
				return errInvalidScheme
			}

		case stateScheme:
			if c != eof && (isAlpha(byte(c)) || isDigit(byte(c)) || c == '+' || c == '-' || c == '.') {
				if isAlpha(byte(c)) {
					c |= 0x20
				}
				p.buf = append(p.buf, byte(c))
			} else if c == ':' {
				if override != stateNone {
					kind, _ := lookupScheme(p.buf)
					if url.kind.special() != kind.special() ||
						(url.includesCredentials() || url.port >= 0) && kind == schemeFile ||
						url.kind == schemeFile && url.hasHost && url.host == "" {
						return nil
					}
				}
				p.setScheme(p.buf)
				if override != stateNone {
					if url.port == url.kind.defaultPort() {
						url.port = -1
					}
					return nil
				}
				p.buf = p.buf[:0]
				switch {
				case url.kind == schemeFile:
					st = stateFile
				case url.kind.special() && base != nil && base.scheme == url.scheme:
					st = stateSpecialRelativeOrAuthority
				case url.kind.special():
					st = stateSpecialAuthoritySlashes
				case p.at(ptr+1) == '/':
					st = statePathOrAuthority
					ptr++
				default:
					url.opaque = true
					p.path = p.path[:0]
					st = stateOpaquePath
				}
			} else if override == stateNone {
				p.buf = p.buf[:0]
				st = stateNoScheme
				ptr = -1 // start over from the first code point
			} else {
				return errInvalidScheme
			}

		case stateNoScheme:
			switch {
			case base == nil || base.opaque && c != '#':
				return errMissingScheme
			case base.opaque:
				url.kind, url.scheme = base.kind, base.scheme
				url.opaque = true
				p.path = append(p.path[:0], base.path...)
				p.copyQuery()
				p.emptyFragment()
				st = stateFragment
			case base.kind != schemeFile:
				st = stateRelative
				ptr--
			default:
				st = stateFile
				ptr--
			}

		case stateSpecialRelativeOrAuthority:
			if c == '/' && p.at(ptr+1) == '/' {
				st = stateSpecialAuthorityIgnoreSlashes
				ptr++
			} else {
				st = stateRelative
				ptr--
			}

		case statePathOrAuthority:
			if c == '/' {
				st = stateAuthority
			} else {
				st = statePath
				ptr--
			}

		case stateRelative:
			url.kind, url.scheme = base.kind, base.scheme
			switch {
			case c == '/':
				st = stateRelativeSlash
			case url.kind.special() && c == '\\':
				st = stateRelativeSlash
			default:
				p.copyAuthority()
				p.path = append(p.path[:0], base.path...)
				p.copyQuery()
				switch c {
				case '?':
					p.emptyQuery()
					st = stateQuery
				case '#':
					p.emptyFragment()
					st = stateFragment
				case eof:
				default:
					url.hasQuery = false
					p.shortenPath()
					st = statePath
					ptr--
				}
			}

		case stateRelativeSlash:
			switch {
			case url.kind.special() && (c == '/' || c == '\\'):
				st = stateSpecialAuthorityIgnoreSlashes
			case c == '/':
				st = stateAuthority
			default:
				p.copyAuthority()
				st = statePath
				ptr--
			}

		case stateSpecialAuthoritySlashes:
			if c == '/' && p.at(ptr+1) == '/' {
				ptr++
			} else {
				ptr--
			}
			st = stateSpecialAuthorityIgnoreSlashes

		case stateSpecialAuthorityIgnoreSlashes:
			if c != '/' && c != '\\' {
				st = stateAuthority
				ptr--
			}

		case stateAuthority:
			switch {
			case c == '@':
				if atSignSeen {
					p.buf = append(p.buf, "%40"...)
					copy(p.buf[3:], p.buf[:len(p.buf)-3])
					copy(p.buf, "%40")
				}
				atSignSeen = true
				p.appendCredentials(&passwordTokenSeen)
				p.buf = p.buf[:0]
			case c == eof || c == '/' || c == '?' || c == '#' || url.kind.special() && c == '\\':
				if atSignSeen && len(p.buf) == 0 {
					return errHostMissing
				}
				ptr -= len(p.buf) + 1
				p.buf = p.buf[:0]
				st = stateHost
			default:
				p.buf = append(p.buf, byte(c))
			}

		case stateHost, stateHostname:
			switch {
			case override != stateNone && url.kind == schemeFile:
				ptr--
				st = stateFileHost
			case c == ':' && !insideBrackets:
				if len(p.buf) == 0 {
					return errHostMissing
				}
				if override == stateHostname {
					return errOverrideHostname
				}
				if err := p.setHost(); err != nil {
					return err
				}
				st = statePort
			case c == eof || c == '/' || c == '?' || c == '#' || url.kind.special() && c == '\\':
				ptr--
				if url.kind.special() && len(p.buf) == 0 {
					return errHostMissing
				}
				if override != stateNone && len(p.buf) == 0 && (url.includesCredentials() || url.port >= 0) {
					return errOverrideEmptyHost
				}
				if err := p.setHost(); err != nil {
					return err
				}
				st = statePathStart
				if override != stateNone {
					return nil
				}
			default:
				if c == '[' {
					insideBrackets = true
				} else if c == ']' {
					insideBrackets = false
				}
				p.buf = append(p.buf, byte(c))
			}

		case statePort:
			if c != eof && isDigit(byte(c)) {
				p.buf = append(p.buf, byte(c))
			} else if c == eof || c == '/' || c == '?' || c == '#' || url.kind.special() && c == '\\' || override != stateNone {
				if len(p.buf) > 0 {
					port := 0
					for _, d := range p.buf {
						port = port*10 + int(d-'0')
						if port > 0xffff {
							return errPortOutOfRange
						}
					}
					url.port = int32(port)
					if url.port == url.kind.defaultPort() {
						url.port = -1
					}
					p.buf = p.buf[:0]
					if override != stateNone {
						return nil
					}
				}
				if override != stateNone {
					return errOverrideNotANumber
				}
				st = statePathStart
				ptr--
			} else {
				return errPortInvalid
			}

		case stateFile:
			url.kind, url.scheme = schemeFile, "file"
			url.host, url.hasHost = "", true
			switch {
			case c == '/' || c == '\\':
				st = stateFileSlash
			case base != nil && base.kind == schemeFile:
				url.host, url.hasHost = base.host, base.hasHost
				p.path = append(p.path[:0], base.path...)
				p.copyQuery()
				switch c {
				case '?':
					p.emptyQuery()
					st = stateQuery
				case '#':
					p.emptyFragment()
					st = stateFragment
				case eof:
				default:
					url.hasQuery = false
					if !startsWithDriveLetter(in[ptr:]) {
						p.shortenPath()
					} else {
						p.path = p.path[:0]
					}
					st = statePath
					ptr--
				}
			default:
				st = statePath
				ptr--
			}

		case stateFileSlash:
			if c == '/' || c == '\\' {
				st = stateFileHost
			} else {
				if base != nil && base.kind == schemeFile {
					url.host, url.hasHost = base.host, base.hasHost
					if first := firstSegment(base.path); !startsWithDriveLetter(in[ptr:]) &&
						isNormalizedDriveLetter(first) {
						p.path = append(append(p.path, '/'), first...)
					}
				}
				st = statePath
				ptr--
			}

		case stateFileHost:
			if c == eof || c == '/' || c == '\\' || c == '?' || c == '#' {
				ptr--
				switch {
				case override == stateNone && isDriveLetter(string(p.buf)):
					// The buffer is kept: the path state makes it the
					// first segment.
					st = statePath
				case len(p.buf) == 0:
					url.host, url.hasHost = "", true
					if override != stateNone {
						return nil
					}
					st = statePathStart
				default:
					if err := p.setHost(); err != nil {
						return err
					}
					if url.host == "localhost" {
						url.host = ""
					}
					if override != stateNone {
						return nil
					}
					st = statePathStart
				}
			} else {
				p.buf = append(p.buf, byte(c))
			}

		case statePathStart:
			switch {
			case url.kind.special():
				st = statePath
				if c != '/' && c != '\\' {
					ptr--
				}
			case override == stateNone && c == '?':
				p.emptyQuery()
				st = stateQuery
			case override == stateNone && c == '#':
				p.emptyFragment()
				st = stateFragment
			case c != eof:
				st = statePath
				if c != '/' {
					ptr--
				}
			case override != stateNone && !url.hasHost:
				p.path = append(p.path, '/')
			}

		case statePath:
			slash := c == '/' || url.kind.special() && c == '\\'
			if c == eof || slash || override == stateNone && (c == '?' || c == '#') {
				switch {
				case isDoubleDot(p.buf):
					p.shortenPath()
					if !slash {
						p.path = append(p.path, '/')
					}
				case isSingleDot(p.buf):
					if !slash {
						p.path = append(p.path, '/')
					}
				default:
					if url.kind == schemeFile && len(p.path) == 0 && isDriveLetter(string(p.buf)) {
						p.buf[1] = ':'
					}
					p.path = append(append(p.path, '/'), p.buf...)
				}
				p.buf = p.buf[:0]
				if c == '?' {
					p.emptyQuery()
					st = stateQuery
				} else if c == '#' {
					p.emptyFragment()
					st = stateFragment
				}
			} else {
				p.buf = appendEncoded(p.buf, byte(c), &pathSet)
			}

		case stateOpaquePath:
			switch c {
			case '?':
				p.emptyQuery()
				st = stateQuery
			case '#':
				p.emptyFragment()
				st = stateFragment
			case ' ':
				// A trailing space would be lost on re-parse once the
				// query or fragment is removed, so it is kept encoded.
				if next := p.at(ptr + 1); next == '?' || next == '#' {
					p.path = append(p.path, "%20"...)
				} else {
					p.path = append(p.path, ' ')
				}
			case eof:
			default:
				p.path = appendEncoded(p.path, byte(c), &c0ControlSet)
			}

		case stateQuery:
			if c == '#' && override == stateNone {
				p.emptyFragment()
				st = stateFragment
			} else if c != eof {
				// UTF-8 is the only encoding here, and it is stateless, so
				// encoding byte by byte equals encoding the whole buffer.
				set := &querySet
				if url.kind.special() {
					set = &specialQuerySet
				}
				p.query = appendEncoded(p.query, byte(c), set)
			}

		case stateFragment:
			if c != eof {
				p.frag = appendEncoded(p.frag, byte(c), &fragmentSet)
			}
		}
		if ptr >= len(in) {
			return nil
		}
	}
}

// appendCredentials moves the authority buffer into the username and,
// after the first ":", the password, percent-encoding as it goes.
func (p *parser) appendCredentials(passwordTokenSeen *bool) {
	user, pass := []byte(nil), []byte(nil)
	for _, c := range p.buf {
		if c == ':' && !*passwordTokenSeen {
			*passwordTokenSeen = true
			continue
		}
		if *passwordTokenSeen {
			pass = appendEncoded(pass, c, &userinfoSet)
		} else {
			user = appendEncoded(user, c, &userinfoSet)
		}
	}
	if len(user) > 0 {
		p.url.username += string(user)
	}
	if len(pass) > 0 {
		p.url.password += string(pass)
	}
}

// setHost host-parses the buffer into the url and empties the buffer.
func (p *parser) setHost() error {
	host, err := parseHost(string(p.buf), !p.url.kind.special())
	if err != nil {
		return err
	}
	p.url.host, p.url.hasHost = host, true
	p.buf = p.buf[:0]
	return nil
}
