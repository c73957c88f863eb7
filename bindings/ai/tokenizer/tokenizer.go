// Package tokenizer turns text into token ids with the vocabulary and rules a
// GGUF file's tokenizer.ggml.* metadata describes, the way llama.cpp does.
//
//	f, _ := gguf.Open("bge-small.gguf")
//	tok, err := tokenizer.FromGGUF(f)
//	ids := tok.Encode("Hello, world!") // [CLS] hello , world ! [SEP]
//
// "bert" is WordPiece; "llama" (SentencePiece-style with byte fallback)
// and "gpt2" (byte-level BPE with the pre-tokenizer tokenizer.ggml.pre
// names) are Text tokenizers, which also decode, stream-decode and parse
// the special tokens of chat prompts.
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
	case "llama", "gpt2":
		return NewText(f)
	}
	return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model %q is not supported yet", model)
}

// tokens reads tokenizer.ggml.tokens.
func tokens(f *gguf.File) ([]string, error) {
	toks, err := array[string](f, "tokenizer.ggml.tokens", -1)
	if err == nil && len(toks) == 0 {
		err = fmt.Errorf("tokenizer: tokenizer.ggml.tokens is missing or empty")
	}
	return toks, err
}

// array reads the array metadata key as []T with n elements (any number
// when n < 0); an absent key is nil without error.
func array[T any](f *gguf.File, key string, n int) ([]T, error) {
	a, ok := f.Array(key)
	if !ok {
		if _, exists := f.Value(key); exists {
			return nil, fmt.Errorf("tokenizer: %s is not an array", key)
		}
		return nil, nil
	}
	v, ok := a.Values.([]T)
	if !ok || (n >= 0 && len(v) != n) {
		return nil, fmt.Errorf("tokenizer: %s is %d values of %v, want %s %T", key, a.Len(), a.Elem, count(n), *new(T))
	}
	return v, nil
}

func count(n int) string {
	if n < 0 {
		return "an array of"
	}
	return fmt.Sprint(n)
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
