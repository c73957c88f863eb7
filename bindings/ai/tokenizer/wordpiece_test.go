package tokenizer

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// vocabFile writes a GGUF holding a WordPiece vocabulary converted to
// phantom-space form as llama.cpp's converter does: "[X]" stays, "##p"
// becomes "p", "w" becomes "▁w".
func vocabFile(t *testing.T, wordpiece []string, extra map[string]any) *gguf.File {
	t.Helper()
	toks := make([]string, len(wordpiece))
	for i, w := range wordpiece {
		switch {
		case strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]"):
			toks[i] = w
		case strings.HasPrefix(w, "##"):
			toks[i] = w[2:]
		default:
			toks[i] = "\u2581" + w
		}
	}
	meta := map[string]any{"tokenizer.ggml.model": "bert", "tokenizer.ggml.tokens": toks}
	for k, v := range extra {
		meta[k] = v
	}
	return ggufFile(t, meta)
}

var testVocab = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", ",", "!", "cafe", "naive",
	"jump", "##ed", "##s", "un", "##believ", "##able", "q", "##q", "中", "文", "ab", "'", "t", "don", "$", "5",
	"##5", "a", "b", "c"}

func TestWordPiece(t *testing.T) {
	f := vocabFile(t, testVocab, map[string]any{
		"tokenizer.ggml.bos_token_id": uint32(2), "tokenizer.ggml.eos_token_id": uint32(3),
		"tokenizer.ggml.unknown_token_id": uint32(1),
	})
	tok, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text string
		want string // stored tokens between [CLS] and [SEP], space-separated
	}{
		{"", ""},
		{"Hello, world!", "▁hello ▁, ▁world ▁!"},
		{"  HELLO\t\nworld  ", "▁hello ▁world"},
		{"Café naïve", "▁cafe ▁naive"},       // accents stripped after NFD
		{"jumped jumps", "▁jump ed ▁jump s"}, // continuation pieces
		{"unbelievable", "▁un believ able"},  // longest match first, repeatedly
		{"qqq", "▁q q q"},                    //
		{"jumpx", "[UNK]"},                   // any unmatched rest: one [UNK] for the word
		{"€5", "[UNK]"},                      // a non-ASCII symbol stays in its word
		{"$5", "▁$ ▁5"},                      // an ASCII symbol is a word
		{"55", "▁5 5"},                       //
		{"中文", "▁中 ▁文"},                      // CJK ideographs are words
		{"a\u200bb", "▁ab"},                  // format characters vanish
		{"a\x00b\x07c", "[UNK]"},             // so do controls: "abc" is ▁ab, then no piece "c"
		{"don't", "▁don ▁' ▁t"},              // punctuation splits words
		{"HELLO!!", "▁hello ▁! ▁!"},          //
		{"a b c", "▁a ▁b ▁c"},                //
	}
	for _, c := range cases {
		ids := tok.Encode(c.text)
		if ids[0] != 2 || ids[len(ids)-1] != 3 {
			t.Errorf("%q: ids %v lack [CLS]/[SEP]", c.text, ids)
			continue
		}
		var got []string
		for _, id := range ids[1 : len(ids)-1] {
			got = append(got, tok.Token(id))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: tokens %q, want %q", c.text, strings.Join(got, " "), c.want)
		}
	}
}

func TestWords(t *testing.T) {
	got := Words("Ünïcödé, (test)  ÉCOLE 東京")
	want := []string{"unicode", ",", "(", "test", ")", "ecole", "東", "京"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func TestSpecialTokens(t *testing.T) {
	// Without id keys, the tokens are found by name.
	f := vocabFile(t, testVocab, nil)
	tok, err := FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	if ids := tok.Encode("hello"); !reflect.DeepEqual(ids, []int{2, 4, 3}) {
		t.Fatalf("ids %v", ids)
	}
	errCases := []struct {
		name  string
		vocab []string
		extra map[string]any
		want  string
	}{
		{"id out of range", testVocab, map[string]any{"tokenizer.ggml.bos_token_id": uint32(999)}, "bos_token_id = 999"},
		{"id not an integer", testVocab, map[string]any{"tokenizer.ggml.eos_token_id": "3"}, "eos_token_id"},
		{"no [UNK]", []string{"[CLS]", "[SEP]", "a"}, nil, "no [UNK] token"},
	}
	for _, c := range errCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromGGUF(vocabFile(t, c.vocab, c.extra))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestUnsupportedModels(t *testing.T) {
	for _, model := range []string{"t5", "rwkv"} {
		w := gguf.NewWriter()
		w.Set("tokenizer.ggml.model", model)
		var buf bytes.Buffer
		w.WriteTo(&buf)
		f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := FromGGUF(f); err == nil || !strings.Contains(err.Error(), "not supported yet") {
			t.Errorf("%s: error %v", model, err)
		}
	}
}
