package llama

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSamplerGreedyAndFilters(t *testing.T) {
	logits := []float32{0.5, 3, 2.9, -1, 3, 0}
	for _, c := range []struct {
		name string
		p    Params
		want int
	}{
		{"greedy takes the first best", Params{}, 1},
		{"top_k 1", Params{Temperature: 5, TopK: 1, Seed: 3}, 1},
		{"tiny top_p", Params{Temperature: 1, TopP: 0.01, Seed: 3}, 1},
	} {
		s, err := NewSampler(c.p)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			if got := s.pick(logits); got != c.want {
				t.Fatalf("%s: picked %d, want %d", c.name, got, c.want)
			}
		}
	}
}

func TestSamplerPenalties(t *testing.T) {
	logits := []float32{2, 1.9, -3, 1.5}
	s, _ := NewSampler(Params{RepetitionPenalty: 1.2})
	s.Prompt([]int{0})
	if got := s.Sample(logits); got != 1 { // 2/1.2 < 1.9
		t.Fatalf("repetition penalty: picked %d, want 1", got)
	}
	s, _ = NewSampler(Params{FrequencyPenalty: 0.3})
	got := []int{s.Sample(logits), s.Sample(logits), s.Sample(logits)}
	// 0 (2), then 1 (1.9 > 1.7), then 0 again (1.7 > 1.6).
	if !slices.Equal(got, []int{0, 1, 0}) {
		t.Fatalf("frequency penalty: picked %v, want [0 1 0]", got)
	}
	s, _ = NewSampler(Params{PresencePenalty: 1})
	got = []int{s.Sample(logits), s.Sample(logits), s.Sample(logits)}
	if !slices.Equal(got, []int{0, 1, 3}) {
		t.Fatalf("presence penalty: picked %v, want [0 1 3]", got)
	}
	if logits[0] != 2 {
		t.Fatal("the sampler modified the caller's logits")
	}
}

// TestSamplerDistribution draws many tokens at temperature 2 and compares
// the frequencies with the softmax of logits/2.
func TestSamplerDistribution(t *testing.T) {
	logits := []float32{1, 0, 2, -1, 0.5}
	s, _ := NewSampler(Params{Temperature: 2, Seed: 42})
	const n = 40000
	counts := make([]int, len(logits))
	for i := 0; i < n; i++ {
		counts[s.pick(logits)]++
	}
	var z float64
	for _, l := range logits {
		z += math.Exp(float64(l) / 2)
	}
	for i, l := range logits {
		p := math.Exp(float64(l)/2) / z
		sd := math.Sqrt(p * (1 - p) / n)
		if got := float64(counts[i]) / n; math.Abs(got-p) > 5*sd {
			t.Fatalf("token %d drawn %.4f of the time, want %.4f ± %.4f", i, got, p, 5*sd)
		}
	}
	// The same seed gives the same draws; another seed other draws.
	a, _ := NewSampler(Params{Temperature: 1, Seed: 7})
	b, _ := NewSampler(Params{Temperature: 1, Seed: 7})
	c, _ := NewSampler(Params{Temperature: 1, Seed: 8})
	var same, differ = true, false
	for i := 0; i < 50; i++ {
		x, y, z := a.pick(logits), b.pick(logits), c.pick(logits)
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("seeded draws: same seed equal %v, other seed differs %v", same, differ)
	}
}

// TestTopKAndNucleus checks the selection routines against sorting.
func TestTopKAndNucleus(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for trial := 0; trial < 200; trial++ {
		n := 1 + r.IntN(300)
		c := make([]cand, n)
		for i := range c {
			c[i] = cand{int32(i), float32(r.IntN(40))} // many ties
		}
		sorted := slices.Clone(c)
		slices.SortFunc(sorted, byRank)
		k := 1 + r.IntN(n)
		top := topK(slices.Clone(c), k)
		ids := func(x []cand) []int32 {
			var s []int32
			for _, e := range x {
				s = append(s, e.id)
			}
			slices.Sort(s)
			return s
		}
		if !slices.Equal(ids(top), ids(sorted[:k])) {
			t.Fatalf("trial %d: top %d of %d differs", trial, k, n)
		}
		var sum float64
		for _, e := range c {
			sum += float64(e.p)
		}
		mass := r.Float64() * sum
		nuc := nucleus(slices.Clone(c), mass)
		// Smallest prefix of the sorted weights reaching mass (ties may be
		// taken in any order, so compare counts and weights).
		want, acc := 0, 0.0
		for want < n && (acc < mass || want == 0) {
			acc += float64(sorted[want].p)
			want++
		}
		var got float64
		for _, e := range nuc {
			got += float64(e.p)
		}
		if len(nuc) != want || math.Abs(got-acc) > 1e-9 {
			t.Fatalf("trial %d: nucleus of mass %.1f has %d candidates weighing %v, want %d weighing %v", trial, mass, len(nuc), got, want, acc)
		}
	}
}

func TestSamplerRejectsBadParams(t *testing.T) {
	for _, p := range []Params{
		{MaxTokens: -1}, {Temperature: -0.1}, {Temperature: math.NaN()}, {TopP: 1.5}, {TopK: -2},
		{RepetitionPenalty: -1}, {FrequencyPenalty: math.Inf(1)},
	} {
		if _, err := NewSampler(p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
