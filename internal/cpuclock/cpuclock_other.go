//go:build !linux

package cpuclock

import "time"

// Clock measures wall time where no per-thread CPU clock can be read by another thread: a cap
// is then a wall-time cap, which is never less than CPU time.
type Clock struct{ start time.Time }

// Current returns a clock that starts now.
func Current() Clock { return Clock{start: time.Now()} }

// Now returns the time since the clock started.
func (c Clock) Now() (time.Duration, bool) { return time.Since(c.start), true }

// Process returns zero where the process's CPU clock is not read: callers then share out by
// the thread clocks alone.
func Process() time.Duration { return 0 }
