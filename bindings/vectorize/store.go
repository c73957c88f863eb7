package vectorize

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Store keeps every vector index of a state directory in one bbolt file:
//
//	indexes/<name> → JSON indexState   configuration, metadata indexes, mutation sequence
//	v/<name>/<id>  → record            the vectors (see record.go), the source of truth
//	g/<name>/<n>   → snapshot chunk    the HNSW graph as of some mutation (see snapshot.go)
//
// Indexes are loaded into memory on first use and stay loaded until Close, so the versions of
// a worker that molt dev swaps in share them. Store is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	opts Options
	log  *slog.Logger

	mu   sync.Mutex
	open map[string]*Index

	stop chan struct{}
	done sync.WaitGroup
}

// Options tune a Store; the zero value is a good default.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the file; default 1 s.
	LockTimeout time.Duration
	// SnapshotEvery is how often changed graphs are written to disk; default 10 s. Close
	// writes them too; a crash costs re-linking the vectors written since the last one.
	SnapshotEvery time.Duration
	// Log receives background errors; nil means slog.Default().
	Log *slog.Logger
	// M is the HNSW link count per node and layer (twice that on layer 0); default 16.
	M int
	// EfConstruction is the HNSW beam width while inserting; default 128.
	EfConstruction int
	// EfSearch is the HNSW beam width of a query (at least topK); default 96.
	EfSearch int
	// ExactBelow is the vector count up to which queries scan every vector; default 2000.
	ExactBelow int
	// ExactFiltered is the count of vectors passing a namespace or filter up to which a query
	// scans them instead of walking the graph; default about four million multiply-adds'
	// worth (10 922 vectors of 384 dimensions).
	ExactFiltered int
}

func (o Options) graph() graphParams {
	p := defaultGraphParams
	if o.M > 0 {
		p.M = o.M
	}
	if o.EfConstruction > 0 {
		p.EfConstruction = o.EfConstruction
	}
	return p
}

func (o Options) efSearch() int {
	if o.EfSearch > 0 {
		return o.EfSearch
	}
	return 96
}

func (o Options) exactBelow() int {
	if o.ExactBelow > 0 {
		return o.ExactBelow
	}
	return 2000
}

// exactFiltered is how many filtered candidates an exact scan handles: about four million
// multiply-adds, a millisecond or two, which beats a graph walk that must skip most nodes.
func (o Options) exactFiltered(dims int) int {
	if o.ExactFiltered > 0 {
		return o.ExactFiltered
	}
	return 4 << 20 / max(dims, 1)
}

// ErrLocked reports that another process holds the store's file open.
var ErrLocked = errors.New("the file is locked by another molt process (molt dev or molt vectorize with the same state directory)")

var bucketIndexes = []byte("indexes")

func vectorsBucket(name string) []byte { return []byte("v/" + name) }
func graphBucket(name string) []byte   { return []byte("g/" + name) }

// Open opens or creates the store at path, creating its directory if needed.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = 10 * time.Second
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("vectorize: open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("vectorize: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("vectorize: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketIndexes)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("vectorize: open %s: %w", path, err)
	}
	s := &Store{db: db, opts: opts, log: log, open: map[string]*Index{}, stop: make(chan struct{})}
	s.done.Add(1)
	go s.snapshotLoop()
	return s, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.db.Path() }

// IndexConfig is an index's fixed configuration.
type IndexConfig struct {
	// Name names the index: letters, digits, '-' and '_', at most MaxIndexNameBytes.
	Name string `json:"name"`
	// Description is free text.
	Description string `json:"description,omitempty"`
	// Dimensions is the length of every vector, 1 to MaxDimensions.
	Dimensions int `json:"dimensions"`
	// Metric is the distance metric.
	Metric Metric `json:"metric"`
	// CreatedOn and ModifiedOn are set by the store.
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

// indexState is what the store keeps of an index besides its vectors.
type indexState struct {
	IndexConfig
	Metadata []metaRecord `json:"metadata_indexes,omitempty"`
	// Seq counts the index's mutations; every vector record carries the Seq that wrote it.
	Seq            uint64    `json:"seq"`
	LastMutation   string    `json:"last_mutation,omitempty"`
	LastMutationAt time.Time `json:"last_mutation_at,omitzero"`
}

type metaRecord struct {
	Property string       `json:"property"`
	Type     MetadataType `json:"type"`
	Seq      uint64       `json:"seq"`
}

func (st *indexState) metadataIndexes() []MetadataIndex {
	out := make([]MetadataIndex, len(st.Metadata))
	for i, m := range st.Metadata {
		out[i] = MetadataIndex{Property: m.Property, Type: m.Type, seq: m.Seq}
	}
	return out
}

var validIndexName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// CreateIndex creates an index; its name must be new.
func (s *Store) CreateIndex(cfg IndexConfig) (IndexConfig, error) {
	switch {
	case !validIndexName.MatchString(cfg.Name) || len(cfg.Name) > MaxIndexNameBytes:
		return IndexConfig{}, fmt.Errorf("vectorize: invalid index name %q: use at most %d letters, digits, '-' and '_', starting with a letter or digit", cfg.Name, MaxIndexNameBytes)
	case cfg.Dimensions < 1 || cfg.Dimensions > MaxDimensions:
		return IndexConfig{}, fmt.Errorf("vectorize: invalid dimensions %d: an index has 1 to %d dimensions", cfg.Dimensions, MaxDimensions)
	case !cfg.Metric.Valid():
		return IndexConfig{}, fmt.Errorf("vectorize: invalid metric %q: use cosine, euclidean or dot-product", cfg.Metric)
	}
	now := time.Now().UTC()
	cfg.CreatedOn, cfg.ModifiedOn = now, now
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIndexes)
		if b.Get([]byte(cfg.Name)) != nil {
			return fmt.Errorf("vectorize: an index named %q already exists", cfg.Name)
		}
		raw, err := json.Marshal(indexState{IndexConfig: cfg})
		if err != nil {
			return err
		}
		tx.DeleteBucket(vectorsBucket(cfg.Name))
		tx.DeleteBucket(graphBucket(cfg.Name))
		if _, err := tx.CreateBucket(vectorsBucket(cfg.Name)); err != nil {
			return err
		}
		return b.Put([]byte(cfg.Name), raw)
	})
	if err != nil {
		return IndexConfig{}, err
	}
	return cfg, nil
}

// Indexes lists the indexes' configurations by name.
func (s *Store) Indexes() ([]IndexConfig, error) {
	var out []IndexConfig
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIndexes).ForEach(func(k, v []byte) error {
			var st indexState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("vectorize: index %q: %w", k, err)
			}
			out = append(out, st.IndexConfig)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// IndexConfig returns the configuration of the named index without loading its vectors; the
// error is *ErrNotFound when there is none.
func (s *Store) IndexConfig(name string) (IndexConfig, error) {
	var st indexState
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketIndexes).Get([]byte(name))
		if raw == nil {
			return &ErrNotFound{Name: name}
		}
		return json.Unmarshal(raw, &st)
	})
	return st.IndexConfig, err
}

// Index returns the named index, loading it on first use; the error is *ErrNotFound when
// there is none.
func (s *Store) Index(name string) (*Index, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.open[name]; x != nil {
		return x, nil
	}
	x, err := s.load(name)
	if err != nil {
		return nil, err
	}
	s.open[name] = x
	return x, nil
}

// DeleteIndex deletes the named index and its vectors.
func (s *Store) DeleteIndex(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.open[name]
	if x != nil {
		// Wait out a mutation or snapshot in progress.
		x.wmu.Lock()
		defer x.wmu.Unlock()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIndexes)
		if b.Get([]byte(name)) == nil {
			return &ErrNotFound{Name: name}
		}
		tx.DeleteBucket(vectorsBucket(name))
		tx.DeleteBucket(graphBucket(name))
		return b.Delete([]byte(name))
	})
	if err == nil {
		delete(s.open, name)
	}
	return err
}

// Close writes the graphs changed since their last snapshot and closes the file.
func (s *Store) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	s.done.Wait()
	var errs []error
	for _, x := range s.loaded() {
		errs = append(errs, x.snapshot(), x.calibrate())
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

func (s *Store) loaded() []*Index {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Index, 0, len(s.open))
	for _, x := range s.open {
		out = append(out, x)
	}
	return out
}

func (s *Store) snapshotLoop() {
	defer s.done.Done()
	t := time.NewTicker(s.opts.SnapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, x := range s.loaded() {
				if err := x.snapshot(); err != nil {
					s.log.Error("vectorize: writing the graph snapshot failed", "index", x.name, "error", err)
				}
				if err := x.calibrate(); err != nil {
					s.log.Error("vectorize: calibrating the graph failed", "index", x.name, "error", err)
				}
			}
		}
	}
}

// commit runs one mutation: fn writes its records in the transaction that also stores the
// index's next state, and apply changes memory once the transaction is durable.
func (x *Index) commit(write func(tx *bolt.Tx, st *indexState) error, apply func(st *indexState)) (Mutation, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.RLock()
	st := x.state
	x.mu.RUnlock()
	st.Metadata = append([]metaRecord(nil), st.Metadata...)
	st.Seq++
	st.LastMutation = newUUID()
	st.LastMutationAt = time.Now().UTC()
	err := x.store.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIndexes)
		if b.Get([]byte(x.name)) == nil {
			return &ErrNotFound{Name: x.name}
		}
		if err := write(tx, &st); err != nil {
			return err
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return b.Put([]byte(x.name), raw)
	})
	if err != nil {
		return Mutation{}, fmt.Errorf("vectorize %s: %w", x.name, err)
	}
	x.mu.Lock()
	apply(&st)
	x.state = st
	x.dirty = true
	x.mu.Unlock()
	return Mutation{MutationID: st.LastMutation}, nil
}

// write stores vectors (already checked) and links them into the graph; with insert, ids that
// exist are left as they are, as Vectorize's insert does.
func (x *Index) write(vs []Vector, metas []map[string]any, insert bool) (Mutation, error) {
	var keep []int
	return x.commit(func(tx *bolt.Tx, st *indexState) error {
		b := tx.Bucket(vectorsBucket(x.name))
		keep = keep[:0]
		seen := make(map[string]int, len(vs))
		for i := range vs {
			if j, dup := seen[vs[i].ID]; dup {
				if insert {
					continue
				}
				// Within one upsert the last vector with an id wins.
				keep[j] = -1
			}
			if insert && b.Get([]byte(vs[i].ID)) != nil {
				continue
			}
			seen[vs[i].ID] = len(keep)
			keep = append(keep, i)
		}
		for _, i := range keep {
			if i < 0 {
				continue
			}
			if err := b.Put([]byte(vs[i].ID), encodeRecord(&vs[i], st.Seq)); err != nil {
				return err
			}
		}
		return nil
	}, func(st *indexState) {
		mis := st.metadataIndexes()
		for _, i := range keep {
			if i < 0 {
				continue
			}
			var indexed []indexedValue
			if metas[i] != nil {
				indexed = indexValues(metas[i], mis, st.Seq)
			}
			x.put(&vs[i], st.Seq, indexed)
		}
	})
}

// deleteIDs removes the vectors of ids; missing ones are ignored.
func (x *Index) deleteIDs(ids []string) (Mutation, error) {
	return x.commit(func(tx *bolt.Tx, _ *indexState) error {
		b := tx.Bucket(vectorsBucket(x.name))
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	}, func(*indexState) {
		for _, id := range ids {
			if s, ok := x.byID[id]; ok {
				x.remove(s)
			}
		}
	})
}

// CreateMetadataIndex makes property filterable for the vectors written from now on, as
// Vectorize does: vectors written before are not in it until they are upserted again.
// Creating one that exists succeeds and changes nothing, as the live service answers.
func (x *Index) CreateMetadataIndex(property string, typ MetadataType) (Mutation, error) {
	if err := checkFilterKey(property); err != nil {
		return Mutation{}, fmt.Errorf("vectorize %s: invalid property name %q", x.name, property)
	}
	if typ != String && typ != Number && typ != Boolean {
		return Mutation{}, fmt.Errorf("vectorize %s: invalid metadata index type %q: use string, number or boolean", x.name, typ)
	}
	for _, m := range x.MetadataIndexes() {
		if m.Property == property {
			if m.Type != typ {
				return Mutation{}, fmt.Errorf("vectorize %s: property %q already has a %s metadata index", x.name, property, m.Type)
			}
		}
	}
	if len(x.MetadataIndexes()) >= MaxMetadataIndexes {
		return Mutation{}, fmt.Errorf("vectorize %s: an index has at most %d metadata indexes", x.name, MaxMetadataIndexes)
	}
	return x.commit(func(_ *bolt.Tx, st *indexState) error {
		for _, m := range st.Metadata {
			if m.Property == property {
				return nil
			}
		}
		st.Metadata = append(st.Metadata, metaRecord{Property: property, Type: typ, Seq: st.Seq})
		return nil
	}, func(*indexState) {})
}

// DeleteMetadataIndex removes the metadata index of property; filters on it then match as
// on a property no vector has.
func (x *Index) DeleteMetadataIndex(property string) (Mutation, error) {
	return x.commit(func(_ *bolt.Tx, st *indexState) error {
		for i, m := range st.Metadata {
			if m.Property == property {
				st.Metadata = append(st.Metadata[:i], st.Metadata[i+1:]...)
				return nil
			}
		}
		return &Error{Op: "INDEX_GET", Code: 40005, Text: fmt.Sprintf("metadata index for property %q not found", property)}
	}, func(*indexState) {
		for s := range x.slots {
			iv := x.slots[s].indexed
			for i := 0; i < len(iv); i++ {
				if iv[i].prop == property {
					x.slots[s].indexed = append(iv[:i:i], iv[i+1:]...)
					break
				}
			}
		}
	})
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
