package js

import (
	"bytes"
	"crypto"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"

	"github.com/dop251/goja"
)

// SubtleCrypto (lib/subtle.js) checks arguments, usages and extractability in JavaScript, where
// workerd's messages are easiest to match, and hands the byte work to the natives here. Keys live
// in Go as *cryptoKey; a CryptoKey object holds its handle in a private slot.
//
// CPU accounting: the isolate's CPU clock runs only while JavaScript runs, and a native called
// synchronously from JavaScript counts as JavaScript. RSA key generation and PBKDF2, which can
// take tens or hundreds of milliseconds, run on their own goroutine under a loop reservation
// instead, so they do not block the loop; that time is not charged to the request's CPU limit.
// workerd charges it (it computes synchronously); the PBKDF2 iteration cap below is what bounds
// it here, as it does on Workers.

// maxPBKDF2Iterations is the iteration cap the Workers platform enforces for PBKDF2 (workerd
// itself has none; its limit enforcer is the platform's).
const maxPBKDF2Iterations = 100000

func init() {
	register(subtleLibrary, []string{"SubtleCrypto", "CryptoKey"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"digest":          iso.subtleDigest,
			"digestNew":       iso.subtleDigestNew,
			"digestWrite":     iso.subtleDigestWrite,
			"digestSum":       iso.subtleDigestSum,
			"timingSafeEqual": iso.subtleTimingSafeEqual,
			"generateKey":     iso.subtleGenerateKey,
			"importKey":       iso.subtleImportKey,
			"exportKey":       iso.subtleExportKey,
			"sign":            iso.subtleSign,
			"verify":          iso.subtleVerify,
			"encrypt":         iso.subtleEncrypt,
			"decrypt":         iso.subtleDecrypt,
			"deriveBits":      iso.subtleDeriveBits,
		}
	})
}

// cryptoError is an error JavaScript sees as a DOMException named name, or as a TypeError when
// name is "TypeError".
type cryptoError struct{ name, msg string }

func (e *cryptoError) Error() string { return e.name + ": " + e.msg }

func domErr(name, format string, args ...any) error {
	return &cryptoError{name, fmt.Sprintf(format, args...)}
}

func opErr(format string, args ...any) error   { return domErr("OperationError", format, args...) }
func dataErr(format string, args ...any) error { return domErr("DataError", format, args...) }
func notSupported(format string, args ...any) error {
	return domErr("NotSupportedError", format, args...)
}
func accessErr(format string, args ...any) error {
	return domErr("InvalidAccessError", format, args...)
}
func typeErr(format string, args ...any) error { return domErr("TypeError", format, args...) }

// cryptoErrorValue turns err into the JavaScript value to throw or reject with. An error from Go's
// crypto packages that no check above it anticipated is an OperationError, as a failed BoringSSL
// call is in workerd.
func (iso *Isolate) cryptoErrorValue(err error) goja.Value {
	ce, ok := err.(*cryptoError)
	if !ok {
		ce = &cryptoError{"OperationError", err.Error()}
	}
	if ce.name == "TypeError" {
		return iso.vm.NewTypeError(ce.msg)
	}
	if ctor, ok := iso.vm.Get("DOMException").(*goja.Object); ok {
		if e, err := iso.vm.New(ctor, iso.vm.ToValue(ce.msg), iso.vm.ToValue(ce.name)); err == nil {
			return e
		}
	}
	return iso.vm.NewGoError(ce)
}

// throwCrypto panics with err as a JavaScript exception; only for natives called from JS.
func (iso *Isolate) throwCrypto(err error) {
	panic(iso.cryptoErrorValue(err))
}

// guard runs fn, turning a panic inside Go's crypto code (which must never reach the host, and
// which on another goroutine would end the process) into an OperationError.
func guard[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			v, err = zero, opErr("Internal error in the crypto implementation: %v", r)
		}
	}()
	return fn()
}

// cryptoKey is the key material behind a CryptoKey.
type cryptoKey struct {
	alg    string // canonical algorithm name, as in lib/subtle.js
	typ    string // "secret", "public" or "private"
	secret []byte
	hash   string // HMAC and RSA keys: the hash the key is bound to
	curve  string // ECDSA and ECDH keys: P-256, P-384 or P-521
	length int    // HMAC keys: the length in bits
	pub    any    // *ecdsa.PublicKey, *ecdh.PublicKey (X25519), ed25519.PublicKey, *rsa.PublicKey
	priv   any    // the private counterpart of pub
}

// algParams is a normalized algorithm dictionary. Byte fields are copies, nil when absent; number
// fields are nil when absent.
type algParams struct {
	name, hash, namedCurve                         string
	length, tagLength, saltLength, iterations      *int
	modulusLength                                  *int
	iv, additionalData, counter, label, salt, info []byte
	publicExponent                                 []byte
	public                                         *cryptoKey
}

// readParams reads the dictionary lib/subtle.js built from an algorithm argument.
func (iso *Isolate) readParams(v goja.Value) *algParams {
	p := &algParams{}
	o, ok := v.(*goja.Object)
	if !ok {
		return p
	}
	str := func(k string) string {
		if x := o.Get(k); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
			return x.String()
		}
		return ""
	}
	num := func(k string) *int {
		if x := o.Get(k); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
			n := int(x.ToInteger())
			return &n
		}
		return nil
	}
	buf := func(k string) []byte {
		if x := o.Get(k); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
			if b, ok := iso.chunkBytes(x); ok {
				return append([]byte{}, b...)
			}
		}
		return nil
	}
	p.name, p.hash, p.namedCurve = str("name"), str("hash"), str("namedCurve")
	p.length, p.tagLength, p.saltLength, p.iterations = num("length"), num("tagLength"), num("saltLength"), num("iterations")
	p.modulusLength = num("modulusLength")
	p.iv, p.additionalData, p.counter, p.label = buf("iv"), buf("additionalData"), buf("counter"), buf("label")
	p.salt, p.info, p.publicExponent = buf("salt"), buf("info"), buf("publicExponent")
	if x := o.Get("public"); x != nil {
		p.public, _ = x.Export().(*cryptoKey)
	}
	return p
}

// keyOf returns the key behind a handle passed from lib/subtle.js.
func keyOf(v goja.Value) *cryptoKey {
	k, _ := v.Export().(*cryptoKey)
	return k
}

// keyInfo describes k to lib/subtle.js, which builds the CryptoKey and its algorithm from it.
func (iso *Isolate) keyInfo(k *cryptoKey) goja.Value {
	o := iso.vm.NewObject()
	o.Set("handle", k)
	o.Set("type", k.typ)
	switch k.alg {
	case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
		o.Set("length", len(k.secret)*8)
	case "HMAC":
		o.Set("length", k.length)
		o.Set("hash", k.hash)
	case "ECDSA", "ECDH":
		o.Set("namedCurve", k.curve)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		pub := rsaPublic(k)
		o.Set("hash", k.hash)
		o.Set("modulusLength", pub.N.BitLen())
		e := bigEndian(uint64(pub.E))
		o.Set("publicExponent", iso.uint8Array(e))
	}
	return o
}

func (iso *Isolate) uint8Array(b []byte) goja.Value {
	ctor, _ := iso.vm.Get("Uint8Array").(*goja.Object)
	u, err := iso.vm.New(ctor, iso.vm.ToValue(iso.vm.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return u
}

func (iso *Isolate) arrayBuffer(b []byte) goja.Value {
	return iso.vm.ToValue(iso.vm.NewArrayBuffer(b))
}

// bigEndian returns v in its shortest big-endian form.
func bigEndian(v uint64) []byte {
	var b []byte
	for ; v > 0; v >>= 8 {
		b = append([]byte{byte(v)}, b...)
	}
	return b
}

// bytesArg returns a copy of the bytes of a BufferSource argument (lib/subtle.js checked it).
func (iso *Isolate) bytesArg(v goja.Value) []byte {
	b, _ := iso.chunkBytes(v)
	return append([]byte{}, b...)
}

var hashes = map[string]crypto.Hash{
	"SHA-1":   crypto.SHA1,
	"SHA-256": crypto.SHA256,
	"SHA-384": crypto.SHA384,
	"SHA-512": crypto.SHA512,
	"MD5":     crypto.MD5,
}

// hashFunc returns the constructor of a hash by its normalized name.
func hashFunc(name string) (func() hash.Hash, crypto.Hash, error) {
	switch name {
	case "SHA-1":
		return sha1.New, crypto.SHA1, nil
	case "SHA-256":
		return sha256.New, crypto.SHA256, nil
	case "SHA-384":
		return sha512.New384, crypto.SHA384, nil
	case "SHA-512":
		return sha512.New, crypto.SHA512, nil
	case "MD5":
		return md5.New, crypto.MD5, nil
	}
	return nil, 0, notSupported("Unrecognized or unimplemented digest algorithm requested.")
}

func hashSum(name string, data []byte) ([]byte, error) {
	h, _, err := hashFunc(name)
	if err != nil {
		return nil, err
	}
	d := h()
	d.Write(data)
	return d.Sum(nil), nil
}

func (iso *Isolate) subtleDigest(name string, data goja.Value) goja.Value {
	b, _ := iso.chunkBytes(data)
	sum, err := hashSum(name, b)
	if err != nil {
		iso.throwCrypto(err)
	}
	return iso.arrayBuffer(sum)
}

// digestState is a DigestStream's running hash.
type digestState struct{ h hash.Hash }

// crc64NVMe is the CRC-64/NVME table (the reflected polynomial 0xAD93D23594C93659), which
// hash/crc64 does not predefine.
var crc64NVMe = crc64.MakeTable(0x9A6C9329AC4BC9B5)

// subtleDigestNew starts a DigestStream's hash. Besides the digests, DigestStream takes workerd's
// checksums crc32, crc32c and crc64nvme (by those exact names), big-endian like its digests.
func (iso *Isolate) subtleDigestNew(name string) goja.Value {
	switch name {
	case "crc32":
		return iso.vm.ToValue(&digestState{crc32.NewIEEE()})
	case "crc32c":
		return iso.vm.ToValue(&digestState{crc32.New(crc32.MakeTable(crc32.Castagnoli))})
	case "crc64nvme":
		return iso.vm.ToValue(&digestState{crc64.New(crc64NVMe)})
	}
	h, _, err := hashFunc(name)
	if err != nil {
		iso.throwCrypto(err)
	}
	return iso.vm.ToValue(&digestState{h()})
}

func (iso *Isolate) subtleDigestWrite(state, chunk goja.Value) {
	s, _ := state.Export().(*digestState)
	if s == nil {
		return
	}
	if str, ok := chunk.Export().(string); ok {
		s.h.Write([]byte(str))
		return
	}
	b, _ := iso.chunkBytes(chunk)
	s.h.Write(b)
}

func (iso *Isolate) subtleDigestSum(state goja.Value) goja.Value {
	s, _ := state.Export().(*digestState)
	if s == nil {
		return goja.Undefined()
	}
	return iso.arrayBuffer(s.h.Sum(nil))
}

func (iso *Isolate) subtleTimingSafeEqual(a, b goja.Value) bool {
	x, _ := iso.chunkBytes(a)
	y, _ := iso.chunkBytes(b)
	if len(x) != len(y) {
		iso.throwCrypto(typeErr("Input buffers must have the same byte length."))
	}
	return subtle.ConstantTimeCompare(x, y) == 1
}

// result returns v, or throws err.
func (iso *Isolate) result(v goja.Value, err error) goja.Value {
	if err != nil {
		iso.throwCrypto(err)
	}
	return v
}

// offLoop runs fn on its own goroutine and returns a promise of its result, converted by conv on
// the loop goroutine.
func offLoop[T any](iso *Isolate, fn func() (T, error), conv func(T) goja.Value) goja.Value {
	p, resolve, reject := iso.vm.NewPromise()
	done := iso.loop.reserve()
	go func() {
		v, err := guard(fn)
		done(func() error {
			if err != nil {
				return iso.settle(reject, iso.cryptoErrorValue(err))
			}
			return iso.settle(resolve, conv(v))
		})
	}()
	return iso.vm.ToValue(p)
}

func (iso *Isolate) subtleGenerateKey(params goja.Value) goja.Value {
	p := iso.readParams(params)
	switch p.name {
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		if err := checkRSAGenerate(p); err != nil {
			iso.throwCrypto(err)
		}
		return offLoop(iso, func() ([2]*cryptoKey, error) { return generateRSA(p) }, iso.pairInfo)
	}
	keys, err := guard(func() ([2]*cryptoKey, error) { return generateKey(p) })
	if err != nil {
		iso.throwCrypto(err)
	}
	if keys[1] == nil {
		return iso.keyInfo(keys[0])
	}
	return iso.pairInfo(keys)
}

func (iso *Isolate) pairInfo(keys [2]*cryptoKey) goja.Value {
	o := iso.vm.NewObject()
	o.Set("publicKey", iso.keyInfo(keys[0]))
	o.Set("privateKey", iso.keyInfo(keys[1]))
	return o
}

// generateKey generates a secret key (in [0]) or a key pair (public, private).
func generateKey(p *algParams) ([2]*cryptoKey, error) {
	switch p.name {
	case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
		k, err := generateAES(p)
		return [2]*cryptoKey{k}, err
	case "HMAC":
		k, err := generateHMAC(p)
		return [2]*cryptoKey{k}, err
	case "ECDSA", "ECDH":
		return generateEC(p)
	case "Ed25519", "NODE-ED25519", "X25519":
		return generateOKP(p)
	}
	return [2]*cryptoKey{}, notSupported("Unrecognized key generation algorithm \"%s\" requested.", p.name)
}

func (iso *Isolate) subtleImportKey(format string, data, params goja.Value) goja.Value {
	p := iso.readParams(params)
	var raw []byte
	var jwk map[string]any
	if format == "jwk" {
		jwk, _ = data.Export().(map[string]any)
	} else {
		raw = iso.bytesArg(data)
	}
	k, err := guard(func() (*cryptoKey, error) { return importKey(format, raw, jwk, p) })
	if err != nil {
		iso.throwCrypto(err)
	}
	return iso.keyInfo(k)
}

func importKey(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	switch p.name {
	case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
		return importAES(format, raw, jwk, p)
	case "HMAC":
		return importHMAC(format, raw, jwk, p)
	case "PBKDF2", "HKDF":
		if format != "raw" {
			return nil, notSupported("%s key must be imported in \"raw\" format (requested \"%s\").", p.name, format)
		}
		return &cryptoKey{alg: p.name, typ: "secret", secret: raw}, nil
	case "ECDSA", "ECDH":
		return importEC(format, raw, jwk, p)
	case "Ed25519", "NODE-ED25519", "X25519":
		return importOKP(format, raw, jwk, p)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP":
		return importRSA(format, raw, jwk, p)
	}
	return nil, notSupported("Unrecognized key import algorithm \"%s\" requested.", p.name)
}

func (iso *Isolate) subtleExportKey(handle goja.Value, format string) goja.Value {
	k := keyOf(handle)
	if k == nil {
		iso.throwCrypto(typeErr("Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'."))
	}
	if format == "jwk" {
		m, err := guard(func() (map[string]string, error) { return exportJWK(k) })
		if err != nil {
			iso.throwCrypto(err)
		}
		o := iso.vm.NewObject()
		for _, f := range jwkFields {
			if v, ok := m[f]; ok {
				o.Set(f, v)
			}
		}
		return o
	}
	b, err := guard(func() ([]byte, error) { return exportKey(k, format) })
	return iso.result(iso.arrayBuffer(b), err)
}

// jwkFields is the order of a JsonWebKey's members as workerd serializes them.
var jwkFields = []string{"kty", "use", "key_ops", "alg", "ext", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"}

func exportKey(k *cryptoKey, format string) ([]byte, error) {
	switch k.typ {
	case "secret":
		if format != "raw" {
			if k.alg == "HMAC" {
				return nil, notSupported("Unimplemented key export format \"%s\".", format)
			}
			return nil, notSupported("%s key only supports exporting \"raw\" & \"jwk\", not \"%s\".", k.alg, format)
		}
		return bytes.Clone(k.secret), nil
	}
	return exportAsymmetric(k, format)
}

func exportJWK(k *cryptoKey) (map[string]string, error) {
	switch k.alg {
	case "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW":
		return map[string]string{"kty": "oct", "alg": aesJWKAlg(k), "k": b64url(k.secret)}, nil
	case "HMAC":
		return map[string]string{"kty": "oct", "alg": "HS" + hashSuffix(k.hash), "k": b64url(k.secret)}, nil
	case "PBKDF2", "HKDF":
		return nil, notSupported("Unimplemented key export format \"jwk\".")
	}
	return exportAsymmetricJWK(k)
}

func (iso *Isolate) subtleSign(handle, params, data goja.Value) goja.Value {
	k, p, b := keyOf(handle), iso.readParams(params), iso.bytesArg(data)
	sig, err := guard(func() ([]byte, error) { return sign(k, p, b) })
	return iso.result(iso.arrayBuffer(sig), err)
}

func sign(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	switch k.alg {
	case "HMAC":
		return hmacSum(k, data)
	case "ECDSA":
		return signECDSA(k, p, data)
	case "Ed25519", "NODE-ED25519":
		return signEd25519(k, data)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		return signRSA(k, p, data)
	}
	return nil, notSupported("The sign and verify operations are not implemented for \"%s\".", k.alg)
}

func (iso *Isolate) subtleVerify(handle, params, sig, data goja.Value) goja.Value {
	k, p, s, b := keyOf(handle), iso.readParams(params), iso.bytesArg(sig), iso.bytesArg(data)
	ok, err := guard(func() (bool, error) { return verify(k, p, s, b) })
	return iso.result(iso.vm.ToValue(ok), err)
}

func verify(k *cryptoKey, p *algParams, sig, data []byte) (bool, error) {
	switch k.alg {
	case "HMAC":
		mac, err := hmacSum(k, data)
		return err == nil && len(mac) == len(sig) && subtle.ConstantTimeCompare(mac, sig) == 1, err
	case "ECDSA":
		return verifyECDSA(k, p, sig, data)
	case "Ed25519", "NODE-ED25519":
		return verifyEd25519(k, sig, data)
	case "RSASSA-PKCS1-v1_5", "RSA-PSS":
		return verifyRSA(k, p, sig, data)
	}
	return false, notSupported("The sign and verify operations are not implemented for \"%s\".", k.alg)
}

// subtleEncrypt encrypts data; wrap says it is wrapKey asking, which AES-KW alone serves.
func (iso *Isolate) subtleEncrypt(handle, params, data goja.Value, wrap bool) goja.Value {
	k, p, b := keyOf(handle), iso.readParams(params), iso.bytesArg(data)
	out, err := guard(func() ([]byte, error) { return encrypt(k, p, b, wrap) })
	return iso.result(iso.arrayBuffer(out), err)
}

func encrypt(k *cryptoKey, p *algParams, data []byte, wrap bool) ([]byte, error) {
	switch k.alg {
	case "AES-GCM":
		return gcmEncrypt(k, p, data)
	case "AES-CBC":
		return cbcEncrypt(k, p, data)
	case "AES-CTR":
		return ctrCrypt(k, p, data)
	case "AES-KW":
		if wrap {
			return kwWrap(k, data)
		}
	case "RSA-OAEP":
		return oaepEncrypt(k, p, data)
	}
	return nil, notSupported("The encrypt and decrypt operations are not implemented for \"%s\".", k.alg)
}

func (iso *Isolate) subtleDecrypt(handle, params, data goja.Value, unwrap bool) goja.Value {
	k, p, b := keyOf(handle), iso.readParams(params), iso.bytesArg(data)
	out, err := guard(func() ([]byte, error) { return decrypt(k, p, b, unwrap) })
	return iso.result(iso.arrayBuffer(out), err)
}

func decrypt(k *cryptoKey, p *algParams, data []byte, unwrap bool) ([]byte, error) {
	switch k.alg {
	case "AES-GCM":
		return gcmDecrypt(k, p, data)
	case "AES-CBC":
		return cbcDecrypt(k, p, data)
	case "AES-CTR":
		return ctrCrypt(k, p, data)
	case "AES-KW":
		if unwrap {
			return kwUnwrap(k, data)
		}
	case "RSA-OAEP":
		return oaepDecrypt(k, p, data)
	}
	return nil, notSupported("The encrypt and decrypt operations are not implemented for \"%s\".", k.alg)
}

// subtleDeriveBits derives length bits (null: the algorithm's natural length) from k.
func (iso *Isolate) subtleDeriveBits(handle, params, length goja.Value) goja.Value {
	k, p := keyOf(handle), iso.readParams(params)
	var n *int
	if length != nil && !goja.IsUndefined(length) && !goja.IsNull(length) {
		v := int(length.ToInteger())
		n = &v
	}
	if k.alg == "PBKDF2" {
		if err := checkPBKDF2(p, n); err != nil {
			iso.throwCrypto(err)
		}
		return offLoop(iso, func() ([]byte, error) { return pbkdf2Bits(k, p, *n) }, iso.arrayBuffer)
	}
	out, err := guard(func() ([]byte, error) { return deriveBits(k, p, n) })
	return iso.result(iso.arrayBuffer(out), err)
}

func deriveBits(k *cryptoKey, p *algParams, n *int) ([]byte, error) {
	switch k.alg {
	case "HKDF":
		return hkdfBits(k, p, n)
	case "ECDH", "X25519":
		return ecdhBits(k, p, n)
	}
	return nil, notSupported("The deriveBits operation is not implemented for \"%s\".", k.alg)
}

// truncateBits keeps the first n bits of b, zeroing the rest of the last byte kept.
func truncateBits(b []byte, n int) []byte {
	out := bytes.Clone(b[:(n+7)/8])
	if r := n % 8; r != 0 {
		out[len(out)-1] &= byte(0xff << (8 - r))
	}
	return out
}
