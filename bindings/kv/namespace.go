package kv

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Namespace is one KV namespace: Cloudflare's KV API, argument checks and limits over a Store.
// It is safe for concurrent use.
type Namespace struct {
	id    string
	store Store
	now   clock
}

// NewNamespace returns namespace id of store.
func NewNamespace(store Store, id string) *Namespace {
	return &Namespace{id: id, store: store, now: time.Now}
}

// ID is the namespace's id, as in the kv_namespaces configuration.
func (n *Namespace) ID() string { return n.id }

// GetOptions are the options of Get and GetBulk.
type GetOptions struct {
	// CacheTTL is the cacheTtl option in seconds, nil when not given. There is one "edge"
	// locally, so it is only checked.
	CacheTTL *int64
}

// Get returns the live entry of key; ok is false when there is none.
func (n *Namespace) Get(key string, opts GetOptions) (e Entry, ok bool, err error) {
	if err := checkKey("GET", key); err != nil {
		return Entry{}, false, err
	}
	if err := checkCacheTTL("GET", opts.CacheTTL); err != nil {
		return Entry{}, false, err
	}
	e, ok, err = n.store.Get(n.id, key, n.now().Unix())
	if err != nil {
		return Entry{}, false, fmt.Errorf("kv %s: get %q: %w", n.id, key, err)
	}
	return e, ok, nil
}

// BulkOptions are the options of GetBulk.
type BulkOptions struct {
	GetOptions
	// Type is the requested type: "", "text" or "json". Bulk gets return no binary values.
	Type string
}

// GetBulk returns the entries of keys, in order, with found[i] false for a key that has none.
// With Type "json", every value found must be valid JSON.
func (n *Namespace) GetBulk(keys []string, opts BulkOptions) (entries []Entry, found []bool, err error) {
	fail := func(status int, format string, args ...any) ([]Entry, []bool, error) {
		return nil, nil, &Error{Op: "GET_BULK", Status: status, Text: fmt.Sprintf(format, args...)}
	}
	if opts.Type != "" && opts.Type != "text" && opts.Type != "json" {
		return fail(400, "%q is not a valid type. Use \"json\" or \"text\"", opts.Type)
	}
	if len(keys) > MaxBulkKeys {
		return fail(400, "You can request a maximum of %d keys", MaxBulkKeys)
	}
	if len(keys) < 1 {
		return fail(400, "You must request a minimum of 1 key")
	}
	now := n.now().Unix()
	entries, found = make([]Entry, len(keys)), make([]bool, len(keys))
	total := 0
	for i, k := range keys {
		// The bulk endpoint checks keys on the server, which words them differently.
		switch {
		case k == "":
			return fail(400, "Key names must not be empty")
		case k == "." || k == "..":
			return fail(400, "Illegal key name %q. Please use a different name.", k)
		case len(k) > MaxKeySize:
			return fail(414, "UTF-8 encoded length of %d exceeds key length limit of %d.", len(k), MaxKeySize)
		}
		if err := checkCacheTTL("GET_BULK", opts.CacheTTL); err != nil {
			return nil, nil, err
		}
		e, ok, err := n.store.Get(n.id, k, now)
		if err != nil {
			return nil, nil, fmt.Errorf("kv %s: get %q: %w", n.id, k, err)
		}
		if ok && opts.Type == "json" && !json.Valid(e.Value) {
			return fail(400, "At least one of the requested keys corresponds to a non-json value")
		}
		entries[i], found[i] = e, ok
		total += len(e.Value)
	}
	if total > MaxValueSize {
		return fail(413, "Total size of request exceeds the limit of %dMB", MaxValueSize>>20)
	}
	return entries, found, nil
}

// PutOptions are the options of Put. Nil fields were not given.
type PutOptions struct {
	// Expiration is when the key expires, in seconds since the epoch.
	Expiration *int64
	// ExpirationTTL is how many seconds from now the key expires; it wins over Expiration.
	ExpirationTTL *int64
	// Metadata is the metadata's JSON serialisation.
	Metadata []byte
}

// Put stores value under key. It returns once the write is durable.
func (n *Namespace) Put(key string, value []byte, opts PutOptions) error {
	if err := checkKey("PUT", key); err != nil {
		return err
	}
	now := n.now().Unix()
	e := Entry{Value: value, Metadata: opts.Metadata}
	fail := func(status int, format string, args ...any) error {
		return &Error{Op: "PUT", Status: status, Text: fmt.Sprintf(format, args...)}
	}
	switch {
	case opts.ExpirationTTL != nil:
		ttl := *opts.ExpirationTTL
		if ttl <= 0 {
			return fail(400, "Invalid expiration_ttl of %d. Please specify integer greater than 0.", ttl)
		}
		if ttl < MinExpirationTTL {
			return fail(400, "Invalid expiration_ttl of %d. Expiration TTL must be at least %d.", ttl, MinExpirationTTL)
		}
		e.Expiration = now + ttl
	case opts.Expiration != nil:
		exp := *opts.Expiration
		if exp <= now {
			return fail(400, "Invalid expiration of %d. Please specify integer greater than the current number of seconds since the UNIX epoch.", exp)
		}
		if exp < now+MinExpirationTTL {
			return fail(400, "Invalid expiration of %d. Expiration times must be at least %d seconds in the future.", exp, MinExpirationTTL)
		}
		e.Expiration = exp
	}
	if len(opts.Metadata) > MaxMetadataSize {
		return fail(413, "Metadata length of %d exceeds limit of %d.", len(opts.Metadata), MaxMetadataSize)
	}
	if len(value) > MaxValueSize {
		return fail(413, "Value length of %d exceeds limit of %d.", len(value), MaxValueSize)
	}
	if err := n.store.Put(n.id, key, e); err != nil {
		return fmt.Errorf("kv %s: put %q: %w", n.id, key, err)
	}
	return nil
}

// Delete removes key. It returns once the deletion is durable.
func (n *Namespace) Delete(key string) error {
	if err := checkKey("DELETE", key); err != nil {
		return err
	}
	if err := n.store.Delete(n.id, key); err != nil {
		return fmt.Errorf("kv %s: delete %q: %w", n.id, key, err)
	}
	return nil
}

// ListOptions are the options of List.
type ListOptions struct {
	// Prefix keeps only the keys that start with it.
	Prefix string
	// Limit is the most keys to return; 0 means MaxListLimit.
	Limit int
	// Cursor continues a previous listing: its ListResult.Cursor.
	Cursor string
}

// ListResult is one page of a listing.
type ListResult struct {
	// Keys are the page's keys in byte order.
	Keys []KeyInfo
	// Complete reports that no keys follow.
	Complete bool
	// Cursor continues the listing when Complete is false.
	Cursor string
}

// List returns the live keys matching opts, in lexicographic byte order.
func (n *Namespace) List(opts ListOptions) (ListResult, error) {
	// List goes over KV's GET endpoint, so its errors say GET.
	fail := func(status int, format string, args ...any) (ListResult, error) {
		return ListResult{}, &Error{Op: "GET", Status: status, Text: fmt.Sprintf(format, args...)}
	}
	limit := opts.Limit
	switch {
	case limit <= 0:
		limit = MaxListLimit
	case limit > MaxListLimit:
		return fail(400, "Invalid key_count_limit of %d. Please specify an integer less than %d.", limit, MaxListLimit)
	}
	if len(opts.Prefix) > MaxKeySize {
		return fail(414, "UTF-8 encoded length of %d exceeds key length limit of %d.", len(opts.Prefix), MaxKeySize)
	}
	after := ""
	if opts.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Cursor)
		if err != nil {
			return fail(400, "Invalid cursor %q.", opts.Cursor)
		}
		after = string(b)
	}
	keys, more, err := n.store.List(n.id, opts.Prefix, after, limit, n.now().Unix())
	if err != nil {
		return ListResult{}, fmt.Errorf("kv %s: list %q: %w", n.id, opts.Prefix, err)
	}
	res := ListResult{Keys: keys, Complete: !more}
	if more && len(keys) > 0 {
		// The cursor is the last key returned: opaque to callers, and stable under writes.
		res.Cursor = base64.RawURLEncoding.EncodeToString([]byte(keys[len(keys)-1].Name))
	}
	return res, nil
}

// checkKey applies the checks workerd makes before a request: TypeErrors for names KV can
// never hold, and KV's 414 for long ones.
func checkKey(op, key string) error {
	switch {
	case key == "":
		return &ArgumentError{"Key name cannot be empty."}
	case key == ".":
		return &ArgumentError{`"." is not allowed as a key name.`}
	case key == "..":
		return &ArgumentError{`".." is not allowed as a key name.`}
	case len(key) > MaxKeySize:
		return &Error{Op: op, Status: 414, Text: fmt.Sprintf("UTF-8 encoded length of %d exceeds key length limit of %d.", len(key), MaxKeySize)}
	}
	return nil
}

func checkCacheTTL(op string, ttl *int64) error {
	if ttl != nil && *ttl < MinCacheTTL {
		return &Error{Op: op, Status: 400, Text: "Invalid cache_ttl of " + strconv.FormatInt(*ttl, 10) + ". Cache TTL must be at least " + strconv.Itoa(MinCacheTTL) + "."}
	}
	return nil
}
