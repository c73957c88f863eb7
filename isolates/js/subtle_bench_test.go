package js

import (
	"crypto/sha256"
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkSubtleDigest measures crypto.subtle.digest("SHA-256") over 1 MiB called from
// JavaScript, promise and event loop included, against Go's sha256 on the same bytes: the
// difference is what going through the isolate costs.
func BenchmarkSubtleDigest(b *testing.B) {
	const size = 1 << 20
	b.Run("js", func(b *testing.B) {
		s, err := Compile("bench.js", []byte(`const data = new Uint8Array(`+"1 << 20"+`).map((_, i) => i);
			globalThis.digest = () => crypto.subtle.digest("SHA-256", data);
			var __molt_exports = {};`), nil)
		if err != nil {
			b.Fatal(err)
		}
		iso, err := NewIsolate(&Config{Script: s})
		if err != nil {
			b.Fatal(err)
		}
		defer iso.Close()
		fn, ok := goja.AssertFunction(iso.vm.Get("digest"))
		if !ok {
			b.Fatal("digest is not a function")
		}
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			v, err := iso.call(fn, goja.Undefined())
			if err != nil {
				b.Fatal(err)
			}
			out, err := iso.await(v, nil)
			if err != nil {
				b.Fatal(err)
			}
			if ab, ok := out.Export().(goja.ArrayBuffer); !ok || len(ab.Bytes()) != 32 {
				b.Fatalf("digest resolved to %v", out)
			}
		}
	})
	b.Run("go", func(b *testing.B) {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i)
		}
		b.SetBytes(size)
		for b.Loop() {
			sha256.Sum256(data)
		}
	})
}
