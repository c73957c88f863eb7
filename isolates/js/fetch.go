package js

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dop251/goja"
)

// SubrequestLimit is the number of subrequests (fetch calls and each redirect they follow) one
// request may make, Cloudflare's limit on the Workers Paid plan.
const SubrequestLimit = 1000

// MaxOpenConnections is how many subrequests of one request may have a connection open at a
// time, Cloudflare's limit; further fetches wait for one to finish (its response body read to
// the end or cancelled), as on Workers.
const MaxOpenConnections = 6

// maxRedirects is the Fetch standard's redirect limit, which workerd follows.
const maxRedirects = 20

// Messages of the errors fetch rejects with, as workerd words them.
const (
	msgTooManySubrequests = "Too many subrequests."
	msgNetworkLost        = "Network connection lost."
	msgGlobalScope        = "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, and generating random values are not allowed within global scope. To fix this error, perform this operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/"
	msgBadLocation        = "Invalid Location header; unable to follow redirect."
	msgTooManyRedirects   = "Too many redirects."
	msgOneTimeBody        = "A request with a one-time-use body (it was initialized from a stream, not a buffer) encountered a redirect requiring the body to be retransmitted. To avoid this error in the future, construct this request from a buffer-like body initializer."
	msgRedirectError      = "Fetch API cannot follow a redirect: the request's redirect mode is \"error\"."
)

// fetchTransport carries the subrequests of every isolate of the process, so that connections
// to an origin are reused across requests. It never follows redirects (fetch does, by its own
// rules) and keeps no cookies. It asks for gzip and decodes it itself only when the worker did
// not set Accept-Encoding, so a body always matches the headers the worker sees.
var fetchTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}()

// publicFetchTransport is fetchTransport for platforms whose workers may reach only public
// addresses. The address is checked as the connection is made, after name resolution, so
// that a name resolving to a private address (or rebinding to one) is refused as well.
var publicFetchTransport = func() *http.Transport {
	t := fetchTransport.Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refuseNonPublic}
	t.DialContext = d.DialContext
	t.Proxy = nil
	return t
}()

// errNonPublicAddress is the reason a subrequest to a host-internal address is refused.
var errNonPublicAddress = errors.New("subrequests to loopback, private and link-local addresses are not allowed on this platform")

// refuseNonPublic is a net.Dialer Control function admitting only public unicast addresses.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%s: %w", address, errNonPublicAddress)
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() ||
		cgnat.Contains(ip) {
		return fmt.Errorf("%s: %w", address, errNonPublicAddress)
	}
	return nil
}

// cgnat is the shared address space of RFC 6598, private in all but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// fetchErrorKind tells JavaScript which constructor to build a rejection with.
type fetchErrorKind int

const (
	kindTypeError fetchErrorKind = iota
	kindError
)

// fetchError is a failed subrequest as the worker sees it.
type fetchError struct {
	kind fetchErrorKind
	msg  string
	err  error // the Go cause, for logs; never shown to the worker
}

func (e *fetchError) Error() string {
	if e.err != nil {
		return e.msg + " (" + e.err.Error() + ")"
	}
	return e.msg
}

// subrequests is an isolate's outgoing fetches. Everything they hold (connections, bodies, the
// goroutines feeding request bodies) ends when the isolate closes.
type subrequests struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	closed bool
	count  int
	next   int
	m      map[int]*subrequest
	// limit is the most subrequests allowed (Config.Subrequests); open holds a token per
	// subrequest with a connection open.
	limit int
	open  chan struct{}
	conns map[*conn]struct{}
	// asleep reports whether the isolate's event loop is waiting with nothing to run.
	asleep func() bool
	// public refuses connections to loopback, private and link-local addresses
	// (Config.PublicSubrequestsOnly).
	public bool
}

// subrequest is one fetch call, followed across its redirects.
type subrequest struct {
	cancel context.CancelFunc
	// pipe feeds a request body that JavaScript produces (kind 3); nil otherwise.
	pipe *io.PipeWriter
	// aborted is set on the loop goroutine when the worker's signal fires; a response that
	// arrives afterwards is dropped.
	aborted bool
}

// start counts a subrequest against the limit and registers it, with a pipe for its body when
// JavaScript will produce one. It fails when the limit is reached or the isolate closed.
func (s *subrequests) start(piped bool) (id int, sr *subrequest, body io.ReadCloser, ctx context.Context, err *fetchError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, nil, nil, nil, &fetchError{kind: kindError, msg: msgNetworkLost, err: errIsolateClosed}
	}
	if s.count >= s.max() {
		return 0, nil, nil, nil, &fetchError{kind: kindError, msg: msgTooManySubrequests}
	}
	s.count++
	s.initLocked()
	s.next++
	ctx, cancel := context.WithCancel(s.ctx)
	sr = &subrequest{cancel: cancel}
	if piped {
		var pr *io.PipeReader
		pr, sr.pipe = io.Pipe()
		body = pr
	}
	s.m[s.next] = sr
	return s.next, sr, body, ctx, nil
}

// initLocked makes the state the first subrequest (or the first lifetime call) needs.
func (s *subrequests) initLocked() {
	if s.ctx != nil {
		return
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.m = make(map[int]*subrequest)
	s.open = make(chan struct{}, MaxOpenConnections)
	if s.closed {
		s.cancel()
	}
}

// lifetime is a context cancelled when the isolate closes (its request finished, failed or its
// client left), for host work started on the isolate's behalf, such as a model run, which
// must not outlive it.
func (s *subrequests) lifetime() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initLocked()
	return s.ctx
}

// countHop counts a redirect as a subrequest of its own, as workerd does.
func (s *subrequests) countHop() *fetchError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count >= s.max() {
		return &fetchError{kind: kindError, msg: msgTooManySubrequests}
	}
	s.count++
	return nil
}

// max is the subrequest limit in force.
func (s *subrequests) max() int {
	if s.limit > 0 {
		return s.limit
	}
	return SubrequestLimit
}

// conn is a subrequest holding one of the request's connection slots.
type conn struct {
	cancel context.CancelFunc
	once   sync.Once
	s      *subrequests
	// busy counts what is under way on the connection: its round trip, reads of its body.
	busy atomic.Int32
	// last is when the connection was last busy, in UnixNano.
	last atomic.Int64
}

func (c *conn) release() {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
		<-c.s.open
	})
}

func (c *conn) idle() { c.last.Store(time.Now().UnixNano()); c.busy.Add(-1) }

// connect waits, as long as ctx allows, for one of the request's MaxOpenConnections
// connection slots. While it waits it checks for the deadlock Cloudflare breaks: every open
// connection idle, none round-tripping nor being read, so none will ever be given back. The
// least recently used one is then cancelled (its body errors), as on Workers.
func (s *subrequests) connect(ctx context.Context, cancel context.CancelFunc) (*conn, error) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case s.open <- struct{}{}:
			c := &conn{cancel: cancel, s: s}
			c.busy.Store(1)
			s.mu.Lock()
			if s.conns == nil {
				s.conns = make(map[*conn]struct{})
			}
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			return c, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			s.unstick()
		}
	}
}

// unstick cancels the least recently used open connection if all of them are idle while the
// isolate waits.
func (s *subrequests) unstick() {
	if s.asleep != nil && !s.asleep() {
		return
	}
	s.mu.Lock()
	var lru *conn
	for c := range s.conns {
		if c.busy.Load() > 0 {
			s.mu.Unlock()
			return
		}
		if lru == nil || c.last.Load() < lru.last.Load() {
			lru = c
		}
	}
	s.mu.Unlock()
	// Only a connection idle for a moment counts: a read may be about to start.
	if lru != nil && time.Since(time.Unix(0, lru.last.Load())) > 2*time.Millisecond {
		lru.cancel()
		lru.release()
	}
}

// slotBody is a response body that gives its connection slot back once it has been read to
// its end or closed.
type slotBody struct {
	io.ReadCloser
	c *conn
}

func (b *slotBody) Read(p []byte) (int, error) {
	b.c.busy.Add(1)
	n, err := b.ReadCloser.Read(p)
	b.c.idle()
	if err != nil {
		b.c.release()
	}
	return n, err
}

func (b *slotBody) Close() error {
	b.c.release()
	return b.ReadCloser.Close()
}

func (s *subrequests) get(id int) *subrequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// closeAll cancels every subrequest: in-flight round trips fail, response bodies error and
// request-body pipes close. Called from Isolate.Close before host bodies are closed, so that
// a body registered concurrently is either refused here or closed there.
func (s *subrequests) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	for _, sr := range s.m {
		if sr.pipe != nil {
			sr.pipe.CloseWithError(errIsolateClosed)
		}
	}
}

var errIsolateClosed = errors.New("molt: isolate closed")

// outgoing is a subrequest as Go sends it.
type outgoing struct {
	method   string
	url      *url.URL
	header   http.Header
	redirect string
	// Exactly one of these is set when the request has a body: buffered bodies can be sent
	// again after a redirect, streamed ones cannot.
	buffered []byte
	stream   io.ReadCloser
	hasBody  bool
	length   int64
	// transport carries the request instead of fetchTransport: a service binding's.
	transport http.RoundTripper
}

func (o *outgoing) newRequest(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if o.hasBody {
		if o.buffered != nil {
			body = bytes.NewReader(o.buffered)
		} else {
			body = o.stream
		}
	}
	req, err := http.NewRequestWithContext(ctx, o.method, o.url.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header = o.header.Clone()
	if o.hasBody {
		if o.buffered != nil {
			req.ContentLength = int64(len(o.buffered))
			if req.ContentLength == 0 {
				// Keep an explicitly empty body visible as Content-Length: 0, as workerd does,
				// rather than no body at all.
				req.Body = http.NoBody
				req.Header.Set("Content-Length", "0")
			}
		} else {
			req.ContentLength = o.length
		}
	}
	return req, nil
}

func init() {
	register("fetch", []string{"fetch"}, func(iso *Isolate) map[string]any {
		return map[string]any{
			"fetch": iso.fetchStart,
			"abort": iso.fetchAbort,
			"write": iso.fetchWrite,
			"end": func(id int, msg goja.Value) {
				sr := iso.fetches.get(id)
				if sr == nil || sr.pipe == nil {
					return
				}
				if goja.IsNull(msg) || goja.IsUndefined(msg) {
					sr.pipe.Close()
				} else {
					sr.pipe.CloseWithError(errors.New(msg.String()))
				}
			},
		}
	})
}

// fetchStart sends the request desc describes ([method, url, headers, redirect, kind, value],
// see request.js toHost) on its own goroutine and returns its id. Exactly one of onResponse
// (status, statusText, headers, bodyId, url, redirected) and onError (kind, message) is called
// later, from the loop, unless the worker aborts first.
//
// via is undefined for fetch() and, for a service binding's fetch, the binding's transport.
func (iso *Isolate) fetchStart(desc *goja.Object, onResponse, onError goja.Callable, via goja.Value) int {
	if iso.state == nil {
		iso.throwError(msgGlobalScope)
	}
	o, ferr := iso.outgoing(desc)
	if ferr != nil {
		iso.throwFetchError(ferr)
	}
	if via != nil && !goja.IsUndefined(via) {
		o.transport, _ = via.Export().(http.RoundTripper)
	}
	piped := desc.Get("4").ToInteger() == 3
	id, sr, pipe, ctx, ferr := iso.fetches.start(piped)
	if ferr != nil {
		if o.stream != nil {
			o.stream.Close()
		}
		iso.throwFetchError(ferr)
	}
	if piped {
		o.stream, o.hasBody = pipe, true
	}
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		res, urls, err := iso.fetches.send(ctx, sr.cancel, o)
		var bodyID int
		if res != nil {
			if o.method == http.MethodHead || nullBodyStatus(res.StatusCode) {
				res.Body.Close()
			} else if bodyID = iso.fetches.adopt(iso, res, sr.cancel); bodyID == 0 {
				done(nil)
				return
			}
		}
		done(func() error {
			if sr.aborted {
				if b := iso.bodies.take(bodyID); b != nil && b.c != nil {
					b.c.Close()
				}
				return nil
			}
			if err != nil {
				var fe *fetchError
				if !errors.As(err, &fe) {
					fe = &fetchError{kind: kindError, msg: msgNetworkLost, err: err}
				}
				_, cerr := iso.call(onError, goja.Undefined(), iso.vm.ToValue(int(fe.kind)), iso.vm.ToValue(fe.msg))
				return iso.uncaught(cerr)
			}
			headers := make([]any, 0, 2*len(res.Header))
			for k, vs := range res.Header {
				for _, v := range vs {
					headers = append(headers, k, v)
				}
			}
			statusText := strings.TrimSpace(strings.TrimPrefix(res.Status, strconv.Itoa(res.StatusCode)))
			final := urls[len(urls)-1]
			_, cerr := iso.call(onResponse, goja.Undefined(), iso.vm.ToValue(res.StatusCode), iso.vm.ToValue(statusText),
				iso.vm.NewArray(headers...), iso.vm.ToValue(bodyID), iso.vm.ToValue(final), iso.vm.ToValue(len(urls) > 1))
			return iso.uncaught(cerr)
		})
	})
	return id
}

// send runs roundTrips for a subrequest to the network once one of the request's connection
// slots is free, and holds the slot until the response body is done; a service binding's
// requests reach another worker in-process and take no slot.
func (s *subrequests) send(ctx context.Context, cancel context.CancelFunc, o *outgoing) (*http.Response, []string, error) {
	if o.transport != nil {
		return s.roundTrips(ctx, o)
	}
	c, err := s.connect(ctx, cancel)
	if err != nil {
		return nil, nil, err
	}
	res, urls, err := s.roundTrips(ctx, o)
	c.idle()
	if res == nil {
		c.release()
		return res, urls, err
	}
	res.Body = &slotBody{ReadCloser: res.Body, c: c}
	return res, urls, err
}

// adopt makes res's body a host body, unless the isolate closed meanwhile; closing the host
// body also releases the subrequest's context. It returns 0 when the body was refused.
func (s *subrequests) adopt(iso *Isolate, res *http.Response, cancel context.CancelFunc) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		res.Body.Close()
		return 0
	}
	return iso.bodies.add(res.Body, closerFunc(func() error {
		cancel()
		return res.Body.Close()
	}))
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func nullBodyStatus(s int) bool { return s == 101 || s == 204 || s == 205 || s == 304 }

func redirectStatus(s int) bool {
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308
}

// roundTrips sends o and follows redirects by the Fetch standard as workerd implements it. It
// returns the final response and the URLs it visited (without fragments).
func (s *subrequests) roundTrips(ctx context.Context, o *outgoing) (*http.Response, []string, error) {
	urls := []string{urlWithoutFragment(o.url)}
	for {
		req, err := o.newRequest(ctx)
		if err != nil {
			return nil, nil, &fetchError{kind: kindTypeError, msg: "Fetch API cannot load: " + o.url.String(), err: err}
		}
		var rt http.RoundTripper = fetchTransport
		if s.public {
			rt = publicFetchTransport
		}
		if o.transport != nil {
			rt = o.transport
		}
		res, err := rt.RoundTrip(req)
		if err != nil {
			if errors.Is(err, errNonPublicAddress) {
				return nil, nil, &fetchError{kind: kindTypeError, msg: "Fetch API cannot load: " + o.url.String() + ": " + errNonPublicAddress.Error(), err: err}
			}
			return nil, nil, fmt.Errorf("fetch %s %s: %w", o.method, urls[len(urls)-1], err)
		}
		loc := res.Header.Get("Location")
		if !redirectStatus(res.StatusCode) || o.redirect == "manual" || loc == "" {
			return res, urls, nil
		}
		if o.redirect == "error" {
			res.Body.Close()
			return nil, nil, &fetchError{kind: kindTypeError, msg: msgRedirectError}
		}
		// Read what is left of the redirect's body so that its connection can be reused,
		// but not an unbounded amount of it.
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		next, err := o.url.Parse(loc)
		if err != nil {
			return nil, nil, &fetchError{kind: kindTypeError, msg: msgBadLocation, err: err}
		}
		if len(urls)-1 >= maxRedirects {
			return nil, nil, &fetchError{kind: kindTypeError, msg: msgTooManyRedirects}
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, nil, &fetchError{kind: kindTypeError, msg: "Fetch API cannot load: " + next.String()}
		}
		if sameOrigin := next.Scheme == o.url.Scheme && next.Host == o.url.Host; !sameOrigin {
			o.header.Del("Authorization")
		}
		status := res.StatusCode
		if status != 303 && o.hasBody && o.buffered == nil {
			o.stream.Close()
			return nil, nil, &fetchError{kind: kindTypeError, msg: msgOneTimeBody}
		}
		if ((status == 301 || status == 302) && o.method == http.MethodPost) || (status == 303 && o.method != http.MethodHead) {
			o.method = http.MethodGet
			if o.stream != nil {
				o.stream.Close()
			}
			o.hasBody, o.buffered, o.stream = false, nil, nil
		}
		if ferr := s.countHop(); ferr != nil {
			return nil, nil, ferr
		}
		o.url = next
		urls = append(urls, urlWithoutFragment(next))
	}
}

func urlWithoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// outgoing reads a Request description from JavaScript. A host body (kind 4) is taken from
// the table here, on the loop, so that JavaScript can no longer reach it.
func (iso *Isolate) outgoing(desc *goja.Object) (*outgoing, *fetchError) {
	o := &outgoing{
		method:   desc.Get("0").String(),
		redirect: desc.Get("3").String(),
		header:   make(http.Header),
		length:   -1,
	}
	raw := desc.Get("1").String()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &fetchError{kind: kindTypeError, msg: "Fetch API cannot load: " + raw, err: err}
	}
	o.url = u
	list, _ := desc.Get("2").Export().([]any)
	for i := 0; i+1 < len(list); i += 2 {
		name, _ := list[i].(string)
		value, _ := list[i+1].(string)
		switch strings.ToLower(name) {
		case "host", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer":
			// The URL decides the host, and Go manages the connection and the framing.
			continue
		case "content-length":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
				o.length = n
			}
			continue
		}
		o.header.Add(name, value)
	}
	if _, ok := o.header["User-Agent"]; !ok {
		// workerd sends no User-Agent unless the worker sets one; an empty value makes Go
		// leave out its own.
		o.header["User-Agent"] = []string{""}
	}
	switch desc.Get("4").ToInteger() {
	case 1:
		o.buffered, o.hasBody = []byte(desc.Get("5").String()), true
	case 2:
		data, _ := iso.chunkBytes(desc.Get("5"))
		o.buffered, o.hasBody = bytes.Clone(data), true
		if o.buffered == nil {
			o.buffered = []byte{}
		}
	case 4:
		hb := iso.bodies.take(int(desc.Get("5").ToInteger()))
		if hb == nil {
			return nil, &fetchError{kind: kindTypeError, msg: "This ReadableStream is disturbed (has already been read from), and cannot be used as a body."}
		}
		var c io.Closer = hb.c
		if c == nil {
			c = io.NopCloser(nil)
		}
		o.stream, o.hasBody = readCloser{hb.r, c}, true
		if hb.size >= 0 {
			o.length = hb.size
		}
	}
	if o.buffered != nil {
		o.length = int64(len(o.buffered))
	}
	return o, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// fetchAbort is called when the worker's signal aborts subrequest id: its round trip, its
// request body and its response body all stop.
func (iso *Isolate) fetchAbort(id int) {
	sr := iso.fetches.get(id)
	if sr == nil {
		return
	}
	sr.aborted = true
	sr.cancel()
	if sr.pipe != nil {
		sr.pipe.CloseWithError(context.Canceled)
	}
}

// fetchWrite hands one chunk of a request body produced by JavaScript to the request of
// subrequest id. The promise resolves to true once Go has taken it (so the stream is read no
// faster than the network sends), or to false when the request no longer wants a body.
func (iso *Isolate) fetchWrite(id int, chunk goja.Value) goja.Value {
	p, resolve, _ := iso.vm.NewPromise()
	sr := iso.fetches.get(id)
	data, ok := iso.chunkBytes(chunk)
	if sr == nil || sr.pipe == nil || !ok {
		resolve(false)
		return iso.vm.ToValue(p)
	}
	data = bytes.Clone(data)
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		_, err := sr.pipe.Write(data)
		done(func() error { return iso.settle(resolve, err == nil) })
	})
	return iso.vm.ToValue(p)
}

// throwError panics with a JS Error; only for use inside Go functions called from JS.
func (iso *Isolate) throwError(msg string) {
	ctor, _ := iso.vm.Get("Error").(*goja.Object)
	e, err := iso.vm.New(ctor, iso.vm.ToValue(msg))
	if err != nil {
		panic(err)
	}
	panic(e)
}

func (iso *Isolate) throwFetchError(fe *fetchError) {
	if fe.kind == kindTypeError {
		iso.throwTypeError("%s", fe.msg)
	}
	iso.throwError(fe.msg)
}
