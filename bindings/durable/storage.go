package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// Storage is one object's storage: a SQLite database file holding the key-value API in the
// table _cf_KV, the alarm in _cf_METADATA, and, for SQLite-backed classes, the tables the
// object's SQL creates. (workerd keeps a SQLite-backed object's key-value data in the same
// _cf_KV table.) SQLite gives the atomic, ordered, crash-safe store that the API promises;
// the key-value-backed classes use the same engine with the SQL API switched off, so that
// one code path carries both.
//
// Writes are coalesced as on Cloudflare: the first write after a flush opens a transaction,
// and every later read sees it at once, but nothing is durable until Flush commits it. The
// object's event loop calls Flush before it lets any reply out (the output gate), so a caller
// never sees a result whose writes a crash could lose, and writes of events handled together
// share one commit.
//
// A Storage is used by one goroutine at a time: the object's event loop.
type Storage struct {
	conn *sqlite3.Conn
	path string
	sql  bool
	// inTx reports the implicit transaction is open; savepoints counts transaction() calls
	// in progress inside it, during which Flush must not commit.
	inTx       bool
	savepoints int
	// user is set while the object's own SQL is prepared, so that the authorizer applies
	// workerd's rules to it and not to the queries of this package; authErr is the message
	// of the rule it broke.
	user    bool
	authErr error
	stmts   map[string]*sqlite3.Stmt
}

// StorageOptions choose a Storage's behaviour.
type StorageOptions struct {
	// SQL enables the SQL API and SQLite-backed limits (new_sqlite_classes).
	SQL bool
	// NoSync commits without fsync (SQLite's synchronous=NORMAL in WAL mode): committed
	// writes still survive the process being killed, but not the machine losing power.
	NoSync bool
}

// OpenStorage opens or creates the object database at path, creating its directory.
func OpenStorage(path string, opts StorageOptions) (*Storage, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("durable: open %s: %w", path, err)
	}
	conn, err := sqlite3.Open(path)
	if err != nil {
		return nil, fmt.Errorf("durable: open %s: %w", path, err)
	}
	s := &Storage{conn: conn, path: path, sql: opts.SQL, stmts: map[string]*sqlite3.Stmt{}}
	sync := "FULL"
	if opts.NoSync {
		sync = "NORMAL"
	}
	// A small page cache: most objects are small, and an idle object should cost little.
	// The tables are made in one transaction: a new object's database costs one commit.
	setup := "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync + "; PRAGMA cache_size=-256; PRAGMA busy_timeout=5000;" +
		"BEGIN; CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;" +
		"CREATE TABLE IF NOT EXISTS _cf_METADATA (key INTEGER PRIMARY KEY, value BLOB); COMMIT;"
	if err := conn.Exec(setup); err != nil {
		conn.Close()
		return nil, fmt.Errorf("durable: open %s: %w", path, err)
	}
	if opts.SQL {
		conn.Limit(sqlite3.LIMIT_LENGTH, MaxSQLiteValueSize)
	}
	if err := conn.SetAuthorizer(s.authorize); err != nil {
		conn.Close()
		return nil, fmt.Errorf("durable: open %s: %w", path, err)
	}
	return s, nil
}

// Path is the database file.
func (s *Storage) Path() string { return s.path }

// SQL reports whether the SQL API is enabled.
func (s *Storage) SQL() bool { return s.sql }

// Close commits what is pending and closes the database.
func (s *Storage) Close() error {
	ferr := s.Flush()
	for _, st := range s.stmts {
		st.Close()
	}
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("durable: close %s: %w", s.path, err)
	}
	return ferr
}

// Discard undoes the writes not yet flushed and closes the database: the object broke (it
// was reset, or exceeded a limit), and what it wrote since its last flush never reached a
// caller.
func (s *Storage) Discard() error {
	for _, st := range s.stmts {
		st.Close()
	}
	if s.inTx {
		s.conn.Exec("ROLLBACK")
		s.inTx = false
	}
	if err := s.conn.Close(); err != nil {
		return fmt.Errorf("durable: close %s: %w", s.path, err)
	}
	return nil
}

// stmt returns the cached statement for one of this package's queries, reset.
func (s *Storage) stmt(query string) (*sqlite3.Stmt, error) {
	if st := s.stmts[query]; st != nil {
		st.Reset()
		st.ClearBindings()
		return st, nil
	}
	st, _, err := s.conn.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("durable: prepare %q: %w", query, err)
	}
	s.stmts[query] = st
	return st, nil
}

// begin opens the implicit transaction that the next Flush commits.
func (s *Storage) begin() error {
	if s.inTx {
		return nil
	}
	if err := s.conn.Exec("BEGIN"); err != nil {
		return s.fail("begin", err)
	}
	s.inTx = true
	return nil
}

// Flush makes the writes since the last flush durable. Inside a transaction() it does
// nothing: the transaction's writes are committed with the flush after it ends.
func (s *Storage) Flush() error {
	if !s.inTx || s.savepoints > 0 {
		return nil
	}
	if err := s.conn.Exec("COMMIT"); err != nil {
		// A failed commit leaves SQLite's transaction open; roll it back so that the next
		// write starts clean, and report the loss.
		s.conn.Exec("ROLLBACK")
		s.inTx = false
		return s.fail("commit", err)
	}
	s.inTx = false
	return nil
}

// Dirty reports that writes are waiting for Flush.
func (s *Storage) Dirty() bool { return s.inTx }

func (s *Storage) fail(op string, err error) error {
	return fmt.Errorf("durable: %s %s: %w", op, s.path, err)
}

// checkKeys applies the count and size limits to the keys of one call.
func checkKeys(keys []string) error {
	if len(keys) > MaxKeys {
		return rangeErr("Maximum number of key value pairs is %d. %d pairs were provided.", MaxKeys, len(keys))
	}
	for _, k := range keys {
		if len(k) > MaxKeySize {
			return rangeErr("Keys cannot be larger than %d bytes. A key of size %d was provided.", MaxKeySize, len(k))
		}
	}
	return nil
}

// Get returns the values of keys, nil for a key with no value.
func (s *Storage) Get(keys []string) ([][]byte, error) {
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	st, err := s.stmt("SELECT value FROM _cf_KV WHERE key = ?")
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		st.Reset()
		st.BindText(1, k)
		if st.Step() {
			out[i] = st.ColumnBlob(0, []byte{})
		}
		if err := st.Err(); err != nil {
			return nil, s.fail("get", err)
		}
	}
	// A statement left mid-result would hold its read lock (and block DROP TABLE).
	st.Reset()
	return out, nil
}

// Put stores values[i] under keys[i]. Every key and value is checked before anything is
// written, so a call that fails writes nothing.
func (s *Storage) Put(keys []string, values [][]byte) error {
	if err := checkKeys(keys); err != nil {
		return err
	}
	for i, v := range values {
		if s.sql {
			if len(keys[i])+len(v) > MaxSQLiteValueSize {
				return plainErr("string or blob too big: SQLITE_TOOBIG")
			}
		} else if len(v) > enforcedValueSize {
			return rangeErr("Values cannot be larger than %d bytes. A value of size %d was provided.", MaxValueSize, len(v))
		}
	}
	if err := s.begin(); err != nil {
		return err
	}
	st, err := s.stmt("INSERT INTO _cf_KV (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
	if err != nil {
		return err
	}
	for i, k := range keys {
		st.Reset()
		st.BindText(1, k)
		st.BindBlob(2, values[i])
		if err := st.Exec(); err != nil {
			return s.fail("put", err)
		}
	}
	return nil
}

// Delete removes keys and returns how many existed.
func (s *Storage) Delete(keys []string) (int, error) {
	if err := checkKeys(keys); err != nil {
		return 0, err
	}
	if err := s.begin(); err != nil {
		return 0, err
	}
	st, err := s.stmt("DELETE FROM _cf_KV WHERE key = ?")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		st.Reset()
		st.BindText(1, k)
		if err := st.Exec(); err != nil {
			return 0, s.fail("delete", err)
		}
		n += int(s.conn.Changes())
	}
	return n, nil
}

// ListOptions select the keys of List, as the options of storage.list() do.
type ListOptions struct {
	// Start is the first key (inclusive); StartAfter, when set, the key to start after.
	Start, StartAfter *string
	// End is the key to stop before (exclusive).
	End *string
	// Prefix keeps only keys that start with it.
	Prefix string
	// Reverse lists in descending order.
	Reverse bool
	// Limit is the most keys returned; 0 means no limit.
	Limit int
}

// List returns the keys and values matching o, in byte order (or its reverse).
func (s *Storage) List(o ListOptions) (keys []string, values [][]byte, err error) {
	if o.Limit < 0 {
		return nil, nil, typeErr("List limit must be positive.")
	}
	start, end, ok := o.bounds()
	if !ok {
		return nil, nil, nil
	}
	q := "SELECT key, value FROM _cf_KV WHERE key >= ?1"
	if end != nil {
		q += " AND key < ?2"
	}
	if o.Reverse {
		q += " ORDER BY key DESC"
	} else {
		q += " ORDER BY key"
	}
	if o.Limit > 0 {
		q += " LIMIT ?3"
	}
	st, err := s.stmt(q)
	if err != nil {
		return nil, nil, err
	}
	st.BindText(1, start)
	if end != nil {
		st.BindText(2, *end)
	}
	if o.Limit > 0 {
		st.BindInt64(3, int64(o.Limit))
	}
	for st.Step() {
		keys = append(keys, st.ColumnText(0))
		values = append(values, st.ColumnBlob(1, []byte{}))
	}
	err = st.Err()
	st.Reset()
	if err != nil {
		return nil, nil, s.fail("list", err)
	}
	return keys, values, nil
}

// bounds turns the options into a key range [start, end), end nil for none, as workerd's
// compileListOptions does; ok is false when the range is empty.
func (o ListOptions) bounds() (start string, end *string, ok bool) {
	if o.Start != nil {
		start = *o.Start
	}
	if o.StartAfter != nil {
		// The first key after s is s followed by a NUL byte.
		start = *o.StartAfter + "\x00"
	}
	end = o.End
	if p := o.Prefix; p != "" {
		switch {
		case start < p:
			start = p
		case strings.HasPrefix(start, p):
		default:
			return "", nil, false
		}
		after := []byte(p)
		for len(after) > 0 && after[len(after)-1] == 0xff {
			after = after[:len(after)-1]
		}
		if len(after) > 0 {
			after[len(after)-1]++
			a := string(after)
			switch {
			case end == nil:
				end = &a
			case *end <= p:
				return "", nil, false
			case strings.HasPrefix(*end, p):
			default:
				end = &a
			}
		}
	}
	if end != nil && *end <= start {
		return "", nil, false
	}
	return start, end, true
}

// DeleteAll removes every key and, in a SQLite-backed object, every table the object made.
// The alarm stays, as on Cloudflare's key-value backend.
func (s *Storage) DeleteAll() error {
	if s.savepoints > 0 {
		return plainErr("Cannot call deleteAll() within a transaction")
	}
	if err := s.begin(); err != nil {
		return err
	}
	if err := s.conn.Exec("DELETE FROM _cf_KV"); err != nil {
		return s.fail("deleteAll", err)
	}
	if !s.sql {
		return nil
	}
	// Views and triggers go with their tables or first; dropping in this order avoids
	// dangling references.
	var drops []string
	st, _, err := s.conn.Prepare("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND type IN ('view', 'trigger', 'table') ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END")
	if err != nil {
		return s.fail("deleteAll", err)
	}
	for st.Step() {
		drops = append(drops, fmt.Sprintf("DROP %s IF EXISTS %s", strings.ToUpper(st.ColumnText(0)), quoteIdent(st.ColumnText(1))))
	}
	err = st.Err()
	st.Close()
	if err != nil {
		return s.fail("deleteAll", err)
	}
	for _, d := range drops {
		if err := s.conn.Exec(d); err != nil {
			return s.fail("deleteAll", err)
		}
	}
	return nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// BeginTransaction starts a storage.transaction(): a savepoint inside the implicit
// transaction, so that the writes made until EndTransaction can be undone together.
func (s *Storage) BeginTransaction() error {
	if err := s.begin(); err != nil {
		return err
	}
	s.savepoints++
	if err := s.conn.Exec(fmt.Sprintf("SAVEPOINT _cf_txn_%d", s.savepoints)); err != nil {
		s.savepoints--
		return s.fail("transaction", err)
	}
	return nil
}

// EndTransaction ends the innermost transaction, keeping its writes or, with rollback,
// undoing them.
func (s *Storage) EndTransaction(rollback bool) error {
	if s.savepoints == 0 {
		return errors.New("durable: no transaction in progress")
	}
	name := fmt.Sprintf("_cf_txn_%d", s.savepoints)
	s.savepoints--
	if rollback {
		if err := s.conn.Exec("ROLLBACK TO " + name); err != nil {
			return s.fail("rollback", err)
		}
	}
	if err := s.conn.Exec("RELEASE " + name); err != nil {
		return s.fail("transaction", err)
	}
	return nil
}

// InTransaction reports whether a transaction() is in progress.
func (s *Storage) InTransaction() bool { return s.savepoints > 0 }

// alarmKey is the row of _cf_METADATA holding the alarm time.
const alarmKey = 1

// Alarm returns the scheduled alarm in milliseconds since the epoch, 0 for none.
func (s *Storage) Alarm() (int64, error) {
	st, err := s.stmt("SELECT value FROM _cf_METADATA WHERE key = 1")
	if err != nil {
		return 0, err
	}
	var ms int64
	if st.Step() {
		ms = st.ColumnInt64(0)
	}
	err = st.Err()
	st.Reset()
	if err != nil {
		return 0, s.fail("getAlarm", err)
	}
	return ms, nil
}

// SetAlarm schedules the alarm at ms (milliseconds since the epoch); 0 deletes it. Like
// every write it is durable at the next Flush.
func (s *Storage) SetAlarm(ms int64) error {
	if err := s.begin(); err != nil {
		return err
	}
	q := "INSERT INTO _cf_METADATA (key, value) VALUES (1, ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
	if ms == 0 {
		q = "DELETE FROM _cf_METADATA WHERE key = 1 AND ?1 = 0"
	}
	st, err := s.stmt(q)
	if err != nil {
		return err
	}
	st.BindInt64(1, ms)
	if err := st.Exec(); err != nil {
		return s.fail("setAlarm", err)
	}
	return nil
}

// DatabaseSize is the size of the database in bytes, as ctx.storage.sql.databaseSize reports.
func (s *Storage) DatabaseSize() (int64, error) {
	st, err := s.stmt("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
	if err != nil {
		return 0, err
	}
	var n int64
	if st.Step() {
		n = st.ColumnInt64(0)
	}
	err = st.Err()
	st.Reset()
	return n, err
}
