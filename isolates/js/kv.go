package js

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/kv"
)

// The KVNamespace of env is lib/kv.js over the natives below. A native takes the Go
// *kv.Namespace (wrapped as an opaque JavaScript value that only the library holds), does the
// storage work on its own goroutine and settles its promise on the loop, as hostRead does.

func init() {
	register("kv", nil, func(iso *Isolate) map[string]any {
		a := &kvAdapter{iso: iso}
		return map[string]any{
			"setErrors":  func(fn goja.Callable) { a.mkErr = fn },
			"get":        a.get,
			"getBulk":    a.getBulk,
			"put":        a.put,
			"delete":     a.delete,
			"list":       a.list,
			"valueBytes": a.valueBytes,
		}
	})
	registerBinding(func(iso *Isolate, ns *kv.Namespace) goja.Value {
		create, _ := goja.AssertFunction(iso.load("kv").Get("create"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(ns))
		if err != nil {
			panic(err)
		}
		return v
	})
}

// kvAdapter holds one isolate's KV natives.
type kvAdapter struct {
	iso *Isolate
	// mkErr builds the error a rejection carries: (isTypeError, message) → Error. It comes
	// from the library so that the errors are the isolate's own Error and TypeError.
	mkErr goja.Callable
}

// namespace unwraps the handle the library passes back.
func (a *kvAdapter) namespace(v goja.Value) *kv.Namespace {
	ns, ok := v.Export().(*kv.Namespace)
	if !ok {
		a.iso.throwTypeError("Illegal invocation")
	}
	return ns
}

// async runs work off the loop and settles the returned promise with what build makes of its
// result on the loop; a binding error rejects it with the error Cloudflare throws.
func (a *kvAdapter) async(work func() (build func() goja.Value, err error)) goja.Value {
	iso := a.iso
	p, resolve, reject := iso.vm.NewPromise()
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		build, err := work()
		done(func() error {
			if err != nil {
				return iso.settle(reject, a.jsError(err))
			}
			return iso.settle(resolve, build())
		})
	})
	return iso.vm.ToValue(p)
}

// jsError turns a binding error into Cloudflare's exception: a TypeError for bad arguments, an
// Error "KV <OP> failed: <status> <text>" otherwise. Storage failures are logged and reach the
// worker as KV's 500.
func (a *kvAdapter) jsError(err error) goja.Value {
	isType, msg := false, ""
	var ae *kv.ArgumentError
	var ke *kv.Error
	switch {
	case errors.As(err, &ae):
		isType, msg = true, ae.Text
	case errors.As(err, &ke):
		msg = ke.Error()
	default:
		a.iso.logf(LevelError, "molt: %v", err)
		msg = "KV operation failed: 500 Internal Server Error"
	}
	if a.mkErr == nil {
		return a.iso.vm.NewTypeError(msg)
	}
	e, callErr := a.mkErr(goja.Undefined(), a.iso.vm.ToValue(isType), a.iso.vm.ToValue(msg))
	if callErr != nil {
		return a.iso.vm.ToValue(callErr.Error())
	}
	return e
}

// optInt reads an optional integer option: nil for undefined or null.
func optInt(v goja.Value) *int64 {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	f := v.ToFloat()
	if math.IsNaN(f) {
		f = 0
	}
	n := int64(math.Trunc(f))
	return &n
}

// get(ns, key, type, cacheTtl) resolves to null, or to [value, metadata JSON or null] with the
// value as type wants it: a string (text, json and unknown types, which the library rejects),
// an ArrayBuffer, or a host body id (stream).
func (a *kvAdapter) get(c goja.FunctionCall) goja.Value {
	ns := a.namespace(c.Argument(0))
	key, typ := c.Argument(1).String(), c.Argument(2).String()
	opts := kv.GetOptions{CacheTTL: optInt(c.Argument(3))}
	return a.async(func() (func() goja.Value, error) {
		e, ok, err := ns.Get(key, opts)
		if err != nil {
			return nil, err
		}
		return func() goja.Value {
			if !ok {
				return goja.Null()
			}
			vm := a.iso.vm
			var value goja.Value
			switch typ {
			case "arrayBuffer":
				value = vm.ToValue(vm.NewArrayBuffer(e.Value))
			case "stream":
				value = vm.ToValue(a.iso.bodies.add(bytes.NewReader(e.Value), nil))
			default:
				s, _ := decodeUTF8(e.Value, false)
				value = vm.ToValue(s)
			}
			meta := goja.Null()
			if e.Metadata != nil {
				meta = vm.ToValue(string(e.Metadata))
			}
			return vm.NewArray(value, meta)
		}, nil
	})
}

// getBulk(ns, keys, type, cacheTtl, withMetadata) resolves to the JSON text of an object from
// each key to its value (null when missing), or to {value, metadata} with withMetadata.
func (a *kvAdapter) getBulk(c goja.FunctionCall) goja.Value {
	ns := a.namespace(c.Argument(0))
	var keys []string
	if err := a.iso.vm.ExportTo(c.Argument(1), &keys); err != nil {
		a.iso.throwTypeError("KV get() expects a string or an array of strings as the key.")
	}
	typ := c.Argument(2).String()
	if goja.IsUndefined(c.Argument(2)) {
		typ = ""
	}
	opts := kv.BulkOptions{Type: typ, GetOptions: kv.GetOptions{CacheTTL: optInt(c.Argument(3))}}
	withMeta := c.Argument(4).ToBoolean()
	return a.async(func() (func() goja.Value, error) {
		entries, found, err := ns.GetBulk(keys, opts)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(&buf, k)
			buf.WriteByte(':')
			if !found[i] {
				buf.WriteString("null")
				continue
			}
			if withMeta {
				buf.WriteString(`{"value":`)
			}
			if typ == "json" {
				buf.Write(entries[i].Value)
			} else {
				s, _ := decodeUTF8(entries[i].Value, false)
				writeJSONString(&buf, s)
			}
			if withMeta {
				buf.WriteString(`,"metadata":`)
				if entries[i].Metadata != nil {
					buf.Write(entries[i].Metadata)
				} else {
					buf.WriteString("null")
				}
				buf.WriteByte('}')
			}
		}
		buf.WriteByte('}')
		return func() goja.Value { return a.iso.vm.ToValue(buf.String()) }, nil
	})
}

// put(ns, key, value, expiration, expirationTtl, metadataJSON) stores a string or the bytes of
// a Uint8Array; the bytes are copied first, since JavaScript may change them meanwhile.
func (a *kvAdapter) put(c goja.FunctionCall) goja.Value {
	ns := a.namespace(c.Argument(0))
	key := c.Argument(1).String()
	var value []byte
	if s, ok := c.Argument(2).Export().(string); ok {
		value = []byte(s)
	} else if b, ok := a.iso.chunkBytes(c.Argument(2)); ok {
		value = bytes.Clone(b)
	} else {
		a.iso.throwTypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")
	}
	opts := kv.PutOptions{Expiration: optInt(c.Argument(3)), ExpirationTTL: optInt(c.Argument(4))}
	if m := c.Argument(5); !goja.IsUndefined(m) && !goja.IsNull(m) {
		opts.Metadata = []byte(m.String())
	}
	return a.async(func() (func() goja.Value, error) {
		if err := ns.Put(key, value, opts); err != nil {
			return nil, err
		}
		return goja.Undefined, nil
	})
}

// valueBytes(n) is the error for a streamed value that grew past the limit while being read,
// with the same words as a put of known length.
func (a *kvAdapter) valueBytes(n int64) goja.Value {
	return a.jsError(&kv.Error{Op: "PUT", Status: 413, Text: fmt.Sprintf("Value length of %d exceeds limit of %d.", n, kv.MaxValueSize)})
}

func (a *kvAdapter) delete(c goja.FunctionCall) goja.Value {
	ns := a.namespace(c.Argument(0))
	key := c.Argument(1).String()
	return a.async(func() (func() goja.Value, error) {
		if err := ns.Delete(key); err != nil {
			return nil, err
		}
		return goja.Undefined, nil
	})
}

// list(ns, prefix, limit, cursor) resolves to the JSON text of the result, metadata included
// as the JSON it is stored as.
func (a *kvAdapter) list(c goja.FunctionCall) goja.Value {
	ns := a.namespace(c.Argument(0))
	var opts kv.ListOptions
	if p := c.Argument(1); !goja.IsUndefined(p) && !goja.IsNull(p) {
		opts.Prefix = p.String()
	}
	if l := optInt(c.Argument(2)); l != nil {
		opts.Limit = int(max(min(*l, math.MaxInt32), 0))
	}
	if cur := c.Argument(3); !goja.IsUndefined(cur) && !goja.IsNull(cur) {
		opts.Cursor = cur.String()
	}
	return a.async(func() (func() goja.Value, error) {
		res, err := ns.List(opts)
		if err != nil {
			return nil, err
		}
		type key struct {
			Name       string          `json:"name"`
			Expiration int64           `json:"expiration,omitempty"`
			Metadata   json.RawMessage `json:"metadata,omitempty"`
		}
		out := struct {
			Keys         []key   `json:"keys"`
			ListComplete bool    `json:"list_complete"`
			Cursor       string  `json:"cursor,omitempty"`
			CacheStatus  *string `json:"cacheStatus"`
		}{Keys: make([]key, len(res.Keys)), ListComplete: res.Complete, Cursor: res.Cursor}
		for i, k := range res.Keys {
			out.Keys[i] = key{k.Name, k.Expiration, k.Metadata}
		}
		text, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("kv %s: list: %w", ns.ID(), err)
		}
		return func() goja.Value { return a.iso.vm.ToValue(string(text)) }, nil
	})
}

// writeJSONString writes s as a JSON string without escaping <, > and &, as JSON.stringify does.
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode's newline
}
