// Package apptest builds a complete guanai App over a fresh test database
// (see testdb), with a new encryption key and a fixed clock when asked.
package apptest

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/dashboard"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

// New returns an App over a fresh database with the base region set.
func New(t testing.TB) *app.App {
	t.Helper()
	return NewAt(t, nil)
}

// NewAt is New with the clock now (nil for the real clock).
func NewAt(t testing.TB, now func() time.Time) *app.App {
	t.Helper()
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.Open(t)
	if now != nil {
		db.Now = now
	}
	a, err := app.OpenDB(context.Background(), app.Config{Regions: "base", Key: vault.EncodeKey(key), Now: now}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Clock is a settable clock for tests.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// errRollback undoes CheckTallies' recount.
var errRollback = errors.New("rollback")

// CheckTallies fails t unless every domain's counters (app.Tallies) equal
// a from-scratch recount of its records. The recount runs in a
// transaction that is rolled back, so the database is left as it was.
func CheckTallies(t testing.TB, a *app.App) {
	t.Helper()
	ctx := context.Background()
	for _, r := range app.Tallies() {
		kept, err := tally.Snapshot(ctx, a.DB.Reader(), r.Domain)
		if err != nil {
			t.Fatal(err)
		}
		var recounted map[string]map[string]int
		err = a.DB.Write(ctx, func(tx *storage.Tx) error {
			if err := tally.Rebuild(ctx, tx, r); err != nil {
				return err
			}
			var err error
			if recounted, err = tally.Snapshot(ctx, tx, r.Domain); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kept, recounted) {
			for node, keys := range recounted {
				for k, n := range keys {
					if kept[node][k] != n {
						t.Errorf("tally %s at %q = %d, recount %d", k, node, kept[node][k], n)
					}
				}
			}
			for node, keys := range kept {
				for k, n := range keys {
					if _, ok := recounted[node][k]; !ok {
						t.Errorf("tally %s at %q = %d, recount 0", k, node, n)
					}
				}
			}
		}
	}
}

// CheckDashboards fails t unless the dashboard of every region node that
// holds a child (every ancestor too, and all of China), read from the
// counters, equals the one recounted from the records
// (dashboard.Recount). It returns the number of nodes compared.
func CheckDashboards(t testing.TB, a *app.App) int {
	t.Helper()
	ctx := context.Background()
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT DISTINCT village_code FROM children`)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{regions.Root: true}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		for ; c != regions.Root && regions.LevelOf(c) > 0; c = regions.ParentOf(c) {
			set[c] = true
		}
	}
	rows.Close()
	codes := make([]string, 0, len(set))
	for c := range set {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	recount := dashboard.Recount(a.Dashboard)
	v := access.System()
	for _, code := range codes {
		got, err := a.Dashboard.Region(ctx, v, code)
		if err != nil {
			t.Fatalf("dashboard %s: %v", code, err)
		}
		want, err := recount.Region(ctx, v, code)
		if err != nil {
			t.Fatalf("dashboard %s recounted: %v", code, err)
		}
		if reflect.DeepEqual(got, want) {
			continue
		}
		for i, ws := range want.Sections {
			gs := got.Sections[i]
			rows := append([]dashboard.Row{ws.Total}, ws.Rows...)
			grows := append([]dashboard.Row{gs.Total}, gs.Rows...)
			if len(rows) != len(grows) {
				t.Fatalf("dashboard %s, section %s: %d rows from the counters, %d recounted", code, ws.ID, len(grows), len(rows))
			}
			for j := range rows {
				if !reflect.DeepEqual(grows[j], rows[j]) {
					t.Fatalf("dashboard %s, section %s, %s:\ncounters %v\nrecount  %v", code, ws.ID, rows[j].Node.Name, grows[j].Values, rows[j].Values)
				}
			}
			if !reflect.DeepEqual(gs, ws) {
				t.Fatalf("dashboard %s, section %s:\ncounters %+v\nrecount  %+v", code, ws.ID, gs, ws)
			}
		}
		t.Fatalf("dashboard %s: differs from the recount", code)
	}
	return len(codes)
}
