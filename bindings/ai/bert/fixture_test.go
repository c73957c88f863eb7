package bert

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
)

var (
	update  = flag.Bool("update", false, "rewrite testdata/bert-tiny.gguf from the generator")
	queries = flag.String("queries", "", "TestPrintExample: queries separated by |")
)

const (
	fixturePath = "../../../testdata/bert-tiny.gguf"
	vocabPath   = "../../../testdata/bert-vocab.txt"
)

// The fixture's shape: small, but every dimension a multiple of 32 so the
// same weights can be written as Q8_0 and Q4_0.
const (
	fxHidden  = 64
	fxHeads   = 4
	fxFFN     = 128
	fxLayers  = 2
	fxContext = 64
	fxEps     = 1e-12
)

// shape is a model's dimensions. A vocab larger than the test vocabulary
// pads it with [unusedN] tokens, as BERT vocabularies have, so that the
// token embedding table has a real model's size.
type shape struct{ hidden, heads, ffn, layers, context, vocab int }

var (
	tinyShape = shape{fxHidden, fxHeads, fxFFN, fxLayers, fxContext, 0}
	// bgeSmall is the shape of bge-small-en-v1.5 / all-MiniLM-L12 (33M
	// parameters), for benchmarks.
	bgeSmall = shape{384, 12, 1536, 12, 512, 30522}
)

// phantom converts a WordPiece vocabulary entry the way llama.cpp's
// convert_hf_to_gguf.py does for BERT.
func phantom(tok string) string {
	switch {
	case strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, "]"):
		return tok
	case strings.HasPrefix(tok, "##"):
		return tok[2:]
	}
	return "\u2581" + tok
}

// fixture writes the seeded random BERT model with weight matrices (and
// token_embd, as llama.cpp quantizes it too) of type typ; norms, biases and
// the small embeddings stay F32.
func fixture(t testing.TB, typ gguf.Type) []byte {
	t.Helper()
	return fixtureShape(t, typ, tinyShape)
}

// fixtureShape is fixture for any shape.
func fixtureShape(t testing.TB, typ gguf.Type, sh shape) []byte {
	t.Helper()
	vf, err := os.Open(vocabPath)
	if err != nil {
		t.Fatal(err)
	}
	defer vf.Close()
	var toks []string
	var types []int32
	ids := map[string]uint32{}
	for sc := bufio.NewScanner(vf); sc.Scan(); {
		w := sc.Text()
		ids[w] = uint32(len(toks))
		toks = append(toks, phantom(w))
		switch {
		case w == "[UNK]":
			types = append(types, 2)
		case strings.HasPrefix(w, "["):
			types = append(types, 3)
		default:
			types = append(types, 1)
		}
	}
	for len(toks) < sh.vocab {
		toks = append(toks, fmt.Sprintf("[unused%d]", len(toks)))
		types = append(types, 5)
	}
	fx := testutil.NewGGUFFixture(t, 2026, 6)
	set, add := fx.Set, fx.Add
	set("general.architecture", "bert")
	set("general.name", "bert-tiny (molt test fixture, seeded random weights)")
	set("bert.context_length", uint32(sh.context))
	set("bert.embedding_length", uint32(sh.hidden))
	set("bert.feed_forward_length", uint32(sh.ffn))
	set("bert.block_count", uint32(sh.layers))
	set("bert.attention.head_count", uint32(sh.heads))
	set("bert.attention.layer_norm_epsilon", float32(fxEps))
	set("bert.attention.causal", false)
	set("bert.pooling_type", uint32(PoolMean))
	set("tokenizer.ggml.model", "bert")
	set("tokenizer.ggml.tokens", toks)
	set("tokenizer.ggml.token_type", types)
	set("tokenizer.ggml.bos_token_id", ids["[CLS]"])
	set("tokenizer.ggml.eos_token_id", ids["[SEP]"])
	set("tokenizer.ggml.seperator_token_id", ids["[SEP]"])
	set("tokenizer.ggml.unknown_token_id", ids["[UNK]"])
	set("tokenizer.ggml.padding_token_id", ids["[PAD]"])
	set("tokenizer.ggml.mask_token_id", ids["[MASK]"])

	add("token_embd.weight", typ, len(toks), sh.hidden, 0.5, 0)
	add("token_types.weight", gguf.F32, 2, sh.hidden, 0.1, 0)
	add("position_embd.weight", gguf.F32, sh.context, sh.hidden, 0.1, 0)
	add("token_embd_norm.weight", gguf.F32, 1, sh.hidden, 0.1, 1)
	add("token_embd_norm.bias", gguf.F32, 1, sh.hidden, 0.1, 0)
	for i := 0; i < sh.layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		lin := func(name string, rows, cols int) {
			add(p+name+".weight", typ, rows, cols, 1/math.Sqrt(float64(cols)), 0)
			add(p+name+".bias", gguf.F32, 1, rows, 0.05, 0)
		}
		nrm := func(name string) {
			add(p+name+".weight", gguf.F32, 1, sh.hidden, 0.1, 1)
			add(p+name+".bias", gguf.F32, 1, sh.hidden, 0.1, 0)
		}
		lin("attn_q", sh.hidden, sh.hidden)
		lin("attn_k", sh.hidden, sh.hidden)
		lin("attn_v", sh.hidden, sh.hidden)
		lin("attn_output", sh.hidden, sh.hidden)
		nrm("attn_output_norm")
		lin("ffn_up", sh.ffn, sh.hidden)
		lin("ffn_down", sh.hidden, sh.ffn)
		nrm("layer_output_norm")
	}
	return fx.Bytes()
}

// TestFixtureUpToDate keeps testdata/bert-tiny.gguf equal to what the
// generator writes; go test -run TestFixtureUpToDate -update rewrites it.
func TestFixtureUpToDate(t *testing.T) {
	testutil.CheckGolden(t, fixturePath, fixture(t, gguf.F32), *update)
}
