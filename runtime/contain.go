package runtime

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/moltworker/molt/isolates/js"
)

// closeOnPanic, deferred where iso serves an event, closes iso when a panic (a bug in molt's
// Go code) passes on its way to being contained further up: the isolate would otherwise keep
// its watchdog, subrequests and memory account.
func closeOnPanic(iso *js.Isolate) {
	if p := recover(); p != nil {
		iso.Close()
		panic(p)
	}
}

// afterResponse runs finish, the work left once an event has been answered (waitUntil,
// closing iso), on a goroutine of its own. A panic in it, a bug in molt's Go code, is logged
// with its stack and closes iso, instead of ending the process and every request in it.
func afterResponse(log *slog.Logger, iso *js.Isolate, finish func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				log.Error("internal error in work after a response", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				iso.Close()
			}
		}()
		finish()
	}()
}

// recoverInto, deferred by a function returning *err, turns a panic (a bug in molt's Go
// code) into an internal error for that event alone, logging its stack.
func recoverInto(log *slog.Logger, err *error) {
	if p := recover(); p != nil {
		log.Error("internal error serving an event", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = fmt.Errorf("molt internal error: %v", p)
	}
}
