package js

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// subtleHelpers is prepended to the JavaScript of these tests.
const subtleHelpers = `const S = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array((s.match(/../g) || []).map((x) => parseInt(x, 16)));
const te = (s) => new TextEncoder().encode(s);
const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const raw = (alg, bytes, usages, ext = true) => S.importKey("raw", typeof bytes === "string" ? unhex(bytes) : bytes, alg, ext, usages);
`

func subtleCases(t *testing.T, cases []jsCase) {
	t.Helper()
	for i := range cases {
		cases[i].body = "return (async () => {\n" + subtleHelpers + cases[i].body + "\n})();"
	}
	runJSCases(t, cases)
}

const (
	cbcKey      = "2b7e151628aed2a6abf7158809cf4f3c"
	ed25519Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	ed25519Pub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	ed25519Sig  = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

func TestSubtleKnownAnswers(t *testing.T) {
	cases := []jsCase{
		// FIPS 180 and RFC 1321 "abc" vectors.
		{name: "digest abc", body: `return Promise.all(["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"].map(async (h) => hex(await S.digest(h, te("abc")))));`,
			want: `["a9993e364706816aba3e25717850c26c9cd0d89d","ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",` +
				`"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",` +
				`"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",` +
				`"900150983cd24fb0d6963f7d28e17f72"]`},
		{name: "digest names and sources", body: `const d = new Uint8Array([0, 97, 98, 99, 0]);
			return [hex(await S.digest("sha-256", new Uint8Array(0))), hex(await S.digest({ name: "Sha-1" }, new DataView(d.buffer, 1, 3))),
				hex(await S.digest({ name: "SHA-1" }, d.buffer.slice(1, 4)))];`,
			want: `["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","a9993e364706816aba3e25717850c26c9cd0d89d","a9993e364706816aba3e25717850c26c9cd0d89d"]`},
		{name: "digest copies its input at call time", body: `const d = te("abc"); const p = S.digest("SHA-1", d); d.fill(0); return hex(await p);`,
			want: `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		// RFC 4231 test case 2.
		{name: "HMAC RFC 4231", body: `const out = [];
			for (const h of ["SHA-256", "SHA-512"]) {
				const k = await raw({ name: "HMAC", hash: h }, te("Jefe"), ["sign", "verify"]);
				const sig = await S.sign("HMAC", k, te("what do ya want for nothing?"));
				out.push(hex(sig), await S.verify("HMAC", k, sig, te("what do ya want for nothing?")), await S.verify("HMAC", k, sig, te("what do ya want for nothing!")),
					await S.verify("HMAC", k, sig.slice(1), te("what do ya want for nothing?")));
			}
			return out;`,
			want: `["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",true,false,false,` +
				`"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",true,false,false]`},
		{name: "HMAC JWK import", body: `const k = await S.importKey("jwk", { kty: "oct", k: b64u(te("Jefe")), alg: "HS256" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
			return [hex(await S.sign("HMAC", k, te("what do ya want for nothing?"))), k.algorithm];`,
			want: `["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",{"name":"HMAC","length":32,"hash":{"name":"SHA-256"}}]`},
		// McGrew and Viega's GCM test cases 1 and 2.
		{name: "AES-GCM", body: `const k = await raw("AES-GCM", "00000000000000000000000000000000", ["encrypt", "decrypt"]);
			const iv = new Uint8Array(12);
			const ct = await S.encrypt({ name: "AES-GCM", iv }, k, new Uint8Array(16));
			const ct96 = await S.encrypt({ name: "AES-GCM", iv, tagLength: 96 }, k, new Uint8Array(16));
			return [hex(await S.encrypt({ name: "AES-GCM", iv }, k, new Uint8Array(0))), hex(ct), hex(ct96),
				hex(await S.decrypt({ name: "AES-GCM", iv }, k, ct)), hex(await S.decrypt({ name: "AES-GCM", iv, tagLength: 96 }, k, ct96))];`,
			want: `["58e2fccefa7e3061367f1d57a4e7455a","0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf",` +
				`"0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b2","00000000000000000000000000000000","00000000000000000000000000000000"]`},
		{name: "AES-GCM short tags, long IV and additional data", body: `const k = await S.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
			const out = [];
			for (const tagLength of [32, 64, 96, 104, 112, 120, 128]) {
				const a = { name: "AES-GCM", iv: new Uint8Array(60).fill(7), additionalData: te("hdr"), tagLength };
				const ct = new Uint8Array(await S.encrypt(a, k, te("attack at dawn")));
				const ok = new TextDecoder().decode(await S.decrypt(a, k, ct)) === "attack at dawn";
				ct[ct.length - 1] ^= 1;
				const bad = await S.decrypt(a, k, ct).then(() => "accepted", (e) => e.name);
				const wrongAAD = await S.decrypt({ ...a, additionalData: te("hdR") }, k, (ct[ct.length - 1] ^= 1, ct)).then(() => "accepted", (e) => e.name);
				out.push([ct.length - 14, ok, bad, wrongAAD]);
			}
			return out;`,
			want: `[[4,true,"OperationError","OperationError"],[8,true,"OperationError","OperationError"],[12,true,"OperationError","OperationError"],` +
				`[13,true,"OperationError","OperationError"],[14,true,"OperationError","OperationError"],[15,true,"OperationError","OperationError"],[16,true,"OperationError","OperationError"]]`},
		// NIST SP 800-38A F.2.1 (the first block; WebCrypto adds a block of PKCS#7 padding).
		{name: "AES-CBC", body: `const k = await raw("AES-CBC", "` + cbcKey + `", ["encrypt", "decrypt"]);
			const a = { name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f") };
			const ct = await S.encrypt(a, k, unhex("6bc1bee22e409f96e93d7e117393172a"));
			return [ct.byteLength, hex(ct).slice(0, 32), hex(await S.decrypt(a, k, ct)), (await S.encrypt(a, k, new Uint8Array(0))).byteLength];`,
			want: `[32,"7649abac8119b246cee98e9b12e9197d","6bc1bee22e409f96e93d7e117393172a",16]`},
		// NIST SP 800-38A F.5.1.
		{name: "AES-CTR", body: `const k = await raw("AES-CTR", "` + cbcKey + `", ["encrypt", "decrypt"]);
			const a = { name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64 };
			const ct = await S.encrypt(a, k, unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"));
			return [hex(ct), hex(await S.decrypt(a, k, ct))];`,
			want: `["874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff","6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"]`},
		{name: "AES-CTR counter wraps within its length", body: `const k = await raw("AES-CTR", "` + cbcKey + `", ["encrypt"]);
			const two = await S.encrypt({ name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 8 }, k, new Uint8Array(32));
			const second = await S.encrypt({ name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00"), length: 8 }, k, new Uint8Array(16));
			const carried = await S.encrypt({ name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdff00"), length: 16 }, k, new Uint8Array(16));
			return [hex(two).slice(32) === hex(second), hex(two).slice(32) === hex(carried)];`,
			want: `[true,false]`},
		// RFC 3394 section 4.1.
		{name: "AES-KW", body: `const kek = await raw("AES-KW", "000102030405060708090a0b0c0d0e0f", ["wrapKey", "unwrapKey"]);
			const key = await raw("AES-GCM", "00112233445566778899aabbccddeeff", ["encrypt"]);
			const wrapped = await S.wrapKey("raw", key, kek, "AES-KW");
			const back = await S.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
			return [hex(wrapped), hex(await S.exportKey("raw", back)), back.usages];`,
			want: `["1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5","00112233445566778899aabbccddeeff",["decrypt"]]`},
		// RFC 6070, and the SHA-256 counterpart of its first case.
		{name: "PBKDF2", body: `const k = await raw("PBKDF2", te("password"), ["deriveBits"], false);
			const out = [];
			for (const iterations of [1, 2, 4096]) out.push(hex(await S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: te("salt"), iterations }, k, 160)));
			out.push(hex(await S.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: te("salt"), iterations: 1 }, k, 256)));
			return out;`,
			want: `["0c60c80f961f0e71f3a9b524af6012062fe037a6","ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957","4b007901b765489abead49d926f721d065a429c1",` +
				`"120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"]`},
		// RFC 5869 test case 1.
		{name: "HKDF", body: `const k = await raw("HKDF", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ["deriveBits"], false);
			return hex(await S.deriveBits({ name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9") }, k, 336));`,
			want: `"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"`},
		// RFC 8032 section 7.1, test 1, under both of workerd's names.
		{name: "Ed25519", body: `const out = [];
			for (const alg of [{ name: "Ed25519" }, { name: "NODE-ED25519", namedCurve: "NODE-ED25519" }]) {
				const priv = await S.importKey("jwk", { kty: "OKP", crv: "Ed25519", d: b64u(unhex("` + ed25519Seed + `")), x: b64u(unhex("` + ed25519Pub + `")) }, alg, false, ["sign"]);
				const pub = await raw(alg, "` + ed25519Pub + `", ["verify"]);
				const sig = await S.sign(alg.name, priv, new Uint8Array(0));
				out.push(hex(sig), await S.verify(alg, pub, sig, new Uint8Array(0)), await S.verify(alg, pub, sig, new Uint8Array(1)), pub.algorithm);
			}
			return out;`,
			want: `["` + ed25519Sig + `",true,false,{"name":"Ed25519"},"` + ed25519Sig + `",true,false,{"name":"NODE-ED25519","namedCurve":"NODE-ED25519"}]`},
		// RFC 7748 section 6.1.
		{name: "X25519", body: `const alice = await S.importKey("jwk", { kty: "OKP", crv: "X25519", d: b64u(unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")),
				x: b64u(unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")) }, "X25519", false, ["deriveBits"]);
			const bob = await raw("X25519", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", []);
			return [hex(await S.deriveBits({ name: "X25519", public: bob }, alice, null)), hex(await S.deriveBits({ name: "X25519", public: bob }, alice, 12))];`,
			want: `["4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742","4a50"]`},
		{name: "wrap a JWK with AES-GCM", body: `const w = await raw("AES-GCM", new Uint8Array(16), ["wrapKey", "unwrapKey"]);
			const key = await raw({ name: "HMAC", hash: "SHA-1" }, te("Jefe"), ["sign"]);
			const a = { name: "AES-GCM", iv: new Uint8Array(12) };
			const wrapped = await S.wrapKey("jwk", key, w, a);
			const plain = new TextDecoder().decode(await S.decrypt(a, await raw("AES-GCM", new Uint8Array(16), ["decrypt"]), wrapped));
			const back = await S.unwrapKey("jwk", wrapped, w, a, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
			return [plain, back.extractable, back.algorithm, hex(await S.sign("HMAC", back, te("x"))) === hex(await S.sign("HMAC", key, te("x")))];`,
			want: `["{\"kty\":\"oct\",\"key_ops\":[\"sign\"],\"alg\":\"HS1\",\"ext\":true,\"k\":\"SmVmZQ\"}",false,{"name":"HMAC","length":32,"hash":{"name":"SHA-1"}},true]`},
		{name: "deriveKey PBKDF2 to AES-GCM and HMAC", body: `const k = await raw("PBKDF2", te("password"), ["deriveKey"], false);
			const p = { name: "PBKDF2", hash: "SHA-1", salt: te("salt"), iterations: 2 };
			const aes = await S.deriveKey(p, k, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
			const mac = await S.deriveKey(p, k, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
			return [hex(await S.exportKey("raw", aes)), aes.algorithm, mac.algorithm.length, hex(await S.exportKey("raw", mac)).slice(0, 40)];`,
			want: `["ea6c014dc72d6f8ccd1ed92ace1d41f0",{"name":"AES-GCM","length":128},512,"ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"]`},
	}
	subtleCases(t, cases)
}

func TestSubtleErrors(t *testing.T) {
	const decryptFailed = "Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason. "
	aes := `const k = await S.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt", "decrypt"]);`
	ec := `const ec = await S.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);`
	cases := []jsCase{
		{name: "digest unknown", body: `return S.digest("SHA-3", new Uint8Array(1));`, errName: "NotSupportedError", errMsg: "Unrecognized or unimplemented digest algorithm requested.", dom: true},
		{name: "digest of a string", body: `return S.digest("SHA-256", "abc");`, errName: "TypeError",
			errMsg: "Failed to execute 'digest' on 'SubtleCrypto': parameter 2 is not of type 'ArrayBuffer or ArrayBufferView'."},
		{name: "digest without arguments", body: `return S.digest();`, errName: "TypeError", errMsg: "Failed to execute 'digest' on 'SubtleCrypto': 2 arguments required, but only 0 present."},
		{name: "detached method", body: `const { digest } = S; return digest("SHA-1", new Uint8Array(0));`, errName: "TypeError", errMsg: "Illegal invocation"},
		{name: "algorithm without name", body: `return S.digest({}, new Uint8Array(0));`, errName: "TypeError", errMsg: `Missing field "name" in "algorithm".`},
		{name: "generate unknown", body: `return S.generateKey({ name: "FOO" }, true, ["sign"]);`, errName: "NotSupportedError", errMsg: `Unrecognized key generation algorithm "FOO" requested.`, dom: true},
		{name: "generate PBKDF2", body: `return S.generateKey("PBKDF2", false, ["deriveBits"]);`, errName: "NotSupportedError", errMsg: `Unrecognized key generation algorithm "PBKDF2" requested.`, dom: true},
		{name: "generate with invalid usage", body: `return S.generateKey({ name: "aes-gcm", length: 128 }, true, ["sign"]);`, errName: "SyntaxError",
			errMsg: `Attempt to generate AES-GCM key with invalid usage "sign".`, dom: true},
		{name: "generate with unknown usage", body: `return S.generateKey({ name: "HMAC", hash: "SHA-1" }, true, ["sing"]);`, errName: "SyntaxError",
			errMsg: `Attempt to generate HMAC key with invalid usage "sing".`, dom: true},
		{name: "usages not a sequence", body: `return S.generateKey({ name: "HMAC", hash: "SHA-1" }, true, "sign");`, errName: "TypeError",
			errMsg: "Failed to execute 'generateKey' on 'SubtleCrypto': parameter 3 is not of type 'Array'."},
		{name: "secret key without usages", body: `return S.generateKey({ name: "HMAC", hash: "SHA-256" }, true, []);`, errName: "SyntaxError",
			errMsg: "Secret/private CryptoKeys must have at least one usage.", dom: true},
		{name: "pair without private usages", body: `return S.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);`, errName: "SyntaxError",
			errMsg: "Attempt to generate asymmetric keys with no valid private key usages.", dom: true},
		{name: "AES length", body: `return S.generateKey({ name: "AES-GCM", length: 100 }, true, ["encrypt"]);`, errName: "OperationError",
			errMsg: "Generated AES key length must be 128, 192, or 256 bits but requested 100.", dom: true},
		{name: "AES without length", body: `return S.generateKey("AES-CBC", true, ["encrypt"]);`, errName: "TypeError", errMsg: `Missing field "length" in "algorithm".`},
		{name: "HMAC without hash", body: `return S.generateKey("HMAC", true, ["sign"]);`, errName: "TypeError", errMsg: `Missing field "hash" in "algorithm".`},
		{name: "HMAC with unknown hash", body: `return S.generateKey({ name: "HMAC", hash: "SHA-3" }, true, ["sign"]);`, errName: "NotSupportedError",
			errMsg: "Unrecognized or unimplemented digest algorithm requested.", dom: true},
		{name: "import AES of 80 bits", body: `return raw("AES-GCM", new Uint8Array(10), ["encrypt"]);`, errName: "DataError",
			errMsg: "Imported AES key length must be 128, 192, or 256 bits but provided 80.", dom: true},
		{name: "import format unknown", body: `return S.importKey("pem", new Uint8Array(16), "AES-GCM", true, ["encrypt"]);`, errName: "NotSupportedError",
			errMsg: `Unrecognized key import format "pem".`, dom: true},
		{name: "import raw from a string", body: `return S.importKey("raw", "0123456789abcdef", "AES-GCM", true, ["encrypt"]);`, errName: "TypeError",
			errMsg: `Import data provided for "raw", "pkcs8", or "spki" import formats must be a buffer source.`},
		{name: "import jwk from a buffer", body: `return S.importKey("jwk", new Uint8Array(16), "AES-GCM", true, ["encrypt"]);`, errName: "TypeError",
			errMsg: `Import data provided for "jwk" import format must be a JsonWebKey.`},
		{name: "import unknown algorithm", body: `return raw("FOO", new Uint8Array(16), ["encrypt"]);`, errName: "NotSupportedError",
			errMsg: `Unrecognized key import algorithm "FOO" requested.`, dom: true},
		{name: "import AES as spki", body: `return S.importKey("spki", new Uint8Array(16), "AES-GCM", true, ["encrypt"]);`, errName: "NotSupportedError",
			errMsg: `Unrecognized key import format "spki".`, dom: true},
		{name: "import private usage on public key", body: `return raw({ name: "ECDSA", namedCurve: "P-256" }, new Uint8Array(65), ["sign"]);`, errName: "SyntaxError",
			errMsg: `Attempt to import public ECDSA key with invalid usage "sign".`, dom: true},
		{name: "import bad EC point", body: `return raw({ name: "ECDSA", namedCurve: "P-256" }, new Uint8Array(65), ["verify"]);`, errName: "DataError",
			errMsg: "Failed to import raw EC key data", dom: true},
		{name: "import bad spki", body: `return S.importKey("spki", new Uint8Array(20), { name: "RSA-PSS", hash: "SHA-256" }, true, ["verify"]);`, errName: "DataError",
			errMsg: "Invalid SPKI input.", dom: true},
		{name: "jwk ext false", body: `return S.importKey("jwk", { kty: "oct", k: "AAAA", ext: false }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);`, errName: "DataError",
			errMsg: `JWK ext field for "HMAC" is set to false but extractable is true`, dom: true},
		{name: "jwk HMAC alg mismatch", body: `return S.importKey("jwk", { kty: "oct", k: "AAAA", alg: "HS512" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);`, errName: "DataError",
			errMsg: `HMAC "jwk" key import specifies "alg" that is incompatible with the hash name (encountered "HS512", expected "HS256").`, dom: true},
		{name: "jwk AES kty", body: `return S.importKey("jwk", { kty: "EC", k: "AAAA" }, "AES-CBC", true, ["encrypt"]);`, errName: "DataError",
			errMsg: `Symmetric "jwk" key import requires a JSON Web Key with Key Type parameter "kty" equal to "oct" (encountered "EC").`, dom: true},
		{name: "jwk key_ops missing a usage", body: `return S.importKey("jwk", { kty: "oct", k: b64u(new Uint8Array(16)), key_ops: ["encrypt"] }, "AES-CBC", true, ["encrypt", "decrypt"]);`,
			errName: "DataError", errMsg: `"jwk" key missing usage "decrypt", in "key_ops".`, dom: true},
		{name: "PBKDF2 extractable", body: `return raw("PBKDF2", te("pw"), ["deriveBits"], true);`, errName: "SyntaxError", errMsg: "PBKDF2 key cannot be extractable.", dom: true},
		{name: "export non-extractable", body: aes + `return S.exportKey("raw", k);`, errName: "InvalidAccessError", errMsg: "Attempt to export non-extractable AES-GCM key.", dom: true},
		{name: "export something else", body: `return S.exportKey("raw", {});`, errName: "TypeError", errMsg: "Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'."},
		{name: "algorithm mismatch", body: aes + `return S.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, k, new Uint8Array(1));`, errName: "InvalidAccessError",
			errMsg: `Requested algorithm "AES-CBC" does not match this CryptoKey's algorithm "AES-GCM".`, dom: true},
		{name: "usage mismatch", body: `const k = await S.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]); return S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(16));`,
			errName: "InvalidAccessError", errMsg: `Requested key usage "decrypt" does not match any usage listed in this CryptoKey.`, dom: true},
		{name: "GCM tampered", body: aes + `const a = { name: "AES-GCM", iv: new Uint8Array(12) }; const ct = new Uint8Array(await S.encrypt(a, k, new Uint8Array(16))); ct[0] ^= 1; return S.decrypt(a, k, ct);`,
			errName: "OperationError", errMsg: decryptFailed + "Input length was 16, output length expected to be 16 for AES-GCM", dom: true},
		{name: "GCM without iv", body: aes + `return S.encrypt("AES-GCM", k, new Uint8Array(1));`, errName: "TypeError", errMsg: `Missing field "iv" in "algorithm".`},
		{name: "GCM empty iv", body: aes + `return S.encrypt({ name: "AES-GCM", iv: new Uint8Array(0) }, k, new Uint8Array(1));`, errName: "OperationError", errMsg: "AES-GCM IV must not be empty.", dom: true},
		{name: "GCM tag length", body: aes + `return S.encrypt({ name: "AES-GCM", iv: new Uint8Array(12), tagLength: 100 }, k, new Uint8Array(1));`, errName: "OperationError",
			errMsg: "Invalid AES-GCM tag length 100.", dom: true},
		{name: "GCM ciphertext shorter than the tag", body: aes + `return S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(8));`, errName: "OperationError",
			errMsg: "Ciphertext length of 64 bits must be greater than or equal to the size of the AES-GCM tag length of 128 bits.", dom: true},
		{name: "GCM iv not a buffer", body: aes + `return S.encrypt({ name: "AES-GCM", iv: [1, 2] }, k, new Uint8Array(1));`, errName: "TypeError",
			errMsg: `"iv" in "algorithm" is not of type 'ArrayBuffer or ArrayBufferView'.`},
		{name: "CBC short iv", body: `const k = await raw("AES-CBC", new Uint8Array(16), ["encrypt"]); return S.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, k, new Uint8Array(1));`,
			errName: "OperationError", errMsg: "AES-CBC IV must be 16 bytes long (provided 8 bytes).", dom: true},
		{name: "CBC bad padding", body: `const k = await raw("AES-CBC", new Uint8Array(16), ["encrypt", "decrypt"]); const a = { name: "AES-CBC", iv: new Uint8Array(16) };
			const ct = new Uint8Array(await S.encrypt(a, k, new Uint8Array(20))); ct[31] ^= 0x55; return S.decrypt(a, k, ct);`,
			errName: "OperationError", errMsg: decryptFailed + "Input length was 32, output length expected to be 16 for AES-CBC", dom: true},
		{name: "CTR counter length", body: `const k = await raw("AES-CTR", new Uint8Array(16), ["encrypt"]); return S.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 0 }, k, new Uint8Array(1));`,
			errName: "OperationError", errMsg: "Invalid counter of 0 bits length provided.", dom: true},
		{name: "CTR counter repeats", body: `const k = await raw("AES-CTR", new Uint8Array(16), ["encrypt"]); return S.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 1 }, k, new Uint8Array(48));`,
			errName: "OperationError", errMsg: "Counter block values will repeat", dom: true},
		{name: "CTR without counter", body: `const k = await raw("AES-CTR", new Uint8Array(16), ["encrypt"]); return S.encrypt({ name: "AES-CTR", length: 64 }, k, new Uint8Array(1));`,
			errName: "TypeError", errMsg: `Missing "counter" member in "algorithm".`},
		{name: "KW tampered", body: `const kek = await raw("AES-KW", new Uint8Array(16), ["wrapKey", "unwrapKey"]); const key = await raw("AES-CBC", new Uint8Array(16), ["encrypt"]);
			const w = new Uint8Array(await S.wrapKey("raw", key, kek, "AES-KW")); w[3] ^= 1; return S.unwrapKey("raw", w, kek, "AES-KW", "AES-CBC", true, ["encrypt"]);`,
			errName: "OperationError", errMsg: "AES-KW key unwrapping failed", dom: true},
		{name: "wrap a non-extractable key", body: `const kek = await raw("AES-KW", new Uint8Array(16), ["wrapKey"]); const key = await raw("AES-CBC", new Uint8Array(16), ["encrypt"], false);
			return S.wrapKey("raw", key, kek, "AES-KW");`, errName: "InvalidAccessError", errMsg: "Attempt to export non-extractable AES-CBC key.", dom: true},
		{name: "unwrap corrupt JWK", body: `const k = await raw("AES-GCM", new Uint8Array(16), ["encrypt", "unwrapKey"]); const a = { name: "AES-GCM", iv: new Uint8Array(12) };
			const ct = await S.encrypt(a, k, te("{not json")); return S.unwrapKey("jwk", ct, k, a, "AES-GCM", true, ["encrypt"]);`,
			errName: "DataError", errMsg: `Missing "kty" field or corrupt JSON unwrapping key?`, dom: true},
		{name: "PBKDF2 null length", body: `const k = await raw("PBKDF2", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: te("s"), iterations: 1 }, k, null);`,
			errName: "OperationError", errMsg: "PBKDF2 cannot derive a key with null length.", dom: true},
		{name: "PBKDF2 iteration cap", body: `const k = await raw("PBKDF2", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: te("s"), iterations: 100001 }, k, 128);`,
			errName: "NotSupportedError", errMsg: "Pbkdf2 failed: iteration counts above 100000 are not supported (requested 100001).", dom: true},
		{name: "PBKDF2 without salt", body: `const k = await raw("PBKDF2", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "PBKDF2", hash: "SHA-1", iterations: 1 }, k, 128);`,
			errName: "TypeError", errMsg: `Missing field "salt" in "algorithm".`},
		{name: "HKDF length", body: `const k = await raw("HKDF", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "HKDF", hash: "SHA-256", salt: te(""), info: te("") }, k, 7);`,
			errName: "OperationError", errMsg: "HKDF requires a derived key length that is a multiple of eight (requested 7).", dom: true},
		{name: "HKDF too long", body: `const k = await raw("HKDF", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "HKDF", hash: "SHA-256", salt: te(""), info: te("") }, k, 256 * 8 * 32);`,
			errName: "OperationError", errMsg: "HKDF deriveBits failed.", dom: true},
		{name: "negative deriveBits length", body: `const k = await raw("HKDF", te("pw"), ["deriveBits"], false); return S.deriveBits({ name: "HKDF", hash: "SHA-256", salt: te(""), info: te("") }, k, -8);`,
			errName: "TypeError", errMsg: "deriveBits length must be an unsigned long integer."},
		{name: "deriveKey to ECDSA", body: `const k = await raw("HKDF", te("pw"), ["deriveKey"], false); return S.deriveKey({ name: "HKDF", hash: "SHA-256", salt: te(""), info: te("") }, k, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);`,
			errName: "NotSupportedError", errMsg: `Unrecognized derived key type "ECDSA" requested.`, dom: true},
		{name: "deriveKey AES length", body: `const k = await raw("HKDF", te("pw"), ["deriveKey"], false); return S.deriveKey({ name: "HKDF", hash: "SHA-256", salt: te(""), info: te("") }, k, { name: "AES-GCM", length: 64 }, true, ["encrypt"]);`,
			errName: "OperationError", errMsg: "Derived AES key must be 128, 192, or 256 bits in length but provided 64.", dom: true},
		{name: "ECDSA without hash", body: ec + `return S.sign("ECDSA", ec.privateKey, new Uint8Array(1));`, errName: "TypeError",
			errMsg: `Missing "hash" in AlgorithmIdentifier. (ECDSA requires that the hash algorithm be specified at call time rather than on the key. This differs from other WebCrypto algorithms for historical reasons.)`},
		{name: "unknown curve", body: `return S.generateKey({ name: "ECDSA", namedCurve: "P-192" }, true, ["sign"]);`, errName: "NotSupportedError",
			errMsg: `Unrecognized or unimplemented EC curve "P-192" requested.`, dom: true},
		{name: "EC without curve", body: `return S.generateKey({ name: "ECDH" }, true, ["deriveBits"]);`, errName: "TypeError", errMsg: `Missing field "namedCurve" in "algorithm".`},
		{name: "raw export of an EC private key", body: ec + `return S.exportKey("raw", ec.privateKey);`, errName: "InvalidAccessError",
			errMsg: "Raw export of elliptic curve keys is only allowed for public keys.", dom: true},
		{name: "spki export of a private key", body: ec + `return S.exportKey("spki", ec.privateKey);`, errName: "InvalidAccessError",
			errMsg: `Asymmetric spki export requires public key (not "private").`, dom: true},
		{name: "pkcs8 export of a public key", body: ec + `return S.exportKey("pkcs8", ec.publicKey);`, errName: "InvalidAccessError",
			errMsg: `Asymmetric pkcs8 export requires private key (not "public").`, dom: true},
		{name: "NODE-ED25519 without curve", body: `return S.generateKey("NODE-ED25519", true, ["sign", "verify"]);`, errName: "TypeError", errMsg: `Missing field "namedCurve" in "algorithm".`},
		{name: "NODE-ED25519 other curve", body: `return S.generateKey({ name: "NODE-ED25519", namedCurve: "Ed448" }, true, ["sign", "verify"]);`, errName: "NotSupportedError",
			errMsg: `EDDSA curve "Ed448" isn't supported.`, dom: true},
		{name: "Ed25519 signature length", body: `const k = await S.generateKey("Ed25519", true, ["sign", "verify"]); return S.verify("Ed25519", k.publicKey, new Uint8Array(63), new Uint8Array(1));`,
			errName: "OperationError", errMsg: "Invalid Ed25519 signature length 63", dom: true},
		{name: "Ed25519 raw key length", body: `return raw("Ed25519", new Uint8Array(31), ["verify"]);`, errName: "DataError", errMsg: "Ed25519 raw keys must be exactly 32-bytes (provided 31).", dom: true},
		{name: "ECDH curves differ", body: `const a = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]); const b = await S.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
			return S.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 128);`, errName: "InvalidAccessError",
			errMsg: `Private key for derivation is using curve "P-256" while public key is using "P-384".`, dom: true},
		{name: "ECDH with a private peer", body: `const a = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
			return S.deriveBits({ name: "ECDH", public: a.privateKey }, a.privateKey, 128);`, errName: "InvalidAccessError", errMsg: `The provided key has type "private", not "public"`, dom: true},
		{name: "ECDH without public", body: `const a = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]); return S.deriveBits("ECDH", a.privateKey, 128);`,
			errName: "TypeError", errMsg: `Missing field "public" in "derivedKeyParams".`},
		{name: "X25519 too long", body: `const a = await S.generateKey("X25519", true, ["deriveBits"]); return S.deriveBits({ name: "X25519", public: a.publicKey }, a.privateKey, 512);`,
			errName: "OperationError", errMsg: "Derived key length (512 bits) is too long (should be at most 256 bits).", dom: true},
		{name: "X25519 small order point", body: `const a = await S.generateKey("X25519", true, ["deriveBits"]); const zero = await raw("X25519", new Uint8Array(32), []);
			return S.deriveBits({ name: "X25519", public: zero }, a.privateKey, null);`,
			errName: "OperationError", errMsg: "Detected small order secure curve points, aborting EDDH derivation", dom: true},
		{name: "RSA exponent", body: `return S.generateKey({ name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([5]), hash: "SHA-256" }, true, ["sign"]);`,
			errName: "OperationError", errMsg: `The "publicExponent" must be either 3 or 65537, but got 5.`, dom: true},
		{name: "RSA modulus length", body: `return S.generateKey({ name: "RSA-PSS", modulusLength: 1001, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign"]);`,
			errName: "OperationError", errMsg: "The modulus length must be a multiple of 8 and between 256 and 16k, but 1001 was requested.", dom: true},
		{name: "RSA-OAEP garbage", body: `const k = await S.generateKey({ name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-1" }, true, ["decrypt"]);
			return S.decrypt("RSA-OAEP", k.privateKey, new Uint8Array(128));`, errName: "OperationError", errMsg: "RSA-OAEP failed encrypt/decrypt", dom: true},
		{name: "RSA-PSS without salt length", body: `const k = await S.generateKey({ name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign"]);
			return S.sign("RSA-PSS", k.privateKey, new Uint8Array(1));`, errName: "TypeError", errMsg: "Failed to provide salt for RSA-PSS key operation which requires a salt"},
		{name: "timingSafeEqual lengths", body: `return S.timingSafeEqual(new Uint8Array(1), new Uint8Array(2));`, errName: "TypeError", errMsg: "Input buffers must have the same byte length."},
		{name: "CryptoKey not constructible", body: `return new CryptoKey();`, errName: "TypeError", errMsg: "Illegal constructor"},
		{name: "SubtleCrypto not constructible", body: `return new SubtleCrypto();`, errName: "TypeError", errMsg: "Illegal constructor"},
		{name: "CryptoKey getter on another object", body: `return Object.getOwnPropertyDescriptor(CryptoKey.prototype, "type").get.call({});`, errName: "TypeError", errMsg: "Illegal invocation"},
	}
	subtleCases(t, cases)
}

func TestSubtleShapes(t *testing.T) {
	cases := []jsCase{
		{name: "classes", body: `const k = await S.generateKey({ name: "AES-CBC", length: 256 }, true, ["decrypt", "encrypt", "encrypt"]);
			return [S instanceof SubtleCrypto, String(S), k instanceof CryptoKey, String(k), Object.keys(CryptoKey.prototype), k.usages, k.usages === k.usages,
				k.algorithm === k.algorithm, crypto.subtle === crypto.subtle, typeof S.timingSafeEqual];`,
			want: `[true,"[object SubtleCrypto]",true,"[object CryptoKey]",["type","extractable","algorithm","usages"],["encrypt","decrypt"],true,true,true,"function"]`},
		{name: "key pairs", body: `const out = [];
			for (const alg of [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDH", namedCurve: "P-521" }, "Ed25519", "X25519",
				{ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: { name: "sha-256" } }]) {
				const usages = ["ECDH", "X25519"].includes(alg.name || alg) ? ["deriveKey", "deriveBits"] : ["sign", "verify"];
				const { publicKey, privateKey } = await S.generateKey(alg, false, usages);
				const a = { ...publicKey.algorithm };
				if (a.publicExponent) a.publicExponent = [a.publicExponent instanceof Uint8Array, hex(a.publicExponent)];
				out.push([publicKey.type, publicKey.extractable, publicKey.usages, privateKey.type, privateKey.extractable, privateKey.usages, a]);
			}
			return out;`,
			want: `[["public",true,["verify"],"private",false,["sign"],{"name":"ECDSA","namedCurve":"P-384"}],` +
				`["public",true,[],"private",false,["deriveKey","deriveBits"],{"name":"ECDH","namedCurve":"P-521"}],` +
				`["public",true,["verify"],"private",false,["sign"],{"name":"Ed25519"}],` +
				`["public",true,[],"private",false,["deriveKey","deriveBits"],{"name":"X25519"}],` +
				`["public",true,["verify"],"private",false,["sign"],{"name":"RSASSA-PKCS1-v1_5","modulusLength":1024,"publicExponent":[true,"010001"],"hash":{"name":"SHA-256"}}]]`},
		{name: "timingSafeEqual", body: `return [S.timingSafeEqual(te("abc"), te("abc")), S.timingSafeEqual(te("abc"), te("abd")), S.timingSafeEqual(new ArrayBuffer(0), new Uint8Array(0))];`,
			want: `[true,false,true]`},
		{name: "JWK export shape", body: `const k = await raw({ name: "HMAC", hash: "SHA-384" }, new Uint8Array(20), ["verify", "sign"]);
			const e = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
			return [await S.exportKey("jwk", k), Object.keys(await S.exportKey("jwk", e.privateKey)), await S.exportKey("jwk", await raw({ name: "AES-KW" }, new Uint8Array(24), ["wrapKey"]))];`,
			want: `[{"kty":"oct","key_ops":["sign","verify"],"alg":"HS384","ext":true,"k":"AAAAAAAAAAAAAAAAAAAAAAAAAAA"},["kty","key_ops","ext","crv","x","y","d"],` +
				`{"kty":"oct","key_ops":["wrapKey"],"alg":"A192KW","ext":true,"k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]`},
	}
	subtleCases(t, cases)
}

// TestSubtleRoundTrips generates a key of each algorithm, exports it in every format the key
// allows, imports each export back, checks that it exports the same again, and uses the imported
// keys against the generated ones.
func TestSubtleRoundTrips(t *testing.T) {
	rsa := func(name string) string {
		return `{ name: "` + name + `", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }`
	}
	signUse := func(params string) string {
		return `const msg = te("round trip"); const res = [];
			for (const priv of imported.private) for (const pub of [k.publicKey, ...imported.public]) res.push(await S.verify(` + params + `, pub, await S.sign(` + params + `, priv, msg), msg));
			return res.every(Boolean) && res.length;`
	}
	deriveUse := func(params string) string {
		return `const other = await S.generateKey(alg, true, ["deriveBits"]); const res = [];
			const want = hex(await S.deriveBits({ ...` + params + `, public: other.publicKey }, k.privateKey, 128));
			for (const priv of imported.private) res.push(hex(await S.deriveBits({ ...` + params + `, public: other.publicKey }, priv, 128)) === want);
			for (const pub of imported.public) res.push(hex(await S.deriveBits({ ...` + params + `, public: pub }, other.privateKey, 128)) === hex(await S.deriveBits({ ...` + params + `, public: k.publicKey }, other.privateKey, 128)));
			return res.every(Boolean) && res.length;`
	}
	cipherUse := func(params string) string {
		return `const res = [];
			for (const key of imported.secret) {
				const ct = await S.encrypt(` + params + `, key, te("round trip"));
				res.push(new TextDecoder().decode(await S.decrypt(` + params + `, k, ct)) === "round trip");
			}
			return res.every(Boolean) && res.length;`
	}
	cases := []struct {
		name, alg string
		usages    string
		formats   map[string][]string
		use       string
		uses      int
	}{
		{"AES-GCM", `{ name: "AES-GCM", length: 256 }`, `["encrypt", "decrypt"]`, map[string][]string{"secret": {"raw", "jwk"}},
			cipherUse(`{ name: "AES-GCM", iv: new Uint8Array(12) }`), 2},
		{"AES-CBC", `{ name: "AES-CBC", length: 128 }`, `["encrypt", "decrypt"]`, map[string][]string{"secret": {"raw", "jwk"}},
			cipherUse(`{ name: "AES-CBC", iv: new Uint8Array(16) }`), 2},
		{"AES-CTR", `{ name: "AES-CTR", length: 192 }`, `["encrypt", "decrypt"]`, map[string][]string{"secret": {"raw", "jwk"}},
			cipherUse(`{ name: "AES-CTR", counter: new Uint8Array(16), length: 64 }`), 2},
		{"AES-KW", `{ name: "AES-KW", length: 256 }`, `["wrapKey", "unwrapKey"]`, map[string][]string{"secret": {"raw", "jwk"}},
			`const res = []; const inner = await S.generateKey({ name: "HMAC", hash: "SHA-1" }, true, ["sign"]);
			// The JSON of a JWK is rarely a multiple of 8 bytes, which AES-KW requires.
			for (const key of imported.secret) for (const f of ["raw"]) {
				const back = await S.unwrapKey(f, await S.wrapKey(f, inner, key, "AES-KW"), k, "AES-KW", { name: "HMAC", hash: "SHA-1" }, true, ["sign"]);
				res.push(hex(await S.exportKey("raw", back)) === hex(await S.exportKey("raw", inner)));
			}
			return res.every(Boolean) && res.length;`, 2},
		{"HMAC", `{ name: "HMAC", hash: "SHA-512" }`, `["sign", "verify"]`, map[string][]string{"secret": {"raw", "jwk"}},
			`const res = []; for (const key of imported.secret) res.push(await S.verify("HMAC", k, await S.sign("HMAC", key, te("x")), te("x")));
			return res.every(Boolean) && res.length;`, 2},
		{"ECDSA P-256", `{ name: "ECDSA", namedCurve: "P-256" }`, `["sign", "verify"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`{ name: "ECDSA", hash: "SHA-256" }`), 8},
		{"ECDSA P-384", `{ name: "ECDSA", namedCurve: "P-384" }`, `["sign", "verify"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`{ name: "ECDSA", hash: "SHA-384" }`), 8},
		{"ECDSA P-521", `{ name: "ECDSA", namedCurve: "P-521" }`, `["sign", "verify"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`{ name: "ECDSA", hash: "SHA-512" }`), 8},
		{"ECDH P-256", `{ name: "ECDH", namedCurve: "P-256" }`, `["deriveBits"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			deriveUse(`{ name: "ECDH" }`), 5},
		{"ECDH P-521", `{ name: "ECDH", namedCurve: "P-521" }`, `["deriveBits"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			deriveUse(`{ name: "ECDH" }`), 5},
		{"Ed25519", `{ name: "Ed25519" }`, `["sign", "verify"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`"Ed25519"`), 8},
		{"NODE-ED25519", `{ name: "NODE-ED25519", namedCurve: "NODE-ED25519" }`, `["sign", "verify"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`{ name: "NODE-ED25519" }`), 8},
		{"X25519", `{ name: "X25519" }`, `["deriveBits"]`, map[string][]string{"public": {"raw", "spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			deriveUse(`{ name: "X25519" }`), 5},
		{"RSASSA-PKCS1-v1_5", rsa("RSASSA-PKCS1-v1_5"), `["sign", "verify"]`, map[string][]string{"public": {"spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`"RSASSA-PKCS1-v1_5"`), 6},
		{"RSA-PSS", rsa("RSA-PSS"), `["sign", "verify"]`, map[string][]string{"public": {"spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			signUse(`{ name: "RSA-PSS", saltLength: 32 }`), 6},
		{"RSA-OAEP", rsa("RSA-OAEP"), `["encrypt", "decrypt", "wrapKey", "unwrapKey"]`, map[string][]string{"public": {"spki", "jwk"}, "private": {"pkcs8", "jwk"}},
			`const res = [];
			for (const pub of imported.public) for (const priv of [k.privateKey, ...imported.private]) {
				const ct = await S.encrypt({ name: "RSA-OAEP", label: te("l") }, pub, te("secret"));
				res.push(new TextDecoder().decode(await S.decrypt({ name: "RSA-OAEP", label: te("l") }, priv, ct)) === "secret");
			}
			const inner = await S.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt"]);
			// A JWK does not fit in one block of a 1024-bit key.
			const back = await S.unwrapKey("raw", await S.wrapKey("raw", inner, k.publicKey, "RSA-OAEP"), imported.private[0], "RSA-OAEP", "AES-GCM", true, ["encrypt"]);
			res.push(hex(await S.exportKey("raw", back)) === hex(await S.exportKey("raw", inner)));
			return res.every(Boolean) && res.length;`, 7},
	}
	var js []jsCase
	for _, c := range cases {
		formats, _ := json.Marshal(c.formats)
		var want []string
		for _, typ := range []string{"secret", "public", "private"} {
			for _, f := range c.formats[typ] {
				want = append(want, fmt.Sprintf(`"%s %s"`, typ, f))
			}
		}
		body := `const alg = ` + c.alg + `, formats = ` + string(formats) + `;
		const k = await S.generateKey(alg, true, ` + c.usages + `);
		const imported = { secret: [], public: [], private: [] }, out = [];
		const norm = (v) => v instanceof ArrayBuffer ? hex(v) : JSON.stringify(v);
		for (const key of k.type ? [k] : [k.publicKey, k.privateKey]) {
			for (const f of formats[key.type] || []) {
				const data = await S.exportKey(f, key);
				const back = await S.importKey(f, data, alg, true, key.usages);
				if (norm(await S.exportKey(f, back)) === norm(data) && back.type === key.type && JSON.stringify(back.algorithm) === JSON.stringify(key.algorithm)) out.push(key.type + " " + f);
				imported[key.type].push(back);
			}
		}
		out.push(await (async () => {` + c.use + `})());
		return out;`
		js = append(js, jsCase{name: c.name, body: body, want: "[" + strings.Join(append(want, fmt.Sprint(c.uses)), ",") + "]"})
	}
	subtleCases(t, js)
}

// jsResult runs body and decodes the JSON object it returns.
func jsResult(t *testing.T, body string, v any) {
	t.Helper()
	out, err := runJS(t, subtleHelpers+body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSubtleGoInterop checks JavaScript against Go's crypto packages both ways: keys made in Go
// imported into JavaScript, signatures and ciphertexts made by one checked by the other.
func TestSubtleGoInterop(t *testing.T) {
	msg := []byte("interop message")
	digest := sha256.Sum256(msg)

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecdhKey, _ := ecdh.P384().GenerateKey(rand.Reader)

	der := func(v any, private bool) string {
		var b []byte
		var err error
		if private {
			b, err = x509.MarshalPKCS8PrivateKey(v)
		} else {
			b, err = x509.MarshalPKIXPublicKey(v)
		}
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b)
	}
	r, s, _ := ecdsa.Sign(rand.Reader, ecKey, digest[:])
	ecSig := make([]byte, 64)
	r.FillBytes(ecSig[:32])
	s.FillBytes(ecSig[32:])
	pkcs1Sig, _ := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, digest[:])
	pssSig, _ := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: 32})
	oaep, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, &rsaKey.PublicKey, msg, []byte("label"))

	body := fmt.Sprintf(`const msg = te(%q), out = {};
		const ecPub = await S.importKey("spki", unhex(%q), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
		const ecPriv = await S.importKey("pkcs8", unhex(%q), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
		out.ecGo = await S.verify({ name: "ECDSA", hash: "SHA-256" }, ecPub, unhex(%q), msg);
		out.ecJS = hex(await S.sign({ name: "ECDSA", hash: "SHA-256" }, ecPriv, msg));
		const edPub = await S.importKey("spki", unhex(%q), "Ed25519", false, ["verify"]);
		const edPriv = await S.importKey("pkcs8", unhex(%q), "Ed25519", false, ["sign"]);
		out.edGo = await S.verify("Ed25519", edPub, unhex(%q), msg);
		out.edJS = hex(await S.sign("Ed25519", edPriv, msg));
		const rsa = (name, usages, priv) => S.importKey(priv ? "pkcs8" : "spki", unhex(priv ? %q : %q), { name, hash: "SHA-256" }, false, usages);
		out.pkcs1Go = await S.verify("RSASSA-PKCS1-v1_5", await rsa("RSASSA-PKCS1-v1_5", ["verify"]), unhex(%q), msg);
		out.pkcs1JS = hex(await S.sign("RSASSA-PKCS1-v1_5", await rsa("RSASSA-PKCS1-v1_5", ["sign"], true), msg));
		out.pssGo = await S.verify({ name: "RSA-PSS", saltLength: 32 }, await rsa("RSA-PSS", ["verify"]), unhex(%q), msg);
		out.pssJS = hex(await S.sign({ name: "RSA-PSS", saltLength: 32 }, await rsa("RSA-PSS", ["sign"], true), msg));
		out.oaepGo = new TextDecoder().decode(await S.decrypt({ name: "RSA-OAEP", label: te("label") }, await rsa("RSA-OAEP", ["decrypt"], true), unhex(%q)));
		out.oaepJS = hex(await S.encrypt({ name: "RSA-OAEP", label: te("label") }, await rsa("RSA-OAEP", ["encrypt"]), msg));
		const ecdhGo = await S.importKey("raw", unhex(%q), { name: "ECDH", namedCurve: "P-384" }, false, []);
		const mine = await S.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
		out.ecdhPub = hex(await S.exportKey("raw", mine.publicKey));
		out.ecdhShared = hex(await S.deriveBits({ name: "ECDH", public: ecdhGo }, mine.privateKey, null));
		return out;`,
		msg, der(&ecKey.PublicKey, false), der(ecKey, true), hex.EncodeToString(ecSig),
		der(edPub, false), der(edPriv, true), hex.EncodeToString(ed25519.Sign(edPriv, msg)),
		der(rsaKey, true), der(&rsaKey.PublicKey, false), hex.EncodeToString(pkcs1Sig), hex.EncodeToString(pssSig), hex.EncodeToString(oaep),
		hex.EncodeToString(ecdhKey.PublicKey().Bytes()))

	var got struct {
		ECGo, EDGo, PKCS1Go, PSSGo                 bool
		ECJS, EDJS, PKCS1JS, PSSJS, OAEPGo, OAEPJS string
		ECDHPub, ECDHShared                        string
	}
	jsResult(t, body, &got)

	if !got.ECGo || !got.EDGo || !got.PKCS1Go || !got.PSSGo {
		t.Errorf("JavaScript rejected Go's signatures: ECDSA %v, Ed25519 %v, PKCS1 %v, PSS %v", got.ECGo, got.EDGo, got.PKCS1Go, got.PSSGo)
	}
	ecJS := mustHex(t, got.ECJS)
	if len(ecJS) != 64 || !ecdsa.Verify(&ecKey.PublicKey, digest[:], new(big.Int).SetBytes(ecJS[:32]), new(big.Int).SetBytes(ecJS[32:])) {
		t.Errorf("Go rejected JavaScript's ECDSA signature %s", got.ECJS)
	}
	if !ed25519.Verify(edPub, msg, mustHex(t, got.EDJS)) {
		t.Errorf("Go rejected JavaScript's Ed25519 signature")
	}
	if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, digest[:], mustHex(t, got.PKCS1JS)); err != nil {
		t.Errorf("Go rejected JavaScript's PKCS#1 v1.5 signature: %v", err)
	}
	if err := rsa.VerifyPSS(&rsaKey.PublicKey, crypto.SHA256, digest[:], mustHex(t, got.PSSJS), &rsa.PSSOptions{SaltLength: 32}); err != nil {
		t.Errorf("Go rejected JavaScript's PSS signature: %v", err)
	}
	if got.OAEPGo != string(msg) {
		t.Errorf("JavaScript decrypted Go's OAEP ciphertext to %q", got.OAEPGo)
	}
	if plain, err := rsa.DecryptOAEP(sha256.New(), nil, rsaKey, mustHex(t, got.OAEPJS), []byte("label")); err != nil || string(plain) != string(msg) {
		t.Errorf("Go decrypted JavaScript's OAEP ciphertext to %q, %v", plain, err)
	}
	peer, err := ecdh.P384().NewPublicKey(mustHex(t, got.ECDHPub))
	if err != nil {
		t.Fatal(err)
	}
	shared, _ := ecdhKey.ECDH(peer)
	if hex.EncodeToString(shared) != got.ECDHShared {
		t.Errorf("ECDH secrets differ: Go %x, JavaScript %s", shared, got.ECDHShared)
	}
}

func TestSubtleDigestStream(t *testing.T) {
	cases := []jsCase{
		{name: "bytes and strings", body: `const ds = new crypto.DigestStream("SHA-256"); const w = ds.getWriter();
			await w.write(te("a")); await w.write("b"); await w.write(new DataView(te("xcx").buffer, 1, 1)); await w.write(new ArrayBuffer(0)); await w.close();
			return [hex(await ds.digest), ds.bytesWritten, ds.locked];`,
			want: `["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",3,true]`},
		{name: "other algorithms", body: `const out = [];
			for (const a of ["MD5", { name: "sha-1" }, "SHA-512"]) { const ds = new crypto.DigestStream(a); const w = ds.getWriter(); await w.write("abc"); await w.close(); out.push(hex(await ds.digest).slice(0, 16)); }
			return out;`,
			want: `["900150983cd24fb0","a9993e364706816a","ddaf35a193617aba"]`},
		// The catalogued check values of CRC-32, CRC-32C and CRC-64/NVME.
		{name: "checksums", body: `const out = [];
			for (const a of ["crc32", "crc32c", { name: "crc64nvme" }]) { const ds = new crypto.DigestStream(a); const w = ds.getWriter(); await w.write("123456789"); await w.close(); out.push(hex(await ds.digest)); }
			out.push(await Promise.resolve().then(() => new crypto.DigestStream("CRC32")).then(() => "accepted", (e) => e.name));
			return out;`,
			want: `["cbf43926","e3069283","ae8b14860a799888","NotSupportedError"]`},
		{name: "empty", body: `const ds = new crypto.DigestStream("SHA-1"); await ds.close(); return hex(await ds.digest);`,
			want: `"da39a3ee5e6b4b0d3255bfef95601890afd80709"`},
		{name: "abort rejects the digest", body: `const ds = new crypto.DigestStream("SHA-256"); const w = ds.getWriter(); await w.write("x"); await w.abort(new Error("stop"));
			return ds.digest.then(() => "resolved", (e) => e.message);`, want: `"stop"`},
		{name: "non-bytes chunk", body: `const ds = new crypto.DigestStream("SHA-256"); return ds.getWriter().write(42);`, errName: "TypeError",
			errMsg: "DigestStream is a byte stream but received an object of non-ArrayBuffer/ArrayBufferView/string type on its writable side."},
		{name: "one writer at a time", body: `const ds = new crypto.DigestStream("SHA-256"); ds.getWriter(); return ds.getWriter();`, errName: "TypeError",
			errMsg: "This WritableStream is currently locked to a writer."},
		{name: "released writer", body: `const ds = new crypto.DigestStream("SHA-256"); const w = ds.getWriter(); w.releaseLock(); const w2 = ds.getWriter(); await w2.write("abc"); await w2.close();
			return [hex(await ds.digest).slice(0, 8), await w.write("x").then(() => "wrote", (e) => e.name)];`, want: `["ba7816bf","TypeError"]`},
		{name: "unknown algorithm", body: `return new crypto.DigestStream("SHA-3");`, errName: "NotSupportedError", errMsg: "Unrecognized or unimplemented digest algorithm requested.", dom: true},
	}
	subtleCases(t, cases)
}

// TestSubtleOffLoopCPU pins down the CPU accounting of work moved off the loop: PBKDF2 runs on its
// own goroutine, so most of the request's wall time is not charged as JavaScript CPU time.
func TestSubtleOffLoopCPU(t *testing.T) {
	src := `var __molt_exports = { default: { async fetch() {
		const k = await crypto.subtle.importKey("raw", new TextEncoder().encode("pw"), "PBKDF2", false, ["deriveBits"]);
		const p = { name: "PBKDF2", hash: "SHA-512", salt: new Uint8Array(16), iterations: 100000 };
		await crypto.subtle.deriveBits(p, k, 512);
		return new Response("ok");
	} } };`
	iso := newTestIsolate(t, src, nil)
	start := time.Now()
	_, body, err := serve(t, iso, httptest.NewRequest("GET", "/", nil))
	wall := time.Since(start)
	if err != nil || body != "ok" {
		t.Fatalf("%q, %v", body, err)
	}
	if cpu := iso.CPUTime(); cpu > wall/2 {
		t.Errorf("CPU time %v of %v wall time: PBKDF2 was charged as JavaScript", cpu, wall)
	}
}
