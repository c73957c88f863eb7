package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltStore is a Store in one bbolt file. Its layout:
//
//	<namespace id>/          one top-level bucket per namespace, so namespaces never mix
//	    k/<key>  → record    the entries (see record.go), in key byte order as list wants
//	    x/<exp><key> → ∅     an index by expiration (8 bytes big-endian, then the key), so
//	                         purging expired keys reads only the expired part of the index
//
// Reads are bbolt read transactions, concurrent with each other and with a write. Writes go
// through bbolt's Batch: puts and deletes that arrive together share one transaction and one
// fsync, so concurrent writers do not each wait for a disk flush, and each call returns only
// after the flush that made its change durable.
type BoltStore struct {
	db   *bolt.DB
	log  *slog.Logger
	now  clock
	stop chan struct{}
	done sync.WaitGroup
}

// ErrLocked reports that another process holds the store's file open.
var ErrLocked = errors.New("the file is locked by another molt process (molt dev or molt kv with the same state directory)")

// BoltOptions tune a BoltStore; the zero value is a good default.
type BoltOptions struct {
	// BatchDelay is how long a write waits for others to share its transaction; default 1 ms.
	BatchDelay time.Duration
	// PurgeEvery is how often expired keys are deleted from disk; default one minute. They
	// are invisible from the moment they expire either way.
	PurgeEvery time.Duration
	// LockTimeout is how long Open waits for another process to release the file; default 1 s.
	LockTimeout time.Duration
	// Log receives purge errors; nil means slog.Default().
	Log *slog.Logger
}

var (
	bucketKeys   = []byte("k")
	bucketExpiry = []byte("x")
)

// OpenBolt opens or creates the store at path, creating its directory if needed.
func OpenBolt(path string, opts BoltOptions) (*BoltStore, error) {
	if opts.BatchDelay == 0 {
		opts.BatchDelay = time.Millisecond
	}
	if opts.PurgeEvery == 0 {
		opts.PurgeEvery = time.Minute
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("kv: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", path, err)
	}
	db.MaxBatchDelay = opts.BatchDelay
	s := &BoltStore{db: db, log: opts.Log, now: time.Now, stop: make(chan struct{})}
	s.done.Add(1)
	go s.purgeLoop(opts.PurgeEvery)
	return s, nil
}

// Path is the store's file.
func (s *BoltStore) Path() string { return s.db.Path() }

// Get implements Store.
func (s *BoltStore) Get(ns, key string, now int64) (e Entry, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := keysOf(tx, ns)
		if b == nil {
			return nil
		}
		rec := b.Get([]byte(key))
		if rec == nil {
			return nil
		}
		if len(rec) >= headerSize && expired(int64(binary.BigEndian.Uint64(rec[1:])), now) {
			return nil
		}
		e, err = decodeRecord(rec)
		ok = err == nil
		return err
	})
	return e, ok, err
}

// Put implements Store.
func (s *BoltStore) Put(ns, key string, e Entry) error {
	rec := encodeRecord(e)
	k := []byte(key)
	return s.db.Batch(func(tx *bolt.Tx) error {
		keys, idx, err := createBuckets(tx, ns)
		if err != nil {
			return err
		}
		if err := unindex(keys, idx, k); err != nil {
			return err
		}
		if e.Expiration != 0 {
			if err := idx.Put(expiryKey(e.Expiration, k), nil); err != nil {
				return err
			}
		}
		return keys.Put(k, rec)
	})
}

// Delete implements Store.
func (s *BoltStore) Delete(ns, key string) error {
	k := []byte(key)
	return s.db.Batch(func(tx *bolt.Tx) error {
		nb := tx.Bucket([]byte(ns))
		if nb == nil {
			return nil
		}
		keys, idx := nb.Bucket(bucketKeys), nb.Bucket(bucketExpiry)
		if err := unindex(keys, idx, k); err != nil {
			return err
		}
		return keys.Delete(k)
	})
}

// List implements Store.
func (s *BoltStore) List(ns, prefix, after string, limit int, now int64) (keys []KeyInfo, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := keysOf(tx, ns)
		if b == nil {
			return nil
		}
		p := []byte(prefix)
		c := b.Cursor()
		var k, v []byte
		if after != "" && after >= prefix {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		} else {
			k, v = c.Seek(p)
		}
		for ; k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			_, exp, meta, _, err := recordHeader(v)
			if err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			if expired(exp, now) {
				continue
			}
			if len(keys) == limit {
				more = true
				return nil
			}
			ki := KeyInfo{Name: string(k), Expiration: exp}
			if len(meta) > 0 {
				ki.Metadata = append([]byte(nil), meta...)
			}
			keys = append(keys, ki)
		}
		return nil
	})
	return keys, more, err
}

// Namespaces implements Store.
func (s *BoltStore) Namespaces() ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			out = append(out, string(name))
			return nil
		})
	})
	return out, err
}

// Close stops the purger and closes the file.
func (s *BoltStore) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	s.done.Wait()
	return s.db.Close()
}

// Purge deletes the keys expired at now from disk and returns how many it deleted.
func (s *BoltStore) Purge(now int64) (int, error) {
	nss, err := s.Namespaces()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, ns := range nss {
		// Bounded transactions keep a large purge from holding the writer for long.
		for {
			n := 0
			err := s.db.Update(func(tx *bolt.Tx) error {
				nb := tx.Bucket([]byte(ns))
				if nb == nil {
					return nil
				}
				keys, idx := nb.Bucket(bucketKeys), nb.Bucket(bucketExpiry)
				c := idx.Cursor()
				for k, _ := c.First(); k != nil && n < 10000; k, _ = c.Next() {
					if !expired(int64(binary.BigEndian.Uint64(k)), now) {
						break
					}
					if err := keys.Delete(k[8:]); err != nil {
						return err
					}
					if err := c.Delete(); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			total += n
			if err != nil {
				return total, fmt.Errorf("kv %s: purge: %w", ns, err)
			}
			if n < 10000 {
				break
			}
		}
	}
	return total, nil
}

func (s *BoltStore) purgeLoop(every time.Duration) {
	defer s.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.Purge(s.now().Unix()); err != nil {
				s.log.Error("kv: purging expired keys failed", "error", err)
			}
		}
	}
}

func expired(exp, now int64) bool { return exp != 0 && exp <= now }

func keysOf(tx *bolt.Tx, ns string) *bolt.Bucket {
	nb := tx.Bucket([]byte(ns))
	if nb == nil {
		return nil
	}
	return nb.Bucket(bucketKeys)
}

func createBuckets(tx *bolt.Tx, ns string) (keys, idx *bolt.Bucket, err error) {
	nb := tx.Bucket([]byte(ns))
	if nb == nil {
		if nb, err = tx.CreateBucket([]byte(ns)); err != nil {
			return nil, nil, err
		}
		if keys, err = nb.CreateBucket(bucketKeys); err != nil {
			return nil, nil, err
		}
		idx, err = nb.CreateBucket(bucketExpiry)
		return keys, idx, err
	}
	return nb.Bucket(bucketKeys), nb.Bucket(bucketExpiry), nil
}

// unindex removes key's expiration index entry, if its current record has one.
func unindex(keys, idx *bolt.Bucket, key []byte) error {
	old := keys.Get(key)
	if len(old) < headerSize {
		return nil
	}
	if exp := int64(binary.BigEndian.Uint64(old[1:])); exp != 0 {
		return idx.Delete(expiryKey(exp, key))
	}
	return nil
}

func expiryKey(exp int64, key []byte) []byte {
	k := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(exp))
	return append(k, key...)
}
