package js

import (
	"bytes"

	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moltworker/molt/internal/testutil"
)

// TestFixedLengthStreamOverHTTP checks that a FixedLengthStream's length becomes the response's
// Content-Length and that a body of another length fails, as in workerd.
func TestFixedLengthStreamOverHTTP(t *testing.T) {
	front := frontServer(t, `var __molt_exports = { default: { async fetch(request) {
		const n = Number(new URL(request.url).searchParams.get("write"));
		const { readable, writable } = new FixedLengthStream(5);
		const w = writable.getWriter();
		(async () => {
			try { await w.write(new Uint8Array(n).fill(120)); await w.close(); } catch (e) { console.log(e.message); }
		})();
		return new Response(readable);
	} } };`, nil)
	cases := []struct {
		write   int
		ok      bool
		wantLen string
	}{{5, true, "5"}, {3, false, "5"}, {8, false, "5"}}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.write), func(t *testing.T) {
			res, err := http.Get(front.URL + "/?write=" + strconv.Itoa(c.write))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if got := res.Header.Get("Content-Length"); got != c.wantLen {
				t.Fatalf("Content-Length %q, want %q", got, c.wantLen)
			}
			body, err := io.ReadAll(res.Body)
			if c.ok && (err != nil || string(body) != "xxxxx") {
				t.Fatalf("body %q, %v", body, err)
			}
			if !c.ok && err == nil {
				t.Fatalf("body %q read without error", body)
			}
		})
	}
}

func TestIdentityTransformStream(t *testing.T) {
	runJSCases(t, asyncCases([]jsCase{
		{name: "writes come out of the readable side", body: `
			const { readable, writable } = new IdentityTransformStream();
			const w = writable.getWriter();
			w.write(new TextEncoder().encode("ab"));
			w.write(new Uint8Array([99]).buffer);
			w.close();
			return await new Response(readable).text();`, want: `"abc"`},
		{name: "readable side supports BYOB", body: `
			const { readable, writable } = new IdentityTransformStream();
			const w = writable.getWriter();
			w.write(new TextEncoder().encode("hello"));
			const r = readable.getReader({ mode: "byob" });
			const { value } = await r.read(new Uint8Array(3));
			return new TextDecoder().decode(value);`, want: `"hel"`},
		{name: "refuses strings", body: `
			const { writable } = new IdentityTransformStream();
			try { await writable.getWriter().write("text"); } catch (e) { return e.message; }`,
			want: `"This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side."`},
		{name: "is a TransformStream", body: `
			const s = new FixedLengthStream(3);
			return [s instanceof TransformStream, s instanceof IdentityTransformStream, Object.prototype.toString.call(s)];`,
			want: `[true,true,"[object FixedLengthStream]"]`},
		{name: "FixedLengthStream length checks", body: `new FixedLengthStream(2 ** 53);`,
			errName: "TypeError", errMsg: "FixedLengthStream requires an integer expected length less than 2^53."},
		{name: "FixedLengthStream read past its length", body: `
			const { readable, writable } = new FixedLengthStream(2);
			writable.getWriter().write(new Uint8Array(3)).catch(() => {});
			try { await new Response(readable).arrayBuffer(); } catch (e) { return e.message; }`,
			want: `"Attempt to write too many bytes through a FixedLengthStream."`},
	}))
}

// bulkOrigin serves n bytes of text in 32 KiB writes.
func bulkOrigin(t *testing.T, n int64) *httptest.Server {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		for left := n; left > 0; {
			k := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			left -= k
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestStreamThroughWorkerFlatMemory streams a large subrequest body through a worker's
// transform to the client and checks that memory stays flat: nothing buffers the body. It
// reports the peak RSS and the heap's peak growth.
func TestStreamThroughWorkerFlatMemory(t *testing.T) {
	size := int64(200 << 20)
	if testing.Short() || raceEnabled {
		size = 24 << 20
	}
	up := bulkOrigin(t, size)
	cases := []struct{ name, handler string }{
		{"IdentityTransformStream", `return new Response(r.body.pipeThrough(new IdentityTransformStream()));`},
		{"TransformStream", `return new Response(r.body.pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(chunk); } })));`},
		{"CompressionStream round trip", `return new Response(r.body.pipeThrough(new CompressionStream("gzip")).pipeThrough(new DecompressionStream("gzip")));`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			front := frontServer(t, `var __molt_exports = { default: { async fetch(request, env) {
				const r = await fetch(env.UP);
				`+c.handler+`
			} } };`, map[string]any{"UP": up.URL})
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peakHeap, peakRSS atomic.Int64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					if h := int64(m.HeapInuse); h > peakHeap.Load() {
						peakHeap.Store(h)
					}
					if r := testutil.RSS(); r > peakRSS.Load() {
						peakRSS.Store(r)
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()
			start := time.Now()
			res, err := http.Get(front.URL)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			elapsed := time.Since(start)
			close(stop)
			<-sampled
			if err != nil || n != size {
				t.Fatalf("got %d bytes, %v; want %d", n, err, size)
			}
			growth := peakHeap.Load() - int64(base.HeapInuse)
			t.Logf("%d MiB in %v (%.0f MB/s): peak RSS %d MiB, peak heap growth %d MiB",
				size>>20, elapsed.Round(time.Millisecond), float64(size)/1e6/elapsed.Seconds(), peakRSS.Load()>>20, growth>>20)
			if limit := int64(64 << 20); growth > limit {
				t.Fatalf("heap grew by %d MiB streaming %d MiB; want under %d MiB", growth>>20, size>>20, limit>>20)
			}
		})
	}
}
