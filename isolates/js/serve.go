package js

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// Incoming is what the host hands an isolate for one request beyond the HTTP request itself.
type Incoming struct {
	// URL is the full URL the worker sees as request.url.
	URL string
	// CF becomes request.cf.
	CF map[string]any
	// Stop, when closed, abandons the request (client gone, wall-clock limit).
	Stop <-chan struct{}
	// Entrypoint names the export that serves the request (a service binding's entrypoint);
	// "" is the default export.
	Entrypoint string
}

// Outcome tells the host how a request went.
type Outcome struct {
	// Status is the status written to the client, 0 if nothing was written.
	Status int
	// PassThrough is set when the worker called passThroughOnException before it failed.
	PassThrough bool
}

// Exception is a JavaScript exception that escaped the worker, with its source-mapped stack.
type Exception struct {
	// Text is the exception as a developer reads it: the stack of an Error, or the value.
	Text string
}

func (e *Exception) Error() string { return e.Text }

// ErrNotResponse is the error of a fetch handler whose result is not a Response; the text is
// workerd's.
var ErrNotResponse = errors.New("TypeError: Incorrect type for Promise: the Promise did not resolve to 'Response'.")

// ErrStalled is returned when the worker can no longer produce a response: nothing it waits
// for is in flight.
var ErrStalled = errStalled

// ErrStopped is returned when Incoming.Stop closed before the worker answered.
var ErrStopped = errStopped

// Serve runs the worker's fetch handler for r and writes its response to w. An error returned
// with Outcome.Status == 0 means nothing was written and the host should answer (500, 503...);
// with a status, the response was cut short after it started. Work registered with
// ctx.waitUntil may remain: call Finish afterwards.
func (iso *Isolate) Serve(w http.ResponseWriter, r *http.Request, in Incoming) (Outcome, error) {
	var out Outcome
	var resp goja.Value
	compileDispatchLibs()
	iso.state = iso.vm.NewObject()
	err := iso.enter(func() error {
		req := iso.incomingRequest(r, in)
		iso.load("worker")
		dispatch, _ := goja.AssertFunction(iso.internal.Get("worker").ToObject(iso.vm).Get("dispatchFetch"))
		iso.state.Set("waitUntil", iso.vm.NewArray())
		iso.state.Set("passThrough", false)
		var err error
		resp, err = dispatch(goja.Undefined(), iso.exportsValue(), iso.vm.ToValue(in.Entrypoint), req, iso.envValue(), iso.state)
		return err
	})
	if err == nil {
		resp, err = iso.await(resp, in.Stop)
	}
	if err != nil {
		out.PassThrough = iso.state.Get("passThrough").ToBoolean()
		return out, iso.jsError(err)
	}
	return iso.writeResponse(w, resp, r.Header.Get("Accept-Encoding"), in.Stop)
}

// Finish runs the event loop until every promise passed to waitUntil has settled, or until
// timeout passes: as on Workers, such work may go on after the response, for a bounded time.
func (iso *Isolate) Finish(timeout time.Duration) error {
	if iso.state == nil {
		return nil
	}
	list := iso.state.Get("waitUntil").ToObject(iso.vm)
	n := int(list.Get("length").ToInteger())
	if n == 0 {
		return nil
	}
	promises := make([]*goja.Promise, 0, n)
	for i := 0; i < n; i++ {
		if p, ok := list.Get(strconv.Itoa(i)).Export().(*goja.Promise); ok {
			promises = append(promises, p)
		}
	}
	stop := make(chan struct{})
	t := time.AfterFunc(timeout, func() { close(stop) })
	defer t.Stop()
	err := iso.loop.run(func() bool {
		for _, p := range promises {
			if p.State() == goja.PromiseStatePending {
				return false
			}
		}
		return true
	}, stop)
	for _, p := range promises {
		if p.State() == goja.PromiseStateRejected {
			iso.logf(LevelError, "Uncaught (in promise) %s", iso.describeError(p.Result()))
		}
	}
	return iso.jsError(err)
}

// await runs the event loop until v, if it is a promise, settles, and returns its value.
func (iso *Isolate) await(v goja.Value, stop <-chan struct{}) (goja.Value, error) {
	p, ok := v.Export().(*goja.Promise)
	if !ok {
		return v, nil
	}
	err := iso.loop.run(func() bool { return p.State() != goja.PromiseStatePending }, stop)
	if err != nil {
		return nil, err
	}
	if p.State() == goja.PromiseStateRejected {
		iso.forgetRejection(p)
		return nil, &Exception{Text: iso.describeError(p.Result())}
	}
	return p.Result(), nil
}

func (iso *Isolate) forgetRejection(p *goja.Promise) {
	for i, q := range iso.rejections {
		if q == p {
			iso.rejections = append(iso.rejections[:i], iso.rejections[i+1:]...)
			return
		}
	}
}

// jsError turns goja's exceptions into Exception so that callers outside this package need not
// know goja.
func (iso *Isolate) jsError(err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return &Exception{Text: iso.describeError(ex.Value())}
	}
	// goja ends unbounded recursion with an error that carries only the stack; V8's words
	// name it.
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &Exception{Text: "RangeError: Maximum call stack size exceeded\n" + strings.TrimLeft(so.Error(), "\n")}
	}
	return err
}

// incomingRequest builds the worker's Request for r.
func (iso *Isolate) incomingRequest(r *http.Request, in Incoming) goja.Value {
	vm := iso.vm
	list := make([]any, 0, 2*len(r.Header)+2)
	if r.Host != "" {
		list = append(list, "host", r.Host)
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			list = append(list, k, v)
		}
	}
	bodyID := 0
	if r.Body != nil && r.Body != http.NoBody && r.Method != http.MethodGet && r.Method != http.MethodHead {
		bodyID = iso.bodies.add(r.Body, nil)
	}
	iso.load("request")
	fromHost, _ := goja.AssertFunction(iso.internal.Get("request").ToObject(vm).Get("fromHost"))
	// The list is handed over as a Go slice, whose items become JavaScript strings only if the
	// worker reads the request's headers (request.js builds them on demand).
	req, err := fromHost(goja.Undefined(), vm.ToValue(r.Method), vm.ToValue(in.URL), vm.ToValue(list),
		vm.ToValue(bodyID), iso.toJS(in.CF))
	if err != nil {
		panic(err)
	}
	return req
}

// writeResponse sends the worker's Response to w, streaming bodies that JavaScript produces
// over time chunk by chunk.
func (iso *Isolate) writeResponse(w http.ResponseWriter, v goja.Value, acceptEncoding string, stop <-chan struct{}) (Outcome, error) {
	var out Outcome
	var desc *goja.Object
	err := iso.enter(func() error {
		iso.load("response")
		toHost, _ := goja.AssertFunction(iso.internal.Get("response").ToObject(iso.vm).Get("toHost"))
		d, err := toHost(goja.Undefined(), v)
		if err != nil {
			return err
		}
		if goja.IsNull(d) {
			return ErrNotResponse
		}
		desc = d.ToObject(iso.vm)
		return nil
	})
	if err != nil {
		return out, iso.jsError(err)
	}
	status := int(desc.Get("0").ToInteger())
	if status == 0 {
		// Response.error() reaches the client as a network error.
		return out, &Exception{Text: "TypeError: Return value from serve handler must not be an error response (like Response.error())."}
	}
	headers := desc.Get("2").Export().([]any)
	h := w.Header()
	for i := 0; i+1 < len(headers); i += 2 {
		h.Add(headers[i].(string), headers[i+1].(string))
	}
	kind := desc.Get("3").ToInteger()
	body := desc.Get("4")
	if kind != 4 {
		h.Del("Content-Length")
	}
	if kind == 3 || kind == 4 {
		// A streamed response may still be reading the request body (a worker that transforms
		// its upload): Go's HTTP/1 server closes the request body at the first write unless
		// told otherwise.
		http.NewResponseController(w).EnableFullDuplex()
	}
	// Most responses have neither a client asking for gzip nor a Content-Encoding: they skip
	// the decision, and the look-up of encodeBody, altogether.
	compressed := kind != 0 && (acceptEncoding != "" || h["Content-Encoding"] != nil) &&
		gzipResponse(acceptEncoding, status, h, desc.Get("5") != nil)
	if compressed {
		zw := newGzipResponseWriter(w)
		defer zw.close()
		w = zw
	}
	switch kind {
	case 0:
		w.WriteHeader(status)
		out.Status = status
		return out, nil
	case 1, 2:
		data := iso.bytesOf(body)
		if !compressed {
			h.Set("Content-Length", strconv.Itoa(len(data)))
		}
		w.WriteHeader(status)
		out.Status = status
		_, err := w.Write(data)
		return out, err
	case 4:
		hb := iso.bodies.take(int(body.ToInteger()))
		if hb != nil && hb.size >= 0 && !compressed {
			h.Set("Content-Length", strconv.FormatInt(hb.size, 10))
		}
		w.WriteHeader(status)
		out.Status = status
		if hb == nil {
			return out, nil
		}
		return out, iso.copyHostBody(w, hb, stop)
	}
	w.WriteHeader(status)
	out.Status = status
	return out, iso.pump(w, body.ToObject(iso.vm), stop)
}

// pump copies a JavaScript stream to w, flushing after each chunk so that the client sees
// chunks as the worker produces them.
func (iso *Isolate) pump(w http.ResponseWriter, reader *goja.Object, stop <-chan struct{}) error {
	read, _ := goja.AssertFunction(reader.Get("read"))
	rc := http.NewResponseController(w)
	rc.Flush()
	for {
		p, err := iso.call(read, reader)
		if err != nil {
			return iso.jsError(err)
		}
		res, err := iso.await(p, stop)
		if err != nil {
			return err
		}
		ro := res.ToObject(iso.vm)
		if ro.Get("done").ToBoolean() {
			return nil
		}
		chunk := ro.Get("value")
		data, ok := iso.chunkBytes(chunk)
		if !ok {
			return &Exception{Text: "TypeError: This ReadableStream did not return bytes."}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
		rc.Flush()
	}
}

// bytesOf returns the bytes of a string or Uint8Array body source.
func (iso *Isolate) bytesOf(v goja.Value) []byte {
	if s, ok := v.Export().(string); ok {
		return []byte(s)
	}
	data, _ := iso.chunkBytes(v)
	return data
}

// chunkBytes returns the bytes viewed by an ArrayBuffer or ArrayBufferView, without copying.
func (iso *Isolate) chunkBytes(v goja.Value) ([]byte, bool) {
	switch x := v.Export().(type) {
	case goja.ArrayBuffer:
		return x.Bytes(), true
	case []byte:
		return x, true
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	ab, ok := o.Get("buffer").Export().(goja.ArrayBuffer)
	if !ok {
		return nil, false
	}
	off := int(o.Get("byteOffset").ToInteger())
	n := int(o.Get("byteLength").ToInteger())
	b := ab.Bytes()
	if off < 0 || n < 0 || off+n > len(b) {
		return nil, false
	}
	return b[off : off+n], true
}

// flushWriter flushes after every write, so that a streamed body passed through from a
// subrequest reaches the client as it arrives. It flushes through http.ResponseController,
// which also reaches a Flusher behind writers that only Unwrap (the host's status recorder).
type flushWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.rc.Flush()
	return n, err
}

// copyHostBody copies a host body to w on another goroutine while the event loop keeps
// running here: the body may be a pipe that JavaScript still writes into (an
// IdentityTransformStream), whose writes complete on the loop.
func (iso *Isolate) copyHostBody(w http.ResponseWriter, hb *hostBody, stop <-chan struct{}) error {
	var finished atomic.Bool
	var copyErr error
	release := iso.loop.reserve()
	go func() {
		defer func() {
			// A panic in the body's Go code (a bug in molt) cuts this response short, not the
			// process; unlike goAsync, the loop must still see the copy finish.
			if p := recover(); p != nil {
				copyErr = internalError(p)
			}
			finished.Store(true)
			release(func() error { return nil })
		}()
		_, copyErr = io.Copy(flushWriter{w, http.NewResponseController(w)}, hb.r)
	}()
	err := iso.loop.run(finished.Load, stop)
	if err != nil {
		// The worker failed or the client left: end the copy before w goes back to the server.
		if hb.c != nil {
			hb.c.Close()
		}
		for !finished.Load() {
			iso.loop.sleep(10*time.Millisecond, nil)
		}
		return iso.jsError(err)
	}
	if hb.c != nil {
		hb.c.Close()
	}
	return copyErr
}
