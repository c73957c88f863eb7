package wasm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/moltworker/molt/bindings/kv"
)

// HostModule is the import module name under which Wasm workers reach their bindings.
const HostModule = "molt"

// Results of the host functions below other than lengths (the ABI in the README).
const (
	// resultNotFound: kv_get found no such key.
	resultNotFound int32 = -1
	// resultError: the call failed; last_error returns why.
	resultError int32 = -2
)

// Bindings are what a Wasm worker's host calls reach during one request.
type Bindings struct {
	// KV maps binding names to namespaces.
	KV map[string]*kv.Namespace
}

// hostCall is the state of the host module for one request; host functions find it in their
// context, so the module itself is instantiated once per engine and shared.
type hostCall struct {
	bindings Bindings
	lastErr  string
	// pending is a result too large for the guest's buffer, kept so that the guest's retry
	// with a larger buffer does not read storage again.
	pending    []byte
	pendingFor string
}

type hostCallKey struct{}

func withHostCall(ctx context.Context, c *hostCall) context.Context {
	return context.WithValue(ctx, hostCallKey{}, c)
}

// hostModule defines module "molt". Every function takes (pointer, length) pairs of UTF-8
// strings in the caller's memory and returns an i32: a length or 0 on success, resultNotFound
// or resultError. Results are written to the caller's (buffer, capacity); a result longer than
// the capacity is not written, its length is returned, and the same call repeated with a large
// enough buffer gets it without doing the work again.
func hostModule(rt wazero.Runtime) wazero.HostModuleBuilder {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	b := rt.NewHostModuleBuilder(HostModule)
	fn := func(name string, f api.GoModuleFunc, params ...api.ValueType) {
		b.NewFunctionBuilder().WithGoModuleFunction(f, params, []api.ValueType{i32}).Export(name)
	}
	// kv_get(binding, key, buf) -> length | -1 missing | -2 error
	fn("kv_get", func(ctx context.Context, mod api.Module, s []uint64) {
		c, m := call(ctx), mod.Memory()
		binding, key := str(m, "kv_get", "binding", s[0], s[1]), str(m, "kv_get", "key", s[2], s[3])
		id := "get\x00" + binding + "\x00" + key
		s[0] = c.result(m, id, s[4], s[5], func() ([]byte, bool, error) {
			ns, err := c.namespace(binding)
			if err != nil {
				return nil, false, err
			}
			e, ok, err := ns.Get(key, kv.GetOptions{})
			return e.Value, ok, err
		})
	}, i32, i32, i32, i32, i32, i32)
	// kv_put(binding, key, value, expiration_ttl) -> 0 | -2
	fn("kv_put", func(ctx context.Context, mod api.Module, s []uint64) {
		c, m := call(ctx), mod.Memory()
		binding, key := str(m, "kv_put", "binding", s[0], s[1]), str(m, "kv_put", "key", s[2], s[3])
		value := append([]byte(nil), guestBytes(m, "kv_put", "value", s[4], s[5])...)
		var opts kv.PutOptions
		if ttl := int64(s[6]); ttl != 0 {
			opts.ExpirationTTL = &ttl
		}
		s[0] = c.status(func() error {
			ns, err := c.namespace(binding)
			if err != nil {
				return err
			}
			return ns.Put(key, value, opts)
		})
	}, i32, i32, i32, i32, i32, i32, i64)
	// kv_delete(binding, key) -> 0 | -2
	fn("kv_delete", func(ctx context.Context, mod api.Module, s []uint64) {
		c, m := call(ctx), mod.Memory()
		binding, key := str(m, "kv_delete", "binding", s[0], s[1]), str(m, "kv_delete", "key", s[2], s[3])
		s[0] = c.status(func() error {
			ns, err := c.namespace(binding)
			if err != nil {
				return err
			}
			return ns.Delete(key)
		})
	}, i32, i32, i32, i32)
	// kv_list(binding, prefix, cursor, limit, buf) -> length of JSON | -2
	fn("kv_list", func(ctx context.Context, mod api.Module, s []uint64) {
		c, m := call(ctx), mod.Memory()
		binding := str(m, "kv_list", "binding", s[0], s[1])
		opts := kv.ListOptions{
			Prefix: str(m, "kv_list", "prefix", s[2], s[3]),
			Cursor: str(m, "kv_list", "cursor", s[4], s[5]),
			Limit:  int(int32(s[6])),
		}
		id := fmt.Sprintf("list\x00%s\x00%s\x00%s\x00%d", binding, opts.Prefix, opts.Cursor, opts.Limit)
		s[0] = c.result(m, id, s[7], s[8], func() ([]byte, bool, error) {
			ns, err := c.namespace(binding)
			if err != nil {
				return nil, false, err
			}
			res, err := ns.List(opts)
			if err != nil {
				return nil, false, err
			}
			out, err := json.Marshal(listJSON(res))
			return out, true, err
		})
	}, i32, i32, i32, i32, i32, i32, i32, i32, i32)
	// last_error(buf) -> length of the last failure's message
	fn("last_error", func(ctx context.Context, mod api.Module, s []uint64) {
		c := call(ctx)
		msg := []byte(c.lastErr)
		if uint64(len(msg)) <= s[1]&0xffffffff {
			write(mod.Memory(), "last_error", s[0], msg)
		}
		s[0] = uint64(len(msg))
	}, i32, i32)
	return b
}

// listed is one key of a kv_list result, shaped as the JavaScript API's list() keys.
type listed struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

func listJSON(res kv.ListResult) any {
	keys := make([]listed, len(res.Keys))
	for i, k := range res.Keys {
		keys[i] = listed{Name: k.Name, Expiration: k.Expiration, Metadata: k.Metadata}
	}
	out := map[string]any{"keys": keys, "list_complete": res.Complete}
	if !res.Complete {
		out["cursor"] = res.Cursor
	}
	return out
}

func call(ctx context.Context) *hostCall {
	if c, ok := ctx.Value(hostCallKey{}).(*hostCall); ok {
		return c
	}
	// A module instantiated outside a request (a JS isolate's WebAssembly.instantiate of a
	// module that imports "molt") gets no bindings rather than a crash.
	return &hostCall{}
}

func (c *hostCall) namespace(name string) (*kv.Namespace, error) {
	if ns := c.bindings.KV[name]; ns != nil {
		return ns, nil
	}
	return nil, fmt.Errorf("no KV namespace is bound as %q", name)
}

// status runs op and returns 0, or resultError with the failure kept for last_error.
func (c *hostCall) status(op func() error) uint64 {
	if err := op(); err != nil {
		c.lastErr = errorText(err)
		return api.EncodeI32(resultError)
	}
	return 0
}

// result returns the length of op's value, writing it to (buf, capacity) when it fits.
func (c *hostCall) result(m api.Memory, id string, buf, capacity uint64, op func() ([]byte, bool, error)) uint64 {
	var value []byte
	if c.pending != nil && c.pendingFor == id {
		value = c.pending
	} else {
		v, ok, err := op()
		if err != nil {
			c.lastErr = errorText(err)
			return api.EncodeI32(resultError)
		}
		if !ok {
			return api.EncodeI32(resultNotFound)
		}
		value = v
	}
	c.pending, c.pendingFor = nil, ""
	if uint64(len(value)) > capacity&0xffffffff {
		c.pending, c.pendingFor = value, id
	} else {
		write(m, "result", buf, value)
	}
	return uint64(len(value))
}

// errorText is what last_error reports: KV's own messages as the JavaScript API throws them.
func errorText(err error) string {
	var ae *kv.ArgumentError
	if errors.As(err, &ae) {
		return ae.Text
	}
	return err.Error()
}

// guestBytes returns the guest's bytes at (ptr, n) without copying; out of bounds traps the call
// with a message that names the function and the argument.
func guestBytes(m api.Memory, fn, arg string, ptr, n uint64) []byte {
	p, l := uint32(ptr), uint32(n)
	if m == nil {
		panic(fmt.Errorf("molt.%s: the module exports no memory", fn))
	}
	b, ok := m.Read(p, l)
	if !ok {
		panic(fmt.Errorf("molt.%s: %s (%d bytes at %#x) is outside linear memory (%d bytes)", fn, arg, l, p, m.Size()))
	}
	return b
}

func str(m api.Memory, fn, arg string, ptr, n uint64) string {
	return string(guestBytes(m, fn, arg, ptr, n))
}

func write(m api.Memory, fn string, ptr uint64, data []byte) {
	if !m.Write(uint32(ptr), data) {
		panic(fmt.Errorf("molt.%s: the buffer (%d bytes at %#x) is outside linear memory (%d bytes)", fn, len(data), uint32(ptr), m.Size()))
	}
}
