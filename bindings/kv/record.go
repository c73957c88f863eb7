package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// A record is how an entry is stored in bbolt:
//
//	flags        1 byte   bit 0: the value is zstd-compressed
//	expiration   8 bytes  big-endian seconds since the epoch, 0 for never
//	meta length  uvarint
//	metadata     JSON bytes
//	value        the rest, raw or compressed
//
// The fixed header comes first so that a listing, which needs the expiration and metadata of
// every key but no value, reads only the first bytes of each record; bbolt hands them out of
// its memory map without copying, so a large value is never touched by a list.
const (
	flagZstd   = 1 << 0
	headerSize = 1 + 8
)

// compressAbove is the value size past which values are zstd-compressed. Smaller values share
// bbolt pages with their neighbours anyway, so compressing them would cost CPU on every get
// for little space.
const compressAbove = 4 << 10

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(2*MaxValueSize))
)

var errCorrupt = errors.New("corrupt record")

// encodeRecord serialises e, compressing its value when that is worth it.
func encodeRecord(e Entry) []byte {
	value, flags := e.Value, byte(0)
	if len(value) > compressAbove {
		if z := encoder.EncodeAll(value, make([]byte, 0, len(value)/2)); len(z) < len(value)-len(value)/8 {
			value, flags = z, flagZstd
		}
	}
	buf := make([]byte, headerSize, headerSize+binary.MaxVarintLen64+len(e.Metadata)+len(value))
	buf[0] = flags
	binary.BigEndian.PutUint64(buf[1:], uint64(e.Expiration))
	buf = binary.AppendUvarint(buf, uint64(len(e.Metadata)))
	buf = append(buf, e.Metadata...)
	return append(buf, value...)
}

// recordHeader decodes the parts of a record a listing needs; meta and rest alias rec.
func recordHeader(rec []byte) (flags byte, exp int64, meta, rest []byte, err error) {
	if len(rec) < headerSize {
		return 0, 0, nil, nil, errCorrupt
	}
	flags, exp = rec[0], int64(binary.BigEndian.Uint64(rec[1:]))
	n, w := binary.Uvarint(rec[headerSize:])
	if w <= 0 || uint64(len(rec)-headerSize-w) < n {
		return 0, 0, nil, nil, errCorrupt
	}
	meta = rec[headerSize+w : headerSize+w+int(n)]
	return flags, exp, meta, rec[headerSize+w+int(n):], nil
}

// decodeRecord returns the entry of rec as memory of its own: rec belongs to bbolt's memory
// map and is only valid during the transaction.
func decodeRecord(rec []byte) (Entry, error) {
	flags, exp, meta, rest, err := recordHeader(rec)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Expiration: exp}
	if len(meta) > 0 {
		e.Metadata = append([]byte(nil), meta...)
	}
	if flags&flagZstd != 0 {
		if e.Value, err = decoder.DecodeAll(rest, nil); err != nil {
			return Entry{}, fmt.Errorf("decompress value: %w", err)
		}
	} else {
		e.Value = append(make([]byte, 0, len(rest)), rest...)
	}
	return e, nil
}
