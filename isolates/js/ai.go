package js

import (
	"errors"

	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/ai"
)

// The Ai object of env is lib/ai.js over run below: the model runs off the loop, in the
// process's kernels, and the promise settles on the loop with the result's JSON text, which
// the library parses, or with a stream of server-sent events that is generated off the loop
// as well.

func init() {
	register("ai", nil, func(iso *Isolate) map[string]any {
		a := &aiAdapter{iso: iso}
		return map[string]any{
			"setErrors": func(fn goja.Callable) { a.mkErr = fn },
			"run":       a.run,
		}
	})
	registerBinding(func(iso *Isolate, r *ai.Registry) goja.Value {
		create, _ := goja.AssertFunction(iso.load("ai").Get("create"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(r))
		if err != nil {
			panic(err)
		}
		return v
	})
}

type aiAdapter struct {
	iso   *Isolate
	mkErr goja.Callable // (message, name) → InferenceUpstreamError, from the library
}

// run(registry, model, inputsJSON or undefined) resolves to the result's JSON text, or to the
// id of a host body for a streamed result (server-sent events), which lib/ai.js makes a
// ReadableStream.
func (a *aiAdapter) run(c goja.FunctionCall) goja.Value {
	iso := a.iso
	r, ok := c.Argument(0).Export().(*ai.Registry)
	if !ok {
		iso.throwTypeError("Illegal invocation")
	}
	model := c.Argument(1).String()
	var inputs []byte
	if v := c.Argument(2); !goja.IsUndefined(v) {
		inputs = []byte(v.String())
	}
	p, resolve, reject := iso.vm.NewPromise()
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		out, stream, err := r.Respond(iso.fetches.lifetime(), model, inputs)
		done(func() error {
			switch {
			case err != nil:
				return iso.settle(reject, a.jsError(err))
			case stream != nil:
				// A host body: closing it (the stream cancelled, the client gone, the isolate
				// ended) stops the generation.
				return iso.settle(resolve, iso.bodies.add(stream, stream))
			}
			return iso.settle(resolve, string(out))
		})
	})
	return iso.vm.ToValue(p)
}

// jsError is the exception workerd throws for a failed run: the service's error as an
// InferenceUpstreamError, or, for a failure of molt's own, the error workerd makes of a
// response that is not a JSON error (named InferenceUpstreamError, the body as message).
func (a *aiAdapter) jsError(err error) goja.Value {
	var ae *ai.Error
	name := "InferenceUpstreamError"
	if errors.As(err, &ae) {
		name = ae.Name
	} else {
		a.iso.logf(LevelError, "molt: %v", err)
	}
	if a.mkErr == nil {
		return a.iso.newError("Error", err.Error())
	}
	e, callErr := a.mkErr(goja.Undefined(), a.iso.vm.ToValue(err.Error()), a.iso.vm.ToValue(name))
	if callErr != nil {
		return a.iso.vm.ToValue(callErr.Error())
	}
	return e
}
