package runtime

import (
	"fmt"
	"net/http"
)

// MaxResponseHeaderBytes is Cloudflare's limit on a response's headers: "Response headers
// observe a total limit of 128 KB".
const MaxResponseHeaderBytes = 128 << 10

// ResponseHeadersTooLargeError is the failure of a worker whose response headers exceed
// MaxResponseHeaderBytes: the response is not sent.
type ResponseHeadersTooLargeError struct {
	// Size is the headers' size as they would go on the wire: "Name: value\r\n" per field.
	Size int
}

func (e *ResponseHeadersTooLargeError) Error() string {
	return fmt.Sprintf("response headers are %d bytes, over Cloudflare's 128 KB limit (%d bytes)", e.Size, MaxResponseHeaderBytes)
}

// headerLimit holds back a response whose headers exceed MaxResponseHeaderBytes: its
// WriteHeader sends nothing, and writes and flushes after it fail, so that the host can
// answer with an error page in its place.
type headerLimit struct {
	http.ResponseWriter
	sent bool
	over *ResponseHeadersTooLargeError
}

func (l *headerLimit) WriteHeader(code int) {
	if l.sent || l.over != nil {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational headers (103 Early Hints) go ahead of the response and are not its own.
		l.ResponseWriter.WriteHeader(code)
		return
	}
	if n := headerSize(l.Header()); n > MaxResponseHeaderBytes {
		l.over = &ResponseHeadersTooLargeError{Size: n}
		return
	}
	l.sent = true
	l.ResponseWriter.WriteHeader(code)
}

func (l *headerLimit) Write(p []byte) (int, error) {
	if !l.sent {
		l.WriteHeader(http.StatusOK)
	}
	if l.over != nil {
		return 0, l.over
	}
	return l.ResponseWriter.Write(p)
}

// FlushError flushes what was written; before WriteHeader it would send the headers
// unchecked.
func (l *headerLimit) FlushError() error {
	if !l.sent {
		l.WriteHeader(http.StatusOK)
	}
	if l.over != nil {
		return l.over
	}
	return http.NewResponseController(l.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the server's writer (full duplex, deadlines).
func (l *headerLimit) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// headerSize is the size of h on the wire in HTTP/1.1: "Name: value\r\n" per field.
func headerSize(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// responseHeadersTooLarge answers, in place of a worker's response that was held back, with
// a 500 naming the problem, and returns the status sent.
func (h *Host) responseHeadersTooLarge(w http.ResponseWriter, r *http.Request, e *ResponseHeadersTooLargeError) int {
	h.log.Error(e.Error(), "path", r.URL.Path)
	clear(w.Header())
	h.errorPage(w, r, http.StatusInternalServerError, "Response headers too large",
		fmt.Sprintf("The worker's response headers are %d bytes; Cloudflare's limit is %d bytes (128 KB). The response was not sent.", e.Size, MaxResponseHeaderBytes))
	return http.StatusInternalServerError
}
