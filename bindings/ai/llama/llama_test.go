package llama

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// ref is a model's weights in float64 and a forward pass written plainly
// from llama.cpp's graph (llm_build_llama / qwen2 / qwen3), sharing no code
// with the package: no KV cache, every position recomputed.
type ref struct {
	sh shape
	t  map[string][]float64
}

func loadRef(t *testing.T, f *gguf.File, sh shape) ref {
	t.Helper()
	return ref{sh: sh, t: testutil.GGUFTensors(t, f)}
}

// mat: y[o] = sum_c w[o][c] x[c] (+ bias).
func (m ref) mat(x []float64, name string) []float64 {
	w, b := m.t[name+".weight"], m.t[name+".bias"]
	out := len(w) / len(x)
	y := make([]float64, out)
	for o := range y {
		row := w[o*len(x) : (o+1)*len(x)]
		for c, xc := range x {
			y[o] += row[c] * xc
		}
		if b != nil {
			y[o] += b[o]
		}
	}
	return y
}

func rmsNormRef(x, w []float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	k := 1 / math.Sqrt(ss/float64(len(x))+1e-6)
	y := make([]float64, len(x))
	for i := range x {
		y[i] = x[i] * k * w[i%len(w)]
	}
	return y
}

// ropeRef rotates one head at position p: llama.cpp's "normal" mode for
// llama (adjacent pairs), NeoX mode (halves) for qwen2 and qwen3.
func (m ref) ropeRef(x []float64, p int) {
	d := len(x)
	for i := 0; i < d/2; i++ {
		th := float64(p) * math.Pow(m.sh.ropeBase, -2*float64(i)/float64(d))
		a, b := 2*i, 2*i+1
		if m.sh.arch != "llama" {
			a, b = i, i+d/2
		}
		x0, x1 := x[a], x[b]
		x[a] = x0*math.Cos(th) - x1*math.Sin(th)
		x[b] = x0*math.Sin(th) + x1*math.Cos(th)
	}
}

// logits returns the logits after the last of ids.
func (m ref) logits(ids []int) []float64 {
	sh := m.sh
	h, dh := sh.hidden, sh.headDim
	x := make([][]float64, len(ids))
	for i, id := range ids {
		x[i] = append([]float64(nil), m.t["token_embd.weight"][id*h:(id+1)*h]...)
	}
	for l := 0; l < sh.layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		q, k, v := make([][]float64, len(ids)), make([][]float64, len(ids)), make([][]float64, len(ids))
		for i := range ids {
			xn := rmsNormRef(x[i], m.t[p+"attn_norm.weight"])
			q[i], k[i], v[i] = m.mat(xn, p+"attn_q"), m.mat(xn, p+"attn_k"), m.mat(xn, p+"attn_v")
			for hh := 0; hh < sh.heads; hh++ {
				qh := q[i][hh*dh : (hh+1)*dh]
				if sh.arch == "qwen3" {
					copy(qh, rmsNormRef(qh, m.t[p+"attn_q_norm.weight"]))
				}
				m.ropeRef(qh, i)
			}
			for hh := 0; hh < sh.kvHeads; hh++ {
				kh := k[i][hh*dh : (hh+1)*dh]
				if sh.arch == "qwen3" {
					copy(kh, rmsNormRef(kh, m.t[p+"attn_k_norm.weight"]))
				}
				m.ropeRef(kh, i)
			}
		}
		for i := range ids {
			att := make([]float64, sh.heads*dh)
			for hh := 0; hh < sh.heads; hh++ {
				kv := hh / (sh.heads / sh.kvHeads)
				keys, values := make([][]float64, i+1), make([][]float64, i+1)
				for j := range keys {
					keys[j], values[j] = k[j][kv*dh:(kv+1)*dh], v[j][kv*dh:(kv+1)*dh]
				}
				copy(att[hh*dh:], testutil.Attend(q[i][hh*dh:(hh+1)*dh], keys, values))
			}
			o := m.mat(att, p+"attn_output")
			for e := range o {
				x[i][e] += o[e]
			}
			xn := rmsNormRef(x[i], m.t[p+"ffn_norm.weight"])
			g, u := m.mat(xn, p+"ffn_gate"), m.mat(xn, p+"ffn_up")
			for e := range g {
				g[e] = g[e] / (1 + math.Exp(-g[e])) * u[e]
			}
			d := m.mat(g, p+"ffn_down")
			for e := range d {
				x[i][e] += d[e]
			}
		}
	}
	xn := rmsNormRef(x[len(ids)-1], m.t["output_norm.weight"])
	out := "output"
	if _, ok := m.t["output.weight"]; !ok {
		out = "token_embd"
	}
	return m.mat(xn, out)
}

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

var prompt = []int{1, 270, 265, 280, 262, 283, 70, 71, 275}

// tolerances of the last-position logits, as a fraction of the largest
// reference logit: the kernels compute in float32, and quantize the
// activations to 8 bits for the quantized weight types as llama.cpp does.
var weightTypes = []struct {
	wt  wtypes
	tol float64
	k   bool // needs the K-quant shapes
}{
	{uniform("f32", gguf.F32), 1e-5, false},
	{uniform("f16", gguf.F16), 1e-5, false},
	{uniform("q8_0", gguf.Q8_0), 0.03, false},
	{uniform("q4_0", gguf.Q4_0), 0.03, false},
	{uniform("q4_k", gguf.Q4_K), 0.03, true},
	{uniform("q5_k", gguf.Q5_K), 0.03, true},
	{uniform("q6_k", gguf.Q6_K), 0.03, true},
	{q4KM, 0.03, true},
}

// TestAgainstReference runs every architecture in every weight type on
// both builds of the kernels and compares with the float64 reference: the
// logits of the last prompt position, and greedy generation, where each
// token the model picks must be the reference's best (or within the
// tolerance of it, for the quantized types) given the same history.
func TestAgainstReference(t *testing.T) {
	for _, arch := range []string{"llama", "qwen2", "qwen3"} {
		for _, wt := range weightTypes {
			sh := tinyShapes[arch]
			if wt.k {
				sh = kShapes[arch]
			}
			t.Run(arch+"/"+wt.wt.name, func(t *testing.T) {
				f := testutil.ReadGGUF(t, fixture(t, sh, wt.wt))
				r := loadRef(t, f, sh)
				want := r.logits(prompt)
				var scale float64
				for _, v := range want {
					scale = max(scale, math.Abs(v))
				}
				tol := wt.tol * scale
				refLogits := map[string][]float64{} // by history, shared by both builds
				logitsAfter := func(hist []int) []float64 {
					k := fmt.Sprint(hist)
					if refLogits[k] == nil {
						refLogits[k] = r.logits(hist)
					}
					return refLogits[k]
				}
				for _, b := range []kernels.Build{kernels.SIMD, kernels.Scalar} {
					m, err := Load(f, testutil.NewPool(t, b, 2))
					if err != nil {
						t.Fatal(err)
					}
					var got []int
					res, err := m.Generate(context.Background(), prompt, Params{MaxTokens: 8},
						func(id int) error { got = append(got, id); return nil })
					if err != nil {
						t.Fatal(err)
					}
					var worst float64
					for i, w := range want {
						worst = max(worst, math.Abs(float64(res.PromptLogits[i])-w))
					}
					if worst > tol {
						t.Fatalf("%v: last-position logits differ by up to %.3g (> %.3g)", b, worst, tol)
					}
					t.Logf("%v: max |logit diff| %.3g of %.3g; tokens %v, stop %q", b, worst, scale, got, res.Stop)
					hist := append([]int(nil), prompt...)
					for i, id := range got {
						lg := logitsAfter(hist)
						best := argmax(lg)
						if id != best && (wt.tol < 1e-3 || lg[best]-lg[id] > tol) {
							t.Fatalf("%v: token %d is %d (reference logit %.4f), reference picks %d (%.4f)", b, i, id, lg[id], best, lg[best])
						}
						hist = append(hist, id)
					}
					if res.Stop == StopEOG {
						if lg := logitsAfter(hist); !m.EOG[argmax(lg)] && wt.tol < 1e-3 {
							t.Fatalf("%v: stopped at an end-of-generation token the reference does not pick", b)
						}
					} else if len(got) != 8 {
						t.Fatalf("%v: %d tokens, stop %q", b, len(got), res.Stop)
					}
				}
			})
		}
	}
}
