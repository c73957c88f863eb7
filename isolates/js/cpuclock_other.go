//go:build !linux

package js

import "time"

// threadClock falls back to the wall clock where a thread's CPU clock cannot be named from
// another thread: the CPU cap then also counts time the thread waited to be scheduled.
type threadClock struct{}

func currentThreadClock() threadClock { return threadClock{} }

func (threadClock) now() (time.Duration, bool) { return time.Duration(time.Now().UnixNano()), true }
