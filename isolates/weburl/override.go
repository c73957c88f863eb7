package weburl

import "errors"

// The state-override entry points below are the basic URL parser run from one state on an
// existing URL, reporting failure instead of ignoring it as the attribute setters do. URLPattern
// canonicalizes each component of a pattern this way (isolates/urlpattern).

var errOpaque = errors.New("invalid URL: the URL has an opaque path")

// ParseHostname runs the parser in the hostname state on u: the host of s up to the first
// ":", "/", "?" or "#" (or "\" for special schemes) replaces u's.
func (u *URL) ParseHostname(s string) error {
	if u.opaque {
		return errOpaque
	}
	return basicParse(s, nil, u, stateHostname)
}

// ParsePort runs the parser in the port state on u: the leading digits of s become the port
// (none is a failure), cleared when they are the scheme's default.
func (u *URL) ParsePort(s string) error {
	return basicParse(s, nil, u, statePort)
}

// ParsePathname replaces u's path with s, parsed from the path start state.
func (u *URL) ParsePathname(s string) error {
	if u.opaque {
		return errOpaque
	}
	u.path = ""
	return basicParse(s, nil, u, statePathStart)
}

// ParseQuery replaces u's query with s, percent-encoded, from the query state: unlike
// SetSearch, a leading "?" is kept as data.
func (u *URL) ParseQuery(s string) error {
	u.query, u.hasQuery = "", true
	return basicParse(s, nil, u, stateQuery)
}

// ParseFragment replaces u's fragment with s, percent-encoded, from the fragment state.
func (u *URL) ParseFragment(s string) error {
	u.fragment, u.hasFrag = "", true
	return basicParse(s, nil, u, stateFragment)
}

// EncodeOpaquePath percent-encodes s as the opaque path state does: C0 controls and non-ASCII
// bytes.
func EncodeOpaquePath(s string) string {
	return encodeString(s, &c0ControlSet)
}

// HasOpaquePath reports whether u's path is opaque (as in "mailto:x" or "data:,x").
func (u *URL) HasOpaquePath() bool { return u.opaque }
