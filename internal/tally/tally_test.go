package tally_test

import (
	"context"
	"os"
	"reflect"
	"testing"

	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const (
	village  = "530524100201"
	village2 = "530524100202"
	town     = "530524100000"
	county   = "530524000000"
)

func apply(t *testing.T, db *storage.DB, d *tally.Delta) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *storage.Tx) error { return tally.Apply(context.Background(), tx, d) }); err != nil {
		t.Fatal(err)
	}
}

func TestPrefixed(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	d := tally.NewDelta()
	d.Add(village, 2, "x.eth.汉族", "x.eth.苗族", "x.eth_50%", "x.sex.男")
	d.Add(village2, 1, "x.eth.汉族", "x.ethX")
	d.Add(village2, 3, "x.eth_x")
	apply(t, db, d)
	gone := tally.NewDelta() // counted once, no longer: left out
	gone.Add(village, 1, "x.eth.壮族")
	apply(t, db, gone)
	gone.Add(village, -2, "x.eth.壮族")
	apply(t, db, gone)
	q := db.Reader()

	got, err := tally.Prefixed(ctx, q, town, "x.eth.")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"x.eth.汉族": 3, "x.eth.苗族": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("Prefixed(town, x.eth.) = %v, want %v", got, want)
	}
	// "_" and "%" in a prefix are literal: "x.eth_" matches neither
	// "x.eth." nor "x.ethX".
	got, err = tally.Prefixed(ctx, q, "", "x.eth_")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"x.eth_50%": 2, "x.eth_x": 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("Prefixed(all, x.eth_) = %v, want %v", got, want)
	}
	got, err = tally.Prefixed(ctx, q, "", "x.eth_50%")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"x.eth_50%": 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("Prefixed(all, x.eth_50%%) = %v, want %v", got, want)
	}
	got, err = tally.Prefixed(ctx, q, village, "y.")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Prefixed(y.) = %v, want empty", got)
	}

	per, err := tally.PrefixedChildren(ctx, q, town, "x.eth.")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{village: {"x.eth.汉族": 2, "x.eth.苗族": 2}, village2: {"x.eth.汉族": 1}}
	if !reflect.DeepEqual(per, want) {
		t.Errorf("PrefixedChildren(town) = %v, want %v", per, want)
	}
	per, err = tally.PrefixedChildren(ctx, q, county, "x.eth_")
	if err != nil {
		t.Fatal(err)
	}
	if want := (map[string]map[string]int{town: {"x.eth_50%": 2, "x.eth_x": 3}}); !reflect.DeepEqual(per, want) {
		t.Errorf("PrefixedChildren(county, x.eth_) = %v, want %v", per, want)
	}
}

func TestRange(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	d := tally.NewDelta()
	for i, day := range []string{"2026-01-01", "2026-01-15", "2026-01-31", "2026-02-01"} {
		d.Add(village, i+1, "x.day."+day)
		d.Add(village2, 10*(i+1), "x.day."+day)
	}
	d.Add(village, 100, "x.day_2026-01-20", "x.dayz")
	apply(t, db, d)
	q := db.Reader()
	cases := []struct {
		node, lo, hi string
		want         int
	}{
		{village, "x.day.2026-01-01", "x.day.2026-02-01", 1 + 2 + 3},
		{village, "x.day.2026-01-02", "x.day.2026-02-02", 2 + 3 + 4},
		{town, "x.day.2026-01-15", "x.day.2026-01-31", 2 + 20},
		// "x.day_…" and "x.dayz" sort after "x.day/": outside.
		{"", "x.day.", "x.day/", 1 + 2 + 3 + 4 + 10 + 20 + 30 + 40},
		{village, "x.day.2027", "x.day.2028", 0},
	}
	for _, c := range cases {
		got, err := tally.Sum(ctx, q, c.node, c.lo, c.hi)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("Range(%q, %s, %s) = %d, want %d", c.node, c.lo, c.hi, got, c.want)
		}
	}
	per, err := tally.ChildSums(ctx, q, town, "x.day.2026-01-01", "x.day.2026-02-01")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{village: 6, village2: 60}; !reflect.DeepEqual(per, want) {
		t.Errorf("RangeChildren(town) = %v, want %v", per, want)
	}
	per, err = tally.ChildSums(ctx, q, town, "x.day.2030", "x.day.2031")
	if err != nil {
		t.Fatal(err)
	}
	if len(per) != 0 {
		t.Errorf("RangeChildren(empty range) = %v", per)
	}
}
