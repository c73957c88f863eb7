package vectorize

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// answers records what a set of queries returns, to compare an index before and after reload.
func answers(t *testing.T, b *Binding, queries [][]float32) string {
	t.Helper()
	out := ""
	for _, q := range queries {
		res, err := b.Query(q, QueryOptions{TopK: 10})
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintln(ids(res))
	}
	return out
}

// An index comes back after a restart with the same vectors, graph and answers, whether it was
// closed cleanly (graph from the snapshot) or the process died after more writes than the last
// snapshot holds (the graph is reconciled with the vectors).
func TestPersistence(t *testing.T) {
	tests := []struct {
		name  string
		crash bool
	}{{"clean close", false}, {"crash after the snapshot", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			vecs := clustered(3000, 16, 20, 0.5, 5)
			// A fixed beam: calibration would otherwise change it across the restart.
			opts := Options{ExactBelow: 1, SnapshotEvery: 1 << 40, EfSearch: 64}
			s, b := fill(t, dir, "p", Cosine, vecs[:2500], opts)
			x, _ := s.Index("p")
			if _, err := x.CreateMetadataIndex("tag", String); err != nil {
				t.Fatal(err)
			}
			b.Upsert([]Vector{{ID: "v1", Values: vecs[1], Namespace: "n", Metadata: json.RawMessage(`{"tag":"x"}`)}})
			if err := x.snapshot(); err != nil {
				t.Fatal(err)
			}
			// After the snapshot: new vectors, a changed one, deletions.
			var more []Vector
			for i := 2500; i < 3000; i++ {
				more = append(more, Vector{ID: fmt.Sprintf("v%d", i), Values: vecs[i]})
			}
			more = append(more, Vector{ID: "v2", Values: vecs[2999]})
			b.Upsert(more)
			b.DeleteByIDs([]string{"v3", "v4", "v2500"})
			queries := clustered(20, 16, 20, 0.5, 6)
			before := answers(t, b, queries)
			if tt.crash {
				x.mu.Lock()
				x.dirty = false // Close writes no snapshot, as if the process had died
				x.mu.Unlock()
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := Open(filepath.Join(dir, "vectorize.db"), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			b2 := NewBinding(s2, "p")
			info, _ := b2.Describe()
			if info.VectorCount != 2997 {
				t.Fatalf("%d vectors after reload, want 2997", info.VectorCount)
			}
			x2, _ := s2.Index("p")
			if r := recallAt(t, x2, queries, 10); r < 0.95 {
				t.Fatalf("recall@10 after reload %.3f", r)
			}
			if after := answers(t, b2, queries); after != before && !tt.crash {
				t.Fatalf("answers changed across a clean restart:\n%s\nvs\n%s", before, after)
			}
			got, _ := b2.GetByIDs([]string{"v1", "v2", "v3"})
			if len(got) != 2 || got[0].Namespace != "n" || got[1].Values[0] != vecs[2999][0] {
				t.Fatalf("vectors after reload: %+v", got)
			}
			res, _ := b2.Query(vecs[1], QueryOptions{Filter: json.RawMessage(`{"tag":"x"}`), Namespace: "n"})
			if ids(res) != "v1" {
				t.Fatalf("filter after reload: %q", ids(res))
			}
		})
	}
}

// A deleted index is gone from the file, and its name can be used again.
func TestDeleteIndex(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	b := newIndexBinding(t, s, "d", 2, Cosine)
	b.Upsert([]Vector{{ID: "a", Values: []float32{1, 0}}})
	if err := s.DeleteIndex("d"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIndex("d"); err == nil {
		t.Fatal("deleted twice")
	}
	b = newIndexBinding(t, s, "d", 3, Euclidean)
	if info, err := b.Describe(); err != nil || info.VectorCount != 0 || info.Dimensions != 3 {
		t.Fatalf("re-created index: %+v %v", info, err)
	}
}

// The graph finds the exact neighbours on clustered data, with and without filters that force
// either strategy, and after deletions and slot reuse.
func TestGraphRecall(t *testing.T) {
	vecs := clustered(3000, 32, 30, 0.6, 11)
	s, b := fill(t, t.TempDir(), "g", Cosine, vecs, Options{ExactBelow: 1})
	defer s.Close()
	x, _ := s.Index("g")
	queries := clustered(50, 32, 30, 0.6, 12)
	if r := recallAt(t, x, queries, 10); r < 0.97 {
		t.Fatalf("recall@10 %.3f", r)
	}
	var del []string
	for i := 0; i < 3000; i += 3 {
		del = append(del, fmt.Sprintf("v%d", i))
		if len(del) == MaxDeleteIDs {
			b.DeleteByIDs(del)
			del = del[:0]
		}
	}
	b.DeleteByIDs(del)
	reuse := make([]Vector, 800)
	for i := range reuse {
		reuse[i] = Vector{ID: fmt.Sprintf("r%d", i), Values: clustered(1, 32, 30, 0.6, uint64(100+i))[0]}
	}
	b.Upsert(reuse)
	if len(x.slots) != 3000 {
		t.Fatalf("%d slots: deleted slots were not reused", len(x.slots))
	}
	if r := recallAt(t, x, queries, 10); r < 0.95 {
		t.Fatalf("recall@10 after deletions and reuse %.3f", r)
	}
}

// Filters keep recall whether they are selective enough for an exact scan of what passes or
// loose enough for the graph walk with a widened beam.
func TestFilteredRecall(t *testing.T) {
	vecs := clustered(3000, 16, 30, 0.6, 21)
	s, err := Open(filepath.Join(t.TempDir(), "vectorize.db"), Options{ExactBelow: 1, ExactFiltered: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.CreateIndex(IndexConfig{Name: "f", Dimensions: 16, Metric: Cosine})
	x, _ := s.Index("f")
	x.CreateMetadataIndex("bucket", Number)
	b := NewBinding(s, "f")
	for i := 0; i < len(vecs); i += MaxBatch {
		var batch []Vector
		for j := i; j < i+MaxBatch; j++ {
			batch = append(batch, Vector{ID: fmt.Sprint(j), Namespace: []string{"even", "odd"}[j%2], Values: vecs[j], Metadata: json.RawMessage(fmt.Sprintf(`{"bucket":%d}`, j%100))})
		}
		if _, err := b.Upsert(batch); err != nil {
			t.Fatal(err)
		}
	}
	queries := clustered(40, 16, 30, 0.6, 22)
	for _, pct := range []int{1, 10, 30, 60, 100} {
		f, _ := parseFilter(json.RawMessage(fmt.Sprintf(`{"bucket":{"$lt":%d}}`, pct)))
		if r := recallWhere(t, x, queries, 10, "", f, func(s slot) bool { return f.matches(s.indexed) }); r < 0.95 {
			t.Errorf("filter passing %d%%: recall@10 %.3f", pct, r)
		}
	}
	// A namespace holding half the vectors goes to the graph without listing its members.
	odd := func(s slot) bool { return s.live && x.nsNames[s.ns] == "odd" }
	if r := recallWhere(t, x, queries, 10, "odd", nil, odd); r < 0.95 {
		t.Errorf("namespace with half the vectors: recall@10 %.3f", r)
	}
}

// Queries, upserts, deletions and snapshots may run at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	vecs := clustered(1500, 16, 10, 0.6, 31)
	s, b := fill(t, t.TempDir(), "c", Cosine, vecs[:1000], Options{ExactBelow: 1, SnapshotEvery: 5e6})
	defer s.Close()
	x, _ := s.Index("c")
	done := make(chan struct{})
	errs := make(chan error, 8)
	for g := 0; g < 3; g++ {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, err := b.Query(vecs[i%len(vecs)], QueryOptions{TopK: 5, Filter: json.RawMessage(`{"k":{"$ne":1}}`)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 1000; i < 1500; i += 50 {
		var batch []Vector
		for j := i; j < i+50; j++ {
			batch = append(batch, Vector{ID: fmt.Sprintf("v%d", j), Values: vecs[j]})
		}
		if _, err := b.Upsert(batch); err != nil {
			t.Fatal(err)
		}
		if _, err := b.DeleteByIDs([]string{fmt.Sprintf("v%d", i-500)}); err != nil {
			t.Fatal(err)
		}
		if err := x.snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for g := 0; g < 3; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := x.Len(); n != 1490 {
		t.Fatalf("%d vectors, want 1490", n)
	}
}

// Calibration, on the queries the index was asked, picks a small beam on data with structure
// and exact search on data without.
func TestCalibration(t *testing.T) {
	tests := []struct {
		name           string
		vecs, warm, qs [][]float32
		wantExact      bool
	}{
		{"clustered", clustered(4000, 32, 20, 0.6, 41), clustered(48, 32, 20, 0.6, 43), clustered(20, 32, 20, 0.6, 44), false},
		{"random", randomUnit(2500, 384, 42), randomUnit(48, 384, 43), randomUnit(20, 384, 44), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wantExact && raceEnabled {
				t.Skip("a minute under -race; the clustered case covers calibration's locking")
			}
			dir := t.TempDir()
			// A light graph (efConstruction 32) keeps the test quick under -race.
			s, b := fill(t, dir, "c", Cosine, tt.vecs, Options{ExactBelow: 1, SnapshotEvery: 1 << 40, EfConstruction: 32})
			x, _ := s.Index("c")
			if ef, exact := x.Tuning(); ef != 96 || exact {
				t.Fatalf("before calibration: ef %d exact %v", ef, exact)
			}
			for _, q := range tt.warm {
				if _, err := b.Query(q, QueryOptions{TopK: 10}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil { // snapshots and calibrates
				t.Fatal(err)
			}
			s2, err := Open(filepath.Join(dir, "vectorize.db"), Options{ExactBelow: 1, EfConstruction: 32})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			x2, _ := s2.Index("c")
			ef, exact := x2.Tuning()
			if exact != tt.wantExact || !exact && ef > 96 {
				t.Fatalf("calibrated to ef %d exact %v", ef, exact)
			}
			if r := recallAt(t, x2, tt.qs, 10); r < 0.95 {
				t.Fatalf("recall@10 after calibration (ef %d, exact %v): %.3f", ef, exact, r)
			}
		})
	}
}
