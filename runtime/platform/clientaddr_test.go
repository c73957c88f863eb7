package platform

import (
	"net"
	"net/http"
	"testing"
)

// Only a trusted proxy may tell the worker who the client is.
func TestClientAddress(t *testing.T) {
	_, n, _ := net.ParseCIDR("10.0.0.0/8")
	l := &Listen{trusted: []*net.IPNet{n}}
	for _, tt := range []struct {
		name, remote, cfip, xff, want string
	}{
		{"a client's own header is dropped", "203.0.113.5:1234", "1.2.3.4", "", ""},
		{"a client's X-Forwarded-For is ignored", "203.0.113.5:1234", "", "1.2.3.4", ""},
		{"a trusted proxy's header is kept", "10.1.2.3:1234", "198.51.100.7", "", "198.51.100.7"},
		{"else the last hop it added", "10.1.2.3:1234", "", "1.2.3.4, 198.51.100.8", "198.51.100.8"},
		{"not an address", "10.1.2.3:1234", "", "unknown", ""},
	} {
		r, _ := http.NewRequest("GET", "http://x/", nil)
		r.RemoteAddr = tt.remote
		if tt.cfip != "" {
			r.Header.Set("CF-Connecting-IP", tt.cfip)
		}
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		clientAddress(r, l)
		if got := r.Header.Get("CF-Connecting-IP"); got != tt.want {
			t.Errorf("%s: CF-Connecting-IP %q, want %q", tt.name, got, tt.want)
		}
	}
}
