// Package unixrpc carries a binding store's calls from one molt process to the process that
// holds the store's file. bbolt admits one opener per file, so while molt dev runs, molt kv and
// molt vectorize reach the same data through the running process: one POST of a JSON request
// per call, on a Unix socket in the state directory, which only local users with access to
// that directory can reach.
package unixrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Serve serves h on a Unix socket at path until stop is called, replacing a socket left by a
// process that died: the caller holds the store's file lock, so that process is gone.
func Serve(path string, h http.Handler) (stop func(), err error) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", path, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		srv.Close()
		os.Remove(path)
	}, nil
}

// Handler decodes each request's JSON body into a new Req, and answers with fn's result as
// JSON. Failures of the call itself travel inside the result, in whatever shape the binding
// needs to rebuild its error types.
func Handler[Req any](what string, fn func(req *Req) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := new(Req)
		if err := json.NewDecoder(r.Body).Decode(req); err != nil {
			http.Error(w, what+": malformed remote request: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(fn(req))
	})
}

// Client calls the process that serves a socket with Handler.
type Client struct {
	what, socket string
	http         *http.Client
}

// Dial returns a client of the socket at path; it connects on the first call. what names the
// binding in errors ("kv", "vectorize").
func Dial(what, path string) *Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{what: what, socket: path, http: &http.Client{Transport: tr}}
}

// Call sends req and decodes the answer into res.
func (c *Client) Call(req, res any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	resp, err := c.http.Post("http://molt/"+c.what, "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: reaching the molt process that holds the store (%s): %w", c.what, c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: the molt process that holds the store answered %s", c.what, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(res); err != nil {
		return fmt.Errorf("%s: reading the remote store's answer: %w", c.what, err)
	}
	return nil
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }
