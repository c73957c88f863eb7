package wasm

// Instantiation applies every data segment of a module, and wazero evaluates each segment's
// offset expression with allocations of its own: the Go toolchain's wasip1 binaries carry tens
// of thousands of small segments (63 462 for the net/http example, a median of 18 zero bytes
// apart), which made instantiating one cost about 16 ms. Segments that follow one another
// closely are therefore merged before compiling, the zero bytes between them written out:
// a fresh memory holds zeros there anyway, so the instance starts identical.

// maxDataGap is the longest run of zeros written out to join two segments.
const maxDataGap = 4096

// coalesceData returns bin with adjacent active data segments merged, or bin itself when the
// module's segments are not all of the plain form (active, memory 0, i32.const offset) or a
// data count section says instructions may name segments by index (memory.init, data.drop).
func coalesceData(bin []byte) []byte {
	secs, err := splitSections(bin)
	if err != nil {
		return bin
	}
	at := -1
	for i, s := range secs {
		switch s.id {
		case 12:
			return bin
		case 11:
			at = i
		}
	}
	if at < 0 {
		return bin
	}
	type segment struct {
		off  uint32
		data []byte
	}
	r := &reader{b: secs[at].body}
	n := r.u32()
	segs := make([]segment, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if r.u32() != 0 || r.byte() != 0x41 {
			return bin
		}
		off := uint32(r.s32())
		if r.byte() != 0x0b {
			return bin
		}
		l := int(r.u32())
		if r.err != nil || l > len(r.b)-r.off {
			return bin
		}
		segs = append(segs, segment{off: off, data: r.b[r.off : r.off+l]})
		r.off += l
	}
	if r.err != nil || r.off != len(r.b) {
		return bin
	}
	var merged []segment
	// highest is the end of the highest segment so far: zeros written after a run's end are
	// safe only if no earlier segment wrote there, so only the highest run is extended.
	var highest uint64
	for _, s := range segs {
		if k := len(merged); k > 0 {
			last := &merged[k-1]
			end := uint64(last.off) + uint64(len(last.data))
			if end == highest && uint64(s.off) >= end && uint64(s.off)-end <= maxDataGap {
				// Joined in a fresh slice: last.data may still alias the module's bytes.
				joined := make([]byte, 0, int(uint64(s.off)-uint64(last.off))+len(s.data))
				joined = append(joined, last.data...)
				joined = append(joined, make([]byte, uint64(s.off)-end)...)
				last.data = append(joined, s.data...)
				highest = max(highest, uint64(last.off)+uint64(len(last.data)))
				continue
			}
		}
		merged = append(merged, s)
		highest = max(highest, uint64(s.off)+uint64(len(s.data)))
	}
	if len(merged) == len(segs) {
		return bin
	}
	body := uleb(uint64(len(merged)))
	for _, s := range merged {
		body = append(body, 0, 0x41)
		body = append(body, sleb(int64(int32(s.off)))...)
		body = append(body, 0x0b)
		body = append(body, uleb(uint64(len(s.data)))...)
		body = append(body, s.data...)
	}
	secs[at].body = body
	return joinSections(bin[:8], secs)
}

func joinSections(header []byte, secs []section) []byte {
	out := append([]byte(nil), header...)
	for _, s := range secs {
		out = append(out, s.id)
		out = append(out, uleb(uint64(len(s.body)))...)
		out = append(out, s.body...)
	}
	return out
}

// s32 reads a signed LEB128 number of at most 32 bits.
func (r *reader) s32() int32 {
	var v int64
	var shift uint
	for shift < 35 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return int32(v)
		}
	}
	r.fail("integer too long")
	return 0
}

func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}
