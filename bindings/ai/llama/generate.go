package llama

import (
	"context"
	"fmt"
)

// Stop reasons reported in Result.
const (
	StopEOG     = "stop"    // the model produced an end-of-generation token
	StopLength  = "length"  // MaxTokens reached
	StopContext = "context" // the context is full
)

// Result summarises a generation.
type Result struct {
	PromptTokens     int
	CompletionTokens int
	Stop             string // StopEOG, StopLength or StopContext
	// Logits after the last prompt token (Vocab values), for checking a
	// model against other implementations.
	PromptLogits []float32
}

// Generate feeds prompt to a new sequence, then samples tokens with p and
// passes each to emit until an end-of-generation token (not emitted),
// p.MaxTokens tokens, or a full context. An error from emit, or ctx ending,
// stops generation and is returned with the result so far.
func (m *Model) Generate(ctx context.Context, prompt []int, p Params, emit func(id int) error) (Result, error) {
	res := Result{PromptTokens: len(prompt)}
	smp, err := NewSampler(p)
	if err != nil {
		return res, err
	}
	m.sched.begin()
	defer m.sched.end()
	seq := m.NewSequence()
	logits, err := seq.Prefill(prompt)
	if err != nil {
		return res, err
	}
	res.PromptLogits = logits
	smp.Prompt(prompt)
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		id := smp.Sample(logits)
		if m.EOG[id] {
			res.Stop = StopEOG
			return res, nil
		}
		res.CompletionTokens++
		if err := emit(id); err != nil {
			return res, err
		}
		switch {
		case p.MaxTokens > 0 && res.CompletionTokens >= p.MaxTokens:
			res.Stop = StopLength
			return res, nil
		case seq.Len() >= m.Context:
			res.Stop = StopContext
			return res, nil
		}
		if logits, err = seq.Decode(id); err != nil {
			return res, fmt.Errorf("llama: decoding token %d: %w", res.CompletionTokens, err)
		}
	}
}
