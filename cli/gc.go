package cli

import (
	"os"
	"runtime/debug"
)

// serverGCPercent is the GOGC that molt dev runs with unless GOGC is set. Every request runs in
// a fresh isolate, so the server allocates a few hundred kilobytes per request over a small
// live heap: at Go's default of 100 the collector ran every few dozen requests and took a third
// of the CPU. At 400 a hello-world request costs about 35% less CPU, for a heap that may grow
// to five times the live one (tens of MiB).
const serverGCPercent = 400

// tuneGC sets the collector for serving, leaving a GOGC from the environment alone.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serverGCPercent)
	}
}
