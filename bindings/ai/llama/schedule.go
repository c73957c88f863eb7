package llama

import (
	"sync"
	"time"
)

// DefaultBatchWait is how long the scheduler holds a step, at most, for
// generations that have not queued their next token yet (they are sampling
// or their emit callback is busy). Sampling takes well under a millisecond.
const DefaultBatchWait = 2 * time.Millisecond

// scheduler runs the forward passes of all of a model's sequences, batching
// whatever is pending into one pass. A goroutine runs while requests are
// pending and exits when none are, so an idle Model holds no goroutine.
type scheduler struct {
	m          *Model
	wait       time.Duration
	mu         sync.Mutex
	queue      []*request
	running    bool
	generating int           // Generate calls in progress
	wake       chan struct{} // nudges a waiting loop; capacity 1
	passes     int           // forward passes run, and the most sequences in one
	widest     int
}

type request struct {
	span
	at     time.Time
	logits []float32
	err    error
	done   chan struct{}
}

func (s *scheduler) init(m *Model) {
	s.m, s.wait, s.wake = m, DefaultBatchWait, make(chan struct{}, 1)
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
	r := &request{span: span{seq: seq, ids: ids}, at: time.Now(), done: make(chan struct{})}
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
		// One request per sequence per pass: a sequence queued twice (by
		// concurrent misuse) keeps its later request for the next pass.
		var batch, later []*request
		seen := map[*Sequence]bool{}
		for _, r := range s.queue {
			if seen[r.seq] {
				later = append(later, r)
				continue
			}
			seen[r.seq] = true
			batch = append(batch, r)
		}
		s.queue = later
		s.passes++
		s.widest = max(s.widest, len(batch))
		s.mu.Unlock()
		spans := make([]span, len(batch))
		for i, r := range batch {
			spans[i] = r.span
		}
		logits, err := s.m.forward(spans)
		for i, r := range batch {
			if err != nil {
				r.err = err
			} else {
				r.logits = logits[i]
			}
			close(r.done)
		}
	}
}
