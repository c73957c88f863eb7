package bert

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// refModel is the fixture's weights in float64, for a forward pass written
// plainly from the BERT paper and llama.cpp's graph, sharing no code with
// the model under test.
type refModel struct {
	t map[string][]float64
}

func loadRef(t *testing.T, f *gguf.File) refModel {
	t.Helper()
	return refModel{t: testutil.GGUFTensors(t, f)}
}

// linear: y[i][o] = sum_c x[i][c] w[o][c] + b[o].
func (m refModel) linear(x [][]float64, name string) [][]float64 {
	w, b := m.t[name+".weight"], m.t[name+".bias"]
	in := len(x[0])
	out := len(w) / in
	y := make([][]float64, len(x))
	for i := range x {
		y[i] = make([]float64, out)
		for o := 0; o < out; o++ {
			s := b[o]
			for c := 0; c < in; c++ {
				s += x[i][c] * w[o*in+c]
			}
			y[i][o] = s
		}
	}
	return y
}

func (m refModel) layerNorm(x [][]float64, name string) {
	w, b := m.t[name+".weight"], m.t[name+".bias"]
	for _, row := range x {
		var mean, v float64
		for _, e := range row {
			mean += e
		}
		mean /= float64(len(row))
		for _, e := range row {
			v += (e - mean) * (e - mean)
		}
		v /= float64(len(row))
		for j := range row {
			row[j] = (row[j]-mean)/math.Sqrt(v+fxEps)*w[j] + b[j]
		}
	}
}

func (m refModel) forward(ids []int) [][]float64 {
	h := fxHidden
	x := make([][]float64, len(ids))
	for i, id := range ids {
		x[i] = make([]float64, h)
		for j := 0; j < h; j++ {
			x[i][j] = m.t["token_embd.weight"][id*h+j] + m.t["token_types.weight"][j] + m.t["position_embd.weight"][i*h+j]
		}
	}
	m.layerNorm(x, "token_embd_norm")
	dh := h / fxHeads
	for l := 0; l < fxLayers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		q, k, v := m.linear(x, p+"attn_q"), m.linear(x, p+"attn_k"), m.linear(x, p+"attn_v")
		att := make([][]float64, len(ids))
		for i := range att {
			att[i] = make([]float64, h)
			for hd := 0; hd < fxHeads; hd++ {
				keys, values := make([][]float64, len(ids)), make([][]float64, len(ids))
				for j := range ids {
					keys[j], values[j] = k[j][hd*dh:(hd+1)*dh], v[j][hd*dh:(hd+1)*dh]
				}
				copy(att[i][hd*dh:], testutil.Attend(q[i][hd*dh:(hd+1)*dh], keys, values))
			}
		}
		o := m.linear(att, p+"attn_output")
		for i := range x {
			for j := range x[i] {
				x[i][j] += o[i][j]
			}
		}
		m.layerNorm(x, p+"attn_output_norm")
		up := m.linear(x, p+"ffn_up")
		for _, row := range up {
			for j, u := range row {
				row[j] = 0.5 * u * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(u+0.044715*u*u*u)))
			}
		}
		down := m.linear(up, p+"ffn_down")
		for i := range x {
			for j := range x[i] {
				x[i][j] += down[i][j]
			}
		}
		m.layerNorm(x, p+"layer_output_norm")
	}
	return x
}

func cosine(a []float32, b []float64) float64 {
	var ab, aa, bb float64
	for i := range b {
		ab += float64(a[i]) * b[i]
		aa += float64(a[i]) * float64(a[i])
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

// newPool is testutil.NewPool splitting every matrix, so the tests cover the parallel path.
func newPool(t testing.TB, b kernels.Build, n int) *kernels.Pool {
	t.Helper()
	p := testutil.NewPool(t, b, n)
	p.SplitBytes = 0
	return p
}

var sentences = []string{
	"Hello",
	"The quick brown fox jumped over the lazy dog.",
	"Café naïve workers run embedding models at the edge, fast!",
	strings.Repeat("token model vector ", 30), // past the 64-token context
}

// TestForwardMatchesReference runs the fixture, and the same weights in F16,
// Q8_0 and Q4_0, against the float64 reference on the F32 weights.
func TestForwardMatchesReference(t *testing.T) {
	f32, err := gguf.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f32.Close()
	ref := loadRef(t, f32)
	cases := []struct {
		typ     gguf.Type
		build   kernels.Build
		minCos  float64 // per token state
		minPool float64 // pooled embedding
	}{
		{gguf.F32, kernels.SIMD, 0.9999, 0.9999},
		{gguf.F32, kernels.Scalar, 0.9999, 0.9999},
		// Measured 1-cosine: F16 1.2e-7, Q8_0 2.1e-4, Q4_0 2.0e-2 (token).
		{gguf.F16, kernels.SIMD, 0.99999, 0.99999},
		{gguf.Q8_0, kernels.SIMD, 0.999, 0.999},
		{gguf.Q4_0, kernels.SIMD, 0.95, 0.97},
	}
	for _, c := range cases {
		t.Run(c.typ.String()+"/"+c.build.String(), func(t *testing.T) {
			f := f32
			if c.typ != gguf.F32 {
				f = testutil.ReadGGUF(t, fixture(t, c.typ))
			}
			m, err := Load(f, newPool(t, c.build, 2))
			if err != nil {
				t.Fatal(err)
			}
			worst, worstPool := 1.0, 1.0
			for _, s := range sentences {
				ids := m.Tokenizer.Encode(s)
				ids = ids[:min(len(ids), fxContext)]
				got, err := m.Forward(ids)
				if err != nil {
					t.Fatal(err)
				}
				want := ref.forward(ids)
				mean := make([]float64, fxHidden)
				for i := range ids {
					worst = min(worst, cosine(got[i*fxHidden:(i+1)*fxHidden], want[i]))
					for j, v := range want[i] {
						mean[j] += v / float64(len(ids))
					}
				}
				worstPool = min(worstPool, cosine(Pool(got, len(ids), fxHidden, PoolMean), mean))
			}
			t.Logf("worst 1-cosine: token %.2e, pooled %.2e", 1-worst, 1-worstPool)
			if worst < c.minCos || worstPool < c.minPool {
				t.Fatalf("cosine to the float64 reference: token %.6f (want >= %v), pooled %.6f (want >= %v)", worst, c.minCos, worstPool, c.minPool)
			}
		})
	}
}

func TestEmbed(t *testing.T) {
	f, err := gguf.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f, newPool(t, kernels.SIMD, 1))
	if err != nil {
		t.Fatal(err)
	}
	ref := loadRef(t, f)
	for _, s := range sentences {
		got, err := m.Embed(s)
		if err != nil {
			t.Fatal(err)
		}
		var norm float64
		for _, v := range got {
			norm += float64(v) * float64(v)
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Errorf("%q: |embedding|² = %v", s, norm)
		}
		ids := m.Tokenizer.Encode(s)
		if len(ids) > fxContext { // Embed keeps [SEP] when it truncates
			ids = append(ids[:fxContext-1], ids[len(ids)-1])
		}
		want := make([]float64, fxHidden)
		for _, row := range ref.forward(ids) {
			for j, v := range row {
				want[j] += v
			}
		}
		if c := cosine(got, want); c < 0.9999 {
			t.Errorf("%q: cosine %.6f to the reference", s, c)
		}
	}
	// Similar texts are closer than different ones even with random weights,
	// since most of their tokens agree.
	a, _ := m.Embed("the quick brown fox")
	b, _ := m.Embed("the quick brown dog")
	c, _ := m.Embed("中文 日本語 !!!")
	dot := func(x, y []float32) (s float32) {
		for i := range x {
			s += x[i] * y[i]
		}
		return s
	}
	if dot(a, b) <= dot(a, c) {
		t.Errorf("similarity: fox~dog %v, fox~CJK %v", dot(a, b), dot(a, c))
	}
}

// TestEmbedBatch checks that texts embedded together in one pass match the
// reference run on each text alone, for both poolings.
func TestEmbedBatch(t *testing.T) {
	f, err := gguf.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Load(f, newPool(t, kernels.SIMD, 2))
	if err != nil {
		t.Fatal(err)
	}
	ref := loadRef(t, f)
	for _, p := range []Pooling{PoolMean, PoolCLS} {
		got, err := m.EmbedBatch(sentences, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(sentences) {
			t.Fatalf("%d embeddings for %d texts", len(got), len(sentences))
		}
		for i, s := range sentences {
			states := ref.forward(m.Tokens(s))
			want := make([]float64, fxHidden)
			if p == PoolCLS {
				copy(want, states[0])
			}
			for _, row := range states {
				for j, v := range row {
					if p == PoolMean {
						want[j] += v
					}
				}
			}
			if c := cosine(got[i], want); c < 0.9999 {
				t.Errorf("pooling %d, %q: cosine %.6f to the reference", p, s, c)
			}
		}
	}
	if _, err := m.EmbedBatch(sentences, PoolNone); err == nil {
		t.Error("EmbedBatch with pooling none succeeded")
	}
}

func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	f := testutil.ReadGGUF(t, good)
	// rewrite copies the fixture with edits to its metadata and tensors.
	rewrite := func(meta map[string]any, dropTensor string, retype map[string]gguf.Type) *gguf.File {
		w := gguf.NewWriter()
		for _, kv := range f.Metadata {
			v := any(kv.Value)
			if nv, ok := meta[kv.Key]; ok {
				v = nv
			}
			if v != nil {
				w.Set(kv.Key, v)
			}
		}
		for _, ti := range f.Tensors {
			if ti.Name == dropTensor {
				continue
			}
			data, _ := f.TensorData(ti)
			typ := ti.Type
			if nt, ok := retype[ti.Name]; ok {
				x, _ := gguf.Dequantize(ti.Type, data, int(ti.Elements()))
				data, _ = gguf.Encode(nt, x)
				if nt == gguf.Q4_1 {
					data = make([]byte, ti.Elements()/32*20)
				}
				typ = nt
			}
			if err := w.AddTensor(ti.Name, typ, ti.Dims, data); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return testutil.ReadGGUF(t, buf.Bytes())
	}
	cases := []struct {
		name string
		file *gguf.File
		want string
	}{
		{"llama", rewrite(map[string]any{"general.architecture": "llama"}, "", nil), `architecture is "llama"`},
		{"no heads", rewrite(map[string]any{"bert.attention.head_count": nil}, "", nil), "head_count is missing"},
		{"heads", rewrite(map[string]any{"bert.attention.head_count": uint32(5)}, "", nil), "not a multiple of 5 heads"},
		{"causal", rewrite(map[string]any{"bert.attention.causal": true}, "", nil), "causal"},
		{"pooling", rewrite(map[string]any{"bert.pooling_type": uint32(4)}, "", nil), "pooling type 4"},
		{"missing tensor", rewrite(nil, "blk.1.ffn_up.weight", nil), "blk.1.ffn_up.weight is missing"},
		{"wrong shape", rewrite(map[string]any{"bert.feed_forward_length": uint32(96)}, "", nil), "blk.0.ffn_up.weight has dimensions [64 128], want [64 96]"},
		{"unsupported type", rewrite(nil, "", map[string]gguf.Type{"blk.0.attn_q.weight": gguf.Q4_1}), "type Q4_1"},
		{"tokenizer", rewrite(map[string]any{"tokenizer.ggml.model": "gpt2"}, "", nil), `"gpt2" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.file, newPool(t, kernels.SIMD, 1))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	m, err := Load(f, newPool(t, kernels.SIMD, 1))
	if err != nil {
		t.Fatal(err)
	}
	if m.Pooling != PoolMean {
		t.Errorf("pooling %v", m.Pooling)
	}
	for _, c := range []struct {
		meta map[string]any
		want Pooling
	}{{map[string]any{"bert.pooling_type": nil}, PoolMean}, {map[string]any{"bert.pooling_type": uint32(2)}, PoolCLS},
		{map[string]any{"bert.pooling_type": uint32(0)}, PoolNone}} {
		mm, err := Load(rewrite(c.meta, "", nil), newPool(t, kernels.SIMD, 1))
		if err != nil || mm.Pooling != c.want {
			t.Fatalf("pooling %v (%v), want %v", mm.Pooling, err, c.want)
		}
		_, err = mm.Embed("hello")
		if (err != nil) != (c.want == PoolNone) {
			t.Fatalf("pooling %v: Embed error %v", c.want, err)
		}
	}
	for _, ids := range [][]int{nil, make([]int, fxContext+1), {2, 99999, 3}} {
		if _, err := m.Forward(ids); err == nil {
			t.Errorf("Forward(%d ids) succeeded", len(ids))
		}
	}
}
