package urlpattern

import (
	"strings"

	"github.com/moltworker/molt/isolates/weburl"
)

// The canonicalization callbacks of the standard: each runs the URL parser on one component
// of a dummy URL and fails where the parser would. The pattern parser applies them to fixed
// text; init processing applies them to whole components of URLs to match.

type canonError struct{ msg string }

func (e *canonError) Error() string { return e.msg }

func dummy(scheme string) *weburl.URL {
	u, err := weburl.Parse(scheme+"://dummy.test", nil)
	if err != nil {
		u, _ = weburl.Parse("fake://dummy.test", nil)
	}
	return u
}

func canonProtocol(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	u, err := weburl.Parse(v+"://dummy.test", nil)
	if err != nil {
		return "", &canonError{"invalid protocol " + v}
	}
	return strings.TrimSuffix(u.Protocol(), ":"), nil
}

func canonUsername(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	u := dummy("fake")
	u.SetUsername(v)
	return u.Username(), nil
}

func canonPassword(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	u := dummy("fake")
	u.SetPassword(v)
	return u.Password(), nil
}

func canonHostname(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	// As browsers and ada do, hosts are parsed as special ones (IDNA, lower case), so that
	// "café.com" matches the "xn--caf-dma.com" a URL has.
	u := dummy("https")
	if err := u.ParseHostname(v); err != nil {
		return "", &canonError{"invalid hostname " + v}
	}
	return u.Hostname(), nil
}

func canonIPv6Hostname(v string) (string, error) {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f', r == '[', r == ']', r == ':':
			b.WriteRune(r)
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + 'a' - 'A')
		default:
			return "", &canonError{"invalid IPv6 hostname " + v}
		}
	}
	return b.String(), nil
}

func canonPort(v, protocol string) (string, error) {
	if v == "" {
		return v, nil
	}
	u := dummy("fake")
	if protocol != "" {
		u = dummy(protocol)
	}
	if err := u.ParsePort(v); err != nil {
		return "", &canonError{"invalid port " + v}
	}
	return u.Port(), nil
}

func canonPathname(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	leading := strings.HasPrefix(v, "/")
	m := v
	if !leading {
		m = "/-" + v
	}
	u := dummy("fake")
	if err := u.ParsePathname(m); err != nil {
		return "", &canonError{"invalid pathname " + v}
	}
	out := u.Pathname()
	if !leading {
		out = out[2:]
	}
	return out, nil
}

func canonOpaquePathname(v string) (string, error) {
	return weburl.EncodeOpaquePath(v), nil
}

func canonSearch(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	u := dummy("fake")
	if err := u.ParseQuery(v); err != nil {
		return "", &canonError{"invalid search " + v}
	}
	return u.Query(), nil
}

func canonHash(v string) (string, error) {
	if v == "" {
		return v, nil
	}
	u := dummy("fake")
	if err := u.ParseFragment(v); err != nil {
		return "", &canonError{"invalid hash " + v}
	}
	return strings.TrimPrefix(u.Hash(), "#"), nil
}

var specialSchemes = []string{"ftp", "file", "http", "https", "ws", "wss"}

var defaultPorts = map[string]string{"ftp": "21", "http": "80", "https": "443", "ws": "80", "wss": "443"}

func isSpecialScheme(s string) bool {
	for _, x := range specialSchemes {
		if x == s {
			return true
		}
	}
	return false
}
