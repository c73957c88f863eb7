package platform

import (
	goruntime "runtime"
	"time"
)

// timeNow is when a version is created, to the microsecond so that its JSON round-trips.
func timeNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func runtimeGosched() { goruntime.Gosched() }
