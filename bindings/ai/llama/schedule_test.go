package llama

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

// TestConcurrentGenerations runs four generations at once, then again with
// prompts fed in chunks, and checks that each produces what it produces
// alone.
func TestConcurrentGenerations(t *testing.T) {
	f := testutil.ReadGGUF(t, fixture(t, tinyShapes["llama"], uniform("f32", gguf.F32)))
	m, err := Load(f, testutil.NewPool(t, kernels.SIMD, 2))
	if err != nil {
		t.Fatal(err)
	}
	prompts := [][]int{prompt, prompt[:4], {1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, {1, 280}}
	gen := func(p []int) []int {
		var out []int
		if _, err := m.Generate(context.Background(), p, Params{MaxTokens: 12}, func(id int) error {
			out = append(out, id)
			return nil
		}); err != nil {
			t.Error(err)
		}
		return out
	}
	alone := make([][]int, len(prompts))
	for i, p := range prompts {
		alone[i] = gen(p)
	}
	concurrently := func(how string) {
		together := make([][]int, len(prompts))
		var wg sync.WaitGroup
		for i, p := range prompts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				together[i] = gen(p)
			}()
		}
		wg.Wait()
		for i := range prompts {
			if !slices.Equal(alone[i], together[i]) {
				t.Errorf("prompt %d: alone %v, %s %v", i, alone[i], how, together[i])
			}
		}
	}
	concurrently("concurrently")
	// Again with passes of at most 5 tokens: prompts are fed in chunks
	// beside the other sequences' decode steps, with the same results.
	m.sched.maxRows = 5
	passes := m.sched.passes
	concurrently("concurrently in chunks")
	if m.sched.passes-passes < 14 {
		t.Fatalf("%d passes: prompts were not chunked", m.sched.passes-passes)
	}
}

// TestBatching: while four generations are in progress, the scheduler runs
// one pass for all four sequences' requests.
func TestBatching(t *testing.T) {
	f := testutil.ReadGGUF(t, fixture(t, tinyShapes["qwen3"], uniform("f32", gguf.F32)))
	m, err := Load(f, testutil.NewPool(t, kernels.SIMD, 2))
	if err != nil {
		t.Fatal(err)
	}
	m.sched.wait = time.Minute // so that only a full batch runs
	const gens, steps = 4, 3
	for i := 0; i < gens; i++ {
		m.sched.begin()
	}
	var wg sync.WaitGroup
	for g := 0; g < gens; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := m.NewSequence()
			if _, err := s.Prefill(prompt[:3+g]); err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < steps; i++ {
				if _, err := s.Decode(10 + g); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := 0; i < gens; i++ {
		m.sched.end()
	}
	if m.sched.passes != 1+steps || m.sched.widest != gens {
		t.Fatalf("%d passes, widest %d; want %d passes of %d sequences", m.sched.passes, m.sched.widest, 1+steps, gens)
	}
}

func TestSequenceErrors(t *testing.T) {
	f := testutil.ReadGGUF(t, fixture(t, tinyShapes["qwen2"], uniform("f32", gguf.F32)))
	m, err := Load(f, testutil.NewPool(t, kernels.SIMD, 1))
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSequence()
	long := make([]int, m.Context+1)
	for _, c := range []struct {
		ids  []int
		want string
	}{
		{nil, "no tokens"},
		{long, "exceed the context of 128"},
		{[]int{1, m.Vocab}, "outside the vocabulary"},
		{[]int{-1}, "outside the vocabulary"},
	} {
		if _, err := s.Prefill(c.ids); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Prefill(%d ids): %v, want %q", len(c.ids), err, c.want)
		}
	}
	if _, err := s.Prefill(long); !errors.Is(err, ErrContextLength) {
		t.Errorf("too long: %v does not wrap ErrContextLength", err)
	}
	// A sequence continues where it stopped: prefilling in two parts gives
	// the logits of prefilling at once.
	a, err := s.Prefill(prompt[:5])
	if err != nil || len(a) != m.Vocab {
		t.Fatal(err)
	}
	b, err := s.Prefill(prompt[5:])
	if err != nil {
		t.Fatal(err)
	}
	whole, err := m.NewSequence().Prefill(prompt)
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole {
		if d := whole[i] - b[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("logit %d: %v in two parts, %v at once", i, b[i], whole[i])
		}
	}
	if s.Len() != len(prompt) {
		t.Fatalf("Len %d, want %d", s.Len(), len(prompt))
	}
}

func TestLoadErrors(t *testing.T) {
	good := fixture(t, tinyShapes["qwen3"], uniform("f32", gguf.F32))
	for _, c := range []struct {
		name string
		drop string // metadata key or tensor to leave out
		set  map[string]any
		want string
	}{
		{"architecture", "", map[string]any{"general.architecture": "gpt2"}, `"gpt2" is not llama`},
		{"missing key", "qwen3.block_count", nil, "qwen3.block_count is missing"},
		{"missing tensor", "blk.1.ffn_up.weight", nil, "tensor blk.1.ffn_up.weight is missing"},
		{"missing qk norm", "blk.0.attn_q_norm.weight", nil, "attn_q_norm.weight is missing"},
		{"heads", "", map[string]any{"qwen3.attention.head_count_kv": uint32(3)}, "not a multiple of 3 kv heads"},
		{"rope scaling", "", map[string]any{"qwen3.rope.scaling.type": "yarn"}, `rope scaling "yarn" is not supported`},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := testutil.ReadGGUF(t, good)
			w := gguf.NewWriter()
			for _, kv := range g.Metadata {
				if kv.Key == c.drop {
					continue
				}
				v := kv.Value.V
				if nv, ok := c.set[kv.Key]; ok {
					v = nv
				}
				if a, ok := v.(gguf.Array); ok {
					v = a.Values
				}
				if err := w.Set(kv.Key, v); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range c.set {
				if _, ok := g.Value(k); !ok {
					if err := w.Set(k, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, ti := range g.Tensors {
				if ti.Name == c.drop {
					continue
				}
				data, _ := g.TensorData(ti)
				if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, data); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(testutil.ReadGGUF(t, writeFile(t, w)), testutil.NewPool(t, kernels.SIMD, 1))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want %q", err, c.want)
			}
		})
	}
}

func writeFile(t *testing.T, w *gguf.Writer) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRopeScaling: linear scaling divides positions by the factor, and
// rope_freqs (llama 3.1's) divides each pair's angle.
func TestRopeScaling(t *testing.T) {
	m := &Model{Config: Config{HeadDim: 8, RopeBase: 10000, RopeScale: 1}}
	plain := m.ropeTable([]int{3})
	m.RopeScale = 2
	scaled := m.ropeTable([]int{6})
	for i := range plain {
		if d := plain[i] - scaled[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("scaled position 6 differs from position 3 at %d: %v vs %v", i, scaled[i], plain[i])
		}
	}
	m.RopeScale = 1
	m.ropeFreqs = []float32{1, 2, 4, 8}
	f := m.ropeTable([]int{8})
	for i := 0; i < 4; i++ {
		theta := 8 / float64(m.ropeFreqs[i]) * math.Pow(10000, -2*float64(i)/8)
		if d := float64(f[i]) - math.Cos(theta); d > 1e-6 || d < -1e-6 {
			t.Fatalf("pair %d: cos %v, want %v", i, f[i], math.Cos(theta))
		}
	}
	// NeoX pairs (x[i], x[i+4]); normal pairs (x[2i], x[2i+1]).
	x := []float32{1, 0, 0, 0, 0, 0, 0, 0}
	m.NeoX = true
	m.rope(x, 1, m.ropeTable([]int{1}))
	if x[1] != 0 || x[4] == 0 {
		t.Fatalf("NeoX rotated into %v", x)
	}
	x = []float32{1, 0, 0, 0, 0, 0, 0, 0}
	m.NeoX = false
	m.rope(x, 1, m.ropeTable([]int{1}))
	if x[1] == 0 || x[4] != 0 {
		t.Fatalf("normal rope rotated into %v", x)
	}
}
