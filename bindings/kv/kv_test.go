package kv

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openTest opens a store in a fresh directory and a namespace on it with a fixed clock.
func openTest(t testing.TB) (*BoltStore, *Namespace, *time.Time) {
	t.Helper()
	s, err := OpenBolt(filepath.Join(t.TempDir(), "kv", "kv.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Unix(1_800_000_000, 0)
	ns := NewNamespace(s, "TEST")
	ns.now = func() time.Time { return now }
	return s, ns, &now
}

func i64(v int64) *int64 { return &v }

func TestPutGetDelete(t *testing.T) {
	_, ns, _ := openTest(t)
	big := bytes.Repeat([]byte("compressible "), 10000)
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(i*7919 + i>>8)
	}
	for _, tc := range []struct {
		name  string
		key   string
		value []byte
		meta  []byte
	}{
		{"text", "a", []byte("hello"), nil},
		{"empty value", "empty", []byte{}, nil},
		{"metadata", "m", []byte("v"), []byte(`{"n":1}`)},
		{"unicode key", "ключ/🔑", []byte("x"), nil},
		{"compressed", "big", big, []byte(`"meta"`)},
		{"incompressible", "rand", random, nil},
		{"longest key", strings.Repeat("k", MaxKeySize), []byte("x"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := ns.Put(tc.key, tc.value, PutOptions{Metadata: tc.meta}); err != nil {
				t.Fatal(err)
			}
			e, ok, err := ns.Get(tc.key, GetOptions{})
			if err != nil || !ok {
				t.Fatalf("get: ok=%v err=%v", ok, err)
			}
			if !bytes.Equal(e.Value, tc.value) || !bytes.Equal(e.Metadata, tc.meta) || e.Expiration != 0 {
				t.Fatalf("got %d bytes meta %q exp %d", len(e.Value), e.Metadata, e.Expiration)
			}
			if err := ns.Delete(tc.key); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := ns.Get(tc.key, GetOptions{}); ok || err != nil {
				t.Fatalf("after delete: ok=%v err=%v", ok, err)
			}
		})
	}
	if err := ns.Delete("never-there"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func TestCompressionShrinksTheFile(t *testing.T) {
	s, ns, _ := openTest(t)
	big := bytes.Repeat([]byte("a"), 1<<20)
	if err := ns.Put("big", big, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	stored := recordSize(t, s, "TEST", "big")
	if stored > len(big)/10 {
		t.Fatalf("a 1 MiB run of one byte is stored in %d bytes; want it compressed", stored)
	}
}

func TestErrors(t *testing.T) {
	_, ns, now := openTest(t)
	long := strings.Repeat("x", MaxKeySize+1)
	for _, tc := range []struct {
		name string
		err  error
		want string
		arg  bool // a TypeError rather than a KV error
	}{
		{"empty key", ns.Put("", nil, PutOptions{}), "Key name cannot be empty.", true},
		{"dot", ns.Delete("."), `"." is not allowed as a key name.`, true},
		{"dot dot", errOf(ns.Get("..", GetOptions{})), `".." is not allowed as a key name.`, true},
		{"long key get", errOf(ns.Get(long, GetOptions{})), "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.", false},
		{"long key put", ns.Put(long, nil, PutOptions{}), "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.", false},
		{"long key delete", ns.Delete(long), "KV DELETE failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.", false},
		{"cache ttl", errOf(ns.Get("k", GetOptions{CacheTTL: i64(10)})), "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.", false},
		{"ttl zero", ns.Put("k", nil, PutOptions{ExpirationTTL: i64(0)}), "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0.", false},
		{"ttl short", ns.Put("k", nil, PutOptions{ExpirationTTL: i64(59)}), "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.", false},
		{"expiration past", ns.Put("k", nil, PutOptions{Expiration: i64(now.Unix())}), fmt.Sprintf("KV PUT failed: 400 Invalid expiration of %d. Please specify integer greater than the current number of seconds since the UNIX epoch.", now.Unix()), false},
		{"expiration soon", ns.Put("k", nil, PutOptions{Expiration: i64(now.Unix() + 59)}), fmt.Sprintf("KV PUT failed: 400 Invalid expiration of %d. Expiration times must be at least 60 seconds in the future.", now.Unix()+59), false},
		{"metadata", ns.Put("k", nil, PutOptions{Metadata: []byte(`"` + strings.Repeat("m", 1023) + `"`)}), "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.", false},
		{"value", ns.Put("k", make([]byte, MaxValueSize+1), PutOptions{}), "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.", false},
		{"list limit", errOf2(ns.List(ListOptions{Limit: 1001})), "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.", false},
		{"list prefix", errOf2(ns.List(ListOptions{Prefix: long})), "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.", false},
		{"bulk too many", errOf(ns.GetBulk(make([]string, 101), BulkOptions{})), "KV GET_BULK failed: 400 You can request a maximum of 100 keys", false},
		{"bulk none", errOf(ns.GetBulk(nil, BulkOptions{})), "KV GET_BULK failed: 400 You must request a minimum of 1 key", false},
		{"bulk type", errOf(ns.GetBulk([]string{"a"}, BulkOptions{Type: "arrayBuffer"})), `KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"`, false},
		{"bulk empty key", errOf(ns.GetBulk([]string{"a", ""}, BulkOptions{})), "KV GET_BULK failed: 400 Key names must not be empty", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if tc.err.Error() != tc.want {
				t.Fatalf("error %q\nwant  %q", tc.err, tc.want)
			}
			var ae *ArgumentError
			var ke *Error
			if tc.arg && !errors.As(tc.err, &ae) || !tc.arg && !errors.As(tc.err, &ke) {
				t.Fatalf("error is %T", tc.err)
			}
		})
	}
	if err := ns.Put("k", nil, PutOptions{Expiration: i64(now.Unix() + 60)}); err != nil {
		t.Fatalf("an expiration 60 s ahead: %v", err)
	}
	if err := ns.Put("k", nil, PutOptions{Metadata: []byte(`"` + strings.Repeat("m", 1022) + `"`)}); err != nil {
		t.Fatalf("1024 bytes of metadata: %v", err)
	}
}

func errOf[A, B any](_ A, _ B, err error) error { return err }

func errOf2[A any](_ A, err error) error { return err }

func TestExpiration(t *testing.T) {
	s, ns, now := openTest(t)
	if err := ns.Put("ttl", []byte("1"), PutOptions{ExpirationTTL: i64(60)}); err != nil {
		t.Fatal(err)
	}
	if err := ns.Put("abs", []byte("2"), PutOptions{Expiration: i64(now.Unix() + 120), Metadata: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	if err := ns.Put("forever", []byte("3"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	e, ok, _ := ns.Get("ttl", GetOptions{})
	if !ok || e.Expiration != now.Unix()+60 {
		t.Fatalf("ttl key: ok=%v expiration %d", ok, e.Expiration)
	}
	names := func() string {
		res, err := ns.List(ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range res.Keys {
			in := int64(-1)
			if k.Expiration != 0 {
				in = k.Expiration - now.Unix()
			}
			out = append(out, fmt.Sprintf("%s:%d:%s", k.Name, in, k.Metadata))
		}
		return strings.Join(out, " ")
	}
	if got := names(); got != "abs:120:1 forever:-1: ttl:60:" {
		t.Fatalf("listing %s", got)
	}
	*now = now.Add(60 * time.Second)
	if _, ok, _ := ns.Get("ttl", GetOptions{}); ok {
		t.Fatal("a key is visible at its expiration time")
	}
	if got := names(); got != "abs:60:1 forever:-1:" {
		t.Fatalf("listing after expiry: %s", got)
	}
	n, err := s.Purge(now.Unix())
	if err != nil || n != 1 {
		t.Fatalf("purge deleted %d (err %v), want 1", n, err)
	}
	// A rewrite without expiration must drop the old index entry, or the purge would delete it.
	if err := ns.Put("abs", []byte("again"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Purge(now.Unix() + 1000); err != nil || n != 0 {
		t.Fatalf("purge after rewrite deleted %d (err %v), want 0", n, err)
	}
	if e, ok, _ := ns.Get("abs", GetOptions{}); !ok || string(e.Value) != "again" {
		t.Fatal("the rewritten key is gone")
	}
}

func TestList(t *testing.T) {
	_, ns, _ := openTest(t)
	keys := []string{"b", "a", "a/1", "a/2", "a/10", "é", "Z", "a/\xff"}
	for _, k := range keys {
		if err := ns.Put(k, []byte(k), PutOptions{Metadata: []byte(`{"k":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(o ListOptions) ([]string, ListResult) {
		res, err := ns.List(o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range res.Keys {
			out = append(out, k.Name)
		}
		return out, res
	}
	for _, tc := range []struct {
		name string
		opts ListOptions
		want string
		done bool
	}{
		{"all, byte order", ListOptions{}, "Z a a/1 a/10 a/2 a/\xff b é", true},
		{"prefix", ListOptions{Prefix: "a/"}, "a/1 a/10 a/2 a/\xff", true},
		{"limit", ListOptions{Limit: 3}, "Z a a/1", false},
		{"exact limit", ListOptions{Prefix: "a/", Limit: 4}, "a/1 a/10 a/2 a/\xff", true},
		{"no match", ListOptions{Prefix: "q"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, res := list(tc.opts)
			if strings.Join(got, " ") != tc.want || res.Complete != tc.done || (res.Cursor == "") != tc.done {
				t.Fatalf("got %q complete=%v cursor=%q", got, res.Complete, res.Cursor)
			}
		})
	}
	// Paging with cursors visits every key once.
	var all []string
	cursor := ""
	for page := 0; ; page++ {
		got, res := list(ListOptions{Limit: 2, Cursor: cursor})
		all = append(all, got...)
		if res.Complete {
			break
		}
		cursor = res.Cursor
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(all, " ") != "Z a a/1 a/10 a/2 a/\xff b é" {
		t.Fatalf("paged listing %q", all)
	}
	// Paging within a prefix.
	got, res := list(ListOptions{Prefix: "a/", Limit: 2})
	got2, res2 := list(ListOptions{Prefix: "a/", Limit: 2, Cursor: res.Cursor})
	if strings.Join(append(got, got2...), " ") != "a/1 a/10 a/2 a/\xff" || !res2.Complete {
		t.Fatalf("prefix paging %q %q", got, got2)
	}
	if _, err := ns.List(ListOptions{Cursor: "!!"}); err == nil {
		t.Fatal("a malformed cursor is accepted")
	}
}

func TestBulkGet(t *testing.T) {
	_, ns, _ := openTest(t)
	ns.Put("j", []byte(`{"a":1}`), PutOptions{Metadata: []byte(`2`)})
	ns.Put("t", []byte(`not json`), PutOptions{})
	entries, found, err := ns.GetBulk([]string{"j", "missing"}, BulkOptions{Type: "json"})
	if err != nil {
		t.Fatal(err)
	}
	if !found[0] || found[1] || string(entries[0].Value) != `{"a":1}` || string(entries[0].Metadata) != "2" {
		t.Fatalf("got %v %v", entries, found)
	}
	_, _, err = ns.GetBulk([]string{"j", "t"}, BulkOptions{Type: "json"})
	if err == nil || err.Error() != "KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-json value" {
		t.Fatalf("non-JSON value: %v", err)
	}
}

func TestNamespacesAreSeparate(t *testing.T) {
	s, a, _ := openTest(t)
	b := NewNamespace(s, "OTHER")
	a.Put("k", []byte("a"), PutOptions{})
	b.Put("k", []byte("b"), PutOptions{})
	ea, _, _ := a.Get("k", GetOptions{})
	eb, _, _ := b.Get("k", GetOptions{})
	if string(ea.Value) != "a" || string(eb.Value) != "b" {
		t.Fatalf("a=%q b=%q", ea.Value, eb.Value)
	}
	nss, err := s.Namespaces()
	if err != nil || strings.Join(nss, ",") != "OTHER,TEST" {
		t.Fatalf("namespaces %v %v", nss, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kv.db")
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBolt(path, BoltOptions{LockTimeout: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "locked by another molt process") {
		t.Fatalf("a second open of a locked file: %v", err)
	}
	NewNamespace(s, "N").Put("k", []byte("kept"), PutOptions{Metadata: []byte(`"m"`)})
	s.Close()
	s, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, ok, err := NewNamespace(s, "N").Get("k", GetOptions{})
	if !ok || err != nil || string(e.Value) != "kept" || string(e.Metadata) != `"m"` {
		t.Fatalf("after reopening: %q %q ok=%v err=%v", e.Value, e.Metadata, ok, err)
	}
}

func TestConcurrentPuts(t *testing.T) {
	_, ns, _ := openTest(t)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := ns.Put(fmt.Sprintf("w%02d/%03d", w, i), []byte{byte(i)}, PutOptions{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	res, err := ns.List(ListOptions{})
	if err != nil || len(res.Keys) != 800 {
		t.Fatalf("%d keys after 800 concurrent puts (err %v)", len(res.Keys), err)
	}
}

// recordSize is the stored size of key's record.
func recordSize(t *testing.T, s *BoltStore, ns, key string) int {
	t.Helper()
	n := -1
	s.db.View(func(tx *bolt.Tx) error {
		if b := keysOf(tx, ns); b != nil {
			n = len(b.Get([]byte(key)))
		}
		return nil
	})
	return n
}
