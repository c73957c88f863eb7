package js

import (
	"sync"
)

// Pool hands out fresh isolates of one worker version. It prepares the next ones in the
// background, so that creating an isolate (global scope, the worker's top-level code) is off
// the request's latency path; every isolate serves exactly one request.
type Pool struct {
	cfg   *Config
	ready chan *Isolate
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// NewPool creates a pool for cfg keeping up to size isolates ready. It builds the first
// isolate at once, so that an error in the worker's top-level code is reported here.
func NewPool(cfg *Config, size int) (*Pool, error) {
	precompile()
	first, err := NewIsolate(cfg)
	if err != nil {
		return nil, err
	}
	if size < 1 {
		size = 1
	}
	p := &Pool{cfg: cfg, ready: make(chan *Isolate, size), stop: make(chan struct{})}
	p.ready <- first
	p.wg.Add(1)
	go p.fill()
	return p, nil
}

func (p *Pool) fill() {
	defer p.wg.Done()
	for {
		iso, err := NewIsolate(p.cfg)
		if err != nil {
			// Top-level code that throws only sometimes (it succeeded once): let Get build
			// isolates on demand and report the error per request.
			return
		}
		select {
		case p.ready <- iso:
		case <-p.stop:
			iso.Close()
			return
		}
	}
}

// Get returns an isolate that has not served any request. A ready isolate that the memory
// watcher stopped while it waited is dropped rather than handed out.
func (p *Pool) Get() (*Isolate, error) {
	for {
		select {
		case iso := <-p.ready:
			if iso.mem != nil && iso.mem.Exceeded() {
				iso.Close()
				continue
			}
			return iso, nil
		default:
			return NewIsolate(p.cfg)
		}
	}
}

// Close stops preparing isolates and releases the prepared ones. Isolates already handed out
// are unaffected: in-flight requests finish on them.
func (p *Pool) Close() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
		for {
			select {
			case iso := <-p.ready:
				iso.Close()
			default:
				return
			}
		}
	})
}
