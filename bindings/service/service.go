// Package service is the Go side of service bindings ([[services]] in wrangler configuration):
// env.BINDING.fetch(request) in one worker sends the request to another worker of the same
// host, in process, without a network hop.
package service

import "net/http"

// Binding is one service binding: Service names the worker it reaches and Transport carries
// each request there (the host decides which version of the worker serves it).
type Binding struct {
	Service   string
	Transport http.RoundTripper
}
