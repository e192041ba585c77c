package storage

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements of the SQLite read pool by query
// text, so that a query the server runs on every request is parsed and
// planned once per connection rather than every time (parsing was a fifth
// of a list page's processor time). database/sql prepares a cached
// statement lazily on each connection that runs it. Statements are never
// evicted, so a statement in use is never closed under its user: past
// maxStmts distinct texts (IN lists of many lengths, say) queries simply
// run unprepared. PostgreSQL needs none of this: pgx caches statements per
// connection itself.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// maxStmts bounds the cache: SQLite keeps each prepared statement's plan
// on every connection of the pool that ran it.
const maxStmts = 256

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for q, preparing it if there is
// room; nil means run q unprepared.
func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	s, ok := c.m[q]
	full := len(c.m) >= maxStmts
	c.mu.RUnlock()
	if ok || full {
		return s
	}
	// Prepared without holding the lock: preparing waits for a free
	// connection, and the goroutines holding the connections may be about
	// to ask this cache for a statement. (ctx bounds only the preparing;
	// the statement outlives the request that first ran it.)
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the query itself will report the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had, ok := c.m[q]; ok || len(c.m) >= maxStmts {
		s.Close() // another goroutine prepared it first, or the cache filled
		return had
	}
	c.m[q] = s
	return s
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := c.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, q, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

// close closes the cached statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// SetStmtCache turns the SQLite read pool's statement cache on (the
// default) or off, for benchmarks that measure what it saves. Call it
// before handing the DB to concurrent users.
func SetStmtCache(db *DB, on bool) { db.rcacheOff = !on }
