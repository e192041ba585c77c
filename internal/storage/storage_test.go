package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

func openSQLite(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Both engines' migrations must produce the same tables, columns (by type
// family and nullability) and indexes. The comparison needs PostgreSQL, so
// it runs in the PostgreSQL pass of the suite.
func TestMigrationsReachSameSchema(t *testing.T) {
	if testdb.Engine() != storage.Postgres {
		t.Skip("compares against PostgreSQL: set GUANAI_TEST_DATABASE_URL to a postgres:// URL")
	}
	ctx := context.Background()
	pg := testdb.Open(t)
	lite := openSQLite(t)
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ps, err := pg.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lite.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, b := storage.Describe(ps), storage.Describe(ls)
	if len(a) < 50 {
		t.Fatalf("schema suspiciously small: %d lines", len(a))
	}
	for _, l := range a {
		if !slices.Contains(b, l) {
			t.Errorf("only in postgres: %s", l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			t.Errorf("only in sqlite: %s", l)
		}
	}
}

func TestMigrateIsIdempotentAndOrdered(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Fatalf("second migrate applied %v", applied)
	}
	for _, d := range []storage.Dialect{storage.SQLite, storage.Postgres} {
		ms, err := d.Migrations()
		if err != nil || len(ms) == 0 {
			t.Fatalf("%s migrations: %v %d", d, err, len(ms))
		}
		other := storage.SQLite
		if d == storage.SQLite {
			other = storage.Postgres
		}
		os, _ := other.Migrations()
		if len(os) != len(ms) {
			t.Fatalf("%s has %d migrations, %s %d", d, len(ms), other, len(os))
		}
		for i := range ms {
			if ms[i].Version != os[i].Version {
				t.Errorf("migration %d: %s vs %s", i, ms[i].Version, os[i].Version)
			}
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	db := openSQLite(t)
	ctx := context.Background()
	q := db.SQL()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		if err := q.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if strings.ToLower(got) != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"WHERE a = '?' AND b = ?", "WHERE a = '?' AND b = $1"},
		{"no params", "no params"},
	}
	for _, c := range cases {
		if got := storage.Postgres.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := storage.SQLite.Rebind(c.in); got != c.in {
			t.Errorf("sqlite Rebind changed %q", c.in)
		}
	}
}

// A failed write transaction leaves nothing behind.
func TestWriteRollsBack(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	err := db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "k", "v"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "k", "v2")
		return err
	})
	if !storage.IsUnique(err, "") {
		t.Fatalf("want unique violation, got %v", err)
	}
	var n int
	db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'k'`).Scan(&n)
	if n != 0 {
		t.Fatalf("rolled-back row survived: %d", n)
	}
}
