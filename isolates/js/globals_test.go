package js

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// jsCase runs body, the body of a function, in a fresh isolate. Either its result, as JSON, must
// be want, or it must throw an error named errName with message errMsg; dom says the error must
// be a DOMException, checked only once DOMException exists in this tree.
type jsCase struct {
	name, body string
	want       string
	errName    string
	errMsg     string
	dom        bool
	mod        func(*Config)
}

const jsHarness = `function run() {
%s
}
var __molt_exports = { default: { async fetch() {
  try {
    const v = await run();
    return Response.json({ ok: v === undefined ? null : v });
  } catch (e) {
    const hasDOM = typeof DOMException === "function";
    return Response.json({ err: { name: String(e && e.name), message: String(e && e.message), hasDOM, dom: hasDOM && e instanceof DOMException } });
  }
} } };`

func runJSCases(t *testing.T, cases []jsCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iso := newTestIsolate(t, strings.Replace(jsHarness, "%s", c.body, 1), c.mod)
			_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				OK  json.RawMessage `json:"ok"`
				Err *struct {
					Name, Message string
					HasDOM, DOM   bool
				} `json:"err"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			if c.errName != "" || c.errMsg != "" {
				if got.Err == nil {
					t.Fatalf("returned %s, want %s: %s", got.OK, c.errName, c.errMsg)
				}
				if got.Err.Name != c.errName || got.Err.Message != c.errMsg {
					t.Fatalf("threw %s: %s\nwant   %s: %s", got.Err.Name, got.Err.Message, c.errName, c.errMsg)
				}
				if c.dom && got.Err.HasDOM && !got.Err.DOM {
					t.Fatalf("threw a %s that is not a DOMException", got.Err.Name)
				}
				return
			}
			if got.Err != nil {
				t.Fatalf("threw %s: %s", got.Err.Name, got.Err.Message)
			}
			if string(got.OK) != c.want {
				t.Fatalf("got  %s\nwant %s", got.OK, c.want)
			}
		})
	}
}

const (
	btoaMsg = "btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range."
	atobMsg = "atob() called with invalid base64-encoded data. (Only whitespace, '+', '/', alphanumeric ASCII, and up to two terminal '=' signs when the input data length is divisible by 4 are allowed.)"
)

func TestBase64(t *testing.T) {
	cases := []jsCase{
		{name: "btoa strings", body: `return ["", "a", "ab", "abc", "abcd", "\xff\xff\xc0", "a\0b"].map(btoa);`,
			want: `["","YQ==","YWI=","YWJj","YWJjZA==","///A","YQBi"]`},
		{name: "btoa coerces", body: `return [btoa(undefined), btoa(null), btoa(7), btoa(true), btoa({ toString() { return "foo"; } })];`,
			want: `["dW5kZWZpbmVk","bnVsbA==","Nw==","dHJ1ZQ==","Zm9v"]`},
		{name: "btoa all bytes round trip", body: `let s = ""; for (let i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s;`, want: `true`},
		{name: "btoa above latin1", body: `return btoa("עברית");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa U+0100", body: `return btoa("\u0100");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa lone surrogate", body: `return btoa("\ud800");`, errName: "InvalidCharacterError", errMsg: btoaMsg, dom: true},
		{name: "btoa symbol", body: `return btoa(Symbol("x"));`, errName: "TypeError", errMsg: "Cannot convert a Symbol value to a string"},
		{name: "atob valid", body: `return ["", "YQ==", "YQ", "YWI=", "YWI", "YWJj", "///A", "A", "/A"].map(s => { try { return [...atob(s)].map(c => c.charCodeAt(0)); } catch (e) { return e.name; } });`,
			want: `[[],[97],[97],[97,98],[97,98],[97,98,99],[255,255,192],"InvalidCharacterError",[252]]`},
		{name: "atob whitespace", body: `return [atob(" YW\tJj\n"), atob("ab\t\n\f\r cd"), atob("ab\t\n\f\r =\t\n\f\r =\t\n\f\r "), atob(" \t\n\f\r ab\t\n\f\r cd\t\n\f\r ")].map(s => s.length);`,
			want: `[3,3,1,3]`},
		{name: "atob trailing bits ignored", body: `return [atob("YR=="), atob("YWJ=")];`, want: `["a","ab"]`},
		{name: "atob padding rules", body: `return ["=", "==", "a=", "ab=", "ab===", "abc==", "abcd=", "abcde", "=a", "a=b", "ab=c", "abc=d", "ab\u00a0cd", "ab-c", "ab_c", "\ud800\udc00"].map(s => { try { atob(s); return "ok " + s; } catch (e) { return e.name; } });`,
			want: `["InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError","InvalidCharacterError"]`},
		{name: "atob invalid message", body: `return atob("a");`, errName: "InvalidCharacterError", errMsg: atobMsg, dom: true},
		{name: "atob coerces", body: `return [atob(null), atob(undefined === 1 ? "" : "YWJj")].map(s => s.length);`, want: `[3,3]`},
	}
	runJSCases(t, cases)
}

func TestForgivingBase64Decode(t *testing.T) {
	for in, want := range map[string]string{
		"":         "",
		"YWJj":     "abc",
		"YWI":      "ab",
		"YWI=":     "ab",
		"Y W I =":  "ab",
		"YQ":       "a",
		"YQ==":     "a",
		"YR":       "a",
		"/w==":     "\u00ff",
		"AAAA":     "\x00\x00\x00",
		"YQ=\n=\n": "a",
	} {
		got, ok := forgivingBase64Decode(in)
		if !ok || got != want {
			t.Errorf("decode %q = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"a", "YQ=", "YQ===", "Y=Q=", "YQ==YQ==", "abcde", "ab*d", "ab\vcd"} {
		if got, ok := forgivingBase64Decode(in); ok {
			t.Errorf("decode %q = %q, want failure", in, got)
		}
	}
}

func TestNavigatorPerformanceSelf(t *testing.T) {
	newer := func(c *Config) { c.CompatibilityDate = "2025-06-01" }
	cases := []jsCase{
		{name: "navigator", body: `return [navigator.userAgent, navigator.hardwareConcurrency, navigator.platform, navigator instanceof Navigator, String(navigator)];`,
			want: `["Cloudflare-Workers",1,"",true,"[object Navigator]"]`},
		{name: "navigator.language gated off", body: `return ["language" in navigator, navigator.languages === undefined];`, want: `[false,true]`},
		{name: "navigator.language by date", body: `return [navigator.language, navigator.languages];`, want: `["en",["en"]]`, mod: newer},
		{name: "navigator.language by flag", body: `return navigator.language;`, want: `"en"`,
			mod: func(c *Config) { c.CompatibilityFlags = []string{"enable_navigator_language"} }},
		{name: "navigator.language disabled by flag", body: `return navigator.language === undefined;`, want: `true`,
			mod: func(c *Config) {
				c.CompatibilityDate = "2025-06-01"
				c.CompatibilityFlags = []string{"disable_navigator_language"}
			}},
		{name: "Navigator not constructible", body: `return new Navigator();`, errName: "TypeError", errMsg: "Illegal constructor"},
		{name: "performance", body: `return [performance.timeOrigin, typeof performance.now(), performance.now() === Date.now(), String(performance)];`,
			want: `[0,"number",true,"[object Performance]"]`},
		{name: "performance.now is frozen while code runs", body: `const a = performance.now(); let x = 0; for (let i = 0; i < 3e5; i++) x += i; return performance.now() - a;`, want: `0`},
		{name: "performance.now advances across I/O", body: `const a = performance.now(); return new Promise(r => setTimeout(() => r(performance.now() - a >= 5), 10));`, want: `true`},
		{name: "self", body: `return [self === globalThis, typeof self.atob, self.self === self];`, want: `[true,"function",true]`},
		{name: "globals are writable", body: `globalThis.navigator = 1; self.performance = 2; return [navigator, performance];`, want: `[1,2]`},
	}
	runJSCases(t, cases)
}
