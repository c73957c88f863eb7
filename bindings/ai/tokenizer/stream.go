package tokenizer

import "unicode/utf8"

// Decoder turns generated tokens into text as they come, never emitting
// half a UTF-8 character: a character split across byte tokens (or
// byte-level pieces) is held back until its last byte arrives.
type Decoder struct {
	t       *Text
	pending []byte
}

// NewDecoder starts decoding a continuation: pieces are emitted as they
// are, without dropping the leading space SentencePiece's Decode drops.
func (t *Text) NewDecoder() *Decoder { return &Decoder{t: t} }

// Next adds a token and returns the text that is now complete, possibly
// "". Bytes that can never form a character come out as U+FFFD.
func (d *Decoder) Next(id int) string {
	d.pending = append(d.pending, d.t.Piece(id)...)
	var out []byte
	i := 0
	for i < len(d.pending) {
		if !utf8.FullRune(d.pending[i:]) {
			break // the start of a character whose end is still to come
		}
		r, n := utf8.DecodeRune(d.pending[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, d.pending[i:i+n]...)
		}
		i += n
	}
	d.pending = append(d.pending[:0], d.pending[i:]...)
	return string(out)
}

// Flush returns what is held back, as U+FFFD, when generation ends in the
// middle of a character.
func (d *Decoder) Flush() string {
	s := ""
	if len(d.pending) > 0 {
		s = "\uFFFD"
	}
	d.pending = d.pending[:0]
	return s
}
