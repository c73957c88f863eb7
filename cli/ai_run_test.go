package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/llama"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// greedy runs file's model alone on the raw prompt: its ids, the greedy tokens and the logits
// after the prompt.
func greedy(t *testing.T, file, prompt string, n int) (ids, tokens []int, logits []float32) {
	t.Helper()
	f, err := gguf.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.NewText(f)
	if err != nil {
		t.Fatal(err)
	}
	pool := testutil.NewPool(t, kernels.SIMD, 1)
	m, err := llama.Load(f, pool)
	if err != nil {
		t.Fatal(err)
	}
	ids = tok.Tokenize(prompt, true, true)
	res, err := m.Generate(context.Background(), ids, llama.Params{MaxTokens: n}, func(id int) error {
		tokens = append(tokens, id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, tokens, res.PromptLogits
}

func TestAIRun(t *testing.T) {
	for _, file := range []string{"llama-tiny-f32.gguf", "llama-tiny-q8_0.gguf", "qwen2-tiny-f32.gguf", "qwen3-tiny-f32.gguf"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("..", "testdata", file)
			ids, want, wantLogits := greedy(t, path, "hello world, the end", 10)
			dump := filepath.Join(t.TempDir(), "logits.json")
			var out, errOut bytes.Buffer
			args := []string{"ai", "run", path, "--prompt", "hello world, the end", "--raw", "--temperature", "0",
				"--max-tokens", "10", "--json", "--dump-logits", dump}
			if code := run(context.Background(), args, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var got struct {
				PromptTokens []int `json:"prompt_tokens"`
				Tokens       []int `json:"tokens"`
				Text         string
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if !slices.Equal(got.PromptTokens, ids) || !slices.Equal(got.Tokens, want) {
				t.Fatalf("prompt %v, tokens %v; want %v, %v", got.PromptTokens, got.Tokens, ids, want)
			}
			raw, err := os.ReadFile(dump)
			if err != nil {
				t.Fatal(err)
			}
			var logits []float32
			if err := json.Unmarshal(raw, &logits); err != nil || len(logits) != len(wantLogits) {
				t.Fatalf("logits: %d values, %v", len(logits), err)
			}
			for i := range logits {
				if logits[i] != wantLogits[i] {
					t.Fatalf("logit %d is %v, want %v", i, logits[i], wantLogits[i])
				}
			}
			if !strings.Contains(errOut.String(), "prompt tokens, ") {
				t.Errorf("stats: %q", errOut.String())
			}

			// --stream prints the same text as it comes; without --json, the text alone.
			var plain, streamed bytes.Buffer
			base := []string{"ai", "run", path, "--prompt", "hello world, the end", "--raw", "--temperature", "0", "--max-tokens", "10"}
			if code := run(context.Background(), base, &plain, &errOut); code != 0 {
				t.Fatal(errOut.String())
			}
			if code := run(context.Background(), append(base, "--stream"), &streamed, &errOut); code != 0 {
				t.Fatal(errOut.String())
			}
			if plain.String() != got.Text+"\n" || streamed.String() != plain.String() {
				t.Errorf("text %q, streamed %q, json %q", plain.String(), streamed.String(), got.Text)
			}
		})
	}
}

func TestAIRunByName(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs("../testdata/qwen2-tiny-f32.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models.toml"), []byte(`"@cf/qwen/qwen1.5-0.5b-chat" = "`+abs+`"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	// Through the chat template, with sampling, default max tokens (what the context leaves).
	args := []string{"ai", "run", "@cf/qwen/qwen1.5-0.5b-chat", "--models", dir, "--prompt", "hello", "--seed", "7", "--json"}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got struct {
		PromptTokens []int `json:"prompt_tokens"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got.PromptTokens) < 2 || got.PromptTokens[1] != 3 {
		t.Fatalf("%s: %v (want BOS, then the ChatML template's <|im_start|>, id 3)", out.String(), err)
	}
	again := bytes.Buffer{}
	if run(context.Background(), args, &again, &errOut); again.String() != out.String() {
		t.Errorf("seed 7 twice: %s and %s", out.String(), again.String())
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ai", "run", "@cf/missing/model", "--models", dir, "--prompt", "x"}, "is not in"},
		{[]string{"ai", "run", "../testdata/bert-tiny.gguf", "--prompt", "x"}, `"bert" does not generate text`},
		{[]string{"ai", "run", "../testdata/llama-tiny-f32.gguf", "--prompt", "x", "--max-tokens", "500"}, "5021: The estimated number"},
		{[]string{"ai", "run", "../testdata/llama-tiny-f32.gguf", "--prompt", "x", "--temperature", "7"}, "5006: Error: value at '/temperature' must be at most 5"},
		{[]string{"ai", "run", "../testdata/llama-tiny-f32.gguf"}, `"prompt" not set`},
	} {
		errOut.Reset()
		if code := run(context.Background(), c.args, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut.String(), c.want)
		}
	}
}
