package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestYearAndChinaMonth(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	dateType, tsType := "TEXT", "TEXT"
	if db.Dialect() == storage.Postgres {
		dateType, tsType = "DATE", "TIMESTAMPTZ"
	}
	stop := errors.New("rollback")
	cases := []struct {
		date      string
		at        time.Time
		year, mon string
	}{
		{"2011-12-31", time.Date(2026, 1, 31, 15, 59, 59, 999999000, time.UTC), "2011", "2026-01"},
		{"2008-01-01", time.Date(2026, 1, 31, 16, 0, 0, 0, time.UTC), "2008", "2026-02"},
		{"2020-02-29", time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC), "2020", "2027-01"},
	}
	err := db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE dp (d `+dateType+`, ts `+tsType+`)`); err != nil {
			return err
		}
		d := tx.Dialect()
		for _, c := range cases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dp (d, ts) VALUES (?, ?)`, c.date, storage.TimeArg(c.at)); err != nil {
				return err
			}
			var year, mon string
			if err := tx.QueryRowContext(ctx, `SELECT `+d.Year("d")+`, `+d.ChinaMonth("ts")+` FROM dp WHERE d = ?`, c.date).Scan(&year, &mon); err != nil {
				return err
			}
			if year != c.year || mon != c.mon {
				t.Errorf("%s, %s: year %q, China month %q; want %q, %q", c.date, c.at, year, mon, c.year, c.mon)
			}
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatal(err)
	}
}
