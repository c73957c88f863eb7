package wasm

import (
	"context"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// TestStoreSharesMemoryAndReleasesIt imports a standalone memory into an instance, checks that
// both see the same bytes and that the budget counts the memory once, and that Close gives
// the memory back.
func TestStoreSharesMemoryAndReleasesIt(t *testing.T) {
	e := NewEngine(Limits{})
	defer e.Close()
	budget := NewBudget(4 * PageSize)
	s := e.NewStore(context.Background(), budget)
	mem, err := s.NewMemory(1, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	// (import "env" "memory" (memory 1)) (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
	var b builder
	b.importOf("env", "memory", kindMemory, encLimits(1, 0, false))
	i32 := []api.ValueType{api.ValueTypeI32}
	b.export("load", kindFunc, b.function(i32, i32, 0x20, 0, 0x2d, 0, 0))
	m, err := e.Compile(b.bytes())
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.Instantiate(m, nil, []Extern{{From: mem, Name: providedName}})
	if err != nil {
		t.Fatal(err)
	}
	mem.Memory(providedName).WriteByte(7, 42)
	stack := []uint64{7}
	if err := s.Call(in.Function("load"), stack); err != nil || stack[0] != 42 {
		t.Errorf("load(7) = %d, %v; want 42", stack[0], err)
	}
	if got := budget.Used(); got != PageSize {
		t.Errorf("budget used %d, want one page", got)
	}
	var me *MemoryLimitError
	if _, err := s.NewMemory(4, 0, false); !errors.As(err, &me) {
		t.Errorf("a memory past the budget: %v, want a MemoryLimitError", err)
	}
	s.Close()
	if got := budget.Used(); got != 0 {
		t.Errorf("budget used %d after Close, want 0", got)
	}
}
