package durable

import (
	"errors"
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// Result is what one ctx.storage.sql.exec() produced: workerd runs the query when exec is
// called, and so does molt, reading every row at once so that no statement stays open
// across events.
type Result struct {
	// Columns are the column names of the last statement's rows, duplicates included.
	Columns []string
	// Rows are its rows: each value nil (NULL), float64 (INTEGER and REAL: JavaScript
	// numbers, as in workerd), string (TEXT) or []byte (BLOB).
	Rows [][]any
	// RowsRead counts the rows the statements read: for each, the most of the rows it
	// returned, the rows its full table scans visited and the rows it changed. RowsWritten counts the rows they inserted, updated or deleted.
	RowsRead, RowsWritten int64
}

// Exec runs query, which may hold several statements separated by semicolons, with args
// bound to the parameters of the last one, as workerd's sql.exec() does. Each arg is nil,
// float64, int64, string or []byte. It returns the last statement's rows.
func (s *Storage) Exec(query string, args []any) (*Result, error) {
	if !s.sql {
		return nil, plainErr("%s", notSQLite)
	}
	if err := s.begin(); err != nil {
		return nil, err
	}
	res := &Result{}
	tail := query
	ran := false
	for {
		s.user, s.authErr = true, nil
		st, rest, err := s.conn.Prepare(tail)
		s.user = false
		if err != nil {
			return nil, s.sqlError(err)
		}
		if st == nil {
			// Only whitespace or comments were left.
			break
		}
		ran = true
		last := strings.TrimSpace(rest) == "" || onlyComments(rest)
		if !last && st.BindCount() > 0 {
			st.Close()
			return nil, plainErr("When executing multiple SQL statements in a single call, only the last statement can have parameters.")
		}
		if last {
			if err := bind(st, args); err != nil {
				st.Close()
				return nil, err
			}
			res.Columns = make([]string, st.ColumnCount())
			for i := range res.Columns {
				res.Columns[i] = st.ColumnName(i)
			}
			res.Rows = res.Rows[:0]
		}
		var rows int64
		for st.Step() {
			rows++
			if !last {
				continue
			}
			row := make([]any, st.ColumnCount())
			for i := range row {
				switch st.ColumnType(i) {
				case sqlite3.INTEGER:
					row[i] = float64(st.ColumnInt64(i))
				case sqlite3.FLOAT:
					row[i] = st.ColumnFloat(i)
				case sqlite3.TEXT:
					row[i] = st.ColumnText(i)
				case sqlite3.BLOB:
					row[i] = st.ColumnBlob(i, []byte{})
				}
			}
			res.Rows = append(res.Rows, row)
		}
		err = st.Err()
		// A full scan visits at least the rows it returns; an index lookup is counted by the
		// rows it returns.
		// SQLite counts the steps of a full scan after its first row.
		scanned := int64(st.Status(sqlite3.STMTSTATUS_FULLSCAN_STEP, false))
		if scanned > 0 {
			scanned++
		}
		var changed int64
		if !st.ReadOnly() {
			changed = s.conn.Changes()
			res.RowsWritten += changed
		}
		// An UPDATE or DELETE reads the rows it changes; an INSERT reads none.
		if isInsert(st.SQL()) {
			changed = 0
		}
		res.RowsRead += max(rows, scanned, changed)
		st.Close()
		if err != nil {
			return nil, s.sqlError(err)
		}
		tail = rest
		if last {
			break
		}
	}
	if !ran {
		return res, nil
	}
	return res, nil
}

// isInsert reports whether a statement is an INSERT or REPLACE.
func isInsert(sql string) bool {
	f := strings.Fields(sql)
	return len(f) > 0 && (strings.EqualFold(f[0], "INSERT") || strings.EqualFold(f[0], "REPLACE"))
}

// onlyComments reports whether SQL text holds nothing but comments and whitespace.
func onlyComments(sql string) bool {
	for {
		sql = strings.TrimSpace(sql)
		switch {
		case sql == "":
			return true
		case strings.HasPrefix(sql, "--"):
			i := strings.IndexByte(sql, '\n')
			if i < 0 {
				return true
			}
			sql = sql[i+1:]
		case strings.HasPrefix(sql, "/*"):
			i := strings.Index(sql, "*/")
			if i < 0 {
				return true
			}
			sql = sql[i+2:]
		default:
			return false
		}
	}
}

func bind(st *sqlite3.Stmt, args []any) error {
	if len(args) != st.BindCount() {
		return plainErr("Wrong number of parameter bindings for SQL query.")
	}
	for i, a := range args {
		var err error
		switch v := a.(type) {
		case nil:
			err = st.BindNull(i + 1)
		case float64:
			// Whole numbers bind as INTEGER, so that they compare equal to integer columns and
			// rowids, as V8 numbers do in workerd.
			if v == float64(int64(v)) && v >= -(1<<53) && v <= 1<<53 {
				err = st.BindInt64(i+1, int64(v))
			} else {
				err = st.BindFloat(i+1, v)
			}
		case int64:
			err = st.BindInt64(i+1, v)
		case string:
			err = st.BindText(i+1, v)
		case []byte:
			err = st.BindBlob(i+1, v)
		default:
			return typeErr("Unsupported SQL binding type %T", a)
		}
		if err != nil {
			return plainErr("%s", sqlMessage(err))
		}
	}
	return nil
}

// sqlError is an error of the object's SQL as workerd words it: SQLite's message then the
// code's name, "no such table: t: SQLITE_ERROR"; a rule of the authorizer gives its own.
func (s *Storage) sqlError(err error) error {
	if s.authErr != nil {
		e := s.authErr
		s.authErr = nil
		return e
	}
	return plainErr("%s", sqlMessage(err))
}

// codeNames are the names of SQLite's primary result codes that user SQL can meet.
var codeNames = map[sqlite3.ErrorCode]string{
	sqlite3.ERROR: "SQLITE_ERROR", sqlite3.INTERNAL: "SQLITE_INTERNAL", sqlite3.PERM: "SQLITE_PERM",
	sqlite3.ABORT: "SQLITE_ABORT", sqlite3.BUSY: "SQLITE_BUSY", sqlite3.LOCKED: "SQLITE_LOCKED",
	sqlite3.NOMEM: "SQLITE_NOMEM", sqlite3.READONLY: "SQLITE_READONLY", sqlite3.INTERRUPT: "SQLITE_INTERRUPT",
	sqlite3.IOERR: "SQLITE_IOERR", sqlite3.CORRUPT: "SQLITE_CORRUPT", sqlite3.FULL: "SQLITE_FULL",
	sqlite3.TOOBIG: "SQLITE_TOOBIG", sqlite3.CONSTRAINT: "SQLITE_CONSTRAINT", sqlite3.MISMATCH: "SQLITE_MISMATCH",
	sqlite3.MISUSE: "SQLITE_MISUSE", sqlite3.AUTH: "SQLITE_AUTH", sqlite3.RANGE: "SQLITE_RANGE",
}

func sqlMessage(err error) string {
	var se *sqlite3.Error
	var code sqlite3.ErrorCode
	if !errors.As(err, &se) {
		if errors.As(err, &code) {
			name := codeNames[code]
			if name == "" {
				name = "SQLITE_ERROR"
			}
			return strings.TrimPrefix(code.Error(), "sqlite3: ") + ": " + name
		}
		return err.Error()
	}
	msg := strings.TrimPrefix(se.Error(), se.Code().Error())
	msg = strings.TrimPrefix(msg, ": ")
	if msg == "" {
		msg = se.Code().Error()
	}
	name := codeNames[se.Code()]
	if name == "" {
		name = "SQLITE_ERROR"
	}
	return msg + ": " + name
}

// notSQLite is Cloudflare's refusal of the SQL API in an object of a key-value class.
const notSQLite = "This Durable Object is not backed by SQLite storage, so the SQL API is not available. " +
	"SQL can be enabled on a new Durable Object class by using the `new_sqlite_classes` " +
	"instead of `new_classes` under `[[migrations]]` in your wrangler.toml, but an " +
	"already-deployed class cannot be converted to SQLite (except by deleting the existing " +
	"data)."

// transactionMessage is workerd's refusal of BEGIN and SAVEPOINT in the object's SQL.
const transactionMessage = "To execute a transaction, please use the state.storage.transaction() or " +
	"state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT " +
	"statements. The JavaScript API is safer because it will automatically roll back on " +
	"exceptions, and because it interacts correctly with Durable Objects' automatic atomic " +
	"write coalescing."

// authorize applies workerd's SqlStorageRegulator to the object's SQL: no transactions
// (storage.transaction() is the way), no names starting with _cf_ (molt's own tables), no
// ATTACH or other files. This package's own queries are trusted.
func (s *Storage) authorize(action sqlite3.AuthorizerActionCode, name3, name4, schema, inner string) sqlite3.AuthorizerReturnCode {
	if !s.user {
		return sqlite3.AUTH_OK
	}
	deny := func(err error) sqlite3.AuthorizerReturnCode {
		if s.authErr == nil {
			s.authErr = err
		}
		return sqlite3.AUTH_DENY
	}
	reserved := func(name string) bool { return len(name) >= 4 && strings.EqualFold(name[:4], "_cf_") }
	switch action {
	case sqlite3.AUTH_TRANSACTION, sqlite3.AUTH_SAVEPOINT:
		return deny(plainErr(transactionMessage))
	case sqlite3.AUTH_ATTACH, sqlite3.AUTH_DETACH:
		return deny(plainErr("not authorized: SQLITE_AUTH"))
	case sqlite3.AUTH_PRAGMA:
		// Reading pragmas is harmless; writing them could change durability or the file.
		if name4 != "" && !strings.EqualFold(name3, "table_info") && !strings.EqualFold(name3, "table_xinfo") &&
			!strings.EqualFold(name3, "index_list") && !strings.EqualFold(name3, "index_info") && !strings.EqualFold(name3, "foreign_key_list") {
			return deny(plainErr("not authorized: SQLITE_AUTH"))
		}
	case sqlite3.AUTH_READ, sqlite3.AUTH_UPDATE, sqlite3.AUTH_INSERT, sqlite3.AUTH_DELETE,
		sqlite3.AUTH_CREATE_TABLE, sqlite3.AUTH_DROP_TABLE, sqlite3.AUTH_CREATE_INDEX, sqlite3.AUTH_DROP_INDEX,
		sqlite3.AUTH_CREATE_VIEW, sqlite3.AUTH_DROP_VIEW, sqlite3.AUTH_CREATE_TRIGGER, sqlite3.AUTH_DROP_TRIGGER,
		sqlite3.AUTH_ALTER_TABLE, sqlite3.AUTH_REINDEX, sqlite3.AUTH_ANALYZE:
		n := name3
		if action == sqlite3.AUTH_ALTER_TABLE {
			n = name4
		}
		if reserved(n) || (action == sqlite3.AUTH_CREATE_INDEX || action == sqlite3.AUTH_CREATE_TRIGGER) && reserved(name4) {
			// Column reads and updates name the column too, as SQLite's own message does.
			if (action == sqlite3.AUTH_READ || action == sqlite3.AUTH_UPDATE) && name4 != "" {
				n += "." + name4
			}
			return deny(plainErr("access to %s is prohibited: SQLITE_AUTH", n))
		}
	}
	return sqlite3.AUTH_OK
}
