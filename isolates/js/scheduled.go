package js

import (
	"errors"
	"time"

	"github.com/dop251/goja"
)

// errNoScheduled is workerd's complaint about a worker a cron trigger cannot reach.
var errNoScheduled = errors.New("Handler does not export a scheduled() function.")

// Scheduled runs the worker's scheduled handler for a cron trigger that fired at at: the
// default export's scheduled(controller, env, ctx), or scheduled(controller) of a fresh
// instance when the default export is a WorkerEntrypoint class. It waits for the promise the
// handler returns; ctx.waitUntil work is left for Finish, as after Serve. A service worker's
// "scheduled" listener is not supported yet.
func (iso *Isolate) Scheduled(cron string, at time.Time, stop <-chan struct{}) error {
	compileDispatchLibs()
	iso.state = iso.vm.NewObject()
	var ret goja.Value
	err := iso.enter(func() error {
		vm := iso.vm
		iso.state.Set("waitUntil", vm.NewArray())
		iso.state.Set("passThrough", false)
		controller := vm.NewObject()
		controller.Set("cron", cron)
		controller.Set("scheduledTime", at.UnixMilli())
		controller.Set("type", "scheduled")
		controller.Set("noRetry", func() {})
		iso.load("worker")
		dispatch, _ := goja.AssertFunction(iso.internal.Get("worker").ToObject(vm).Get("dispatchScheduled"))
		r, err := dispatch(goja.Undefined(), iso.exportsValue(), controller, iso.envValue(), iso.state)
		if err != nil {
			return err
		}
		if goja.IsNull(r) {
			return errNoScheduled
		}
		ret = r.ToObject(vm).Get("0")
		return nil
	})
	if err == nil {
		_, err = iso.await(ret, stop)
	}
	return iso.jsError(err)
}
