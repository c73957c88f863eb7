package js

import (
	"fmt"
	"regexp"
	"testing"
)

func TestCrypto(t *testing.T) {
	const mismatch = "ArrayBufferView argument to getRandomValues() must be an integer-typed view."
	cases := []jsCase{
		{name: "fills integer views", body: `return [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array].map(T => {
			const a = new T(64); const r = crypto.getRandomValues(a); return r === a && a.some(x => x != 0); });`,
			want: `[true,true,true,true,true,true,true,true,true]`},
		{name: "fills only the view", body: `const buf = new Uint8Array(16); crypto.getRandomValues(new Uint8Array(buf.buffer, 4, 8));
			return [buf.slice(0, 4).every(x => x === 0), buf.slice(12).every(x => x === 0), buf.slice(4, 12).some(x => x !== 0)];`,
			want: `[true,true,true]`},
		{name: "64K is allowed", body: `return crypto.getRandomValues(new Uint8Array(65536)).length;`, want: `65536`},
		{name: "empty", body: `return crypto.getRandomValues(new Uint32Array(0)).length;`, want: `0`},
		{name: "over 64K", body: `return crypto.getRandomValues(new Uint32Array(16385));`, errName: "QuotaExceededError",
			errMsg: "getRandomValues() only accepts buffers of size <= 64K but provided 65540 bytes.", dom: true},
		{name: "float", body: `return crypto.getRandomValues(new Float64Array(1));`, errName: "TypeMismatchError", errMsg: mismatch, dom: true},
		{name: "float32", body: `return crypto.getRandomValues(new Float32Array(1));`, errName: "TypeMismatchError", errMsg: mismatch, dom: true},
		{name: "DataView", body: `return crypto.getRandomValues(new DataView(new ArrayBuffer(4)));`, errName: "TypeMismatchError", errMsg: mismatch, dom: true},
		{name: "not a view", body: `return crypto.getRandomValues([1, 2]);`, errName: "TypeError",
			errMsg: "Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'."},
		{name: "ArrayBuffer", body: `return crypto.getRandomValues(new ArrayBuffer(4));`, errName: "TypeError",
			errMsg: "Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'."},
		{name: "detached this", body: `const { getRandomValues } = crypto; return getRandomValues(new Uint8Array(1));`, errName: "TypeError", errMsg: "Illegal invocation"},
		{name: "randomUUID shape", body: `const ids = Array.from({ length: 50 }, () => crypto.randomUUID());
			return [ids.every(id => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), new Set(ids).size];`,
			want: `[true,50]`},
		{name: "Crypto class", body: `return [crypto instanceof Crypto, String(crypto), typeof crypto.getRandomValues];`,
			want: `[true,"[object Crypto]","function"]`},
		// crypto.subtle exists exactly when a SubtleCrypto library is registered.
		{name: "subtle", body: `return "subtle" in crypto;`, want: fmt.Sprint(libraries[subtleLibrary] != nil)},
		{name: "Crypto not constructible", body: `return new Crypto();`, errName: "TypeError", errMsg: "Illegal constructor"},
	}
	runJSCases(t, cases)
}

func TestRandomUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for i := 0; i < 100; i++ {
		if u := randomUUID(); !re.MatchString(u) {
			t.Fatalf("randomUUID() = %q", u)
		}
	}
}
