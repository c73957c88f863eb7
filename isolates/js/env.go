package js

import (
	"github.com/dop251/goja"
)

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
		return iso.vm.ToValue(x)
	}
}
