package kernels

import "fmt"

type fn int

// The kernels' export names, indexed by fn.
const (
	fnMatVecF32 fn = iota
	fnMatMulF32
	fnMatVecF16
	fnMatMulF16
	fnF16ToF32
	fnQuantizeQ8_0
	fnQuantizeAct
	fnMatVecQ8_0
	fnMatVecQ4_0
	fnMatMulQ8_0
	fnMatMulQ4_0
	fnLayerNorm
	fnRMSNorm
	fnSoftmax
	fnGELU
	fnSiLU
	fnAdd
	fnMul
	fnRoPE
	fnAttention
	fnMatVecQ4_K
	fnMatVecQ5_K
	fnMatVecQ6_K
	fnMatMulQ4_K
	fnMatMulQ5_K
	fnMatMulQ6_K
	numFns
)

var fnNames = [numFns]string{
	"matvec_f32", "matmul_f32", "matvec_f16", "matmul_f16", "f16_to_f32_row",
	"quantize_q8_0", "quantize_act", "matvec_q8_0", "matvec_q4_0", "matmul_q8_0", "matmul_q4_0",
	"layer_norm", "rms_norm", "softmax", "gelu", "silu", "add", "mul", "rope", "attention",
	"matvec_q4_k", "matvec_q5_k", "matvec_q6_k", "matmul_q4_k", "matmul_q5_k", "matmul_q6_k",
}

// Type is the element type of a weight matrix, with GGUF's block layouts.
type Type int

const (
	F32  Type = iota // 4-byte IEEE floats
	F16              // 2-byte IEEE halves
	Q8_0             // blocks of 32: f16 scale + 32 int8
	Q4_0             // blocks of 32: f16 scale + 16 bytes of nibbles, offset 8
	Q4_K             // super-blocks of 256 (144 bytes): 8 sub-blocks with 6-bit scales and mins, 4-bit values
	Q5_K             // Q4_K with a fifth bit per value (176 bytes)
	Q6_K             // super-blocks of 256 (210 bytes): 16 sub-blocks with int8 scales, 6-bit values offset 32
)

// quantized reports whether products with t quantize the activations (to
// the A8 layout) first.
func (t Type) quantized() bool { return t >= Q8_0 && t <= Q6_K }

// blockInfo is a quantized type's block: weights and bytes.
var blockInfo = map[Type][2]int{Q8_0: {32, 34}, Q4_0: {32, 18}, Q4_K: {256, 144}, Q5_K: {256, 176}, Q6_K: {256, 210}}

// String names the type as GGUF does.
func (t Type) String() string {
	switch t {
	case F32:
		return "F32"
	case F16:
		return "F16"
	case Q8_0:
		return "Q8_0"
	case Q4_0:
		return "Q4_0"
	case Q4_K:
		return "Q4_K"
	case Q5_K:
		return "Q5_K"
	case Q6_K:
		return "Q6_K"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// RowBytes is the size of a row of cols elements, or an error when cols does
// not fit the type's blocks.
func (t Type) RowBytes(cols int) (int, error) {
	if cols <= 0 {
		return 0, fmt.Errorf("kernels: %v row of %d columns", t, cols)
	}
	switch t {
	case F32:
		return 4 * cols, nil
	case F16:
		return 2 * cols, nil
	case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K:
		bi := blockInfo[t]
		if cols%bi[0] != 0 {
			return 0, fmt.Errorf("kernels: %v rows need a multiple of %d columns, got %d", t, bi[0], cols)
		}
		return cols / bi[0] * bi[1], nil
	}
	return 0, fmt.Errorf("kernels: unknown type %v", t)
}

// Q8Bytes is the size of n values quantized to GGUF's Q8_0 blocks.
func Q8Bytes(n int) int { return n / 32 * 34 }

// A8Bytes is the size of n activations quantized by QuantizeAct: n int16
// values, then n/32 f32 scales and n/32 f32 block sums.
func A8Bytes(n int) int { return 2*n + n/32*8 }

func dims(f fn, v ...int) error {
	for _, d := range v {
		if d <= 0 || d > 1<<30 {
			return fmt.Errorf("kernels: %s: dimension %d out of range", fnNames[f], d)
		}
	}
	return nil
}

// MatVecF32 computes y[r] = w[r,:]·x for a rows×cols f32 matrix.
func (in *Instance) MatVecF32(w, x, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecF32, F32, w, x, y, rows, cols)
}

// MatVecF16 computes y = w·x for an F16 matrix and f32 x.
func (in *Instance) MatVecF16(w, x, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecF16, F16, w, x, y, rows, cols)
}

// MatVecQ8_0 computes y = w·x for a Q8_0 matrix; xa is x quantized by
// QuantizeAct.
func (in *Instance) MatVecQ8_0(w, xa, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecQ8_0, Q8_0, w, xa, y, rows, cols)
}

// MatVecQ4_0 computes y = w·x for a Q4_0 matrix; xa is x quantized by
// QuantizeAct.
func (in *Instance) MatVecQ4_0(w, xa, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecQ4_0, Q4_0, w, xa, y, rows, cols)
}

// MatVecQ4_K computes y = w·x for a Q4_K matrix; xa is x quantized by
// QuantizeAct.
func (in *Instance) MatVecQ4_K(w, xa, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecQ4_K, Q4_K, w, xa, y, rows, cols)
}

// MatVecQ5_K is MatVecQ4_K for Q5_K weights.
func (in *Instance) MatVecQ5_K(w, xa, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecQ5_K, Q5_K, w, xa, y, rows, cols)
}

// MatVecQ6_K is MatVecQ4_K for Q6_K weights.
func (in *Instance) MatVecQ6_K(w, xa, y Buf, rows, cols int) error {
	return in.matvec(fnMatVecQ6_K, Q6_K, w, xa, y, rows, cols)
}

func (in *Instance) matvec(f fn, t Type, w, x, y Buf, rows, cols int) error {
	if err := dims(f, rows, cols); err != nil {
		return err
	}
	rb, err := t.RowBytes(cols)
	if err != nil {
		return err
	}
	xb := 4 * cols
	if t.quantized() {
		xb = A8Bytes(cols)
	}
	if err := firstErr(need(f, "w", w, rows*rb), need(f, "x", x, xb), need(f, "y", y, 4*rows)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4] = uint64(w.Off), uint64(x.Off), uint64(y.Off), i32(rows), i32(cols)
	return in.call(f)
}

// MatMulF32 computes c[m,n] = a[m,k]·b[n,k]ᵀ (b holds one output per row, as
// weight matrices do).
func (in *Instance) MatMulF32(a, b, c Buf, m, n, k int) error {
	f := fnMatMulF32
	if err := firstErr(dims(f, m, n, k), need(f, "a", a, 4*m*k), need(f, "b", b, 4*n*k), need(f, "c", c, 4*m*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5] = uint64(a.Off), uint64(b.Off), uint64(c.Off), i32(m), i32(n), i32(k)
	return in.call(f)
}

// MatMulF16 computes c = a·wᵀ for an F16 weight matrix w[n,k]; scratch holds
// 16*k bytes (four weight rows widened to f32).
func (in *Instance) MatMulF16(a, w, c, scratch Buf, m, n, k int) error {
	f := fnMatMulF16
	if err := firstErr(dims(f, m, n, k), need(f, "a", a, 4*m*k), need(f, "w", w, 2*n*k),
		need(f, "c", c, 4*m*n), need(f, "scratch", scratch, 16*k)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5], s[6] = uint64(a.Off), uint64(w.Off), uint64(c.Off), i32(m), i32(n), i32(k), uint64(scratch.Off)
	return in.call(f)
}

// F16ToF32 widens n halves from h into out.
func (in *Instance) F16ToF32(h, out Buf, n int) error {
	f := fnF16ToF32
	if err := firstErr(dims(f, n), need(f, "h", h, 2*n), need(f, "out", out, 4*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2] = uint64(h.Off), uint64(out.Off), i32(n)
	return in.call(f)
}

// QuantizeQ8_0 quantizes n floats (a multiple of 32) from x into Q8_0 blocks
// in q (Q8Bytes(n) bytes), as llama.cpp quantizes activations.
func (in *Instance) QuantizeQ8_0(x, q Buf, n int) error {
	f := fnQuantizeQ8_0
	if n%32 != 0 {
		return fmt.Errorf("kernels: quantize_q8_0: %d values is not a multiple of 32", n)
	}
	if err := firstErr(dims(f, n), need(f, "x", x, 4*n), need(f, "q", q, Q8Bytes(n))); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2] = uint64(x.Off), uint64(q.Off), i32(n)
	return in.call(f)
}

// QuantizeAct quantizes rows of n floats (n a multiple of 32) from x into
// the A8 layout the quantized products read (A8Bytes(n) bytes per row in
// a): the int8 values and f16-rounded scales of Q8_0, widened to int16 and
// f32 so that each is widened once per vector rather than once per weight
// row.
func (in *Instance) QuantizeAct(x, a Buf, rows, n int) error {
	f := fnQuantizeAct
	if n%32 != 0 {
		return fmt.Errorf("kernels: quantize_act: %d values is not a multiple of 32", n)
	}
	if err := firstErr(dims(f, rows, n), need(f, "x", x, 4*rows*n), need(f, "a", a, rows*A8Bytes(n))); err != nil {
		return err
	}
	for r := 0; r < rows; r++ {
		s := &in.stack
		s[0], s[1], s[2] = uint64(x.Off)+uint64(4*r*n), uint64(a.Off)+uint64(r*A8Bytes(n)), i32(n)
		if err := in.call(f); err != nil {
			return err
		}
	}
	return nil
}

// MatMulQ8_0 computes c[m,n] = a·wᵀ for a Q8_0 weight matrix w[n,k]; aa is m
// rows of a quantized by QuantizeAct.
func (in *Instance) MatMulQ8_0(w, aa, c Buf, m, n, k int) error {
	return in.matmulQ(fnMatMulQ8_0, Q8_0, w, aa, c, m, n, k)
}

// MatMulQ4_0 is MatMulQ8_0 for Q4_0 weights.
func (in *Instance) MatMulQ4_0(w, aa, c Buf, m, n, k int) error {
	return in.matmulQ(fnMatMulQ4_0, Q4_0, w, aa, c, m, n, k)
}

// MatMulQ4_K computes c[m,n] = a·wᵀ for a Q4_K weight matrix w[n,k]; aa is
// m rows of a quantized by QuantizeAct.
func (in *Instance) MatMulQ4_K(w, aa, c Buf, m, n, k int) error {
	return in.matmulQ(fnMatMulQ4_K, Q4_K, w, aa, c, m, n, k)
}

// MatMulQ5_K is MatMulQ4_K for Q5_K weights.
func (in *Instance) MatMulQ5_K(w, aa, c Buf, m, n, k int) error {
	return in.matmulQ(fnMatMulQ5_K, Q5_K, w, aa, c, m, n, k)
}

// MatMulQ6_K is MatMulQ4_K for Q6_K weights.
func (in *Instance) MatMulQ6_K(w, aa, c Buf, m, n, k int) error {
	return in.matmulQ(fnMatMulQ6_K, Q6_K, w, aa, c, m, n, k)
}

func (in *Instance) matmulQ(f fn, t Type, w, aq, c Buf, m, n, k int) error {
	if err := dims(f, m, n, k); err != nil {
		return err
	}
	rb, err := t.RowBytes(k)
	if err != nil {
		return err
	}
	if err := firstErr(need(f, "w", w, n*rb), need(f, "aa", aq, m*A8Bytes(k)), need(f, "c", c, 4*m*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5] = uint64(w.Off), uint64(aq.Off), uint64(c.Off), i32(m), i32(n), i32(k)
	return in.call(f)
}

// optional checks an operand that may be the zero Buf.
func optional(f fn, name string, b Buf, bytes int) error {
	if b == (Buf{}) {
		return nil
	}
	return need(f, name, b, bytes)
}

// LayerNorm normalises rows rows of n floats of x into out (which may be x)
// and applies weight w and bias b when they are not the zero Buf.
func (in *Instance) LayerNorm(x, w, b, out Buf, rows, n int, eps float32) error {
	f := fnLayerNorm
	if err := firstErr(dims(f, rows, n), need(f, "x", x, 4*rows*n), optional(f, "w", w, 4*n),
		optional(f, "b", b, 4*n), need(f, "out", out, 4*rows*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5], s[6] = uint64(x.Off), uint64(w.Off), uint64(b.Off), uint64(out.Off), i32(rows), i32(n), f32(eps)
	return in.call(f)
}

// RMSNorm scales each row of x by 1/sqrt(mean(x²)+eps) and by w (unless w is
// the zero Buf) into out (which may be x).
func (in *Instance) RMSNorm(x, w, out Buf, rows, n int, eps float32) error {
	f := fnRMSNorm
	if err := firstErr(dims(f, rows, n), need(f, "x", x, 4*rows*n), optional(f, "w", w, 4*n),
		need(f, "out", out, 4*rows*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5] = uint64(x.Off), uint64(w.Off), uint64(out.Off), i32(rows), i32(n), f32(eps)
	return in.call(f)
}

// Softmax applies softmax to each of rows rows of n floats; out may be x. A
// row of only -Inf becomes zeros.
func (in *Instance) Softmax(x, out Buf, rows, n int) error {
	f := fnSoftmax
	if err := firstErr(dims(f, rows, n), need(f, "x", x, 4*rows*n), need(f, "out", out, 4*rows*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3] = uint64(x.Off), uint64(out.Off), i32(rows), i32(n)
	return in.call(f)
}

// GELU applies the tanh-approximated GELU to n floats; out may be x.
func (in *Instance) GELU(x, out Buf, n int) error { return in.unary(fnGELU, x, out, n) }

// SiLU applies x·sigmoid(x) to n floats; out may be x.
func (in *Instance) SiLU(x, out Buf, n int) error { return in.unary(fnSiLU, x, out, n) }

func (in *Instance) unary(f fn, x, out Buf, n int) error {
	if err := firstErr(dims(f, n), need(f, "x", x, 4*n), need(f, "out", out, 4*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2] = uint64(x.Off), uint64(out.Off), i32(n)
	return in.call(f)
}

// Add writes a+b element-wise into out (which may alias either).
func (in *Instance) Add(a, b, out Buf, n int) error { return in.binary(fnAdd, a, b, out, n) }

// Mul writes a*b element-wise into out (which may alias either).
func (in *Instance) Mul(a, b, out Buf, n int) error { return in.binary(fnMul, a, b, out, n) }

func (in *Instance) binary(f fn, a, b, out Buf, n int) error {
	if err := firstErr(dims(f, n), need(f, "a", a, 4*n), need(f, "b", b, 4*n), need(f, "out", out, 4*n)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3] = uint64(a.Off), uint64(b.Off), uint64(out.Off), i32(n)
	return in.call(f)
}

// RoPE rotates adjacent pairs of every head of rows rows of x in place; cs
// holds per row the table RoPETable fills for that row's position.
func (in *Instance) RoPE(x, cs Buf, rows, heads, headDim int) error {
	f := fnRoPE
	if headDim%2 != 0 {
		return fmt.Errorf("kernels: rope: head dimension %d is odd", headDim)
	}
	if err := firstErr(dims(f, rows, heads, headDim), need(f, "x", x, 4*rows*heads*headDim),
		need(f, "cs", cs, 8*rows*headDim)); err != nil {
		return err
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4] = uint64(x.Off), uint64(cs.Off), i32(rows), i32(heads), i32(headDim)
	return in.call(f)
}

// Attention describes one scaled-dot-product attention call.
type Attention struct {
	Q, K, V, Out Buf // Q, Out: T rows of Heads*Dim; K, V: S rows of KVHeads*Dim
	Mask         Buf // zero Buf, or T*S additive floats (0 or -Inf)
	Scratch      Buf // S floats
	T, S         int // queries and keys
	Heads        int
	KVHeads      int // Heads for plain attention; fewer for grouped-query
	Dim          int // per head
	Scale        float32
	Causal       bool // query i (the last T of S) sees keys j <= i+S-T
}

// Attention computes softmax(Q·Kᵀ·Scale + Mask)·V for every head.
func (in *Instance) Attention(a Attention) error {
	f := fnAttention
	if err := dims(f, a.T, a.S, a.Heads, a.KVHeads, a.Dim); err != nil {
		return err
	}
	if a.Heads%a.KVHeads != 0 {
		return fmt.Errorf("kernels: attention: %d heads is not a multiple of %d kv heads", a.Heads, a.KVHeads)
	}
	if a.T > a.S {
		return fmt.Errorf("kernels: attention: %d queries over %d keys", a.T, a.S)
	}
	qb, kb := 4*a.T*a.Heads*a.Dim, 4*a.S*a.KVHeads*a.Dim
	if err := firstErr(need(f, "q", a.Q, qb), need(f, "k", a.K, kb), need(f, "v", a.V, kb),
		need(f, "out", a.Out, qb), optional(f, "mask", a.Mask, 4*a.T*a.S),
		need(f, "scratch", a.Scratch, 4*a.S)); err != nil {
		return err
	}
	causal := 0
	if a.Causal {
		causal = 1
	}
	s := &in.stack
	s[0], s[1], s[2], s[3], s[4], s[5] = uint64(a.Q.Off), uint64(a.K.Off), uint64(a.V.Off), uint64(a.Out.Off), uint64(a.Mask.Off), uint64(a.Scratch.Off)
	s[6], s[7], s[8], s[9], s[10], s[11], s[12] = i32(a.T), i32(a.S), i32(a.Heads), i32(a.KVHeads), i32(a.Dim), f32(a.Scale), i32(causal)
	return in.call(f)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
