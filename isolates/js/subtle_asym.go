package js

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
)

// Asymmetric algorithms: ECDSA and ECDH on the NIST curves, Ed25519 (and workerd's NODE-ED25519),
// X25519, RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP. ECDSA and ECDH keys are both held as
// crypto/ecdsa keys (which is what x509 parses them to) and converted for ECDH when deriving.

var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// curveSize is the byte length of a coordinate, a scalar, and half an ECDSA signature.
func curveSize(c elliptic.Curve) int { return (c.Params().BitSize + 7) / 8 }

func curveName(c elliptic.Curve) string { return c.Params().Name }

func lookupCurve(p *algParams) (elliptic.Curve, error) {
	if p.namedCurve == "" {
		return nil, missing("namedCurve")
	}
	c, ok := curves[p.namedCurve]
	if !ok {
		return nil, notSupported("Unrecognized or unimplemented EC curve \"%s\" requested.", p.namedCurve)
	}
	return c, nil
}

func generateEC(p *algParams) ([2]*cryptoKey, error) {
	c, err := lookupCurve(p)
	if err != nil {
		return [2]*cryptoKey{}, err
	}
	priv, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		return [2]*cryptoKey{}, err
	}
	return [2]*cryptoKey{
		{alg: p.name, typ: "public", curve: p.namedCurve, pub: &priv.PublicKey},
		{alg: p.name, typ: "private", curve: p.namedCurve, pub: &priv.PublicKey, priv: priv},
	}, nil
}

var ecdsaJWKAlgs = map[string]string{"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

func importEC(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	c, err := lookupCurve(p)
	if err != nil {
		return nil, err
	}
	k := &cryptoKey{alg: p.name, curve: p.namedCurve}
	mismatch := func() error {
		if p.name == "ECDH" {
			return dataErr("\"algorithm.namedCurve\" \"%s\", does not match the curve specified by the input key data", p.namedCurve)
		}
		return dataErr("\"algorithm.namedCurve\" \"%s\" does not match the curve specified by the input key data", p.namedCurve)
	}
	switch format {
	case "raw":
		pub, err := parseECPoint(c, raw)
		if err != nil {
			return nil, dataErr("Failed to import raw EC key data")
		}
		k.typ, k.pub = "public", pub
	case "spki":
		v, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataErr("Invalid SPKI input.")
		}
		pub, ok := v.(*ecdsa.PublicKey)
		if !ok {
			return nil, dataErr("Input was not an EC key")
		}
		if pub.Curve != c {
			return nil, mismatch()
		}
		k.typ, k.pub = "public", pub
	case "pkcs8":
		v, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataErr("Invalid PKCS8 input.")
		}
		priv, ok := v.(*ecdsa.PrivateKey)
		if !ok {
			return nil, dataErr("Input was not an EC key")
		}
		if priv.Curve != c {
			return nil, mismatch()
		}
		k.typ, k.pub, k.priv = "private", &priv.PublicKey, priv
	case "jwk":
		if kty, _ := jwkString(jwk, "kty"); kty != "EC" {
			return nil, dataErr("Elliptic curve \"jwk\" key import requires a JSON Web Key with Key Type parameter \"kty\" (\"%s\") equal to \"EC\".", kty)
		}
		if crv, _ := jwkString(jwk, "crv"); crv != p.namedCurve {
			return nil, dataErr("Only %s is supported but \"%s\" was requested.", p.namedCurve, crv)
		}
		if alg, ok := jwkString(jwk, "alg"); ok && p.name == "ECDSA" {
			want, known := ecdsaJWKAlgs[alg]
			if !known {
				return nil, notSupported("Unrecognized or unimplemented algorithm \"%s\" listed in JSON Web Key Algorithm parameter.", alg)
			}
			if want != p.namedCurve {
				return nil, dataErr("JSON Web Key Algorithm parameter \"alg\" (\"%s\") does not match requested curve.", alg)
			}
		}
		size := curveSize(c)
		x, okx := jwkBytes(jwk, "x")
		y, oky := jwkBytes(jwk, "y")
		if !okx || !oky || len(x) != size || len(y) != size {
			return nil, dataErr("Invalid EC key in JSON Web Key")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(c, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, opErr("Invalid EC key; public key coordinates \"x\" and \"y\" are invalid")
		}
		k.typ, k.pub = "public", pub
		if _, ok := jwk["d"]; ok {
			d, ok := jwkBytes(jwk, "d")
			if !ok || len(d) != size {
				return nil, opErr("Invalid EC key; private key component \"d\" is invalid")
			}
			priv, err := ecdsa.ParseRawPrivateKey(c, d)
			if err != nil {
				return nil, opErr("Invalid EC key; private key component \"d\" is invalid")
			}
			if !priv.PublicKey.Equal(pub) {
				return nil, dataErr("Invalid EC key in JSON Web Key")
			}
			k.typ, k.pub, k.priv = "private", &priv.PublicKey, priv
		}
	default:
		return nil, notSupported("Unrecognized key import format \"%s\".", format)
	}
	return k, nil
}

// parseECPoint parses an uncompressed or compressed SEC 1 point.
func parseECPoint(c elliptic.Curve, b []byte) (*ecdsa.PublicKey, error) {
	if len(b) > 0 && (b[0] == 2 || b[0] == 3) {
		x, y := elliptic.UnmarshalCompressed(c, b)
		if x == nil {
			return nil, errInvalid
		}
		size := curveSize(c)
		u := make([]byte, 1+2*size)
		u[0] = 4
		x.FillBytes(u[1 : 1+size])
		y.FillBytes(u[1+size:])
		b = u
	}
	return ecdsa.ParseUncompressedPublicKey(c, b)
}

var errInvalid = dataErr("invalid key data")

func ecdsaHash(p *algParams) (crypto.Hash, error) {
	if p.hash == "" {
		return 0, typeErr("Missing \"hash\" in AlgorithmIdentifier. (ECDSA requires that the hash algorithm be specified at call time rather than on the key. This differs from other WebCrypto algorithms for historical reasons.)")
	}
	_, h, err := hashFunc(p.hash)
	return h, err
}

func digestWith(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

func signECDSA(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	priv, ok := k.priv.(*ecdsa.PrivateKey)
	if !ok || k.typ != "private" {
		return nil, accessErr("Asymmetric signing requires a private key.")
	}
	h, err := ecdsaHash(p)
	if err != nil {
		return nil, err
	}
	r, s, err := ecdsa.Sign(rand.Reader, priv, digestWith(h, data))
	if err != nil {
		return nil, err
	}
	size := curveSize(priv.Curve)
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return sig, nil
}

func verifyECDSA(k *cryptoKey, p *algParams, sig, data []byte) (bool, error) {
	pub, ok := k.pub.(*ecdsa.PublicKey)
	if !ok || k.typ != "public" {
		return false, accessErr("Asymmetric verification requires a public key.")
	}
	h, err := ecdsaHash(p)
	if err != nil {
		return false, err
	}
	size := curveSize(pub.Curve)
	if len(sig) != 2*size {
		return false, nil
	}
	r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
	return ecdsa.Verify(pub, digestWith(h, data), r, s), nil
}

// okpCurve is the JWK curve name of an Ed25519 or X25519 algorithm.
func okpCurve(alg string) string {
	if alg == "X25519" {
		return "X25519"
	}
	return "Ed25519"
}

func checkNodeEd25519(p *algParams) error {
	if p.name != "NODE-ED25519" {
		return nil
	}
	if p.namedCurve == "" {
		return missing("namedCurve")
	}
	if p.namedCurve != "NODE-ED25519" {
		return notSupported("EDDSA curve \"%s\" isn't supported.", p.namedCurve)
	}
	return nil
}

func generateOKP(p *algParams) ([2]*cryptoKey, error) {
	if err := checkNodeEd25519(p); err != nil {
		return [2]*cryptoKey{}, err
	}
	var pub, priv any
	if p.name == "X25519" {
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return [2]*cryptoKey{}, err
		}
		pub, priv = k.PublicKey(), k
	} else {
		pu, pr, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return [2]*cryptoKey{}, err
		}
		pub, priv = pu, pr
	}
	return [2]*cryptoKey{
		{alg: p.name, typ: "public", pub: pub},
		{alg: p.name, typ: "private", pub: pub, priv: priv},
	}, nil
}

func importOKP(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	if err := checkNodeEd25519(p); err != nil {
		return nil, err
	}
	crv := okpCurve(p.name)
	x25519 := p.name == "X25519"
	k := &cryptoKey{alg: p.name}
	wrongType := dataErr("Input was not an %s key", crv)
	switch format {
	case "raw":
		if len(raw) != 32 {
			return nil, dataErr("%s raw keys must be exactly 32-bytes (provided %d).", crv, len(raw))
		}
		pub, err := okpPublic(x25519, raw)
		if err != nil {
			return nil, err
		}
		k.typ, k.pub = "public", pub
	case "spki":
		v, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataErr("Invalid SPKI input.")
		}
		switch pub := v.(type) {
		case ed25519.PublicKey:
			if x25519 {
				return nil, wrongType
			}
			k.pub = pub
		case *ecdh.PublicKey:
			if !x25519 || pub.Curve() != ecdh.X25519() {
				return nil, wrongType
			}
			k.pub = pub
		default:
			return nil, wrongType
		}
		k.typ = "public"
	case "pkcs8":
		v, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataErr("Invalid PKCS8 input.")
		}
		switch priv := v.(type) {
		case ed25519.PrivateKey:
			if x25519 {
				return nil, wrongType
			}
			k.pub, k.priv = priv.Public(), priv
		case *ecdh.PrivateKey:
			if !x25519 || priv.Curve() != ecdh.X25519() {
				return nil, wrongType
			}
			k.pub, k.priv = priv.PublicKey(), priv
		default:
			return nil, wrongType
		}
		k.typ = "private"
	case "jwk":
		if kty, _ := jwkString(jwk, "kty"); kty != "OKP" {
			return nil, dataErr("%s \"jwk\" key imports requires a JSON Web Key with Key Type parameter \"kty\" (\"%s\") equal to \"OKP\".", crv, kty)
		}
		c, ok := jwkString(jwk, "crv")
		if !ok {
			return nil, dataErr("Missing field \"crv\" for %s key.", crv)
		}
		if c != crv {
			return nil, notSupported("Only %s is supported but \"%s\" was requested.", crv, c)
		}
		if alg, ok := jwkString(jwk, "alg"); ok && !x25519 && alg != "EdDSA" {
			return nil, dataErr("JSON Web Key Algorithm parameter \"alg\" (\"%s\") does not match requested Ed25519 curve.", alg)
		}
		x, _ := jwkBytes(jwk, "x")
		if len(x) != 32 {
			return nil, dataErr("Invalid length %d for public key", len(x))
		}
		pub, err := okpPublic(x25519, x)
		if err != nil {
			return nil, err
		}
		k.typ, k.pub = "public", pub
		if _, ok := jwk["d"]; ok {
			d, _ := jwkBytes(jwk, "d")
			if len(d) != 32 {
				return nil, dataErr("Invalid length %d for private key", len(d))
			}
			var derived []byte
			if x25519 {
				priv, err := ecdh.X25519().NewPrivateKey(d)
				if err != nil {
					return nil, dataErr("Invalid length %d for private key", len(d))
				}
				k.priv, derived = priv, priv.PublicKey().Bytes()
			} else {
				priv := ed25519.NewKeyFromSeed(d)
				k.priv, derived = priv, priv.Public().(ed25519.PublicKey)
			}
			if !bytes.Equal(derived, x) {
				return nil, dataErr("Invalid %s key in JSON Web Key: \"x\" is not the public key of \"d\".", crv)
			}
			k.typ = "private"
		}
	default:
		return nil, notSupported("Unrecognized key import format \"%s\".", format)
	}
	return k, nil
}

func okpPublic(x25519 bool, b []byte) (any, error) {
	if x25519 {
		pub, err := ecdh.X25519().NewPublicKey(b)
		if err != nil {
			return nil, dataErr("Invalid raw X25519 key provided")
		}
		return pub, nil
	}
	return ed25519.PublicKey(bytes.Clone(b)), nil
}

func okpBytes(k *cryptoKey) (pub, priv []byte) {
	switch x := k.pub.(type) {
	case ed25519.PublicKey:
		pub = x
	case *ecdh.PublicKey:
		pub = x.Bytes()
	}
	switch x := k.priv.(type) {
	case ed25519.PrivateKey:
		priv = x.Seed()
	case *ecdh.PrivateKey:
		priv = x.Bytes()
	}
	return pub, priv
}

func signEd25519(k *cryptoKey, data []byte) ([]byte, error) {
	priv, ok := k.priv.(ed25519.PrivateKey)
	if !ok || k.typ != "private" {
		return nil, accessErr("Asymmetric signing requires a private key.")
	}
	return ed25519.Sign(priv, data), nil
}

func verifyEd25519(k *cryptoKey, sig, data []byte) (bool, error) {
	pub, ok := k.pub.(ed25519.PublicKey)
	if !ok || k.typ != "public" {
		return false, accessErr("Asymmetric verification requires a public key.")
	}
	if len(sig) != ed25519.SignatureSize {
		return false, opErr("Invalid %s signature length %d", k.alg, len(sig))
	}
	return ed25519.Verify(pub, data, sig), nil
}

// ecdhBits derives the shared secret of ECDH or X25519 between k and p.public.
func ecdhBits(k *cryptoKey, p *algParams, n *int) ([]byte, error) {
	if p.public == nil {
		return nil, typeErr("Missing field \"public\" in \"derivedKeyParams\".")
	}
	if k.typ != "private" {
		return nil, accessErr("The deriveBits operation is only valid for a private key, not \"%s\".", k.typ)
	}
	peer := p.public
	if peer.typ != "public" {
		return nil, accessErr("The provided key has type \"%s\", not \"public\"", peer.typ)
	}
	if peer.alg != k.alg {
		return nil, accessErr("Private key for derivation is using \"%s\" while public key is using \"%s\".", k.alg, peer.alg)
	}
	var priv *ecdh.PrivateKey
	var pub *ecdh.PublicKey
	if k.alg == "X25519" {
		priv, _ = k.priv.(*ecdh.PrivateKey)
		pub, _ = peer.pub.(*ecdh.PublicKey)
	} else {
		if peer.curve != k.curve {
			return nil, accessErr("Private key for derivation is using curve \"%s\" while public key is using \"%s\".", k.curve, peer.curve)
		}
		var err error
		if priv, err = k.priv.(*ecdsa.PrivateKey).ECDH(); err != nil {
			return nil, err
		}
		if pub, err = peer.pub.(*ecdsa.PublicKey).ECDH(); err != nil {
			return nil, err
		}
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		if k.alg == "X25519" {
			return nil, opErr("Detected small order secure curve points, aborting EDDH derivation")
		}
		return nil, opErr("Failed to generate shared ECDH secret")
	}
	if n == nil {
		return secret, nil
	}
	if *n > len(secret)*8 {
		return nil, opErr("Derived key length (%d bits) is too long (should be at most %d bits).", *n, len(secret)*8)
	}
	return truncateBits(secret, *n), nil
}

func checkRSAGenerate(p *algParams) error {
	if p.modulusLength == nil {
		return missing("modulusLength")
	}
	if p.publicExponent == nil {
		return missing("publicExponent")
	}
	if p.hash == "" {
		return missing("hash")
	}
	if _, _, err := hashFunc(p.hash); err != nil {
		return err
	}
	if n := *p.modulusLength; n%8 != 0 || n < 256 || n > 16384 {
		return opErr("The modulus length must be a multiple of 8 and between 256 and 16k, but %d was requested.", n)
	}
	e := new(big.Int).SetBytes(p.publicExponent)
	if !e.IsUint64() || e.Uint64() > 1<<32 {
		return opErr("The \"publicExponent\" must be either 3 or 65537, but got a number larger than 2^32.")
	}
	switch e.Uint64() {
	case 65537:
	case 3:
		// Go's crypto/rsa generates keys with e = 65537 only.
		return notSupported("RSA key generation with a \"publicExponent\" of 3 is not supported; use 65537.")
	default:
		return opErr("The \"publicExponent\" must be either 3 or 65537, but got %d.", e.Uint64())
	}
	return nil
}

func generateRSA(p *algParams) ([2]*cryptoKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, *p.modulusLength)
	if err != nil {
		return [2]*cryptoKey{}, opErr("RSA key generation failed: %v", err)
	}
	return [2]*cryptoKey{
		{alg: p.name, typ: "public", hash: p.hash, pub: &priv.PublicKey},
		{alg: p.name, typ: "private", hash: p.hash, pub: &priv.PublicKey, priv: priv},
	}, nil
}

func rsaPublic(k *cryptoKey) *rsa.PublicKey {
	pub, _ := k.pub.(*rsa.PublicKey)
	return pub
}

// rsaJWKAlg is the JWK "alg" of an RSA algorithm and hash.
func rsaJWKAlg(alg, hash string) string {
	switch alg {
	case "RSA-PSS":
		return "PS" + hashSuffix(hash)
	case "RSA-OAEP":
		if hash == "SHA-1" {
			return "RSA-OAEP"
		}
		return "RSA-OAEP-" + hashSuffix(hash)
	}
	return "RS" + hashSuffix(hash)
}

func importRSA(format string, raw []byte, jwk map[string]any, p *algParams) (*cryptoKey, error) {
	if p.hash == "" {
		return nil, missing("hash")
	}
	if _, _, err := hashFunc(p.hash); err != nil {
		return nil, err
	}
	k := &cryptoKey{alg: p.name, hash: p.hash}
	switch format {
	case "spki":
		v, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			return nil, dataErr("Invalid SPKI input.")
		}
		pub, ok := v.(*rsa.PublicKey)
		if !ok {
			return nil, dataErr("Input was not an RSA key")
		}
		k.typ, k.pub = "public", pub
	case "pkcs8":
		v, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, dataErr("Invalid PKCS8 input.")
		}
		priv, ok := v.(*rsa.PrivateKey)
		if !ok {
			return nil, dataErr("Input was not an RSA key")
		}
		k.typ, k.pub, k.priv = "private", &priv.PublicKey, priv
	case "jwk":
		if kty, _ := jwkString(jwk, "kty"); kty != "RSA" {
			return nil, dataErr("RSA \"jwk\" key import requires a JSON Web Key with Key Type parameter \"kty\" (\"%s\") equal to \"RSA\".", kty)
		}
		if alg, ok := jwkString(jwk, "alg"); ok {
			if want := rsaJWKAlg(p.name, p.hash); alg != want {
				return nil, dataErr("JSON Web Key Algorithm parameter \"alg\" (\"%s\") does not match requested hash algorithm \"%s\".", alg, p.hash)
			}
		}
		num := func(name, what string) (*big.Int, error) {
			b, ok := jwkBytes(jwk, name)
			if !ok || len(b) == 0 {
				return nil, dataErr("Invalid RSA key in JSON Web Key; missing or invalid %s parameter (\"%s\").", what, name)
			}
			return new(big.Int).SetBytes(b), nil
		}
		n, err := num("n", "Modulus")
		if err != nil {
			return nil, err
		}
		e, err := num("e", "Exponent")
		if err != nil {
			return nil, err
		}
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return nil, dataErr("Invalid RSA key in JSON Web Key; failed to set key parameters")
		}
		pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
		k.typ, k.pub = "public", pub
		if _, ok := jwk["d"]; ok {
			if _, ok := jwk["oth"]; ok {
				return nil, notSupported("Multi-prime private keys not supported.")
			}
			var vals [6]*big.Int
			for i, f := range []struct{ name, what string }{{"d", "Private Exponent"}, {"p", "First Prime Factor"}, {"q", "Second Prime Factor"},
				{"dp", "First Factor CRT Exponent"}, {"dq", "Second Factor CRT Exponent"}, {"qi", "First CRT Coefficient"}} {
				if vals[i], err = num(f.name, f.what); err != nil {
					return nil, err
				}
			}
			priv := &rsa.PrivateKey{PublicKey: *pub, D: vals[0], Primes: []*big.Int{vals[1], vals[2]}}
			priv.Precompute()
			if err := priv.Validate(); err != nil {
				return nil, dataErr("Invalid RSA key in JSON Web Key; %v", err)
			}
			if priv.Precomputed.Dp.Cmp(vals[3]) != 0 || priv.Precomputed.Dq.Cmp(vals[4]) != 0 || priv.Precomputed.Qinv.Cmp(vals[5]) != 0 {
				return nil, dataErr("Invalid RSA key in JSON Web Key; failed to set CRT parameters")
			}
			k.typ, k.pub, k.priv = "private", &priv.PublicKey, priv
		}
	default:
		return nil, notSupported("Unrecognized key import format \"%s\".", format)
	}
	return k, nil
}

func rsaPSSOptions(p *algParams) (*rsa.PSSOptions, error) {
	if p.saltLength == nil {
		return nil, typeErr("Failed to provide salt for RSA-PSS key operation which requires a salt")
	}
	if *p.saltLength < 0 {
		return nil, dataErr("SaltLength for RSA-PSS must be non-negative (provided %d).", *p.saltLength)
	}
	return &rsa.PSSOptions{SaltLength: *p.saltLength}, nil
}

func signRSA(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	priv, ok := k.priv.(*rsa.PrivateKey)
	if !ok || k.typ != "private" {
		return nil, accessErr("Asymmetric signing requires a private key.")
	}
	_, h, err := hashFunc(k.hash)
	if err != nil {
		return nil, err
	}
	digest := digestWith(h, data)
	if k.alg == "RSA-PSS" {
		opts, err := rsaPSSOptions(p)
		if err != nil {
			return nil, err
		}
		if opts.SaltLength == 0 {
			// Go reads a salt length of 0 as "as long as possible" and has no way to sign
			// with an empty salt.
			return nil, notSupported("RSA-PSS signing with a \"saltLength\" of 0 is not supported.")
		}
		return rsa.SignPSS(rand.Reader, priv, h, digest, opts)
	}
	return rsa.SignPKCS1v15(nil, priv, h, digest)
}

func verifyRSA(k *cryptoKey, p *algParams, sig, data []byte) (bool, error) {
	pub, ok := k.pub.(*rsa.PublicKey)
	if !ok || k.typ != "public" {
		return false, accessErr("Asymmetric verification requires a public key.")
	}
	_, h, err := hashFunc(k.hash)
	if err != nil {
		return false, err
	}
	digest := digestWith(h, data)
	if k.alg == "RSA-PSS" {
		opts, err := rsaPSSOptions(p)
		if err != nil {
			return false, err
		}
		// A saltLength of 0 is Go's PSSSaltLengthAuto: the salt length is read from the
		// signature instead of required to be empty.
		return rsa.VerifyPSS(pub, h, digest, sig, opts) == nil, nil
	}
	return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil, nil
}

func oaepEncrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	pub, ok := k.pub.(*rsa.PublicKey)
	if !ok || k.typ != "public" {
		return nil, accessErr("Encryption/key wrapping only works with public keys, not \"%s\".", k.typ)
	}
	_, h, err := hashFunc(k.hash)
	if err != nil {
		return nil, err
	}
	out, err := rsa.EncryptOAEP(h.New(), rand.Reader, pub, data, p.label)
	if err != nil {
		return nil, opErr("RSA-OAEP failed encrypt/decrypt")
	}
	return out, nil
}

func oaepDecrypt(k *cryptoKey, p *algParams, data []byte) ([]byte, error) {
	priv, ok := k.priv.(*rsa.PrivateKey)
	if !ok || k.typ != "private" {
		return nil, accessErr("Decryption/key unwrapping only works with private keys, not \"%s\".", k.typ)
	}
	_, h, err := hashFunc(k.hash)
	if err != nil {
		return nil, err
	}
	out, err := rsa.DecryptOAEP(h.New(), nil, priv, data, p.label)
	if err != nil {
		return nil, opErr("RSA-OAEP failed encrypt/decrypt")
	}
	return out, nil
}

func exportAsymmetric(k *cryptoKey, format string) ([]byte, error) {
	switch format {
	case "raw":
		if k.typ != "public" {
			switch k.alg {
			case "ECDSA", "ECDH":
				return nil, accessErr("Raw export of elliptic curve keys is only allowed for public keys.")
			case "Ed25519", "NODE-ED25519", "X25519":
				return nil, accessErr("Raw export of %s keys is only allowed for public keys.", k.alg)
			}
		}
		switch pub := k.pub.(type) {
		case *ecdsa.PublicKey:
			return pub.Bytes()
		case ed25519.PublicKey, *ecdh.PublicKey:
			b, _ := okpBytes(k)
			return bytes.Clone(b), nil
		}
		return nil, accessErr("Cannot export \"%s\" in \"raw\" format.", k.alg)
	case "spki":
		if k.typ != "public" {
			return nil, accessErr("Asymmetric spki export requires public key (not \"%s\").", k.typ)
		}
		b, err := x509.MarshalPKIXPublicKey(k.pub)
		if err != nil {
			return nil, opErr("Public key export failed.")
		}
		return b, nil
	case "pkcs8":
		if k.typ != "private" {
			return nil, accessErr("Asymmetric pkcs8 export requires private key (not \"%s\").", k.typ)
		}
		b, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return nil, opErr("Private key export failed.")
		}
		return b, nil
	}
	return nil, notSupported("Unrecognized key export format \"%s\".", format)
}

func exportAsymmetricJWK(k *cryptoKey) (map[string]string, error) {
	m := map[string]string{}
	switch pub := k.pub.(type) {
	case *ecdsa.PublicKey:
		b, err := pub.Bytes()
		if err != nil {
			return nil, err
		}
		size := curveSize(pub.Curve)
		m["kty"], m["crv"] = "EC", curveName(pub.Curve)
		m["x"], m["y"] = b64url(b[1:1+size]), b64url(b[1+size:])
		if priv, ok := k.priv.(*ecdsa.PrivateKey); ok {
			d, err := priv.Bytes()
			if err != nil {
				return nil, err
			}
			m["d"] = b64url(d)
		}
	case ed25519.PublicKey, *ecdh.PublicKey:
		x, d := okpBytes(k)
		m["kty"], m["crv"], m["x"] = "OKP", okpCurve(k.alg), b64url(x)
		if k.alg == "Ed25519" {
			m["alg"] = "EdDSA"
		}
		if d != nil {
			m["d"] = b64url(d)
		}
	case *rsa.PublicKey:
		m["kty"], m["alg"] = "RSA", rsaJWKAlg(k.alg, k.hash)
		m["n"], m["e"] = b64url(pub.N.Bytes()), b64url(big.NewInt(int64(pub.E)).Bytes())
		if priv, ok := k.priv.(*rsa.PrivateKey); ok {
			if len(priv.Primes) != 2 {
				return nil, notSupported("Multi-prime private keys not supported.")
			}
			priv.Precompute()
			m["d"], m["p"], m["q"] = b64url(priv.D.Bytes()), b64url(priv.Primes[0].Bytes()), b64url(priv.Primes[1].Bytes())
			m["dp"], m["dq"], m["qi"] = b64url(priv.Precomputed.Dp.Bytes()), b64url(priv.Precomputed.Dq.Bytes()), b64url(priv.Precomputed.Qinv.Bytes())
		}
	default:
		return nil, notSupported("Unimplemented key export format \"jwk\".")
	}
	return m, nil
}
