package care_test

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
	"guanai/internal/care"
	"guanai/internal/children"
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

// seedCare loads n synthetic children spread evenly over Yunnan's villages
// straight into the tables, with a school in every township (six classes
// each) and the care network partly in place: 60% of the children
// left-behind, 5% archived; a random mix of team roles and pairings
// (care_gaps); principals in 70% of the schools, homeroom teachers in 60%
// of the classes, chief proxy parents in half the villages.
func seedCare(b *testing.B, a *app.App, n int) {
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
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Now()
	schoolOf := map[string]string{} // township → school id
	classes := map[string][]string{}
	type posRow struct{ kind, subject, region string }
	var schoolRows, classRows [][]any
	var positions []posRow
	for i, v := range villages {
		town := v[:9] + "000"
		if _, ok := schoolOf[town]; !ok {
			id := fmt.Sprintf("00000000-0000-7000-a000-%012d", i)
			schoolOf[town] = id
			schoolRows = append(schoolRows, []any{id, 1, "中心小学" + v[:9], "primary", town})
			if rng.IntN(10) < 7 {
				positions = append(positions, posRow{care.PositionPrincipal, id, town})
			}
			for g := 1; g <= 6; g++ {
				cid := fmt.Sprintf("00000000-0000-7000-b000-%010d%02d", i, g)
				classes[id] = append(classes[id], cid)
				classRows = append(classRows, []any{cid, id, g, "一班"})
				if rng.IntN(10) < 6 {
					positions = append(positions, posRow{care.PositionHomeroom, cid, town})
				}
			}
		}
		if rng.IntN(2) == 0 {
			positions = append(positions, posRow{care.PositionVillageProxy, v, v})
		}
	}
	err = a.DB.Write(ctx, func(tx *storage.Tx) error {
		now := storage.TimeArg(tx.Now)
		sch := storage.NewInserter(tx, "schools", []string{"id", "version", "name", "kind", "region_code", "created_at", "updated_at"}, "")
		for _, r := range schoolRows {
			if err := sch.Add(ctx, append(r, now, now)...); err != nil {
				return err
			}
		}
		if err := sch.Flush(ctx); err != nil {
			return err
		}
		cls := storage.NewInserter(tx, "school_classes", []string{"id", "school_id", "grade", "name", "created_at"}, "")
		for _, r := range classRows {
			if err := cls.Add(ctx, append(r, now)...); err != nil {
				return err
			}
		}
		if err := cls.Flush(ctx); err != nil {
			return err
		}
		pos := storage.NewInserter(tx, "care_positions", []string{"id", "kind", "subject", "region_code", "name", "from_on", "created_at", "updated_at"}, "")
		for k, p := range positions {
			if err := pos.Add(ctx, fmt.Sprintf("00000000-0000-7000-9000-%012d", k), p.kind, p.subject, p.region, "代理家长", "2026-01-01", now, now); err != nil {
				return err
			}
		}
		return pos.Flush(ctx)
	})
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"id", "version", "id_cipher", "id_hash", "id_mask", "id_tail", "name", "sex", "birth_date", "ethnicity", "hukou",
		"village_code", "school_id", "grade", "class_id", "father_status", "mother_status", "left_behind", "left_behind_reason", "categories",
		"classified_on", "archived_at", "created_at", "updated_at", "care_gaps"}
	const chunk = 50_000
	for done := 0; done < n; done += chunk {
		err := a.DB.Write(ctx, func(tx *storage.Tx) error {
			ins := storage.NewInserter(tx, "children", cols, "")
			now := storage.TimeArg(tx.Now)
			for i := done; i < min(n, done+chunk); i++ {
				v := villages[i%len(villages)]
				var school, class, grade any
				if rng.IntN(10) < 8 {
					s := schoolOf[v[:9]+"000"]
					g := 1 + rng.IntN(6)
					school, class, grade = s, classes[s][g-1], g
				}
				lb := rng.IntN(10) < 6
				var archived any
				if rng.IntN(20) == 0 {
					archived = now
				}
				gaps := 0
				switch rng.IntN(10) {
				case 0, 1, 2, 3:
				case 4, 5, 6:
					gaps = rng.IntN(128)
				default:
					gaps = 127
				}
				if err := ins.Add(ctx, fmt.Sprintf("00000000-0000-7000-8000-%012d", i), 1, []byte{1}, "h"+strconv.Itoa(i), "5305**********0000", "0000",
					"儿童", "M", "2016-01-01", "汉族", "rural", v, school, grade, class, "away", "away", lb, "both_away", "", "2026-01-01",
					archived, now, now, gaps); err != nil {
					return err
				}
			}
			return ins.Flush(ctx)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// The rows went in behind the registry's back: count them once.
	t0 := time.Now()
	if err := a.DB.Write(ctx, func(tx *storage.Tx) error { return tally.Rebuild(ctx, tx, children.Tallies()) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: counters rebuilt in %.1fs", a.DB.Dialect(), time.Since(t0).Seconds())
	if _, err := a.DB.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d children, %d schools in %.1fs", a.DB.Dialect(), n, len(schoolOf), time.Since(start).Seconds())
}

// BenchmarkGaps counts the care gaps of 云南省 (every child of the
// benchmark lies in it), of a prefecture and of a county, by the nodes one
// level down, out of GUANAI_BENCH_CHILDREN children; and lists the first
// page of the children behind the province's count of unpaired children.
func BenchmarkGaps(b *testing.B) {
	a := apptest.New(b)
	seedCare(b, a, benchChildren())
	ctx := b.Context()
	v := access.Viewer{Region: "530000000000", UserID: "u-bench", Roles: []string{"leader"}}
	for _, c := range []struct{ name, code string }{{"province", "530000000000"}, {"prefecture", "530500000000"}, {"county", "530524000000"}} {
		b.Run("engine="+string(a.DB.Dialect())+"/"+c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				g, err := a.Care.Gaps(ctx, v, c.code)
				if err != nil || g.Region.Children == 0 {
					b.Fatalf("gaps: %v %+v", err, g.Region)
				}
				lat = append(lat, time.Since(t0))
			}
			report(b, lat)
		})
	}
	b.Run("engine="+string(a.DB.Dialect())+"/province-list", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			p, err := a.Care.GapChildren(ctx, v, "530000000000", care.GapPairing, 50, 0)
			if err != nil || len(p.Items) != 50 {
				b.Fatalf("list: %v %d", err, len(p.Items))
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
