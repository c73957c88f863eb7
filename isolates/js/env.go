package js

import (
	"reflect"

	"github.com/dop251/goja"
)

// Bindings reach env as Go values in Config.Env (a *kv.Namespace, later a Durable Object
// namespace, a Vectorize index...). Each binding kind registers an adapter for its Go type
// beside its JavaScript library, and toJS looks the type up, so env.go never lists the kinds
// and the binding packages never see goja.
var bindingAdapters = map[reflect.Type]func(iso *Isolate, v any) goja.Value{}

// registerBinding makes fn build the JavaScript object of every env value of type T; called
// from init functions.
func registerBinding[T any](fn func(iso *Isolate, v T) goja.Value) {
	bindingAdapters[reflect.TypeFor[T]()] = func(iso *Isolate, v any) goja.Value { return fn(iso, v.(T)) }
}

// envValue returns the env object of module workers, built once per isolate.
func (iso *Isolate) envValue() goja.Value {
	if iso.env == nil {
		env := iso.vm.NewObject()
		for k, v := range iso.cfg.Env {
			env.Set(k, iso.toJS(v))
		}
		iso.env = env
	}
	return iso.env
}

// toJS converts JSON-like Go values into plain JavaScript values (real objects and arrays, not
// Go wrappers), so that vars behave in the worker exactly like parsed JSON.
func (iso *Isolate) toJS(v any) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case map[string]any:
		o := iso.vm.NewObject()
		for k, e := range x {
			o.Set(k, iso.toJS(e))
		}
		return o
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = iso.toJS(e)
		}
		return iso.vm.NewArray(items...)
	case goja.Value:
		return x
	default:
		if adapt := bindingAdapters[reflect.TypeOf(v)]; adapt != nil {
			return adapt(iso, v)
		}
		return iso.vm.ToValue(x)
	}
}
