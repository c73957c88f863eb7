// Package urlpattern implements the WHATWG URL Pattern Standard in plain Go: the pattern
// syntax, the constructor string parser, component canonicalization on isolates/weburl, and
// matching. The URLPattern class of isolates/js is a thin wrapper over it.
//
//	p, err := urlpattern.New(urlpattern.StringInput("https://*.example.com/books/:id"), nil, urlpattern.Options{})
//	m, err := p.Exec(urlpattern.StringInput("https://store.example.com/books/42"), nil)
//	// m.Components[urlpattern.Pathname].Groups: id = "42"
//
// Regular expressions run on regexp2 in ECMAScript mode with Unicode semantics, the closest Go
// has to the JavaScript engine's "v" flag the standard asks for: the set operations of that flag
// ("[\d&&[0-1]]", "[[a-z]--a]") are rewritten to lookaheads before compiling.
package urlpattern

import (
	"errors"
	"strings"
	"sync"

	"github.com/dlclark/regexp2/v2"
	"github.com/moltworker/molt/isolates/weburl"
)

// Component indexes the eight components, in the standard's order.
type Component int

// The components of a URL a pattern matches.
const (
	Protocol Component = iota
	Username
	Password
	Hostname
	Port
	Pathname
	Search
	Hash
	numComponents
)

// Names are the components' names, as the JavaScript properties are called.
var Names = [numComponents]string{"protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"}

// Init is a URLPatternInit dictionary: nil members are absent.
type Init struct {
	Protocol, Username, Password, Hostname, Port, Pathname, Search, Hash *string
	BaseURL                                                              *string
}

func (in *Init) get(c Component) *string {
	return *in.ptr(c)
}

func (in *Init) ptr(c Component) **string {
	return [...]**string{&in.Protocol, &in.Username, &in.Password, &in.Hostname, &in.Port, &in.Pathname, &in.Search, &in.Hash}[c]
}

// Input is what a pattern is built from or matched against: a string, or an Init when IsInit.
type Input struct {
	String string
	Init   Init
	IsInit bool
}

// StringInput returns an Input holding s.
func StringInput(s string) Input { return Input{String: s} }

// Options are URLPatternOptions.
type Options struct {
	IgnoreCase bool
}

// ErrPattern is the class of errors New returns; the JavaScript binding throws them as
// TypeErrors.
var ErrPattern = errors.New("invalid URL pattern")

type patternError struct{ cause error }

func (e *patternError) Error() string   { return ErrPattern.Error() + ": " + e.cause.Error() }
func (e *patternError) Is(t error) bool { return t == ErrPattern }

type component struct {
	pattern   string
	re        *regexp2.Regexp
	names     []string
	hasGroups bool
}

// Pattern is a compiled URLPattern. It is immutable and safe for concurrent use.
type Pattern struct {
	c [numComponents]*component
}

// Pattern returns the normalized pattern string of component c.
func (p *Pattern) Pattern(c Component) string { return p.c[c].pattern }

// HasRegExpGroups reports whether any component uses a custom regular expression.
func (p *Pattern) HasRegExpGroups() bool {
	for _, c := range p.c {
		if c.hasGroups {
			return true
		}
	}
	return false
}

// cache holds compiled patterns: workers build their patterns at the top of the module, so
// every request's fresh isolate asks for the same ones again.
var cache struct {
	sync.Mutex
	m map[string]*Pattern
}

const cacheSize = 1024

func cacheKey(in Input, base *string, o Options) string {
	var b strings.Builder
	if o.IgnoreCase {
		b.WriteByte('i')
	}
	b.WriteByte(0)
	if base != nil {
		b.WriteString("b" + *base)
	}
	b.WriteByte(0)
	if !in.IsInit {
		b.WriteString("s" + in.String)
		return b.String()
	}
	for c := Protocol; c < numComponents; c++ {
		if v := in.Init.get(c); v != nil {
			b.WriteString("v" + *v)
		}
		b.WriteByte(0)
	}
	if in.Init.BaseURL != nil {
		b.WriteString("v" + *in.Init.BaseURL)
	}
	return b.String()
}

// New compiles a pattern from a constructor string (with an optional base URL) or an Init.
func New(in Input, base *string, o Options) (*Pattern, error) {
	key := cacheKey(in, base, o)
	cache.Lock()
	p := cache.m[key]
	cache.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := create(in, base, o)
	if err != nil {
		return nil, &patternError{err}
	}
	cache.Lock()
	if cache.m == nil || len(cache.m) >= cacheSize {
		cache.m = make(map[string]*Pattern)
	}
	cache.m[key] = p
	cache.Unlock()
	return p, nil
}

func create(in Input, base *string, o Options) (*Pattern, error) {
	var init Init
	if !in.IsInit {
		var err error
		if init, err = parseConstructorString(in.String); err != nil {
			return nil, err
		}
		if base == nil && init.Protocol == nil {
			return nil, errors.New("a relative pattern needs a base URL")
		}
		init.BaseURL = base
	} else {
		if base != nil {
			return nil, errors.New("a base URL is not allowed with an init dictionary")
		}
		init = in.Init
	}
	pi, err := processInit(init, true, Init{})
	if err != nil {
		return nil, err
	}
	for c := Protocol; c < numComponents; c++ {
		if pi.get(c) == nil {
			*pi.ptr(c) = str("*")
		}
	}
	if isSpecialScheme(*pi.Protocol) && defaultPorts[*pi.Protocol] == *pi.Port {
		pi.Port = str("")
	}
	p := &Pattern{}
	var errs [numComponents]error
	p.c[Protocol], errs[Protocol] = compileComponent(*pi.Protocol, canonProtocol, options{})
	p.c[Username], errs[Username] = compileComponent(*pi.Username, canonUsername, options{})
	p.c[Password], errs[Password] = compileComponent(*pi.Password, canonPassword, options{})
	if errs[Protocol] == nil {
		host := canonHostname
		if h := []rune(*pi.Hostname); len(h) >= 2 && (h[0] == '[' || ((h[0] == '{' || h[0] == '\\') && h[1] == '[')) {
			host = canonIPv6Hostname
		}
		p.c[Hostname], errs[Hostname] = compileComponent(*pi.Hostname, host, options{delimiter: "."})
		p.c[Port], errs[Port] = compileComponent(*pi.Port, func(s string) (string, error) { return canonPort(s, "") }, options{})
		co := options{ignoreCase: o.IgnoreCase}
		if p.c[Protocol].matchesSpecialScheme() {
			p.c[Pathname], errs[Pathname] = compileComponent(*pi.Pathname, canonPathname, options{delimiter: "/", prefix: "/", ignoreCase: o.IgnoreCase})
		} else {
			p.c[Pathname], errs[Pathname] = compileComponent(*pi.Pathname, canonOpaquePathname, co)
		}
		p.c[Search], errs[Search] = compileComponent(*pi.Search, canonSearch, co)
		p.c[Hash], errs[Hash] = compileComponent(*pi.Hash, canonHash, co)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

func compileComponent(input string, encode encoder, o options) (*component, error) {
	parts, err := parsePattern(input, o, encode)
	if err != nil {
		return nil, err
	}
	src, names := generateRegexp(parts, o)
	re, err := compileRegexp(src, o.ignoreCase)
	if err != nil {
		return nil, err
	}
	c := &component{pattern: generatePattern(parts, o), re: re, names: names}
	for _, p := range parts {
		if p.typ == partRegexp {
			c.hasGroups = true
		}
	}
	return c, nil
}

func compileRegexp(src string, ignoreCase bool) (*regexp2.Regexp, error) {
	if err := checkEscapes(src); err != nil {
		return nil, err
	}
	opts := regexp2.ECMAScript | regexp2.Unicode
	if ignoreCase {
		opts |= regexp2.IgnoreCase
	}
	re, err := regexp2.Compile(translateSets(src), opts, regexp2.OptionMaintainCaptureOrder())
	if err != nil {
		return nil, &syntaxError{"invalid regular expression: " + err.Error()}
	}
	return re, nil
}

func (c *component) matchesSpecialScheme() bool {
	for _, s := range specialSchemes {
		if ok, _ := c.re.MatchString(s); ok {
			return true
		}
	}
	return false
}

// processInit is "process a URLPatternInit"; pattern says whether init describes a pattern
// (components kept as pattern syntax) or a URL (components canonicalized).
func processInit(init Init, pattern bool, result Init) (Init, error) {
	var base *weburl.URL
	processBase := func(s string) *string {
		if pattern {
			s = escapePattern(s)
		}
		return &s
	}
	has := func(cs ...Component) bool {
		for _, c := range cs {
			if init.get(c) != nil {
				return true
			}
		}
		return false
	}
	if init.BaseURL != nil {
		var err error
		if base, err = weburl.Parse(*init.BaseURL, nil); err != nil {
			return Init{}, errors.New("invalid base URL")
		}
		if init.Protocol == nil {
			result.Protocol = processBase(strings.TrimSuffix(base.Protocol(), ":"))
		}
		if !pattern && !has(Protocol, Hostname, Port, Username) {
			result.Username = processBase(base.Username())
		}
		if !pattern && !has(Protocol, Hostname, Port, Username, Password) {
			result.Password = processBase(base.Password())
		}
		if !has(Protocol, Hostname) {
			result.Hostname = processBase(base.Hostname())
		}
		if !has(Protocol, Hostname, Port) {
			result.Port = str(base.Port())
		}
		if !has(Protocol, Hostname, Port, Pathname) {
			result.Pathname = processBase(base.Pathname())
		}
		if !has(Protocol, Hostname, Port, Pathname, Search) {
			result.Search = processBase(base.Query())
		}
		if !has(Protocol, Hostname, Port, Pathname, Search, Hash) {
			result.Hash = processBase(strings.TrimPrefix(base.Hash(), "#"))
		}
	}
	canon := func(f func(string) (string, error), v string) (*string, error) {
		if pattern {
			return &v, nil
		}
		s, err := f(v)
		return &s, err
	}
	var err error
	if init.Protocol != nil {
		if result.Protocol, err = canon(canonProtocol, strings.TrimSuffix(*init.Protocol, ":")); err != nil {
			return Init{}, err
		}
	}
	if init.Username != nil {
		if result.Username, err = canon(canonUsername, *init.Username); err != nil {
			return Init{}, err
		}
	}
	if init.Password != nil {
		if result.Password, err = canon(canonPassword, *init.Password); err != nil {
			return Init{}, err
		}
	}
	if init.Hostname != nil {
		if result.Hostname, err = canon(canonHostname, *init.Hostname); err != nil {
			return Init{}, err
		}
	}
	protocol := ""
	if result.Protocol != nil {
		protocol = *result.Protocol
	}
	if init.Port != nil {
		if result.Port, err = canon(func(s string) (string, error) { return canonPort(s, protocol) }, *init.Port); err != nil {
			return Init{}, err
		}
	}
	if init.Pathname != nil {
		path := *init.Pathname
		if base != nil && !base.HasOpaquePath() && !isAbsolutePathname(path, pattern) {
			bp := *processBase(base.Pathname())
			if i := strings.LastIndexByte(bp, '/'); i >= 0 {
				path = bp[:i+1] + path
			}
		}
		f := canonOpaquePathname
		if protocol == "" || isSpecialScheme(protocol) {
			f = canonPathname
		}
		if result.Pathname, err = canon(f, path); err != nil {
			return Init{}, err
		}
	}
	if init.Search != nil {
		if result.Search, err = canon(canonSearch, strings.TrimPrefix(*init.Search, "?")); err != nil {
			return Init{}, err
		}
	}
	if init.Hash != nil {
		if result.Hash, err = canon(canonHash, strings.TrimPrefix(*init.Hash, "#")); err != nil {
			return Init{}, err
		}
	}
	return result, nil
}

func isAbsolutePathname(s string, pattern bool) bool {
	switch {
	case s == "":
		return false
	case s[0] == '/':
		return true
	case !pattern || len(s) < 2:
		return false
	}
	return (s[0] == '\\' || s[0] == '{') && s[1] == '/'
}

// Group is one named group of a component match; Matched is false for an optional group that
// did not take part (undefined in JavaScript).
type Group struct {
	Name, Value string
	Matched     bool
}

// ComponentResult is the match of one component.
type ComponentResult struct {
	Input  string
	Groups []Group
}

// Result is a successful Exec.
type Result struct {
	Components [numComponents]ComponentResult
}

// ErrMatchInput is returned by Exec for a base URL given with an Init input, which the
// standard makes a TypeError rather than a failed match.
var ErrMatchInput = errors.New("a base URL is not allowed with an init dictionary")

// Test reports whether in (resolved against base, for a string) matches.
func (p *Pattern) Test(in Input, base *string) (bool, error) {
	r, err := p.Exec(in, base)
	return r != nil, err
}

// Exec matches in (resolved against base, for a string); a nil Result without error is no match.
func (p *Pattern) Exec(in Input, base *string) (*Result, error) {
	var values [numComponents]string
	if in.IsInit {
		if base != nil {
			return nil, ErrMatchInput
		}
		empty := func() *string { return str("") }
		r, err := processInit(in.Init, false, Init{empty(), empty(), empty(), empty(), empty(), empty(), empty(), empty(), nil})
		if err != nil {
			return nil, nil
		}
		for c := Protocol; c < numComponents; c++ {
			values[c] = *r.get(c)
		}
	} else {
		var b *weburl.URL
		if base != nil {
			var err error
			if b, err = weburl.Parse(*base, nil); err != nil {
				return nil, nil
			}
		}
		u, err := weburl.Parse(in.String, b)
		if err != nil {
			return nil, nil
		}
		values = [numComponents]string{strings.TrimSuffix(u.Protocol(), ":"), u.Username(), u.Password(), u.Hostname(), u.Port(),
			u.Pathname(), u.Query(), strings.TrimPrefix(u.Hash(), "#")}
	}
	res := &Result{}
	for c := Protocol; c < numComponents; c++ {
		comp := p.c[c]
		m, err := comp.re.FindStringMatch(values[c])
		if err != nil || m == nil {
			return nil, nil
		}
		cr := ComponentResult{Input: values[c], Groups: make([]Group, len(comp.names))}
		for i, name := range comp.names {
			g := m.GroupByNumber(i + 1)
			cr.Groups[i] = Group{Name: name}
			if g != nil && len(g.Captures) > 0 {
				cr.Groups[i].Value, cr.Groups[i].Matched = g.String(), true
			}
		}
		res.Components[c] = cr
	}
	return res, nil
}
