package vectorize

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "vectorize.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newIndexBinding(t *testing.T, s *Store, name string, dims int, m Metric) *Binding {
	t.Helper()
	if _, err := s.CreateIndex(IndexConfig{Name: name, Dimensions: dims, Metric: m}); err != nil {
		t.Fatal(err)
	}
	return NewBinding(s, name)
}

// Scores follow Cloudflare's definitions and order per metric.
func TestScoresPerMetric(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	vs := []Vector{
		{ID: "x", Values: []float32{1, 0}},
		{ID: "y", Values: []float32{0, 2}},
		{ID: "xy", Values: []float32{3, 3}},
	}
	q := []float32{2, 0}
	tests := []struct {
		metric Metric
		ids    []string
		scores []float64
	}{
		{Cosine, []string{"x", "xy", "y"}, []float64{1, 0.70710678, 0}},
		{Euclidean, []string{"x", "y", "xy"}, []float64{1, 2.82842712, 3.16227766}},
		{DotProduct, []string{"xy", "x", "y"}, []float64{-6, -2, 0}},
	}
	for _, tt := range tests {
		t.Run(string(tt.metric), func(t *testing.T) {
			b := newIndexBinding(t, s, "m-"+string(tt.metric), 2, tt.metric)
			if _, err := b.Upsert(append([]Vector(nil), vs...)); err != nil {
				t.Fatal(err)
			}
			res, err := b.Query(q, QueryOptions{TopK: 3})
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != 3 {
				t.Fatalf("count %d", res.Count)
			}
			for i, m := range res.Matches {
				if m.ID != tt.ids[i] || abs(m.Score-tt.scores[i]) > 1e-6 {
					t.Errorf("match %d = %s %.8f, want %s %.8f", i, m.ID, m.Score, tt.ids[i], tt.scores[i])
				}
			}
		})
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Every documented limit and mis-use is refused with the live service's error shape.
func TestErrors(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	b := newIndexBinding(t, s, "errs", 3, Cosine)
	v3 := []float32{1, 2, 3}
	many := func(n int) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprint(i)
		}
		return ids
	}
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"wrong dimensions", func() error { _, err := b.Upsert([]Vector{{ID: "a", Values: []float32{1}}}); return err },
			`VECTOR_UPSERT_ERROR (code = 40012): invalid vector for id="a", expected 3 dimensions, and got 1 dimensions`},
		{"long id", func() error { _, err := b.Insert([]Vector{{ID: strings.Repeat("i", 65), Values: v3}}); return err },
			"VECTOR_INSERT_ERROR (code = 40008): id too long; max is 64 bytes, got 65 bytes"},
		{"big metadata", func() error {
			_, err := b.Upsert([]Vector{{ID: "a", Values: v3, Metadata: json.RawMessage(`{"t":"` + strings.Repeat("x", 10240) + `"}`)}})
			return err
		}, "metadata too large"},
		{"metadata not an object", func() error {
			_, err := b.Upsert([]Vector{{ID: "a", Values: v3, Metadata: json.RawMessage(`[1]`)}})
			return err
		}, "it must be a JSON object"},
		{"query dimensions", func() error { _, err := b.Query([]float32{1, 2}, QueryOptions{}); return err },
			"VECTOR_QUERY_ERROR (code = 40006): invalid query vector, expected 3 dimensions, and got 2 dimensions"},
		{"topK over 100", func() error { _, err := b.Query(v3, QueryOptions{TopK: 101}); return err },
			"VECTOR_QUERY_ERROR (code = 40025): max top K is 100, but got 101"},
		{"topK over 20 with values", func() error { _, err := b.Query(v3, QueryOptions{TopK: 21, ReturnValues: true}); return err },
			"VECTOR_QUERY_ERROR (code = 40025): with returnValues=true or returnMetadata=all, max top K is 20, but got 21"},
		{"topK over 20 with all metadata", func() error { _, err := b.Query(v3, QueryOptions{TopK: 21, ReturnMetadata: "all"}); return err },
			"max top K is 20, but got 21"},
		{"get too many", func() error { _, err := b.GetByIDs(many(21)); return err },
			"VECTOR_GET_ERROR (code = 40007): too many ids in payload; max id count is 20, got 21"},
		{"delete too many", func() error { _, err := b.DeleteByIDs(many(101)); return err },
			"VECTOR_DELETE_ERROR (code = 40007): too many ids in payload; max id count is 100, got 101"},
		{"missing index", func() error { _, err := NewBinding(s, "nope").Describe(); return err },
			`INDEX_GET_ERROR: index "nope" not found`},
		{"bad filter", func() error {
			_, err := b.Query(v3, QueryOptions{Filter: json.RawMessage(`{"a":{"$regex":"x"}}`)})
			return err
		}, `unsupported operator "$regex"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var ve *Error
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a *Error containing %q", err, tt.want)
			}
		})
	}
	for _, cfg := range []IndexConfig{{Name: "big", Dimensions: 1537, Metric: Cosine}, {Name: "m", Dimensions: 3, Metric: "manhattan"}, {Name: "bad name!", Dimensions: 3, Metric: Cosine}, {Name: "errs", Dimensions: 3, Metric: Cosine}} {
		if _, err := s.CreateIndex(cfg); err == nil {
			t.Errorf("CreateIndex(%+v) succeeded", cfg)
		}
	}
}

// Insert keeps existing vectors, upsert replaces them whole; get, delete and describe see it.
func TestMutations(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	b := newIndexBinding(t, s, "mut", 2, Euclidean)
	m1, err := b.Insert([]Vector{{ID: "a", Values: []float32{1, 1}, Metadata: json.RawMessage(`{"k":1}`)}, {ID: "b", Namespace: "ns", Values: []float32{2, 2}}})
	if err != nil || len(m1.MutationID) != 36 {
		t.Fatalf("insert: %+v %v", m1, err)
	}
	if _, err := b.Insert([]Vector{{ID: "a", Values: []float32{9, 9}}}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.GetByIDs([]string{"b", "zz", "a"})
	if len(got) != 2 || got[0].ID != "b" || got[0].Namespace != "ns" || got[1].Values[0] != 1 || string(got[1].Metadata) != `{"k":1}` {
		t.Fatalf("after insert of an existing id: %+v", got)
	}
	m2, err := b.Upsert([]Vector{{ID: "a", Values: []float32{9, 9}}})
	if err != nil || m2.MutationID == m1.MutationID {
		t.Fatalf("upsert: %+v %v", m2, err)
	}
	got, _ = b.GetByIDs([]string{"a"})
	if got[0].Values[0] != 9 || got[0].Metadata != nil {
		t.Fatalf("upsert did not replace whole: %+v", got)
	}
	if _, err := b.DeleteByIDs([]string{"b", "never"}); err != nil {
		t.Fatal(err)
	}
	info, _ := b.Describe()
	if info.VectorCount != 1 || info.Dimensions != 2 || info.ProcessedUpToMutation == nil {
		t.Fatalf("describe: %+v", info)
	}
	res, _ := b.QueryByID("a", QueryOptions{})
	if res.Count != 1 || res.Matches[0].ID != "a" || res.Matches[0].Score != 0 {
		t.Fatalf("queryById: %+v", res)
	}
	if res, _ := b.QueryByID("missing", QueryOptions{}); res.Count != 0 || res.Matches == nil {
		t.Fatalf("queryById of a missing id: %+v", res)
	}
}

func TestFilters(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	b := newIndexBinding(t, s, "f", 2, Cosine)
	x, _ := s.Index("f")
	// "late" is indexed after the vectors are written, so no vector has it.
	for _, mi := range []struct {
		p string
		t MetadataType
	}{{"genre", String}, {"year", Number}, {"free", Boolean}, {"pandas.nice", Number}} {
		if _, err := x.CreateMetadataIndex(mi.p, mi.t); err != nil {
			t.Fatal(err)
		}
	}
	meta := []string{
		`{"genre":"drama","year":1999,"free":true,"pandas":{"nice":42},"late":1}`,
		`{"genre":"comedy","year":2005,"free":false}`,
		`{"genre":"drama","year":2010,"free":false,"pandas":{"nice":7}}`,
		`{"genre":"` + strings.Repeat("é", 40) + `","year":"2020"}`,
		`{}`,
	}
	var vs []Vector
	for i, m := range meta {
		vs = append(vs, Vector{ID: fmt.Sprint(i), Values: []float32{1, float32(i) / 10}, Metadata: json.RawMessage(m)})
	}
	if _, err := b.Upsert(vs); err != nil {
		t.Fatal(err)
	}
	if _, err := x.CreateMetadataIndex("late", Number); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   string
	}{
		{`{"genre":"drama"}`, "0,2"},
		{`{"genre":{"$eq":"drama"}}`, "0,2"},
		{`{"genre":{"$ne":"drama"}}`, "1,3,4"},
		{`{"genre":{"$in":["comedy","drama"]}}`, "0,1,2"},
		{`{"genre":{"$nin":["comedy","drama"]}}`, "3,4"},
		{`{"year":{"$gte":2000,"$lt":2010}}`, "1"},
		{`{"year":{"$gt":1999}}`, "1,2"},
		{`{"year":{"$lte":1999}}`, "0"},
		{`{"year":"2020"}`, ""}, // a string is not in a number index
		{`{"free":false}`, "1,2"},
		{`{"free":true,"genre":"drama"}`, "0"},
		{`{"pandas.nice":42}`, "0"},
		{`{"pandas.nice":{"$lt":10}}`, "2"},
		{`{"genre":null}`, "4"},
		{`{"genre":{"$ne":null}}`, "0,1,2,3"},
		{`{"genre":"` + strings.Repeat("é", 32) + `"}`, "3"}, // the first 64 bytes
		{`{"genre":{"$gte":"d","$lt":"e"}}`, "0,2"},
		{`{"late":1}`, ""},
		{`{"unindexed":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			res, err := b.Query([]float32{1, 0}, QueryOptions{TopK: 10, Filter: json.RawMessage(tt.filter)})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res); got != tt.want {
				t.Fatalf("ids %q, want %q", got, tt.want)
			}
		})
	}
	bad := []string{`{}`, `[]`, `{"":1}`, `{"a\"b":1}`, `{"$a":1}`, `{"a..b":1}`, `{"a":[1]}`, `{"a":{"$eq":1,"$ne":2}}`,
		`{"a":{"$in":1}}`, `{"a":{"$lt":true}}`, `{"a":{"$lt":1,"$eq":1}}`, `{"a":{"$gt":1,"$gte":2}}`, `{"a":{"$lt":1,"$gt":"x"}}`,
		`{"` + strings.Repeat("k", 513) + `":1}`, `{"a":"` + strings.Repeat("v", 2048) + `"}`}
	for _, f := range bad {
		if _, err := b.Query([]float32{1, 0}, QueryOptions{Filter: json.RawMessage(f)}); err == nil {
			t.Errorf("filter %s accepted", f)
		}
	}
	// returnMetadata "indexed" gives the indexed values, nested back.
	res, _ := b.Query([]float32{1, 0}, QueryOptions{TopK: 1, ReturnMetadata: "indexed"})
	if got := string(res.Matches[0].Metadata); got != `{"free":true,"genre":"drama","pandas":{"nice":42},"year":1999}` {
		t.Fatalf("indexed metadata %s", got)
	}
	if _, err := x.DeleteMetadataIndex("genre"); err != nil {
		t.Fatal(err)
	}
	if res, _ := b.Query([]float32{1, 0}, QueryOptions{Filter: json.RawMessage(`{"genre":"drama"}`)}); res.Count != 0 {
		t.Fatalf("a deleted metadata index still filters: %+v", res)
	}
	if _, err := x.DeleteMetadataIndex("genre"); err == nil || !strings.Contains(err.Error(), "40005") {
		t.Fatalf("deleting a missing metadata index: %v", err)
	}
}

func ids(m Matches) string {
	var out []string
	for _, x := range m.Matches {
		out = append(out, x.ID)
	}
	sortStrings(out)
	return strings.Join(out, ",")
}

// Namespaces partition queries.
func TestNamespaces(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	b := newIndexBinding(t, s, "ns", 2, Cosine)
	b.Upsert([]Vector{{ID: "a", Namespace: "one", Values: []float32{1, 0}}, {ID: "b", Namespace: "two", Values: []float32{1, 0.1}}, {ID: "c", Values: []float32{1, 0.2}}})
	for ns, want := range map[string]string{"": "a,b,c", "one": "a", "two": "b", "three": ""} {
		res, err := b.Query([]float32{1, 0}, QueryOptions{Namespace: ns})
		if err != nil || ids(res) != want {
			t.Errorf("namespace %q: %q %v, want %q", ns, ids(res), err, want)
		}
	}
}
