package tokenizer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// TokenType is a token's kind, from tokenizer.ggml.token_type.
type TokenType int32

// The token types GGUF stores (llama.cpp's llama_token_type).
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1
	TypeUnknown     TokenType = 2
	TypeControl     TokenType = 3
	TypeUserDefined TokenType = 4
	TypeUnused      TokenType = 5
	TypeByte        TokenType = 6
)

// kind is the tokenizer algorithm.
type kind int

const (
	sentencePiece kind = iota // tokenizer.ggml.model = "llama"
	byteLevelBPE              // tokenizer.ggml.model = "gpt2"
)

// Text is the tokenizer of a text-generation model: SentencePiece-style
// ("llama": Llama 2, Mistral, TinyLlama) or byte-level BPE ("gpt2":
// Llama 3, Qwen, SmolLM), built from GGUF metadata and behaving as
// llama.cpp's llama_tokenize and llama_token_to_piece do. It is read-only
// once built, so one Text serves any number of goroutines; each stream of
// generated tokens takes its own Decoder.
type Text struct {
	kind   kind
	tokens []string
	types  []TokenType
	ids    map[string]int

	scores []float32        // SentencePiece merge priorities
	ranks  map[mergeKey]int // BPE: merge → rank
	pre    preTokenizer     // BPE pre-tokenizer

	bos, eos, unk  int // -1 when absent
	addBOS, addEOS bool
	addSpacePrefix bool
	ignoreMerges   bool // BPE: a whole word in the vocabulary is one token (Llama 3)
	eog            map[int]bool
	// specials are the tokens matched in text before tokenizing it, longest
	// first: control and unknown tokens when parsing specials, user-defined
	// tokens always.
	specials []int
	bytes    [256]int // SentencePiece byte-fallback tokens, -1 when absent
}

// eogTexts are end-of-generation tokens llama.cpp recognises by their text
// in addition to the eos/eot/eom ids.
var eogTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
	"<|eom_id|>", "<EOT>", "<|end_of_text|>"}

// NewText builds the tokenizer of a "llama" or "gpt2" GGUF file.
func NewText(f *gguf.File) (*Text, error) {
	model, _ := f.String("tokenizer.ggml.model")
	t := &Text{}
	switch model {
	case "llama":
		t.kind = sentencePiece
		t.addBOS, t.addSpacePrefix = true, true
	case "gpt2":
		t.kind = byteLevelBPE
	default:
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model %q is not a text-generation tokenizer (want llama or gpt2)", model)
	}
	toks, err := tokens(f)
	if err != nil {
		return nil, err
	}
	t.tokens = toks
	t.ids = make(map[string]int, len(toks))
	for i, s := range toks {
		if _, dup := t.ids[s]; !dup {
			t.ids[s] = i
		}
	}
	if t.types, err = tokenTypes(f, len(toks)); err != nil {
		return nil, err
	}
	switch t.kind {
	case sentencePiece:
		err = t.initSentencePiece(f)
	case byteLevelBPE:
		err = t.initBPE(f)
	}
	if err != nil {
		return nil, err
	}
	if err := t.initSpecials(f); err != nil {
		return nil, err
	}
	return t, nil
}

// tokenTypes reads tokenizer.ggml.token_type; without it every token is
// normal.
func tokenTypes(f *gguf.File, n int) ([]TokenType, error) {
	types := make([]TokenType, n)
	v, err := array[int32](f, "tokenizer.ggml.token_type", n)
	if err != nil {
		return nil, err
	}
	if v == nil {
		for i := range types {
			types[i] = TypeNormal
		}
		return types, nil
	}
	for i, x := range v {
		if x < 0 || TokenType(x) > TypeByte {
			return nil, fmt.Errorf("tokenizer: tokenizer.ggml.token_type[%d] = %d is not a token type", i, x)
		}
		types[i] = TokenType(x)
	}
	return types, nil
}

func (t *Text) initSpecials(f *gguf.File) error {
	t.bos, t.eos, t.unk = -1, -1, -1
	if t.kind == sentencePiece {
		t.bos, t.eos, t.unk = t.lookup("<s>"), t.lookup("</s>"), t.lookup("<unk>")
	}
	t.eog = map[int]bool{}
	for _, k := range []struct {
		key string
		dst *int
	}{
		{"bos_token_id", &t.bos}, {"eos_token_id", &t.eos}, {"unknown_token_id", &t.unk},
		{"eot_token_id", nil}, {"eom_token_id", nil},
	} {
		id, ok, err := specialID(f, "tokenizer.ggml."+k.key, len(t.tokens))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if k.dst != nil {
			*k.dst = id
		} else {
			t.eog[id] = true
		}
	}
	if t.eos >= 0 {
		t.eog[t.eos] = true
	}
	for _, s := range eogTexts {
		if id, ok := t.ids[s]; ok && t.types[id] == TypeControl {
			t.eog[id] = true
		}
	}
	for _, k := range []struct {
		key string
		dst *bool
	}{{"add_bos_token", &t.addBOS}, {"add_eos_token", &t.addEOS}, {"add_space_prefix", &t.addSpacePrefix}} {
		if v, ok := f.Value("tokenizer.ggml." + k.key); ok {
			b, ok := v.Bool()
			if !ok {
				return fmt.Errorf("tokenizer: tokenizer.ggml.%s = %v is not a bool", k.key, v.V)
			}
			*k.dst = b
		}
	}
	if t.addBOS && t.bos < 0 {
		return fmt.Errorf("tokenizer: add_bos_token is set but there is no bos token")
	}
	if t.addEOS && t.eos < 0 {
		return fmt.Errorf("tokenizer: add_eos_token is set but there is no eos token")
	}
	for id, typ := range t.types {
		switch typ {
		case TypeControl, TypeUnknown, TypeUserDefined:
			if t.tokens[id] != "" {
				t.specials = append(t.specials, id)
			}
		}
	}
	sort.SliceStable(t.specials, func(i, j int) bool {
		return len(t.tokens[t.specials[i]]) > len(t.tokens[t.specials[j]])
	})
	return nil
}

func (t *Text) lookup(s string) int {
	if id, ok := t.ids[s]; ok {
		return id
	}
	return -1
}

// VocabSize is the number of tokens.
func (t *Text) VocabSize() int { return len(t.tokens) }

// Token returns the vocabulary entry of id as stored in the file ("▁the",
// "Ġthe", "<0x0A>", "<|eot_id|>"), or "" for an id out of range.
func (t *Text) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Type returns the type of id, or TypeUndefined for an id out of range.
func (t *Text) Type(id int) TokenType {
	if id < 0 || id >= len(t.types) {
		return TypeUndefined
	}
	return t.types[id]
}

// ID returns the id of a vocabulary entry given as stored.
func (t *Text) ID(token string) (int, bool) {
	id, ok := t.ids[token]
	return id, ok
}

// BOS is the beginning-of-sequence token, or -1.
func (t *Text) BOS() int { return t.bos }

// EOS is the end-of-sequence token, or -1.
func (t *Text) EOS() int { return t.eos }

// AddBOS reports whether Encode prepends BOS (tokenizer.ggml.add_bos_token).
func (t *Text) AddBOS() bool { return t.addBOS }

// IsEOG reports whether id ends a generation: eos, eot, eom, and the
// control tokens llama.cpp treats so (<|eot_id|>, <|im_end|>, ...).
func (t *Text) IsEOG(id int) bool { return t.eog[id] }

// Encode tokenizes plain text with BOS/EOS as the model adds them; special
// tokens' texts in it are treated as text.
func (t *Text) Encode(text string) []int { return t.Tokenize(text, true, false) }

// Tokenize is llama_tokenize: addSpecial adds BOS/EOS as the model wants,
// parseSpecial turns the texts of control tokens in text (such as a chat
// template's "<|im_start|>") into those tokens. User-defined tokens are
// always matched, and never split.
func (t *Text) Tokenize(text string, addSpecial, parseSpecial bool) []int {
	var out []int
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	prevSpecial := true // SentencePiece prefixes a space to the first text and text after a special token
	for _, frag := range t.partition(text, parseSpecial) {
		if frag.id >= 0 {
			out = append(out, frag.id)
			prevSpecial = true
			continue
		}
		switch t.kind {
		case sentencePiece:
			s := frag.text
			if t.addSpacePrefix && prevSpecial {
				s = " " + s
			}
			out = t.encodeSentencePiece(strings.ReplaceAll(s, " ", phantomSpace), out)
		case byteLevelBPE:
			for _, word := range t.pre.split(frag.text) {
				out = t.encodeBPEWord(byteLevel(word), out)
			}
		}
		prevSpecial = false
	}
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// fragment is a special token (id >= 0) or a run of text (id = -1).
type fragment struct {
	id   int
	text string
}

// partition cuts text at occurrences of special tokens, longest tokens
// first, as llama.cpp's tokenizer_st_partition does.
func (t *Text) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{-1, text}}
	for _, id := range t.specials {
		if !parseSpecial && t.types[id] != TypeUserDefined {
			continue
		}
		tok := t.tokens[id]
		var next []fragment
		for _, f := range frags {
			if f.id >= 0 || !strings.Contains(f.text, tok) {
				next = append(next, f)
				continue
			}
			parts := strings.Split(f.text, tok)
			for i, p := range parts {
				if i > 0 {
					next = append(next, fragment{id, ""})
				}
				if p != "" {
					next = append(next, fragment{-1, p})
				}
			}
		}
		frags = next
	}
	return frags
}

// Piece is the text a token stands for, as bytes (llama_token_to_piece):
// a byte token is one byte, which may be part of a UTF-8 sequence that
// the next tokens complete. Control tokens (BOS, EOS, <|im_start|>) are
// empty.
func (t *Text) Piece(id int) []byte {
	if id < 0 || id >= len(t.tokens) {
		return nil
	}
	tok := t.tokens[id]
	switch t.types[id] {
	case TypeControl, TypeUnused:
		return nil
	case TypeUserDefined:
		return []byte(tok)
	case TypeUnknown:
		return []byte("\u2585") // llama.cpp's rendering of <unk>
	case TypeByte:
		if b, ok := parseByteToken(tok); ok {
			return []byte{b}
		}
	}
	if t.kind == sentencePiece {
		return []byte(strings.ReplaceAll(tok, phantomSpace, " "))
	}
	return unByteLevel(tok)
}

// Decode is the text of ids with control tokens left out. SentencePiece
// drops the space it prefixed to the text.
func (t *Text) Decode(ids []int) string {
	var b []byte
	for _, id := range ids {
		b = append(b, t.Piece(id)...)
	}
	if t.kind == sentencePiece && t.addSpacePrefix && len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// parseByteToken reads "<0xNN>".
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	var b byte
	for _, c := range s[3:5] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = byte(c - '0')
		case c >= 'A' && c <= 'F':
			d = byte(c - 'A' + 10)
		case c >= 'a' && c <= 'f':
			d = byte(c - 'a' + 10)
		default:
			return 0, false
		}
		b = b<<4 | d
	}
	return b, true
}
