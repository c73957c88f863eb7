package platform

import "testing"

// Route patterns match as Cloudflare's do, the most specific first.
func TestRouteTable(t *testing.T) {
	var routes []route
	for worker, pattern := range map[string]string{
		"apex-and-subs": "*example.com/*",
		"subs":          "*.example.com/*",
		"subs-v1":       "*.example.com/v1/*",
		"api":           "api.example.com/*",
		"api-exact":     "https://api.example.com/health",
	} {
		r, err := parseRoute(pattern)
		if err != nil {
			t.Fatal(err)
		}
		r.worker = worker
		routes = append(routes, r)
	}
	cd, err := customDomain("shop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	cd.worker = "shop"
	table := newRouteTable(append(routes, cd))
	for _, tt := range []struct{ host, path, want string }{
		{"api.example.com", "/health", "api-exact"},
		{"api.example.com", "/health/x", "api"},
		{"api.example.com", "/v1/users", "api"},
		{"www.example.com", "/v1/users", "subs-v1"},
		{"www.example.com", "/v2", "subs"},
		{"example.com", "/", "apex-and-subs"},
		{"badexample.com", "/", ""},
		{"shop.example.com", "/v1/cart", "shop"},
		{"other.test", "/", ""},
	} {
		if got := table.match(tt.host, tt.path); got != tt.want {
			t.Errorf("%s%s -> %q, want %q", tt.host, tt.path, got, tt.want)
		}
	}
}

func TestRouteErrors(t *testing.T) {
	for _, pattern := range []string{"example.com", "ex*ample.com/*", "example.com/a*b", "example.com/?q=1", "example.com:8080/*", "/*"} {
		if _, err := parseRoute(pattern); err == nil {
			t.Errorf("parseRoute(%q) accepted", pattern)
		}
	}
	for _, host := range []string{"*.example.com", "example.com/x", ""} {
		if _, err := customDomain(host); err == nil {
			t.Errorf("customDomain(%q) accepted", host)
		}
	}
}
