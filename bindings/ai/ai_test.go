package ai

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moltworker/molt/bindings/ai/bert"
	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/internal/testutil"
	"github.com/moltworker/molt/kernels"
)

const (
	fixture  = "../../testdata/bert-tiny.gguf"
	bgeSmall = "@cf/baai/bge-small-en-v1.5"
)

// modelsDir writes a models directory whose index holds lines.
func modelsDir(t *testing.T, lines string) string {
	return testutil.WriteFiles(t, map[string]string{IndexFile: lines})
}

// fixtureDir is a models directory naming the test model bge-small, by a
// path relative to the directory.
func fixtureDir(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := modelsDir(t, "# test models\n\""+bgeSmall+"\" = \"tiny.gguf\"\n")
	if err := os.Symlink(abs, filepath.Join(dir, "tiny.gguf")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newLog() (*slog.Logger, *testutil.SyncBuffer) {
	b := &testutil.SyncBuffer{}
	return slog.New(slog.NewTextHandler(b, nil)), b
}

func TestRunEmbeddings(t *testing.T) {
	log, _ := newLog()
	r, err := Open(fixtureDir(t), log)
	if err != nil {
		t.Fatal(err)
	}
	// The same model, loaded on its own, is what the binding must answer.
	f, err := gguf.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pool := testutil.NewPool(t, kernels.SIMD, 1)
	want, err := bert.Load(f, pool)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"the quick brown fox", "hello world", "model vector token"}
	for _, c := range []struct {
		inputs  string
		texts   []string
		pooling bert.Pooling
		name    string
	}{
		{`{"text": "the quick brown fox"}`, texts[:1], bert.PoolMean, "mean"},
		{`{"text": ["the quick brown fox", "hello world", "model vector token"]}`, texts, bert.PoolMean, "mean"},
		{`{"text": ["hello world"], "pooling": "cls"}`, texts[1:2], bert.PoolCLS, "cls"},
		{`{"text": "hello world", "pooling": "mean"}`, texts[1:2], bert.PoolMean, "mean"},
	} {
		var inputs map[string]any
		if err := json.Unmarshal([]byte(c.inputs), &inputs); err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(context.Background(), bgeSmall, inputs)
		if err != nil {
			t.Fatalf("%s: %v", c.inputs, err)
		}
		got := res.(Embeddings)
		if got.Shape != [2]int{len(c.texts), 64} || len(got.Data) != len(c.texts) || got.Pooling != c.name {
			t.Fatalf("%s: shape %v, %d vectors, pooling %q", c.inputs, got.Shape, len(got.Data), got.Pooling)
		}
		for i, s := range c.texts {
			w, err := want.EmbedBatch([]string{s}, c.pooling)
			if err != nil {
				t.Fatal(err)
			}
			var dot float64
			for j := range w[0] {
				dot += float64(w[0][j]) * float64(got.Data[i][j])
			}
			if math.Abs(dot-1) > 1e-5 {
				t.Errorf("%s: text %d: cosine %v to the model run alone", c.inputs, i, dot)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	log, logs := newLog()
	dir := fixtureDir(t)
	if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(`"`+bgeSmall+`" = "tiny.gguf"
"@cf/missing/file" = "absent.gguf"
"@cf/not/gguf" = "models.toml"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model, inputs string
		code          int
		desc          string
	}{
		{"@cf/unknown/model", `{"text": "x"}`, 5007, "No such model @cf/unknown/model or task"},
		{"@cf/missing/file", `{"text": "x"}`, 5007, "No such model @cf/missing/file or task"},
		{"@cf/not/gguf", `{"text": "x"}`, 5007, "No such model @cf/not/gguf or task"},
		{bgeSmall, `{}`, 5006, "Error: required properties at '/' are 'text'"},
		{bgeSmall, `{"prompt": "x"}`, 5006, "Error: required properties at '/' are 'text'"},
		{bgeSmall, `{"text": 42}`, 5006, "Error: type mismatch at '/text': a number is not a string or an array of strings"},
		{bgeSmall, `{"text": null}`, 5006, "Error: type mismatch at '/text': null is not a string or an array of strings"},
		{bgeSmall, `{"text": []}`, 5006, "Error: array at '/text' must have 1 to 100 items, got 0"},
		{bgeSmall, `{"text": ["a", 1]}`, 5006, "Error: type mismatch at '/text/1': a number is not a string"},
		{bgeSmall, `{"text": "a", "pooling": "max"}`, 5006, "Error: value at '/pooling' must be one of 'mean', 'cls', got a string"},
	}
	for _, c := range cases {
		var inputs map[string]any
		if err := json.Unmarshal([]byte(c.inputs), &inputs); err != nil {
			t.Fatal(err)
		}
		_, err := r.Run(context.Background(), c.model, inputs)
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != c.code || ae.Description != c.desc || ae.Name != "AiError" {
			t.Errorf("%s %s: error %#v, want %d %q", c.model, c.inputs, err, c.code, c.desc)
		}
	}
	hundredAndOne := make([]any, 101)
	for i := range hundredAndOne {
		hundredAndOne[i] = "x"
	}
	if _, err := r.Run(context.Background(), bgeSmall, map[string]any{"text": hundredAndOne}); err == nil || !strings.Contains(err.Error(), "got 101") {
		t.Errorf("101 texts: %v", err)
	}
	// The worker sees "No such model"; the log says why.
	for _, want := range []string{"is not installed: add a line to " + filepath.Join(r.Dir, IndexFile), "absent.gguf: no such file", "not/gguf"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestOpenIndex(t *testing.T) {
	r, err := Open(filepath.Join(t.TempDir(), "none"), nil)
	if err != nil || len(r.Names()) != 0 {
		t.Fatalf("missing directory: %v, %v", r, err)
	}
	for _, c := range []struct{ index, want string }{
		{"\"a\" = \"x.gguf\"\n\"b\" = \n", "models.toml:2"},
		{"\"a\" = 3\n", `"a" must be the name of a GGUF file (a string), got 3`},
		{"\"a\" = \"\"\n", `"a" must be the name of a GGUF file`},
	} {
		if _, err := Open(modelsDir(t, c.index), nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.index, err, c.want)
		}
	}
	dir := modelsDir(t, "\"@cf/b\" = \"sub/b.gguf\"\n\"@cf/a\" = \"/abs/a.gguf\"\n")
	r, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), " "); got != "@cf/a @cf/b" {
		t.Errorf("names %q", got)
	}
	if f, _ := r.File("@cf/b"); f != filepath.Join(r.Dir, "sub", "b.gguf") {
		t.Errorf("relative file %q", f)
	}
	if f, _ := r.File("@cf/a"); f != "/abs/a.gguf" {
		t.Errorf("absolute file %q", f)
	}
}

// TestSharedLoad checks that registries naming the same file, run
// concurrently, load it once and share it.
func TestSharedLoad(t *testing.T) {
	log, logs := newLog()
	abs, _ := filepath.Abs(fixture)
	// A copy, so that no other test has loaded this path already.
	raw, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "shared.gguf")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var regs []*Registry
	for _, name := range []string{"@cf/one", "@cf/two"} {
		r, err := Open(modelsDir(t, "\""+name+"\" = \""+file+"\"\n"), log)
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, r)
	}
	models := make([]Model, 8)
	var wg sync.WaitGroup
	for i := range models {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := regs[i%2]
			m, err := r.Load(context.Background(), r.Names()[0])
			if err != nil {
				t.Error(err)
			}
			models[i] = m
		}()
	}
	wg.Wait()
	for _, m := range models[1:] {
		if m != models[0] {
			t.Fatal("registries got different models for one file")
		}
	}
	if n := strings.Count(logs.String(), "ai: loading model"); n != 1 {
		t.Errorf("%d loads:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "ai: model loaded") || !strings.Contains(logs.String(), "type=F32") {
		t.Errorf("no progress in the log:\n%s", logs)
	}
}

func TestDescribe(t *testing.T) {
	f, err := gguf.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info := Describe(f, fixture)
	fi, _ := os.Stat(fixture)
	if info.Architecture != "bert" || info.Dims != 64 || info.Context != 64 || info.Quantization != "F32" || info.Size != fi.Size() {
		t.Errorf("%+v", info)
	}
}

func TestRunJSON(t *testing.T) {
	r, err := Open(fixtureDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.RunJSON(context.Background(), bgeSmall, []byte(`{"text": ["hello", "world"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Shape   []int       `json:"shape"`
		Data    [][]float64 `json:"data"`
		Pooling string      `json:"pooling"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Data) != 2 || len(res.Data[1]) != 64 || res.Pooling != "mean" || res.Shape[0] != 2 || res.Shape[1] != 64 {
		t.Fatalf("%s (%v)", out, err)
	}
	for _, c := range []struct {
		model, inputs, want string
	}{
		{"@cf/nope", `{"text": "x"}`, "5007: No such model @cf/nope or task"},
		{"@cf/nope", `"x"`, "5007: No such model @cf/nope or task"},
		{bgeSmall, `"x"`, "5006: Error: type mismatch at '/': a string is not an object"},
		{bgeSmall, `[1]`, "5006: Error: type mismatch at '/': an array is not an object"},
		{bgeSmall, `{`, "5006: Error: the inputs are not JSON: unexpected end of JSON input"},
		{bgeSmall, "", "5006: Error: required properties at '/' are 'text'"},
	} {
		var in []byte
		if c.inputs != "" {
			in = []byte(c.inputs)
		}
		if _, err := r.RunJSON(context.Background(), c.model, in); err == nil || err.Error() != c.want {
			t.Errorf("%s %s: %v, want %q", c.model, c.inputs, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.RunJSON(ctx, bgeSmall, []byte(`{"text": "x"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
