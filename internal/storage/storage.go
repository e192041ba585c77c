// Package storage opens guanai's database on SQLite (the default, one file)
// or PostgreSQL (a postgres:// URL), runs the embedded migrations and gives
// domain packages a small, dialect-aware way to run plain SQL. Every
// difference between the two engines lives here.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"guanai/internal/errs"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open guanai database. On SQLite it holds one writer connection
// (write transactions are BEGIN IMMEDIATE) and a pool of readers; on
// PostgreSQL both are the same pool.
type DB struct {
	dialect   Dialect
	write     *sql.DB
	read      *sql.DB
	rcache    *stmtCache // SQLite: the read pool's prepared statements
	rcacheOff bool
	url       string
	// Now returns the current time; tests replace it to fix time.
	Now func() time.Time
}

// IsPostgresURL reports whether url names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open opens the database named by url: a postgres:// URL, or a SQLite file
// path (optionally prefixed "sqlite:" or "file:").
func Open(ctx context.Context, u string) (*DB, error) {
	if u == "" {
		return nil, errors.New("storage: no database given")
	}
	db := &DB{url: u, Now: func() time.Time { return time.Now().UTC() }}
	if IsPostgresURL(u) {
		db.dialect = Postgres
		p, err := sql.Open("pgx", u)
		if err != nil {
			return nil, fmt.Errorf("storage: open postgres: %w", err)
		}
		p.SetMaxOpenConns(max(8, 4*runtime.NumCPU()))
		p.SetMaxIdleConns(max(8, 4*runtime.NumCPU()))
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = p, p
	} else {
		db.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		// busy_timeout first, so the other pragmas wait rather than fail.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
		dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
		// Memory: the one writer gets a 32 MB page cache and sorts in
		// memory (imports, index builds); each reader an 8 MB cache and
		// sorts spilling to temporary files, so that a burst of big list
		// queries cannot grow the process without bound.
		w, err := sql.Open("sqlite", dsn+"&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("storage: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		r, err := sql.Open("sqlite", dsn+"&_pragma=temp_store(FILE)&_pragma=cache_size(-8000)&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("storage: open sqlite: %w", err)
		}
		n := max(4, 2*runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		db.write, db.read = w, r
		db.rcache = newStmtCache(r)
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: connect %s: %w", db.dialect, err)
	}
	return db, nil
}

// Close closes all connections.
func (db *DB) Close() error {
	if db.rcache != nil {
		db.rcache.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect reports the engine.
func (db *DB) Dialect() Dialect { return db.dialect }

// URL returns the URL the database was opened with.
func (db *DB) URL() string { return db.url }

// SQL returns the underlying writer pool, for tools that need the raw
// handle (schema comparison, benchmarks). Domain code uses Read and Write.
func (db *DB) SQL() *sql.DB { return db.write }

// Querier runs rebinding SQL: write queries with ? placeholders and the
// querier turns them into the engine's own.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// Reader returns a querier on the read pool (no transaction).
func (db *DB) Reader() Querier {
	if db.rcache != nil && !db.rcacheOff {
		return &conn{q: db.rcache, d: db.dialect}
	}
	return &conn{q: db.read, d: db.dialect}
}

type rawQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type conn struct {
	q rawQuerier
	d Dialect
}

func (c *conn) Dialect() Dialect { return c.d }
func (c *conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r, err := c.q.ExecContext(ctx, c.d.Rebind(q), args...)
	return r, mapErr(err)
}
func (c *conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r, err := c.q.QueryContext(ctx, c.d.Rebind(q), args...)
	return r, mapErr(err)
}
func (c *conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.d.Rebind(q), args...)
}

// Tx is a write transaction. Now is the transaction's time: every record
// written in it carries the same instant.
type Tx struct {
	conn
	tx *sql.Tx
	// raw is the connection the transaction runs on, for the engine's own
	// bulk path (COPY on PostgreSQL, see Bulk).
	raw         *sql.Conn
	Now         time.Time
	afterCommit []func()
}

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Write runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise. Nothing fn wrote survives an error.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) (err error) {
	// The transaction runs on a connection of its own so that Bulk can
	// reach the driver's connection inside it.
	c, err := db.write.Conn(ctx)
	if err != nil {
		return errs.Wrap(mapErr(err), "begin")
	}
	defer c.Close()
	sqlTx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(mapErr(err), "begin")
	}
	tx := &Tx{conn: conn{q: sqlTx, d: db.dialect}, tx: sqlTx, raw: c, Now: db.Now().UTC()}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return errs.Wrap(mapErr(err), "commit")
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// Rebind turns ? placeholders into $1, $2 … for PostgreSQL. Question marks
// inside single-quoted literals are left alone.
func (d Dialect) Rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inStr := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ErrUnique is wrapped by errors from unique-constraint violations; the
// error's Constraint names the index.
var ErrUnique = errors.New("storage: unique constraint violated")

// ErrForeignKey is wrapped by errors from foreign-key violations.
var ErrForeignKey = errors.New("storage: foreign key violated")

// ConstraintError is a constraint violation reported by the engine.
type ConstraintError struct {
	Kind   error  // ErrUnique or ErrForeignKey
	Detail string // the engine's own text, naming the index or columns
	Err    error
}

func (e *ConstraintError) Error() string { return e.Kind.Error() + ": " + e.Detail }
func (e *ConstraintError) Unwrap() []error {
	return []error{e.Kind, e.Err}
}

// IsUnique reports whether err is a unique violation whose detail mentions
// name (an index name on PostgreSQL, a column list on SQLite); name "" matches any.
func IsUnique(err error, name string) bool {
	var ce *ConstraintError
	if !errors.As(err, &ce) || ce.Kind != ErrUnique {
		return false
	}
	return name == "" || strings.Contains(ce.Detail, name)
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &ConstraintError{Kind: ErrUnique, Detail: pe.ConstraintName + " " + pe.Detail, Err: err}
		case "23503":
			return &ConstraintError{Kind: ErrForeignKey, Detail: pe.ConstraintName + " " + pe.Detail, Err: err}
		}
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &ConstraintError{Kind: ErrUnique, Detail: se.Error(), Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &ConstraintError{Kind: ErrForeignKey, Detail: se.Error(), Err: err}
		}
	}
	return err
}

// MapErr turns engine errors (e.g. from Rows.Err or Row.Scan) into storage
// errors such as *ConstraintError.
func MapErr(err error) error { return mapErr(err) }

// Serialize makes concurrent transactions that call it with the same key
// run their remaining statements one after another (PostgreSQL: a
// transaction-scoped advisory lock). SQLite needs nothing: it has one
// writer at a time.
func (tx *Tx) Serialize(ctx context.Context, key int64) error {
	if tx.d != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, key)
	return err
}

// Read runs fn in a read-only transaction on the read pool, so that every
// query fn makes sees the same committed state (a dashboard's figures are
// read in a dozen statements and must add up). On SQLite the transaction
// reads one WAL snapshot; on PostgreSQL it is REPEATABLE READ.
func (db *DB) Read(ctx context.Context, fn func(q Querier) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return errs.Wrap(mapErr(err), "begin read")
	}
	defer sqlTx.Rollback()
	if db.rcache != nil && !db.rcacheOff {
		// The read pool's prepared statements, bound to the transaction
		// (database/sql reuses one already prepared on its connection).
		return fn(&conn{q: txStmts{tx: sqlTx, c: db.rcache}, d: db.dialect})
	}
	return fn(&conn{q: sqlTx, d: db.dialect})
}

// txStmts runs a read transaction's queries through the read pool's
// statement cache.
type txStmts struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t txStmts) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.c.stmt(ctx, q); s != nil {
		return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t txStmts) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := t.c.stmt(ctx, q); s != nil {
		return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t txStmts) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.c.stmt(ctx, q); s != nil {
		return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}
