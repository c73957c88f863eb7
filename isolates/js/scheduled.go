package js

import (
	"errors"
	"time"

	"github.com/dop251/goja"
)

// errNoScheduled is workerd's complaint about a worker a cron trigger cannot reach.
var errNoScheduled = errors.New("Handler does not export a scheduled() function.")

// Scheduled runs the worker's scheduled(controller, env, ctx) handler for a cron trigger that
// fired at at, and waits for the promise it returns; ctx.waitUntil work is left for Finish, as
// after Serve. Only module workers are reached: a service worker's "scheduled" listener is not
// supported yet.
func (iso *Isolate) Scheduled(cron string, at time.Time, stop <-chan struct{}) error {
	compileDispatchLibs()
	iso.state = iso.vm.NewObject()
	var ret goja.Value
	err := iso.enter(func() error {
		iso.state.Set("waitUntil", iso.vm.NewArray())
		iso.state.Set("passThrough", false)
		if iso.exports == nil || goja.IsUndefined(iso.exports) || goja.IsNull(iso.exports) {
			return errNoScheduled
		}
		def := iso.exports.ToObject(iso.vm).Get("default")
		if def == nil || goja.IsUndefined(def) || goja.IsNull(def) {
			return errNoScheduled
		}
		fn, ok := goja.AssertFunction(def.ToObject(iso.vm).Get("scheduled"))
		if !ok {
			return errNoScheduled
		}
		controller := iso.vm.NewObject()
		controller.Set("cron", cron)
		controller.Set("scheduledTime", at.UnixMilli())
		controller.Set("type", "scheduled")
		controller.Set("noRetry", func() {})
		ctx, err := iso.vm.New(iso.load("worker").Get("ExecutionContext"), iso.state)
		if err != nil {
			return err
		}
		ret, err = fn(def, controller, iso.envValue(), ctx)
		return err
	})
	if err == nil {
		_, err = iso.await(ret, stop)
	}
	return iso.jsError(err)
}
