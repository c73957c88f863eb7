// Package weburl implements the WHATWG URL Standard (https://url.spec.whatwg.org/):
// the basic URL parser, the URL serializer, the setters of the JS URL class
// and the application/x-www-form-urlencoded format behind URLSearchParams.
// It backs molt's JS URL and URLSearchParams classes and aims to match
// workerd, whose ada parser follows the same standard.
//
// Inputs are Go strings. JS strings reach Go through a USVString
// conversion, so a lone surrogate arrives as U+FFFD, as WebIDL requires;
// invalid UTF-8 that reaches this package anyway is treated the same way
// (each maximal invalid byte sequence reads as one U+FFFD).
//
// A URL is not safe for concurrent use while a setter may run.
package weburl

import (
	"strconv"
	"strings"
)

// URL is a parsed WHATWG URL record.
type URL struct {
	scheme   string
	username string
	password string
	// host is the serialized host: a domain, "a.b.c.d", "[v6]", an opaque
	// host or "" (the empty host). It is meaningless unless hasHost is set,
	// because the standard distinguishes a null host from an empty one.
	host string
	// path is the URL path serialized: "/seg/seg" for a list path (""
	// being the empty list) or the opaque path itself when opaque is set.
	// Keeping the serialization instead of a list makes the getters free;
	// segments never contain "/" so the list is recoverable.
	path     string
	query    string
	fragment string
	port     int32 // -1 for null
	kind     schemeKind
	hasHost  bool
	opaque   bool
	hasQuery bool
	hasFrag  bool
}

// schemeKind caches whether a scheme is special and which one, since
// nearly every parser state asks.
type schemeKind uint8

const (
	schemeOther schemeKind = iota
	schemeHTTP
	schemeHTTPS
	schemeWS
	schemeWSS
	schemeFTP
	schemeFile
)

// special reports whether the scheme is one of the standard's special schemes.
func (k schemeKind) special() bool { return k != schemeOther }

// defaultPort is the scheme's default port, or -1 when it has none.
func (k schemeKind) defaultPort() int32 {
	switch k {
	case schemeHTTP, schemeWS:
		return 80
	case schemeHTTPS, schemeWSS:
		return 443
	case schemeFTP:
		return 21
	}
	return -1
}

// lookupScheme classifies a lowercased scheme and returns a canonical
// string for special schemes so parsing them allocates nothing.
func lookupScheme(b []byte) (schemeKind, string) {
	switch string(b) {
	case "http":
		return schemeHTTP, "http"
	case "https":
		return schemeHTTPS, "https"
	case "ws":
		return schemeWS, "ws"
	case "wss":
		return schemeWSS, "wss"
	case "ftp":
		return schemeFTP, "ftp"
	case "file":
		return schemeFile, "file"
	}
	return schemeOther, string(b)
}

// Href returns the URL serializer's output, which is also what
// toString() and toJSON() return.
func (u *URL) Href() string {
	var b strings.Builder
	b.Grow(len(u.scheme) + len(u.username) + len(u.password) + len(u.host) +
		len(u.path) + len(u.query) + len(u.fragment) + 16)
	b.WriteString(u.scheme)
	b.WriteByte(':')
	if u.hasHost {
		b.WriteString("//")
		if u.username != "" || u.password != "" {
			b.WriteString(u.username)
			if u.password != "" {
				b.WriteByte(':')
				b.WriteString(u.password)
			}
			b.WriteByte('@')
		}
		b.WriteString(u.host)
		if u.port >= 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(int(u.port)))
		}
	} else if !u.opaque && strings.HasPrefix(u.path, "//") {
		// Without "/." a path whose first segment is empty would re-parse
		// as an authority ("web+demo:/.//not-a-host/").
		b.WriteString("/.")
	}
	b.WriteString(u.path)
	if u.hasQuery {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	if u.hasFrag {
		b.WriteByte('#')
		b.WriteString(u.fragment)
	}
	return b.String()
}

// String returns Href, so a *URL prints as its serialization.
func (u *URL) String() string { return u.Href() }

// Origin returns the serialization of the URL's origin: "scheme://host[:port]"
// for tuple origins and "null" for opaque ones.
func (u *URL) Origin() string {
	switch u.kind {
	case schemeHTTP, schemeHTTPS, schemeWS, schemeWSS, schemeFTP:
		return u.scheme + "://" + u.Host()
	}
	if u.scheme == "blob" {
		// molt has no blob URL store, so the origin always comes from the
		// path, which is what the standard does for an unresolved entry.
		if inner, err := Parse(u.path, nil); err == nil &&
			(inner.kind == schemeHTTP || inner.kind == schemeHTTPS) {
			return inner.Origin()
		}
	}
	return "null"
}

// Protocol returns the scheme followed by ":".
func (u *URL) Protocol() string { return u.scheme + ":" }

// Username returns the percent-encoded username.
func (u *URL) Username() string { return u.username }

// Password returns the percent-encoded password.
func (u *URL) Password() string { return u.password }

// Host returns the serialized host with ":port" when the port is non-null.
func (u *URL) Host() string {
	if !u.hasHost {
		return ""
	}
	if u.port < 0 {
		return u.host
	}
	return u.host + ":" + strconv.Itoa(int(u.port))
}

// Hostname returns the serialized host without the port.
func (u *URL) Hostname() string {
	if !u.hasHost {
		return ""
	}
	return u.host
}

// Port returns the port in decimal, or "" when it is null (absent or the
// scheme's default).
func (u *URL) Port() string {
	if u.port < 0 {
		return ""
	}
	return strconv.Itoa(int(u.port))
}

// Pathname returns the serialized path (the opaque path as is).
func (u *URL) Pathname() string { return u.path }

// Search returns "?" and the query, or "" when the query is null or empty.
func (u *URL) Search() string {
	if !u.hasQuery || u.query == "" {
		return ""
	}
	return "?" + u.query
}

// Hash returns "#" and the fragment, or "" when it is null or empty.
func (u *URL) Hash() string {
	if !u.hasFrag || u.fragment == "" {
		return ""
	}
	return "#" + u.fragment
}

// Query returns the query without "?", "" when it is null. This is the
// string a URL's URLSearchParams is initialised from (with ParseQuery).
func (u *URL) Query() string { return u.query }

// Clone returns an independent copy; setters on one do not affect the other.
func (u *URL) Clone() *URL {
	c := *u
	return &c
}

// cannotHaveCredentialsOrPort is the standard's "cannot have a
// username/password/port", which makes those setters no-ops.
func (u *URL) cannotHaveCredentialsOrPort() bool {
	return !u.hasHost || u.host == "" || u.kind == schemeFile
}

// includesCredentials reports whether username or password is non-empty.
func (u *URL) includesCredentials() bool {
	return u.username != "" || u.password != ""
}
