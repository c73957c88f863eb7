package wasm

import (
	"context"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// Budget is the memory cap of one isolate, shared by every memory it instantiates. It backs
// their linear memories itself (wazero's experimental allocator hook), so that a memory.grow
// past the cap fails as Wasm expects (memory.grow returns -1) and the host can still tell why
// the module gave up: the Go runtime, for one, then exits with "out of memory".
type Budget struct {
	limit uint64

	mu      sync.Mutex
	used    uint64
	refused *MemoryLimitError
}

// NewBudget returns a budget of limit bytes; zero means DefaultMemory.
func NewBudget(limit uint64) *Budget {
	if limit == 0 {
		limit = DefaultMemory
	}
	return &Budget{limit: limit}
}

// Used is the linear memory currently allocated under the budget.
func (b *Budget) Used() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Refused returns the first growth the budget refused, or nil.
func (b *Budget) Refused() *MemoryLimitError {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused
}

// admit reports whether n more bytes fit, reserving them if so.
func (b *Budget) admit(n uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		if b.refused == nil {
			b.refused = &MemoryLimitError{Limit: b.limit, Requested: b.used + n}
		}
		return false
	}
	b.used += n
	return true
}

func (b *Budget) release(n uint64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// with returns ctx carrying the budget as the allocator of the memories instantiated in it.
func (b *Budget) with(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(func(_, max uint64) experimental.LinearMemory {
		return &linearMemory{budget: b, max: max}
	}))
}

// linearMemory is one memory's bytes, grown under its budget.
type linearMemory struct {
	budget *Budget
	max    uint64
	buf    []byte
}

// Reallocate grows the memory to size bytes, or returns nil, which wazero turns into a failed
// memory.grow, when the budget cannot take the growth.
func (m *linearMemory) Reallocate(size uint64) []byte {
	n := uint64(len(m.buf))
	if size <= n {
		return m.buf[:size]
	}
	if !m.budget.admit(size - n) {
		if m.buf == nil {
			// wazero cannot fail the initial allocation; the instance is refused right after
			// (Instantiate checks Refused), and modules whose own memories are over the cap are
			// refused before this point.
			m.budget.mu.Lock()
			m.budget.used += size - n
			m.budget.mu.Unlock()
			m.buf = make([]byte, size)
			return m.buf
		}
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		// Bytes past len were never exposed to Wasm, so they are still zero.
		m.buf = m.buf[:size]
		return m.buf
	}
	// Grow geometrically like append, so a module growing page by page copies O(n) in all,
	// but never reserve past the memory's maximum or the budget.
	c := max(size, 2*n)
	c = min(c, max(m.max, size), max(m.budget.limit, size))
	buf := make([]byte, size, c)
	copy(buf, m.buf)
	m.buf = buf
	return m.buf
}

// Free returns the memory's bytes to the budget.
func (m *linearMemory) Free() {
	m.budget.release(uint64(len(m.buf)))
	m.buf = nil
}
