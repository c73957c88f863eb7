package js

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// The WPT url data runs through the JavaScript URL class as url-constructor.any.js,
// url-origin.any.js and url-setters.any.js run it in browsers, so what is tested is what a worker
// sees: the lib, the natives and the USVString conversions between them.

// urlWPTDir is where the WPT url resources live; MOLT_WPT_DIR overrides the checkout-relative
// default, as for isolates/weburl.
func urlWPTDir() string {
	if d := os.Getenv("MOLT_WPT_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "wpt", "url")
}

// readWPT returns one WPT JSON file's text. Missing data fails the test: a skip would report a
// green run that tested nothing.
func readWPT(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(urlWPTDir(), name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("WPT data %s not found (%v); set MOLT_WPT_DIR to the directory holding the WPT url/ JSON files", path, err)
	}
	return string(data)
}

// urlHarness is the JavaScript side: each function takes the JSON text (parsed by JSON.parse so
// that lone surrogates survive, as in a browser) and returns [[name, [failure, ...]], ...].
const urlHarness = `
const attrs = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "searchParams", "hash"];
function get(u, a) { return a === "searchParams" ? u.searchParams.toString() : u[a]; }
function check(u, expected, errs) {
  for (const a of attrs) {
    if (!(a in expected)) continue;
    const got = get(u, a);
    if (got !== expected[a]) errs.push(a + " = " + JSON.stringify(got) + ", want " + JSON.stringify(expected[a]));
  }
}
function throwsTypeError(f) {
  try { f(); } catch (e) { return e instanceof TypeError; }
  return false;
}
globalThis.runURLTestData = function (text) {
  const out = [];
  for (const tc of JSON.parse(text)) {
    if (typeof tc === "string") continue;
    const errs = [];
    const name = "<" + tc.input + "> against <" + tc.base + ">";
    const base = tc.base === null ? undefined : tc.base;
    try {
      if (tc.failure) {
        if (!throwsTypeError(() => new URL(tc.input, base))) errs.push("constructor did not throw a TypeError");
        if (URL.canParse(tc.input, base)) errs.push("canParse returned true");
        if (URL.parse(tc.input, base) !== null) errs.push("parse did not return null");
        if (base === undefined) {
          // url-constructor-base-failure: input that fails alone fails as a base and as href.
          if (!throwsTypeError(() => new URL("about:blank", tc.input))) errs.push("as a base: no TypeError");
          const u = new URL("about:blank");
          if (!throwsTypeError(() => { u.href = tc.input; })) errs.push("href setter: no TypeError");
          if (u.href !== "about:blank") errs.push("failed href setter changed href to " + u.href);
        }
      } else {
        const u = new URL(tc.input, base);
        check(u, tc, errs);
        if (!URL.canParse(tc.input, base)) errs.push("canParse returned false");
        const p = URL.parse(tc.input, base);
        if (p === null || p.href !== tc.href || !(p instanceof URL)) errs.push("parse gave " + p);
        if (String(u) !== tc.href || u.toJSON() !== tc.href || JSON.stringify(u) !== JSON.stringify(tc.href)) errs.push("toString/toJSON differ from href");
      }
    } catch (e) {
      errs.push("threw " + e);
    }
    out.push([name, errs]);
  }
  return out;
};
globalThis.runSetters = function (text) {
  const out = [];
  const all = JSON.parse(text);
  for (const attr of Object.keys(all)) {
    if (attr === "comment") continue;
    for (const tc of all[attr]) {
      const errs = [];
      const name = attr + ": <" + tc.href + ">.set(<" + tc.new_value + ">)";
      try {
        const u = new URL(tc.href);
        u[attr] = tc.new_value;
        check(u, tc.expected, errs);
        // Setting through searchParams must leave the URL the same for an unchanged list.
        const again = new URL(u.href);
        if (again.href !== u.href) errs.push("href does not re-parse to itself: " + again.href);
      } catch (e) {
        errs.push("threw " + e);
      }
      out.push([name, errs]);
    }
  }
  return out;
};
`

// urlIsolate returns an isolate that has the harness and any extra source loaded.
func urlIsolate(t *testing.T, mod func(*Config)) *Isolate {
	t.Helper()
	return newTestIsolate(t, urlHarness, mod)
}

// runHarness calls the harness function fn with data and fails the test for each failing case.
func runHarness(t *testing.T, iso *Isolate, fn, data, label string) {
	t.Helper()
	f, ok := goja.AssertFunction(iso.vm.Get(fn))
	if !ok {
		t.Fatalf("harness function %s missing", fn)
	}
	ret, err := iso.call(f, goja.Undefined(), iso.vm.ToValue(data))
	if err != nil {
		t.Fatal(err)
	}
	var results [][2]any
	if err := iso.vm.ExportTo(ret, &results); err != nil {
		t.Fatal(err)
	}
	passed := 0
	for _, r := range results {
		errs, _ := r[1].([]any)
		if len(errs) == 0 {
			passed++
			continue
		}
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.(string))
		}
		t.Errorf("%s: %s", r[0], strings.Join(msgs, "; "))
	}
	t.Logf("%s (JS URL): %d/%d passed", label, passed, len(results))
	if len(results) == 0 {
		t.Fatalf("%s: no cases ran", label)
	}
}

func TestJSURLTestData(t *testing.T) {
	iso := urlIsolate(t, nil)
	runHarness(t, iso, "runURLTestData", readWPT(t, "urltestdata.json"), "urltestdata.json")
}

// TestJSURLTestDataJavaScriptOnly has lone surrogates, which only a JavaScript string can hold.
func TestJSURLTestDataJavaScriptOnly(t *testing.T) {
	iso := urlIsolate(t, nil)
	runHarness(t, iso, "runURLTestData", readWPT(t, "urltestdata-javascript-only.json"), "urltestdata-javascript-only.json")
}

func TestJSURLSetters(t *testing.T) {
	iso := urlIsolate(t, nil)
	runHarness(t, iso, "runSetters", readWPT(t, "setters_tests.json"), "setters_tests.json")
}

// evalURLJS runs src in iso as a script and returns its completion value as a string, or the
// thrown error's string.
func evalURLJS(t *testing.T, iso *Isolate, src string) string {
	t.Helper()
	var out string
	err := iso.enter(func() error {
		v, err := iso.vm.RunString(src)
		if err != nil {
			return err
		}
		out = v.String()
		return nil
	})
	if err != nil {
		if je, ok := err.(*goja.Exception); ok {
			return "throws " + je.Value().String()
		}
		return "error " + err.Error()
	}
	return out
}

// urlCase is one snippet and the string its completion value must give.
type urlCase struct{ name, src, want string }

func runURLCases(t *testing.T, mod func(*Config), cases []urlCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iso := newTestIsolate(t, "", mod)
			if got := evalURLJS(t, iso, c.src); got != c.want {
				t.Errorf("%s\n got %q\nwant %q", c.src, got, c.want)
			}
		})
	}
}

func TestURLClass(t *testing.T) {
	runURLCases(t, nil, []urlCase{
		{"invalid", `new URL("bad")`, "throws TypeError: Invalid URL string."},
		{"invalid base", `new URL("/x", "bad")`, "throws TypeError: Invalid URL string."},
		{"no argument", `new URL()`, "throws TypeError: Invalid URL string."},
		{"undefined relative", `new URL(undefined, "https://h/").href`, "https://h/undefined"},
		{"relative", `new URL("../c?d#e", "https://h/a/b").href`, "https://h/c?d#e"},
		{"URL base", `new URL("x", new URL("https://h/a/")).href`, "https://h/a/x"},
		{"getters", `const u = new URL("https://us:pw@Example.COM:8080/p/a?q=1#f");
			[u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash].join(" ")`,
			"https://example.com:8080 https: us pw example.com:8080 example.com 8080 /p/a ?q=1 #f"},
		{"setters", `const u = new URL("http://h/");
			u.protocol = "https"; u.username = "a b"; u.password = "p"; u.host = "x.org:81"; u.pathname = "/a b";
			u.search = "k=v w"; u.hash = "h h"; u.hostname = "y.org"; u.port = "82"; u.href`,
			"https://a%20b:p@y.org:82/a%20b?k=v%20w#h%20h"},
		{"bad href setter", `const u = new URL("http://h/"); u.href = "nope"`,
			"throws TypeError: Failed to set the 'href' property on 'URL': the provided value is not of type 'valid URL string'."},
		{"ignored setter", `const u = new URL("http://h/"); u.protocol = "mailto"; u.port = "x"; u.href`, "http://h/"},
		{"canParse", `[URL.canParse("x:"), URL.canParse("x"), URL.canParse("x", "https://h/"), URL.canParse("x", "bad")].join()`, "true,false,true,false"},
		{"parse", `[URL.parse("bad"), URL.parse("b", "https://h/a").href, URL.parse("https://h/") instanceof URL].join()`, ",https://h/b,true"},
		{"toString", `const u = new URL("https://h/p"); [String(u), u.toJSON(), JSON.stringify({u}), Object.prototype.toString.call(u)].join(" ")`,
			`https://h/p https://h/p {"u":"https://h/p"} [object URL]`},
		{"illegal invocation", `Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({})`, "throws TypeError: Illegal invocation"},
		{"origin opaque", `new URL("data:text/plain,x").origin`, "null"},
		{"origin blob", `new URL("blob:https://a.b:81/uuid").origin`, "https://a.b:81"},
		{"lone surrogate", `new URL("https://h/\uD800?\uDC00#\uD83D").href`, "https://h/%EF%BF%BD?%EF%BF%BD#%EF%BF%BD"},
		{"idna host", `new URL("https://Bücher.example/").host`, "xn--bcher-kva.example"},
		{"searchParams same object", `const u = new URL("https://h/?a=1"); String(u.searchParams === u.searchParams)`, "true"},
		{"searchParams reads query", `new URL("https://h/?a=1&b=x+y%20z&a=2").searchParams.getAll("a").join() + "|" + new URL("https://h/?b=x+y%20z").searchParams.get("b")`, "1,2|x y z"},
		{"searchParams writes query", `const u = new URL("https://h/p?a=1#f"); u.searchParams.append("b", "x y&"); u.href`, "https://h/p?a=1&b=x+y%26#f"},
		{"searchParams empty nulls query", `const u = new URL("https://h/p?a=1#f"); u.searchParams.delete("a"); u.href + "|" + u.search`, "https://h/p#f|"},
		{"search setter resets params", `const u = new URL("https://h/?a=1"); const p = u.searchParams; u.search = "?b=2"; p.get("a") + "," + p.get("b")`, "null,2"},
		{"href setter resets params", `const u = new URL("https://h/?a=1"); const p = u.searchParams; u.href = "https://h/?c=3"; p.toString()`, "c=3"},
		{"hash setter keeps params", `const u = new URL("https://h/?a=1"); const p = u.searchParams; u.hash = "x"; p.toString() + " " + u.href`, "a=1 https://h/?a=1#x"},
		{"params sort updates url", `const u = new URL("https://h/?z=1&a=2&z=0"); u.searchParams.sort(); u.search`, "?a=2&z=1&z=0"},
		{"params on opaque path", `const u = new URL("data:space ?test"); u.searchParams.delete("test"); u.href + "|" + u.pathname`, "data:space%20|space%20"},
		{"searchParams of empty query", `const u = new URL("https://h/?"); [u.search, u.searchParams.size, u.href].join("|")`, "|0|https://h/?"},
		{"createObjectURL", `URL.createObjectURL(null)`, "throws Error: URL.createObjectURL() is not implemented"},
	})
}

func TestURLSearchParams(t *testing.T) {
	runURLCases(t, nil, []urlCase{
		// urlsearchparams-constructor.any.js
		{"empty", `new URLSearchParams().toString() + "|" + new URLSearchParams("").toString()`, "|"},
		{"leading ?", `new URLSearchParams("?a=b&c=d").toString()`, "a=b&c=d"},
		{"only first ? stripped", `new URLSearchParams("??a=b").toString()`, "%3Fa=b"},
		{"record", `new URLSearchParams({a: "1", b: 2}).toString()`, "a=1&b=2"},
		{"empty record", `new URLSearchParams({}).toString()`, ""},
		{"sequence", `new URLSearchParams([["a", "b"], ["c", "d"], ["a", "e"]]).getAll("a").join()`, "b,e"},
		{"from URLSearchParams", `const a = new URLSearchParams("a=b&c=d"); const b = new URLSearchParams(a); a.append("x", "y"); b.toString()`, "a=b&c=d"},
		{"bad pair", `new URLSearchParams([["a"]])`, "throws TypeError: Invalid URL search params sequence."},
		{"bad pair 3", `new URLSearchParams([["a", "b", "c"]])`, "throws TypeError: Invalid URL search params sequence."},
		{"null", `new URLSearchParams(null).toString()`, "null="},
		{"plus and percent", `const p = new URLSearchParams("a=b+c&d=%20e%2B"); p.get("a") + "|" + p.get("d")`, "b c| e+"},
		{"bad percent kept", `new URLSearchParams("a=%zz%").get("a")`, "%zz%"},
		{"invalid utf8", `new URLSearchParams("a=%FE%FF").get("a")`, "\uFFFD\uFFFD"},
		{"no =", `const p = new URLSearchParams("a&b=&=c"); JSON.stringify([...p])`, `[["a",""],["b",""],["","c"]]`},
		{"empty pieces", `new URLSearchParams("&&a=1&&").toString()`, "a=1"},
		{"record surrogates", `new URLSearchParams({"\uD835x": "1", "xx": "2", "\uD83Dx": "3"}).toString()`, "%EF%BF%BDx=3&xx=2"},
		{"sequence surrogates", `new URLSearchParams([["\uD835x", "\uDC00"]]).toString()`, "%EF%BF%BDx=%EF%BF%BD"},
		{"get surrogate name", `const p = new URLSearchParams(); p.append("\uD800", "1"); p.get("\uDBFF")`, "1"},
		// urlsearchparams-append/get/getall/has/set/delete.any.js
		{"append same name", `const p = new URLSearchParams(); p.append("a", "b"); p.append("a", "c"); p.toString()`, "a=b&a=c"},
		{"append converts", `const p = new URLSearchParams(); p.append(null, undefined); p.append(1, true); p.toString()`, "null=undefined&1=true"},
		{"append undefined", `const p = new URLSearchParams(); p.append("a", undefined); p.toString()`, "a=undefined"},
		{"get missing", `String(new URLSearchParams("a=b").get("c"))`, "null"},
		{"get first", `new URLSearchParams("a=b&a=c").get("a")`, "b"},
		{"getAll missing", `new URLSearchParams("a=b").getAll("c").length`, "0"},
		{"has", `const p = new URLSearchParams("a=b&c"); [p.has("a"), p.has("c"), p.has("d")].join()`, "true,true,false"},
		{"has value", `const p = new URLSearchParams("a=b&a=d&c"); [p.has("a", "d"), p.has("a", "x"), p.has("a", undefined)].join()`, "true,false,true"},
		{"set replaces first removes rest", `const p = new URLSearchParams("a=1&b=2&a=3"); p.set("a", "4"); p.toString()`, "a=4&b=2"},
		{"set appends", `const p = new URLSearchParams("a=1"); p.set("b", "2"); p.toString()`, "a=1&b=2"},
		{"delete", `const p = new URLSearchParams("a=b&c=d&a=e"); p.delete("a"); p.toString()`, "c=d"},
		{"delete value", `const p = new URLSearchParams("a=b&a=c&a=b"); p.delete("a", "b"); p.toString()`, "a=c"},
		{"delete undefined value", `const p = new URLSearchParams("a=b&a=c"); p.delete("a", undefined); p.toString()`, ""},
		{"size", `const p = new URLSearchParams("a=1&b=2&a=3"); const n = p.size; p.delete("a"); n + "," + p.size`, "3,1"},
		// urlsearchparams-sort.any.js
		{"sort stable", `const p = new URLSearchParams("z=b&a=b&z=a&a=a"); p.sort(); p.toString()`, "a=b&a=a&z=b&z=a"},
		{"sort utf16", `const p = new URLSearchParams("\uFFFD=x&\uFB03=y&\uD83D\uDE00=z"); p.sort(); JSON.stringify([...p.keys()])`, "[\"\U0001F600\",\"\uFB03\",\"\uFFFD\"]"},
		{"sort empty names", `const p = new URLSearchParams("bbb&bb&aaa&aa=x&aa=y"); p.sort(); p.toString()`, "aa=x&aa=y&aaa=&bb=&bbb="},
		// urlsearchparams-stringifier.any.js
		{"serialize specials", `const p = new URLSearchParams(); p.append("a", " *-._~!'()+&=\n"); p.toString()`, "a=+*-._%7E%21%27%28%29%2B%26%3D%0A"},
		{"serialize unicode", `new URLSearchParams([["\u00e9", "\uD83D\uDCA9"]]).toString()`, "%C3%A9=%F0%9F%92%A9"},
		{"serialize empty", `const p = new URLSearchParams(); p.append("", ""); p.toString()`, "="},
		// urlsearchparams-foreach.any.js and iterators
		{"forEach", `const out = []; new URLSearchParams("a=1&b=2").forEach(function (v, k, p) { "use strict"; out.push(k + v + (p instanceof URLSearchParams) + (this === null)); }, null); out.join()`, "a1truetrue,b2truetrue"},
		{"forEach live delete", `const u = new URL("http://localhost/query?param0=0&param1=1&param2=2"); const seen = [];
			for (const p of u.searchParams) { if (p[0] === "param0") u.searchParams.delete("param1"); seen.push(p.join("=")); } seen.join()`, "param0=0,param2=2"},
		{"for of delete seen", `const u = new URL("http://localhost/query?param0=0&param1=1&param2=2"); const seen = [];
			for (const p of u.searchParams) { u.searchParams.delete(p[0]); seen.push(p[0]); } seen.join() + "|" + u.search`, "param0,param2|?param1=1"},
		{"forEach no callback", `new URLSearchParams().forEach()`, "throws TypeError: Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'."},
		{"keys values entries", `const p = new URLSearchParams("a=1&b=2"); [...p.keys()].join() + "|" + [...p.values()].join() + "|" + JSON.stringify([...p.entries()])`, `a,b|1,2|[["a","1"],["b","2"]]`},
		{"iterator is entries", `String(URLSearchParams.prototype[Symbol.iterator] === URLSearchParams.prototype.entries)`, "true"},
		{"iterator tag", `Object.prototype.toString.call(new URLSearchParams().keys()) + Object.prototype.toString.call(new URLSearchParams())`, "[object URLSearchParams Iterator][object URLSearchParams]"},
		{"iterator proto", `const it = new URLSearchParams("a=1").entries(); String(typeof it[Symbol.iterator] === "function" && it[Symbol.iterator]() === it)`, "true"},
		{"illegal invocation", `URLSearchParams.prototype.get.call({}, "a")`, "throws TypeError: Illegal invocation"},
	})
}

// TestURLSearchParamsValueArgFlag checks that, as on workerd, a compatibility date before
// 2023-07-01 makes delete() and has() ignore their second argument.
func TestURLSearchParamsValueArgFlag(t *testing.T) {
	runURLCases(t, func(c *Config) { c.CompatibilityDate = "2023-01-01" }, []urlCase{
		{"delete ignores value", `const p = new URLSearchParams("a=b&a=c"); p.delete("a", "b"); p.toString()`, ""},
		{"has ignores value", `String(new URLSearchParams("a=b").has("a", "x"))`, "true"},
	})
	runURLCases(t, func(c *Config) {
		c.CompatibilityDate = "2023-01-01"
		c.CompatibilityFlags = []string{"urlsearchparams_delete_has_value_arg"}
	}, []urlCase{
		{"flag enables value", `String(new URLSearchParams("a=b").has("a", "x"))`, "false"},
	})
}

// BenchmarkJSURL measures what a typical handler does: parse request.url, read a few attributes
// and a query parameter.
func BenchmarkJSURL(b *testing.B) {
	s, err := Compile("bench.js", []byte(`globalThis.work = function () {
		const u = new URL("https://example.com/api/items?id=42&sort=asc#top");
		return u.pathname.length + u.hostname.length + u.searchParams.get("id").length;
	};`), nil)
	if err != nil {
		b.Fatal(err)
	}
	iso, err := NewIsolate(&Config{Script: s})
	if err != nil {
		b.Fatal(err)
	}
	defer iso.Close()
	f, _ := goja.AssertFunction(iso.vm.Get("work"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f(goja.Undefined()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestURLInHandler is the line most examples start with.
func TestURLInHandler(t *testing.T) {
	iso := newTestIsolate(t, `var __molt_exports = { default: { fetch(req) {
		const u = new URL(req.url);
		return new Response(u.pathname + " " + u.searchParams.get("q") + " " + u.origin);
	} } };`, nil)
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/search?q=a+b", nil))
	if err != nil || body != "/search a b http://localhost" {
		t.Fatalf("got %q, %v", body, err)
	}
}
