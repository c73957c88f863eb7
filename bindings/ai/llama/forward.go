package llama

import (
	"errors"
	"fmt"
	"math"

	"github.com/moltworker/molt/kernels"
)

// ErrContextLength is wrapped by the error of a Prefill, Decode or
// Generate whose tokens would not fit in the model's context.
var ErrContextLength = errors.New("input too long for the model's context")

// Sequence is one token sequence being processed: its KV cache and
// position. Sequences of one Model share its weights; a Sequence itself is
// not safe for concurrent use.
type Sequence struct {
	m      *Model
	k, v   [][]float32 // per layer: Len() rows of KVHeads*HeadDim
	tokens []int       // every token fed so far
}

// NewSequence starts an empty sequence.
func (m *Model) NewSequence() *Sequence {
	return &Sequence{m: m, k: make([][]float32, m.Layers), v: make([][]float32, m.Layers)}
}

// Len is the number of tokens in the sequence's cache.
func (s *Sequence) Len() int { return len(s.tokens) }

// truncate drops every token from position n on, cache included.
func (s *Sequence) truncate(n int) {
	n = min(n, len(s.tokens))
	s.tokens = s.tokens[:n]
	kv := n * s.m.KVHeads * s.m.HeadDim
	for l := range s.k {
		s.k[l], s.v[l] = s.k[l][:min(kv, len(s.k[l]))], s.v[l][:min(kv, len(s.v[l]))]
	}
}

// Tokens returns the tokens fed so far (do not modify).
func (s *Sequence) Tokens() []int { return s.tokens }

// Prefill feeds ids (the prompt, or any further tokens) and returns the
// logits (Vocab values) after the last of them.
func (s *Sequence) Prefill(ids []int) ([]float32, error) {
	return s.m.sched.submit(s, ids)
}

// Decode feeds one token and returns the logits after it.
func (s *Sequence) Decode(id int) ([]float32, error) {
	return s.m.sched.submit(s, []int{id})
}

// span is a sequence and the tokens it is fed in one forward pass.
type span struct {
	seq *Sequence
	ids []int
}

// check validates a span before it joins a batch, so that one bad request
// cannot fail the others.
func (m *Model) check(s *Sequence, ids []int) error {
	if s.m != m {
		return fmt.Errorf("llama: sequence of another model")
	}
	if len(ids) == 0 {
		return fmt.Errorf("llama: no tokens to process")
	}
	if n := s.Len() + len(ids); n > m.Context {
		return fmt.Errorf("llama: %d tokens exceed the context of %d: %w", n, m.Context, ErrContextLength)
	}
	for i, id := range ids {
		if id < 0 || id >= m.Vocab {
			return fmt.Errorf("llama: token %d (id %d) is outside the vocabulary of %d", i, id, m.Vocab)
		}
	}
	return nil
}

// forward runs every span's new tokens through the model as the rows of
// one batch and returns the logits after each span's last token. Each
// weight matrix is read once for the whole batch.
func (m *Model) forward(spans []span) (logits [][]float32, err error) {
	rows := 0
	for _, sp := range spans {
		rows += len(sp.ids)
	}
	defer func() {
		if err != nil { // leave every cache as it was
			for _, sp := range spans {
				sp.seq.truncate(sp.seq.Len())
			}
		}
	}()
	hd, dh := m.Hidden, m.HeadDim
	qd, kvd := m.Heads*dh, m.KVHeads*dh
	x := make([]float32, rows*hd)
	pos := make([]int, 0, rows)
	r := 0
	for _, sp := range spans {
		for i, id := range sp.ids {
			e, err := m.tokEmbd.row(id)
			if err != nil {
				return nil, err
			}
			copy(x[r*hd:], e)
			pos = append(pos, sp.seq.Len()+i)
			r++
		}
	}
	xn := make([]float32, rows*hd)
	qkv := make([]float32, rows*(qd+2*kvd))
	q, att := make([]float32, rows*qd), make([]float32, rows*qd)
	o := make([]float32, rows*hd)
	gu := make([]float32, rows*2*m.FFN)
	h := make([]float32, rows*m.FFN)
	cs := m.ropeTable(pos)
	for l, b := range m.blocks {
		if err := m.rmsNorm(xn, x, b.attnNorm, rows, hd); err != nil {
			return nil, err
		}
		if err := product(b.qkv, qkv, xn, rows); err != nil {
			return nil, err
		}
		w := qd + 2*kvd
		if b.qkvBias != nil {
			for i := 0; i < rows; i++ {
				addTo(qkv[i*w:(i+1)*w], b.qkvBias)
			}
		}
		if b.qNorm != nil {
			// Per-head RMS norms of q and k (qwen3), in place in qkv: each
			// row's q and k heads are consecutive runs of HeadDim values.
			if err := m.headNorms(qkv, rows, w, b.qNorm, b.kNorm); err != nil {
				return nil, err
			}
		}
		for i := 0; i < rows; i++ {
			row := qkv[i*w : (i+1)*w]
			c := cs[i*dh : (i+1)*dh]
			m.rope(row[:qd], m.Heads, c)
			m.rope(row[qd:qd+kvd], m.KVHeads, c)
			copy(q[i*qd:], row[:qd])
		}
		r := 0
		for _, sp := range spans {
			n := len(sp.ids)
			s := sp.seq
			for i := 0; i < n; i++ {
				row := qkv[(r+i)*w : (r+i+1)*w]
				s.k[l] = append(s.k[l], row[qd:qd+kvd]...)
				s.v[l] = append(s.v[l], row[qd+kvd:]...)
			}
			total := len(s.k[l]) / kvd
			err := m.pool.Attention(att[r*qd:(r+n)*qd], q[r*qd:(r+n)*qd], s.k[l], s.v[l], nil, kernels.AttentionShape{
				T: n, S: total, Heads: m.Heads, KVHeads: m.KVHeads, Dim: dh,
				Scale: float32(1 / math.Sqrt(float64(dh))), Causal: true})
			if err != nil {
				return nil, fmt.Errorf("llama: %w", err)
			}
			r += n
		}
		if err := product(b.o, o, att, rows); err != nil {
			return nil, err
		}
		addTo(x, o)
		if err := m.rmsNorm(xn, x, b.ffnNorm, rows, hd); err != nil {
			return nil, err
		}
		if err := product(b.gateUp, gu, xn, rows); err != nil {
			return nil, err
		}
		if err := m.swiGLU(h, gu, rows); err != nil {
			return nil, err
		}
		if err := product(b.down, o, h, rows); err != nil {
			return nil, err
		}
		addTo(x, o)
	}
	// Only each span's last position needs logits.
	last := make([]float32, len(spans)*hd)
	r = 0
	for i, sp := range spans {
		r += len(sp.ids)
		copy(last[i*hd:], x[(r-1)*hd:r*hd])
	}
	if err := m.rmsNorm(last, last, m.outNorm, len(spans), hd); err != nil {
		return nil, err
	}
	all := make([]float32, len(spans)*m.Vocab)
	if err := product(m.output, all, last, len(spans)); err != nil {
		return nil, err
	}
	for _, sp := range spans {
		sp.seq.tokens = append(sp.seq.tokens, sp.ids...)
	}
	logits = make([][]float32, len(spans))
	for i := range logits {
		logits[i] = all[i*m.Vocab : (i+1)*m.Vocab : (i+1)*m.Vocab]
	}
	return logits, nil
}

// product computes y = x·Wᵀ for rows rows of x.
func product(w stacked, y, x []float32, rows int) error {
	if len(w) == 1 {
		return product1(w[0], y, x, rows)
	}
	width := 0
	for _, m := range w {
		width += m.Rows
	}
	off := 0
	for _, m := range w {
		part := make([]float32, rows*m.Rows)
		if err := product1(m, part, x, rows); err != nil {
			return err
		}
		for i := 0; i < rows; i++ {
			copy(y[i*width+off:], part[i*m.Rows:(i+1)*m.Rows])
		}
		off += m.Rows
	}
	return nil
}

func product1(w *kernels.Matrix, y, x []float32, rows int) error {
	var err error
	if rows == 1 {
		err = w.MatVec(y, x)
	} else {
		err = w.MatMul(y, x, rows)
	}
	if err != nil {
		return fmt.Errorf("llama: %w", err)
	}
	return nil
}

func addTo(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// rmsNorm writes into out (which may be x) the RMS norm of rows rows of n
// values of x, times w.
func (m *Model) rmsNorm(out, x, w []float32, rows, n int) error {
	return m.onKernel(func(in *kernels.Instance) error {
		xb, err := in.Put(x[:rows*n])
		if err != nil {
			return err
		}
		wb, err := in.Put(w)
		if err != nil {
			return err
		}
		if err := in.RMSNorm(xb, wb, xb, rows, n, m.Eps); err != nil {
			return err
		}
		copy(out, in.Float32s(xb))
		return nil
	})
}

// headNorms applies the RMS norm with weights qn to every q head and kn to
// every k head of rows rows of width w in qkv.
func (m *Model) headNorms(qkv []float32, rows, w int, qn, kn []float32) error {
	dh := m.HeadDim
	qd, kvd := m.Heads*dh, m.KVHeads*dh
	return m.onKernel(func(in *kernels.Instance) error {
		xb, err := in.Put(qkv[:rows*w])
		if err != nil {
			return err
		}
		qb, err := in.Put(qn)
		if err != nil {
			return err
		}
		kb, err := in.Put(kn)
		if err != nil {
			return err
		}
		for i := 0; i < rows; i++ {
			off := uint32(4 * i * w)
			q := kernels.Buf{Off: xb.Off + off, Len: uint32(4 * qd)}
			k := kernels.Buf{Off: xb.Off + off + uint32(4*qd), Len: uint32(4 * kvd)}
			if err := in.RMSNorm(q, qb, q, m.Heads, dh, m.Eps); err != nil {
				return err
			}
			if err := in.RMSNorm(k, kb, k, m.KVHeads, dh, m.Eps); err != nil {
				return err
			}
		}
		copy(qkv, in.Float32s(xb))
		return nil
	})
}

// swiGLU writes h = silu(gate)·up for rows rows of gu (each row: FFN gate
// values, then FFN up values).
func (m *Model) swiGLU(h, gu []float32, rows int) error {
	f := m.FFN
	return m.onKernel(func(in *kernels.Instance) error {
		gb, err := in.Put(gu[:rows*2*f])
		if err != nil {
			return err
		}
		hb, err := in.Alloc(4 * rows * f)
		if err != nil {
			return err
		}
		for i := 0; i < rows; i++ {
			g := kernels.Buf{Off: gb.Off + uint32(8*i*f), Len: uint32(4 * f)}
			u := kernels.Buf{Off: g.Off + uint32(4*f), Len: uint32(4 * f)}
			hi := kernels.Buf{Off: hb.Off + uint32(4*i*f), Len: uint32(4 * f)}
			if err := in.SiLU(g, hi, f); err != nil {
				return err
			}
			if err := in.Mul(hi, u, hi, f); err != nil {
				return err
			}
		}
		copy(h, in.Float32s(hb))
		return nil
	})
}

// onKernel runs f on the pool's first instance with its scratch space
// released afterwards.
func (m *Model) onKernel(f func(in *kernels.Instance) error) error {
	err := m.pool.Do(func(in *kernels.Instance) error {
		mark := in.Mark()
		defer in.Release(mark)
		return f(in)
	})
	if err != nil {
		return fmt.Errorf("llama: %w", err)
	}
	return nil
}

// ropeTable returns, per position, HeadDim/2 cosines then HeadDim/2 sines
// of theta_i = pos/scale · base^(-2i/HeadDim) (divided by rope_freqs[i]
// when the model has them), computed in float64 as llama.cpp's table is
// accurate to float32.
func (m *Model) ropeTable(pos []int) []float32 {
	dh := m.HeadDim
	cs := make([]float32, len(pos)*dh)
	for r, p := range pos {
		row := cs[r*dh : (r+1)*dh]
		for i := 0; i < dh/2; i++ {
			theta := float64(p) / m.RopeScale * math.Pow(m.RopeBase, -2*float64(i)/float64(dh))
			if m.ropeFreqs != nil {
				theta /= float64(m.ropeFreqs[i])
			}
			sin, cos := math.Sincos(theta)
			row[i], row[dh/2+i] = float32(cos), float32(sin)
		}
	}
	return cs
}

// rope rotates each of heads heads of x by the angles in cs: pairs
// (x[i], x[i+HeadDim/2]) for NeoX models, (x[2i], x[2i+1]) otherwise.
func (m *Model) rope(x []float32, heads int, cs []float32) {
	dh := m.HeadDim
	half := dh / 2
	cos, sin := cs[:half], cs[half:]
	for h := 0; h < heads; h++ {
		xh := x[h*dh : (h+1)*dh]
		for i := 0; i < half; i++ {
			a, b := 2*i, 2*i+1
			if m.NeoX {
				a, b = i, i+half
			}
			x0, x1 := xh[a], xh[b]
			xh[a] = x0*cos[i] - x1*sin[i]
			xh[b] = x0*sin[i] + x1*cos[i]
		}
	}
}
