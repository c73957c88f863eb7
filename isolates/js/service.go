package js

import (
	"context"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/service"
)

// A service binding is lib/service.js's Fetcher over fetch's machinery: the binding, an
// opaque value only the library holds, is the transport that replaces the network for its
// requests, and natives.call carries its JS RPC calls.
func init() {
	register("rpc", nil, nil)
	register("service", nil, func(iso *Isolate) map[string]any {
		return map[string]any{"call": func(h goja.Value, method, args string) goja.Value {
			b, ok := h.Export().(*service.Binding)
			if !ok {
				iso.throwTypeError("Illegal invocation")
			}
			return iso.rpcCall(b, method, args)
		}}
	})
	registerBinding(func(iso *Isolate, b *service.Binding) goja.Value {
		create, _ := goja.AssertFunction(iso.load("service").Get("create"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(b))
		if err != nil {
			panic(err)
		}
		return v
	})
}

// rpcCall runs the call in the target worker off the loop; the promise resolves to [threw,
// serialised value], or rejects with an Error when the target could not be reached.
func (iso *Isolate) rpcCall(b *service.Binding, method, args string) goja.Value {
	if iso.state == nil {
		iso.throwError(msgGlobalScope)
	}
	p, resolve, reject := iso.vm.NewPromise()
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		r, err := b.Call(context.Background(), method, []byte(args))
		done(func() error {
			if err != nil {
				return iso.settle(reject, iso.newError("Error", err.Error()))
			}
			return iso.settle(resolve, iso.vm.NewArray(r.Threw, string(r.Value)))
		})
	})
	return iso.vm.ToValue(p)
}

// Call runs a JS RPC call that came over a service binding: method of the entrypoint (the
// default export when entrypoint is ""), with args, the serialised argument array, or ""
// to read a property. It returns the serialised result or, with threw, the serialised
// exception the method threw; err is for failures of the isolate itself (CPU limit, stop).
// ctx.waitUntil work is left for Finish, as after Serve.
func (iso *Isolate) Call(entrypoint, method, args string, stop <-chan struct{}) (result string, threw bool, err error) {
	compileDispatchLibs()
	iso.state = iso.vm.NewObject()
	var ret goja.Value
	err = iso.enter(func() error {
		vm := iso.vm
		iso.state.Set("waitUntil", vm.NewArray())
		iso.state.Set("passThrough", false)
		iso.load("worker")
		dispatch, _ := goja.AssertFunction(iso.internal.Get("worker").ToObject(vm).Get("dispatchRPC"))
		var err error
		ret, err = dispatch(goja.Undefined(), iso.exportsValue(), vm.ToValue(entrypoint), vm.ToValue(method), vm.ToValue(args), iso.envValue(), iso.state)
		return err
	})
	if err == nil {
		ret, err = iso.await(ret, stop)
	}
	if err != nil {
		return "", false, iso.jsError(err)
	}
	r := ret.ToObject(iso.vm)
	return r.Get("1").String(), r.Get("0").ToBoolean(), nil
}

// exportsValue is the entry module's exports, undefined for a service worker.
func (iso *Isolate) exportsValue() goja.Value {
	if iso.exports == nil {
		return goja.Undefined()
	}
	return iso.exports
}
