package tokenizer

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// withAllBytes adds the 256 single-byte pieces (byte-level characters for
// BPE) that a cut vocabulary may lack, so that any text round-trips.
func withAllBytes(v realVocab) realVocab {
	have := map[string]bool{}
	for _, tok := range v.Tokens {
		have[tok] = true
	}
	v.Tokens = append([]string(nil), v.Tokens...)
	v.Types = append([]int32(nil), v.Types...)
	for b := 0; b < 256; b++ {
		if s := string(byteToRune[b]); v.Model == "gpt2" && !have[s] {
			v.Tokens = append(v.Tokens, s)
			v.Types = append(v.Types, int32(TypeNormal))
		}
	}
	return v
}

func TestStreamingHoldsPartialCharacters(t *testing.T) {
	tk := loadRealVocab(t, "llama2").textTokenizer(t, nil)
	// 🦙 is not in the vocabulary: four byte tokens.
	ids := tk.Tokenize("🦙", false, false)
	if got := tk.tokenStrings(ids); !reflect.DeepEqual(got, []string{"▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"}) {
		t.Fatalf("tokens %q", got)
	}
	d := tk.NewDecoder()
	var got []string
	for _, id := range ids {
		got = append(got, d.Next(id))
	}
	if want := []string{" ", "", "", "", "🦙"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("stream %q, want %q", got, want)
	}
	// A character cut off by the end of generation, or bytes that are no
	// character at all, come out as U+FFFD.
	d = tk.NewDecoder()
	if s := d.Next(ids[1]) + d.Next(ids[2]); s != "" {
		t.Fatalf("partial character emitted: %q", s)
	}
	if s := d.Flush(); s != "\uFFFD" {
		t.Fatalf("Flush = %q", s)
	}
	cont, _ := tk.ID("<0x99>")
	if s := d.Next(cont); s != "\uFFFD" {
		t.Fatalf("a lone continuation byte gave %q", s)
	}

	// Byte-level BPE: 👨‍👩‍👧's pieces end mid-character too.
	bpe := loadRealVocab(t, "llama3").textTokenizer(t, nil)
	ids = bpe.Tokenize("a 👨‍👩‍👧 b", false, false)
	d = bpe.NewDecoder()
	var all strings.Builder
	for _, id := range ids {
		s := d.Next(id)
		if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
			t.Fatalf("stream emitted %q", s)
		}
		all.WriteString(s)
	}
	if all.String() != "a 👨‍👩‍👧 b" {
		t.Fatalf("streamed %q", all.String())
	}
}

func TestTextSpecialTokens(t *testing.T) {
	v := loadRealVocab(t, "qwen3")
	tk := v.textTokenizer(t, nil)
	prompt := "<|im_start|>user\nHi<|im_end|>"
	// Parsed, the control tokens are single tokens; not parsed, they are text.
	if got := tk.tokenStrings(tk.Tokenize(prompt, false, true)); got[0] != "<|im_start|>" || got[len(got)-1] != "<|im_end|>" {
		t.Fatalf("parsed: %q", got)
	}
	plain := tk.tokenStrings(tk.Tokenize(prompt, false, false))
	for _, s := range plain {
		if s == "<|im_start|>" || s == "<|im_end|>" {
			t.Fatalf("unparsed text became a control token: %q", plain)
		}
	}
	end, _ := tk.ID("<|im_end|>")
	if !tk.IsEOG(end) || tk.IsEOG(tk.Tokenize("Hi", false, false)[0]) {
		t.Fatal("IsEOG")
	}
	if tk.AddBOS() || tk.BOS() != -1 {
		t.Fatalf("qwen adds no BOS: AddBOS %v BOS %d", tk.AddBOS(), tk.BOS())
	}
	if len(tk.Piece(end)) != 0 {
		t.Fatal("a control token has text")
	}

	// A user-defined token is matched even when specials are not parsed.
	v = withAllBytes(v)
	v.Tokens = append(v.Tokens, "<think>")
	v.Types = append(v.Types, int32(TypeUserDefined))
	tk = v.textTokenizer(t, nil)
	got := tk.tokenStrings(tk.Tokenize("a<think>b", false, false))
	if !reflect.DeepEqual(got, []string{"a", "<think>", "b"}) {
		t.Fatalf("user-defined: %q", got)
	}
	if s := tk.Decode(tk.Tokenize("a<think>b", false, false)); s != "a<think>b" {
		t.Fatalf("Decode = %q", s)
	}
}

func TestAddBOSAndEOS(t *testing.T) {
	v := loadRealVocab(t, "llama2")
	cases := []struct {
		extra      map[string]any
		addSpecial bool
		want       []string
	}{
		{nil, true, []string{"<s>", "▁Hello"}},
		{nil, false, []string{"▁Hello"}},
		{map[string]any{"tokenizer.ggml.add_eos_token": true}, true, []string{"<s>", "▁Hello", "</s>"}},
		{map[string]any{"tokenizer.ggml.add_bos_token": false}, true, []string{"▁Hello"}},
		{map[string]any{"tokenizer.ggml.add_space_prefix": false}, false, []string{"Hello"}},
	}
	for _, c := range cases {
		tk := v.textTokenizer(t, c.extra)
		if got := tk.tokenStrings(tk.Tokenize("Hello", c.addSpecial, false)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v addSpecial=%v: %q, want %q", c.extra, c.addSpecial, got, c.want)
		}
	}
	tk := v.textTokenizer(t, nil)
	if got := tk.Encode(""); !reflect.DeepEqual(got, []int{tk.BOS()}) {
		t.Errorf(`Encode("") = %v, want just BOS`, got)
	}
	llama3 := loadRealVocab(t, "llama3").textTokenizer(t, nil)
	if got := llama3.tokenStrings(llama3.Encode("Hello")); !reflect.DeepEqual(got, []string{"<|begin_of_text|>", "Hello"}) {
		t.Errorf("llama-bpe adds BOS by default: %q", got)
	}
}

func TestTextErrors(t *testing.T) {
	base := func(model string) map[string]any {
		return map[string]any{"tokenizer.ggml.model": model, "tokenizer.ggml.tokens": []string{"<unk>", "<s>", "</s>", "a", "b", "ab"}}
	}
	with := func(m map[string]any, kv ...any) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		meta map[string]any
		want string
	}{
		{"no scores", base("llama"), "tokenizer.ggml.scores is missing"},
		{"short scores", with(base("llama"), "tokenizer.ggml.scores", []float32{0}), "want 6 float32"},
		{"no merges", base("gpt2"), "tokenizer.ggml.merges is missing"},
		{"bad merge", with(base("gpt2"), "tokenizer.ggml.merges", []string{"ab"}), `merges[0] = "ab"`},
		{"unknown pre", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.pre", "nope"), `tokenizer.ggml.pre "nope"`},
		{"bad token type", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.token_type", []int32{1, 1, 1, 9, 1, 1}), "token_type[3] = 9"},
		{"short token types", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.token_type", []int32{1}), "want 6 int32"},
		{"bos out of range", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.bos_token_id", uint32(6)), "bos_token_id = 6"},
		{"add_bos not bool", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.add_bos_token", uint8(1)), "add_bos_token = 1 is not a bool"},
		{"add_bos without bos", with(base("gpt2"), "tokenizer.ggml.merges", []string{"a b"}, "tokenizer.ggml.add_bos_token", true), "no bos token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromGGUF(ggufFile(t, c.meta))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := NewText(ggufFile(t, base("bert"))); err == nil {
		t.Fatal("NewText accepted a bert vocabulary")
	}
}

// FuzzRoundTrip: decoding what was encoded gives the text back, for any
// text, with every tokenizer kind; and nothing panics when specials are
// parsed.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"Hello world", "  \n\t x", "日本語 😀 café", "12345 don't", "<s><|im_start|>", "\x00\xff"} {
		f.Add(s)
	}
	var toks []*Text
	for _, name := range []string{"llama2", "llama3", "qwen3"} {
		toks = append(toks, withAllBytes(loadRealVocab(f, name)).textTokenizer(f, nil))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range toks {
			tk.Tokenize(s, true, true)
			if !utf8.ValidString(s) || strings.Contains(s, phantomSpace) {
				continue // SentencePiece reads ▁ as a space; invalid UTF-8 decodes as U+FFFD
			}
			ids := tk.Tokenize(s, false, false)
			if got := tk.Decode(ids); got != s {
				t.Fatalf("%s: Decode(Tokenize(%q)) = %q (tokens %q)", tk.tokens[3], s, got, tk.tokenStrings(ids))
			}
			d := tk.NewDecoder()
			var b strings.Builder
			for _, id := range ids {
				b.WriteString(d.Next(id))
			}
			b.WriteString(d.Flush())
			want := s
			if tk.kind == sentencePiece && s != "" {
				want = " " + s // the prefixed space, kept by a continuation
			}
			if b.String() != want {
				t.Fatalf("streamed %q, want %q", b.String(), s)
			}
		}
	})
}
