package weburl

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary input to the parser, which sees every URL a worker or a client
// sends. It must never panic, and a parsed URL's href must parse again to itself: the spec's
// serializer and parser are inverses on parser output.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"https://user:pass@example.com:8080/a/b?c=d#e", "http://[::1]/", "http://192.168.0.1.",
		"file:///C:/x", "blob:https://a/b", "sc://ñ/x", "http://xn--n3h.com/", "javascript:alert(1)",
		"http://a/b/../../c/./d?%zz#%", "  http://EXAMPLE.com\t/\n", "http://0x7f.1/", "non-spec:/.//p",
	} {
		f.Add(s, "")
		f.Add(s, "https://base.example/dir/file?q#h")
	}
	f.Fuzz(func(t *testing.T, input, baseInput string) {
		if !utf8.ValidString(input) || !utf8.ValidString(baseInput) {
			return // JavaScript strings reach the parser as valid UTF-16, so as valid UTF-8 here.
		}
		var base *URL
		if baseInput != "" {
			b, err := Parse(baseInput, nil)
			if err != nil {
				return
			}
			base = b
		}
		u, err := Parse(input, base)
		if err != nil {
			return
		}
		href := u.Href()
		again, err := Parse(href, nil)
		if err != nil {
			t.Fatalf("Parse(%q) gave href %q, which does not parse: %v", input, href, err)
		}
		if again.Href() != href {
			t.Fatalf("Parse(%q) gave href %q, which parses to %q", input, href, again.Href())
		}
	})
}
