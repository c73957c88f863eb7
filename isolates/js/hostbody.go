package js

import (
	"errors"
	"io"
	"sync"

	"github.com/dop251/goja"
)

// A host body is a byte stream owned by Go (an incoming request body, a subrequest's response
// body) that JavaScript reads through a ReadableStream. Keeping it in Go means a body that is
// only passed along (return fetch(request)) is copied by Go without entering JavaScript.
type hostBody struct {
	r       io.Reader
	c       io.Closer
	reading bool
	// size is the body's length when it is known ahead (a FixedLengthStream's), else -1; the
	// response then carries it as Content-Length.
	size int64
}

// hostBodies is an isolate's table of host bodies, addressed from JavaScript by number.
type hostBodies struct {
	mu   sync.Mutex
	next int
	m    map[int]*hostBody
	// pipes are the writable sides of IdentityTransformStreams, by the id of their readable
	// side's body.
	pipes map[int]*hostPipe
}

const hostChunk = 64 << 10

func (hb *hostBodies) add(r io.Reader, c io.Closer) int {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if hb.m == nil {
		hb.m = make(map[int]*hostBody)
	}
	hb.next++
	hb.m[hb.next] = &hostBody{r: r, c: c, size: -1}
	return hb.next
}

func (hb *hostBodies) get(id int) *hostBody {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	return hb.m[id]
}

// take removes body id from the table and hands it to the caller.
func (hb *hostBodies) take(id int) *hostBody {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	b := hb.m[id]
	delete(hb.m, id)
	return b
}

func (hb *hostBodies) closeAll() {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	for id, b := range hb.m {
		if b.c != nil {
			b.c.Close()
		}
		delete(hb.m, id)
	}
	for id, p := range hb.pipes {
		p.w.CloseWithError(errIsolateClosed)
		if p.src != nil && p.src.c != nil {
			p.src.c.Close()
		}
		delete(hb.pipes, id)
	}
}

func init() {
	register("streams", []string{"ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader",
		"ReadableStreamDefaultController", "ReadableByteStreamController", "ReadableStreamBYOBRequest",
		"CountQueuingStrategy", "ByteLengthQueuingStrategy"},
		func(iso *Isolate) map[string]any {
			return map[string]any{
				"hostRead":    func(id int) goja.Value { return iso.hostRead(id, false) },
				"hostReadAll": func(id int) goja.Value { return iso.hostRead(id, true) },
				"hostCancel": func(id int) {
					if b := iso.bodies.take(id); b != nil && b.c != nil {
						b.c.Close()
					}
				},
			}
		})
}

// hostRead returns a promise of the next chunk of host body id (an ArrayBuffer, or null at its
// end), or of all the rest when all is set. The read runs on its own goroutine; the loop waits
// for it through a reservation.
func (iso *Isolate) hostRead(id int, all bool) goja.Value {
	p, resolve, reject := iso.vm.NewPromise()
	b := iso.bodies.get(id)
	if b == nil || b.reading {
		reject(iso.vm.NewTypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body."))
		return iso.vm.ToValue(p)
	}
	b.reading = true
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		var data []byte
		var err error
		if all {
			data, err = iso.readAllCapped(b.r)
		} else {
			buf := make([]byte, hostChunk)
			var n int
			// A reader may return nothing without an error; only io.EOF ends the body.
			for n == 0 && err == nil {
				n, err = b.r.Read(buf)
			}
			data = buf[:n]
			if err == io.EOF && n > 0 {
				err = nil
			}
		}
		done(func() error {
			b.reading = false
			switch {
			case err != nil && !errors.Is(err, io.EOF):
				iso.bodies.take(id)
				var se *streamError
				if errors.As(err, &se) {
					return iso.settle(reject, iso.vm.NewTypeError(se.msg))
				}
				return iso.settle(reject, iso.vm.NewTypeError("Network connection lost: "+err.Error()))
			case len(data) == 0 && !all:
				iso.bodies.take(id)
				return iso.settle(resolve, goja.Null())
			default:
				if all {
					iso.bodies.take(id)
				}
				return iso.settle(resolve, iso.vm.NewArrayBuffer(data))
			}
		})
	})
	return iso.vm.ToValue(p)
}

// settle resolves or rejects a promise from the loop, running the reactions as an entry into
// JavaScript under the CPU cap.
func (iso *Isolate) settle(fn func(any) error, v any) error {
	return iso.enter(func() error { return fn(v) })
}
