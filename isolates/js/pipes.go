package js

import (
	"bytes"
	"errors"
	"io"

	"github.com/dop251/goja"
)

// IdentityTransformStream and FixedLengthStream are Go pipes, as they are pipes of bytes in
// workerd: the readable side is a host body, so a Response made of it is copied to the client
// by Go, and a host body piped into the writable side (fetch(...).body.pipeThrough(new
// IdentityTransformStream())) is copied by a goroutine without entering JavaScript per chunk.
// A write resolves once the reader has taken its bytes: the pipe holds no buffer of its own.

// hostPipe is the writable side of one pipe.
type hostPipe struct {
	w *io.PipeWriter
	// src is the host body a pipeFrom copies in, closed with the isolate.
	src *hostBody
}

// streamError is an error a stream reports to JavaScript as a TypeError with exactly this
// message (rather than as a lost connection).
type streamError struct{ msg string }

func (e *streamError) Error() string { return e.msg }

// Messages of FixedLengthStream, as workerd words them.
var (
	errTooManyBytes = &streamError{"Attempt to write too many bytes through a FixedLengthStream."}
	errTooFewBytes  = &streamError{"FixedLengthStream did not see all expected bytes before close()."}
)

// fixedReader enforces a FixedLengthStream's length on the reading side, where workerd checks
// it too, so that Go's copy to the client and JavaScript's reads fail alike.
type fixedReader struct {
	r    *io.PipeReader
	left int64
}

func (f *fixedReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if int64(n) > f.left {
		f.r.CloseWithError(errTooManyBytes)
		return 0, errTooManyBytes
	}
	f.left -= int64(n)
	if err == io.EOF && f.left > 0 {
		f.r.CloseWithError(errTooFewBytes)
		return n, errTooFewBytes
	}
	return n, err
}

func init() {
	register("writable", []string{"WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController",
		"TransformStream", "TransformStreamDefaultController", "IdentityTransformStream", "FixedLengthStream",
		"CompressionStream", "DecompressionStream"},
		func(iso *Isolate) map[string]any {
			return map[string]any{
				"pipeNew":   iso.pipeNew,
				"pipeWrite": iso.pipeWrite,
				"pipeClose": iso.pipeClose,
				"pipeFrom":  iso.pipeFrom,
			}
		})
}

// Kinds of pipe.
const (
	pipeIdentity = iota
	pipeCompress
	pipeDecompress
)

// pipeNew makes a pipe whose readable side is host body id; length >= 0 makes it a
// FixedLengthStream of that many bytes, kind a compression stream of format.
func (iso *Isolate) pipeNew(length int64, kind int, format string) int {
	pr, pw := io.Pipe()
	var r io.Reader = pr
	switch {
	case kind == pipeCompress:
		r = newCompressReader(pr, format)
	case kind == pipeDecompress:
		r = newDecompressReader(pr, format)
	case length >= 0:
		r = &fixedReader{r: pr, left: length}
	}
	hb := &iso.bodies
	id := hb.add(r, pr)
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if length >= 0 {
		hb.m[id].size = length
	}
	if hb.pipes == nil {
		hb.pipes = make(map[int]*hostPipe)
	}
	hb.pipes[id] = &hostPipe{w: pw}
	return id
}

func (iso *Isolate) pipe(id int) *hostPipe {
	iso.bodies.mu.Lock()
	defer iso.bodies.mu.Unlock()
	return iso.bodies.pipes[id]
}

// pipeWrite writes a copy of chunk (JavaScript may reuse its buffer once the write resolves,
// and must not race with the reader meanwhile) and resolves when the reader has taken it.
func (iso *Isolate) pipeWrite(id int, chunk goja.Value) goja.Value {
	p, resolve, reject := iso.vm.NewPromise()
	hp := iso.pipe(id)
	data, ok := iso.chunkBytes(chunk)
	if hp == nil || !ok {
		reject(iso.vm.NewTypeError("This WritableStream has been closed."))
		return iso.vm.ToValue(p)
	}
	buf := bytes.Clone(data)
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		_, err := hp.w.Write(buf)
		done(func() error {
			if err != nil {
				return iso.settle(reject, iso.pipeError(err))
			}
			return iso.settle(resolve, goja.Undefined())
		})
	})
	return iso.vm.ToValue(p)
}

// pipeError is the rejection of a write the reading side refused.
func (iso *Isolate) pipeError(err error) goja.Value {
	var se *streamError
	if errors.As(err, &se) {
		return iso.vm.NewTypeError(se.msg)
	}
	return iso.vm.NewTypeError("This WritableStream's readable side was canceled.")
}

// pipeClose ends the pipe: at its end with a null message, else with an error.
func (iso *Isolate) pipeClose(id int, msg goja.Value) {
	iso.bodies.mu.Lock()
	hp := iso.bodies.pipes[id]
	delete(iso.bodies.pipes, id)
	iso.bodies.mu.Unlock()
	if hp == nil {
		return
	}
	if goja.IsNull(msg) || goja.IsUndefined(msg) {
		hp.w.Close()
	} else {
		hp.w.CloseWithError(errors.New(msg.String()))
	}
}

// pipeFrom copies host body src into pipe dst on a goroutine and closes the pipe at the end of
// src; the promise settles when the copy is over.
func (iso *Isolate) pipeFrom(dst, src int) goja.Value {
	p, resolve, reject := iso.vm.NewPromise()
	hb := &iso.bodies
	hb.mu.Lock()
	hp := hb.pipes[dst]
	b := hb.m[src]
	if hp != nil && b != nil && hp.src == nil && !b.reading {
		delete(hb.m, src)
		hp.src = b
	} else {
		b = nil
	}
	hb.mu.Unlock()
	if b == nil {
		reject(iso.vm.NewTypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body."))
		return iso.vm.ToValue(p)
	}
	done := iso.loop.reserve()
	iso.loop.goAsync(done, func() {
		_, err := io.CopyBuffer(hp.w, b.r, make([]byte, hostChunk))
		if b.c != nil {
			b.c.Close()
		}
		if err != nil {
			hp.w.CloseWithError(err)
		} else {
			hp.w.Close()
		}
		done(func() error {
			if err != nil {
				var se *streamError
				if errors.As(err, &se) {
					return iso.settle(reject, iso.vm.NewTypeError(se.msg))
				}
				return iso.settle(reject, iso.vm.NewTypeError("Network connection lost: "+err.Error()))
			}
			return iso.settle(resolve, goja.Undefined())
		})
	})
	return iso.vm.ToValue(p)
}
