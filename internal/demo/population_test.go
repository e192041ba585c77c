package demo_test

import (
	"testing"
	"time"

	"guanai/internal/demo"
	"guanai/internal/needs"
	"guanai/internal/population"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// The demonstration's population table: declared for every township of
// the demo counties, so the counties' sums are complete and the
// prefectures' partial; every township holds more children of each band
// than are registered there.
func TestDemoPopulation(t *testing.T) {
	a := newApp(t, time.Time{})
	sum := mustLoad(t, a)
	if sum.Population.Counties != 21 || sum.Population.Townships < 21*5 {
		t.Errorf("population summary: %+v", sum.Population)
	}
	q := a.DB.Reader()
	get := func(code string) population.Figures {
		t.Helper()
		f, err := population.Get(ctx, q, code)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := get(demo.PilotTown); !f.Declared || f.Bands["6-11"] != 2380 {
		t.Errorf("pilot town: %+v", f)
	}
	if f := get(regions.ParentOf(demo.PilotTown)); f.Declared || !f.Complete || f.Contributing != f.ChildNodes {
		t.Errorf("pilot county: %+v", f)
	}
	for _, code := range []string{"530500000000", "530000000000", ""} {
		if f := get(code); !f.Known() || f.Complete {
			t.Errorf("%q should have a partial sum: %+v", code, f)
		}
	}
	// Registered children by township and band, against the figures.
	rows, err := q.QueryContext(ctx, `SELECT village_code, birth_date FROM children`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	today := time.Now().UTC()
	reg := map[string]map[string]int{}
	for rows.Next() {
		var village string
		var birth time.Time
		if err := rows.Scan(&village, storage.Date{T: &birth}); err != nil {
			t.Fatal(err)
		}
		town := regions.ParentOf(village)
		if reg[town] == nil {
			reg[town] = map[string]int{}
		}
		reg[town][needs.BandOf(birth, today)]++
	}
	if len(reg) < 40 {
		t.Fatalf("children in %d townships", len(reg))
	}
	for town, bands := range reg {
		f := get(town)
		if !f.Declared {
			t.Errorf("township %s with children has no declared figures", town)
			continue
		}
		for b, n := range bands {
			if f.Bands[b] < n {
				t.Errorf("township %s band %s: %d registered, population %d", town, b, n, f.Bands[b])
			}
		}
	}
}
