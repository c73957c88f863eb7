// Package tokenizer turns text into token ids with the vocabulary and rules a
// GGUF file's tokenizer.ggml.* metadata describes, the way llama.cpp does.
//
//	f, _ := gguf.Open("bge-small.gguf")
//	tok, err := tokenizer.FromGGUF(f)
//	ids := tok.Encode("Hello, world!") // [CLS] hello , world ! [SEP]
//
// WordPiece ("bert") is implemented; SentencePiece ("llama") and byte-level
// BPE ("gpt2") are reported as unsupported until they are.
package tokenizer

import (
	"fmt"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// Tokenizer encodes text to token ids and back.
type Tokenizer interface {
	// Encode returns the ids of text with the model's special tokens added
	// (for BERT: [CLS] ... [SEP]).
	Encode(text string) []int
	// Token returns the vocabulary entry of id as stored in the file.
	Token(id int) string
	// VocabSize is the number of tokens.
	VocabSize() int
}

// FromGGUF builds the tokenizer named by tokenizer.ggml.model.
func FromGGUF(f *gguf.File) (Tokenizer, error) {
	model, ok := f.String("tokenizer.ggml.model")
	if !ok {
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model is missing or not a string")
	}
	switch model {
	case "bert":
		return newWordPiece(f)
	}
	return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model %q is not supported yet", model)
}

// tokens reads tokenizer.ggml.tokens.
func tokens(f *gguf.File) ([]string, error) {
	a, ok := f.Array("tokenizer.ggml.tokens")
	if !ok {
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.tokens is missing or not an array")
	}
	toks, ok := a.Values.([]string)
	if !ok || len(toks) == 0 {
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.tokens is an array of %v, want a non-empty array of strings", a.Elem)
	}
	return toks, nil
}

// specialID reads a token id key and checks it names a vocabulary entry.
func specialID(f *gguf.File, key string, vocab int) (int, bool, error) {
	v, ok := f.Value(key)
	if !ok {
		return 0, false, nil
	}
	id, ok := v.Uint()
	if !ok || id >= uint64(vocab) {
		return 0, false, fmt.Errorf("tokenizer: %s = %v is not a token id below %d", key, v.V, vocab)
	}
	return int(id), true, nil
}
