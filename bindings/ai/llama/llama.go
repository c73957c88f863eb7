// Package llama runs decoder-only transformers of the llama family from GGUF
// files, as llama.cpp's converter writes them: general.architecture "llama"
// (Llama 2/3, Mistral, TinyLlama, SmolLM2), "qwen2" (q/k/v biases) and
// "qwen3" (per-head RMS norms of q and k). Matrix products, norms,
// activations and attention run on the Wasm kernels of a kernels.Pool; RoPE
// (a few hundred multiplies per token) is computed in Go.
//
// The model works on token ids; tokenizers live in bindings/ai/tokenizer.
//
//	pool, _ := kernels.NewPool(kernels.SIMD, 0)
//	f, _ := gguf.Open("qwen2.5-0.5b-instruct-q8_0.gguf")
//	m, err := llama.Load(f, pool)
//
//	// Token by token, with the logits:
//	seq := m.NewSequence()
//	logits, err := seq.Prefill(promptIDs) // logits of the last prompt position
//	logits, err = seq.Decode(nextID)
//
//	// Or the generation loop, with sampling and end-of-generation tokens:
//	res, err := m.Generate(ctx, promptIDs, llama.Params{MaxTokens: 256, Temperature: 0.6, Seed: 1},
//		func(id int) error { fmt.Print(tok.Decode([]int{id})); return nil })
//
// Weights are uploaded into the pool once at Load; every Sequence shares
// them and keeps only its own KV cache (float32, 2 × layers × kv heads ×
// head size × 4 bytes per token). A Pool keeps what was uploaded to it
// until it is closed, so give each model its own Pool to be able to unload
// it.
//
// # Scheduling
//
// Every forward pass of every Sequence of a Model goes through one
// scheduler. It runs the pending requests of all sequences as one batch:
// their new tokens become the rows of one matrix product per weight matrix,
// so the weights are read once per step for all active sequences (batched
// decode), and a prompt being prefilled simply contributes more rows.
// Attention runs per sequence over its own cache. A pass takes at most 512
// tokens, so a long prompt is fed in chunks beside the other sequences'
// decode steps. While Generate calls are in progress the scheduler waits
// (at most DefaultBatchWait) until each of them has its next token queued
// before it runs a step, so concurrent generations advance together
// instead of taking turns. The quantized products are compute-bound under
// wazero, so a batch of four costs nearly four times one row's arithmetic:
// batching saves the weight traffic and the per-call overhead, not the
// multiplications.
package llama

import (
	"fmt"
	"math"
	"strings"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// Config is the model's shape and constants, read from <arch>.* metadata.
type Config struct {
	Arch      string  // general.architecture
	Context   int     // context_length: most tokens a sequence may hold
	Hidden    int     // embedding_length
	FFN       int     // feed_forward_length
	Layers    int     // block_count
	Heads     int     // attention.head_count
	KVHeads   int     // attention.head_count_kv (grouped-query attention when < Heads)
	HeadDim   int     // attention.key_length (Hidden/Heads when absent)
	Vocab     int     // rows of token_embd
	Eps       float32 // attention.layer_norm_rms_epsilon
	RopeBase  float64 // rope.freq_base (10000 when absent)
	RopeScale float64 // rope.scaling.factor for linear scaling (positions are divided by it); 1 otherwise
	// NeoX rotates the pairs (x[i], x[i+HeadDim/2]) as llama.cpp does for
	// qwen2 and qwen3; llama rotates adjacent pairs (x[2i], x[2i+1]).
	NeoX bool
	// EOG holds the end-of-generation tokens: eos, eot and eom ids, and the
	// control tokens llama.cpp also treats as ending a turn.
	EOG map[int]bool
	BOS int // tokenizer.ggml.bos_token_id, or -1
}

// Model is a loaded model. It is safe for concurrent use: each generation
// uses its own Sequence.
type Model struct {
	Config
	pool *kernels.Pool

	tokEmbd   embedding
	outNorm   []float32
	output    stacked
	ropeFreqs []float32 // rope_freqs.weight (llama 3.1 scaling), or nil
	blocks    []block

	sched scheduler
}

type embedding struct {
	typ  gguf.Type
	data []byte
	cols int
}

type block struct {
	attnNorm, ffnNorm []float32
	qkv               stacked   // rows: q (Heads*HeadDim), k, v (KVHeads*HeadDim each)
	qkvBias           []float32 // qwen2, or nil
	qNorm, kNorm      []float32 // qwen3: per-head RMS norm weights, or nil
	o                 stacked
	gateUp            stacked // rows: gate (FFN), then up (FFN)
	down              stacked
}

// stacked is a weight matrix whose rows are those of one or more tensors
// (q, k and v; gate and up): one product computes them together, which
// saves calls and lets the pool split a larger matrix evenly. Tensors of
// the same type share one kernels.Matrix; files that mix types (Q4_K_M
// keeps v in Q6_K) get one Matrix per run of a type.
type stacked []*kernels.Matrix

// kernelTypes maps the GGUF tensor types the kernels compute with.
var kernelTypes = map[gguf.Type]kernels.Type{
	gguf.F32: kernels.F32, gguf.F16: kernels.F16, gguf.Q8_0: kernels.Q8_0, gguf.Q4_0: kernels.Q4_0,
	gguf.Q4_K: kernels.Q4_K, gguf.Q5_K: kernels.Q5_K, gguf.Q6_K: kernels.Q6_K,
}

// endOfTurn are control tokens llama.cpp treats as end of generation
// wherever a vocabulary has them (llama_vocab's EOG detection).
var endOfTurn = map[string]bool{
	"<|eot_id|>": true, "<|im_end|>": true, "<|end|>": true, "<end_of_turn>": true,
	"<|endoftext|>": true, "<|eom_id|>": true, "<EOT>": true, "<|end_of_text|>": true,
}

// Load reads the configuration of a llama, qwen2 or qwen3 model and uploads
// its weights into pool.
func Load(f *gguf.File, pool *kernels.Pool) (*Model, error) {
	cfg, err := readConfig(f)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, pool: pool}
	m.sched.init(m)
	l := loader{f: f, pool: pool}
	emb := l.tensorInfo("token_embd.weight", m.Hidden, 0)
	if l.err != nil {
		return nil, l.err
	}
	m.Vocab = int(emb.Elements()) / m.Hidden
	data, err := f.TensorData(emb)
	if err != nil {
		return nil, fmt.Errorf("llama: token_embd.weight: %w", err)
	}
	m.tokEmbd = embedding{typ: emb.Type, data: data, cols: m.Hidden}
	m.outNorm = l.floats("output_norm.weight", m.Hidden)
	if _, ok := f.Tensor("output.weight"); ok {
		m.output = l.matrix(m.Vocab, m.Hidden, "output.weight")
	} else {
		m.output = l.matrix(m.Vocab, m.Hidden, "token_embd.weight") // tied
	}
	if _, ok := f.Tensor("rope_freqs.weight"); ok {
		m.ropeFreqs = l.floats("rope_freqs.weight", m.HeadDim/2)
	}
	qd, kvd := m.Heads*m.HeadDim, m.KVHeads*m.HeadDim
	// Stop at the first error: a hostile block_count must not cost millions
	// of iterations.
	for i := 0; i < m.Layers && l.err == nil; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		b := block{
			attnNorm: l.floats(p+"attn_norm.weight", m.Hidden),
			ffnNorm:  l.floats(p+"ffn_norm.weight", m.Hidden),
			qkv:      l.matrix(qd+2*kvd, m.Hidden, p+"attn_q.weight", p+"attn_k.weight", p+"attn_v.weight"),
			o:        l.matrix(m.Hidden, qd, p+"attn_output.weight"),
			gateUp:   l.matrix(2*m.FFN, m.Hidden, p+"ffn_gate.weight", p+"ffn_up.weight"),
			down:     l.matrix(m.Hidden, m.FFN, p+"ffn_down.weight"),
		}
		if _, ok := f.Tensor(p + "attn_q.bias"); ok {
			b.qkvBias = append(append(l.floats(p+"attn_q.bias", qd), l.floats(p+"attn_k.bias", kvd)...),
				l.floats(p+"attn_v.bias", kvd)...)
		}
		if _, ok := f.Tensor(p + "attn_q_norm.weight"); ok {
			b.qNorm = l.floats(p+"attn_q_norm.weight", m.HeadDim)
			b.kNorm = l.floats(p+"attn_k_norm.weight", m.HeadDim)
		} else if m.Arch == "qwen3" {
			l.fail("tensor %sattn_q_norm.weight is missing", p)
		}
		m.blocks = append(m.blocks, b)
	}
	if l.err != nil {
		return nil, l.err
	}
	return m, nil
}

func readConfig(f *gguf.File) (Config, error) {
	arch, _ := f.String("general.architecture")
	c := Config{Arch: arch, RopeBase: 10000, RopeScale: 1, BOS: -1, EOG: map[int]bool{}}
	switch arch {
	case "llama":
	case "qwen2", "qwen3":
		c.NeoX = true
	default:
		return c, fmt.Errorf("llama: general.architecture %q is not llama, qwen2 or qwen3", arch)
	}
	uint := func(key string, dst *int, required bool) error {
		v, ok := f.Uint(arch + "." + key)
		if !ok {
			if required {
				return fmt.Errorf("llama: %s.%s is missing", arch, key)
			}
			return nil
		}
		if v == 0 || v > 1<<24 {
			return fmt.Errorf("llama: %s.%s = %d is out of range", arch, key, v)
		}
		*dst = int(v)
		return nil
	}
	for _, k := range []struct {
		key      string
		dst      *int
		required bool
	}{
		{"context_length", &c.Context, true}, {"embedding_length", &c.Hidden, true},
		{"feed_forward_length", &c.FFN, true}, {"block_count", &c.Layers, true},
		{"attention.head_count", &c.Heads, true}, {"attention.head_count_kv", &c.KVHeads, false},
		{"attention.key_length", &c.HeadDim, false},
	} {
		if err := uint(k.key, k.dst, k.required); err != nil {
			return c, err
		}
	}
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.HeadDim == 0 {
		if c.Hidden%c.Heads != 0 {
			return c, fmt.Errorf("llama: embedding length %d is not a multiple of %d heads", c.Hidden, c.Heads)
		}
		c.HeadDim = c.Hidden / c.Heads
	}
	if c.Heads%c.KVHeads != 0 {
		return c, fmt.Errorf("llama: %d attention heads is not a multiple of %d kv heads", c.Heads, c.KVHeads)
	}
	if c.HeadDim%2 != 0 {
		return c, fmt.Errorf("llama: head size %d is odd", c.HeadDim)
	}
	if v, ok := f.Uint(arch + ".attention.value_length"); ok && int(v) != c.HeadDim {
		return c, fmt.Errorf("llama: value length %d differs from key length %d", v, c.HeadDim)
	}
	if v, ok := f.Uint(arch + ".rope.dimension_count"); ok && int(v) != c.HeadDim {
		return c, fmt.Errorf("llama: rope over %d of %d dimensions per head is not supported", v, c.HeadDim)
	}
	eps, ok := f.Float(arch + ".attention.layer_norm_rms_epsilon")
	if !ok || eps <= 0 || eps > 1 {
		return c, fmt.Errorf("llama: %s.attention.layer_norm_rms_epsilon is missing or out of range", arch)
	}
	c.Eps = float32(eps)
	if v, ok := f.Float(arch + ".rope.freq_base"); ok {
		if v <= 1 || math.IsInf(v, 0) || math.IsNaN(v) {
			return c, fmt.Errorf("llama: %s.rope.freq_base = %v is out of range", arch, v)
		}
		c.RopeBase = v
	}
	typ, _ := f.String(arch + ".rope.scaling.type")
	factor, hasFactor := f.Float(arch + ".rope.scaling.factor")
	switch typ {
	case "", "none":
	case "linear":
		if !hasFactor || factor <= 0 || math.IsInf(factor, 0) || math.IsNaN(factor) {
			return c, fmt.Errorf("llama: linear rope scaling needs a positive %s.rope.scaling.factor", arch)
		}
		c.RopeScale = factor
	default:
		return c, fmt.Errorf("llama: rope scaling %q is not supported (none and linear are)", typ)
	}
	if v, ok := f.Uint("tokenizer.ggml.bos_token_id"); ok {
		c.BOS = int(v)
	}
	for _, k := range []string{"eos", "eot", "eom"} {
		if v, ok := f.Uint("tokenizer.ggml." + k + "_token_id"); ok {
			c.EOG[int(v)] = true
		}
	}
	toks, _ := f.Array("tokenizer.ggml.tokens")
	types, _ := f.Array("tokenizer.ggml.token_type")
	if names, ok := toks.Values.([]string); ok {
		kinds, _ := types.Values.([]int32)
		for id, name := range names {
			if id < len(kinds) && kinds[id] == 3 && endOfTurn[strings.TrimSpace(name)] {
				c.EOG[id] = true
			}
		}
	}
	return c, nil
}

// loader reads tensors, keeping the first error.
type loader struct {
	f    *gguf.File
	pool *kernels.Pool
	err  error
}

func (l *loader) fail(format string, args ...any) {
	if l.err == nil {
		l.err = fmt.Errorf("llama: "+format, args...)
	}
}

// tensorInfo finds name and checks that its rows have cols elements and,
// when rows > 0, that it has rows rows.
func (l *loader) tensorInfo(name string, cols, rows int) gguf.TensorInfo {
	if l.err != nil {
		return gguf.TensorInfo{}
	}
	t, ok := l.f.Tensor(name)
	if !ok {
		l.fail("tensor %s is missing", name)
		return t
	}
	if len(t.Dims) < 1 || len(t.Dims) > 2 || t.Dims[0] != uint64(cols) || (rows > 0 && t.Elements() != uint64(cols)*uint64(rows)) {
		want := fmt.Sprintf("[%d %d]", cols, rows)
		if rows == 0 {
			want = fmt.Sprintf("[%d n]", cols)
		}
		l.fail("tensor %s has dimensions %v, want %s", name, t.Dims, want)
	}
	return t
}

func (l *loader) data(t gguf.TensorInfo) []byte {
	if l.err != nil {
		return nil
	}
	data, err := l.f.TensorData(t)
	if err != nil {
		l.fail("tensor %s: %v", t.Name, err)
	}
	return data
}

// floats reads a vector of n values (norm weights, biases) as float32.
func (l *loader) floats(name string, n int) []float32 {
	t := l.tensorInfo(name, n, 1)
	data := l.data(t)
	if l.err != nil {
		return nil
	}
	x, err := gguf.Dequantize(t.Type, data, n)
	if err != nil {
		l.fail("tensor %s: %v", name, err)
	}
	return x
}

// matrix uploads the named tensors (each of cols columns) stacked by rows;
// together they must have rows rows.
func (l *loader) matrix(rows, cols int, names ...string) stacked {
	var out stacked
	total := 0
	for i := 0; i < len(names) && l.err == nil; {
		first := l.tensorInfo(names[i], cols, 0)
		if l.err != nil {
			return nil
		}
		data := l.data(first)
		j := i + 1
		for ; j < len(names) && l.err == nil; j++ {
			t := l.tensorInfo(names[j], cols, 0)
			if t.Type != first.Type {
				break
			}
			if j == i+1 {
				data = append([]byte(nil), data...)
			}
			data = append(data, l.data(t)...)
		}
		if l.err != nil {
			return nil
		}
		kt, ok := kernelTypes[first.Type]
		if !ok {
			l.fail("tensor %s has type %v; molt computes with %s", names[i], first.Type, supportedTypes())
			return nil
		}
		rb, _ := first.Type.RowBytes(uint64(cols))
		n := int(uint64(len(data)) / rb)
		m, err := l.pool.Upload(kt, n, cols, data)
		if err != nil {
			l.fail("%s: %v", names[i], err)
			return nil
		}
		out = append(out, m)
		total += n
		i = j
	}
	if l.err == nil && total != rows {
		l.fail("tensors %s hold %d rows of %d, want %d", strings.Join(names, ", "), total, cols, rows)
	}
	return out
}

func supportedTypes() string {
	var s []string
	for _, t := range []gguf.Type{gguf.F32, gguf.F16, gguf.Q8_0, gguf.Q4_0, gguf.Q4_K, gguf.Q5_K, gguf.Q6_K} {
		if _, ok := kernelTypes[t]; ok {
			s = append(s, t.String())
		}
	}
	return strings.Join(s, ", ")
}

// row returns the embedding of token id.
func (e embedding) row(id int) ([]float32, error) {
	rb, err := e.typ.RowBytes(uint64(e.cols))
	if err != nil {
		return nil, err
	}
	if id < 0 || uint64(id+1)*rb > uint64(len(e.data)) {
		return nil, fmt.Errorf("llama: token id %d is outside the vocabulary of %d", id, uint64(len(e.data))/rb)
	}
	return gguf.Dequantize(e.typ, e.data[uint64(id)*rb:uint64(id+1)*rb], e.cols)
}
