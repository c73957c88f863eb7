package js

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadClock reads the CPU time one OS thread has consumed. Linux names a thread's CPU clock
// by its thread id (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) in the kernel), so the watchdog
// goroutine can read the clock of the thread that runs JavaScript: the CPU cap then counts CPU
// time, not wall time that a busy machine stretches.
type threadClock struct{ id int32 }

// currentThreadClock is the clock of the calling goroutine's thread; the goroutine must be
// locked to it (runtime.LockOSThread) for as long as the clock is read.
func currentThreadClock() threadClock {
	return threadClock{id: int32(^unix.Gettid()<<3 | 6)}
}

// now returns the thread's CPU time, or false when the clock cannot be read.
func (c threadClock) now() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(c.id, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
