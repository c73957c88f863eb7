package platform

import (
	"fmt"
	"sort"
	"strings"
)

// route is one pattern a worker answers on, matched as Cloudflare matches route patterns: a
// host, exact or with a leading "*" wildcard, and a path, exact or ending in "*".
type route struct {
	// pattern is the pattern as written, for messages and conflicts.
	pattern string
	// host is the host without its wildcard; hostWild is set for a leading "*", which matches
	// any prefix ("*.example.com" subdomains only, "*example.com" the apex too).
	host     string
	hostWild bool
	// path is the path without its trailing "*"; pathWild matches any suffix.
	path     string
	pathWild bool
	// whole marks custom domains and default hostnames: every path of the host, taking
	// precedence over routes, as a Custom Domain does on Cloudflare.
	whole bool
	// worker is the name of the worker the route leads to.
	worker string
}

// parseRoute parses a route pattern such as "api.example.com/*" or "*.example.com/v1/*". A
// scheme is ignored and a query is refused, as on Cloudflare.
func parseRoute(pattern string) (route, error) {
	r := route{pattern: pattern}
	s := strings.ToLower(pattern)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	slash := strings.IndexByte(s, '/')
	if slash < 0 {
		return r, fmt.Errorf("route %q has no path: write %s/* to match every path, or make it a custom domain", pattern, pattern)
	}
	host, path := s[:slash], s[slash:]
	if strings.ContainsAny(path, "?#") {
		return r, fmt.Errorf("route %q: a route cannot match a query or fragment", pattern)
	}
	if strings.HasPrefix(host, "*") {
		r.hostWild, host = true, host[1:]
	}
	if host == "" || strings.ContainsAny(host, "*:") {
		return r, fmt.Errorf("route %q: the host may have one \"*\", at its start, and no port", pattern)
	}
	if strings.HasSuffix(path, "*") {
		r.pathWild, path = true, path[:len(path)-1]
	}
	if strings.Contains(path, "*") {
		return r, fmt.Errorf("route %q: the path may have one \"*\", at its end", pattern)
	}
	r.host, r.path = host, path
	return r, nil
}

// customDomain is a route for every path of one hostname.
func customDomain(host string) (route, error) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" || strings.ContainsAny(h, "*/:?#") {
		return route{}, fmt.Errorf("custom domain %q must be a hostname, without wildcard, path or port", host)
	}
	return route{pattern: h, host: h, whole: true}, nil
}

func (r route) matches(host, path string) bool {
	switch {
	case r.hostWild && strings.HasPrefix(r.host, "."):
		if !strings.HasSuffix(host, r.host) {
			return false
		}
	case r.hostWild:
		// "*example.com" is the apex and its subdomains, not "badexample.com".
		if host != r.host && !strings.HasSuffix(host, "."+r.host) {
			return false
		}
	case host != r.host:
		return false
	}
	if r.whole {
		return true
	}
	if r.pathWild {
		return strings.HasPrefix(path, r.path)
	}
	return path == r.path
}

// moreSpecific orders routes for matching, most specific first: whole-host routes, then exact
// hosts before wildcard ones, longer hosts, exact paths before wildcard ones, longer paths.
func moreSpecific(a, b route) bool {
	if a.whole != b.whole {
		return a.whole
	}
	if a.hostWild != b.hostWild {
		return !a.hostWild
	}
	if len(a.host) != len(b.host) {
		return len(a.host) > len(b.host)
	}
	if a.pathWild != b.pathWild {
		return !a.pathWild
	}
	if len(a.path) != len(b.path) {
		return len(a.path) > len(b.path)
	}
	return a.pattern < b.pattern
}

// routeTable is an immutable, sorted set of routes; a change builds a new one.
type routeTable []route

func newRouteTable(routes []route) routeTable {
	t := append(routeTable(nil), routes...)
	sort.SliceStable(t, func(i, j int) bool { return moreSpecific(t[i], t[j]) })
	return t
}

// match returns the worker of the most specific route for host and path, or "".
func (t routeTable) match(host, path string) string {
	for _, r := range t {
		if r.matches(host, path) {
			return r.worker
		}
	}
	return ""
}

// claimable reports whether a tenant owning domains may claim the route's host: it must be
// one of them or under one.
func (r route) claimable(domains []string) bool {
	host := strings.TrimPrefix(r.host, ".")
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// configRoutes reads a worker's routes from its wrangler configuration: "route" (one
// pattern) and "routes" (patterns, or tables with "pattern" and "custom_domain").
func configRoutes(raw map[string]any) ([]route, error) {
	var items []any
	if v, ok := raw["route"]; ok {
		items = append(items, v)
	}
	if v, ok := raw["routes"]; ok {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("\"routes\" must be an array of patterns or route tables")
		}
		items = append(items, list...)
	}
	var out []route
	for _, it := range items {
		var (
			r   route
			err error
		)
		switch it := it.(type) {
		case string:
			r, err = parseRoute(it)
		case map[string]any:
			pattern, _ := it["pattern"].(string)
			if cd, _ := it["custom_domain"].(bool); cd {
				r, err = customDomain(pattern)
			} else {
				r, err = parseRoute(pattern)
			}
		default:
			err = fmt.Errorf("a route must be a pattern or a table with \"pattern\", got %T", it)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
