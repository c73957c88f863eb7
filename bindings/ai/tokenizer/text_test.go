package tokenizer

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// realVocab is a fixture written by testdata/realvocab_gen.js: a cut of a
// real model's vocabulary and the tokens Hugging Face's tokenizer gives.
type realVocab struct {
	Model  string    `json:"model"`
	Pre    string    `json:"pre"`
	Tokens []string  `json:"tokens"`
	Types  []int32   `json:"types"`
	Scores []float32 `json:"scores"`
	Merges []string  `json:"merges"`
	Cases  []struct {
		Text   string   `json:"text"`
		Tokens []string `json:"tokens"`
	} `json:"cases"`
}

func loadRealVocab(t testing.TB, name string) realVocab {
	t.Helper()
	data, err := os.ReadFile("testdata/realvocab_" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var v realVocab
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// ggufFile writes metadata to a GGUF in memory and reads it back.
func ggufFile(t testing.TB, meta map[string]any) *gguf.File {
	t.Helper()
	w := gguf.NewWriter()
	for k, v := range meta {
		if err := w.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// textTokenizer builds the fixture's tokenizer from GGUF metadata laid
// out as llama.cpp's converter writes it.
func (v realVocab) textTokenizer(t testing.TB, extra map[string]any) *Text {
	t.Helper()
	meta := map[string]any{
		"tokenizer.ggml.model":      v.Model,
		"tokenizer.ggml.tokens":     v.Tokens,
		"tokenizer.ggml.token_type": v.Types,
	}
	if v.Model == "llama" {
		meta["tokenizer.ggml.scores"] = v.Scores
		meta["tokenizer.ggml.bos_token_id"] = uint32(1)
		meta["tokenizer.ggml.eos_token_id"] = uint32(2)
		meta["tokenizer.ggml.unknown_token_id"] = uint32(0)
	} else {
		for id, tok := range v.Tokens {
			switch tok {
			case "<|begin_of_text|>":
				meta["tokenizer.ggml.bos_token_id"] = uint32(id)
			case "<|eot_id|>", "<|im_end|>":
				meta["tokenizer.ggml.eos_token_id"] = uint32(id)
			}
		}
		meta["tokenizer.ggml.merges"] = v.Merges
		meta["tokenizer.ggml.pre"] = v.Pre
	}
	for k, x := range extra {
		meta[k] = x
	}
	tok, err := FromGGUF(ggufFile(t, meta))
	if err != nil {
		t.Fatal(err)
	}
	return tok.(*Text)
}

func (tk *Text) tokenStrings(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tk.Token(id)
	}
	return out
}

// TestRealVocabularies checks the tokens of real models' vocabularies
// against Hugging Face's tokenizers, and that decoding gives the text back.
func TestRealVocabularies(t *testing.T) {
	for _, name := range []string{"llama2", "llama3", "qwen3"} {
		t.Run(name, func(t *testing.T) {
			v := loadRealVocab(t, name)
			tk := v.textTokenizer(t, nil)
			for _, c := range v.Cases {
				ids := tk.Tokenize(c.Text, false, true)
				got := tk.tokenStrings(ids)
				if strings.Join(got, "\x00") != strings.Join(c.Tokens, "\x00") {
					t.Errorf("%q:\n got %q\nwant %q", c.Text, got, c.Tokens)
					continue
				}
				want := c.Text
				for _, s := range []string{"<s>", "</s>", "<|im_start|>", "<|im_end|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"} {
					want = strings.ReplaceAll(want, s, "")
				}
				if dec := tk.Decode(ids); dec != want {
					t.Errorf("Decode(Tokenize(%q)) = %q", c.Text, dec)
				}
				// Streaming gives the same text, in whole characters only.
				d := tk.NewDecoder()
				var streamed strings.Builder
				for _, id := range ids {
					s := d.Next(id)
					if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
						t.Errorf("%q: the stream emitted %q", c.Text, s)
					}
					streamed.WriteString(s)
				}
				streamed.WriteString(d.Flush())
				wantStream := want
				if name == "llama2" {
					wantStream = " " + want // a continuation keeps its leading space
				}
				if streamed.String() != wantStream {
					t.Errorf("streamed %q, want %q", streamed.String(), wantStream)
				}
			}
		})
	}
}
