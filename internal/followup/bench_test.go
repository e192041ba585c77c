package followup_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/followup"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// benchChildren is how many children the benchmarks load
// (GUANAI_BENCH_CHILDREN, default 1,000,000).
func benchChildren() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_CHILDREN")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchToday is the benchmark's fixed day (10:00 in China).
var benchToday = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

// seedFollowups loads n synthetic children spread evenly over Yunnan's
// villages straight into the tables: 60% left-behind, 5% archived; every
// active left-behind child has a village cadre (since 2025-10-01) and a
// follow-up by that role every month for the 12 months before
// benchToday, except 7% whose visits stopped three months ago (overdue
// past the county's delay) and 5% never visited since the cadre started
// on 2026-10-20 (escalated to the township only). It returns how many
// follow-ups it wrote.
func seedFollowups(b *testing.B, a *app.App, n int) int {
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
	u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "bench.cadre", Name: "村干部", RegionCode: "530000000000",
		Roles: []string{accounts.RoleLeader}, Active: true, Password: "Bench#Pass9word"}, false)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	start := time.Now()
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	childCols := []string{"id", "version", "id_cipher", "id_hash", "id_mask", "id_tail", "name", "sex", "birth_date", "ethnicity", "hukou",
		"village_code", "father_status", "mother_status", "left_behind", "left_behind_reason", "categories",
		"classified_on", "archived_at", "created_at", "updated_at", "care_gaps"}
	memberCols := []string{"id", "child_id", "role", "name", "from_on", "created_at", "updated_at"}
	fuCols := []string{"id", "child_id", "village_code", "user_id", "user_name", "care_role", "visited_on", "method",
		"study_rating", "life_rating", "psych_rating", "thinking_rating", "health_rating", "urgent", "next_on", "created_at"}
	const chunk = 20_000
	visits := 0
	for done := 0; done < n; done += chunk {
		err := a.DB.Write(ctx, func(tx *storage.Tx) error {
			now := storage.TimeArg(tx.Now)
			kids := storage.NewInserter(tx, "children", childCols, "")
			// Members and follow-ups go in after the children they name.
			var memberRows, fuRows [][]any
			for i := done; i < min(n, done+chunk); i++ {
				v := villages[i%len(villages)]
				id := fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
				lb := rng.IntN(10) < 6
				var archived any
				if rng.IntN(20) == 0 {
					archived = now
				}
				if err := kids.Add(ctx, id, 1, []byte{1}, "h"+strconv.Itoa(i), "5305**********0000", "0000", "儿童", "M", "2016-01-01", "汉族", "rural",
					v, "away", "away", lb, "both_away", "", "2026-01-01", archived, now, now, 0); err != nil {
					return err
				}
				if !lb || archived != nil {
					continue
				}
				from, first := "2025-10-01", 0
				switch k := rng.IntN(100); {
				case k < 5:
					from, first = "2026-10-20", 12 // never visited: 10 days overdue
				case k < 12:
					first = 3 // stopped three months ago
				}
				memberRows = append(memberRows, []any{fmt.Sprintf("00000000-0000-7000-c000-%012d", i), id, care.RoleVillageCadre, "村干部", from, now, now})
				day := today.AddDate(0, 0, -(1 + i%27))
				for m := first; m < 12; m++ {
					d := followup.AddMonths(day, -m)
					next := followup.AddMonths(d, 1)
					fuRows = append(fuRows, []any{fmt.Sprintf("00000000-0000-7000-d%03d-%012d", m, i), id, v, u.ID, "村干部", care.RoleVillageCadre,
						d.Format("2006-01-02"), "home_visit", "good", "good", "good", "good", "good", false, next.Format("2006-01-02"), now})
					visits++
				}
			}
			if err := kids.Flush(ctx); err != nil {
				return err
			}
			for _, set := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{{"care_members", memberCols, memberRows}, {"followups", fuCols, fuRows}} {
				ins := storage.NewInserter(tx, set.table, set.cols, "")
				for _, r := range set.rows {
					if err := ins.Add(ctx, r...); err != nil {
						return err
					}
				}
				if err := ins.Flush(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.DB.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: seeded %d children, %d follow-ups in %.1fs", a.DB.Dialect(), n, visits, time.Since(start).Seconds())
	return visits
}

// BenchmarkTasks is the task list of a county leader (昌宁县) and of a
// township leader (大田坝镇) out of GUANAI_BENCH_CHILDREN children across
// Yunnan with 12 months of follow-ups, beside a naive computation of the
// county's escalated visits (every child of the county read, then its
// team and its follow-ups one child at a time).
func BenchmarkTasks(b *testing.B) {
	clock := &apptest.Clock{T: benchToday}
	a := apptest.NewAt(b, clock.Now)
	seedFollowups(b, a, benchChildren())
	ctx := b.Context()
	county := access.Viewer{UserID: "u-county", Region: "530524000000", Roles: []string{"leader"}}
	town := access.Viewer{UserID: "u-town", Region: "530524107000", Roles: []string{"leader"}}
	want := 0
	for _, c := range []struct {
		name string
		v    access.Viewer
	}{{"county-leader", county}, {"township-leader", town}} {
		b.Run("engine="+string(a.DB.Dialect())+"/"+c.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var got followup.TaskList
			for b.Loop() {
				t0 := time.Now()
				var err error
				if got, err = a.Followups.Tasks(ctx, c.v); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			if c.name == "county-leader" {
				want = got.Escalated
			}
			b.ReportMetric(float64(got.Escalated), "escalated")
			report(b, lat)
		})
	}
	b.Run("engine="+string(a.DB.Dialect())+"/county-leader-naive", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		got := 0
		for b.Loop() {
			t0 := time.Now()
			got = naiveEscalated(b, a, "530524000000")
			lat = append(lat, time.Since(t0))
		}
		if got != want {
			b.Errorf("naive: %d escalated, the task list %d", got, want)
		}
		b.ReportMetric(float64(got), "escalated")
		report(b, lat)
	})
}

// naiveEscalated counts the visits of a county overdue past the county's
// delay the obvious way: every active child of the county, then, one
// child at a time, its village cadre and its last visit by that role.
func naiveEscalated(b *testing.B, a *app.App, county string) int {
	ctx := b.Context()
	q := a.DB.Reader()
	rules, err := a.Followups.Rules(ctx, access.System())
	if err != nil {
		b.Fatal(err)
	}
	lo, hi := regions.Range(county)
	rows, err := q.QueryContext(ctx, `SELECT id, left_behind FROM children WHERE village_code >= ? AND village_code < ? AND archived_at IS NULL`, lo, hi)
	if err != nil {
		b.Fatal(err)
	}
	type kid struct {
		id string
		lb bool
	}
	var kids []kid
	for rows.Next() {
		var k kid
		rows.Scan(&k.id, &k.lb)
		kids = append(kids, k)
	}
	rows.Close()
	today := time.Date(benchToday.Year(), benchToday.Month(), benchToday.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for _, k := range kids {
		var from time.Time
		if err := q.QueryRowContext(ctx, `SELECT from_on FROM care_members WHERE child_id = ? AND role = ? AND to_on IS NULL`, k.id, care.RoleVillageCadre).
			Scan(storage.Date{T: &from}); err != nil {
			continue
		}
		var last time.Time
		var lastAny any
		if err := q.QueryRowContext(ctx, `SELECT MAX(visited_on) FROM followups WHERE child_id = ? AND care_role = ?`, k.id, care.RoleVillageCadre).Scan(&lastAny); err != nil {
			b.Fatal(err)
		}
		storage.Date{T: &last}.Scan(lastAny)
		base := from
		if last.After(base) {
			base = last
		}
		for _, r := range rules {
			if r.CareRole == care.RoleVillageCadre && r.Category == followup.CategoryLeftBehind && k.lb {
				if int(today.Sub(r.Next(base)).Hours()/24) >= r.CountyDays {
					n++
				}
			}
		}
	}
	return n
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

// countsPerOp is how many counter reads one iteration of
// BenchmarkOverdueCounts' counter sub-benchmarks makes, each timed: the
// naive computation beside them takes seconds, so the benchmark runs a few
// iterations (-benchtime 3x) and the counters get hundreds of samples.
const countsPerOp = 100

// BenchmarkOverdueCounts is the dashboard's overdue and due-soon visit
// counts (followup.OverdueCounts) of the province (云南省) and of the
// county (昌宁县), and the province's breakdown by prefecture
// (followup.OverdueChildren), out of GUANAI_BENCH_CHILDREN children with
// 12 months of follow-ups (seedFollowups), beside the naive computation
// from the records the way the task lists read them (every obligation of
// the node's active children, folded by child). The seed writes around
// the stores, so the earliest due visits are rebuilt first (timed).
func BenchmarkOverdueCounts(b *testing.B) {
	clock := &apptest.Clock{T: benchToday}
	a := apptest.NewAt(b, clock.Now)
	seedFollowups(b, a, benchChildren())
	ctx := b.Context()
	t0 := time.Now()
	if err := a.DB.Write(ctx, func(tx *storage.Tx) error { return followup.RebuildDue(ctx, tx) }); err != nil {
		b.Fatal(err)
	}
	var rows int
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM visits_due`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: earliest due visits of %d children rebuilt in %.1fs", a.DB.Dialect(), rows, time.Since(t0).Seconds())
	if _, err := a.DB.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	const province, county = "530000000000", "530524000000"
	engine := "engine=" + string(a.DB.Dialect()) + "/"
	got := map[string][2]int{}
	counts := func(name, node string) {
		b.Run(engine+name, func(b *testing.B) {
			lat := make([]time.Duration, 0, countsPerOp*b.N)
			var o, s int
			for b.Loop() {
				for range countsPerOp {
					t0 := time.Now()
					var err error
					if o, s, err = followup.OverdueCounts(ctx, a.DB.Reader(), node, benchToday); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
			}
			got[node] = [2]int{o, s}
			b.ReportMetric(float64(o), "overdue")
			b.ReportMetric(float64(s), "due-soon")
			report(b, lat)
		})
	}
	counts("province", province)
	counts("county", county)
	b.Run(engine+"province-by-prefecture", func(b *testing.B) {
		lat := make([]time.Duration, 0, countsPerOp*b.N)
		var m map[string][2]int
		for b.Loop() {
			for range countsPerOp {
				t0 := time.Now()
				var err error
				if m, err = followup.OverdueChildren(ctx, a.DB.Reader(), province, benchToday); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
		}
		sum := [2]int{}
		for _, n := range m {
			sum[0], sum[1] = sum[0]+n[0], sum[1]+n[1]
		}
		if sum != got[province] {
			b.Errorf("prefectures sum to %v, the province has %v", sum, got[province])
		}
		b.ReportMetric(float64(len(m)), "prefectures")
		report(b, lat)
	})
	naive := func(name, node string) {
		b.Run(engine+name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			var o, s int
			for b.Loop() {
				t0 := time.Now()
				var err error
				if o, s, err = followup.OverdueNaive(ctx, a.DB.Reader(), node, benchToday); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			if want := got[node]; [2]int{o, s} != want {
				b.Errorf("naive: %d overdue, %d due soon; the counters %v", o, s, want)
			}
			b.ReportMetric(float64(o), "overdue")
			b.ReportMetric(float64(s), "due-soon")
			report(b, lat)
		})
	}
	naive("province-naive", province)
	naive("county-naive", county)
}
