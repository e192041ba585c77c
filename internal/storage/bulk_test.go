package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"guanai/internal/storage"
	"guanai/internal/testdb"
)

// Bulk loads typed values on both engines, inside the transaction: a
// rollback leaves nothing, a commit leaves every row as given.
func TestBulkLoad(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	blob := "BLOB"
	if db.Dialect() == storage.Postgres {
		blob = "BYTEA"
	}
	ts, date := "TEXT", "TEXT"
	if db.Dialect() == storage.Postgres {
		ts, date = "TIMESTAMPTZ", "DATE"
	}
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE bulk_t (s TEXT NOT NULL, n INTEGER, b BOOLEAN, d `+date+`, t `+ts+`, x `+blob+`)`); err != nil {
		t.Fatal(err)
	}
	cols := []storage.BulkColumn{storage.Col("s", storage.KindText), storage.Col("n", storage.KindInt), storage.Col("b", storage.KindBool), storage.Col("d", storage.KindDate), storage.Col("t", storage.KindTime), storage.Col("x", storage.KindBytes)}
	at := time.Date(2026, 3, 8, 1, 2, 3, 456000000, time.UTC)
	load := func(n int, fail bool) error {
		return db.Write(ctx, func(tx *storage.Tx) error {
			bk := tx.Bulk("bulk_t", cols)
			for i := range n {
				var x any = []byte{byte(i), 0, 255}
				if i%7 == 0 {
					x = nil
				}
				if err := bk.Add(ctx, "行"+string(rune('A'+i%26)), i, i%2 == 0, at.AddDate(0, 0, i%30), at, x); err != nil {
					return err
				}
			}
			if err := bk.Close(ctx); err != nil {
				return err
			}
			if bk.Sent() != int64(n) {
				t.Errorf("sent %d, want %d", bk.Sent(), n)
			}
			if fail {
				return errors.New("roll back")
			}
			return nil
		})
	}
	count := func() int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := load(25_003, true); err == nil || count() != 0 {
		t.Fatalf("rolled back load: err %v, %d rows left", err, count())
	}
	if err := load(25_003, false); err != nil || count() != 25_003 {
		t.Fatalf("load: %v, %d rows", err, count())
	}
	var s string
	var n int
	var b bool
	var d, tt time.Time
	var x []byte
	err := db.Reader().QueryRowContext(ctx, `SELECT s, n, b, d, t, x FROM bulk_t WHERE n = ?`, 8).Scan(&s, &n, &b, storage.Date{T: &d}, storage.Time{T: &tt}, &x)
	if err != nil {
		t.Fatal(err)
	}
	if s != "行I" || !b || !d.Equal(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)) || !tt.Equal(at) || string(x) != "\x08\x00\xff" {
		t.Errorf("row 8 = %q %v %v %v %q", s, b, d, tt, x)
	}
	var nulls int
	if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM bulk_t WHERE x IS NULL`).Scan(&nulls); err != nil || nulls != 3572 {
		t.Errorf("NULL blobs: %d, %v", nulls, err)
	}
}
