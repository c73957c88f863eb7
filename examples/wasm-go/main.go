//go:build wasip1

// Command wasm-go is a Wasm worker written in Go: built with GOOS=wasip1 GOARCH=wasm, it runs
// in a fresh wazero instance per request and answers through CGI (net/http/cgi). It counts
// visits per name in the KV namespace bound as COUNTS, through molt's host functions.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os"
	"strconv"
	"strings"

	"github.com/moltworker/molt/isolates/wasm/guest"
)

func main() {
	counts := guest.KV("COUNTS")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello from Go on WASI, %s!\n", os.Getenv("GREETING_NAME"))
	})
	mux.HandleFunc("POST /hit/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		n, err := count(counts, name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n++
		if err := counts.Put("count:"+name, []byte(strconv.Itoa(n)), 0); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(w, map[string]any{"name": name, "total": n})
	})
	mux.HandleFunc("GET /count/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		n, err := count(counts, name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(w, map[string]any{"name": name, "total": n})
	})
	mux.HandleFunc("GET /names", func(w http.ResponseWriter, r *http.Request) {
		res, err := counts.List("count:", "", 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		names := []string{}
		for _, k := range res.Keys {
			names = append(names, strings.TrimPrefix(k.Name, "count:"))
		}
		reply(w, names)
	})
	mux.HandleFunc("DELETE /count/{name}", func(w http.ResponseWriter, r *http.Request) {
		if err := counts.Delete("count:" + r.PathValue("name")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /bad-key", func(w http.ResponseWriter, r *http.Request) {
		// KV's own checks reach Go as errors with Cloudflare's messages.
		_, _, err := counts.Get(strings.Repeat("k", 600))
		http.Error(w, fmt.Sprint(err), http.StatusBadRequest)
	})
	if err := cgi.Serve(mux); err != nil {
		fmt.Fprintln(os.Stderr, "cgi:", err)
		os.Exit(1)
	}
}

func count(ns guest.Namespace, name string) (int, error) {
	v, ok, err := ns.Get("count:" + name)
	if err != nil || !ok {
		return 0, err
	}
	return strconv.Atoi(string(v))
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
