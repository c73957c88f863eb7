package ai

import (
	"context"
	"fmt"

	"github.com/moltworker/molt/bindings/ai/bert"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

func init() {
	Register("bert", func(f *gguf.File, pool *kernels.Pool) (Model, error) {
		m, err := bert.Load(f, pool)
		if err != nil {
			return nil, err
		}
		return &embeddings{m: m}, nil
	})
}

// maxTexts is the most texts one request embeds, as the input schema of
// Workers AI's bge models allows (text: maxItems 100).
const maxTexts = 100

// embeddings is a BERT model answering the Text Embeddings task with the
// input and output schema of Workers AI's @cf/baai/bge-* models.
type embeddings struct{ m *bert.Model }

func (e *embeddings) Task() string { return "Text Embeddings" }

// Embeddings is the output of the Text Embeddings task.
type Embeddings struct {
	Shape   [2]int      `json:"shape"`
	Data    [][]float32 `json:"data"`
	Pooling string      `json:"pooling"`
}

// Run embeds inputs.text (a string or an array of strings) with
// inputs.pooling ("mean", the default, as Workers AI's, or "cls"); each
// vector is L2-normalised.
func (e *embeddings) Run(ctx context.Context, inputs map[string]any) (any, error) {
	texts, err := textInput(inputs["text"], inputs)
	if err != nil {
		return nil, err
	}
	pooling, p := "mean", bert.PoolMean
	if v, ok := inputs["pooling"]; ok {
		switch v {
		case "mean":
		case "cls":
			pooling, p = "cls", bert.PoolCLS
		default:
			return nil, InvalidInput(fmt.Sprintf("Error: value at '/pooling' must be one of 'mean', 'cls', got %s", describe(v)))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := e.m.EmbedBatch(texts, p)
	if err != nil {
		return nil, fmt.Errorf("ai: embedding: %w", err)
	}
	return Embeddings{Shape: [2]int{len(data), e.m.Hidden}, Data: data, Pooling: pooling}, nil
}

// textInput checks the text field against the schema: a string, or an
// array of 1 to maxTexts strings.
func textInput(v any, inputs map[string]any) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		if len(t) == 0 || len(t) > maxTexts {
			return nil, InvalidInput(fmt.Sprintf("Error: array at '/text' must have 1 to %d items, got %d", maxTexts, len(t)))
		}
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, InvalidInput(fmt.Sprintf("Error: type mismatch at '/text/%d': %s is not a string", i, describe(e)))
			}
			out[i] = s
		}
		return out, nil
	}
	if _, ok := inputs["text"]; !ok {
		return nil, InvalidInput("Error: required properties at '/' are 'text'")
	}
	return nil, InvalidInput(fmt.Sprintf("Error: type mismatch at '/text': %s is not a string or an array of strings", describe(v)))
}

// describe names a JSON value's type for an error.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
