// Package service is the Go side of service bindings ([[services]] in wrangler configuration):
// env.BINDING.fetch(request) and env.BINDING.method(...args) in one worker reach another
// worker of the same host, in process, without a network hop.
package service

import (
	"context"
	"net/http"
)

// Target is the worker a binding reaches; the host decides which version of it serves each
// request or call.
type Target interface {
	// RoundTrip serves an HTTP request through the worker's fetch handler, on the entrypoint
	// that EntrypointOf(req.Context()) names.
	http.RoundTripper
	// Call runs method of a fresh instance of the worker's entrypoint (the default export
	// when entrypoint is ""), with arguments and result serialised as the isolates serialise
	// Durable Object RPC.
	Call(ctx context.Context, entrypoint, method string, args []byte) (Result, error)
}

// Result is the outcome of a Call: the serialised value the method returned or, with Threw,
// the serialised exception it threw.
type Result struct {
	Value []byte
	Threw bool
}

// Binding is one service binding: Service names the worker it reaches, Entrypoint the
// exported class or object ("" for the default export).
type Binding struct {
	Service    string
	Entrypoint string
	Target     Target
}

// RoundTrip sends req to the binding's entrypoint.
func (b *Binding) RoundTrip(req *http.Request) (*http.Response, error) {
	if b.Entrypoint != "" {
		req = req.WithContext(WithEntrypoint(req.Context(), b.Entrypoint))
	}
	return b.Target.RoundTrip(req)
}

// Call runs method on the binding's entrypoint.
func (b *Binding) Call(ctx context.Context, method string, args []byte) (Result, error) {
	return b.Target.Call(ctx, b.Entrypoint, method, args)
}

type entrypointKey struct{}

// WithEntrypoint marks a request's context with the entrypoint that should serve it.
func WithEntrypoint(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, entrypointKey{}, name)
}

// EntrypointOf is the entrypoint WithEntrypoint set, "" for the default export.
func EntrypointOf(ctx context.Context) string {
	s, _ := ctx.Value(entrypointKey{}).(string)
	return s
}
