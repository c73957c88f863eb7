package llama

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the committed testdata/*-tiny*.gguf fixtures from the generator")

// shape is a generated model's dimensions and kind.
type shape struct {
	arch                                 string
	hidden, heads, kvHeads, headDim, ffn int
	layers, context                      int
	ropeBase                             float64
	tied                                 bool
	vocab                                int // 0: the small SentencePiece vocabulary below
}

var (
	// tiny shapes: every row length a multiple of 32 (Q8_0, Q4_0).
	tinyShapes = map[string]shape{
		"llama": {"llama", 64, 4, 2, 16, 128, 2, 128, 10000, false, 0},
		"qwen2": {"qwen2", 64, 4, 2, 16, 128, 2, 128, 1e6, true, 0},
		// qwen3's head size is not hidden/heads, as in the real models.
		"qwen3": {"qwen3", 64, 4, 2, 32, 128, 2, 128, 1e6, true, 0},
	}
	// kShapes: row lengths a multiple of 256 for the K-quants.
	kShapes = map[string]shape{
		"llama": {"llama", 256, 4, 2, 64, 256, 2, 128, 10000, false, 0},
		"qwen2": {"qwen2", 256, 4, 2, 64, 256, 2, 128, 1e6, true, 0},
		"qwen3": {"qwen3", 256, 4, 2, 64, 256, 2, 128, 1e6, true, 0},
	}
	// bench125M is the 125M-parameter shape: 12 layers, hidden
	// 768, 12 heads with 4 KV heads, FFN 2048, vocabulary 32000, untied.
	bench125M = shape{"llama", 768, 12, 4, 64, 2048, 12, 2048, 10000, false, 32000}
)

// vocab is a small SentencePiece ("llama") vocabulary: the control tokens,
// the 256 byte-fallback tokens and a few pieces.
func vocab(arch string) (toks []string, types []int32, eos, bos int) {
	add := func(s string, t int32) {
		toks = append(toks, s)
		types = append(types, t)
	}
	add("<unk>", 2)
	add("<s>", 3)
	add("</s>", 3)
	if arch != "llama" {
		add("<|im_start|>", 3)
		add("<|im_end|>", 3) // end of turn: llama.cpp's EOG list
	}
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 6)
	}
	for _, p := range []string{"▁", "e", "t", "a", "o", "n", "▁t", "▁a", "▁the", "▁of", "▁and", "▁to",
		"▁in", "▁is", "▁it", "▁hello", "▁world", "er", "in", "on", "an", "re", "▁s", "▁w", "▁c"} {
		add(p, 1)
	}
	return toks, types, 2, 1
}

// wtypes is the weight type of each kind of matrix in a generated file.
type wtypes struct {
	name                          string // file name suffix
	embd, attn, v, ffn, down, out gguf.Type
}

func uniform(name string, t gguf.Type) wtypes { return wtypes{name, t, t, t, t, t, t} }

// q4KM mixes types the way llama.cpp's Q4_K_M does: Q4_K mostly, Q6_K for
// the value and down projections and the output.
var q4KM = wtypes{"q4_k_m", gguf.Q4_K, gguf.Q4_K, gguf.Q6_K, gguf.Q4_K, gguf.Q6_K, gguf.Q6_K}

// fixture writes a seeded random model of shape sh with weight types wt;
// norms and biases stay F32, as llama.cpp leaves them.
func fixture(t testing.TB, sh shape, wt wtypes) []byte {
	t.Helper()
	fx := testutil.NewGGUFFixture(t, 2026, 10)
	set, add := fx.Set, fx.Add
	a := sh.arch
	set("general.architecture", a)
	set("general.name", fmt.Sprintf("%s-tiny-%s (molt test fixture, seeded random weights)", a, wt.name))
	set(a+".context_length", uint32(sh.context))
	set(a+".embedding_length", uint32(sh.hidden))
	set(a+".feed_forward_length", uint32(sh.ffn))
	set(a+".block_count", uint32(sh.layers))
	set(a+".attention.head_count", uint32(sh.heads))
	set(a+".attention.head_count_kv", uint32(sh.kvHeads))
	if sh.headDim != sh.hidden/sh.heads {
		set(a+".attention.key_length", uint32(sh.headDim))
		set(a+".attention.value_length", uint32(sh.headDim))
	}
	set(a+".rope.dimension_count", uint32(sh.headDim))
	set(a+".rope.freq_base", float32(sh.ropeBase))
	set(a+".attention.layer_norm_rms_epsilon", float32(1e-6))
	nv := sh.vocab
	set("tokenizer.ggml.model", "llama")
	if nv == 0 {
		toks, types, eos, bos := vocab(a)
		nv = len(toks)
		set("tokenizer.ggml.tokens", toks)
		scores := make([]float32, nv)
		for i := range scores {
			scores[i] = -float32(i)
		}
		set("tokenizer.ggml.scores", scores)
		set("tokenizer.ggml.token_type", types)
		set("tokenizer.ggml.bos_token_id", uint32(bos))
		set("tokenizer.ggml.eos_token_id", uint32(eos))
		set("tokenizer.ggml.add_bos_token", true)
	} else {
		set("tokenizer.ggml.eos_token_id", uint32(2))
	}

	qd, kvd := sh.heads*sh.headDim, sh.kvHeads*sh.headDim
	// A small embedding keeps tied models from mostly repeating their input.
	add("token_embd.weight", wt.embd, nv, sh.hidden, 0.1, 0)
	add("output_norm.weight", gguf.F32, 1, sh.hidden, 0.1, 1)
	if !sh.tied {
		add("output.weight", wt.out, nv, sh.hidden, 1/math.Sqrt(float64(sh.hidden)), 0)
	}
	for i := 0; i < sh.layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		lin := func(name string, ty gguf.Type, rows, cols int) {
			add(p+name+".weight", ty, rows, cols, 1/math.Sqrt(float64(cols)), 0)
		}
		add(p+"attn_norm.weight", gguf.F32, 1, sh.hidden, 0.1, 1)
		lin("attn_q", wt.attn, qd, sh.hidden)
		lin("attn_k", wt.attn, kvd, sh.hidden)
		lin("attn_v", wt.v, kvd, sh.hidden)
		if a == "qwen2" {
			add(p+"attn_q.bias", gguf.F32, 1, qd, 0.1, 0)
			add(p+"attn_k.bias", gguf.F32, 1, kvd, 0.1, 0)
			add(p+"attn_v.bias", gguf.F32, 1, kvd, 0.1, 0)
		}
		if a == "qwen3" {
			add(p+"attn_q_norm.weight", gguf.F32, 1, sh.headDim, 0.1, 1)
			add(p+"attn_k_norm.weight", gguf.F32, 1, sh.headDim, 0.1, 1)
		}
		lin("attn_output", wt.attn, sh.hidden, qd)
		add(p+"ffn_norm.weight", gguf.F32, 1, sh.hidden, 0.1, 1)
		lin("ffn_gate", wt.ffn, sh.ffn, sh.hidden)
		lin("ffn_up", wt.ffn, sh.ffn, sh.hidden)
		lin("ffn_down", wt.down, sh.hidden, sh.ffn)
	}
	return fx.Bytes()
}

// committed lists the fixtures kept in testdata/: every architecture in
// F32, and llama in each other weight type (the tests generate and check
// every architecture in every type; these files are for other packages and
// for trying molt ai run).
var committed = []struct {
	file string
	sh   shape
	wt   wtypes
}{
	{"llama-tiny-f32.gguf", tinyShapes["llama"], uniform("f32", gguf.F32)},
	{"qwen2-tiny-f32.gguf", tinyShapes["qwen2"], uniform("f32", gguf.F32)},
	{"qwen3-tiny-f32.gguf", tinyShapes["qwen3"], uniform("f32", gguf.F32)},
	{"llama-tiny-f16.gguf", tinyShapes["llama"], uniform("f16", gguf.F16)},
	{"llama-tiny-q8_0.gguf", tinyShapes["llama"], uniform("q8_0", gguf.Q8_0)},
	{"llama-tiny-q4_0.gguf", tinyShapes["llama"], uniform("q4_0", gguf.Q4_0)},
	{"llama-tiny-q4_k_m.gguf", kShapes["llama"], q4KM},
	{"llama-tiny-q5_k.gguf", kShapes["llama"], uniform("q5_k", gguf.Q5_K)},
}

// TestFixturesUpToDate keeps the committed fixtures equal to what the
// generator writes; go test -run TestFixturesUpToDate -update rewrites them.
func TestFixturesUpToDate(t *testing.T) {
	for _, c := range committed {
		path := filepath.Join("..", "..", "..", "testdata", c.file)
		testutil.CheckGolden(t, path, fixture(t, c.sh, c.wt), *update)
	}
}
