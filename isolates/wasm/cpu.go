package wasm

import (
	"context"
	"errors"
	"runtime"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/moltworker/molt/internal/cpuclock"
)

// Meter runs Wasm under a CPU cap: the engine is built with WithCloseOnContextDone, so
// cancelling the context a call runs in stops the call at its next loop back-edge or function
// entry. A watchdog reads the CPU clock of the thread the call runs on and cancels once the
// budget is spent; time the thread waits (a host call on I/O, the scheduler) is not counted.
type Meter struct {
	limit time.Duration
	used  time.Duration
}

// NewMeter returns a meter allowing limit of CPU time over all its runs; zero means no cap.
func NewMeter(limit time.Duration) *Meter { return &Meter{limit: limit} }

// Used is the CPU time the meter's runs have consumed.
func (m *Meter) Used() time.Duration { return m.used }

// Run calls fn with a context that is cancelled when the budget runs out, and returns
// ErrCPULimit if it did; fn must run its Wasm on the calling goroutine.
func (m *Meter) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	if m.limit > 0 && m.used >= m.limit {
		return ErrCPULimit
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := cpuclock.Current()
	start, _ := clock.Now()
	used := func() time.Duration {
		now, ok := clock.Now()
		if !ok {
			return 0
		}
		return now - start
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var watchdog *time.Timer
	if m.limit > 0 {
		budget := m.limit - m.used
		// The timer counts wall time, never less than CPU time: it fires early at worst,
		// then waits for what the thread's CPU clock says is left.
		var check func()
		check = func() {
			if u := used(); u < budget {
				watchdog.Reset(budget - u)
				return
			}
			cancel(ErrCPULimit)
		}
		// Armed only once assigned, since check reads it.
		watchdog = time.AfterFunc(time.Hour, check)
		watchdog.Reset(budget)
	}
	err := fn(ctx)
	if watchdog != nil {
		watchdog.Stop()
	}
	m.used += used()
	if errors.Is(context.Cause(ctx), ErrCPULimit) {
		return ErrCPULimit
	}
	return err
}

// interrupted reports whether err is wazero stopping a call because its context ended.
func interrupted(err error) bool {
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		c := ee.ExitCode()
		return c == sys.ExitCodeContextCanceled || c == sys.ExitCodeDeadlineExceeded
	}
	return false
}
