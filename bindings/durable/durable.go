// Package durable is Durable Objects for molt in plain Go: the ids of a namespace, each
// object's transactional storage (a SQLite database per object, holding both the key-value
// API and, for SQLite-backed classes, the SQL API), alarms that survive restarts, and the
// Engine seam through which an isolate kind runs the object instances.
//
//	ns, err := durable.NewNamespace(durable.NamespaceOptions{
//		UniqueKey: "counter-Counter", Dir: filepath.Join(stateDir, "do", "counter-Counter"),
//	})
//	id := ns.IDFromName("room-1")
//	reply, err := ns.Invoke(ctx, id, "room-1", durable.Call{Kind: durable.CallRPC, Method: "increment", Args: args})
//
// Nothing here knows JavaScript. Values crossing into storage or between isolates are opaque
// byte strings that the isolate serialises (isolates/js defines the format); this package only
// checks their sizes against Cloudflare's limits.
package durable

import (
	"context"
	"fmt"
	"net/http"
)

// Cloudflare's Durable Objects storage limits (workerd io/actor-storage.h and
// developers.cloudflare.com/durable-objects/platform/limits).
const (
	// MaxKeySize is the longest key, in UTF-8 bytes.
	MaxKeySize = 2048
	// MaxValueSize is the advertised largest value of the key-value API, in serialised bytes.
	MaxValueSize = 128 << 10
	// enforcedValueSize is what workerd really enforces: the advertised size plus the
	// serialiser's header allowance, so that a 128 KiB ArrayBuffer still fits.
	enforcedValueSize = MaxValueSize + 34
	// MaxSQLiteValueSize is the largest key plus value of a SQLite-backed object's
	// key-value API, and the largest string or blob its SQL API stores.
	MaxSQLiteValueSize = 2 << 20
	// MaxKeys is the most keys one get, put or delete may name.
	MaxKeys = 128
	// MaxSQLiteDatabaseSize is the largest database of a SQLite-backed object (10 GB).
	MaxSQLiteDatabaseSize = 10 << 30
)

// Error is a failure that JavaScript sees as an exception of the named class with the given
// message, word for word as workerd throws it: "RangeError", "TypeError" or "Error".
type Error struct {
	// Class is the JavaScript error class.
	Class string
	// Message is the exception's message.
	Message string
}

func (e *Error) Error() string { return e.Class + ": " + e.Message }

func rangeErr(format string, args ...any) error {
	return &Error{Class: "RangeError", Message: fmt.Sprintf(format, args...)}
}

func typeErr(format string, args ...any) error {
	return &Error{Class: "TypeError", Message: fmt.Sprintf(format, args...)}
}

func plainErr(format string, args ...any) error {
	return &Error{Class: "Error", Message: fmt.Sprintf(format, args...)}
}

// CallKind is the kind of event delivered to an object.
type CallKind int

const (
	// CallFetch delivers an HTTP request to the object's fetch handler.
	CallFetch CallKind = iota
	// CallRPC calls a public method of the object.
	CallRPC
	// CallAlarm runs the object's alarm handler.
	CallAlarm
)

// Call is one event for an object.
type Call struct {
	// Kind selects the handler.
	Kind CallKind
	// Method is the RPC method's name (CallRPC).
	Method string
	// Args are the serialised arguments (CallRPC).
	Args []byte
	// Request is the HTTP request, its body read in full (CallFetch).
	Request *Request
	// RetryCount counts earlier failed attempts of this alarm (CallAlarm).
	RetryCount int
}

// Request is an HTTP request crossing between isolates.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Response is an HTTP response crossing between isolates.
type Response struct {
	Status     int
	StatusText string
	Header     http.Header
	Body       []byte
}

// Reply is what an event produced.
type Reply struct {
	// Value is the serialised result of an RPC method, or, with Threw, the serialised
	// exception it threw, which the caller re-throws.
	Value []byte
	// Threw reports that Value is an exception.
	Threw bool
	// Response is the fetch handler's response (CallFetch).
	Response *Response
	// Alarm is the object's alarm after an alarm event, in milliseconds since the epoch, 0
	// for none; the scheduler re-arms it (CallAlarm).
	Alarm int64
	// Ran reports that an alarm event ran the handler rather than finding the alarm moved
	// or deleted (CallAlarm).
	Ran bool
}

// Engine runs object instances: exactly one per id, one event at a time. An isolate kind
// implements it; a Namespace hands every event to its Engine.
type Engine interface {
	// Send delivers c to the object id of ns (named name, "" when it was not addressed by
	// name), starting the object if it is not running, and returns a function that waits for
	// the reply. Events sent one after another from one goroutine reach the object in that
	// order, as calls on one stub do on Cloudflare. An exception thrown by an RPC method is a
	// Reply with Threw; an error means the event could not run (the object failed to start,
	// exceeded its CPU limit, or its storage failed) and is reported to the caller as an
	// Error with the error's text.
	Send(ns *Namespace, id ID, name string, c Call) (wait func(ctx context.Context) (Reply, error))
}
