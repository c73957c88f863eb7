package tokenizer

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"golang.org/x/text/unicode/norm"
)

// phantomSpace marks a word-initial piece: llama.cpp's converter stores
// WordPiece's "word" as "▁word" and "##piece" as "piece".
const phantomSpace = "\u2581"

// WordPiece is BERT's tokenizer on a vocabulary in llama.cpp's phantom-space
// form.
type WordPiece struct {
	vocab    []string
	ids      map[string]int
	maxLen   int // longest token, in bytes
	cls, sep int
	unk      int
}

func newWordPiece(f *gguf.File) (*WordPiece, error) {
	toks, err := tokens(f)
	if err != nil {
		return nil, err
	}
	w := &WordPiece{vocab: toks, ids: make(map[string]int, len(toks))}
	for i, t := range toks {
		if _, dup := w.ids[t]; !dup { // the first of duplicates wins, as in llama.cpp
			w.ids[t] = i
		}
		w.maxLen = max(w.maxLen, len(t))
	}
	// bos is [CLS], eos (or seperator, llama.cpp's spelling) is [SEP].
	for _, k := range []struct {
		dst  *int
		keys []string
		name string
	}{
		{&w.cls, []string{"tokenizer.ggml.bos_token_id", "tokenizer.ggml.cls_token_id"}, "[CLS]"},
		{&w.sep, []string{"tokenizer.ggml.eos_token_id", "tokenizer.ggml.seperator_token_id"}, "[SEP]"},
		{&w.unk, []string{"tokenizer.ggml.unknown_token_id"}, "[UNK]"},
	} {
		found := false
		for _, key := range k.keys {
			id, ok, err := specialID(f, key, len(toks))
			if err != nil {
				return nil, err
			}
			if ok {
				*k.dst, found = id, true
				break
			}
		}
		if !found {
			id, ok := w.ids[k.name]
			if !ok {
				return nil, fmt.Errorf("tokenizer: no %s token (%s)", k.name, strings.Join(k.keys, ", "))
			}
			*k.dst = id
		}
	}
	return w, nil
}

// VocabSize is the number of tokens.
func (w *WordPiece) VocabSize() int { return len(w.vocab) }

// Token returns the stored form of id ("▁word", "piece" or "[CLS]"), or ""
// for an id out of range.
func (w *WordPiece) Token(id int) string {
	if id < 0 || id >= len(w.vocab) {
		return ""
	}
	return w.vocab[id]
}

// Encode returns [CLS], the pieces of every word of text, and [SEP].
func (w *WordPiece) Encode(text string) []int {
	out := []int{w.cls}
	for _, word := range Words(text) {
		out = w.appendWord(out, word)
	}
	return append(out, w.sep)
}

// appendWord matches "▁"+word greedily, longest piece first; a word with
// any unmatched part becomes a single [UNK].
func (w *WordPiece) appendWord(out []int, word string) []int {
	s := phantomSpace + word
	start := len(out)
	for i := 0; i < len(s); {
		j := min(len(s), i+w.maxLen)
		for ; j > i; j-- {
			if id, ok := w.ids[s[i:j]]; ok {
				out = append(out, id)
				break
			}
		}
		if j == i {
			return append(out[:start], w.unk)
		}
		i = j
	}
	return out
}

// Words splits text the way BERT's basic tokenizer (and llama.cpp) does:
// NFD-normalised, accents (combining marks) dropped, lower-cased, split on
// white space; punctuation, ASCII symbols and CJK ideographs are words of
// their own; control characters vanish.
func Words(text string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range norm.NFD.String(text) {
		switch {
		case unicode.IsSpace(r):
			flush()
		case r == 0 || r == unicode.ReplacementChar || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Mn, r):
		case unicode.IsPunct(r) || (r < 0x7f && unicode.IsSymbol(r)) || isCJK(r):
			flush()
			words = append(words, string(unicode.ToLower(r)))
		default:
			cur.WriteRune(unicode.ToLower(r))
		}
	}
	flush()
	return words
}

// isCJK reports the CJK ideograph blocks BERT splits into single characters.
func isCJK(r rune) bool {
	return (r >= 0x4e00 && r <= 0x9fff) || (r >= 0x3400 && r <= 0x4dbf) ||
		(r >= 0x20000 && r <= 0x2a6df) || (r >= 0x2a700 && r <= 0x2b73f) ||
		(r >= 0x2b740 && r <= 0x2b81f) || (r >= 0x2b820 && r <= 0x2ceaf) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0x2f800 && r <= 0x2fa1f)
}
