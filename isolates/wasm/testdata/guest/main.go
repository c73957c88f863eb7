// Command guest is the Wasm worker the package's tests run: one WASI program whose paths
// exercise the WAGI contract, the molt host module and the limits.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moltworker/molt/isolates/wasm/guest"
)

func main() {
	path := os.Getenv("PATH_INFO")
	query := os.Getenv("QUERY_STRING")
	switch {
	case path == "/hello":
		fmt.Print("Content-Type: text/plain\n\nhello from wasm\n")
	case path == "/echo":
		body, _ := io.ReadAll(os.Stdin)
		fmt.Printf("Status: 201 Created\r\nContent-Type: %s\r\nX-Method: %s\r\n\r\n%s", os.Getenv("CONTENT_TYPE"), os.Getenv("REQUEST_METHOD"), body)
	case path == "/env":
		fmt.Print("Content-Type: text/plain\n\n")
		for _, k := range strings.Split(query, ",") {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
	case path == "/redirect":
		fmt.Print("Location: /hello\n\n")
	case path == "/clock":
		t0 := time.Now()
		time.Sleep(5 * time.Millisecond)
		b := make([]byte, 16)
		rand.Read(b)
		fmt.Printf("Content-Type: text/plain\n\n%d %v %s", t0.Year(), time.Since(t0) >= 5*time.Millisecond, hex.EncodeToString(b))
	case path == "/sleep":
		ms, _ := strconv.Atoi(query)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Print("Content-Type: text/plain\n\nslept")
	case path == "/file":
		data, err := os.ReadFile(query)
		fmt.Print("Content-Type: text/plain\n\n")
		if err != nil {
			fmt.Printf("error: %v", err)
		} else {
			fmt.Printf("%s", data)
		}
	case path == "/write":
		err := os.WriteFile(query, []byte("x"), 0o644)
		fmt.Printf("Content-Type: text/plain\n\nerror: %v", err)
	case path == "/stderr":
		fmt.Fprintln(os.Stderr, "a line for the log")
		fmt.Print("Content-Type: text/plain\n\nok")
	case path == "/exit":
		fmt.Fprintln(os.Stderr, "giving up")
		os.Exit(3)
	case path == "/noheaders":
		fmt.Print("just a body, no headers")
	case path == "/nothing":
	case path == "/spin":
		n := 0
		for {
			n++
		}
	case path == "/alloc":
		mb, _ := strconv.Atoi(query)
		var keep [][]byte
		for i := 0; i < mb; i++ {
			b := make([]byte, 1<<20)
			b[0] = 1
			keep = append(keep, b)
		}
		fmt.Printf("Content-Type: text/plain\n\nallocated %d MiB", len(keep))
	case path == "/work":
		// Compute-bound: the loop the CloseOnContextDone benchmark times.
		n, _ := strconv.Atoi(query)
		var h uint64 = 14695981039346656037
		for i := 0; i < n; i++ {
			h ^= uint64(i)
			h *= 1099511628211
		}
		fmt.Printf("Content-Type: text/plain\n\n%d", h)
	case strings.HasPrefix(path, "/kv/"):
		serveKV(strings.TrimPrefix(path, "/kv/"), query)
	default:
		fmt.Print("Status: 404 Not Found\nContent-Type: text/plain\n\nnot found")
	}
}

func serveKV(op, arg string) {
	ns := guest.KV(os.Getenv("KV_BINDING"))
	key, value, _ := strings.Cut(arg, "=")
	var out string
	var err error
	switch op {
	case "get":
		v, ok, e := ns.Get(key)
		out, err = fmt.Sprintf("%v %q", ok, v), e
	case "put":
		err = ns.Put(key, []byte(value), 0)
		out = "stored"
	case "big":
		n, _ := strconv.Atoi(value)
		err = ns.Put(key, []byte(strings.Repeat("v", n)), 0)
		if err == nil {
			v, _, e := ns.Get(key)
			out, err = fmt.Sprintf("read %d bytes", len(v)), e
		}
	case "delete":
		err = ns.Delete(key)
		out = "deleted"
	case "list":
		res, e := ns.List(key, "", 0)
		names := []string{}
		for _, k := range res.Keys {
			names = append(names, k.Name)
		}
		out, err = fmt.Sprintf("%v %v", names, res.Complete), e
	}
	if err != nil {
		fmt.Printf("Status: 500\nContent-Type: text/plain\n\nerror: %v", err)
		return
	}
	fmt.Printf("Content-Type: text/plain\n\n%s", out)
}
