package durable

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestIDs(t *testing.T) {
	a, _ := NewNamespace(NamespaceOptions{UniqueKey: "w-A", Dir: t.TempDir()})
	b, _ := NewNamespace(NamespaceOptions{UniqueKey: "w-B", Dir: t.TempDir()})
	if a.IDFromName("x") != a.IDFromName("x") || a.IDFromName("x") == a.IDFromName("y") {
		t.Fatal("idFromName is not a deterministic function of the name")
	}
	if a.IDFromName("x") == b.IDFromName("x") {
		t.Fatal("two namespaces gave the same id for a name")
	}
	u := a.NewUniqueID()
	if u == a.NewUniqueID() {
		t.Fatal("newUniqueId repeated")
	}
	for _, tc := range []struct {
		in, err string
	}{
		{u.String(), ""},
		{strings.ToUpper(u.String()), ""},
		{a.IDFromName("x").String(), ""},
		{"abc", "TypeError: Invalid Durable Object ID: must be 64 hex digits"},
		{strings.Repeat("g", 64), "TypeError: Invalid Durable Object ID: must be 64 hex digits"},
		{b.IDFromName("x").String(), "TypeError: Durable Object ID is not valid for this namespace."},
		{u.String()[:63] + map[bool]string{true: "1", false: "0"}[u.String()[63] == '0'], "TypeError: Durable Object ID is not valid for this namespace."},
	} {
		id, err := a.IDFromString(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("IDFromString(%q): %v", tc.in, err)
		case tc.err == "" && id.String() != strings.ToLower(tc.in):
			t.Errorf("IDFromString(%q) = %s", tc.in, id)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("IDFromString(%q) error %v, want %s", tc.in, err, tc.err)
		}
	}
	if len(u.String()) != 64 {
		t.Fatalf("id %s is not 64 hex digits", u)
	}
}

func openTest(t *testing.T, sql bool) *Storage {
	t.Helper()
	s, err := OpenStorage(filepath.Join(t.TempDir(), "o.sqlite"), StorageOptions{SQL: sql})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func strs(v ...string) []string { return v }

func TestKV(t *testing.T) {
	s := openTest(t, false)
	keys := strs("a", "b", "ba", "bb", "c", "\u00e9")
	vals := make([][]byte, len(keys))
	for i, k := range keys {
		vals[i] = []byte("v" + k)
	}
	if err := s.Put(keys, vals); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(strs("a", "zz", "c"))
	if err != nil || string(got[0]) != "va" || got[1] != nil || string(got[2]) != "vc" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	p := func(s string) *string { return &s }
	for _, tc := range []struct {
		name string
		o    ListOptions
		want string
	}{
		{"all", ListOptions{}, "a b ba bb c \u00e9"},
		{"prefix", ListOptions{Prefix: "b"}, "b ba bb"},
		{"start", ListOptions{Start: p("b")}, "b ba bb c \u00e9"},
		{"startAfter", ListOptions{StartAfter: p("b")}, "ba bb c \u00e9"},
		{"end", ListOptions{End: p("bb")}, "a b ba"},
		{"reverse limit", ListOptions{Reverse: true, Limit: 2}, "\u00e9 c"},
		{"prefix end inside", ListOptions{Prefix: "b", End: p("bb")}, "b ba"},
		{"empty range", ListOptions{Start: p("c"), End: p("b")}, ""},
		{"prefix after start", ListOptions{Prefix: "a", Start: p("b")}, ""},
	} {
		ks, _, err := s.List(tc.o)
		if err != nil || strings.Join(ks, " ") != tc.want {
			t.Errorf("%s: List = %q, %v; want %q", tc.name, ks, err, tc.want)
		}
	}
	if _, _, err := s.List(ListOptions{Limit: -1}); err == nil || err.Error() != "TypeError: List limit must be positive." {
		t.Errorf("negative limit: %v", err)
	}
	n, err := s.Delete(strs("a", "nope", "b"))
	if err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v", n, err)
	}
	if err := s.DeleteAll(); err != nil {
		t.Fatal(err)
	}
	if ks, _, _ := s.List(ListOptions{}); len(ks) != 0 {
		t.Fatalf("after DeleteAll: %q", ks)
	}
}

func TestLimits(t *testing.T) {
	many := make([]string, MaxKeys+1)
	for i := range many {
		many[i] = strings.Repeat("k", i+1)
	}
	for _, tc := range []struct {
		name   string
		sql    bool
		keys   []string
		values [][]byte
		err    string
	}{
		{"long key", false, strs(strings.Repeat("k", 2049)), [][]byte{nil}, "RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided."},
		{"many keys", false, many, make([][]byte, len(many)), "RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."},
		{"big value", false, strs("ok", "k"), [][]byte{[]byte("fine"), make([]byte, 200<<10)}, "RangeError: Values cannot be larger than 131072 bytes. A value of size 204800 was provided."},
		{"value at limit", false, strs("k"), [][]byte{make([]byte, MaxValueSize)}, ""},
		{"sqlite big value", true, strs("ok", "k"), [][]byte{[]byte("fine"), make([]byte, 3<<20)}, "Error: string or blob too big: SQLITE_TOOBIG"},
		{"sqlite 1 MiB value", true, strs("k"), [][]byte{make([]byte, 1<<20)}, ""},
	} {
		s := openTest(t, tc.sql)
		err := s.Put(tc.keys, tc.values)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.err)
		}
		// Nothing of a refused call is written, not even its valid entries.
		if ks, _, _ := s.List(ListOptions{}); len(ks) != 0 {
			t.Errorf("%s: refused put wrote %q", tc.name, ks)
		}
	}
}

func TestTransactionRollbackAndDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.sqlite")
	s, err := OpenStorage(path, StorageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(strs("kept"), [][]byte{[]byte("1")})
	s.BeginTransaction()
	s.Put(strs("undone"), [][]byte{[]byte("2")})
	s.BeginTransaction()
	s.Put(strs("inner"), [][]byte{[]byte("3")})
	s.EndTransaction(false)
	if err := s.Flush(); err != nil || !s.Dirty() {
		t.Fatalf("Flush inside a transaction committed (dirty=%v, %v)", s.Dirty(), err)
	}
	s.EndTransaction(true)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	s.Put(strs("unflushed"), [][]byte{[]byte("4")})
	// Drop the connection without Flush: the unflushed write must not survive.
	for _, st := range s.stmts {
		st.Close()
	}
	s.conn.Close()
	s2, err := OpenStorage(path, StorageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ks, _, _ := s2.List(ListOptions{})
	if strings.Join(ks, " ") != "kept" {
		t.Fatalf("after reopen: %q, want only kept", ks)
	}
}

func TestSQL(t *testing.T) {
	s := openTest(t, true)
	exec := func(q string, args ...any) *Result {
		t.Helper()
		r, err := s.Exec(q, args)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return r
	}
	exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB); CREATE INDEX t_name ON t(name)")
	r := exec("INSERT INTO t (name, data) VALUES (?, ?), (?, ?)", "a", []byte{1, 2}, "b", nil)
	if r.RowsWritten != 2 {
		t.Errorf("rowsWritten = %d", r.RowsWritten)
	}
	r = exec("SELECT id, name, data, 1.5 AS f FROM t ORDER BY id")
	if strings.Join(r.Columns, ",") != "id,name,data,f" || len(r.Rows) != 2 || r.Rows[0][0] != float64(1) ||
		r.Rows[0][1] != "a" || string(r.Rows[0][2].([]byte)) != "\x01\x02" || r.Rows[1][2] != nil || r.Rows[0][3] != 1.5 {
		t.Errorf("select = %v %v", r.Columns, r.Rows)
	}
	if r.RowsRead < 2 {
		t.Errorf("rowsRead = %d", r.RowsRead)
	}
	if n, err := s.DatabaseSize(); err != nil || n <= 0 {
		t.Errorf("DatabaseSize = %d, %v", n, err)
	}
	for _, tc := range []struct {
		q    string
		args []any
		err  string
	}{
		{"SELECT * FROM nope", nil, "Error: no such table: nope: SQLITE_ERROR"},
		{"BEGIN TRANSACTION", nil, "Error: " + transactionMessage},
		{"SAVEPOINT x", nil, "Error: " + transactionMessage},
		{"SELECT * FROM _cf_KV", nil, "Error: access to _cf_KV.key is prohibited: SQLITE_AUTH"},
		{"SELECT ?", nil, "Error: Wrong number of parameter bindings for SQL query."},
		{"SELECT ?; SELECT 1", []any{1.0}, "Error: When executing multiple SQL statements in a single call, only the last statement can have parameters."},
		{"INSERT INTO t (id) VALUES (1)", nil, "Error: UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT"},
	} {
		if _, err := s.Exec(tc.q, tc.args); err == nil || err.Error() != tc.err {
			t.Errorf("%s: error %v, want %s", tc.q, err, tc.err)
		}
	}
	// The key-value API lives in the same database; deleteAll clears both.
	s.Put(strs("k"), [][]byte{[]byte("v")})
	if err := s.DeleteAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Exec("SELECT * FROM t", nil); err == nil {
		t.Error("deleteAll left the object's table")
	}
	kvOnly := openTest(t, false)
	if _, err := kvOnly.Exec("SELECT 1", nil); err == nil || err.Error() != "Error: "+notSQLite {
		t.Errorf("SQL on a key-value class: %v", err)
	}
}

// alarmEngine is an Engine that records alarm events and answers them as told.
type alarmEngine struct {
	mu    sync.Mutex
	calls []Call
	reply func(c Call) (Reply, error)
	seen  chan struct{}
}

func (e *alarmEngine) Send(_ *Namespace, _ ID, _ string, c Call) func(context.Context) (Reply, error) {
	return func(context.Context) (Reply, error) {
		e.mu.Lock()
		e.calls = append(e.calls, c)
		e.mu.Unlock()
		defer func() { e.seen <- struct{}{} }()
		return e.reply(c)
	}
}

func TestAlarmsSurviveRestartAndRetry(t *testing.T) {
	dir := t.TempDir()
	ns, _ := NewNamespace(NamespaceOptions{UniqueKey: "w-A", Dir: dir})
	id := ns.IDFromName("a")
	if err := ns.Start(&alarmEngine{reply: func(Call) (Reply, error) { return Reply{}, nil }, seen: make(chan struct{}, 10)}); err != nil {
		t.Fatal(err)
	}
	if err := ns.AlarmSet(id, "a", time.Now().Add(time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	ns.Close()

	// A new process: the record of the alarm, now due, fires it; the handler fails once, and
	// the retry comes after the backoff with retryCount 1.
	due := time.Now().Add(-time.Second).UnixMilli()
	writeAlarm(ns.alarmPath(id), due, "a", false)
	ns2, _ := NewNamespace(NamespaceOptions{UniqueKey: "w-A", Dir: dir})
	e := &alarmEngine{seen: make(chan struct{}, 10)}
	e.reply = func(c Call) (Reply, error) {
		if c.RetryCount == 0 {
			return Reply{Ran: true, Threw: true, Alarm: due}, nil
		}
		return Reply{Ran: true}, nil
	}
	start := time.Now()
	if err := ns2.Start(e); err != nil {
		t.Fatal(err)
	}
	defer ns2.Close()
	for range 2 {
		select {
		case <-e.seen:
		case <-time.After(10 * time.Second):
			t.Fatal("alarm did not run")
		}
	}
	if d := time.Since(start); d < 1900*time.Millisecond {
		t.Errorf("retry came after %v, want the 2 s backoff", d)
	}
	if e.calls[0].Kind != CallAlarm || e.calls[0].RetryCount != 0 || e.calls[1].RetryCount != 1 {
		t.Errorf("calls = %+v", e.calls)
	}
	time.Sleep(50 * time.Millisecond)
	if _, _, err := readAlarm(ns2.alarmPath(id)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("alarm record after success: %v", err)
	}
}
