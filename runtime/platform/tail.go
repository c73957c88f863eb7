package platform

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// TailEvent is one line of molt tail: a request the worker answered, a console message, or
// an error the host logged about it (an uncaught exception, a CPU limit).
type TailEvent struct {
	Time time.Time `json:"time"`
	// Worker and Version say which version produced the event.
	Worker  string `json:"worker"`
	Version string `json:"version,omitempty"`
	// Kind is "request", "console", "scheduled" or "log".
	Kind string `json:"kind"`
	// Level is the console or log level: log, info, warn, error, debug.
	Level   string `json:"level,omitempty"`
	Message string `json:"message"`
	// Attrs are the host's figures for a request (wall_ms, cpu_ms) or a log's details.
	Attrs map[string]any `json:"attrs,omitempty"`
}

// tailBuffer is how many events a slow tail client may fall behind before events are dropped
// for it: a tail never slows the worker down.
const tailBuffer = 256

// tails fans each worker's events out to its tail clients. Workers without clients cost one
// map lookup per event.
type tails struct {
	mu     sync.Mutex
	subs   map[string]map[chan TailEvent]struct{}
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
	return ch, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if _, ok := t.subs[worker][ch]; ok {
			delete(t.subs[worker], ch)
			close(ch)
		}
	}
}

func (t *tails) publish(ev TailEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for ch := range t.subs[ev.Worker] {
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
	for _, subs := range t.subs {
		for ch := range subs {
			close(ch)
		}
	}
	t.subs = nil
}

// tailHandler is a slog.Handler that also sends what a worker's Host logs to its tail clients.
type tailHandler struct {
	next            slog.Handler
	tails           *tails
	worker, version string
	attrs           []slog.Attr
}

func (h *tailHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }

func (h *tailHandler) Handle(ctx context.Context, r slog.Record) error {
	ev := TailEvent{Time: r.Time, Worker: h.worker, Version: h.version, Kind: "log", Level: levelName(r.Level), Message: r.Message, Attrs: map[string]any{}}
	for _, a := range h.attrs {
		ev.Attrs[a.Key] = a.Value.Any()
	}
	r.Attrs(func(a slog.Attr) bool {
		ev.Attrs[a.Key] = a.Value.Any()
		return true
	})
	// The Host logs one line per request with its figures: that line is the request event.
	if _, ok := ev.Attrs["wall_ms"]; ok {
		ev.Kind, ev.Level = "request", ""
	}
	delete(ev.Attrs, "worker")
	delete(ev.Attrs, "version")
	if len(ev.Attrs) == 0 {
		ev.Attrs = nil
	}
	h.tails.publish(ev)
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *tailHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *tailHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.next = h.next.WithGroup(name)
	return &c
}

func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warn"
	case l >= slog.LevelInfo:
		return "info"
	}
	return "debug"
}

// serveTail streams the worker's events as NDJSON until the client goes away or the server
// shuts down.
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
			if enc.Encode(ev) != nil || rc.Flush() != nil {
				return nil, 0, nil
			}
		}
	}
}
