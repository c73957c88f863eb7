package js

import (
	"bytes"
	"context"
	hexpkg "encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/durable"
)

// A Durable Object namespace in env is lib/durable.js over the natives below. Calls from a
// stub leave the caller's isolate as serialised text (lib/serialize.js) and reach the object's
// own isolate through durable.Namespace.Invoke on another goroutine; the reply comes back
// into the caller's loop through a reservation, so no goja value ever crosses isolates.

func init() {
	// The caller's side is in every request of a worker with a Durable Object binding, so its
	// natives are few; the object's side is loaded only in objects.
	register("durable", nil, func(iso *Isolate) map[string]any {
		d := &durableNatives{iso: iso}
		return map[string]any{
			"idFromName":   func(h goja.Value, name string) string { return d.namespace(h).IDFromName(name).String() },
			"newUniqueId":  func(h goja.Value) string { return d.namespace(h).NewUniqueID().String() },
			"idFromString": d.idFromString,
			"call":         d.call,
			"fetch":        d.fetch,
		}
	})
	register("workers", nil, nil)
	register("durablestate", nil, func(iso *Isolate) map[string]any {
		d := &durableNatives{iso: iso}
		return map[string]any{
			"gate": func(c goja.FunctionCall) goja.Value {
				d.actor(c.Argument(0)).gate += int(c.Argument(1).ToInteger())
				return goja.Undefined()
			},
			"abort":     func(a goja.Value, reason string) { d.actor(a).abort(reason) },
			"get":       d.get,
			"getMany":   d.getMany,
			"put":       d.put,
			"delete":    d.delete,
			"list":      d.list,
			"deleteAll": func(a goja.Value) { d.check(d.store(a).DeleteAll()) },
			"sync":      func(a goja.Value) { d.check(d.actor(a).flushStorage()) },
			"getAlarm":  d.getAlarm,
			"setAlarm":  d.setAlarm,
			"txBegin":   func(a goja.Value) { d.check(d.store(a).BeginTransaction()) },
			"txEnd":     func(a goja.Value, rollback bool) { d.check(d.store(a).EndTransaction(rollback)) },
			"exec":      d.exec,
			"databaseSize": func(a goja.Value) float64 {
				n, err := d.store(a).DatabaseSize()
				d.check(err)
				return float64(n)
			},
			"reply":      d.reply,
			"replyFetch": d.replyFetch,
		}
	})
	registerBinding(func(iso *Isolate, ns *durable.Namespace) goja.Value {
		iso.load("durable")
		create, _ := goja.AssertFunction(iso.internal.Get("durable").ToObject(iso.vm).Get("createNamespace"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(ns))
		if err != nil {
			panic(err)
		}
		return v
	})
}

type durableNatives struct{ iso *Isolate }

func (d *durableNatives) namespace(v goja.Value) *durable.Namespace {
	ns, ok := v.Export().(*durable.Namespace)
	if !ok {
		d.iso.throwTypeError("Illegal invocation")
	}
	return ns
}

// store is the storage of the actor v, opened again if it was released while idle.
func (d *durableNatives) store(v goja.Value) *durable.Storage {
	s, err := d.actor(v).store()
	d.check(err)
	return s
}

func (d *durableNatives) actor(v goja.Value) *actor {
	a, ok := v.Export().(*actor)
	if !ok {
		d.iso.throwTypeError("Illegal invocation")
	}
	return a
}

// check throws err in JavaScript: a *durable.Error as its class with its message, anything
// else (a storage failure) as an Error, logged in full.
func (d *durableNatives) check(err error) {
	if err == nil {
		return
	}
	panic(d.iso.durableError(err))
}

// durableError is the JavaScript exception for err.
func (iso *Isolate) durableError(err error) goja.Value {
	var de *durable.Error
	class, msg := "Error", err.Error()
	if errors.As(err, &de) {
		class, msg = de.Class, de.Message
	} else {
		iso.logf(LevelError, "molt: %v", err)
		msg = "Durable Object storage operation failed: " + err.Error()
	}
	return iso.newError(class, msg)
}

// newError constructs the global error class with message msg.
func (iso *Isolate) newError(class, msg string) goja.Value {
	ctor, ok := goja.AssertConstructor(iso.vm.Get(class))
	if !ok {
		return iso.vm.NewTypeError(msg)
	}
	e, err := ctor(nil, iso.vm.ToValue(msg))
	if err != nil {
		return iso.vm.NewTypeError(msg)
	}
	return e
}

func (d *durableNatives) idFromString(h goja.Value, s string) string {
	id, err := d.namespace(h).IDFromString(s)
	d.check(err)
	return id.String()
}

// invoke sends c to the object off the loop and settles the returned promise with what
// build makes of the reply on the loop; a failure to run the event rejects it with an Error.
func (d *durableNatives) invoke(h goja.Value, hex, name goja.Value, c durable.Call, build func(durable.Reply) goja.Value) goja.Value {
	iso := d.iso
	ns := d.namespace(h)
	// get() takes any id, as workerd's does: one made by another namespace addresses the
	// object with that id in this one.
	var id durable.ID
	if _, err := hexpkg.Decode(id[:], []byte(hex.String())); err != nil {
		d.iso.throwTypeError("Invalid Durable Object ID: must be 64 hex digits")
	}
	n := ""
	if name != nil && !goja.IsUndefined(name) {
		n = name.String()
	}
	p, resolve, reject := iso.vm.NewPromise()
	// Sent from the loop, so that calls made in order reach the object in order; only the
	// wait for the reply moves off the loop.
	wait := ns.Send(id, n, c)
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		reply, err := wait(context.Background())
		done(func() error {
			if err != nil {
				return iso.settle(reject, iso.newError("Error", err.Error()))
			}
			return iso.settle(resolve, build(reply))
		})
	})
	return iso.vm.ToValue(p)
}

// call(h, hex, name, method, args) resolves to [threw, serialised value].
func (d *durableNatives) call(h, hex, name goja.Value, method, args string) goja.Value {
	return d.invoke(h, hex, name, durable.Call{Kind: durable.CallRPC, Method: method, Args: []byte(args)}, func(r durable.Reply) goja.Value {
		return d.iso.vm.NewArray(r.Threw, string(r.Value))
	})
}

// fetch(h, hex, name, method, url, headers, body) resolves to [false, status, statusText,
// headers, body] or [true, serialised exception].
func (d *durableNatives) fetch(c goja.FunctionCall) goja.Value {
	vm := d.iso.vm
	req := &durable.Request{Method: c.Argument(3).String(), URL: c.Argument(4).String(), Header: http.Header{}}
	var hs []string
	vm.ExportTo(c.Argument(5), &hs)
	for i := 0; i+1 < len(hs); i += 2 {
		req.Header.Add(hs[i], hs[i+1])
	}
	if b, ok := d.iso.chunkBytes(c.Argument(6)); ok {
		req.Body = bytes.Clone(b)
	}
	return d.invoke(c.Argument(0), c.Argument(1), c.Argument(2), durable.Call{Kind: durable.CallFetch, Request: req}, func(r durable.Reply) goja.Value {
		if r.Threw || r.Response == nil {
			return vm.NewArray(true, string(r.Value))
		}
		return vm.NewArray(false, r.Response.Status, r.Response.StatusText, headerPairs(r.Response.Header), vm.NewArrayBuffer(r.Response.Body))
	})
}

// headerPairs flattens h into [name, value, ...] in sorted name order.
func headerPairs(h http.Header) []any {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]any, 0, 2*len(h))
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, k, v)
		}
	}
	return out
}

func (d *durableNatives) keys(v goja.Value) []string {
	var ks []string
	if err := d.iso.vm.ExportTo(v, &ks); err != nil {
		d.iso.throwTypeError("Durable Object storage keys must be strings")
	}
	return ks
}

// The natives every storage call and reply goes through take a FunctionCall: goja calls
// those directly, where typed Go signatures go through reflection.

func (d *durableNatives) get(c goja.FunctionCall) goja.Value {
	vs, err := d.store(c.Argument(0)).Get([]string{c.Argument(1).String()})
	d.check(err)
	if vs[0] == nil {
		return goja.Null()
	}
	return d.iso.vm.ToValue(string(vs[0]))
}

// getMany returns [key, value, ...] of the keys found, in key order, as workerd's Map is.
func (d *durableNatives) getMany(a goja.Value, keys goja.Value) goja.Value {
	ks := d.keys(keys)
	vs, err := d.store(a).Get(ks)
	d.check(err)
	idx := make([]int, 0, len(ks))
	for i, v := range vs {
		if v != nil {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(i, j int) bool { return ks[idx[i]] < ks[idx[j]] })
	out := make([]any, 0, 2*len(idx))
	for _, i := range idx {
		out = append(out, ks[i], string(vs[i]))
	}
	return d.iso.vm.NewArray(out...)
}

func (d *durableNatives) put(c goja.FunctionCall) goja.Value {
	ks, vs := d.keys(c.Argument(1)), d.keys(c.Argument(2))
	bs := make([][]byte, len(vs))
	for i, v := range vs {
		bs[i] = []byte(v)
	}
	d.check(d.store(c.Argument(0)).Put(ks, bs))
	return goja.Undefined()
}

func (d *durableNatives) delete(a goja.Value, keys goja.Value) int {
	n, err := d.store(a).Delete(d.keys(keys))
	d.check(err)
	return n
}

func optKey(v goja.Value) *string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	s := v.String()
	return &s
}

// list(a, start, startAfter, end, prefix, reverse, limit) returns [key, value, ...].
func (d *durableNatives) list(c goja.FunctionCall) goja.Value {
	o := durable.ListOptions{
		Start: optKey(c.Argument(1)), StartAfter: optKey(c.Argument(2)), End: optKey(c.Argument(3)),
		Reverse: c.Argument(5).ToBoolean(), Limit: int(c.Argument(6).ToInteger()),
	}
	if p := optKey(c.Argument(4)); p != nil {
		o.Prefix = *p
	}
	ks, vs, err := d.store(c.Argument(0)).List(o)
	d.check(err)
	out := make([]any, 0, 2*len(ks))
	for i, k := range ks {
		out = append(out, k, string(vs[i]))
	}
	return d.iso.vm.NewArray(out...)
}

func (d *durableNatives) getAlarm(a goja.Value) goja.Value {
	ms, err := d.store(a).Alarm()
	d.check(err)
	if ms == 0 {
		return goja.Null()
	}
	return d.iso.vm.ToValue(ms)
}

func (d *durableNatives) setAlarm(a goja.Value, ms int64) {
	d.check(d.actor(a).setAlarm(ms))
}

// exec(a, query, bindings) returns [columnNames, rows, rowsRead, rowsWritten], blobs as
// ArrayBuffers.
func (d *durableNatives) exec(a goja.Value, query string, bindings goja.Value) goja.Value {
	vm := d.iso.vm
	obj := bindings.ToObject(vm)
	n := int(obj.Get("length").ToInteger())
	args := make([]any, n)
	for i := range args {
		v := obj.Get(strconv.Itoa(i))
		if goja.IsNull(v) {
			continue
		}
		if s, ok := v.Export().(string); ok {
			args[i] = s
		} else {
			if b, ok := d.iso.chunkBytes(v); ok {
				args[i] = bytes.Clone(b)
			} else {
				args[i] = v.ToFloat()
			}
		}
	}
	res, err := d.store(a).Exec(query, args)
	d.check(err)
	cols := make([]any, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = c
	}
	rows := make([]any, len(res.Rows))
	for i, r := range res.Rows {
		row := make([]any, len(r))
		for j, v := range r {
			if b, ok := v.([]byte); ok {
				row[j] = vm.NewArrayBuffer(b)
			} else {
				row[j] = v
			}
		}
		rows[i] = vm.NewArray(row...)
	}
	return vm.NewArray(vm.NewArray(cols...), vm.NewArray(rows...), res.RowsRead, res.RowsWritten)
}

func (d *durableNatives) reply(c goja.FunctionCall) goja.Value {
	d.actor(c.Argument(0)).reply(int(c.Argument(1).ToInteger()), durable.Reply{Threw: c.Argument(2).ToBoolean(), Value: []byte(c.Argument(3).String())})
	return goja.Undefined()
}

func (d *durableNatives) replyFetch(c goja.FunctionCall) goja.Value {
	resp := &durable.Response{Status: int(c.Argument(2).ToInteger()), StatusText: c.Argument(3).String(), Header: http.Header{}}
	var hs []string
	d.iso.vm.ExportTo(c.Argument(4), &hs)
	for i := 0; i+1 < len(hs); i += 2 {
		resp.Header.Add(hs[i], hs[i+1])
	}
	if b, ok := d.iso.chunkBytes(c.Argument(5)); ok {
		resp.Body = bytes.Clone(b)
	}
	d.actor(c.Argument(0)).reply(int(c.Argument(1).ToInteger()), durable.Reply{Response: resp})
	return goja.Undefined()
}
