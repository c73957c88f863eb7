package llama

import (
	"sync"
	"time"
)

// DefaultBatchWait is how long the scheduler holds a step, at most, for
// generations that have not queued their next token yet (they are sampling
// or their emit callback is busy). Sampling takes well under a millisecond.
const DefaultBatchWait = 2 * time.Millisecond

// maxPassRows bounds the tokens of one forward pass: a long prompt is fed
// in chunks over several passes (sharing them with other sequences' decode
// steps), so that activations and kernel scratch stay a few megabytes
// however many long prompts arrive at once.
const maxPassRows = 512

// scheduler runs the forward passes of all of a model's sequences, batching
// whatever is pending into one pass. A goroutine runs while requests are
// pending and exits when none are, so an idle Model holds no goroutine.
type scheduler struct {
	m          *Model
	wait       time.Duration
	maxRows    int // maxPassRows, smaller in tests
	mu         sync.Mutex
	queue      []*request
	running    bool
	generating int           // Generate calls in progress
	wake       chan struct{} // nudges a waiting loop; capacity 1
	passes     int           // forward passes run, and the most sequences in one
	widest     int
}

type request struct {
	seq     *Sequence
	pending []int // tokens not yet fed
	start   int   // the sequence's length when the request was made
	at      time.Time
	logits  []float32
	err     error
	done    chan struct{}
}

func (s *scheduler) init(m *Model) {
	s.m, s.wait, s.maxRows, s.wake = m, DefaultBatchWait, maxPassRows, make(chan struct{}, 1)
}

func (s *scheduler) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// submit queues ids for seq and waits for the logits after them.
func (s *scheduler) submit(seq *Sequence, ids []int) ([]float32, error) {
	if err := s.m.check(seq, ids); err != nil {
		return nil, err
	}
	r := &request{seq: seq, pending: ids, start: seq.Len(), at: time.Now(), done: make(chan struct{})}
	s.mu.Lock()
	s.queue = append(s.queue, r)
	if !s.running {
		s.running = true
		go s.loop()
	}
	s.mu.Unlock()
	s.nudge()
	<-r.done
	return r.logits, r.err
}

// begin and end bracket a Generate call, so that the loop knows how many
// sequences to wait for.
func (s *scheduler) begin() {
	s.mu.Lock()
	s.generating++
	s.mu.Unlock()
}

func (s *scheduler) end() {
	s.mu.Lock()
	s.generating--
	s.mu.Unlock()
	s.nudge()
}

func (s *scheduler) loop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		if wait := s.wait - time.Since(s.queue[0].at); len(s.queue) < s.generating && wait > 0 {
			s.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-s.wake:
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		// One request per sequence per pass (a sequence queued twice, by
		// concurrent misuse, keeps its later request for the next pass), and
		// at most maxPassRows tokens: the rest of a long prompt stays queued,
		// first in line.
		var batch []*request
		var spans []span
		var later []*request
		seen := map[*Sequence]bool{}
		rows := 0
		for _, r := range s.queue {
			if seen[r.seq] || rows == s.maxRows {
				later = append(later, r)
				continue
			}
			seen[r.seq] = true
			n := min(len(r.pending), s.maxRows-rows)
			rows += n
			batch = append(batch, r)
			spans = append(spans, span{seq: r.seq, ids: r.pending[:n]})
		}
		s.queue = later
		s.passes++
		s.widest = max(s.widest, len(batch))
		s.mu.Unlock()
		logits, err := s.m.forward(spans)
		var again []*request
		for i, r := range batch {
			switch {
			case err != nil:
				r.seq.truncate(r.start) // earlier chunks of this request too
				r.err = err
			case len(spans[i].ids) < len(r.pending):
				r.pending = r.pending[len(spans[i].ids):]
				again = append(again, r)
				continue
			default:
				r.logits = logits[i]
			}
			close(r.done)
		}
		if again != nil {
			s.mu.Lock()
			s.queue = append(again, s.queue...)
			s.mu.Unlock()
		}
	}
}
