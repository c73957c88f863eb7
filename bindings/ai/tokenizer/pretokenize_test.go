package tokenizer

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestPreTokenizers compares the hand-written splitters with the real
// regular expressions, as Python's regex module matches them
// (testdata/pretokenize_gen.py wrote the expected pieces).
func TestPreTokenizers(t *testing.T) {
	data, err := os.ReadFile("testdata/pretokenize.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Pre    string   `json:"pre"`
		Text   string   `json:"text"`
		Pieces []string `json:"pieces"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		p, err := newPreTokenizer(c.Pre)
		if err != nil {
			t.Fatal(err)
		}
		got := p.split(c.Text)
		if len(got) == 0 && len(c.Pieces) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.Pieces) {
			t.Errorf("%s %q:\n got %q\nwant %q", c.Pre, c.Text, got, c.Pieces)
		}
	}
}

func TestUnknownPreTokenizer(t *testing.T) {
	if _, err := newPreTokenizer("made-up"); err == nil {
		t.Fatal("no error for an unknown tokenizer.ggml.pre")
	}
}

// FuzzPreTokenizers: every pre-tokenizer cuts any text into non-empty
// pieces that concatenate back to it.
func FuzzPreTokenizers(f *testing.F) {
	for _, s := range []string{"Hello, world!", "  a\n\n b 123456", "I'M don't", "日本語😀", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		for name, p := range preTokenizers {
			pieces := p.split(s)
			for _, piece := range pieces {
				if piece == "" {
					t.Fatalf("%s %q: empty piece in %q", name, s, pieces)
				}
			}
			if strings.Join(pieces, "") != s {
				t.Fatalf("%s %q: pieces %q", name, s, pieces)
			}
		}
	})
}
