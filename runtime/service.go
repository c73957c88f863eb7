package runtime

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/isolates/js"
	"github.com/moltworker/molt/runtime/config"
)

// ServiceResolver finds the worker a service binding names; molt serve resolves names within
// the deploying tenant, molt dev among the projects it was given.
type ServiceResolver func(worker string) (service.Target, error)

// serviceBindings adds the configuration's [[services]] to env. Without a resolver (molt dev
// with one project) they are left out with a warning rather than failing the worker.
func serviceBindings(cfg *config.Config, resolve ServiceResolver, env map[string]any) (warnings []string, err error) {
	raw, ok := cfg.Raw["services"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: \"services\" must be an array of tables with \"binding\" and \"service\"", configName(cfg))
	}
	for i, item := range list {
		t, _ := item.(map[string]any)
		binding, _ := t["binding"].(string)
		target, _ := t["service"].(string)
		if binding == "" || target == "" {
			return nil, fmt.Errorf("%s: services[%d] needs a \"binding\" and a \"service\"", configName(cfg), i)
		}
		ep, ok := t["entrypoint"].(string)
		if _, set := t["entrypoint"]; set && (!ok || ep == "") {
			return nil, fmt.Errorf("%s: services[%d] %s: \"entrypoint\" must be the name of an exported class", configName(cfg), i, binding)
		}
		if resolve == nil {
			warnings = append(warnings, fmt.Sprintf("service binding %s (to %q) is not available here: give molt dev that worker's project too (molt dev ./this ./%s)", binding, target, target))
			continue
		}
		rt, err := resolve(target)
		if err != nil {
			return nil, fmt.Errorf("%s: services[%d] %s: %w", configName(cfg), i, binding, err)
		}
		env[binding] = &service.Binding{Service: target, Entrypoint: ep, Target: rt}
	}
	return warnings, nil
}

// Call runs method of a fresh instance of the worker's entrypoint in a fresh isolate, under
// the worker's CPU and wall-clock limits, as a service binding's JS RPC call does; its
// ctx.waitUntil work goes on after the result is returned.
func (w *Worker) Call(ctx context.Context, entrypoint, method string, args []byte) (service.Result, error) {
	return w.call(ctx, entrypoint, method, args, nil, nil)
}

// call is Call; with inv set, the call's console output and outcome are recorded in it and
// observe gets it once its waitUntil work is done.
func (w *Worker) call(ctx context.Context, entrypoint, method string, args []byte, inv *Invocation, observe func(*Invocation)) (service.Result, error) {
	if w.pool == nil {
		return service.Result{}, errors.New("JS RPC reaches JavaScript workers only")
	}
	iso, err := w.pool.Get()
	if err != nil {
		return service.Result{}, fmt.Errorf("worker failed to start: %w", err)
	}
	defer closeOnPanic(iso)
	if inv != nil {
		iso.Tap(inv)
	}
	ctx, cancel := context.WithTimeout(ctx, w.Limits.Wall)
	defer cancel()
	value, threw, err := iso.Call(entrypoint, method, string(args), ctx.Done())
	if errors.Is(err, js.ErrStopped) && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("the RPC method %q did not finish within the wall-clock limit (%s)", method, w.Limits.Wall)
	}
	res := service.Result{Value: []byte(value), Threw: threw}
	if inv != nil {
		inv.endCall(res, err)
	}
	afterResponse(slog.Default().With("rpc", method), iso, func() {
		iso.Finish(w.Limits.WaitUntil)
		iso.Close()
		if inv != nil {
			observe(inv)
		}
	})
	if err != nil {
		return service.Result{}, err
	}
	return res, nil
}

// HostTarget is the service.Target of the worker a Host serves: molt dev's bindings between
// the projects it runs.
type HostTarget struct{ Host *Host }

// RoundTrip serves req through the Host in process.
func (t HostTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	return ServeInProcess(t.Host, req, nil), nil
}

// Call runs an RPC method on the Host's current worker.
func (t HostTarget) Call(ctx context.Context, entrypoint, method string, args []byte) (service.Result, error) {
	return t.Host.Call(ctx, entrypoint, method, args)
}

// ServeInProcess runs req through h and returns its response as soon as the headers are
// written; the body streams through a pipe while the handler still runs. done, if not nil,
// runs when the handler returns.
func ServeInProcess(h http.Handler, req *http.Request, done func()) *http.Response {
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
		if done != nil {
			defer done()
		}
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
		h.ServeHTTP(w, in)
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
