package chat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/ai/gguf"
)

// TestRealTemplates renders the real chat templates of each model family
// and compares the prompts with what Python's Jinja2, set up as Hugging
// Face's apply_chat_template, renders (testdata/render_gen.py).
func TestRealTemplates(t *testing.T) {
	data, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Conversations map[string][]Message
		Cases         []struct {
			Template, Bos, Eos, Conversation string
			AddGenerationPrompt              bool `json:"add_generation_prompt"`
			Prompt, Error                    string
		}
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for _, c := range want.Cases {
		name := c.Template + "/" + c.Conversation
		if c.AddGenerationPrompt {
			name += "+generation"
		}
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata/templates", c.Template+".jinja"))
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := New(string(src), c.Bos, c.Eos)
			if err != nil {
				t.Fatal(err)
			}
			tmpl.Now = func() time.Time { return time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC) }
			got, err := tmpl.Render(want.Conversations[c.Conversation], c.AddGenerationPrompt)
			if c.Error != "" {
				if err == nil || !strings.Contains(err.Error(), c.Error) {
					t.Fatalf("error %v, want %q", err, c.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.Prompt {
				t.Fatalf("prompt\n%q\nwant\n%q", got, c.Prompt)
			}
		})
	}
}

func TestFromGGUF(t *testing.T) {
	meta := []gguf.KV{
		{Key: "tokenizer.ggml.model", Value: gguf.Value{V: "gpt2"}},
		{Key: "tokenizer.ggml.pre", Value: gguf.Value{V: "qwen2"}},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Value{V: []string{"<|im_start|>", "<|im_end|>", "a", "b", "ab"}}},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Value{V: []int32{3, 3, 1, 1, 1}}},
		{Key: "tokenizer.ggml.merges", Value: gguf.Value{V: []string{"a b"}}},
		{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Value{V: uint32(1)}},
	}
	// Without tokenizer.chat_template: ChatML, as llama.cpp falls back to.
	tmpl, tok := fromMeta(t, meta)
	got, err := tmpl.Render([]Message{{"user", "ab"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<|im_start|>user\nab<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Fatalf("ChatML prompt %q, want %q", got, want)
	}
	meta = append(meta, gguf.KV{Key: "tokenizer.chat_template", Value: gguf.Value{V: "{{ messages[0].content }}{{ eos_token }}"}})
	tmpl, _ = fromMeta(t, meta)
	if got, err := tmpl.Render([]Message{{"user", "ab"}}, false); err != nil || got != "ab<|im_end|>" {
		t.Fatalf("prompt %q, %v", got, err)
	}
	if ids := tok.Tokenize("<|im_start|>ab<|im_end|>", false, true); len(ids) != 3 {
		t.Fatalf("the rendered prompt's control tokens are not parsed: %v", ids)
	}
	if _, err := New("{% if %}", "", ""); err == nil || !strings.Contains(err.Error(), "chat template") {
		t.Fatalf("a broken template compiled: %v", err)
	}
}

func TestStrftime(t *testing.T) {
	at := time.Date(2024, 7, 6, 9, 5, 3, 0, time.UTC)
	for format, want := range map[string]string{
		"%d %b %Y":          "06 Jul 2024",
		"%Y-%m-%d %H:%M:%S": "2024-07-06 09:05:03",
		"%A %B %j %y %% %q": "Saturday July 188 24 % %q",
		"2006 Jan 02 %":     "2006 Jan 02 %", // Go layout words are text here
	} {
		if got := strftime(at, format); got != want {
			t.Errorf("strftime(%q) = %q, want %q", format, got, want)
		}
	}
}

func TestPromptHasOneBOS(t *testing.T) {
	meta := []gguf.KV{
		{Key: "tokenizer.ggml.model", Value: gguf.Value{V: "gpt2"}},
		{Key: "tokenizer.ggml.pre", Value: gguf.Value{V: "llama-bpe"}},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Value{V: []string{"<|begin_of_text|>", "<|eot_id|>", "H", "i", "Hi"}}},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Value{V: []int32{3, 3, 1, 1, 1}}},
		{Key: "tokenizer.ggml.merges", Value: gguf.Value{V: []string{"H i"}}},
		{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Value{V: uint32(0)}},
		{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Value{V: uint32(1)}},
	}
	for _, src := range []string{"{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", "{{ messages[0].content }}{{ eos_token }}"} {
		tmpl, tok := fromMeta(t, append(meta, gguf.KV{Key: "tokenizer.chat_template", Value: gguf.Value{V: src}}))
		ids, err := tmpl.Prompt(tok, []Message{{"user", "Hi"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 4, 1}; !slices.Equal(ids, want) {
			t.Errorf("%s: ids %v, want %v", src, ids, want)
		}
	}
}
