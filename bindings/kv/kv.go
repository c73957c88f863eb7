// Package kv is Workers KV for molt: namespaces of keys holding byte values with optional JSON
// metadata and an expiration time, checked against Cloudflare's limits and answering with
// Cloudflare's error messages.
//
//	store, err := kv.OpenBolt(filepath.Join(stateDir, "kv", "kv.db"), kv.BoltOptions{})
//	ns := kv.NewNamespace(store, "0f2ac74b498b48028cb68387c421e279")
//	err = ns.Put("greeting", []byte("hello"), kv.PutOptions{})
//	e, ok, err := ns.Get("greeting", kv.GetOptions{})
//
// A Namespace validates and a Store persists: the Store interface is the seam where a
// distributed store can later replace the local bbolt file. Nothing here knows JavaScript;
// isolates/js adapts a *Namespace into the KVNamespace object workers see.
package kv

import (
	"fmt"
	"time"
)

// Cloudflare's Workers KV limits (developers.cloudflare.com/kv/platform/limits), with the
// bounds miniflare checks locally.
const (
	// MaxKeySize is the longest key, in UTF-8 bytes.
	MaxKeySize = 512
	// MaxValueSize is the largest value, in bytes (25 MiB).
	MaxValueSize = 25 << 20
	// MaxMetadataSize is the largest metadata, in bytes of its JSON serialisation.
	MaxMetadataSize = 1024
	// MinExpirationTTL is the shortest expirationTtl, and how far ahead an absolute
	// expiration must be, in seconds.
	MinExpirationTTL = 60
	// MinCacheTTL is the smallest cacheTtl a get accepts, in seconds.
	MinCacheTTL = 30
	// MaxListLimit is the most keys one list returns, and its default.
	MaxListLimit = 1000
	// MaxBulkKeys is the most keys one bulk get may ask for.
	MaxBulkKeys = 100
)

// Entry is a stored value with what goes with it.
type Entry struct {
	// Value is the value's bytes.
	Value []byte
	// Metadata is the JSON serialisation of the metadata, nil when the key has none.
	Metadata []byte
	// Expiration is when the key expires, in seconds since the Unix epoch; 0 means never.
	Expiration int64
}

// KeyInfo is one key of a listing.
type KeyInfo struct {
	// Name is the key.
	Name string
	// Expiration is as in Entry.
	Expiration int64
	// Metadata is as in Entry.
	Metadata []byte
}

// Store persists namespaces of entries. Implementations must be safe for concurrent use, must
// hide entries whose Expiration is at or before now, and must not return from Put or Delete
// before the change is durable: a worker that saw a put resolve relies on it surviving a crash.
type Store interface {
	// Get returns the entry of key in namespace ns, with ok false when there is none or it
	// has expired at now (seconds since the epoch).
	Get(ns, key string, now int64) (e Entry, ok bool, err error)
	// Put stores e under key, replacing what was there.
	Put(ns, key string, e Entry) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ns, key string) error
	// List returns up to limit live keys of ns that start with prefix and sort after after
	// (byte-wise), in byte order; more reports whether further keys remain.
	List(ns, prefix, after string, limit int, now int64) (keys []KeyInfo, more bool, err error)
	// Namespaces returns the ids of the namespaces that hold or held data.
	Namespaces() ([]string, error)
	// Close releases the store.
	Close() error
}

// Error is a failure Cloudflare reports as a plain Error whose message names the operation and
// the HTTP status of KV's internal API: "KV PUT failed: 413 Value length of ...".
type Error struct {
	// Op is the operation: GET, GET_BULK, PUT or DELETE.
	Op string
	// Status is the HTTP status KV answers with.
	Status int
	// Text is the explanation.
	Text string
}

func (e *Error) Error() string { return fmt.Sprintf("KV %s failed: %d %s", e.Op, e.Status, e.Text) }

// ArgumentError is a failure Cloudflare reports as a TypeError before any request is made: an
// empty key, "." or "..", an unknown get type.
type ArgumentError struct {
	// Text is the TypeError's message.
	Text string
}

func (e *ArgumentError) Error() string { return e.Text }

// clock is the time source of expirations; tests replace it.
type clock func() time.Time
