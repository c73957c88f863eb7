package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/moltworker/molt/bindings/ai"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

func init() { aiSubcommands = append(aiSubcommands, aiRunCommand) }

// aiRunOptions are molt ai run's flags.
type aiRunOptions struct {
	prompt      string
	maxTokens   int
	temperature float64
	seed        int64
	raw         bool
	stream      bool
	json        bool
	dumpLogits  string
}

func aiRunCommand() *cobra.Command {
	var o aiRunOptions
	cmd := &cobra.Command{
		Use:   "run MODEL --prompt TEXT",
		Short: "Generate text with a model: a Workers AI name from models.toml or a .gguf file",
		Long: "molt ai run generates a response to --prompt with a llama, qwen2 or qwen3 GGUF model, as\n" +
			"env.AI.run does: the prompt goes through the model's chat template as one user message\n" +
			"unless --raw. --json prints the prompt's token ids, the generated ids and the text;\n" +
			"--dump-logits writes the logits after the last prompt token as a JSON array, for checking\n" +
			"against other implementations. Statistics go to stderr.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.prompt, "prompt", "", "the prompt (required)")
	f.IntVar(&o.maxTokens, "max-tokens", ai.DefaultMaxTokens, "most tokens to generate (default: 256, or what the context leaves)")
	f.Float64Var(&o.temperature, "temperature", ai.DefaultTemperature, "sampling temperature, 0 to 5; 0 picks the most likely token")
	f.Int64Var(&o.seed, "seed", 0, "random seed, 1 to 9999999999 (default: a random one)")
	f.BoolVar(&o.raw, "raw", false, "give the prompt to the model as it is, without the chat template")
	f.BoolVar(&o.stream, "stream", false, "print the text as it is generated")
	f.BoolVar(&o.json, "json", false, `print {"prompt_tokens": [...], "tokens": [...], "text": "..."}`)
	f.StringVar(&o.dumpLogits, "dump-logits", "", "write the logits of the last prompt position to `FILE` as a JSON array")
	cmd.MarkFlagRequired("prompt")
	return cmd
}

func (o *aiRunOptions) run(cmd *cobra.Command, model string) error {
	path, err := modelFile(cmd, model)
	if err != nil {
		return err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if arch := ai.Describe(f, path).Architecture; arch != "llama" && arch != "qwen2" && arch != "qwen3" {
		return fmt.Errorf("%s: general.architecture %q does not generate text (molt runs llama, qwen2 and qwen3)", path, arch)
	}
	pool, err := kernels.NewPool(kernels.SIMD, 0)
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	g, err := ai.LoadTextGeneration(f, pool)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	loaded := time.Since(start)

	inputs := map[string]any{"prompt": o.prompt, "raw": o.raw, "temperature": o.temperature, "max_tokens": float64(o.maxTokens)}
	fixed := cmd.Flags().Changed("max-tokens")
	if !fixed {
		inputs["max_tokens"] = 1.0 // the default is settled once the prompt's length is known
	}
	if cmd.Flags().Changed("seed") {
		inputs["seed"] = float64(o.seed)
	}
	req, err := g.Request(inputs)
	if err != nil {
		return err
	}
	if !fixed {
		req.Params.MaxTokens = min(ai.DefaultMaxTokens, g.Model.Context-len(req.Prompt))
	}

	out := cmd.OutOrStdout()
	var tokens []int
	var text strings.Builder
	var first time.Duration
	start = time.Now()
	res, err := g.Generate(cmd.Context(), req, func(id int, s string) error {
		if first == 0 {
			first = time.Since(start)
		}
		if id >= 0 {
			tokens = append(tokens, id)
		}
		text.WriteString(s)
		if o.stream && !o.json {
			_, err := fmt.Fprint(out, s)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if o.dumpLogits != "" {
		data, err := json.Marshal(res.PromptLogits)
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.dumpLogits, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	switch {
	case o.json:
		data, err := json.Marshal(struct {
			PromptTokens []int  `json:"prompt_tokens"`
			Tokens       []int  `json:"tokens"`
			Text         string `json:"text"`
		}{req.Prompt, append([]int{}, tokens...), text.String()})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", data)
	case o.stream:
		fmt.Fprintln(out)
	default:
		fmt.Fprintln(out, text.String())
	}
	stats := fmt.Sprintf("%d prompt tokens, %d generated (stop: %s); load %v, first token %v",
		res.PromptTokens, res.CompletionTokens, res.Stop, loaded.Round(time.Millisecond), first.Round(time.Microsecond))
	if n := res.CompletionTokens; n > 1 {
		stats += fmt.Sprintf(", %.1f tokens/s after it", float64(n-1)/(took-first).Seconds())
	}
	fmt.Fprintln(cmd.ErrOrStderr(), stats)
	return nil
}

// modelFile is the GGUF file model names: a path to a file, or a name in the models
// directory's models.toml.
func modelFile(cmd *cobra.Command, model string) (string, error) {
	if strings.HasSuffix(model, ".gguf") {
		if _, err := os.Stat(model); err != nil {
			return "", err
		}
		return model, nil
	}
	r, err := aiRegistry(cmd)
	if err != nil {
		return "", err
	}
	path, ok := r.File(model)
	if !ok {
		return "", fmt.Errorf("model %s is not in %s/%s (give a name listed by molt ai models, or a .gguf file)", model, r.Dir, ai.IndexFile)
	}
	return path, nil
}
