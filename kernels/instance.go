package kernels

import (
	"context"
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Buf is a region of an Instance's linear memory. The zero Buf stands for
// "none" where a kernel takes an optional operand (a norm without bias).
type Buf struct {
	Off uint32 // byte offset in linear memory
	Len uint32 // length in bytes
}

// Instance is one instantiation of a kernel build: its own linear memory
// holding resident weights and scratch space, allocated by a bump pointer.
// Not safe for concurrent use.
type Instance struct {
	build Build
	mod   api.Module
	mem   api.Memory
	fns   [numFns]api.Function
	stack [16]uint64 // reused by every CallWithStack, so calls allocate nothing
	ctx   context.Context
	base  uint32 // __heap_base: the first byte after the module's own data
	top   uint32 // next free byte
}

const pageSize = 1 << 16

// NewInstance instantiates build b (compiling it on the first use in the
// process).
func NewInstance(b Build) (*Instance, error) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		// Float32s views reinterpret memory in place, and wasm memory is
		// little-endian.
		return nil, fmt.Errorf("kernels: big-endian hosts are not supported")
	}
	c, rt, err := compiled(b)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	// An empty name lets any number of instances coexist in one runtime.
	mod, err := rt.InstantiateModule(ctx, c, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, fmt.Errorf("kernels: instantiating %v.wasm: %w", b, err)
	}
	in := &Instance{build: b, mod: mod, mem: mod.Memory(), ctx: ctx}
	for i, name := range fnNames {
		f := mod.ExportedFunction(name)
		if f == nil {
			mod.Close(ctx)
			return nil, fmt.Errorf("kernels: %v.wasm does not export %s", b, name)
		}
		in.fns[i] = f
	}
	hb := mod.ExportedGlobal("__heap_base")
	if hb == nil || in.mem == nil {
		mod.Close(ctx)
		return nil, fmt.Errorf("kernels: %v.wasm lacks memory or __heap_base", b)
	}
	in.base = align(uint32(hb.Get()))
	in.top = in.base
	return in, nil
}

// Build reports which build the instance runs.
func (in *Instance) Build() Build { return in.build }

// Close releases the instance and its memory.
func (in *Instance) Close() error { return in.mod.Close(in.ctx) }

func align(n uint32) uint32 { return (n + 15) &^ 15 }

// Alloc reserves n bytes (16-byte aligned), growing linear memory when
// needed. Growing may move the memory: views from Bytes and Float32s taken
// before an Alloc must be taken again after it.
func (in *Instance) Alloc(n int) (Buf, error) {
	// Keep end+alignment below 4 GiB so that top never wraps around.
	if n < 0 || uint64(in.top)+uint64(n) > 1<<32-16 {
		return Buf{}, fmt.Errorf("kernels: cannot allocate %d bytes: linear memory is limited to 4 GiB (%d in use)", n, in.top)
	}
	b := Buf{Off: in.top, Len: uint32(n)}
	end := uint64(in.top) + uint64(n)
	if size := uint64(in.mem.Size()); end > size {
		pages := (end - size + pageSize - 1) / pageSize
		if _, ok := in.mem.Grow(uint32(pages)); !ok {
			return Buf{}, fmt.Errorf("kernels: growing linear memory by %d pages for %d bytes failed", pages, n)
		}
	}
	in.top = align(uint32(end))
	return b, nil
}

// Mark returns the allocation point; Release(mark) frees everything
// allocated after it (scratch space for one call).
func (in *Instance) Mark() uint32 { return in.top }

// Release frees every allocation made since mark was taken.
func (in *Instance) Release(mark uint32) {
	if mark >= in.base && mark <= in.top {
		in.top = mark
	}
}

// InUse is the number of bytes allocated so far.
func (in *Instance) InUse() int { return int(in.top - in.base) }

// Bytes is a view of b (no copy), valid until the next Alloc grows memory.
func (in *Instance) Bytes(b Buf) []byte {
	v, ok := in.mem.Read(b.Off, b.Len)
	if !ok {
		panic(fmt.Sprintf("kernels: buffer [%d,+%d) outside memory of %d bytes", b.Off, b.Len, in.mem.Size()))
	}
	return v
}

// Float32s is a view of b as float32 values (no copy), valid until the next
// Alloc grows memory.
func (in *Instance) Float32s(b Buf) []float32 {
	v := in.Bytes(b)
	if len(v) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&v[0])), len(v)/4)
}

// Put allocates room for x and copies it in.
func (in *Instance) Put(x []float32) (Buf, error) {
	b, err := in.Alloc(4 * len(x))
	if err != nil {
		return Buf{}, err
	}
	copy(in.Float32s(b), x)
	return b, nil
}

// PutBytes allocates room for p and copies it in.
func (in *Instance) PutBytes(p []byte) (Buf, error) {
	b, err := in.Alloc(len(p))
	if err != nil {
		return Buf{}, err
	}
	copy(in.Bytes(b), p)
	return b, nil
}

// call runs kernel f with its arguments already in in.stack.
func (in *Instance) call(f fn) error {
	if err := in.fns[f].CallWithStack(in.ctx, in.stack[:]); err != nil {
		return fmt.Errorf("kernels: %s: %w", fnNames[f], err)
	}
	return nil
}

// need checks that b is large enough for bytes bytes of operand name of
// kernel f: a short buffer would otherwise let a kernel write over its
// neighbours without trapping.
func need(f fn, name string, b Buf, bytes int) error {
	if bytes < 0 || uint64(b.Len) < uint64(bytes) {
		return fmt.Errorf("kernels: %s: %s has %d bytes, needs %d", fnNames[f], name, b.Len, bytes)
	}
	if b.Off == 0 && bytes > 0 {
		return fmt.Errorf("kernels: %s: %s is missing", fnNames[f], name)
	}
	return nil
}

func i32(v int) uint64     { return api.EncodeI32(int32(v)) }
func f32(v float32) uint64 { return api.EncodeF32(v) }
