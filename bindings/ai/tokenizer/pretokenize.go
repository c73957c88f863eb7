package tokenizer

import (
	"fmt"
	"unicode"
)

// A splitter cuts a piece of text into smaller pieces. Like llama.cpp's
// unicode_regex_split, the text between two matches is kept as a piece of
// its own, so the pieces always concatenate back to the input.
type splitter func(text []rune) [][]rune

// preTokenizer is the chain of splitters a tokenizer.ggml.pre name stands
// for; each stage splits every piece the previous one produced.
type preTokenizer []splitter

// preTokenizers maps tokenizer.ggml.pre values to the regular expressions
// llama.cpp (llama-vocab.cpp) uses for them. Go's regexp has no lookahead,
// so the expressions are matched by hand, as llama.cpp's unicode.cpp does.
// Names llama.cpp groups with the ones tested share their splitters.
var preTokenizers = map[string]preTokenizer{}

func init() {
	// Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
	//          ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
	llama3 := preTokenizer{splitLlama3(3)}
	// Qwen 2: as Llama 3 with single digits (\p{N}).
	qwen2 := preTokenizer{splitLlama3(1)}
	// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
	gpt2 := preTokenizer{splitGPT2}
	// SmolLM, StarCoder and others: \p{N}, then GPT-2's expression.
	digitsThenGPT2 := preTokenizer{splitRuns(unicode.IsNumber, 1), splitGPT2}
	// llama.cpp's fallback for an unnamed BPE pre-tokenizer:
	// [\p{P}\$\+<=>\^~\|]+, GPT-2's expression, \p{N}+, [0-9][0-9][0-9].
	fallback := preTokenizer{splitRuns(isDefaultPunct, 0), splitGPT2, splitRuns(unicode.IsNumber, 0), splitRuns(isASCIIDigit, 3)}
	for p, names := range map[*preTokenizer][]string{
		&llama3:         {"llama-bpe", "llama3", "llama-v3", "falcon3"},
		&qwen2:          {"qwen2", "deepseek-r1-qwen"},
		&gpt2:           {"gpt-2", "gpt2", "phi-2", "mpt", "olmo", "roberta-bpe"},
		&digitsThenGPT2: {"smollm", "starcoder", "refact", "command-r", "codeshell"},
		&fallback:       {"default"},
	} {
		for _, n := range names {
			preTokenizers[n] = *p
		}
	}
}

// newPreTokenizer returns the splitter chain for a tokenizer.ggml.pre value;
// an absent value means "default", as in llama.cpp.
func newPreTokenizer(name string) (preTokenizer, error) {
	if name == "" {
		name = "default"
	}
	p, ok := preTokenizers[name]
	if !ok {
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.pre %q is not supported (known: llama-bpe, qwen2, smollm, gpt-2, default and their aliases)", name)
	}
	return p, nil
}

// split applies every stage in turn.
func (p preTokenizer) split(text string) []string {
	pieces := [][]rune{[]rune(text)}
	for _, stage := range p {
		var next [][]rune
		for _, piece := range pieces {
			next = append(next, stage(piece)...)
		}
		pieces = next
	}
	out := make([]string, len(pieces))
	for i, piece := range pieces {
		out[i] = string(piece)
	}
	return out
}

func isDefaultPunct(r rune) bool {
	return unicode.IsPunct(r) || r == '$' || r == '+' || r == '<' || r == '=' || r == '>' || r == '^' || r == '~' || r == '|'
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func isWhite(r rune) bool { return unicode.IsSpace(r) }

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool { return !isWhite(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r) }

// splitRuns matches runs of runes in class: of any length (class+) when
// size is 0, else of exactly size runes (class{size}), left to right.
func splitRuns(class func(rune) bool, size int) splitter {
	return func(t []rune) [][]rune {
		var out [][]rune
		start := 0 // end of the last piece emitted
		for i := 0; i < len(t); {
			if !class(t[i]) {
				i++
				continue
			}
			j := i
			for j < len(t) && class(t[j]) && (size == 0 || j-i < size) {
				j++
			}
			if size != 0 && j-i < size {
				i = j
				continue
			}
			if start < i {
				out = append(out, t[start:i])
			}
			out = append(out, t[i:j])
			start, i = j, j
		}
		if start < len(t) {
			out = append(out, t[start:])
		}
		return out
	}
}

// at returns t[i], or -1 past the end (which belongs to no class).
func at(t []rune, i int) rune {
	if i < len(t) {
		return t[i]
	}
	return -1
}

// contraction is the length of a contraction ('s 't 're 've 'm 'll 'd)
// starting at t[i], or 0; fold makes it case-insensitive.
func contraction(t []rune, i int, fold bool) int {
	if t[i] != '\'' || i+1 >= len(t) {
		return 0
	}
	lower := func(r rune) rune {
		if fold {
			return unicode.ToLower(r)
		}
		return r
	}
	switch lower(t[i+1]) {
	case 's', 't', 'm', 'd':
		return 2
	}
	if i+2 < len(t) {
		switch a, b := lower(t[i+1]), lower(t[i+2]); {
		case a == 'r' && b == 'e', a == 'v' && b == 'e', a == 'l' && b == 'l':
			return 3
		}
	}
	return 0
}

// whitespaceRun is the tail of both expressions: \s+(?!\S)|\s+ at t[i].
// A run followed by more text leaves its last space to the next piece.
func whitespaceRun(t []rune, i int) int {
	n := 0
	for i+n < len(t) && isWhite(t[i+n]) {
		n++
	}
	if n > 1 && i+n < len(t) {
		return n - 1
	}
	return n
}

func isLetter(r rune) bool { return r >= 0 && unicode.IsLetter(r) }
func isNumber(r rune) bool { return r >= 0 && unicode.IsNumber(r) }

// splitGPT2 matches GPT-2's expression.
func splitGPT2(t []rune) [][]rune {
	var out [][]rune
	for i := 0; i < len(t); {
		n := contraction(t, i, false)
		if n == 0 {
			j := i
			if t[i] == ' ' && i+1 < len(t) {
				j++ // the optional leading space
			}
			switch c := t[j]; {
			case isLetter(c):
				n = runEnd(t, j, isLetter) - i
			case isNumber(c):
				n = runEnd(t, j, isNumber) - i
			case isOther(c):
				n = runEnd(t, j, isOther) - i
			default:
				n = whitespaceRun(t, i)
			}
		}
		out = append(out, t[i:i+n])
		i += n
	}
	return out
}

// runEnd is the end of the run of class starting at t[j].
func runEnd(t []rune, j int, class func(rune) bool) int {
	for j < len(t) && class(t[j]) {
		j++
	}
	return j
}

func isNewline(r rune) bool { return r == '\r' || r == '\n' }

// splitLlama3 matches Llama 3's expression with numbers in groups of at
// most digits runes (3 for Llama 3, 1 for Qwen 2).
func splitLlama3(digits int) splitter {
	return func(t []rune) [][]rune {
		var out [][]rune
		emit := func(i, n int) int {
			out = append(out, t[i:i+n])
			return i + n
		}
		for i := 0; i < len(t); {
			c := t[i]
			if n := contraction(t, i, true); n > 0 {
				i = emit(i, n)
				continue
			}
			// [^\r\n\p{L}\p{N}]?\p{L}+
			if !isNewline(c) && !isNumber(c) && (isLetter(c) || isLetter(at(t, i+1))) {
				i = emit(i, runEnd(t, i+1, isLetter)-i)
				continue
			}
			// \p{N}{1,digits}
			if isNumber(c) {
				n := 1
				for n < digits && isNumber(at(t, i+n)) {
					n++
				}
				i = emit(i, n)
				continue
			}
			// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
			j := i
			if c == ' ' && i+1 < len(t) {
				j++
			}
			if isOther(t[j]) {
				i = emit(i, runEnd(t, runEnd(t, j, isOther), isNewline)-i)
				continue
			}
			// \s*[\r\n]+ ends at the run's last newline.
			end, lastNewline := i, -1
			for ; end < len(t) && isWhite(t[end]); end++ {
				if isNewline(t[end]) {
					lastNewline = end + 1
				}
			}
			if lastNewline > 0 {
				i = emit(i, lastNewline-i)
				continue
			}
			i = emit(i, whitespaceRun(t, i))
		}
		return out
	}
}
