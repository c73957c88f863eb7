//go:build wasip1

// Package guest is the Go side of molt's Wasm worker ABI: Go programs built with GOOS=wasip1
// GOARCH=wasm use it to reach their bindings through the host module "molt".
//
//	counts := guest.KV("COUNTS")
//	v, ok, err := counts.Get("hits")
//	err = counts.Put("hits", []byte("1"), 0)
//
// The HTTP side needs nothing from molt: a Wasm worker is a CGI program, so net/http/cgi's
// cgi.Serve, or plain reads of os.Getenv and os.Stdin and writes to os.Stdout, serve requests.
package guest

import (
	"encoding/json"
	"errors"
	"unsafe"
)

//go:wasmimport molt kv_get
func kvGet(binding unsafe.Pointer, bindingLen uint32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport molt kv_put
func kvPut(binding unsafe.Pointer, bindingLen uint32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttl int64) int32

//go:wasmimport molt kv_delete
func kvDelete(binding unsafe.Pointer, bindingLen uint32, key unsafe.Pointer, keyLen uint32) int32

//go:wasmimport molt kv_list
func kvList(binding unsafe.Pointer, bindingLen uint32, prefix unsafe.Pointer, prefixLen uint32, cursor unsafe.Pointer, cursorLen uint32, limit int32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport molt last_error
func lastError(buf unsafe.Pointer, bufLen uint32) int32

// Namespace is a KV namespace bound to the worker.
type Namespace struct{ binding string }

// KV returns the namespace bound as binding in the worker's configuration.
func KV(binding string) Namespace { return Namespace{binding: binding} }

func ptr(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

func bptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// hostError reads the message of the host call that just failed.
func hostError() error {
	buf := make([]byte, 256)
	for {
		n := lastError(bptr(buf), uint32(len(buf)))
		if int(n) <= len(buf) {
			return errors.New(string(buf[:n]))
		}
		buf = make([]byte, n)
	}
}

// fetch calls a host function that writes a result of unknown size, growing the buffer once
// if the first guess was short: the host keeps the result between the two calls.
func fetch(call func(buf []byte) int32) ([]byte, bool, error) {
	buf := make([]byte, 1024)
	for {
		n := call(buf)
		switch {
		case n == -1:
			return nil, false, nil
		case n < 0:
			return nil, false, hostError()
		case int(n) <= len(buf):
			return buf[:n], true, nil
		}
		buf = make([]byte, n)
	}
}

// Get returns the value of key; ok is false when there is none.
func (ns Namespace) Get(key string) (value []byte, ok bool, err error) {
	b, bl := ptr(ns.binding)
	k, kl := ptr(key)
	return fetch(func(buf []byte) int32 { return kvGet(b, bl, k, kl, bptr(buf), uint32(len(buf))) })
}

// Put stores value under key; a ttl above zero makes it expire after that many seconds (at
// least 60, as on Cloudflare).
func (ns Namespace) Put(key string, value []byte, ttl int64) error {
	b, bl := ptr(ns.binding)
	k, kl := ptr(key)
	if kvPut(b, bl, k, kl, bptr(value), uint32(len(value)), ttl) < 0 {
		return hostError()
	}
	return nil
}

// Delete removes key.
func (ns Namespace) Delete(key string) error {
	b, bl := ptr(ns.binding)
	k, kl := ptr(key)
	if kvDelete(b, bl, k, kl) < 0 {
		return hostError()
	}
	return nil
}

// Key is one key of a List page.
type Key struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// ListResult is one page of keys, as the JavaScript API's list() returns it.
type ListResult struct {
	Keys     []Key  `json:"keys"`
	Complete bool   `json:"list_complete"`
	Cursor   string `json:"cursor,omitempty"`
}

// List returns up to limit keys (0 means 1000) starting with prefix, after cursor.
func (ns Namespace) List(prefix, cursor string, limit int) (ListResult, error) {
	b, bl := ptr(ns.binding)
	p, pl := ptr(prefix)
	c, cl := ptr(cursor)
	data, _, err := fetch(func(buf []byte) int32 {
		return kvList(b, bl, p, pl, c, cl, int32(limit), bptr(buf), uint32(len(buf)))
	})
	if err != nil {
		return ListResult{}, err
	}
	var res ListResult
	err = json.Unmarshal(data, &res)
	return res, err
}
