package vectorize

import (
	"encoding/binary"
	"errors"
	"math"
)

// A vector record is, little-endian:
//
//	u64 seq | u8 namespace length | namespace | u16 metadata length | metadata JSON | f32 × dims
//
// The values come last and aligned to nothing in particular: decoding copies them into the
// index's slab, which is the only place they are read from.
func encodeRecord(v *Vector, seq uint64) []byte {
	b := make([]byte, 0, 8+1+len(v.Namespace)+2+len(v.Metadata)+4*len(v.Values))
	b = binary.LittleEndian.AppendUint64(b, seq)
	b = append(b, byte(len(v.Namespace)))
	b = append(b, v.Namespace...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v.Metadata)))
	b = append(b, v.Metadata...)
	for _, f := range v.Values {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// record is a decoded record whose fields alias the bytes it was decoded from.
type record struct {
	seq    uint64
	ns     []byte
	meta   []byte
	values []byte
}

var errCorrupt = errors.New("corrupt vector record")

func decodeRecord(b []byte, dims int) (record, error) {
	var r record
	if len(b) < 9 {
		return r, errCorrupt
	}
	r.seq = binary.LittleEndian.Uint64(b)
	n := int(b[8])
	b = b[9:]
	if len(b) < n+2 {
		return r, errCorrupt
	}
	r.ns, b = b[:n], b[n:]
	m := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	if len(b) != m+4*dims {
		return r, errCorrupt
	}
	r.meta, r.values = b[:m], b[m:]
	return r, nil
}

// decodeValues copies little-endian float32s into dst.
func decodeValues(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}
