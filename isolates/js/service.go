package js

import (
	"github.com/dop251/goja"

	"github.com/moltworker/molt/bindings/service"
)

// A service binding is lib/service.js's Fetcher over fetch's machinery: the binding's
// transport, an opaque value only the library holds, replaces the network for its requests.
func init() {
	register("service", nil, nil)
	registerBinding(func(iso *Isolate, b *service.Binding) goja.Value {
		create, _ := goja.AssertFunction(iso.load("service").Get("create"))
		v, err := create(goja.Undefined(), iso.vm.ToValue(b.Transport))
		if err != nil {
			panic(err)
		}
		return v
	})
}
