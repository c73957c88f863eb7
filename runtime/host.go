package runtime

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/isolates/js"
)

// Request limits that Cloudflare applies in front of every worker.
const (
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes = 128 << 10
	// MaxBodyBytes bounds a request body (Cloudflare's Free and Pro plans).
	MaxBodyBytes = 100 << 20
)

// Host serves HTTP requests through a Worker. Swapping the worker (live reload, deploys) is
// atomic: requests in flight finish on the version they started on.
type Host struct {
	worker atomic.Pointer[Worker]
	log    *slog.Logger
	// Dev selects molt dev's error pages, which show the exception and its source-mapped stack.
	Dev bool
	// Upstream, when set, is the origin that passThroughOnException forwards failed requests to.
	Upstream *url.URL
	// TestScheduled serves wrangler dev --test-scheduled's routes, /__scheduled and
	// /cdn-cgi/handler/scheduled, which run the worker's scheduled handler with the cron and
	// time (milliseconds since the epoch) of the query instead of passing the request on.
	TestScheduled bool
	// Invocations, when set, receives each fetch event's invocation (molt tail).
	Invocations InvocationObserver
}

// NewHost returns a Host that logs one line per request to log.
func NewHost(log *slog.Logger) *Host {
	return &Host{log: log}
}

// Swap makes w serve new requests and returns the previous worker, if any.
func (h *Host) Swap(w *Worker) *Worker {
	return h.worker.Swap(w)
}

// Worker returns the worker serving new requests.
func (h *Host) Worker() *Worker { return h.worker.Load() }

// Server returns an http.Server for h with Cloudflare's request limits.
func (h *Host) Server(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: 30 * time.Second,
	}
}

// ServeHTTP runs the request through a fresh isolate of the current worker. A panic in molt's
// code while serving it fails this request alone, with a 500.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	defer h.contain(rec, r)
	h.serve(rec, r)
}

// contain recovers a panic of the request being served: a 500 if nothing was written yet, the
// connection cut otherwise, and the panic with its stack in the log. net/http would otherwise
// only drop the connection, and a panic on a goroutine of ours would end the process.
func (h *Host) contain(w *statusRecorder, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	h.log.Error("internal error serving a request", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	if w.status != 0 {
		panic(http.ErrAbortHandler)
	}
	h.errorPage(w, r, http.StatusInternalServerError, "Internal error",
		"molt failed while serving this request; the host's log has the details.")
	h.logRequest(r, http.StatusInternalServerError, time.Now(), 0)
}

func (h *Host) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	wk := h.worker.Load()
	if wk == nil {
		h.errorPage(w, r, http.StatusServiceUnavailable, "No worker is deployed", "molt has no worker to run this request.")
		return
	}
	if r.ContentLength > MaxBodyBytes {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "Request body too large",
			fmt.Sprintf("The request body is %d bytes; the limit is %d bytes (100 MiB).", r.ContentLength, MaxBodyBytes))
		h.logRequest(r, http.StatusRequestEntityTooLarge, start, 0)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if h.TestScheduled && (r.URL.Path == "/__scheduled" || r.URL.Path == "/cdn-cgi/handler/scheduled") {
		h.testScheduled(w, r, wk, start)
		return
	}
	// Cloudflare tells the worker the client's address in CF-Connecting-IP; wrangler dev sets
	// it too, keeping one a client sent (there is no proxy to trust locally).
	if r.Header.Get("CF-Connecting-IP") == "" {
		if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			r.Header.Set("CF-Connecting-IP", ip)
		}
	}

	if wk.wasm != nil {
		h.serveWasm(w, r, wk, start)
		return
	}
	iso, err := wk.pool.Get()
	if err != nil {
		h.log.Error("worker failed to start", "error", err)
		h.exceptionPage(w, r, err)
		h.logRequest(r, http.StatusInternalServerError, start, 0)
		return
	}
	defer closeOnPanic(iso)
	ctx, cancel := context.WithTimeout(r.Context(), wk.Limits.Wall)
	defer cancel()
	in := js.Incoming{URL: requestURL(r), CF: cf(r), Stop: ctx.Done(), Entrypoint: service.EntrypointOf(r.Context())}
	inv := h.observe()
	if inv != nil {
		iso.Tap(inv)
		inv.Request, inv.URL, inv.CF = r, in.URL, in.CF
	}
	limited := &headerLimit{ResponseWriter: w}
	out, err := iso.Serve(limited, r, in)
	if limited.over != nil {
		// Nothing was sent: the host answers in the held-back response's place.
		out.Status, err = 0, limited.over
	}
	status := out.Status
	if err != nil && status == 0 {
		status = h.fail(w, r, err, out, ctx)
	} else if err != nil {
		// The response had started: all that can be done is to cut it short.
		h.log.Error("response interrupted", "path", r.URL.Path, "error", err)
	}
	h.logRequest(r, status, start, iso.CPUTime())
	afterResponse(h.log.With("path", r.URL.Path), iso, func() {
		switch err := iso.Finish(wk.Limits.WaitUntil); {
		case errors.Is(err, js.ErrStopped):
			// Cloudflare's words for waitUntil work cut off after its 30 s.
			h.log.Warn("waitUntil() tasks did not complete within the allowed time after invocation end and have been cancelled.", "path", r.URL.Path)
		case err != nil && !errors.Is(err, js.ErrStalled):
			h.log.Warn("waitUntil work did not finish", "path", r.URL.Path, "error", err)
		}
		iso.Close()
		if inv != nil {
			inv.Status = status
			inv.end(err, status == 499)
			h.Invocations.Observe(inv)
		}
	})
	if err != nil && out.Status != 0 {
		panic(http.ErrAbortHandler)
	}
}

// fail answers a request whose worker failed before responding, and returns the status sent.
func (h *Host) fail(w http.ResponseWriter, r *http.Request, err error, out js.Outcome, ctx context.Context) int {
	switch {
	case errors.Is(err, js.ErrCPULimit):
		h.log.Error("worker exceeded its CPU time limit", "path", r.URL.Path)
		h.cloudflarePage(w, http.StatusServiceUnavailable, 1102, "Worker exceeded resource limits",
			"This worker has exceeded its CPU time limit and has been stopped.")
		return http.StatusServiceUnavailable
	case errors.Is(err, js.ErrMemoryLimit):
		h.log.Error("worker exceeded its memory limit", "path", r.URL.Path)
		h.cloudflarePage(w, http.StatusServiceUnavailable, 1102, "Worker exceeded resource limits",
			"This worker has exceeded its memory limit and has been stopped.")
		return http.StatusServiceUnavailable
	case errors.Is(err, js.ErrStopped) && ctx.Err() == context.DeadlineExceeded:
		h.log.Error("worker exceeded its wall-clock limit", "path", r.URL.Path)
		h.errorPage(w, r, http.StatusGatewayTimeout, "Worker timed out", "The worker did not respond within its wall-clock limit.")
		return http.StatusGatewayTimeout
	case errors.Is(err, js.ErrStopped):
		return 499 // The client went away; nothing to answer.
	}
	if out.PassThrough && h.Upstream != nil {
		proxy := httputil.NewSingleHostReverseProxy(h.Upstream)
		rec := &statusRecorder{ResponseWriter: w}
		proxy.ServeHTTP(rec, r)
		return rec.status
	}
	var rh *ResponseHeadersTooLargeError
	if errors.As(err, &rh) {
		return h.responseHeadersTooLarge(w, r, rh)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		h.errorPage(w, r, http.StatusRequestEntityTooLarge, "Request body too large",
			fmt.Sprintf("The request body exceeds the limit of %d bytes (100 MiB).", mbe.Limit))
		return http.StatusRequestEntityTooLarge
	}
	h.log.Error("uncaught exception", "path", r.URL.Path, "error", err.Error())
	h.exceptionPage(w, r, err)
	return http.StatusInternalServerError
}

// exceptionPage answers 500 for an uncaught exception: in molt dev with the exception and its
// stack, as wrangler dev does; otherwise with Cloudflare's error 1101 page.
func (h *Host) exceptionPage(w http.ResponseWriter, r *http.Request, err error) {
	if !h.Dev {
		h.cloudflarePage(w, http.StatusInternalServerError, 1101, "Worker threw exception",
			"The worker threw a JavaScript exception.")
		return
	}
	h.errorPage(w, r, http.StatusInternalServerError, "Uncaught exception", err.Error())
}

// errorPage writes an error as HTML for browsers and as plain text for other clients.
func (h *Host) errorPage(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head>"+
			"<body><h1>%s</h1><pre>%s</pre></body></html>\n", html.EscapeString(title), html.EscapeString(title), html.EscapeString(detail))
		return
	}
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s\n\n%s\n", title, detail)
}

// cloudflarePage writes Cloudflare's numbered error page, which clients and tests recognise by
// its "error code: N" line.
func (h *Host) cloudflarePage(w http.ResponseWriter, status, code int, title, detail string) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s | Error %d</title></head><body>"+
		"<h1>Error %d</h1><h2>%s</h2><p>%s</p><p>error code: %d</p></body></html>\n",
		title, code, code, title, detail, code)
}

func (h *Host) logRequest(r *http.Request, status int, start time.Time, cpu time.Duration) {
	h.log.Info(fmt.Sprintf("%s %s %d", r.Method, r.URL.RequestURI(), status),
		"wall_ms", float64(time.Since(start).Microseconds())/1000, "cpu_ms", float64(cpu.Microseconds())/1000)
}

// requestURL rebuilds the URL the client asked for, as request.url shows it.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// cf builds request.cf with the documented fields that are true of a local request; the
// geolocation fields are left out rather than invented.
func cf(r *http.Request) map[string]any {
	m := map[string]any{
		"httpProtocol":               r.Proto,
		"clientAcceptEncoding":       r.Header.Get("Accept-Encoding"),
		"edgeRequestKeepAliveStatus": 1,
	}
	if r.TLS != nil {
		m["tlsVersion"] = tlsVersionName(r.TLS.Version)
	}
	return m
}

func tlsVersionName(v uint16) string {
	switch v {
	case 0x0304:
		return "TLSv1.3"
	case 0x0303:
		return "TLSv1.2"
	}
	return ""
}

// statusRecorder notes the status of the response written through it: for the log of a
// proxied request, and for contain, to tell whether the response has started.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the server's writer (Flush, full duplex).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// testScheduled runs the scheduled handler as a cron trigger would, for a test route, and
// answers as wrangler dev does: 200 "Ran scheduled event", or 500 with the error.
func (h *Host) testScheduled(w http.ResponseWriter, r *http.Request, wk *Worker, start time.Time) {
	q := r.URL.Query()
	at := time.Now()
	if t := q.Get("time"); t != "" {
		ms, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			h.errorPage(w, r, http.StatusBadRequest, "Bad scheduled time", fmt.Sprintf("time=%q is not milliseconds since the epoch.", t))
			h.logRequest(r, http.StatusBadRequest, start, 0)
			return
		}
		at = time.UnixMilli(ms)
	}
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	if err := wk.Scheduled(r.Context(), q.Get("cron"), at); err != nil {
		h.log.Error("scheduled event failed", "cron", q.Get("cron"), "error", err.Error())
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Error running scheduled event: %s\n", err)
		h.logRequest(r, http.StatusInternalServerError, start, 0)
		return
	}
	io.WriteString(w, "Ran scheduled event")
	h.logRequest(r, http.StatusOK, start, 0)
}
