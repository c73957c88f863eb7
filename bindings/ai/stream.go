package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
)

// EventStream is the result of a Text Generation run with stream: true:
// server-sent events as Workers AI sends them (content type
// text/event-stream), one per piece of text as it is generated,
//
//	data: {"response":"Hello"}
//
// then one with the usage and an empty response, then data: [DONE]. The
// generation runs on its own goroutine into a buffer, so that a slow
// reader never holds up the batch the model decodes for other requests;
// Close stops it.
type EventStream struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	cond   sync.Cond
	buf    bytes.Buffer
	done   bool
	err    error // why the stream ended early, once done
}

// ContentType is the media type of an EventStream.
const ContentType = "text/event-stream"

// errStreamClosed ends the generation of a stream its reader closed.
var errStreamClosed = errors.New("ai: the stream was closed")

func (g *TextGeneration) stream(ctx context.Context, req *TextRequest) *EventStream {
	ctx, cancel := context.WithCancel(ctx)
	s := &EventStream{cancel: cancel}
	s.cond.L = &s.mu
	go func() {
		// This goroutine serves one request: a panic in generation must end that stream
		// alone, not the process.
		defer func() {
			if r := recover(); r != nil {
				slog.Error("ai: text generation panicked", "panic", r, "stack", string(debug.Stack()))
				s.finish(fmt.Errorf("ai: internal error in text generation: %v", r))
			}
		}()
		res, err := g.Generate(ctx, req, func(_ int, text string) error {
			if text == "" {
				return nil
			}
			return s.event(struct {
				Response string `json:"response"`
			}{text})
		})
		if err == nil {
			err = s.event(TextOutput{Usage: usage(res)})
		}
		if err == nil {
			err = s.write([]byte("data: [DONE]\n\n"))
		}
		s.finish(err)
	}()
	return s
}

// event writes v as one data: line, as JavaScript's JSON.stringify would
// (no escaping of <, > and &).
func (s *EventStream) event(v any) error {
	var b bytes.Buffer
	b.WriteString("data: ")
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.WriteByte('\n') // Encode ended the line; a blank line ends the event
	return s.write(b.Bytes())
}

func (s *EventStream) write(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errStreamClosed
	}
	s.buf.Write(p)
	s.cond.Broadcast()
	return nil
}

func (s *EventStream) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		s.done, s.err = true, err
	}
	s.cond.Broadcast()
	s.cancel()
}

// Read returns the events generated so far, waiting for the next when
// there are none; io.EOF after data: [DONE].
func (s *EventStream) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.buf.Len() == 0 && !s.done {
		s.cond.Wait()
	}
	if s.buf.Len() > 0 {
		return s.buf.Read(p)
	}
	if s.err != nil {
		return 0, s.err
	}
	return 0, io.EOF
}

// Close stops the generation (a client that went away) and ends the
// stream.
func (s *EventStream) Close() error {
	s.finish(errStreamClosed)
	return nil
}
