package weburl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The tests run the Web Platform Tests data as the WPT harness files
// url-constructor.any.js, url-origin.any.js, url-constructor-base-failure
// .any.js, url-setters.any.js, toascii.any.js and IdnaTestV2.window.js do.

// wptDir is where the WPT url resources live; MOLT_WPT_DIR overrides the
// checkout-relative default.
func wptDir() string {
	if d := os.Getenv("MOLT_WPT_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "wpt", "url")
}

// loadWPT reads one WPT JSON file into v. Missing data fails the test on
// purpose: a silent skip would report a green run that tested nothing.
func loadWPT(t *testing.T, name string, v any) {
	t.Helper()
	path := filepath.Join(wptDir(), name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("WPT data %s not found (%v); set MOLT_WPT_DIR to the directory holding the WPT url/ JSON files", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
}

// entries decodes a WPT array, skipping the string entries (comments).
func entries[T any](t *testing.T, name string) []T {
	var raw []json.RawMessage
	loadWPT(t, name, &raw)
	var out []T
	for _, r := range raw {
		if len(r) > 0 && r[0] == '"' {
			continue
		}
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatalf("%s: entry %s: %v", name, r, err)
		}
		out = append(out, v)
	}
	return out
}

// tally counts passing subtests and logs the total when the test ends.
type tally struct {
	file         string
	passed, runs int
}

func (c *tally) run(t *testing.T, name string, f func(t *testing.T)) {
	c.runs++
	if t.Run(name, f) {
		c.passed++
	}
}

func (c *tally) log(t *testing.T) {
	t.Logf("%s: %d/%d passed", c.file, c.passed, c.runs)
}

// getter returns the named URL attribute the way the JS getter does.
func getter(u *URL, attr string) string {
	switch attr {
	case "href":
		return u.Href()
	case "origin":
		return u.Origin()
	case "protocol":
		return u.Protocol()
	case "username":
		return u.Username()
	case "password":
		return u.Password()
	case "host":
		return u.Host()
	case "hostname":
		return u.Hostname()
	case "port":
		return u.Port()
	case "pathname":
		return u.Pathname()
	case "search":
		return u.Search()
	case "hash":
		return u.Hash()
	case "searchParams":
		return SerializeQuery(ParseQuery(u.Query()))
	}
	panic("unknown URL attribute " + attr)
}

// setter applies the named JS attribute setter, which ignores bad input
// except for href (where JS would throw).
func setter(u *URL, attr, value string) error {
	switch attr {
	case "href":
		return u.SetHref(value)
	case "protocol":
		u.SetProtocol(value)
	case "username":
		u.SetUsername(value)
	case "password":
		u.SetPassword(value)
	case "host":
		u.SetHost(value)
	case "hostname":
		u.SetHostname(value)
	case "port":
		u.SetPort(value)
	case "pathname":
		u.SetPathname(value)
	case "search":
		u.SetSearch(value)
	case "hash":
		u.SetHash(value)
	default:
		panic("unknown URL attribute " + attr)
	}
	return nil
}

// urlTest is one urltestdata.json entry.
type urlTest struct {
	Input        string
	Base         *string
	Failure      bool
	Href         string
	Origin       *string
	Protocol     string
	Username     string
	Password     string
	Host         string
	Hostname     string
	Port         string
	Pathname     string
	Search       string
	SearchParams *string
	Hash         string
}

func TestURLTestData(t *testing.T) { runURLTests(t, "urltestdata.json") }

// TestURLTestDataJavaScriptOnly covers lone surrogates: encoding/json turns
// each into U+FFFD, the same as the USVString conversion JS does before
// the parser sees the string.
func TestURLTestDataJavaScriptOnly(t *testing.T) {
	runURLTests(t, "urltestdata-javascript-only.json")
}

func runURLTests(t *testing.T, file string) {
	c := tally{file: file}
	for i, tc := range entries[urlTest](t, file) {
		base := "<null>"
		if tc.Base != nil {
			base = *tc.Base
		}
		c.run(t, fmt.Sprintf("%d:<%s>against<%s>", i, tc.Input, base), func(t *testing.T) {
			var b *URL
			if tc.Base != nil {
				var err error
				if b, err = Parse(*tc.Base, nil); err != nil {
					if !tc.Failure {
						t.Fatalf("base %q: %v", *tc.Base, err)
					}
					return
				}
			}
			u, err := Parse(tc.Input, b)
			if CanParse(tc.Input, b) != (err == nil) {
				t.Errorf("CanParse disagrees with Parse")
			}
			if tc.Failure {
				if err == nil {
					t.Fatalf("parsed to %q, want failure", u.Href())
				}
				if tc.Base == nil {
					checkBaseFailure(t, tc.Input)
				}
				return
			}
			if err != nil {
				t.Fatalf("failed: %v, want %q", err, tc.Href)
			}
			want := map[string]string{
				"href": tc.Href, "protocol": tc.Protocol, "username": tc.Username,
				"password": tc.Password, "host": tc.Host, "hostname": tc.Hostname,
				"port": tc.Port, "pathname": tc.Pathname, "search": tc.Search, "hash": tc.Hash,
			}
			if tc.Origin != nil {
				want["origin"] = *tc.Origin
			}
			if tc.SearchParams != nil {
				want["searchParams"] = *tc.SearchParams
			}
			for _, attr := range attrOrder {
				if w, ok := want[attr]; ok {
					if got := getter(u, attr); got != w {
						t.Errorf("%s = %q, want %q", attr, got, w)
					}
				}
			}
			checkReparse(t, u)
		})
	}
	c.log(t)
}

var attrOrder = []string{"href", "origin", "protocol", "username", "password", "host",
	"hostname", "port", "pathname", "search", "searchParams", "hash"}

// checkBaseFailure is url-constructor-base-failure.any.js: input that fails
// without a base must fail as a base and as an href.
func checkBaseFailure(t *testing.T, input string) {
	t.Helper()
	u, err := Parse("about:blank", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.SetHref(input); err == nil {
		t.Errorf("href setter accepted %q", input)
	}
	if u.Href() != "about:blank" {
		t.Errorf("failed href setter changed the URL to %q", u.Href())
	}
}

// checkReparse checks the serializer's promise: parsing href gives back the
// same URL.
func checkReparse(t *testing.T, u *URL) {
	t.Helper()
	v, err := Parse(u.Href(), nil)
	if err != nil {
		t.Errorf("href %q does not re-parse: %v", u.Href(), err)
	} else if v.Href() != u.Href() {
		t.Errorf("href %q re-parses to %q", u.Href(), v.Href())
	}
}

// setterTest is one setters_tests.json entry.
type setterTest struct {
	Href     string
	NewValue string `json:"new_value"`
	Comment  string
	Expected map[string]string
}

func TestSetters(t *testing.T) {
	var all map[string]json.RawMessage
	loadWPT(t, "setters_tests.json", &all)
	c := tally{file: "setters_tests.json"}
	for _, attr := range []string{"href", "protocol", "username", "password", "host",
		"hostname", "port", "pathname", "search", "hash"} {
		raw, ok := all[attr]
		if !ok {
			t.Errorf("setters_tests.json has no %q tests", attr)
			continue
		}
		var cases []setterTest
		if err := json.Unmarshal(raw, &cases); err != nil {
			t.Fatalf("setters_tests.json %s: %v", attr, err)
		}
		for i, tc := range cases {
			c.run(t, fmt.Sprintf("%s/%d:<%s>=<%s>", attr, i, tc.Href, tc.NewValue), func(t *testing.T) {
				u, err := Parse(tc.Href, nil)
				if err != nil {
					t.Fatalf("href %q: %v", tc.Href, err)
				}
				if err := setter(u, attr, tc.NewValue); err != nil {
					t.Fatalf("setter failed: %v", err)
				}
				for _, a := range attrOrder {
					if w, ok := tc.Expected[a]; ok {
						if got := getter(u, a); got != w {
							t.Errorf("%s = %q, want %q (%s)", a, got, w, tc.Comment)
						}
					}
				}
				checkReparse(t, u)
			})
		}
	}
	c.log(t)
}

// hostTest is one toascii.json or IdnaTestV2.json entry.
type hostTest struct {
	Input   string
	Output  *string
	Comment any
}

// TestToASCII is toascii.any.js: the host through the parser and through
// the host and hostname setters.
func TestToASCII(t *testing.T) {
	c := tally{file: "toascii.json"}
	for i, tc := range entries[hostTest](t, "toascii.json") {
		c.run(t, fmt.Sprintf("%d:<%s>", i, tc.Input), func(t *testing.T) {
			checkHost(t, tc)
			for _, attr := range []string{"host", "hostname"} {
				u, err := Parse("https://x/x", nil)
				if err != nil {
					t.Fatal(err)
				}
				_ = setter(u, attr, tc.Input)
				want := "x"
				if tc.Output != nil {
					want = *tc.Output
				}
				if got := getter(u, attr); got != want {
					t.Errorf("after %s setter: %s = %q, want %q", attr, attr, got, want)
				}
			}
		})
	}
	c.log(t)
}

// TestIdnaTestV2 is IdnaTestV2.window.js: the UTS #46 conformance vectors
// as the URL parser sees them.
func TestIdnaTestV2(t *testing.T) {
	c := tally{file: "IdnaTestV2.json"}
	for i, tc := range entries[hostTest](t, "IdnaTestV2.json") {
		if tc.Input == "" {
			continue
		}
		c.run(t, fmt.Sprintf("%d:<%s>", i, tc.Input), func(t *testing.T) { checkHost(t, tc) })
	}
	c.log(t)
}

// checkHost parses "https://<input>/x" and checks the host it ends up with.
func checkHost(t *testing.T, tc hostTest) {
	t.Helper()
	u, err := Parse("https://"+tc.Input+"/x", nil)
	if tc.Output == nil {
		if err == nil {
			t.Errorf("parsed to host %q, want failure", u.Host())
		}
		return
	}
	if err != nil {
		t.Fatalf("failed: %v, want host %q", err, *tc.Output)
	}
	want := map[string]string{"host": *tc.Output, "hostname": *tc.Output,
		"pathname": "/x", "href": "https://" + *tc.Output + "/x"}
	for _, attr := range attrOrder {
		if w, ok := want[attr]; ok {
			if got := getter(u, attr); got != w {
				t.Errorf("%s = %q, want %q", attr, got, w)
			}
		}
	}
}
