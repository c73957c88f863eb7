package weburl

import "testing"

// The WPT IDNA data leaves out the Bidi Rule cases and has few joiners, so those get their own
// tests here, with Punycode checked against RFC 3492's samples.

func TestPunycodeSamples(t *testing.T) {
	cases := []struct{ unicode, puny string }{
		{"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"},
		{"他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"},
		{"Pročprostěnemluvíčesky", "Proprostnemluvesky-uyb24dma41a"},
		{"3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"},
		{"安室奈美恵-with-SUPER-MONKEYS", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"},
		{"-> $1.00 <-", "-> $1.00 <--"},
		{"ü", "tda"},
	}
	for _, c := range cases {
		if got, ok := punycodeEncode(c.unicode); !ok || got != c.puny {
			t.Errorf("encode(%q) = %q, %v; want %q", c.unicode, got, ok, c.puny)
		}
		if got, ok := punycodeDecode(c.puny); !ok || got != c.unicode {
			t.Errorf("decode(%q) = %q, %v; want %q", c.puny, got, ok, c.unicode)
		}
	}
	for _, bad := range []string{"a-99999999999", "-a", "!", "a-\u00e9", "9999999999a"} {
		if got, ok := punycodeDecode(bad); ok {
			t.Errorf("decode(%q) = %q, want failure", bad, got)
		}
	}
}

func TestUTS46BidiAndJoiners(t *testing.T) {
	cases := []struct {
		name, host string
		ok         bool
	}{
		{"rtl label", "\u05d0\u05d1.com", true},
		{"rtl label ending in a digit", "\u0627\u0661.com", true},
		{"rtl label starting with a digit", "1\u05d0.com", false},
		{"ltr letter in an rtl label", "\u05d0a.com", false},
		{"rtl letter in an ltr label", "a\u05d0.com", false},
		{"ltr label in a bidi domain must not start with a digit", "1a.\u05d0", false},
		{"ltr domain may start with a digit", "1\u00e9.com", true},
		{"EN and AN mixed", "\u0627\u0661\u0031.com", false},
		{"rtl label ending in NSM", "\u05d0\u05b7.com", true},
		{"zwnj between dual-joining letters", "\u0628\u200c\u0628.com", true},
		{"zwnj after transparent marks", "\u0628\u064b\u200c\u064b\u0628.com", true},
		{"zwnj between latin letters", "\u00e9\u200cb.com", false},
		{"zwnj after virama", "\u0915\u094d\u200c\u0937.com", true},
		{"zwj after virama", "\u0915\u094d\u200d\u0937.com", true},
		{"zwj without virama", "\u00e9\u200db.com", false},
		{"leading combining mark", "\u0301a.com", false},
		{"disallowed", "a\u2028b\u00e9.com", false},
		{"ignored soft hyphen", "\u00e9\u00adb.com", true},
		{"punycode with uppercase", "\u00e9.xn--Zca", true},
		{"punycode decoding to ascii", "\u00e9.xn--abc-", false},
		{"empty punycode", "\u00e9.xn--", false},
		{"punycode not nfc", "\u00e9.xn--a-xbb", false},
	}
	for _, c := range cases {
		got, ok := uts46ToASCII(c.host)
		if ok != c.ok {
			t.Errorf("%s: uts46ToASCII(%q) = %q, %v; want ok %v", c.name, c.host, got, ok, c.ok)
		}
	}
}
