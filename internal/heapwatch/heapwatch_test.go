package heapwatch

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/cpuclock"
)

func TestChargeOverCapStopsAtOnce(t *testing.T) {
	w := New()
	var stopped atomic.Int32
	tn := w.Register(1<<20, func() { stopped.Add(1) })
	defer tn.Close()
	if !tn.Charge(1 << 19) {
		t.Fatal("a charge within the cap was refused")
	}
	if tn.Charge(2 << 20) {
		t.Fatal("a charge larger than the cap was accepted")
	}
	tn.Charge(4 << 20)
	if stopped.Load() != 1 || !tn.Exceeded() {
		t.Fatalf("stopped %d times, exceeded %v; want once, true", stopped.Load(), tn.Exceeded())
	}
}

// A goroutine standing in for an isolate keeps what it allocates, on a locked thread between
// Enter and Exit: the sampler must find it over its cap.
func TestSamplerStopsKeeper(t *testing.T) {
	w := New()
	var stop atomic.Bool
	tn := w.Register(16<<20, func() { stop.Store(true) })
	defer tn.Close()
	done := make(chan [][]byte)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c := cpuclock.Current()
		start, _ := c.Now()
		tn.Enter(c, start)
		defer func() { now, _ := c.Now(); tn.Exit(now - start) }()
		var kept [][]byte
		deadline := time.Now().Add(20 * time.Second)
		for !stop.Load() && time.Now().Before(deadline) {
			kept = append(kept, make([]byte, 4096))
		}
		done <- kept
	}()
	kept := <-done
	if !tn.Exceeded() {
		t.Fatalf("not stopped after keeping %d MiB", len(kept)*4096>>20)
	}
	if mb := len(kept) * 4096 >> 20; mb > 64 {
		t.Errorf("stopped only after keeping %d MiB of a 16 MiB cap", mb)
	}
}

// BenchmarkSample measures one sample with 16 tenants, two of them in JavaScript: the sampler
// runs one every Interval while any tenant is.
func BenchmarkSample(b *testing.B) {
	w := New()
	for i := 0; i < 16; i++ {
		t := w.Register(128<<20, func() {})
		defer t.Close()
		if i < 2 {
			t.entry.Store(&entry{clock: cpuclock.Current()})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		w.sample()
	}
}
