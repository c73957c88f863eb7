package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/moltworker/molt/bindings/service"
	"github.com/moltworker/molt/isolates/js"
)

// Invocation is one event a worker handled, as tail consumers see it (wrangler tail's
// TailEventMessage): what triggered it, how it ended, and the console output and exceptions
// of that event alone, ctx.waitUntil work included.
type Invocation struct {
	Start time.Time
	// Request is the fetch event's request (nil for other events); URL and CF are what the
	// worker saw as request.url and request.cf; Status is the response's status.
	Request *http.Request
	URL     string
	CF      map[string]any
	Status  int
	// Cron and ScheduledTime describe a scheduled event.
	Cron          string
	ScheduledTime time.Time
	// Entrypoint and RPCMethod describe a JS RPC call over a service binding.
	Entrypoint, RPCMethod string
	// Outcome is Cloudflare's: ok, exception, exceededCpu, canceled.
	Outcome    string
	Logs       []LogEntry
	Exceptions []ExceptionEntry

	mu sync.Mutex
}

// LogEntry is one console message: Args holds a console.* call's arguments as JSON, Text the
// host's own messages (an uncaught rejection, say).
type LogEntry struct {
	Level string
	Text  string
	Args  []json.RawMessage
	Time  time.Time
}

// ExceptionEntry is an exception that ended the event.
type ExceptionEntry struct {
	Name, Message, Stack string
	Time                 time.Time
}

// InvocationObserver receives the worker's invocations once they end; Observing says whether
// anyone listens, so that nothing is collected otherwise.
type InvocationObserver interface {
	Observing() bool
	Observe(*Invocation)
}

// Message implements js.Console: the event's console output.
func (inv *Invocation) Message(level js.Level, text string) {
	inv.mu.Lock()
	inv.Logs = append(inv.Logs, LogEntry{Level: string(level), Text: text, Time: time.Now()})
	inv.mu.Unlock()
}

// Args implements js.ArgsConsole: a console.* call's arguments.
func (inv *Invocation) Args(level js.Level, args []json.RawMessage) {
	inv.mu.Lock()
	inv.Logs = append(inv.Logs, LogEntry{Level: string(level), Args: args, Time: time.Now()})
	inv.mu.Unlock()
}

// end records how the event ended; err is what the isolate returned.
func (inv *Invocation) end(err error, canceled bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	switch {
	case err == nil:
		inv.Outcome = "ok"
	case errors.Is(err, js.ErrCPULimit):
		inv.Outcome = "exceededCpu"
	case canceled || errors.Is(err, js.ErrStopped):
		inv.Outcome = "canceled"
	default:
		inv.Outcome = "exception"
		inv.Exceptions = append(inv.Exceptions, exceptionEntry(err))
	}
}

// exceptionEntry splits an exception's text, "Name: message\n    at ...", into its parts.
func exceptionEntry(err error) ExceptionEntry {
	text := err.Error()
	first, stack, _ := strings.Cut(text, "\n")
	e := ExceptionEntry{Name: "Error", Message: first, Stack: stack, Time: time.Now()}
	var ex *js.Exception
	if errors.As(err, &ex) {
		if name, msg, ok := strings.Cut(first, ": "); ok && !strings.ContainsAny(name, " \t") {
			e.Name, e.Message = name, msg
		}
	}
	return e
}

// observe starts an invocation when someone observes h's worker; nil otherwise.
func (h *Host) observe() *Invocation {
	if h.Invocations == nil || !h.Invocations.Observing() {
		return nil
	}
	return &Invocation{Start: time.Now()}
}

// ScheduledInvocation runs the scheduled handler as Scheduled does and reports it as an
// invocation, console output included.
func (w *Worker) ScheduledInvocation(ctx context.Context, cron string, at time.Time) (*Invocation, error) {
	inv := &Invocation{Start: time.Now(), Cron: cron, ScheduledTime: at}
	err := w.scheduled(ctx, cron, at, inv)
	inv.end(err, false)
	return inv, err
}

// Call runs a JS RPC call on the Host's current worker (Worker.Call), reporting it to
// Invocations as a request is.
func (h *Host) Call(ctx context.Context, entrypoint, method string, args []byte) (service.Result, error) {
	w := h.worker.Load()
	if w == nil {
		return service.Result{}, errors.New("service binding: the worker is not running")
	}
	inv := h.observe()
	if inv == nil {
		return w.call(ctx, entrypoint, method, args, nil, nil)
	}
	inv.Entrypoint, inv.RPCMethod = entrypoint, method
	return w.call(ctx, entrypoint, method, args, inv, h.Invocations.Observe)
}

// endCall records how an RPC call ended: an exception the method threw arrives serialised
// (lib/serialize.js: ["e", name, message, ...]).
func (inv *Invocation) endCall(res service.Result, err error) {
	if err != nil || !res.Threw {
		inv.end(err, false)
		return
	}
	var tree []any
	json.Unmarshal(res.Value, &tree)
	e := ExceptionEntry{Name: "Error", Time: time.Now()}
	if len(tree) > 2 && tree[0] == "e" {
		e.Name, _ = tree[1].(string)
		e.Message, _ = tree[2].(string)
	}
	inv.mu.Lock()
	inv.Outcome = "exception"
	inv.Exceptions = append(inv.Exceptions, e)
	inv.mu.Unlock()
}
