package vectorize

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A graph snapshot lets an index reload without re-linking every vector. It is, little-endian:
//
//	"MVG1" | u32 dims | u32 m | u32 nslots | i32 entry | u32 maxLevel
//	per slot: u8 state (1 live, 2 deleted) | i8 level
//	          live: u8 id length | id | u64 seq          (the values come from the records)
//	          deleted: f32 × dims                         (a waypoint's values, no record has them)
//	          u8 n | i32 × n links of layer 0, then of each layer up to level
//
// It is cut into chunks of snapshotChunk bytes under g/<name>. On load, a live slot whose
// record has the same seq takes its values from the record; a slot whose vector changed or went
// since the snapshot becomes a deleted waypoint, and vectors the snapshot does not know are
// inserted again. So a snapshot is never wrong, only more or less complete.
const snapshotChunk = 1 << 20

var snapshotMagic = []byte("MVG1")

// snapshot writes the graph if it changed since the last snapshot.
func (x *Index) snapshot() error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.RLock()
	if !x.dirty {
		x.mu.RUnlock()
		return nil
	}
	buf := x.encodeSnapshot()
	tune := x.tune
	x.mu.RUnlock()
	err := x.store.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketIndexes).Get([]byte(x.name)) == nil {
			return nil // deleted meanwhile
		}
		tx.DeleteBucket(graphBucket(x.name))
		b, err := tx.CreateBucket(graphBucket(x.name))
		if err != nil {
			return err
		}
		for i := 0; i*snapshotChunk < len(buf); i++ {
			k := binary.BigEndian.AppendUint32(nil, uint32(i))
			if err := b.Put(k, buf[i*snapshotChunk:min((i+1)*snapshotChunk, len(buf))]); err != nil {
				return err
			}
		}
		if tune.Ef > 0 {
			raw, _ := json.Marshal(tune)
			return b.Put(tuningKey, raw)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("vectorize %s: snapshot: %w", x.name, err)
	}
	// wmu held throughout: nothing changed the index since it was encoded.
	x.mu.Lock()
	x.dirty = false
	x.mu.Unlock()
	return nil
}

func (x *Index) encodeSnapshot() []byte {
	g := x.g
	le := binary.LittleEndian
	b := make([]byte, 0, 24+len(x.slots)*(4*(g.m0+1)+24))
	b = append(b, snapshotMagic...)
	b = le.AppendUint32(b, uint32(x.dims))
	b = le.AppendUint32(b, uint32(g.m))
	b = le.AppendUint32(b, uint32(len(x.slots)))
	b = le.AppendUint32(b, uint32(g.entry))
	b = le.AppendUint32(b, uint32(g.maxLevel))
	for s := range x.slots {
		sl := &x.slots[s]
		if sl.live {
			b = append(b, 1, byte(g.levels[s]), byte(len(sl.id)))
			b = append(b, sl.id...)
			b = le.AppendUint64(b, sl.seq)
		} else {
			b = append(b, 2, byte(g.levels[s]))
			for _, f := range x.vec(int32(s)) {
				b = le.AppendUint32(b, math.Float32bits(f))
			}
		}
		for l := 0; l <= int(g.levels[s]); l++ {
			links := g.links(int32(s), l)
			b = append(b, byte(len(links)))
			for _, n := range links {
				b = le.AppendUint32(b, uint32(n))
			}
		}
	}
	return b
}

var errSnapshot = errors.New("corrupt graph snapshot")

// snapSlot is a live slot of a snapshot, waiting for its record.
type snapSlot struct {
	slot int32
	seq  uint64
}

// decodeSnapshot rebuilds the graph and the slot table of x from buf; live slots are left
// unfilled and returned by id for the records to fill.
func (x *Index) decodeSnapshot(buf []byte) (map[string]snapSlot, error) {
	le := binary.LittleEndian
	if len(buf) < 24 || string(buf[:4]) != string(snapshotMagic) {
		return nil, errSnapshot
	}
	dims, m, n := int(le.Uint32(buf[4:])), int(le.Uint32(buf[8:])), int(le.Uint32(buf[12:]))
	entry, maxLevel := int32(le.Uint32(buf[16:])), int(le.Uint32(buf[20:]))
	if dims != x.dims || m != x.g.m {
		return nil, fmt.Errorf("graph snapshot made with %d dimensions and M %d: rebuilding", dims, m)
	}
	p := buf[24:]
	need := func(k int) bool { return len(p) >= k }
	x.slots = make([]slot, n)
	x.vecs = make([]float32, n*x.dims)
	x.inv = make([]float32, n)
	x.sq = make([]float32, n)
	x.g.grow(n)
	ids := make(map[string]snapSlot, n)
	for s := 0; s < n; s++ {
		if !need(2) {
			return nil, errSnapshot
		}
		state, level := p[0], int8(p[1])
		p = p[2:]
		switch state {
		case 1:
			if !need(1) || !need(1+int(p[0])+8) {
				return nil, errSnapshot
			}
			k := int(p[0])
			ids[string(p[1:1+k])] = snapSlot{int32(s), le.Uint64(p[1+k:])}
			p = p[1+k+8:]
		case 2:
			if !need(4 * dims) {
				return nil, errSnapshot
			}
			decodeValues(x.vec(int32(s)), p)
			x.setNorms(int32(s))
			p = p[4*dims:]
		default:
			return nil, errSnapshot
		}
		x.g.levels[s] = level
		x.g.upper[s] = nil
		for l := 0; l <= int(level); l++ {
			if !need(1) {
				return nil, errSnapshot
			}
			k := int(p[0])
			if !need(1+4*k) || l == 0 && k > x.g.m0 {
				return nil, errSnapshot
			}
			links := make([]int32, k)
			for i := range links {
				links[i] = int32(le.Uint32(p[1+4*i:]))
				if links[i] < 0 || int(links[i]) >= n {
					return nil, errSnapshot
				}
			}
			p = p[1+4*k:]
			if l > 0 {
				x.g.upper[s] = append(x.g.upper[s], make([]int32, 0, x.g.m))
			}
			x.g.setLinks(int32(s), l, links)
		}
	}
	if len(p) != 0 || entry < -1 || int(entry) >= n {
		return nil, errSnapshot
	}
	x.g.entry, x.g.maxLevel = entry, maxLevel
	return ids, nil
}

// load reads an index from the file: its state, its graph snapshot, then every record.
func (s *Store) load(name string) (*Index, error) {
	start := time.Now()
	var x *Index
	type pendingVec struct {
		v   Vector
		seq uint64
	}
	var pending []pendingVec
	rebuilt := false
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketIndexes).Get([]byte(name))
		if raw == nil {
			return &ErrNotFound{Name: name}
		}
		var st indexState
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("index state: %w", err)
		}
		x = newIndex(s, st)
		var snap map[string]snapSlot
		if gb := tx.Bucket(graphBucket(name)); gb != nil {
			var buf []byte
			gb.ForEach(func(k, v []byte) error {
				if string(k) == string(tuningKey) {
					json.Unmarshal(v, &x.tune)
				} else {
					buf = append(buf, v...)
				}
				return nil
			})
			var err error
			if snap, err = x.decodeSnapshot(buf); err != nil {
				s.log.Warn("vectorize: ignoring the graph snapshot", "index", name, "error", err)
				x = newIndex(s, st)
				snap = nil
			}
		}
		mis := st.metadataIndexes()
		filled := make([]bool, len(x.slots))
		vb := tx.Bucket(vectorsBucket(name))
		if vb == nil {
			return errCorrupt
		}
		err := vb.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v, x.dims)
			if err != nil {
				return fmt.Errorf("vector %q: %w", k, err)
			}
			vec := Vector{ID: string(k), Namespace: string(r.ns)}
			if len(r.meta) > 0 {
				vec.Metadata = append(json.RawMessage(nil), r.meta...)
			}
			var indexed []indexedValue
			if len(mis) > 0 && len(r.meta) > 0 {
				var meta map[string]any
				if json.Unmarshal(r.meta, &meta) == nil {
					indexed = indexValues(meta, mis, r.seq)
				}
			}
			if ss, ok := snap[vec.ID]; ok && ss.seq == r.seq {
				decodeValues(x.vec(ss.slot), r.values)
				x.setNorms(ss.slot)
				x.slots[ss.slot] = slot{id: vec.ID, seq: r.seq, ns: x.nsID(vec.Namespace), live: true, meta: vec.Metadata, indexed: indexed}
				x.byID[vec.ID] = ss.slot
				x.nsLive[x.slots[ss.slot].ns]++
				x.live++
				filled[ss.slot] = true
				return nil
			}
			vec.Values = make([]float32, x.dims)
			decodeValues(vec.Values, r.values)
			pending = append(pending, pendingVec{vec, r.seq})
			return nil
		})
		if err != nil {
			return err
		}
		// Slots no record filled are waypoints: deleted before the snapshot, or gone or changed
		// since (their old values unknown then).
		for sl, ok := range filled {
			if !ok {
				x.free = append(x.free, int32(sl))
			}
		}
		return nil
	})
	if err != nil {
		var nf *ErrNotFound
		if errors.As(err, &nf) {
			return nil, err
		}
		return nil, fmt.Errorf("vectorize %s: load: %w", name, err)
	}
	if len(pending) > 0 {
		mis := x.state.metadataIndexes()
		for i := range pending {
			p := &pending[i]
			var indexed []indexedValue
			if len(mis) > 0 && len(p.v.Metadata) > 0 {
				var meta map[string]any
				if json.Unmarshal(p.v.Metadata, &meta) == nil {
					indexed = indexValues(meta, mis, p.seq)
				}
			}
			x.put(&p.v, p.seq, indexed)
		}
		x.dirty = true
		rebuilt = true
	}
	s.log.Debug("vectorize: index loaded", "index", name, "vectors", x.live, "relinked", len(pending), "rebuilt", rebuilt, "took", time.Since(start))
	return x, nil
}
