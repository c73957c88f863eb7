package js

import (
	"errors"
	"math"
	"time"

	"github.com/dop251/goja"
)

func init() {
	register("timers", []string{"setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask"},
		func(iso *Isolate) map[string]any {
			return map[string]any{
				"schedule": iso.schedule,
				"clear":    func(id int) { iso.loop.clearTimer(id) },
			}
		})
}

// schedule arms a timer that calls fn with args on the event loop.
func (iso *Isolate) schedule(fn goja.Callable, delay float64, repeat bool, args []goja.Value) int {
	if math.IsNaN(delay) || delay < 0 {
		delay = 0
	}
	d := time.Duration(math.Min(delay, float64(math.MaxInt32))) * time.Millisecond
	return iso.loop.addTimer(iso.clock, d, repeat, func() error {
		_, err := iso.call(fn, goja.Undefined(), args...)
		return iso.uncaught(err)
	})
}

// uncaught logs a JavaScript exception thrown by a callback the host invoked (a timer, an I/O
// completion): as on Workers, it is reported and the event goes on. Errors that must end the
// event (CPU limit, interrupts) are returned.
func (iso *Isolate) uncaught(err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		iso.logf(LevelError, "Uncaught %s", iso.describeError(ex.Value()))
		return nil
	}
	return err
}
