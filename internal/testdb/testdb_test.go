package testdb_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
	"time"

	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

var ctx = context.Background()

func TestEngine(t *testing.T) {
	db := testdb.Open(t)
	if db.Dialect() != testdb.Engine() {
		t.Errorf("Open gave %s, Engine says %s", db.Dialect(), testdb.Engine())
	}
	if want := storage.IsPostgresURL(testdb.URL()); want != (testdb.Engine() == storage.Postgres) {
		t.Errorf("Engine() = %s for URL %q", testdb.Engine(), testdb.URL())
	}
}

// TestOpenIndependent checks that each Open is a database of its own, with
// the base region tree loaded and migrations applied.
func TestOpenIndependent(t *testing.T) {
	a, b := testdb.Open(t), testdb.Open(t)
	for _, db := range []*storage.DB{a, b} {
		counts, err := regions.Loaded(ctx, db.Reader())
		if err != nil {
			t.Fatal(err)
		}
		if counts[regions.Province] != 31 || counts[regions.Village] != 14888 {
			t.Errorf("regions loaded: %v", counts)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
			t.Errorf("schema_migrations: %d, %v", n, err)
		}
	}
	if err := a.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "testdb", "a")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := a.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, "testdb").Scan(&v); err != nil || v != "a" {
		t.Errorf("row in a: %q, %v", v, err)
	}
	err := b.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, "testdb").Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("row written in a is seen in b: %q, %v", v, err)
	}
	// A third database, opened after the write, does not have it either.
	c := testdb.Open(t)
	err = c.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, "testdb").Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("row written in a is seen in c: %q, %v", v, err)
	}
}

// TestOpenParallel opens databases from parallel tests and reports how long
// one Open takes once the template exists.
func TestOpenParallel(t *testing.T) {
	testdb.Open(t) // the template
	for i := range 4 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			db := testdb.Open(t)
			t.Logf("%s: Open took %v", db.Dialect(), time.Since(start).Round(time.Millisecond))
			if err := db.Write(ctx, func(tx *storage.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "parallel", string(rune('0'+i)))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
