package tokenizer

import (
	"fmt"
	"unicode/utf8"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

func (t *Text) initSentencePiece(f *gguf.File) error {
	scores, err := array[float32](f, "tokenizer.ggml.scores", len(t.tokens))
	if err != nil {
		return err
	}
	if scores == nil {
		return fmt.Errorf("tokenizer: tokenizer.ggml.scores is missing")
	}
	t.scores = scores
	for i := range t.bytes {
		t.bytes[i] = -1
	}
	for id, typ := range t.types {
		if typ != TypeByte {
			continue
		}
		if b, ok := parseByteToken(t.tokens[id]); ok && t.bytes[b] < 0 {
			t.bytes[b] = id
		}
	}
	return nil
}

// symbol is a piece of the text being merged: text[start:end], linked to
// its neighbours.
type symbol struct {
	start, end int
	prev, next int
}

// bigram is a candidate merge of two adjacent symbols.
type bigram struct {
	left, right int
	score       float32 // SentencePiece: higher first
	rank        int     // BPE: lower first
	size        int     // bytes of the merged text, to detect stale entries
}

// bigramQueue orders candidates as llama.cpp does: best score (or rank)
// first, then leftmost.
type bigramQueue struct {
	items []bigram
	bpe   bool
}

func (q *bigramQueue) less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if q.bpe {
		if a.rank != b.rank {
			return a.rank < b.rank
		}
	} else if a.score != b.score {
		return a.score > b.score
	}
	return a.left < b.left
}

// push and pop keep items a binary heap; written out rather than through
// container/heap, whose interface boxes every item.
func (q *bigramQueue) push(b bigram) {
	q.items = append(q.items, b)
	for i := len(q.items) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
}

func (q *bigramQueue) pop() bigram {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	for i := 0; ; {
		l, r, best := 2*i+1, 2*i+2, i
		if l < last && q.less(l, best) {
			best = l
		}
		if r < last && q.less(r, best) {
			best = r
		}
		if best == i {
			break
		}
		q.items[i], q.items[best] = q.items[best], q.items[i]
		i = best
	}
	return top
}

// mergeSymbols splits text into UTF-8 characters and repeatedly merges the
// best adjacent pair that pair accepts, as llama.cpp's llm_tokenizer_spm
// and llm_tokenizer_bpe sessions do; pair sees the merged text and the
// length of its left part. It returns the symbols left, linked from
// index 0.
func mergeSymbols(text string, bpe bool, pair func(merged string, split int) (bigram, bool)) []symbol {
	var syms []symbol
	for i := 0; i < len(text); {
		_, n := utf8.DecodeRuneInString(text[i:])
		syms = append(syms, symbol{start: i, end: i + n, prev: len(syms) - 1, next: len(syms) + 1})
		i += n
	}
	if len(syms) == 0 {
		return nil
	}
	syms[len(syms)-1].next = -1
	q := &bigramQueue{bpe: bpe}
	try := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		b, ok := pair(text[syms[l].start:syms[r].end], syms[l].end-syms[l].start)
		if !ok {
			return
		}
		b.left, b.right, b.size = l, r, syms[r].end-syms[l].start
		q.push(b)
	}
	for i := 1; i < len(syms); i++ {
		try(i-1, i)
	}
	for len(q.items) > 0 {
		b := q.pop()
		l, r := &syms[b.left], &syms[b.right]
		if l.start == l.end || r.start == r.end || r.end-l.start != b.size || l.next != b.right {
			continue // one side was merged since
		}
		l.end = r.end
		r.start = r.end
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = b.left
		}
		try(l.prev, b.left)
		try(b.left, l.next)
	}
	return syms
}

// encodeSentencePiece appends the tokens of text (spaces already ▁):
// merges by score, every intermediate piece a vocabulary token; what stays
// unknown falls back to byte tokens <0xNN>.
func (t *Text) encodeSentencePiece(text string, out []int) []int {
	syms := mergeSymbols(text, false, func(merged string, _ int) (bigram, bool) {
		id, ok := t.ids[merged]
		if !ok {
			return bigram{}, false
		}
		return bigram{score: t.scores[id]}, true
	})
	for i := 0; i >= 0 && len(syms) > 0; i = syms[i].next {
		piece := text[syms[i].start:syms[i].end]
		if id, ok := t.ids[piece]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(piece); j++ {
			switch id := t.bytes[piece[j]]; {
			case id >= 0:
				out = append(out, id)
			case t.unk >= 0:
				out = append(out, t.unk)
			}
		}
	}
	return out
}
