package weburl

import "strings"

// The setters follow the URL class's attribute setters. All but SetHref
// ignore input the standard rejects, leaving the URL as the standard
// leaves it (which, for SetHost, can mean the host changed but not the
// port, exactly as in browsers and workerd).

// SetHref replaces the whole URL. On failure the URL is unchanged and the
// error is returned; the JS href setter throws a TypeError then.
func (u *URL) SetHref(s string) error {
	v, err := Parse(s, nil)
	if err != nil {
		return err
	}
	*u = *v
	return nil
}

// SetProtocol changes the scheme; switching between special and
// non-special schemes, or to "file" with credentials or a port, is ignored.
func (u *URL) SetProtocol(s string) {
	_ = basicParse(s+":", nil, u, stateSchemeStart)
}

// SetUsername sets the username, percent-encoding it; ignored for URLs
// without a host, with an empty host, or with the file scheme.
func (u *URL) SetUsername(s string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	u.username = encodeString(s, &userinfoSet)
}

// SetPassword sets the password, under the same conditions as SetUsername.
func (u *URL) SetPassword(s string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	u.password = encodeString(s, &userinfoSet)
}

// SetHost sets the host and, when s has one, the port.
func (u *URL) SetHost(s string) {
	if u.opaque {
		return
	}
	_ = basicParse(s, nil, u, stateHost)
}

// SetHostname sets the host, ignoring input that contains a port.
func (u *URL) SetHostname(s string) {
	if u.opaque {
		return
	}
	_ = basicParse(s, nil, u, stateHostname)
}

// SetPort sets the port from the leading digits of s ("8080abc" sets
// 8080); "" clears it. The default port of the scheme clears it too.
func (u *URL) SetPort(s string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	if s == "" {
		u.port = -1
		return
	}
	_ = basicParse(s, nil, u, statePort)
}

// SetPathname replaces the path; ignored for URLs with an opaque path.
func (u *URL) SetPathname(s string) {
	if u.opaque {
		return
	}
	u.path = ""
	_ = basicParse(s, nil, u, statePathStart)
}

// SetSearch replaces the query; "" removes it (the query becomes null).
// A leading "?" is optional. The URL's URLSearchParams must then be
// re-initialised from Query.
func (u *URL) SetSearch(s string) {
	if s == "" {
		u.query, u.hasQuery = "", false
		return
	}
	u.query, u.hasQuery = "", true
	_ = basicParse(strings.TrimPrefix(s, "?"), nil, u, stateQuery)
}

// SetHash replaces the fragment; "" removes it. A leading "#" is optional.
func (u *URL) SetHash(s string) {
	if s == "" {
		u.fragment, u.hasFrag = "", false
		return
	}
	u.fragment, u.hasFrag = "", true
	_ = basicParse(strings.TrimPrefix(s, "#"), nil, u, stateFragment)
}

// SetQuery is URLSearchParams's "update" step: it stores an already
// serialized query (SerializeQuery's output) as is, and "" makes the query
// null so that href loses its "?".
func (u *URL) SetQuery(s string) {
	u.query, u.hasQuery = s, s != ""
}
