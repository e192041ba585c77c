package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one embedded, forward-only schema step.
type Migration struct {
	Version string // the file name without .sql, e.g. "0001_init"
	SQL     string
}

// Migrations returns the dialect's migrations in order.
func (d Dialect) Migrations() ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := migrationFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the versions it applied. On PostgreSQL an
// advisory lock keeps two starting servers from migrating at once.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := db.dialect.Migrations()
	if err != nil {
		return nil, err
	}
	c, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if db.dialect == Postgres {
		if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(7243001)`); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer c.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7243001)`)
	}
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	done := map[string]bool{}
	rows, err := c.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	var applied []string
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			return applied, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migrate %s (%s): %w", m.Version, db.dialect, err)
		}
		if _, err := tx.ExecContext(ctx, db.dialect.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.Version, TimeArg(db.Now())); err != nil {
			tx.Rollback()
			return applied, err
		}
		if err := tx.Commit(); err != nil {
			return applied, err
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}
