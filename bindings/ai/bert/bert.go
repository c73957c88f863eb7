// Package bert runs BERT encoders from GGUF files (general.architecture =
// "bert", as llama.cpp's converter writes bge, MiniLM and friends) to turn
// text into embeddings, with the matrix products and row operations on the
// Wasm kernels.
//
//	pool, _ := kernels.NewPool(kernels.SIMD, 0)
//	f, _ := gguf.Open("bge-small-en-v1.5-q8_0.gguf")
//	m, err := bert.Load(f, pool)
//	vec, err := m.Embed("The quick brown fox") // L2-normalised
package bert

import (
	"fmt"
	"math"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/bindings/ai/tokenizer"
	"github.com/moltworker/molt/kernels"
)

// Pooling is how token states become one vector (bert.pooling_type).
type Pooling int

const (
	// PoolNone leaves the token states as they are.
	PoolNone Pooling = 0
	// PoolMean averages every token, [CLS] and [SEP] included.
	PoolMean Pooling = 1
	// PoolCLS takes the [CLS] token's state.
	PoolCLS Pooling = 2
)

// Config is the model's shape, read from the bert.* metadata.
type Config struct {
	Context int     // bert.context_length: most tokens per input
	Hidden  int     // bert.embedding_length
	FFN     int     // bert.feed_forward_length
	Layers  int     // bert.block_count
	Heads   int     // bert.attention.head_count
	Eps     float32 // bert.attention.layer_norm_epsilon
	Pooling Pooling // bert.pooling_type (mean when absent)
}

// Model is a loaded BERT encoder. Its weight matrices live in the kernel
// pool; Embed and Forward may be called from several goroutines (the pool
// runs one product at a time).
type Model struct {
	Config
	Tokenizer tokenizer.Tokenizer
	pool      *kernels.Pool

	tokEmbd, typeEmbd, posEmbd embedding
	embdNorm                   norm
	blocks                     []block
}

type embedding struct {
	typ  gguf.Type
	data []byte
	rows int
	cols int
}

type norm struct{ w, b []float32 }

type linear struct {
	m *kernels.Matrix
	b []float32 // nil when the file has no bias
}

type block struct {
	q, k, v, o linear
	attnNorm   norm
	up, down   linear
	outputNorm norm
}

// Load reads the configuration, tokenizer and weights of a BERT model and
// uploads its matrices into pool.
func Load(f *gguf.File, pool *kernels.Pool) (*Model, error) {
	if arch, _ := f.String("general.architecture"); arch != "bert" {
		return nil, fmt.Errorf("bert: general.architecture is %q, not bert", arch)
	}
	m := &Model{pool: pool}
	for _, k := range []struct {
		dst *int
		key string
	}{
		{&m.Context, "bert.context_length"}, {&m.Hidden, "bert.embedding_length"},
		{&m.FFN, "bert.feed_forward_length"}, {&m.Layers, "bert.block_count"},
		{&m.Heads, "bert.attention.head_count"},
	} {
		v, ok := f.Uint(k.key)
		if !ok || v == 0 || v > 1<<20 {
			return nil, fmt.Errorf("bert: %s is missing or out of range", k.key)
		}
		*k.dst = int(v)
	}
	if m.Hidden%m.Heads != 0 {
		return nil, fmt.Errorf("bert: embedding length %d is not a multiple of %d heads", m.Hidden, m.Heads)
	}
	eps, ok := f.Float("bert.attention.layer_norm_epsilon")
	if !ok {
		return nil, fmt.Errorf("bert: bert.attention.layer_norm_epsilon is missing")
	}
	m.Eps = float32(eps)
	// Files converted before pooling_type existed were mean-pooled models.
	m.Pooling = PoolMean
	if p, ok := f.Uint("bert.pooling_type"); ok {
		m.Pooling = Pooling(p)
	}
	if m.Pooling != PoolNone && m.Pooling != PoolMean && m.Pooling != PoolCLS {
		return nil, fmt.Errorf("bert: pooling type %d is not supported", m.Pooling)
	}
	if causal, ok := f.Bool("bert.attention.causal"); ok && causal {
		return nil, fmt.Errorf("bert: causal attention is not supported")
	}
	// BERT needs WordPiece; other tokenizer models build, but not for BERT.
	if model, _ := f.String("tokenizer.ggml.model"); model != "bert" {
		return nil, fmt.Errorf("bert: tokenizer.ggml.model %q is not supported (want \"bert\")", model)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	m.Tokenizer = tok
	l := loader{f: f, pool: pool}
	m.tokEmbd = l.embedding("token_embd.weight", tok.VocabSize(), m.Hidden)
	m.typeEmbd = l.embedding("token_types.weight", 0, m.Hidden)
	m.posEmbd = l.embedding("position_embd.weight", m.Context, m.Hidden)
	m.embdNorm = l.norm("token_embd_norm", m.Hidden)
	for i := 0; i < m.Layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		m.blocks = append(m.blocks, block{
			q:          l.linear(p+"attn_q", m.Hidden, m.Hidden),
			k:          l.linear(p+"attn_k", m.Hidden, m.Hidden),
			v:          l.linear(p+"attn_v", m.Hidden, m.Hidden),
			o:          l.linear(p+"attn_output", m.Hidden, m.Hidden),
			attnNorm:   l.norm(p+"attn_output_norm", m.Hidden),
			up:         l.linear(p+"ffn_up", m.FFN, m.Hidden),
			down:       l.linear(p+"ffn_down", m.Hidden, m.FFN),
			outputNorm: l.norm(p+"layer_output_norm", m.Hidden),
		})
	}
	if l.err != nil {
		return nil, l.err
	}
	return m, nil
}

// loader reads tensors, keeping the first error.
type loader struct {
	f    *gguf.File
	pool *kernels.Pool
	err  error
}

func (l *loader) tensor(name string, cols, rows int) (gguf.TensorInfo, []byte) {
	if l.err != nil {
		return gguf.TensorInfo{}, nil
	}
	t, ok := l.f.Tensor(name)
	if !ok {
		l.err = fmt.Errorf("bert: tensor %s is missing", name)
		return t, nil
	}
	if len(t.Dims) > 2 || t.Dims[0] != uint64(cols) || (rows > 0 && t.Elements() != uint64(cols*rows)) {
		l.err = fmt.Errorf("bert: tensor %s has dimensions %v, want [%d %d]", name, t.Dims, cols, rows)
		return t, nil
	}
	data, err := l.f.TensorData(t)
	if err != nil {
		l.err = fmt.Errorf("bert: %w", err)
	}
	return t, data
}

func (l *loader) floats(name string, n int) []float32 {
	t, data := l.tensor(name, n, 1)
	if l.err != nil {
		return nil
	}
	x, err := gguf.Dequantize(t.Type, data, n)
	if err != nil {
		l.err = fmt.Errorf("bert: tensor %s: %w", name, err)
	}
	return x
}

func (l *loader) norm(prefix string, n int) norm {
	return norm{w: l.floats(prefix+".weight", n), b: l.floats(prefix+".bias", n)}
}

func (l *loader) embedding(name string, rows, cols int) embedding {
	t, data := l.tensor(name, cols, rows)
	if l.err != nil {
		return embedding{}
	}
	return embedding{typ: t.Type, data: data, rows: int(t.Elements()) / cols, cols: cols}
}

func (l *loader) linear(prefix string, rows, cols int) linear {
	t, data := l.tensor(prefix+".weight", cols, rows)
	if l.err != nil {
		return linear{}
	}
	typ, ok := kernelType[t.Type]
	if !ok {
		l.err = fmt.Errorf("bert: tensor %s.weight has type %v; molt computes with F32, F16, Q8_0 and Q4_0", prefix, t.Type)
		return linear{}
	}
	m, err := l.pool.Upload(typ, rows, cols, data)
	if err != nil {
		l.err = fmt.Errorf("bert: %s.weight: %w", prefix, err)
		return linear{}
	}
	var b []float32
	if _, ok := l.f.Tensor(prefix + ".bias"); ok {
		b = l.floats(prefix+".bias", rows)
	}
	return linear{m: m, b: b}
}

var kernelType = map[gguf.Type]kernels.Type{
	gguf.F32: kernels.F32, gguf.F16: kernels.F16, gguf.Q8_0: kernels.Q8_0, gguf.Q4_0: kernels.Q4_0,
}

// row returns row i of the embedding table as floats.
func (e embedding) row(i int) ([]float32, error) {
	rb, err := e.typ.RowBytes(uint64(e.cols))
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= e.rows {
		return nil, fmt.Errorf("bert: embedding row %d of %d", i, e.rows)
	}
	return gguf.Dequantize(e.typ, e.data[uint64(i)*rb:uint64(i+1)*rb], e.cols)
}

// batchTokens bounds the tokens of one forward pass: activations take
// about (4·Hidden + FFN)·4 bytes per token in Go and again in the kernels'
// memory, which never shrinks, so a large request runs as several passes.
const batchTokens = 2048

// Tokens encodes text as the model reads it: [CLS] … [SEP], truncated to
// the context length with [SEP] kept, as Workers AI truncates long inputs.
func (m *Model) Tokens(text string) []int {
	ids := m.Tokenizer.Encode(text)
	if len(ids) > m.Context {
		ids = append(ids[:m.Context-1:m.Context-1], ids[len(ids)-1])
	}
	return ids
}

// Embed tokenizes text, runs the encoder, pools as the model's metadata
// says and L2-normalises the result. A model with pooling type none has no
// sentence embedding: use Forward.
func (m *Model) Embed(text string) ([]float32, error) {
	if m.Pooling == PoolNone {
		return nil, fmt.Errorf("bert: the model's pooling type is none; Forward gives its token states")
	}
	v, err := m.EmbedBatch([]string{text}, m.Pooling)
	if err != nil {
		return nil, err
	}
	return v[0], nil
}

// EmbedBatch embeds every text with pooling p (PoolMean or PoolCLS), each
// vector L2-normalised. Texts share forward passes of up to batchTokens
// tokens, so each weight matrix is read once per pass, not once per text.
func (m *Model) EmbedBatch(texts []string, p Pooling) ([][]float32, error) {
	if p != PoolMean && p != PoolCLS {
		return nil, fmt.Errorf("bert: pooling %d has no sentence embedding", p)
	}
	seqs := make([][]int, len(texts))
	for i, s := range texts {
		seqs[i] = m.Tokens(s)
	}
	out := make([][]float32, 0, len(texts))
	for len(seqs) > 0 {
		n, tokens := 0, 0
		for n < len(seqs) && (n == 0 || tokens+len(seqs[n]) <= batchTokens) {
			tokens += len(seqs[n])
			n++
		}
		h, err := m.ForwardBatch(seqs[:n])
		if err != nil {
			return nil, err
		}
		row := 0
		for _, ids := range seqs[:n] {
			t := len(ids)
			out = append(out, Normalize(Pool(h[row*m.Hidden:(row+t)*m.Hidden], t, m.Hidden, p)))
			row += t
		}
		seqs = seqs[n:]
	}
	return out, nil
}

// Pool reduces t rows of hidden states to one vector (PoolNone returns h).
func Pool(h []float32, t, hidden int, p Pooling) []float32 {
	switch p {
	case PoolCLS:
		return append([]float32(nil), h[:hidden]...)
	case PoolMean:
		out := make([]float32, hidden)
		for i := 0; i < t; i++ {
			for j, v := range h[i*hidden : (i+1)*hidden] {
				out[j] += v
			}
		}
		for j := range out {
			out[j] /= float32(t)
		}
		return out
	}
	return h
}

// Normalize scales x to unit L2 norm in place and returns it.
func Normalize(x []float32) []float32 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	if s > 0 {
		k := float32(1 / math.Sqrt(s))
		for i := range x {
			x[i] *= k
		}
	}
	return x
}

// Forward returns the final hidden states of ids (len(ids) rows of Hidden
// floats), with token type 0 throughout, as embedding models are run.
func (m *Model) Forward(ids []int) ([]float32, error) {
	return m.ForwardBatch([][]int{ids})
}

// ForwardBatch runs several inputs through the encoder in one pass and
// returns the hidden states of every input's tokens, input after input. The
// matrix products take the rows of all inputs at once; attention stays
// within each input.
func (m *Model) ForwardBatch(batch [][]int) ([]float32, error) {
	hd, t := m.Hidden, 0
	for _, ids := range batch {
		if len(ids) == 0 || len(ids) > m.Context {
			return nil, fmt.Errorf("bert: %d tokens (1 to %d allowed)", len(ids), m.Context)
		}
		t += len(ids)
	}
	if t == 0 {
		return nil, fmt.Errorf("bert: no input")
	}
	x := make([]float32, t*hd)
	typ0, err := m.typeEmbd.row(0)
	if err != nil {
		return nil, err
	}
	row := 0
	for _, ids := range batch {
		for i, id := range ids {
			tok, err := m.tokEmbd.row(id)
			if err != nil {
				return nil, fmt.Errorf("bert: token %d: %w", i, err)
			}
			pos, err := m.posEmbd.row(i)
			if err != nil {
				return nil, err
			}
			xi := x[row*hd : (row+1)*hd]
			for j := range xi {
				xi[j] = tok[j] + typ0[j] + pos[j]
			}
			row++
		}
	}
	if err := m.layerNorm(x, t, m.embdNorm); err != nil {
		return nil, err
	}
	q, k, v := make([]float32, t*hd), make([]float32, t*hd), make([]float32, t*hd)
	att, o := make([]float32, t*hd), make([]float32, t*hd)
	up := make([]float32, t*m.FFN)
	for _, b := range m.blocks {
		for _, p := range []struct {
			l   linear
			dst []float32
		}{{b.q, q}, {b.k, k}, {b.v, v}} {
			if err := p.l.apply(p.dst, x, t); err != nil {
				return nil, err
			}
		}
		row := 0
		for _, ids := range batch {
			r := row * hd
			n := len(ids) * hd
			if err := m.attention(att[r:r+n], q[r:r+n], k[r:r+n], v[r:r+n], len(ids)); err != nil {
				return nil, err
			}
			row += len(ids)
		}
		if err := b.o.apply(o, att, t); err != nil {
			return nil, err
		}
		addTo(x, o)
		if err := m.layerNorm(x, t, b.attnNorm); err != nil {
			return nil, err
		}
		if err := b.up.apply(up, x, t); err != nil {
			return nil, err
		}
		if err := m.gelu(up); err != nil {
			return nil, err
		}
		if err := b.down.apply(o, up, t); err != nil {
			return nil, err
		}
		addTo(x, o)
		if err := m.layerNorm(x, t, b.outputNorm); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// apply computes y = x·Wᵀ + b for t rows of x.
func (l linear) apply(y, x []float32, t int) error {
	var err error
	if t == 1 {
		err = l.m.MatVec(y, x)
	} else {
		err = l.m.MatMul(y, x, t)
	}
	if err != nil {
		return fmt.Errorf("bert: %w", err)
	}
	if l.b != nil {
		n := len(l.b)
		for i := 0; i < t; i++ {
			addTo(y[i*n:(i+1)*n], l.b)
		}
	}
	return nil
}

func addTo(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// onKernel copies x into scratch memory of the pool's first instance, runs
// f on it and copies the result back into x.
func (m *Model) onKernel(x []float32, f func(in *kernels.Instance, xb kernels.Buf) error) error {
	err := m.pool.Do(func(in *kernels.Instance) error {
		mark := in.Mark()
		defer in.Release(mark)
		xb, err := in.Put(x)
		if err != nil {
			return err
		}
		if err := f(in, xb); err != nil {
			return err
		}
		copy(x, in.Float32s(xb))
		return nil
	})
	if err != nil {
		return fmt.Errorf("bert: %w", err)
	}
	return nil
}

func (m *Model) layerNorm(x []float32, t int, n norm) error {
	return m.onKernel(x, func(in *kernels.Instance, xb kernels.Buf) error {
		w, err := in.Put(n.w)
		if err != nil {
			return err
		}
		b, err := in.Put(n.b)
		if err != nil {
			return err
		}
		return in.LayerNorm(xb, w, b, xb, t, m.Hidden, m.Eps)
	})
}

func (m *Model) gelu(x []float32) error {
	return m.onKernel(x, func(in *kernels.Instance, xb kernels.Buf) error {
		return in.GELU(xb, xb, len(x))
	})
}

// attention writes into out the bidirectional multi-head attention of q, k
// and v (t rows of Hidden each), heads split over the pool's cores.
func (m *Model) attention(out, q, k, v []float32, t int) error {
	dh := m.Hidden / m.Heads
	err := m.pool.Attention(out, q, k, v, nil, kernels.AttentionShape{T: t, S: t, Heads: m.Heads, KVHeads: m.Heads,
		Dim: dh, Scale: float32(1 / math.Sqrt(float64(dh)))})
	if err != nil {
		return fmt.Errorf("bert: %w", err)
	}
	return nil
}
