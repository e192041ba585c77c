package children_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/children"
	"guanai/internal/idcard"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// benchChildren is how many children the benchmarks load
// (GUANAI_BENCH_CHILDREN, default 1,000,000).
func benchChildren() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_CHILDREN")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// seed loads n synthetic children spread evenly over Yunnan's villages,
// straight into the table (the registry's own validation is not what is
// measured here).
func seed(b *testing.B, a *app.App, n int) {
	b.Helper()
	ctx := b.Context()
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT code FROM regions WHERE level = 5 AND code >= '530000000000' AND code < '540000000000' ORDER BY code`)
	if err != nil {
		b.Fatal(err)
	}
	var villages []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		villages = append(villages, c)
	}
	rows.Close()
	surnames := []rune("李王张杨赵刘陈段字罗尹杞普何鲁")
	given := []rune("小明芳华丽强伟娟秀英文武春梅兰国建志玉")
	rng := rand.New(rand.NewPCG(1, 2))
	cols := []string{"id", "version", "id_cipher", "id_hash", "id_mask", "id_tail", "name", "sex", "birth_date", "ethnicity", "hukou",
		"village_code", "father_status", "mother_status", "left_behind", "left_behind_reason", "categories", "classified_on", "created_at", "updated_at"}
	start := time.Now()
	const chunk = 50_000
	for done := 0; done < n; done += chunk {
		err := a.DB.Write(ctx, func(tx *storage.Tx) error {
			ins := storage.NewInserter(tx, "children", cols, "")
			for i := done; i < min(n, done+chunk); i++ {
				v := villages[i%len(villages)]
				birth := time.Date(2009+rng.IntN(17), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
				sex := []string{"M", "F"}[rng.IntN(2)]
				num := idcard.Generate(v[:6], birth, i%500, sex)
				cipher, err := a.Vault.Seal(num)
				if err != nil {
					return err
				}
				lb := rng.IntN(10) < 4
				cats := ""
				if lb {
					cats = "left_behind"
				}
				name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))]) + string(given[rng.IntN(len(given))])
				if err := ins.Add(ctx, fmt.Sprintf("00000000-0000-7000-8000-%012d", i), 1, cipher, a.Vault.Hash("bench", strconv.Itoa(i)),
					idcard.Mask(num), idcard.Tail(num), name, sex, storage.DateArg(birth), "汉族", "rural", v, "away", "away", lb, "both_away", cats,
					"2026-01-01", storage.TimeArg(tx.Now), storage.TimeArg(tx.Now)); err != nil {
					return err
				}
			}
			return ins.Flush(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Rows written around the registry: recount its counters.
	if err := a.DB.Write(ctx, func(tx *storage.Tx) error { return tally.Rebuild(ctx, tx, children.Tallies()) }); err != nil {
		b.Fatal(err)
	}
	analyze := "ANALYZE"
	if a.DB.Dialect() == storage.Postgres {
		analyze = "VACUUM (ANALYZE)"
	}
	if _, err := a.DB.SQL().ExecContext(ctx, analyze); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d children in %.1fs", a.DB.Dialect(), n, time.Since(start).Seconds())
}

// BenchmarkListCounty lists the first page (50, by place, with the total)
// of one county's children out of GUANAI_BENCH_CHILDREN children, through
// the registry's scoped List, next to a naive query that finds the county
// by a string function over every row instead of by the code range.
func BenchmarkListCounty(b *testing.B) {
	a := apptest.New(b)
	seed(b, a, benchChildren())
	county := access.Viewer{Region: "530524000000"} // 昌宁县
	ctx := b.Context()
	var expect int
	b.Run("engine="+string(a.DB.Dialect())+"/scoped-list", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			p, err := a.Children.List(ctx, county, children.Filter{Limit: 50})
			if err != nil || len(p.Children) != 50 {
				b.Fatalf("list: %v %d", err, len(p.Children))
			}
			expect = p.Total
			lat = append(lat, time.Since(t0))
		}
		report(b, lat)
	})
	if a.DB.Dialect() == storage.SQLite {
		// The same without the read pool's statement cache: every query
		// parsed and planned again.
		b.Run("engine=sqlite/scoped-list-unprepared", func(b *testing.B) {
			storage.SetStmtCache(a.DB, false)
			defer storage.SetStmtCache(a.DB, true)
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				if _, err := a.Children.List(ctx, county, children.Filter{Limit: 50}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			report(b, lat)
		})
	}
	b.Run("engine="+string(a.DB.Dialect())+"/naive-scan", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			rows, err := a.DB.Reader().QueryContext(ctx, `SELECT id, name, COUNT(*) OVER () FROM children
				WHERE substr(village_code, 1, 6) = '530524' AND archived_at IS NULL ORDER BY name, id LIMIT 50`)
			if err != nil {
				b.Fatal(err)
			}
			k, total := 0, 0
			for rows.Next() {
				var id, name string
				rows.Scan(&id, &name, &total)
				k++
			}
			rows.Close()
			if k != 50 || total != expect {
				b.Fatalf("naive: %d rows, total %d, want %d", k, total, expect)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b, lat)
	})
}

// report adds the median and 99th-percentile latency of one run.
func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}
