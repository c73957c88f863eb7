package js

import (
	"encoding/base64"

	"github.com/dop251/goja"
)

// Values that leave an isolate (Durable Object storage, RPC) are serialised by
// lib/serialize.js; these natives move ArrayBuffer bytes through base64 in Go, which is
// far faster than a JavaScript loop.
func init() {
	register("serialize", nil, func(iso *Isolate) map[string]any {
		return map[string]any{
			"kind": cloneKind,
			"bufferToBase64": func(v goja.Value) goja.Value {
				ab, ok := v.Export().(goja.ArrayBuffer)
				if !ok || ab.Detached() {
					return goja.Null()
				}
				return iso.vm.ToValue(base64.StdEncoding.EncodeToString(ab.Bytes()))
			},
			"base64ToBuffer": func(s string) goja.Value {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					iso.throwTypeError("Deserialization failed: bad buffer")
				}
				return iso.vm.ToValue(iso.vm.NewArrayBuffer(b))
			},
		}
	})
}
