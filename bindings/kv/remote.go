package kv

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/moltworker/molt/internal/unixrpc"
)

// The remote protocol (package internal/unixrpc) lets molt kv use a store that a running
// molt dev holds open.

// remoteRequest is one Store call.
type remoteRequest struct {
	Op     string `json:"op"`
	NS     string `json:"ns,omitempty"`
	Key    string `json:"key,omitempty"`
	Now    int64  `json:"now,omitempty"`
	Entry  Entry  `json:"entry"`
	Prefix string `json:"prefix,omitempty"`
	After  string `json:"after,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// remoteResponse is a Store call's result; Error is set when the call failed.
type remoteResponse struct {
	Entry      Entry     `json:"entry"`
	OK         bool      `json:"ok,omitempty"`
	Keys       []KeyInfo `json:"keys,omitempty"`
	More       bool      `json:"more,omitempty"`
	Namespaces []string  `json:"namespaces,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Handler serves s to RemoteStore clients.
func Handler(s Store) http.Handler {
	return unixrpc.Handler("kv", func(req *remoteRequest) any {
		var res remoteResponse
		var err error
		switch req.Op {
		case "get":
			res.Entry, res.OK, err = s.Get(req.NS, req.Key, req.Now)
		case "put":
			err = s.Put(req.NS, req.Key, req.Entry)
		case "delete":
			err = s.Delete(req.NS, req.Key)
		case "list":
			res.Keys, res.More, err = s.List(req.NS, req.Prefix, req.After, req.Limit, req.Now)
		case "namespaces":
			res.Namespaces, err = s.Namespaces()
		default:
			err = fmt.Errorf("kv: unknown remote operation %q", req.Op)
		}
		if err != nil {
			res.Error = err.Error()
		}
		return &res
	})
}

// RemoteStore is a Store that another process serves with Handler on a Unix socket.
type RemoteStore struct{ c *unixrpc.Client }

// DialRemote returns a store that calls the process serving the Unix socket at path. It does
// not connect until the first call.
func DialRemote(path string) *RemoteStore { return &RemoteStore{c: unixrpc.Dial("kv", path)} }

func (r *RemoteStore) call(req remoteRequest) (remoteResponse, error) {
	var res remoteResponse
	if err := r.c.Call(&req, &res); err != nil {
		return res, err
	}
	if res.Error != "" {
		return res, errors.New(res.Error)
	}
	return res, nil
}

// Get implements Store.
func (r *RemoteStore) Get(ns, key string, now int64) (Entry, bool, error) {
	res, err := r.call(remoteRequest{Op: "get", NS: ns, Key: key, Now: now})
	return res.Entry, res.OK, err
}

// Put implements Store.
func (r *RemoteStore) Put(ns, key string, e Entry) error {
	_, err := r.call(remoteRequest{Op: "put", NS: ns, Key: key, Entry: e})
	return err
}

// Delete implements Store.
func (r *RemoteStore) Delete(ns, key string) error {
	_, err := r.call(remoteRequest{Op: "delete", NS: ns, Key: key})
	return err
}

// List implements Store.
func (r *RemoteStore) List(ns, prefix, after string, limit int, now int64) ([]KeyInfo, bool, error) {
	res, err := r.call(remoteRequest{Op: "list", NS: ns, Prefix: prefix, After: after, Limit: limit, Now: now})
	return res.Keys, res.More, err
}

// Namespaces implements Store.
func (r *RemoteStore) Namespaces() ([]string, error) {
	res, err := r.call(remoteRequest{Op: "namespaces"})
	return res.Namespaces, err
}

// Close implements Store: it drops idle connections; the serving process keeps the store.
func (r *RemoteStore) Close() error {
	r.c.Close()
	return nil
}
