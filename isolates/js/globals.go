package js

import (
	"encoding/base64"
	"reflect"
	"strings"

	"github.com/dop251/goja"
)

func init() {
	register("globals", []string{"atob", "btoa", "structuredClone", "navigator", "Navigator", "performance", "self"},
		func(iso *Isolate) map[string]any {
			return map[string]any{
				"btoa": func(s string) goja.Value {
					out, ok := encodeLatin1Base64(s)
					if !ok {
						return goja.Null()
					}
					return iso.vm.ToValue(out)
				},
				"atob": func(s string) goja.Value {
					out, ok := forgivingBase64Decode(s)
					if !ok {
						return goja.Null()
					}
					return iso.vm.ToValue(out)
				},
				// now reads the isolate's clock rather than the wall clock: it must agree with
				// Date.now, which only advances between entries into JavaScript.
				"now":            func() float64 { return float64(iso.clock.UnixMilli()) },
				"navigatorLang":  iso.cfg.compat("enable_navigator_language", "disable_navigator_language", "2025-05-19"),
				"enhancedErrors": iso.cfg.compat("enhanced_error_serialization", "legacy_error_serialization", "2026-04-21"),
				"cloneKind":      cloneKind,
				"detach":         func(v goja.Value) { detachBuffer(v) },
				"isDetachedBuffer": func(v goja.Value) bool {
					ab, ok := v.Export().(goja.ArrayBuffer)
					return ok && ab.Detached()
				},
			}
		})
}

// compat reports whether a compatibility behaviour is on: its disable flag wins, then its
// enable flag, then the compatibility date, as in workerd's compatibility-date.capnp.
func (c *Config) compat(enableFlag, disableFlag, date string) bool {
	if c.flag(disableFlag) {
		return false
	}
	if c.flag(enableFlag) {
		return true
	}
	return c.CompatibilityDate != "" && c.CompatibilityDate >= date
}

// encodeLatin1Base64 is btoa: every code unit must fit a byte, since btoa encodes a "binary
// string"; ok is false otherwise. Lone surrogates arrive as U+FFFD and fail the same way.
func encodeLatin1Base64(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return "", false
		}
		b = append(b, byte(r))
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// forgivingBase64Decode is the HTML spec's forgiving-base64 decode: ASCII whitespace anywhere is
// ignored, padding is optional but, when present, must complete a group of four, and the
// unused low bits of the last character are discarded rather than checked. The result is a
// binary string, one character per byte.
func forgivingBase64Decode(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			b = append(b, c)
		}
	}
	if len(b)%4 == 0 {
		if len(b) > 0 && b[len(b)-1] == '=' {
			b = b[:len(b)-1]
			if len(b) > 0 && b[len(b)-1] == '=' {
				b = b[:len(b)-1]
			}
		}
	}
	if len(b)%4 == 1 {
		return "", false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return "", false
		}
	}
	data, err := base64.RawStdEncoding.DecodeString(string(b))
	if err != nil {
		return "", false
	}
	var out strings.Builder
	out.Grow(len(data) * 2)
	for _, c := range data {
		out.WriteRune(rune(c))
	}
	return out.String(), true
}

var (
	proxyType       = reflect.TypeOf(goja.Proxy{})
	promiseType     = reflect.TypeOf((*goja.Promise)(nil))
	arrayBufferType = reflect.TypeOf(goja.ArrayBuffer{})
)

// cloneKind tells structuredClone what an object really is where JavaScript cannot: proxies and
// promises have no brand check, and errors are recognised by their internal class, not their
// prototype. It uses ExportType, which is cheap, never Export, which copies whole arrays.
func cloneKind(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok {
		return ""
	}
	switch o.ExportType() {
	case proxyType:
		return "Proxy"
	case promiseType:
		return "Promise"
	case arrayBufferType:
		return "ArrayBuffer"
	}
	return o.ClassName()
}

// detachBuffer detaches a transferred ArrayBuffer, as postMessage and structuredClone's transfer
// option do.
func detachBuffer(v goja.Value) {
	if ab, ok := v.Export().(goja.ArrayBuffer); ok {
		ab.Detach()
	}
}
