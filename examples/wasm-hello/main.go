//go:build wasip1

// Command wasm-hello is the smallest Go Wasm worker: a CGI program that answers every
// request with a greeting. The load test runs it beside examples/hello, its JavaScript twin.
package main

import "os"

func main() {
	os.Stdout.WriteString("Content-Type: text/plain;charset=UTF-8\n\nHello World!")
}
