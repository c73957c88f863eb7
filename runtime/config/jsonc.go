package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// decodeJSONC decodes a wrangler.json or wrangler.jsonc file. Wrangler reads both as JSONC:
// JSON with // and /* */ comments and trailing commas in arrays and objects.
func decodeJSONC(file string, src []byte) (*document, error) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	plain, err := stripJSONC(file, src)
	if err != nil {
		return nil, err
	}
	// json.Decoder's token stream reports syntax errors at inconsistent offsets, so the
	// syntax is checked first by json.Unmarshal, whose offsets are exact.
	if err := json.Unmarshal(plain, new(json.RawMessage)); err != nil {
		var syntax *json.SyntaxError
		switch {
		case !errors.As(err, &syntax):
			return nil, &Error{File: file, Msg: err.Error()}
		case syntax.Error() == "unexpected end of JSON input":
			return nil, errorAt(file, src, len(src), "unexpected end of file")
		}
		// Offset counts the bytes read, including the one that is wrong.
		return nil, errorAt(file, src, int(syntax.Offset)-1, "%s", syntax.Error())
	}
	w := jsonWalker{file: file, src: plain, dec: json.NewDecoder(bytes.NewReader(plain))}
	v, at, err := w.value()
	if err != nil {
		return nil, err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errorAt(file, src, at.off, "the configuration must be a JSON object")
	}
	locate := func(p keyPath) (int, int) {
		if n := at.find(p); n != nil {
			return lineCol(src, n.off)
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
			prev, comma = c, -1
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
}

// jsonNode is where a JSON value starts, and the nodes of the values inside it.
type jsonNode struct {
	off   int
	keys  map[string]*jsonNode
	elems []*jsonNode
}

// find returns the node of the value at p inside n, or nil.
func (n *jsonNode) find(p keyPath) *jsonNode {
	for _, k := range p {
		if n == nil {
			return nil
		}
		if !isIndex(k) {
			n = n.keys[k]
			continue
		}
		i, err := strconv.Atoi(strings.Trim(k, "[]"))
		if err != nil || i < 0 || i >= len(n.elems) {
			return nil
		}
		n = n.elems[i]
	}
	return n
}

// value decodes the next value as encoding/json would into an any, and the values inside it.
// The text is valid JSON, so the only errors left are numbers out of float64's range.
func (w *jsonWalker) value() (any, *jsonNode, error) {
	at := &jsonNode{off: w.next()}
	tok, err := w.dec.Token()
	if err != nil {
		return nil, nil, errorAt(w.file, w.src, at.off, "%v", err)
	}
	switch tok {
	case json.Delim('{'):
		obj := map[string]any{}
		at.keys = map[string]*jsonNode{}
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return nil, nil, err
			}
			key, _ := tok.(string) // in an object, Token returns keys as strings
			if obj[key], at.keys[key], err = w.value(); err != nil {
				return nil, nil, err
			}
		}
		_, err := w.dec.Token() // }
		return obj, at, err
	case json.Delim('['):
		arr := []any{}
		for w.dec.More() {
			v, n, err := w.value()
			if err != nil {
				return nil, nil, err
			}
			arr, at.elems = append(arr, v), append(at.elems, n)
		}
		_, err := w.dec.Token() // ]
		return arr, at, err
	}
	return tok, at, nil
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
