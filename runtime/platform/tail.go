package platform

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/moltworker/molt/runtime"
)

// TailEvent is one line of molt tail: one invocation of the worker, in the shape wrangler tail
// --format json prints (Cloudflare's TailEventMessage).
type TailEvent struct {
	// Outcome is ok, exception, exceededCpu or canceled.
	Outcome       string          `json:"outcome"`
	ScriptName    string          `json:"scriptName"`
	ScriptVersion *ScriptVersion  `json:"scriptVersion,omitempty"`
	Exceptions    []TailException `json:"exceptions"`
	Logs          []TailLog       `json:"logs"`
	// DiagnosticsChannelEvents is always empty: molt has no node:diagnostics_channel.
	DiagnosticsChannelEvents []json.RawMessage `json:"diagnosticsChannelEvents"`
	// EventTimestamp is when the invocation started, in milliseconds since the epoch.
	EventTimestamp int64 `json:"eventTimestamp"`
	// Event is a *RequestEvent, a *ScheduledEvent or an *RPCEvent.
	Event any `json:"event"`
	// Entrypoint names the entrypoint an RPC call reached.
	Entrypoint string `json:"entrypoint,omitempty"`
}

// ScriptVersion names the version that ran.
type ScriptVersion struct {
	ID string `json:"id"`
}

// TailLog is one console message; Message holds the console call's arguments.
type TailLog struct {
	Message   []any  `json:"message"`
	Level     string `json:"level"`
	Timestamp int64  `json:"timestamp"`
}

// Text is the message as one line: strings as they are, other values as JSON, separated by
// spaces, as console.log prints them.
func (l TailLog) Text() string {
	parts := make([]string, len(l.Message))
	for i, m := range l.Message {
		switch v := m.(type) {
		case string:
			parts[i] = v
		case json.RawMessage:
			var s string
			if json.Unmarshal(v, &s) == nil {
				parts[i] = s
			} else {
				parts[i] = string(v)
			}
		default:
			b, _ := json.Marshal(v)
			parts[i] = string(b)
		}
	}
	return strings.Join(parts, " ")
}

// TailException is an exception that ended the invocation.
type TailException struct {
	Name      string `json:"name"`
	Message   string `json:"message"`
	Timestamp int64  `json:"timestamp"`
}

// RequestEvent is the event of a fetch invocation.
type RequestEvent struct {
	Request  TailRequest   `json:"request"`
	Response *TailResponse `json:"response,omitempty"`
}

// TailRequest is the request of a fetch invocation; headers are folded to one value each.
type TailRequest struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	CF      map[string]any    `json:"cf,omitempty"`
}

// TailResponse is the response of a fetch invocation, absent when none was sent.
type TailResponse struct {
	Status int `json:"status"`
}

// ScheduledEvent is the event of a cron trigger.
type ScheduledEvent struct {
	Cron          string `json:"cron"`
	ScheduledTime int64  `json:"scheduledTime"`
}

// RPCEvent is the event of a JS RPC call over a service binding.
type RPCEvent struct {
	RPCMethod string `json:"rpcMethod"`
}

// UnmarshalJSON reads Event back as a *RequestEvent, *ScheduledEvent or *RPCEvent.
func (e *TailEvent) UnmarshalJSON(b []byte) error {
	type plain TailEvent
	var raw struct {
		plain
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = TailEvent(raw.plain)
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw.Event, &probe); err != nil || probe == nil {
		return err
	}
	if _, ok := probe["cron"]; ok {
		var s ScheduledEvent
		err := json.Unmarshal(raw.Event, &s)
		e.Event = &s
		return err
	}
	if _, ok := probe["rpcMethod"]; ok {
		var r RPCEvent
		err := json.Unmarshal(raw.Event, &r)
		e.Event = &r
		return err
	}
	var r RequestEvent
	err := json.Unmarshal(raw.Event, &r)
	e.Event = &r
	return err
}

// tailEvent turns a runtime invocation into the tail's shape.
func tailEvent(worker, version string, inv *runtime.Invocation) TailEvent {
	ev := TailEvent{Outcome: inv.Outcome, ScriptName: worker, ScriptVersion: &ScriptVersion{ID: version},
		Exceptions: []TailException{}, Logs: []TailLog{}, DiagnosticsChannelEvents: []json.RawMessage{},
		EventTimestamp: inv.Start.UnixMilli()}
	for _, l := range inv.Logs {
		msg := []any{l.Text}
		if l.Args != nil {
			msg = make([]any, len(l.Args))
			for i, a := range l.Args {
				msg[i] = a
			}
		}
		ev.Logs = append(ev.Logs, TailLog{Message: msg, Level: l.Level, Timestamp: l.Time.UnixMilli()})
	}
	for _, x := range inv.Exceptions {
		ev.Exceptions = append(ev.Exceptions, TailException{Name: x.Name, Message: x.Message, Timestamp: x.Time.UnixMilli()})
	}
	if inv.Request != nil {
		re := &RequestEvent{Request: TailRequest{URL: inv.URL, Method: inv.Request.Method, Headers: map[string]string{}, CF: inv.CF}}
		for k, vs := range inv.Request.Header {
			re.Request.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
		}
		if inv.Status > 0 && inv.Status != 499 {
			re.Response = &TailResponse{Status: inv.Status}
		}
		ev.Event = re
	} else if inv.RPCMethod != "" {
		ev.Event = &RPCEvent{RPCMethod: inv.RPCMethod}
		// wrangler prints entrypoint.method: the default export is "default", its name in
		// the module.
		ev.Entrypoint = inv.Entrypoint
		if ev.Entrypoint == "" {
			ev.Entrypoint = "default"
		}
	} else {
		ev.Event = &ScheduledEvent{Cron: inv.Cron, ScheduledTime: inv.ScheduledTime.UnixMilli()}
	}
	return ev
}

// TailFilter selects the events a tail receives, as wrangler tail's filters do.
type TailFilter struct {
	// Status keeps invocations by status: ok, error (exception or a limit), canceled.
	Status []string
	// Method keeps requests with one of these methods.
	Method []string
	// Search keeps invocations with a console message containing the text.
	Search string
	// Header keeps requests with a header: "name" or "name:value".
	Header string
	// IP keeps requests from these client addresses (CF-Connecting-IP).
	IP []string
	// SamplingRate, between 0 and 1 exclusive, keeps that share of the events; 0 keeps all.
	SamplingRate float64
}

// Query encodes f for the tail endpoint.
func (f TailFilter) Query() url.Values {
	q := url.Values{}
	for _, s := range f.Status {
		q.Add("status", s)
	}
	for _, m := range f.Method {
		q.Add("method", m)
	}
	for _, ip := range f.IP {
		q.Add("ip", ip)
	}
	if f.Search != "" {
		q.Set("search", f.Search)
	}
	if f.Header != "" {
		q.Set("header", f.Header)
	}
	if f.SamplingRate != 0 {
		q.Set("sampling_rate", strconv.FormatFloat(f.SamplingRate, 'g', -1, 64))
	}
	return q
}

// Check refuses filters wrangler refuses, in its words.
func (f TailFilter) Check() error {
	for _, s := range f.Status {
		if s != "ok" && s != "error" && s != "canceled" {
			return fmt.Errorf("--status %q: want ok, error or canceled", s)
		}
	}
	if f.SamplingRate != 0 && (f.SamplingRate <= 0 || f.SamplingRate >= 1) {
		return fmt.Errorf("A sampling rate must be between 0 and 1 in order to have any effect.\nFor example, a sampling rate of 0.25 means 25%% of events will be logged.")
	}
	return nil
}

func parseTailFilter(q url.Values) (TailFilter, error) {
	f := TailFilter{Status: q["status"], Method: q["method"], IP: q["ip"], Search: q.Get("search"), Header: q.Get("header")}
	if s := q.Get("sampling_rate"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return f, fmt.Errorf("sampling_rate %q is not a number", s)
		}
		f.SamplingRate = r
	}
	return f, f.Check()
}

// match tells whether ev passes the filter.
func (f TailFilter) match(ev *TailEvent) bool {
	if len(f.Status) > 0 {
		status := "error"
		switch ev.Outcome {
		case "ok", "canceled":
			status = ev.Outcome
		}
		if !slices.Contains(f.Status, status) {
			return false
		}
	}
	req, _ := ev.Event.(*RequestEvent)
	if len(f.Method) > 0 && (req == nil || !slices.ContainsFunc(f.Method, func(m string) bool { return strings.EqualFold(m, req.Request.Method) })) {
		return false
	}
	if len(f.IP) > 0 && (req == nil || !slices.Contains(f.IP, req.Request.Headers["cf-connecting-ip"])) {
		return false
	}
	if f.Header != "" {
		name, value, hasValue := strings.Cut(f.Header, ":")
		v, ok := "", false
		if req != nil {
			v, ok = req.Request.Headers[strings.ToLower(strings.TrimSpace(name))]
		}
		if !ok || hasValue && v != strings.TrimSpace(value) {
			return false
		}
	}
	if f.Search != "" && !slices.ContainsFunc(ev.Logs, func(l TailLog) bool { return strings.Contains(l.Text(), f.Search) }) {
		return false
	}
	return f.SamplingRate == 0 || rand.Float64() < f.SamplingRate
}

// tailBuffer is how many events a slow tail client may fall behind before events are dropped
// for it: a tail never slows the worker down.
const tailBuffer = 256

// tails fans each worker's invocations out to its tail clients; a worker nobody tails has
// its invocations left uncollected.
type tails struct {
	mu     sync.Mutex
	subs   map[string]map[chan TailEvent]struct{}
	count  map[string]*atomic.Int32
	closed bool
}

func (t *tails) subscribe(worker string) (chan TailEvent, func()) {
	ch := make(chan TailEvent, tailBuffer)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		close(ch)
		return ch, func() {}
	}
	if t.subs == nil {
		t.subs = map[string]map[chan TailEvent]struct{}{}
	}
	if t.subs[worker] == nil {
		t.subs[worker] = map[chan TailEvent]struct{}{}
	}
	t.subs[worker][ch] = struct{}{}
	t.counter(worker).Add(1)
	return ch, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if _, ok := t.subs[worker][ch]; ok {
			delete(t.subs[worker], ch)
			t.counter(worker).Add(-1)
			close(ch)
		}
	}
}

// counter is the number of worker's tail clients; t.mu is held.
func (t *tails) counter(worker string) *atomic.Int32 {
	if t.count == nil {
		t.count = map[string]*atomic.Int32{}
	}
	c := t.count[worker]
	if c == nil {
		c = &atomic.Int32{}
		t.count[worker] = c
	}
	return c
}

func (t *tails) publish(ev TailEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for ch := range t.subs[ev.ScriptName] {
		select {
		case ch <- ev:
		default: // the client is behind; drop rather than block the request
		}
	}
}

// close ends every tail stream, so that a server shutdown does not wait for them.
func (t *tails) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for w, subs := range t.subs {
		for ch := range subs {
			close(ch)
		}
		t.counter(w).Store(0)
	}
	t.subs = nil
}

// tailObserver is the runtime.InvocationObserver of one version of a worker.
type tailObserver struct {
	tails           *tails
	clients         *atomic.Int32
	worker, version string
}

func (t *tails) observer(worker, version string) *tailObserver {
	t.mu.Lock()
	defer t.mu.Unlock()
	return &tailObserver{tails: t, clients: t.counter(worker), worker: worker, version: version}
}

func (o *tailObserver) Observing() bool { return o.clients.Load() > 0 }

func (o *tailObserver) Observe(inv *runtime.Invocation) {
	o.tails.publish(tailEvent(o.worker, o.version, inv))
}

// serveTail streams the worker's invocations that pass the query's filter as NDJSON until
// the client goes away or the server shuts down.
func (p *Platform) serveTail(tenant, worker string, w http.ResponseWriter, r *http.Request) (any, int, error) {
	p.mu.Lock()
	d, err := p.owned(tenant, worker)
	p.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	if d == nil {
		return nil, 0, fail(http.StatusNotFound, "no worker %q", worker)
	}
	filter, err := parseTailFilter(r.URL.Query())
	if err != nil {
		return nil, 0, fail(http.StatusBadRequest, "%w", err)
	}
	ch, stop := p.tails.subscribe(worker)
	defer stop()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return nil, 0, nil
		case ev, ok := <-ch:
			if !ok {
				return nil, 0, nil
			}
			if !filter.match(&ev) {
				continue
			}
			if enc.Encode(ev) != nil || rc.Flush() != nil {
				return nil, 0, nil
			}
		}
	}
}
