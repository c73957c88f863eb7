package js

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
)

// Symmetric algorithms: AES-GCM, AES-CBC, AES-CTR, AES-KW, HMAC, and the KDFs PBKDF2 and HKDF.

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkBytes decodes member name of a JWK as base64url; padding is tolerated, as in workerd.
func jwkBytes(jwk map[string]any, name string) ([]byte, bool) {
	s, ok := jwk[name].(string)
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

func jwkString(jwk map[string]any, name string) (string, bool) {
	s, ok := jwk[name].(string)
	return s, ok
}

// hashSuffix is what follows "SHA-" in a hash name, as JWK "alg" values use it (HS256, RS1).
func hashSuffix(name string) string { return strings.TrimPrefix(name, "SHA-") }

func missing(field string) error {
	return typeErr("Missing field \"%s\" in \"algorithm\".", field)
}

func aesJWKAlg(k *cryptoKey) string {
	return "A" + strconv.Itoa(len(k.secret)*8) + strings.TrimPrefix(k.alg, "AES-")
}

func generateAES(p *algParams) (*cryptoKey, error) {
	if p.length == nil {
		return nil, missing("length")
	}
	switch *p.length {
	case 128, 192, 256:
	default:
		return nil, opErr("Generated AES key length must be 128, 192, or 256 bits but requested %d.", *p.length)
	}
	k := make([]byte, *p.length/8)
	rand.Read(k)
	return &cryptoKey{alg: p.name, typ: "secret", secret: k}, nil
}

func importAES(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	switch format {
	case "raw":
	case "jwk":
		if kty, _ := jwkString(jwk, "kty"); kty != "oct" {
			return nil, dataErr("Symmetric \"jwk\" key import requires a JSON Web Key with Key Type parameter \"kty\" equal to \"oct\" (encountered \"%s\").", kty)
		}
		var ok bool
		if raw, ok = jwkBytes(jwk, "k"); !ok {
			return nil, dataErr("Invalid \"jwk\" key: missing or invalid \"k\" parameter.")
		}
		if alg, ok := jwkString(jwk, "alg"); ok {
			want := aesJWKAlg(&cryptoKey{alg: p.name, secret: raw})
			if alg != want {
				return nil, dataErr("Symmetric \"jwk\" key contains invalid \"alg\" value \"%s\", expected \"%s\".", alg, want)
			}
		}
	default:
		return nil, notSupported("Unrecognized key import format \"%s\".", format)
	}
	switch len(raw) {
	case 16, 24, 32:
	default:
		return nil, dataErr("Imported AES key length must be 128, 192, or 256 bits but provided %d.", len(raw)*8)
	}
	return &cryptoKey{alg: p.name, typ: "secret", secret: raw}, nil
}

func decryptFailed(alg string, in, out int) error {
	return opErr("Decryption failed. This could be due to a ciphertext authentication failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason. Input length was %d, output length expected to be %d for %s", in, out, alg)
}

// gcm returns AES-GCM under k for p's IV with a full 128-bit tag; shorter tags are prefixes of it.
func gcm(k *cryptoKey, p *algParams) (cipher.AEAD, int, error) {
	if p.iv == nil {
		return nil, 0, missing("iv")
	}
	if len(p.iv) == 0 {
		return nil, 0, opErr("AES-GCM IV must not be empty.")
	}
	tag := 128
	if p.tagLength != nil {
		tag = *p.tagLength
	}
	switch tag {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, 0, opErr("Invalid AES-GCM tag length %d.", tag)
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, 0, err
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(p.iv))
	return aead, tag / 8, err
}

func gcmEncrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	aead, tag, err := gcm(k, p)
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > 1<<39-256 {
		return nil, opErr("AES-GCM can only encrypt up to 2^39 - 256 bytes of plaintext at a time, but requested %d bytes.", len(data))
	}
	out := aead.Seal(nil, p.iv, data, p.additionalData)
	return out[:len(data)+tag], nil
}

func gcmDecrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	aead, tag, err := gcm(k, p)
	if err != nil {
		return nil, err
	}
	if len(data) < tag {
		return nil, opErr("Ciphertext length of %d bits must be greater than or equal to the size of the AES-GCM tag length of %d bits.", len(data)*8, tag*8)
	}
	n := len(data) - tag
	if tag == 16 {
		out, err := aead.Open(nil, p.iv, data, p.additionalData)
		if err != nil {
			return nil, decryptFailed(k.alg, n, n)
		}
		return out, nil
	}
	// Go's GCM takes only full tags. The keystream is what sealing zeros yields; the plaintext it
	// gives is then sealed again, and the tag checked against the prefix of the full one.
	ks := aead.Seal(nil, p.iv, make([]byte, n), nil)
	plain := make([]byte, n)
	subtle.XORBytes(plain, data[:n], ks[:n])
	full := aead.Seal(nil, p.iv, plain, p.additionalData)
	if subtle.ConstantTimeCompare(full[n:n+tag], data[n:]) != 1 {
		return nil, decryptFailed(k.alg, n, n)
	}
	return plain, nil
}

func cbcBlock(k *cryptoKey, p *algParams, dec bool) (cipher.Block, error) {
	if p.iv == nil {
		return nil, missing("iv")
	}
	if len(p.iv) != 16 {
		if dec {
			return nil, opErr("AES-CBC IV must be 16 bytes long (provided %d).", len(p.iv))
		}
		return nil, opErr("AES-CBC IV must be 16 bytes long (provided %d bytes).", len(p.iv))
	}
	return aes.NewCipher(k.secret)
}

func cbcEncrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	block, err := cbcBlock(k, p, false)
	if err != nil {
		return nil, err
	}
	pad := 16 - len(data)%16
	out := make([]byte, len(data)+pad)
	copy(out, data)
	for i := len(data); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, p.iv).CryptBlocks(out, out)
	return out, nil
}

func cbcDecrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	block, err := cbcBlock(k, p, true)
	if err != nil {
		return nil, err
	}
	// What OpenSSL would have output before its final block, which workerd's message reports.
	held := len(data) / 16 * 16
	if len(data)%16 == 0 && held > 0 {
		held -= 16
	}
	if len(data) == 0 || len(data)%16 != 0 {
		return nil, decryptFailed(k.alg, len(data), held)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, p.iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	bad := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, 16)
	if bad == 1 {
		for _, c := range out[len(out)-pad:] {
			bad &= subtle.ConstantTimeByteEq(c, byte(pad))
		}
	}
	if bad != 1 {
		return nil, decryptFailed(k.alg, len(data), held)
	}
	return out[:len(out)-pad], nil
}

// ctrCrypt runs AES-CTR with the spec's counter: only the rightmost length bits of the counter
// block count, wrapping around without carrying into the nonce bits (Go's cipher.NewCTR carries
// through all 128 bits, so the blocks are counted here).
func ctrCrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	if p.counter == nil {
		return nil, typeErr("Missing \"counter\" member in \"algorithm\".")
	}
	if len(p.counter) != 16 {
		return nil, opErr("Counter must have length of 16 bytes (provided %d).", len(p.counter))
	}
	if p.length == nil {
		return nil, typeErr("Missing \"length\" member in \"algorithm\".")
	}
	bits := *p.length
	if bits <= 0 || bits > 128 {
		return nil, opErr("Invalid counter of %d bits length provided.", bits)
	}
	blocks := (len(data) + 15) / 16
	if bits < 63 && uint64(blocks) > uint64(1)<<bits {
		return nil, opErr("Counter block values will repeat")
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, err
	}
	hi, lo := binary.BigEndian.Uint64(p.counter[:8]), binary.BigEndian.Uint64(p.counter[8:])
	var maskHi, maskLo uint64 // the counter bits
	switch {
	case bits >= 128:
		maskHi, maskLo = ^uint64(0), ^uint64(0)
	case bits > 64:
		maskHi, maskLo = uint64(1)<<(bits-64)-1, ^uint64(0)
	case bits == 64:
		maskLo = ^uint64(0)
	default:
		maskLo = uint64(1)<<bits - 1
	}
	out := make([]byte, len(data))
	var ctr, ks [16]byte
	for i := 0; i < len(data); i += 16 {
		binary.BigEndian.PutUint64(ctr[:8], hi)
		binary.BigEndian.PutUint64(ctr[8:], lo)
		block.Encrypt(ks[:], ctr[:])
		subtle.XORBytes(out[i:], data[i:], ks[:])
		// Increment the counter bits, carrying from lo into hi only within the mask.
		nlo := lo&maskLo + 1
		carry := uint64(0)
		if nlo&maskLo == 0 && maskLo == ^uint64(0) {
			carry = 1
		}
		lo = lo&^maskLo | nlo&maskLo
		if carry == 1 {
			hi = hi&^maskHi | (hi&maskHi+1)&maskHi
		}
	}
	return out, nil
}

var kwIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// kwWrap is the RFC 3394 key wrap, which Go's standard library does not have.
func kwWrap(k *cryptoKey, data []byte) ([]byte, error) {
	if len(data)%8 != 0 {
		return nil, opErr("Unwrapped key bit length must be a multiple of 64 bits but unwrapped key has a length of %d bits.", len(data)*8)
	}
	if len(data) < 16 {
		return nil, opErr("Unwrapped key has length %d bytes but it should be greater than or equal to 16 and less than or equal to 18446744073709551607", len(data))
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, err
	}
	n := len(data) / 8
	out := make([]byte, 8+len(data))
	copy(out[8:], data)
	a := kwIV
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:], b[8:])
		}
	}
	copy(out, a[:])
	return out, nil
}

func kwUnwrap(k *cryptoKey, data []byte) ([]byte, error) {
	if len(data)%8 != 0 {
		return nil, opErr("Provided a wrapped key to unwrap that is %d bits which isn't a multiple of 64 bits.", len(data)*8)
	}
	if len(data) < 24 {
		return nil, opErr("Provided a wrapped key to unwrap this is %d bits that is less than the minimal length of 192 bits.", len(data)*8)
	}
	block, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, err
	}
	n := len(data)/8 - 1
	out := make([]byte, len(data))
	copy(out, data)
	var a [8]byte
	copy(a[:], data[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], out[8*i:8*i+8])
			block.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(out[8*i:], b[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:], kwIV[:]) != 1 {
		return nil, opErr("AES-KW key unwrapping failed")
	}
	return out[8:], nil
}

// hmacBlockBits is the default HMAC key length: the hash's block size.
func hmacBlockBits(hash string) (int, error) {
	h, _, err := hashFunc(hash)
	if err != nil {
		return 0, err
	}
	return h().BlockSize() * 8, nil
}

func generateHMAC(p *algParams) (*cryptoKey, error) {
	if p.hash == "" {
		return nil, missing("hash")
	}
	length, err := hmacBlockBits(p.hash)
	if err != nil {
		return nil, err
	}
	if p.length != nil {
		length = *p.length
	}
	if length <= 0 {
		return nil, opErr("HMAC key length must be a non-zero unsigned long integer (requested %d).", length)
	}
	k := make([]byte, (length+7)/8)
	rand.Read(k)
	k = truncateBits(k, length)
	return &cryptoKey{alg: "HMAC", typ: "secret", secret: k, hash: p.hash, length: length}, nil
}

func importHMAC(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	if p.hash == "" {
		return nil, missing("hash")
	}
	if _, _, err := hashFunc(p.hash); err != nil {
		return nil, err
	}
	switch format {
	case "raw":
	case "jwk":
		if kty, _ := jwkString(jwk, "kty"); kty != "oct" {
			return nil, dataErr("HMAC \"jwk\" key import requires a JSON Web Key with Key Type parameter (\"kty\") equal to \"oct\" (encountered \"%s\").", kty)
		}
		var ok bool
		if raw, ok = jwkBytes(jwk, "k"); !ok {
			return nil, dataErr("Invalid \"jwk\" key: missing or invalid \"k\" parameter.")
		}
		if alg, ok := jwkString(jwk, "alg"); ok {
			if want := "HS" + hashSuffix(p.hash); alg != want {
				return nil, dataErr("HMAC \"jwk\" key import specifies \"alg\" that is incompatible with the hash name (encountered \"%s\", expected \"%s\").", alg, want)
			}
		}
	default:
		return nil, notSupported("Unrecognized key import format \"%s\".", format)
	}
	size := len(raw) * 8
	length := size
	if p.length != nil {
		length = *p.length
	}
	if length <= 0 || length > size || length <= size-8 {
		return nil, dataErr("Imported HMAC key length (%d) must be a non-zero value up to 7 bits less than, and no greater than, the bit length of the raw key data (%d).", length, size)
	}
	return &cryptoKey{alg: "HMAC", typ: "secret", secret: raw, hash: p.hash, length: length}, nil
}

func hmacSum(k *cryptoKey, data []byte) ([]byte, error) {
	h, _, err := hashFunc(k.hash)
	if err != nil {
		return nil, err
	}
	m := hmac.New(h, k.secret)
	m.Write(data)
	return m.Sum(nil), nil
}

// checkPBKDF2 validates PBKDF2 parameters on the loop, before the derivation leaves it.
func checkPBKDF2(p *algParams, n *int) error {
	if p.hash == "" {
		return missing("hash")
	}
	if _, _, err := hashFunc(p.hash); err != nil {
		return err
	}
	if p.salt == nil {
		return missing("salt")
	}
	if p.iterations == nil {
		return missing("iterations")
	}
	if n == nil {
		return opErr("PBKDF2 cannot derive a key with null length.")
	}
	if *n%8 != 0 {
		return opErr("PBKDF2 requires a derived key length that is a multiple of eight (requested %d).", *n)
	}
	if *p.iterations <= 0 {
		return opErr("PBKDF2 requires a positive iteration count (requested %d).", *p.iterations)
	}
	if *p.iterations > maxPBKDF2Iterations {
		return notSupported("Pbkdf2 failed: iteration counts above %d are not supported (requested %d).", maxPBKDF2Iterations, *p.iterations)
	}
	return nil
}

func pbkdf2Bits(k *cryptoKey, p *algParams, n int) ([]byte, error) {
	if n == 0 {
		return []byte{}, nil
	}
	h, _, _ := hashFunc(p.hash)
	out, err := pbkdf2.Key(h, string(k.secret), p.salt, *p.iterations, n/8)
	if err != nil {
		return nil, opErr("Pbkdf2 failed: derived key length exceeds maximum for this hash")
	}
	return out, nil
}

func hkdfBits(k *cryptoKey, p *algParams, n *int) ([]byte, error) {
	if p.hash == "" {
		return nil, missing("hash")
	}
	h, _, err := hashFunc(p.hash)
	if err != nil {
		return nil, err
	}
	if p.salt == nil {
		return nil, missing("salt")
	}
	if p.info == nil {
		return nil, missing("info")
	}
	if n == nil {
		return nil, opErr("HKDF cannot derive a key with null length.")
	}
	if *n%8 != 0 {
		return nil, opErr("HKDF requires a derived key length that is a multiple of eight (requested %d).", *n)
	}
	if *n == 0 {
		return []byte{}, nil
	}
	out, err := hkdf.Key(h, k.secret, p.salt, string(p.info), *n/8)
	if err != nil {
		return nil, opErr("HKDF deriveBits failed.")
	}
	return out, nil
}
