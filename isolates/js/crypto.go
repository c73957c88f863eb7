package js

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/dop251/goja"
)

// subtleLibrary is the library that will provide crypto.subtle. It is looked up when the crypto
// library loads, so that adding SubtleCrypto only takes registering a library of that name whose
// exports hold the instance as "subtle".
const subtleLibrary = "subtle"

func init() {
	register("crypto", []string{"crypto", "Crypto"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			// fill takes a Uint8Array over exactly the bytes to randomise, which the library
			// builds from the view's intrinsic buffer, offset and length.
			"fill": func(v goja.Value) {
				if b, ok := v.Export().([]byte); ok {
					_, _ = rand.Read(b)
				}
			},
			"randomUUID": randomUUID,
			"hasSubtle":  libraries[subtleLibrary] != nil,
		}
	})
}

// randomUUID returns an RFC 9562 version 4 UUID in its lowercase hyphenated form.
func randomUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
