package llama

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Params control sampling and the length of a generation.
type Params struct {
	MaxTokens   int     // most tokens to generate; 0: until end of generation or a full context
	Temperature float64 // 0: greedy (always the most likely token)
	TopP        float64 // nucleus: sample from the most likely tokens whose probabilities reach TopP; 0 or 1: off
	TopK        int     // sample from the TopK most likely tokens; 0: off
	Seed        uint64  // the same seed and inputs give the same tokens
	// RepetitionPenalty divides the positive logits (multiplies the negative
	// ones) of every token seen so far, prompt included, as in the CTRL
	// paper and Hugging Face; 0 or 1: off.
	RepetitionPenalty float64
	// FrequencyPenalty and PresencePenalty subtract count·FrequencyPenalty +
	// PresencePenalty from the logit of each token generated so far (count
	// times), as OpenAI defines them.
	FrequencyPenalty, PresencePenalty float64
}

// Sampler picks tokens from logits. Penalties apply first, then top-k,
// temperature, top-p, and a seeded draw.
type Sampler struct {
	p      Params
	rng    *rand.Rand
	seen   map[int]bool // prompt and generated tokens
	counts map[int]int  // generated tokens
	work   []float32
	cands  []cand
}

type cand struct {
	id int32
	p  float32 // logit, then probability
}

// NewSampler checks p and returns a sampler for one generation.
func NewSampler(p Params) (*Sampler, error) {
	switch {
	case p.MaxTokens < 0:
		return nil, fmt.Errorf("llama: max tokens %d is negative", p.MaxTokens)
	case !(p.Temperature >= 0) || math.IsInf(p.Temperature, 0):
		return nil, fmt.Errorf("llama: temperature %v is not a non-negative number", p.Temperature)
	case !(p.TopP >= 0 && p.TopP <= 1):
		return nil, fmt.Errorf("llama: top_p %v is outside 0 to 1", p.TopP)
	case p.TopK < 0:
		return nil, fmt.Errorf("llama: top_k %d is negative", p.TopK)
	case !(p.RepetitionPenalty >= 0) || math.IsInf(p.RepetitionPenalty, 0):
		return nil, fmt.Errorf("llama: repetition penalty %v is not a non-negative number", p.RepetitionPenalty)
	case math.IsNaN(p.FrequencyPenalty) || math.IsInf(p.FrequencyPenalty, 0) ||
		math.IsNaN(p.PresencePenalty) || math.IsInf(p.PresencePenalty, 0):
		return nil, fmt.Errorf("llama: frequency and presence penalties must be finite")
	}
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15)),
		seen: map[int]bool{}, counts: map[int]int{}}, nil
}

// Prompt records the prompt's tokens for the repetition penalty.
func (s *Sampler) Prompt(ids []int) {
	for _, id := range ids {
		s.seen[id] = true
	}
}

// Sample picks the next token from logits (which it does not modify) and
// records it as generated.
func (s *Sampler) Sample(logits []float32) int {
	id := s.pick(logits)
	s.seen[id] = true
	s.counts[id]++
	return id
}

func (s *Sampler) pick(logits []float32) int {
	x := logits
	if s.p.RepetitionPenalty > 0 && s.p.RepetitionPenalty != 1 || s.p.FrequencyPenalty != 0 || s.p.PresencePenalty != 0 {
		s.work = append(s.work[:0], logits...)
		x = s.work
		if rp := float32(s.p.RepetitionPenalty); rp > 0 && rp != 1 {
			for id := range s.seen {
				if x[id] > 0 {
					x[id] /= rp
				} else {
					x[id] *= rp
				}
			}
		}
		for id, n := range s.counts {
			x[id] -= float32(float64(n)*s.p.FrequencyPenalty + s.p.PresencePenalty)
		}
	}
	if s.p.Temperature == 0 {
		best := 0
		for i, v := range x {
			if v > x[best] {
				best = i
			}
		}
		return best
	}
	c := s.cands[:0]
	for i, v := range x {
		c = append(c, cand{int32(i), v})
	}
	if k := s.p.TopK; k > 0 && k < len(c) {
		c = topK(c, k)
	}
	// Softmax at the temperature, in float64 for the sum.
	mx := c[0].p
	for _, e := range c {
		mx = max(mx, e.p)
	}
	var sum float64
	for i := range c {
		e := math.Exp(float64(c[i].p-mx) / s.p.Temperature)
		c[i].p = float32(e)
		sum += e
	}
	if tp := s.p.TopP; tp > 0 && tp < 1 {
		c = nucleus(c, tp*sum)
	}
	s.cands = c[:0]
	// Draw from what is left, most likely first, so that a given draw picks
	// the same token whatever order selection left the candidates in.
	slices.SortFunc(c, byRank)
	var kept float64
	for _, e := range c {
		kept += float64(e.p)
	}
	u := s.rng.Float64() * kept
	for _, e := range c {
		if u -= float64(e.p); u < 0 {
			return int(e.id)
		}
	}
	return int(c[len(c)-1].id)
}

// byRank orders candidates by decreasing weight, then increasing id.
func byRank(a, b cand) int {
	if a.p != b.p {
		if a.p > b.p {
			return -1
		}
		return 1
	}
	return int(a.id - b.id)
}

// topK moves the k candidates of largest logit (ties: smaller id) to the
// front of c by repeated partitioning and returns them.
func topK(c []cand, k int) []cand {
	less := func(a, b cand) bool { return a.p > b.p || a.p == b.p && a.id < b.id } // "ranks before"
	lo, hi := 0, len(c)
	for hi-lo > 1 {
		pv := c[lo+(hi-lo)/2]
		i, j := lo, hi-1
		for i <= j {
			for less(c[i], pv) {
				i++
			}
			for less(pv, c[j]) {
				j--
			}
			if i <= j {
				c[i], c[j] = c[j], c[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j + 1
		case k >= i:
			lo = i
		default:
			return c[:k]
		}
	}
	return c[:k]
}

// nucleus returns the smallest set of most probable candidates whose
// weights (unnormalised probabilities) sum to at least mass, found by
// three-way partitioning around pivots (linear time on average) instead
// of sorting the whole vocabulary.
func nucleus(c []cand, mass float64) []cand {
	kept := 0 // c[:kept] is in the nucleus
	work := c
	for len(work) > 0 {
		pv := work[len(work)/2].p
		// Partition work into > pv, == pv, < pv.
		gt, i, lt := 0, 0, len(work)
		for i < lt {
			switch v := work[i].p; {
			case v > pv:
				work[gt], work[i] = work[i], work[gt]
				gt++
				i++
			case v < pv:
				lt--
				work[i], work[lt] = work[lt], work[i]
			default:
				i++
			}
		}
		var hiMass float64
		for _, e := range work[:gt] {
			hiMass += float64(e.p)
		}
		if hiMass >= mass && gt > 0 {
			work = work[:gt]
			continue
		}
		mass -= hiMass
		need := lt - gt // equal candidates needed to reach the mass
		if eq := float64(pv) * float64(lt-gt); eq >= mass {
			need = min(lt-gt, int(math.Ceil(mass/float64(pv))))
		}
		if need < lt-gt { // take the smallest ids among equals, as greedy would
			slices.SortFunc(work[gt:lt], func(a, b cand) int { return int(a.id - b.id) })
		}
		// work lies within c[kept:]: move its first gt+need elements down.
		n := gt + need
		copy(c[kept:], work[:n])
		kept += n
		mass -= float64(pv) * float64(need)
		if need < lt-gt || mass <= 0 {
			break
		}
		work = work[lt:]
	}
	if kept == 0 {
		kept = 1
	}
	return c[:kept]
}
