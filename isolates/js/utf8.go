package js

import "github.com/dop251/goja"

func init() {
	register("utf8", nil, func(iso *Isolate) map[string]any {
		return map[string]any{
			"encode": func(s string) goja.Value { return iso.vm.ToValue(iso.vm.NewArrayBuffer([]byte(s))) },
			"decode": func(v goja.Value, fatal bool) goja.Value {
				data, ok := iso.chunkBytes(v)
				if !ok {
					iso.throwTypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.")
				}
				s, valid := decodeUTF8(data, fatal)
				if !valid {
					iso.throwTypeError("The encoded data was not valid for encoding utf-8")
				}
				return iso.vm.ToValue(s)
			},
		}
	})
}
