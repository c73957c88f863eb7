// Package formdata parses request bodies into form entries the way Cloudflare Workers does
// (workerd's api/form-data.c++): multipart/form-data with its lenient line endings and its error
// messages, and application/x-www-form-urlencoded. It knows nothing of JavaScript; the FormData
// class of isolates/js calls it from Body.formData().
//
//	entries, err := formdata.Parse(body, req.Header.Get("Content-Type"))
//
// Go's mime/multipart is not used: it accepts what workerd refuses (a missing closing
// delimiter, a Content-Disposition other than form-data), decodes RFC 2231 filename* and
// percent-escapes that workerd keeps verbatim, and reports different errors.
package formdata

import (
	"bytes"
	"errors"
	"strings"

	"github.com/moltworker/molt/isolates/weburl"
)

// An Entry is one name/value pair of a form. A file part has IsFile set, its Filename and the
// Type its Content-Type header gave ("" without one); Value holds its bytes, or a text field's
// bytes (UTF-8 as sent, not validated).
type Entry struct {
	Name     string
	Value    []byte
	IsFile   bool
	Filename string
	Type     string
}

// Error is a malformed body or Content-Type. Its text is workerd's, and the JavaScript binding
// throws it as a TypeError.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func fail(msg string) error { return &Error{msg} }

// ErrNoContentType is returned by Parse for a request without a Content-Type.
var ErrNoContentType = fail("Parsing a Body as FormData requires a Content-Type header.")

const (
	msgNoBoundary = "No boundary string in Content-Type header. The multipart/form-data MIME type requires a " +
		"boundary parameter, e.g. 'Content-Type: multipart/form-data; boundary=\"abcd\"'. See RFC 7578, section 4."
	msgUnrecognized = "Unrecognized Content-Type header value. FormData can only parse the following MIME types: " +
		"multipart/form-data, application/x-www-form-urlencoded"
)

// Parse parses body as the form contentType says it is. Only multipart/form-data and
// application/x-www-form-urlencoded (in UTF-8) are understood.
func Parse(body []byte, contentType string) ([]Entry, error) {
	mt, ok := ParseMediaType(contentType)
	if ok {
		switch mt.Essence {
		case "multipart/form-data":
			boundary, ok := mt.Params["boundary"]
			if !ok {
				return nil, fail(msgNoBoundary)
			}
			return ParseMultipart(body, boundary)
		case "application/x-www-form-urlencoded":
			if cs, ok := mt.Params["charset"]; ok {
				switch strings.ToLower(cs) {
				case "utf-8", "utf8", "unicode-1-1-utf-8":
				default:
					return nil, fail("Non-utf-8 application/x-www-form-urlencoded body.")
				}
			}
			pairs := weburl.ParseQuery(string(body))
			out := make([]Entry, len(pairs))
			for i, p := range pairs {
				out[i] = Entry{Name: p.Name, Value: []byte(p.Value)}
			}
			return out, nil
		}
	}
	return nil, fail(msgUnrecognized)
}

// ParseMultipart parses a multipart/form-data body delimited by boundary. As in workerd, a
// delimiter is "--boundary" at the start of a line, where lines may end in CRLF or a bare LF;
// text before the first delimiter is ignored, headers end at the first blank line, the body of a
// part loses the line break before the next delimiter, and the last delimiter must be followed by
// "--".
func ParseMultipart(body []byte, boundary string) ([]Entry, error) {
	delim := []byte("\n--" + boundary)
	// The first delimiter needs no line break before it.
	i := bytes.Index(body, delim[1:])
	if i < 0 || i+len(delim)-1 == len(body) {
		return nil, fail("No initial boundary string (or you have a truncated message).")
	}
	rest := body[i+len(delim)-1:]
	var out []Entry
	for {
		switch {
		case bytes.HasPrefix(rest, []byte("\n")):
			rest = rest[1:]
		case bytes.HasPrefix(rest, []byte("\r\n")):
			rest = rest[2:]
		case bytes.HasPrefix(rest, []byte("--")):
			return out, nil
		default:
			return nil, fail("Boundary string was not succeeded by CRLF, LF, or '--'.")
		}
		end, next := headerEnd(rest)
		if end < 0 {
			return nil, fail("No multipart message header termination found.")
		}
		e, err := parsePartHeaders(rest[:end])
		if err != nil {
			return nil, err
		}
		rest = rest[next:]
		j := bytes.Index(rest, delim)
		if j < 0 || j+len(delim) == len(rest) {
			return nil, fail("No subsequent boundary string after multipart message.")
		}
		msg := rest[:j]
		if n := len(msg); n > 0 && msg[n-1] == '\r' {
			msg = msg[:n-1]
		}
		e.Value = msg
		out = append(out, e)
		rest = rest[j+len(delim):]
	}
}

// headerEnd finds the first blank line, \r?\n\r?\n: end is where the headers' last line break
// starts and next where the body starts, or end is -1.
func headerEnd(b []byte) (end, next int) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		j := i + 1
		if j < len(b) && b[j] == '\r' {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			if i > 0 && b[i-1] == '\r' {
				return i - 1, j + 1
			}
			return i, j + 1
		}
	}
	return -1, 0
}

var errBadHeaders = fail("FormData part had invalid headers.")

// parsePartHeaders reads the header lines of one part (without the blank line): each is
// token ":" value, a line starting with a space or tab continues the one before, and only
// Content-Disposition and Content-Type matter.
func parsePartHeaders(b []byte) (Entry, error) {
	var disposition, ctype string
	var haveDisposition, haveType bool
	var last *string
	lines := strings.Split(string(b), "\n")
	if len(b) == 0 {
		lines = nil
	}
	for _, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			return Entry{}, errBadHeaders
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == nil {
				return Entry{}, errBadHeaders
			}
			*last += " " + strings.Trim(line, " \t")
			continue
		}
		n := 0
		for n < len(line) && isTokenByte(line[n]) {
			n++
		}
		rest := strings.TrimLeft(line[n:], " \t")
		if n == 0 || rest == "" || rest[0] != ':' {
			return Entry{}, errBadHeaders
		}
		value := strings.Trim(rest[1:], " \t")
		last = nil
		switch strings.ToLower(line[:n]) {
		case "content-disposition":
			if !haveDisposition {
				disposition, haveDisposition = value, true
				last = &disposition
			}
		case "content-type":
			if !haveType {
				ctype, haveType = value, true
				last = &ctype
			}
		}
	}
	if !haveDisposition {
		return Entry{}, fail("No valid Content-Disposition header found in FormData part.")
	}
	kind, params, ok := parseDisposition(disposition)
	if !ok {
		return Entry{}, fail("Invalid Content-Disposition header found in FormData part.")
	}
	if kind != "form-data" {
		return Entry{}, fail(`Content-Disposition header for FormData part must have the value "form-data", possibly followed by parameters. Got: "` + kind + `"`)
	}
	var e Entry
	var haveName bool
	for _, p := range params {
		switch p[0] {
		case "name":
			e.Name, haveName = p[1], true
		case "filename":
			e.Filename, e.IsFile = p[1], true
		}
	}
	if !haveName {
		return Entry{}, fail("Content-Disposition header in FormData part is missing a name.")
	}
	e.Type = ctype
	return e, nil
}

// parseDisposition reads `kind *(";" name "=" quoted-string)` with workerd's grammar: names are
// letters, digits, "_" and "-" (case-sensitive); values must be quoted and non-empty, and a
// backslash takes the next character literally (except a line feed). Parsing stops silently at
// the first parameter that does not fit, so an RFC 5987 filename* and an empty filename="" are ignored
// together with everything after them.
func parseDisposition(s string) (kind string, params [][2]string, ok bool) {
	i := skipSpace(s, 0)
	j := identEnd(s, i)
	if j == i {
		return "", nil, false
	}
	kind = s[i:j]
	i = skipSpace(s, j)
	for {
		p, next, ok := dispositionParam(s, i)
		if !ok {
			return kind, params, true
		}
		params = append(params, p)
		i = next
	}
}

func dispositionParam(s string, i int) (p [2]string, next int, ok bool) {
	if i >= len(s) || s[i] != ';' {
		return p, 0, false
	}
	i = skipSpace(s, i+1)
	j := identEnd(s, i)
	if j == i {
		return p, 0, false
	}
	p[0] = s[i:j]
	i = skipSpace(s, j)
	if i >= len(s) || s[i] != '=' {
		return p, 0, false
	}
	i = skipSpace(s, i+1)
	if i >= len(s) || s[i] != '"' {
		return p, 0, false
	}
	i++
	var v strings.Builder
	for i < len(s) && s[i] != '"' {
		c := s[i]
		switch c {
		case '\n':
			return p, 0, false
		case '\\':
			if i+1 >= len(s) || s[i+1] == '\n' {
				return p, 0, false
			}
			i++
			c = s[i]
		}
		v.WriteByte(c)
		i++
	}
	if i >= len(s) || v.Len() == 0 {
		return p, 0, false
	}
	p[1] = v.String()
	return p, skipSpace(s, i+1), true
}

func skipSpace(s string, i int) int {
	for i < len(s) && strings.IndexByte(" \f\n\r\t\v", s[i]) >= 0 {
		i++
	}
	return i
}

func identEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			break
		}
		i++
	}
	return i
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
