package platform

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// serviceTransport carries a service binding's requests to the active version of a worker of
// the same tenant, in process. It looks the worker up on every request, so the binding
// follows the target's deploys and rollbacks.
type serviceTransport struct {
	p              *Platform
	tenant, target string
}

// resolveService is the runtime.ServiceResolver of a tenant's workers: a worker may bind only
// workers of its own tenant. While the platform opens, workers load in no particular order,
// so the target's existence is checked on deploys only.
func (p *Platform) resolveService(tenant, self string) func(string) (http.RoundTripper, error) {
	return func(target string) (http.RoundTripper, error) {
		if target != self && !p.opening.Load() {
			l := p.front.Load().live[target]
			if l == nil || l.version.Tenant != tenant {
				return nil, fail(http.StatusBadRequest, "service %q: the tenant has no worker of that name; deploy it first", target)
			}
		}
		return &serviceTransport{p: p, tenant: tenant, target: target}, nil
	}
}

func (t *serviceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for range 100 {
		l := t.p.front.Load().live[t.target]
		if l == nil || l.version.Tenant != t.tenant {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("service binding: worker %q is not deployed", t.target)
		}
		if l.mu.TryRLock() {
			return serveInProcess(l, req), nil
		}
		runtimeGosched()
	}
	return nil, fmt.Errorf("service binding: worker %q is being replaced", t.target)
}

// serveInProcess runs req through the version's Host and returns its response as soon as the
// headers are written; the body streams through a pipe while the handler still runs. It
// releases l's read lock when the handler is done.
func serveInProcess(l *live, req *http.Request) *http.Response {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if req.URL.Scheme == "https" {
		// The Host tells request.url's scheme by TLS: the worker sees the URL the caller gave.
		in.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}
	}
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer l.mu.RUnlock()
		defer func() {
			// The Host aborts a response cut short by panicking, as net/http expects.
			if r := recover(); r != nil {
				w.commit(http.StatusBadGateway)
				pw.CloseWithError(fmt.Errorf("service binding: response interrupted: %v", r))
				return
			}
			w.commit(http.StatusOK)
			pw.Close()
		}()
		l.host.ServeHTTP(w, in)
	}()
	<-w.ready
	res := &http.Response{
		Status: fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: -1, Request: req,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		res.ContentLength = n
	}
	return res
}

// pipeWriter is the http.ResponseWriter of an in-process request: the status and headers go
// out once, at the first WriteHeader or Write, and the body through a pipe.
type pipeWriter struct {
	header http.Header
	sent   http.Header
	status int
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) commit(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) WriteHeader(status int) {
	if status < 200 { // informational responses are not passed on
		return
	}
	w.commit(status)
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.body.Write(b)
}

// Flush has nothing to do: the pipe hands each write to the reader.
func (w *pipeWriter) Flush() {}
