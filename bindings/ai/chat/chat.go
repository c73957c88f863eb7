// Package chat renders a conversation into the prompt a model was trained
// on, with the model's own Jinja chat template (tokenizer.chat_template in
// its GGUF file), the way Hugging Face's apply_chat_template and llama.cpp
// do: trim_blocks and lstrip_blocks on, bos_token and eos_token set,
// raise_exception and strftime_now available.
//
//	tmpl, err := chat.FromGGUF(f, tok)
//	prompt, err := tmpl.Render([]chat.Message{{Role: "user", Content: "Hi"}}, true)
//	ids := tok.Tokenize(prompt, false, true) // the template already wrote BOS
package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ardanlabs/jinja"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
)

// ChatML is the template used when a model has none, as llama.cpp does.
const ChatML = "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}{%- endfor -%}{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Template is a compiled chat template. It is safe for concurrent use.
type Template struct {
	tmpl     *jinja.Template
	bos, eos string
	// Now is the clock strftime_now reads (Llama 3.2 writes today's date
	// into its system prompt); time.Now when nil.
	Now func() time.Time
}

// New compiles a chat template; bos and eos are the texts of the model's
// BOS and EOS tokens, which templates write as bos_token and eos_token.
func New(source, bos, eos string) (*Template, error) {
	tmpl, err := jinja.Compile(source)
	if err != nil {
		return nil, fmt.Errorf("chat template: %w", err)
	}
	return &Template{tmpl: tmpl, bos: bos, eos: eos}, nil
}

// FromGGUF compiles the template of tokenizer.chat_template, or ChatML
// when the file has none.
func FromGGUF(f *gguf.File, tok *tokenizer.Text) (*Template, error) {
	src, ok := f.String("tokenizer.chat_template")
	if !ok || strings.TrimSpace(src) == "" {
		src = ChatML
	}
	return New(src, tok.Token(tok.BOS()), tok.Token(tok.EOS()))
}

// Render writes messages as the model's prompt; addGenerationPrompt ends
// it with the header of the assistant's turn. A template's
// raise_exception (roles that do not alternate, say) is an error.
func (t *Template) Render(messages []Message, addGenerationPrompt bool) (string, error) {
	msgs := make([]any, len(messages))
	for i, m := range messages {
		msgs[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	out, err := t.tmpl.RenderValues(map[string]jinja.Value{
		"messages":              jinja.FromGoValue(msgs),
		"add_generation_prompt": jinja.NewBool(addGenerationPrompt),
		"bos_token":             jinja.NewString(t.bos),
		"eos_token":             jinja.NewString(t.eos),
		"strftime_now": jinja.NewCallable("strftime_now", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
			if len(args) != 1 || !args[0].IsString() {
				return jinja.Value{}, errors.New("strftime_now takes one format string")
			}
			return jinja.NewString(strftime(now(), args[0].AsString())), nil
		}),
	})
	if err != nil {
		return "", fmt.Errorf("chat template: %w", err)
	}
	return out, nil
}

// strftime formats t as Python's time.strftime does, for the directives
// chat templates use; any other %x is kept as written.
func strftime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%04d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'B':
			b.WriteString(t.Month().String())
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'A':
			b.WriteString(t.Weekday().String())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

// Prompt renders messages with the generation prompt and tokenizes the
// result, parsing the special tokens the template wrote. BOS is added when
// the model wants it and the template did not write it already, so that a
// template starting with {{ bos_token }} does not give two (llama.cpp
// strips the template's instead, to the same effect).
func (t *Template) Prompt(tok *tokenizer.Text, messages []Message) ([]int, error) {
	text, err := t.Render(messages, true)
	if err != nil {
		return nil, err
	}
	ids := tok.Tokenize(text, false, true)
	if tok.AddBOS() && (len(ids) == 0 || ids[0] != tok.BOS()) {
		ids = append([]int{tok.BOS()}, ids...)
	}
	return ids, nil
}
