package ai

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/moltworker/molt/bindings/ai/chat"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/llama"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
	"github.com/moltworker/molt/kernels"
)

func init() {
	for _, arch := range []string{"llama", "qwen2", "qwen3"} {
		Register(arch, func(f *gguf.File, pool *kernels.Pool) (Model, error) {
			return LoadTextGeneration(f, pool)
		})
	}
}

// CodeContextWindow is the error Workers AI raises when the prompt and
// max_tokens do not fit in the model's context (observed as "5021: The
// estimated number of input and maximum output tokens (N) exceeded this
// model context window limit (M)."; the code is not in the documented
// error table).
const CodeContextWindow = 5021

// The input schema of Workers AI's text generation models, as the model
// pages list it for @cf/meta/llama-3.x-*-instruct (developers.cloudflare.com
// /workers-ai/models/llama-3.2-1b-instruct): prompt 1 to 131072 characters,
// max_tokens default 256, temperature default 0.6.
const (
	DefaultMaxTokens   = 256
	DefaultTemperature = 0.6
	maxPromptLength    = 131072
	maxSeed            = 9999999999
)

// TextGeneration is a llama-family model (llama, qwen2, qwen3) with its
// tokenizer and chat template, answering the Text Generation task with the
// input and output schema of Workers AI's @cf/meta/llama-* models.
type TextGeneration struct {
	Model     *llama.Model
	Tokenizer *tokenizer.Text
	Template  *chat.Template
}

// LoadTextGeneration uploads f's weights into pool and reads its tokenizer
// and chat template (ChatML when the file has none).
func LoadTextGeneration(f *gguf.File, pool *kernels.Pool) (*TextGeneration, error) {
	tok, err := tokenizer.NewText(f)
	if err != nil {
		return nil, err
	}
	tmpl, err := chat.FromGGUF(f, tok)
	if err != nil {
		return nil, err
	}
	m, err := llama.Load(f, pool)
	if err != nil {
		return nil, err
	}
	return &TextGeneration{Model: m, Tokenizer: tok, Template: tmpl}, nil
}

// Task is "Text Generation".
func (g *TextGeneration) Task() string { return "Text Generation" }

// TextRequest is a checked Text Generation input: the prompt's tokens and
// how to sample.
type TextRequest struct {
	Prompt []int
	Params llama.Params
	Stream bool
}

// TextOutput is the output of the Text Generation task.
type TextOutput struct {
	Response string `json:"response"`
	Usage    Usage  `json:"usage"`
}

// Usage counts the tokens of a generation.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func usage(res llama.Result) Usage {
	return Usage{res.PromptTokens, res.CompletionTokens, res.PromptTokens + res.CompletionTokens}
}

// Run generates a response to inputs.prompt or inputs.messages. With
// inputs.stream it returns an *EventStream of server-sent events at once
// and generates as the stream is read; otherwise a TextOutput.
func (g *TextGeneration) Run(ctx context.Context, inputs map[string]any) (any, error) {
	req, err := g.Request(inputs)
	if err != nil {
		return nil, err
	}
	if req.Stream {
		return g.stream(ctx, req), nil
	}
	var text strings.Builder
	res, err := g.Generate(ctx, req, func(_ int, s string) error { text.WriteString(s); return nil })
	if err != nil {
		return nil, err
	}
	return TextOutput{Response: text.String(), Usage: usage(res)}, nil
}

// Generate runs req, passing each token to emit as it is generated with
// the text it completes: whole UTF-8 characters, "" when the token ends
// in the middle of one. When generation ends in the middle of a character,
// a last call with id -1 gives U+FFFD for it.
func (g *TextGeneration) Generate(ctx context.Context, req *TextRequest, emit func(id int, text string) error) (llama.Result, error) {
	dec := g.Tokenizer.NewDecoder()
	res, err := g.Model.Generate(ctx, req.Prompt, req.Params, func(id int) error {
		return emit(id, dec.Next(id))
	})
	if err != nil {
		return res, fmt.Errorf("ai: generating: %w", err)
	}
	if s := dec.Flush(); s != "" {
		err = emit(-1, s)
	}
	return res, err
}

// Request checks inputs against the Text Generation input schema and
// builds the prompt: messages, or a prompt as one user message, through
// the model's chat template; a raw prompt as it is. Inputs that do not fit
// the schema are 5006 errors; a prompt and max_tokens that do not fit the
// model's context, 5021.
func (g *TextGeneration) Request(inputs map[string]any) (*TextRequest, error) {
	c := checker{inputs: inputs}
	raw := c.boolean("raw")
	req := &TextRequest{Stream: c.boolean("stream")}
	p := &req.Params
	p.MaxTokens = int(c.number("max_tokens", DefaultMaxTokens, 1, math.MaxInt32, true))
	p.Temperature = c.number("temperature", DefaultTemperature, 0, 5, false)
	topP := c.number("top_p", 1, 0, 2, false)
	p.TopK = int(c.number("top_k", 0, 1, 50, true))
	seed := c.number("seed", 0, 1, maxSeed, true)
	p.RepetitionPenalty = c.number("repetition_penalty", 0, 0, 2, false)
	p.FrequencyPenalty = c.number("frequency_penalty", 0, 0, 2, false)
	p.PresencePenalty = c.number("presence_penalty", 0, 0, 2, false)
	messages := c.messages()
	if c.err != nil {
		return nil, c.err
	}
	switch {
	case topP == 0: // nothing but the most likely token
		p.TopK = 1
	case topP < 1:
		p.TopP = topP
	}
	if seed == 0 {
		p.Seed = rand.Uint64()
	} else {
		p.Seed = uint64(seed)
	}
	var err error
	if raw {
		text := ""
		for i, m := range messages {
			if i > 0 {
				text += "\n"
			}
			text += m.Content
		}
		req.Prompt = g.Tokenizer.Tokenize(text, false, true)
		if t := g.Tokenizer; t.AddBOS() && (len(req.Prompt) == 0 || req.Prompt[0] != t.BOS()) {
			req.Prompt = append([]int{t.BOS()}, req.Prompt...)
		}
	} else if req.Prompt, err = g.Template.Prompt(g.Tokenizer, messages); err != nil {
		return nil, InvalidInput(fmt.Sprintf("Error: %v", err))
	}
	if n := len(req.Prompt) + p.MaxTokens; n > g.Model.Context {
		return nil, ContextWindow(n, g.Model.Context)
	}
	return req, nil
}

// ContextWindow is the error for a prompt of n-max_tokens tokens that
// leaves no room for max_tokens in a context of limit tokens.
func ContextWindow(n, limit int) *Error {
	return &Error{Code: CodeContextWindow, Name: "AiError", Description: fmt.Sprintf(
		"The estimated number of input and maximum output tokens (%d) exceeded this model context window limit (%d).", n, limit)}
}

// checker reads the fields of a Text Generation input, keeping the first
// error.
type checker struct {
	inputs map[string]any
	err    error
}

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = InvalidInput(fmt.Sprintf(format, args...))
	}
}

func (c *checker) boolean(name string) bool {
	v, ok := c.inputs[name]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		c.fail("Error: type mismatch at '/%s': %s is not a boolean", name, describe(v))
	}
	return b
}

// number reads a number in [lo, hi], an integer when integer is set, or def
// when absent.
func (c *checker) number(name string, def, lo, hi float64, integer bool) float64 {
	v, ok := c.inputs[name]
	if !ok {
		return def
	}
	x, ok := v.(float64)
	switch {
	case !ok:
		c.fail("Error: type mismatch at '/%s': %s is not a number", name, describe(v))
	case integer && x != math.Trunc(x):
		c.fail("Error: type mismatch at '/%s': %v is not an integer", name, x)
	case x < lo:
		c.fail("Error: value at '/%s' must be at least %v, got %v", name, lo, x)
	case x > hi:
		c.fail("Error: value at '/%s' must be at most %v, got %v", name, hi, x)
	default:
		return x
	}
	return def
}

// messages reads inputs.messages, or inputs.prompt as one user message.
func (c *checker) messages() []chat.Message {
	if v, ok := c.inputs["prompt"]; ok {
		s, ok := v.(string)
		switch {
		case !ok:
			c.fail("Error: type mismatch at '/prompt': %s is not a string", describe(v))
		case len(s) < 1:
			c.fail("Error: string at '/prompt' must have at least 1 character")
		case len(s) > maxPromptLength:
			c.fail("Error: string at '/prompt' must have at most %d characters, got %d", maxPromptLength, len(s))
		}
		return []chat.Message{{Role: "user", Content: s}}
	}
	v, ok := c.inputs["messages"]
	if !ok {
		c.fail("Error: required properties at '/' are 'prompt' or 'messages'")
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		c.fail("Error: type mismatch at '/messages': %s is not an array", describe(v))
		return nil
	}
	out := make([]chat.Message, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			c.fail("Error: type mismatch at '/messages/%d': %s is not an object", i, describe(e))
			continue
		}
		for _, field := range []string{"role", "content"} {
			f, ok := m[field]
			if !ok {
				c.fail("Error: required properties at '/messages/%d' are 'role', 'content'", i)
				break
			}
			s, ok := f.(string)
			if !ok {
				c.fail("Error: type mismatch at '/messages/%d/%s': %s is not a string", i, field, describe(f))
			}
			if field == "role" {
				out[i].Role = s
			} else {
				out[i].Content = s
			}
		}
	}
	return out
}
