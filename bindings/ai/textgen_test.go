package ai

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/chat"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/llama"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

const llama32 = "@cf/meta/llama-3.2-1b-instruct"

// textDir is a models directory naming the committed llama (SentencePiece
// vocabulary, no chat template) and qwen2 (ChatML tokens) fixtures.
func textDir(t *testing.T) string {
	t.Helper()
	dir := modelsDir(t, `"`+llama32+`" = "llama.gguf"
"@cf/qwen/qwen2.5-coder-32b-instruct" = "qwen2.gguf"
`)
	for name, file := range map[string]string{"llama.gguf": "llama-tiny-f32.gguf", "qwen2.gguf": "qwen2-tiny-f32.gguf"} {
		abs, err := filepath.Abs(filepath.Join("..", "..", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// reference runs the fixture on its own: the tokens the binding must
// produce for prompt rendered as one user message, greedily.
func reference(t *testing.T, file string, messages []chat.Message, maxTokens int) (prompt, tokens []int, text string) {
	t.Helper()
	f, err := gguf.Open(filepath.Join("..", "..", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	pool := testutil.NewPool(t, kernels.SIMD, 1)
	g, err := LoadTextGeneration(f, pool)
	if err != nil {
		t.Fatal(err)
	}
	if prompt, err = g.Template.Prompt(g.Tokenizer, messages); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Model.Generate(context.Background(), prompt, llama.Params{MaxTokens: maxTokens},
		func(id int) error { tokens = append(tokens, id); return nil }); err != nil {
		t.Fatal(err)
	}
	return prompt, tokens, decodeAll(g, tokens)
}

func decodeAll(g *TextGeneration, ids []int) string {
	d := g.Tokenizer.NewDecoder()
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(d.Next(id))
	}
	b.WriteString(d.Flush())
	return b.String()
}

func runJSON(t *testing.T, r *Registry, model, inputs string) TextOutput {
	t.Helper()
	out, err := r.RunJSON(context.Background(), model, []byte(inputs))
	if err != nil {
		t.Fatalf("%s: %v", inputs, err)
	}
	var res TextOutput
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return res
}

// TestTextGeneration runs prompts and messages through the registry and
// compares them with the model run alone.
func TestTextGeneration(t *testing.T) {
	r, err := Open(textDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model, file, inputs string
		messages            []chat.Message
	}{
		{llama32, "llama-tiny-f32.gguf", `{"prompt": "hello world", "max_tokens": 12, "temperature": 0}`,
			[]chat.Message{{Role: "user", Content: "hello world"}}},
		{"@cf/qwen/qwen2.5-coder-32b-instruct", "qwen2-tiny-f32.gguf",
			`{"messages": [{"role": "system", "content": "the end"}, {"role": "user", "content": "hello"}], "max_tokens": 10, "temperature": 0}`,
			[]chat.Message{{Role: "system", Content: "the end"}, {Role: "user", Content: "hello"}}},
	} {
		var in map[string]any
		if err := json.Unmarshal([]byte(c.inputs), &in); err != nil {
			t.Fatal(err)
		}
		prompt, tokens, text := reference(t, c.file, c.messages, int(in["max_tokens"].(float64)))
		res := runJSON(t, r, c.model, c.inputs)
		want := Usage{len(prompt), len(tokens), len(prompt) + len(tokens)}
		if res.Usage != want {
			t.Errorf("%s: usage %+v, want %+v", c.inputs, res.Usage, want)
		}
		if res.Response != text || text == "" {
			t.Errorf("%s: response %q, want %q", c.inputs, res.Response, text)
		}
		t.Logf("%s: %q %+v", c.model, res.Response, res.Usage)

		// The same request streamed: the pieces make up the same response,
		// then the usage, then [DONE].
		streamed := strings.Replace(c.inputs, "{", `{"stream": true, `, 1)
		out, s, err := r.Respond(context.Background(), c.model, []byte(streamed))
		if err != nil || out != nil || s == nil {
			t.Fatalf("%s: %q, %v, %v", streamed, out, s, err)
		}
		events := readEvents(t, s)
		if n := len(events); n < 3 || events[n-1] != "[DONE]" {
			t.Fatalf("%s: events %q", streamed, events)
		}
		var joined strings.Builder
		for _, e := range events[:len(events)-2] {
			var piece map[string]any
			if err := json.Unmarshal([]byte(e), &piece); err != nil || len(piece) != 1 || piece["response"] == "" {
				t.Fatalf("event %q: %v", e, err)
			}
			joined.WriteString(piece["response"].(string))
		}
		var last TextOutput
		if err := json.Unmarshal([]byte(events[len(events)-2]), &last); err != nil || last.Response != "" || last.Usage != want {
			t.Errorf("usage event %q: %v", events[len(events)-2], err)
		}
		if joined.String() != res.Response {
			t.Errorf("streamed %q, not %q", joined.String(), res.Response)
		}
	}
}

// readEvents reads a stream of server-sent events to its end, checking
// that each is one data: line and a blank line.
func readEvents(t *testing.T, s io.ReadCloser) []string {
	t.Helper()
	defer s.Close()
	raw, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || !sc.Scan() || sc.Text() != "" {
			t.Fatalf("not one data line then a blank line at %q in %q", line, raw)
		}
		events = append(events, data)
	}
	return events
}

func TestTextGenerationSampling(t *testing.T) {
	r, err := Open(textDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := `{"prompt": "the end", "max_tokens": 16, "seed": 42, "temperature": 1.5, "top_k": 40, "top_p": 0.95, "repetition_penalty": 1.1, "frequency_penalty": 0.5, "presence_penalty": 0.5}`
	a, b := runJSON(t, r, llama32, in), runJSON(t, r, llama32, in)
	if a != b {
		t.Errorf("the same seed gave %+v and %+v", a, b)
	}
	c := runJSON(t, r, llama32, strings.Replace(in, `"seed": 42`, `"seed": 43`, 1))
	t.Logf("seed 42: %q; seed 43: %q", a.Response, c.Response)
}

func TestTextGenerationErrors(t *testing.T) {
	r, err := Open(textDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("hello world ", 70)
	for _, c := range []struct {
		inputs string
		code   int
		desc   string
	}{
		{`{}`, 5006, "Error: required properties at '/' are 'prompt' or 'messages'"},
		{`{"text": "x"}`, 5006, "Error: required properties at '/' are 'prompt' or 'messages'"},
		{`{"prompt": 3}`, 5006, "Error: type mismatch at '/prompt': a number is not a string"},
		{`{"prompt": ""}`, 5006, "Error: string at '/prompt' must have at least 1 character"},
		{`{"messages": "hi"}`, 5006, "Error: type mismatch at '/messages': a string is not an array"},
		{`{"messages": [{"role": "user"}]}`, 5006, "Error: required properties at '/messages/0' are 'role', 'content'"},
		{`{"messages": [{"role": "user", "content": 1}]}`, 5006, "Error: type mismatch at '/messages/0/content': a number is not a string"},
		{`{"prompt": "x", "max_tokens": 1.5}`, 5006, "Error: type mismatch at '/max_tokens': 1.5 is not an integer"},
		{`{"prompt": "x", "max_tokens": "8"}`, 5006, "Error: type mismatch at '/max_tokens': a string is not a number"},
		{`{"prompt": "x", "max_tokens": 0}`, 5006, "Error: value at '/max_tokens' must be at least 1, got 0"},
		{`{"prompt": "x", "temperature": 5.5}`, 5006, "Error: value at '/temperature' must be at most 5, got 5.5"},
		{`{"prompt": "x", "temperature": -1}`, 5006, "Error: value at '/temperature' must be at least 0, got -1"},
		{`{"prompt": "x", "top_p": 2.5}`, 5006, "Error: value at '/top_p' must be at most 2, got 2.5"},
		{`{"prompt": "x", "top_k": 0}`, 5006, "Error: value at '/top_k' must be at least 1, got 0"},
		{`{"prompt": "x", "top_k": 51}`, 5006, "Error: value at '/top_k' must be at most 50, got 51"},
		{`{"prompt": "x", "seed": 0}`, 5006, "Error: value at '/seed' must be at least 1, got 0"},
		{`{"prompt": "x", "seed": 1e10}`, 5006, "Error: value at '/seed' must be at most 9.999999999e+09, got 1e+10"},
		{`{"prompt": "x", "repetition_penalty": 3}`, 5006, "Error: value at '/repetition_penalty' must be at most 2, got 3"},
		{`{"prompt": "x", "presence_penalty": -0.5}`, 5006, "Error: value at '/presence_penalty' must be at least 0, got -0.5"},
		{`{"prompt": "x", "stream": "yes"}`, 5006, "Error: type mismatch at '/stream': a string is not a boolean"},
		// The fixture's context is 128 tokens: Workers AI's default
		// max_tokens (256) does not fit, nor does a long prompt.
		{`{"prompt": "x"}`, 5021, "The estimated number of input and maximum output tokens (307) exceeded this model context window limit (128)."},
		{`{"prompt": "` + long + `", "max_tokens": 8}`, 5021, "exceeded this model context window limit (128)."},
	} {
		_, err := r.RunJSON(context.Background(), llama32, []byte(c.inputs))
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != c.code || !strings.HasSuffix(ae.Description, c.desc) || ae.Name != "AiError" {
			t.Errorf("%.60s: error %v, want %d %q", c.inputs, err, c.code, c.desc)
		}
	}
}

// TestEventStreamClose checks that closing a stream stops its generation.
func TestEventStreamClose(t *testing.T) {
	r, err := Open(textDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, s, err := r.Respond(context.Background(), llama32, []byte(`{"prompt": "hello", "max_tokens": 64, "stream": true}`))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := s.Read(buf); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := io.ReadAll(s); !errors.Is(err, errStreamClosed) {
		t.Fatalf("read after close: %v", err)
	}
	// The generation saw the close: it ended with the stream's error and
	// wrote nothing more.
	s.mu.Lock()
	n := s.buf.Len()
	s.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d bytes written after close", n)
	}
	if _, err := r.RunJSON(context.Background(), llama32, []byte(`{"prompt": "hello", "stream": true, "max_tokens": 8}`)); err == nil {
		t.Error("RunJSON returned a stream as JSON")
	}
}
