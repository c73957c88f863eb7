package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// maxJSONDepth bounds the nesting of JSON values, so that hostile input cannot exhaust the stack.
const maxJSONDepth = 1000

// decodeJSONC decodes a wrangler.json or wrangler.jsonc file. Wrangler reads both as JSONC:
// JSON with // and /* */ comments and trailing commas in arrays and objects.
func decodeJSONC(file string, src []byte) (*document, error) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	plain, err := stripJSONC(file, src)
	if err != nil {
		return nil, err
	}
	w := jsonWalker{file: file, src: plain, dec: json.NewDecoder(bytes.NewReader(plain)), at: map[string]int{}}
	v, err := w.value(nil, 0)
	if err != nil {
		return nil, err
	}
	if rest := bytes.TrimLeft(plain[w.dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		at := len(plain) - len(rest)
		if _, err := w.dec.Token(); err != nil {
			return nil, w.fail(err, at)
		}
		return nil, errorAt(file, src, at, "unexpected text after the configuration object")
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errorAt(file, src, w.at[keyPath(nil).id()], "the configuration must be a JSON object")
	}
	locate := func(p keyPath) (int, int) {
		if off, ok := w.at[p.id()]; ok {
			return lineCol(src, off)
		}
		return 0, 0
	}
	return &document{file: file, root: root, locate: locate}, nil
}

// stripJSONC returns a copy of src with comments and trailing commas blanked out with spaces
// (newlines are kept), so that offsets into the result are offsets into src.
func stripJSONC(file string, src []byte) ([]byte, error) {
	out := bytes.Clone(src)
	prev := byte(0) // the last byte that is neither white space nor part of a comment
	comma := -1     // the offset of a comma that ends a value, until something follows it
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			end := bytes.IndexByte(out[i:], '\n')
			if end < 0 {
				end = len(out) - i
			}
			blank(out[i : i+end])
			i += end - 1
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			end := bytes.Index(out[i+2:], []byte("*/"))
			if end < 0 {
				return nil, errorAt(file, src, i, "unterminated /* comment")
			}
			blank(out[i : i+2+end+2])
			i += 2 + end + 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == '"':
			i = stringEnd(out, i)
			prev = c
		case c == ',':
			comma = -1
			if prev != 0 && prev != ',' && prev != ':' && prev != '[' && prev != '{' {
				comma = i
			}
			prev = c
		default:
			if comma >= 0 && (c == ']' || c == '}') {
				out[comma] = ' '
			}
			comma = -1
			prev = c
		}
	}
	return out, nil
}

// blank overwrites b with spaces, keeping its newlines.
func blank(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// stringEnd returns the offset of the quote that closes the JSON string opened at src[open],
// or the last offset of src when it is unterminated (the JSON decoder then reports it).
func stringEnd(src []byte, open int) int {
	for i := open + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(src) - 1
}

// jsonWalker decodes JSON token by token, noting where each value starts.
type jsonWalker struct {
	file string
	src  []byte // the text with comments blanked out
	dec  *json.Decoder
	at   map[string]int // keyPath.id() → offset of the value
}

// value decodes the next value as encoding/json would into an any, and the values inside it.
func (w *jsonWalker) value(p keyPath, depth int) (any, error) {
	start := w.next()
	w.at[p.id()] = start
	tok, err := w.dec.Token()
	if err != nil {
		return nil, w.fail(err, start)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if depth >= maxJSONDepth {
		return nil, errorAt(w.file, w.src, start, "values are nested too deeply")
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for w.dec.More() {
			at := w.next()
			tok, err := w.dec.Token()
			if err != nil {
				return nil, w.fail(err, at)
			}
			key, _ := tok.(string) // Token only returns strings where a key belongs
			if obj[key], err = w.value(p.child(key), depth+1); err != nil {
				return nil, err
			}
		}
		return obj, w.close()
	case '[':
		arr := []any{}
		for i := 0; w.dec.More(); i++ {
			v, err := w.value(p.index(i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, w.close()
	}
	return nil, errorAt(w.file, w.src, start, "unexpected %q", delim)
}

// close reads the ] or } that ends an array or object.
func (w *jsonWalker) close() error {
	at := w.next()
	if _, err := w.dec.Token(); err != nil {
		return w.fail(err, at)
	}
	return nil
}

// next is the offset of the next token: past white space and the separators the decoder has
// yet to consume.
func (w *jsonWalker) next() int {
	off := int(w.dec.InputOffset())
	for off < len(w.src) && bytes.IndexByte([]byte(" \t\r\n:,"), w.src[off]) >= 0 {
		off++
	}
	return off
}

// fail turns a decoding error into an *Error. A syntax error carries its own offset; other
// errors are placed at off, where the token being read starts.
func (w *jsonWalker) fail(err error, off int) *Error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, including the one that is wrong.
		return errorAt(w.file, w.src, int(syntax.Offset)-1, "%s", syntax.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errorAt(w.file, w.src, len(w.src), "unexpected end of file")
	}
	return errorAt(w.file, w.src, off, "%v", err)
}
