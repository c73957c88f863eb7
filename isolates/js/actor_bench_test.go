package js

import (
	"context"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/durable"
)

// BenchmarkObjectRPC is the round trip of an RPC call to a warm object, from the caller's
// goroutine into the object's isolate and back: get() reads storage and returns a number.
// It reports the median and 99th percentile of the calls.
func BenchmarkObjectRPC(b *testing.B) {
	w := newObjectWorld(b, counterSource, false, ObjectsOptions{}, nil)
	id := w.ns.IDFromName("warm")
	call := durable.Call{Kind: durable.CallRPC, Method: "get", Args: []byte(`["a",0]`)}
	ctx := context.Background()
	if _, err := w.ns.Invoke(ctx, id, "warm", call); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		r, err := w.ns.Invoke(ctx, id, "warm", call)
		lat = append(lat, time.Since(start))
		if err != nil || r.Threw {
			b.Fatal(err, string(r.Value))
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkObjectRPCFromIsolate is the same call made by JavaScript in a request isolate,
// await stub.get() in a loop: the caller's serialisation and promise settling included.
func BenchmarkObjectRPCFromIsolate(b *testing.B) {
	src := counterSource + `
__molt_exports.default = { async fetch(req, env) {
  const n = Number(new URL(req.url).searchParams.get("n"));
  const stub = env.OBJ.getByName("warm");
  for (let i = 0; i < n; i++) await stub.get();
  return new Response("ok");
} };`
	w := newObjectWorld(b, src, false, ObjectsOptions{}, nil)
	serveN := func(n int) {
		iso, err := NewIsolate(w.cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer iso.Close()
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/?n="+strconv.Itoa(n), nil)
		if _, err := iso.Serve(rec, r, Incoming{URL: "http://localhost" + r.URL.RequestURI()}); err != nil {
			b.Fatal(err)
		}
	}
	serveN(1)
	b.ResetTimer()
	serveN(b.N)
}

// BenchmarkObjectIncrements is increment() on one object from many concurrent callers: a
// storage read and write each, every reply waiting for its write to be committed (fsync).
// Concurrent increments share commits; ops/s is the figure. sync=full fsyncs every commit
// (the default); sync=normal is durable against the process being killed, not against
// power loss.
func BenchmarkObjectIncrements(b *testing.B) {
	for _, tc := range []struct {
		sync    string
		callers int
	}{{"full", 1}, {"full", 16}, {"full", 128}, {"normal", 1}, {"normal", 128}} {
		callers := tc.callers
		b.Run("sync="+tc.sync+"/callers="+strconv.Itoa(callers), func(b *testing.B) {
			w := newObjectWorldWith(b, counterSource, durable.NamespaceOptions{NoSync: tc.sync == "normal"}, ObjectsOptions{}, nil)
			id := w.ns.IDFromName("hot")
			call := durable.Call{Kind: durable.CallRPC, Method: "increment", Args: []byte(`["a",1,"0",1]`)}
			ctx := context.Background()
			var wg sync.WaitGroup
			work := make(chan struct{}, b.N)
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			b.ResetTimer()
			start := time.Now()
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range work {
						if r, err := w.ns.Invoke(ctx, id, "hot", call); err != nil || r.Threw {
							b.Error(err, string(r.Value))
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "increments/s")
			r, err := w.ns.Invoke(ctx, id, "hot", durable.Call{Kind: durable.CallRPC, Method: "get", Args: []byte(`["a",0]`)})
			if err != nil || string(r.Value) != strconv.Itoa(b.N) {
				b.Fatalf("after %d increments the counter is %s (%v)", b.N, r.Value, err)
			}
		})
	}
}

// BenchmarkIdleObjectMemory starts many objects (each reads its storage once) and leaves
// them idle in memory: the resident memory they add, per object, with their databases
// still open and after the storage idle timeout has closed them. The figure is the metric;
// run each case in its own process (-bench BenchmarkIdleObjectMemory/storage=open), since
// memory the first case freed stays resident and hides what the second one adds.
func BenchmarkIdleObjectMemory(b *testing.B) {
	for _, tc := range []struct {
		name        string
		storageIdle time.Duration
	}{{"storage=open", time.Hour}, {"storage=released", time.Millisecond}} {
		b.Run(tc.name, func(b *testing.B) {
			const n = 500
			w := newObjectWorld(b, counterSource, false, ObjectsOptions{IdleTimeout: time.Hour, StorageIdleTimeout: tc.storageIdle}, nil)
			ctx := context.Background()
			call := durable.Call{Kind: durable.CallRPC, Method: "get", Args: []byte(`["a",0]`)}
			runtime.GC()
			before := rss(b)
			for i := range n {
				name := "idle-" + strconv.Itoa(i)
				if _, err := w.ns.Invoke(ctx, w.ns.IDFromName(name), name, call); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(200 * time.Millisecond)
			runtime.GC()
			after := rss(b)
			if w.objs.Live() != n {
				b.Fatalf("%d live objects, want %d", w.objs.Live(), n)
			}
			per := float64(after-before) / n
			b.ReportMetric(per, "B/object")
			b.ReportMetric(float64(1<<30)/per, "objects/GiB")
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// rss is the process's resident set size in bytes, from /proc/self/status.
func rss(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Skip("no VmRSS")
	return 0
}
