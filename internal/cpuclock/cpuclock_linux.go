// Package cpuclock reads the CPU time of one OS thread, so that a watchdog goroutine can cap
// the CPU time (not the wall time a busy machine stretches) of code running on another thread.
package cpuclock

import (
	"time"

	"golang.org/x/sys/unix"
)

// Clock reads the CPU time one OS thread has consumed. Linux names a thread's CPU clock by its
// thread id (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) in the kernel), so any goroutine can
// read the clock of another thread.
type Clock struct{ id int32 }

// Current is the clock of the calling goroutine's thread; the goroutine must stay locked to it
// (runtime.LockOSThread) for as long as the clock is read.
func Current() Clock {
	return Clock{id: int32(^unix.Gettid()<<3 | 6)}
}

// Now returns the thread's CPU time, or false when the clock cannot be read.
func (c Clock) Now() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(c.id, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// Process returns the CPU time all threads of the process have consumed.
func Process() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
