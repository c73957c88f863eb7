package durable

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// ID identifies one object of a namespace: 32 bytes, shown as 64 hex digits. As in workerd,
// the first 16 bytes are random (newUniqueId) or a keyed hash of the name (idFromName) and
// the last 16 are a MAC of the first under the namespace's key, so that an id made for one
// namespace is refused by another.
type ID [32]byte

// baseLen is the length of an id's random or name-derived part.
const baseLen = 16

// String is the id's 64 lowercase hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// idKey is a namespace's secret: SHA-256 of its unique key, as workerd derives it.
type idKey [32]byte

func newIDKey(uniqueKey string) idKey { return sha256.Sum256([]byte(uniqueKey)) }

// seal fills in the MAC half of id from its base half.
func (k idKey) seal(id *ID) {
	m := hmac.New(sha256.New, k[:])
	m.Write(id[:baseLen])
	copy(id[baseLen:], m.Sum(nil))
}

func (k idKey) fromName(name string) ID {
	var id ID
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte(name))
	copy(id[:baseLen], m.Sum(nil))
	k.seal(&id)
	return id
}

func (k idKey) unique() ID {
	var id ID
	rand.Read(id[:baseLen])
	k.seal(&id)
	return id
}

// parse reads an id's hex form, with workerd's TypeErrors for malformed ids and ids of other
// namespaces.
func (k idKey) parse(s string) (ID, error) {
	var id ID
	if len(s) != 64 {
		return id, typeErr("Invalid Durable Object ID: must be 64 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, typeErr("Invalid Durable Object ID: must be 64 hex digits")
	}
	want := id
	k.seal(&want)
	if !hmac.Equal(want[baseLen:], id[baseLen:]) {
		return id, typeErr("Durable Object ID is not valid for this namespace.")
	}
	return id, nil
}
