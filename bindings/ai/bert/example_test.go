package bert

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/moltworker/molt/bindings/ai/gguf"
	"github.com/moltworker/molt/kernels"
)

// The semantic-search example's spec states the scores and rankings its worker answers with
// the test model standing in for bge-small. TestExampleSpec recomputes them with the float64
// reference forward pass, from the example's documents and the spec's queries, so that the
// spec's numbers come from a computation independent of molt's kernels.
const (
	exampleDocs = "../../../examples/ai-search/src/docs.json"
	exampleSpec = "../../../examples/ai-search/spec.json"
)

// refEmbed is the reference embedding of text: mean (or CLS) pooled, L2-normalised.
func refEmbed(ref refModel, m *Model, text string, cls bool) []float64 {
	states := ref.forward(m.Tokens(text))
	v := make([]float64, fxHidden)
	for i, row := range states {
		for j, x := range row {
			if !cls {
				v[j] += x / float64(len(states))
			} else if i == 0 {
				v[j] = x
			}
		}
	}
	var n float64
	for _, x := range v {
		n += x * x
	}
	for j := range v {
		v[j] /= math.Sqrt(n)
	}
	return v
}

func dot64(a, b []float64) (s float64) {
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// round3 is the worker's Math.round(x * 1000) / 1000.
func round3(x float64) float64 { return math.Floor(x*1000+0.5) / 1000 }

// exampleDoc is one document of the example.
type exampleDoc struct{ ID, Text string }

// exampleModel loads the test model (for its tokenizer), its reference and the example's
// documents.
func exampleModel(t *testing.T) (*Model, refModel, []exampleDoc) {
	f, err := gguf.Open(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := Load(f, newPool(t, kernels.Scalar, 1))
	if err != nil {
		t.Fatal(err)
	}
	var docs []exampleDoc
	readJSON(t, exampleDocs, &docs)
	return m, loadRef(t, f), docs
}

func readJSON(t *testing.T, path string, v any) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestExampleSpec(t *testing.T) {
	m, ref, docs := exampleModel(t)
	var spec struct {
		Cases []struct {
			Name    string
			Request struct{ Path string }
			// Response.JSON is the expected body.
			Response struct{ JSON map[string]any }
		}
	}
	readJSON(t, exampleSpec, &spec)
	vecs := make([][]float64, len(docs))
	for i, d := range docs {
		vecs[i] = refEmbed(ref, m, d.Text, false)
	}
	checked := 0
	for _, c := range spec.Cases {
		u, err := url.Parse(c.Request.Path)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		var want map[string]any
		switch {
		case u.Path == "/search" && q.Get("q") != "" && c.Response.JSON["results"] != nil:
			qv := refEmbed(ref, m, q.Get("q"), false)
			order := make([]int, len(docs))
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(a, b int) bool { return dot64(qv, vecs[order[a]]) > dot64(qv, vecs[order[b]]) })
			k := 3
			if s := q.Get("k"); s != "" {
				k, _ = strconv.Atoi(s)
			}
			var results []any
			for _, i := range order[:min(k, len(order))] {
				s := dot64(qv, vecs[i])
				nearBoundary(t, c.Name, s)
				results = append(results, map[string]any{"id": docs[i].ID, "score": round3(s), "text": docs[i].Text})
			}
			want = map[string]any{"query": q.Get("q"), "results": results}
		case u.Path == "/similar":
			cls := q.Get("pooling") == "cls"
			s := dot64(refEmbed(ref, m, q.Get("a"), cls), refEmbed(ref, m, q.Get("b"), cls))
			nearBoundary(t, c.Name, s)
			pooling := "mean"
			if cls {
				pooling = "cls"
			}
			want = map[string]any{"shape": []any{2.0, float64(fxHidden)}, "pooling": pooling, "cosine": round3(s)}
		default:
			continue
		}
		checked++
		// Through JSON, so that numbers compare as the spec's float64s.
		raw, _ := json.Marshal(want)
		var w any
		json.Unmarshal(raw, &w)
		if !reflect.DeepEqual(w, any(c.Response.JSON)) {
			t.Errorf("case %q: the reference answers\n%s\nthe spec says\n%s", c.Name, raw, mustJSON(c.Response.JSON))
		}
	}
	if checked < 3 {
		t.Fatalf("only %d cases of %s checked", checked, exampleSpec)
	}
}

// nearBoundary fails when x is so close to a rounding boundary of 3 decimals that molt's
// float32 result could round the other way: the spec should not test such a value.
func nearBoundary(t *testing.T, name string, x float64) {
	t.Helper()
	frac := x*1000 - math.Floor(x*1000)
	if math.Abs(frac-0.5) < 1e-3 {
		t.Errorf("case %q: score %v is within 1e-6 of a rounding boundary; choose another query", name, x)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}

// TestPrintExample prints the reference's answers for queries, to write spec cases from:
//
//	go test -run TestPrintExample -v -args -queries 'quick fox|learn to spell' ./bindings/ai/bert/
func TestPrintExample(t *testing.T) {
	if *queries == "" {
		t.Skip("no -queries")
	}
	m, ref, docs := exampleModel(t)
	for _, q := range strings.Split(*queries, "|") {
		qv := refEmbed(ref, m, q, false)
		var line []string
		for _, d := range docs {
			line = append(line, fmt.Sprintf("%s=%.5f", d.ID, dot64(qv, refEmbed(ref, m, d.Text, false))))
		}
		t.Logf("%q (%d tokens): %s", q, len(m.Tokens(q)), strings.Join(line, " "))
	}
}
