package kernels

import (
	"fmt"
	"runtime"
	"sync"
)

// Pool uses several cores for matrix products and attention. Each of its
// instances owns a slice of the rows of every large Matrix uploaded to it, so
// a product runs as one kernel call per instance on its own goroutine, with
// no memory shared between instances: the input vector is copied into each (a few
// hundred nanoseconds for 4096 floats), each writes its own rows of the
// output. One shared memory imported by every instance would save those
// copies but needs wazero's experimental threads feature; weights dominate
// the bytes moved, and they are never copied after Upload.
//
// A Pool runs one operation at a time; concurrent callers wait their turn.
type Pool struct {
	mu    sync.Mutex
	insts []*Instance
	jobs  []chan *job // jobs[i] feeds the goroutine that drives insts[i], i >= 1
	job   []job       // reused per instance so a call allocates nothing
	wg    sync.WaitGroup
	// SplitBytes is the matrix size from which Upload splits rows across
	// instances (default 64 KiB); smaller matrices stay on one instance, where
	// a matrix-vector product costs less than waking another goroutine.
	SplitBytes int
}

type job struct {
	m    *Matrix
	part *part
	x, y []float32
	n    int                      // rows of x (1 for MatVec)
	fn   func(in *Instance) error // instead of a matrix part, when set
	err  error
}

// NewPool starts n instances of build b (n <= 0: one per GOMAXPROCS).
func NewPool(b Build, n int) (*Pool, error) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &Pool{SplitBytes: 64 << 10, job: make([]job, n)}
	for i := 0; i < n; i++ {
		in, err := NewInstance(b)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.insts = append(p.insts, in)
		if i > 0 {
			ch := make(chan *job)
			p.jobs = append(p.jobs, ch)
			go p.work(in, ch)
		}
	}
	return p, nil
}

func (p *Pool) work(in *Instance, ch chan *job) {
	for j := range ch {
		j.err = j.exec(in)
		p.wg.Done()
	}
}

func (j *job) exec(in *Instance) error {
	if j.fn != nil {
		return j.fn(in)
	}
	return j.run(in)
}

// Close stops the pool's goroutines and frees its instances; call it when no
// product is running.
func (p *Pool) Close() error {
	for _, ch := range p.jobs {
		close(ch)
	}
	p.jobs = nil
	for _, in := range p.insts {
		in.Close()
	}
	p.insts = nil
	return nil
}

// Size is the number of instances (cores) in the pool.
func (p *Pool) Size() int { return len(p.insts) }

// MemoryBytes is the linear memory of all the pool's instances: resident
// weights plus the scratch space their largest call needed.
func (p *Pool) MemoryBytes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, in := range p.insts {
		n += int(in.mem.Size())
	}
	return n
}

// Do runs f on the pool's first instance while holding the pool, for the
// row operations (norms, softmax, attention) that are not split. f must not
// call the pool's Matrix methods (the pool is already held), and should
// Release what it allocates.
func (p *Pool) Do(f func(in *Instance) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return f(p.insts[0])
}

// Matrix is a weight matrix resident in a Pool: Rows outputs of Cols inputs,
// in GGUF layout, split by rows over the pool's instances.
type Matrix struct {
	pool       *Pool
	Type       Type
	Rows, Cols int
	parts      []part
}

type part struct {
	inst       int
	row0, rows int
	w          Buf
}

// Upload copies a rows×cols matrix of type t (raw GGUF bytes) into the pool.
func (p *Pool) Upload(t Type, rows, cols int, data []byte) (*Matrix, error) {
	rb, err := t.RowBytes(cols)
	if err != nil {
		return nil, err
	}
	if rows <= 0 || len(data) != rows*rb {
		return nil, fmt.Errorf("kernels: %v matrix %dx%d needs %d bytes, got %d", t, rows, cols, rows*rb, len(data))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := &Matrix{pool: p, Type: t, Rows: rows, Cols: cols}
	n := len(p.insts)
	if len(data) < p.SplitBytes || rows < n {
		n = 1
	}
	for i, row0 := 0, 0; i < n; i++ {
		pr := (rows - row0) / (n - i)
		inst := i
		if n == 1 {
			inst = p.leastUsed()
		}
		w, err := p.insts[inst].PutBytes(data[row0*rb : (row0+pr)*rb])
		if err != nil {
			return nil, fmt.Errorf("kernels: uploading %v matrix %dx%d: %w", t, rows, cols, err)
		}
		m.parts = append(m.parts, part{inst: inst, row0: row0, rows: pr, w: w})
		row0 += pr
	}
	return m, nil
}

func (p *Pool) leastUsed() int {
	best := 0
	for i, in := range p.insts {
		if in.InUse() < p.insts[best].InUse() {
			best = i
		}
	}
	return best
}

// MatVec computes y = M·x (len(x) = Cols, len(y) = Rows). Quantized
// matrices quantize x to Q8_0 first, as llama.cpp does (it uses Q8_K, with
// one scale per 256 values, for the K-quants; Q8_0 is finer).
func (m *Matrix) MatVec(y, x []float32) error {
	if len(x) != m.Cols || len(y) != m.Rows {
		return fmt.Errorf("kernels: MatVec of a %dx%d matrix with x of %d and y of %d", m.Rows, m.Cols, len(x), len(y))
	}
	return m.run(y, x, 1)
}

// MatMul computes y = x·Mᵀ for n rows of x (n×Cols) into y (n×Rows): the
// same as n MatVecs, with each weight row read once per batch.
func (m *Matrix) MatMul(y, x []float32, n int) error {
	if n <= 0 || len(x) != n*m.Cols || len(y) != n*m.Rows {
		return fmt.Errorf("kernels: MatMul of a %dx%d matrix with %d rows: x has %d values, y %d", m.Rows, m.Cols, n, len(x), len(y))
	}
	return m.run(y, x, n)
}

func (m *Matrix) run(y, x []float32, n int) error {
	p := m.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.insts == nil {
		return fmt.Errorf("kernels: pool is closed")
	}
	// Parts beyond the first go to their instances' goroutines; the first
	// runs here. Every part has its own instance, so none share memory.
	for i := 1; i < len(m.parts); i++ {
		pt := &m.parts[i]
		j := &p.job[pt.inst]
		*j = job{m: m, part: pt, x: x, y: y, n: n}
		p.wg.Add(1)
		p.jobs[pt.inst-1] <- j
	}
	j := &p.job[m.parts[0].inst]
	*j = job{m: m, part: &m.parts[0], x: x, y: y, n: n}
	err := j.exec(p.insts[m.parts[0].inst])
	p.wg.Wait()
	for i := 1; i < len(m.parts) && err == nil; i++ {
		err = p.job[m.parts[i].inst].err
	}
	return err
}

// run computes the part's rows of y on instance in, using scratch space
// above the resident weights and releasing it after.
func (j *job) run(in *Instance) error {
	m, pt, n := j.m, j.part, j.n
	mark := in.Mark()
	defer in.Release(mark)
	xb, err := in.Put(j.x)
	if err != nil {
		return err
	}
	out, err := in.Alloc(4 * n * pt.rows)
	if err != nil {
		return err
	}
	switch m.Type {
	case F32:
		if n == 1 {
			err = in.MatVecF32(pt.w, xb, out, pt.rows, m.Cols)
		} else {
			err = in.MatMulF32(xb, pt.w, out, n, pt.rows, m.Cols)
		}
	case F16:
		if n == 1 {
			err = in.MatVecF16(pt.w, xb, out, pt.rows, m.Cols)
		} else {
			var scratch Buf
			if scratch, err = in.Alloc(16 * m.Cols); err == nil {
				err = in.MatMulF16(xb, pt.w, out, scratch, n, pt.rows, m.Cols)
			}
		}
	default:
		var q Buf
		if q, err = in.Alloc(n * A8Bytes(m.Cols)); err != nil {
			return err
		}
		if err = in.QuantizeAct(xb, q, n, m.Cols); err != nil {
			return err
		}
		p := quantProducts[m.Type]
		if n == 1 {
			err = in.matvec(p.matvec, m.Type, pt.w, q, out, pt.rows, m.Cols)
		} else {
			err = in.matmulQ(p.matmul, m.Type, pt.w, q, out, n, pt.rows, m.Cols)
		}
	}
	if err != nil {
		return err
	}
	// The output view is taken after the last Alloc, so it is current.
	res := in.Float32s(out)
	for i := 0; i < n; i++ {
		copy(j.y[i*m.Rows+pt.row0:i*m.Rows+pt.row0+pt.rows], res[i*pt.rows:(i+1)*pt.rows])
	}
	return nil
}

// quantProducts are the kernels of each quantized type.
var quantProducts = map[Type]struct{ matvec, matmul fn }{
	Q8_0: {fnMatVecQ8_0, fnMatMulQ8_0}, Q4_0: {fnMatVecQ4_0, fnMatMulQ4_0},
	Q4_K: {fnMatVecQ4_K, fnMatMulQ4_K}, Q5_K: {fnMatVecQ5_K, fnMatMulQ5_K}, Q6_K: {fnMatVecQ6_K, fnMatMulQ6_K},
}

// parallel runs fns[i] on instance i (fns[0] on the calling goroutine) and
// returns the first error. The pool must be held.
func (p *Pool) parallel(fns []func(in *Instance) error) error {
	for i := 1; i < len(fns); i++ {
		j := &p.job[i]
		*j = job{fn: fns[i]}
		p.wg.Add(1)
		p.jobs[i-1] <- j
	}
	err := fns[0](p.insts[0])
	p.wg.Wait()
	for i := 1; i < len(fns) && err == nil; i++ {
		err = p.job[i].err
	}
	return err
}

// AttentionShape describes the operands of Pool.Attention; see Attention
// for their meaning.
type AttentionShape struct {
	T, S, Heads, KVHeads, Dim int
	Scale                     float32
	Causal                    bool
}

// attentionSplitFlops is the work (multiply-adds of both products) from
// which Pool.Attention splits heads over instances.
const attentionSplitFlops = 1 << 20

// Attention computes out = softmax(q·kᵀ·scale + mask)·v for every head
// (q, out: T rows of Heads*Dim; k, v: S rows of KVHeads*Dim; mask nil or
// T*S additive values), splitting groups of heads over the pool's
// instances. Every head is computed as Instance.Attention computes it, so
// the result does not depend on the split.
func (p *Pool) Attention(out, q, k, v, mask []float32, a AttentionShape) error {
	if a.T <= 0 || a.S <= 0 || a.Heads <= 0 || a.KVHeads <= 0 || a.Dim <= 0 || a.Heads%a.KVHeads != 0 {
		return fmt.Errorf("kernels: attention shape %+v", a)
	}
	qn, kn := a.T*a.Heads*a.Dim, a.S*a.KVHeads*a.Dim
	if len(q) != qn || len(out) != qn || len(k) != kn || len(v) != kn || (mask != nil && len(mask) != a.T*a.S) {
		return fmt.Errorf("kernels: attention operands of %d, %d, %d, %d and %d values for shape %+v", len(q), len(k), len(v), len(out), len(mask), a)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.insts == nil {
		return fmt.Errorf("kernels: pool is closed")
	}
	parts := min(len(p.insts), a.KVHeads)
	if a.T*a.S*a.Heads*a.Dim*2 < attentionSplitFlops {
		parts = 1
	}
	group := a.Heads / a.KVHeads
	fns := make([]func(in *Instance) error, parts)
	for i, kv0 := 0, 0; i < parts; i++ {
		nkv := (a.KVHeads - kv0) / (parts - i)
		k0 := kv0
		fns[i] = func(in *Instance) error {
			return attentionPart(in, out, q, k, v, mask, a, k0, nkv, group)
		}
		kv0 += nkv
	}
	return p.parallel(fns)
}

// attentionPart runs kv heads [kv0, kv0+nkv) and their query heads on in:
// it gathers their columns of q, k and v, runs the kernel and scatters the
// result into out.
func attentionPart(in *Instance, out, q, k, v, mask []float32, a AttentionShape, kv0, nkv, group int) error {
	mark := in.Mark()
	defer in.Release(mark)
	d := a.Dim
	qw, kw := nkv*group*d, nkv*d // columns this part owns
	bufs := make([]Buf, 0, 6)
	for _, n := range []int{a.T * qw, a.S * kw, a.S * kw, a.T * qw, a.S} {
		b, err := in.Alloc(4 * n)
		if err != nil {
			return err
		}
		bufs = append(bufs, b)
	}
	var mb Buf
	if mask != nil {
		var err error
		if mb, err = in.Put(mask); err != nil {
			return err
		}
	}
	gather := func(dst []float32, src []float32, rows, width, stride, off int) {
		for r := 0; r < rows; r++ {
			copy(dst[r*width:(r+1)*width], src[r*stride+off:r*stride+off+width])
		}
	}
	gather(in.Float32s(bufs[0]), q, a.T, qw, a.Heads*d, kv0*group*d)
	gather(in.Float32s(bufs[1]), k, a.S, kw, a.KVHeads*d, kv0*d)
	gather(in.Float32s(bufs[2]), v, a.S, kw, a.KVHeads*d, kv0*d)
	err := in.Attention(Attention{Q: bufs[0], K: bufs[1], V: bufs[2], Out: bufs[3], Mask: mb, Scratch: bufs[4],
		T: a.T, S: a.S, Heads: nkv * group, KVHeads: nkv, Dim: d, Scale: a.Scale, Causal: a.Causal})
	if err != nil {
		return err
	}
	res := in.Float32s(bufs[3])
	for r := 0; r < a.T; r++ {
		off := r*a.Heads*d + kv0*group*d
		copy(out[off:off+qw], res[r*qw:(r+1)*qw])
	}
	return nil
}
