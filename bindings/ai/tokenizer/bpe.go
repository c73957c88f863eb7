package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

func (t *Text) initBPE(f *gguf.File) error {
	merges, err := array[string](f, "tokenizer.ggml.merges", -1)
	if err != nil {
		return err
	}
	if merges == nil {
		return fmt.Errorf("tokenizer: tokenizer.ggml.merges is missing")
	}
	t.ranks = make(map[mergeKey]int, len(merges))
	for i, m := range merges {
		left, right, ok := strings.Cut(m, " ")
		if !ok || left == "" || right == "" || strings.Contains(right, " ") {
			return fmt.Errorf("tokenizer: tokenizer.ggml.merges[%d] = %q is not two pieces separated by a space", i, m)
		}
		k := mergeKey{left + right, len(left)}
		if _, dup := t.ranks[k]; !dup {
			t.ranks[k] = i
		}
	}
	pre, _ := f.String("tokenizer.ggml.pre")
	if t.pre, err = newPreTokenizer(pre); err != nil {
		return err
	}
	switch pre {
	case "llama-bpe", "llama3", "llama-v3", "falcon3":
		t.addBOS, t.ignoreMerges = true, true
	}
	return nil
}

// mergeKey names a merge by its result and the length of its left part,
// so that looking one up needs no allocation.
type mergeKey struct {
	merged string
	split  int
}

// encodeBPEWord appends the tokens of one pre-tokenized word in byte-level
// form: merges by rank; a piece missing from the vocabulary falls back to
// its single characters.
func (t *Text) encodeBPEWord(word string, out []int) []int {
	if t.ignoreMerges {
		if id, ok := t.ids[word]; ok {
			return append(out, id)
		}
	}
	syms := mergeSymbols(word, true, func(merged string, split int) (bigram, bool) {
		rank, ok := t.ranks[mergeKey{merged, split}]
		return bigram{rank: rank}, ok
	})
	for i := 0; i >= 0 && len(syms) > 0; i = syms[i].next {
		piece := word[syms[i].start:syms[i].end]
		if id, ok := t.ids[piece]; ok {
			out = append(out, id)
			continue
		}
		for _, r := range piece {
			if id, ok := t.ids[string(r)]; ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// GPT-2's byte-to-unicode map: printable bytes stand for themselves, the
// others for U+0100 onwards, so every byte string is a string of visible
// characters (a space is "Ġ", a newline "Ċ").
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := make(map[rune]byte, 256)
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			b2r[b] = rune(b)
		} else {
			b2r[b] = 256 + n
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

// byteLevel maps each byte of s to its GPT-2 character.
func byteLevel(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteRune(byteToRune[s[i]])
	}
	return b.String()
}

// unByteLevel maps a byte-level token back to its bytes; characters
// outside the map (never in real vocabularies) stay as they are.
func unByteLevel(tok string) []byte {
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		if b, ok := runeToByte[r]; ok {
			out = append(out, b)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}
