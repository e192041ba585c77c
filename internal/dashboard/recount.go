package dashboard

import (
	"context"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/followup"
	"guanai/internal/needs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// Recount returns a copy of s that reads region figures the obvious way
// — GROUP BY over the records under the node, by the code prefix of its
// child nodes — instead of from the counters. The exactness tests compare
// the dashboards it gives with the counters' (apptest.CheckDashboards);
// the benchmarks time it beside them. It gives the same figures, slowly.
func Recount(s *Service) *Service {
	n := *s
	n.read = n.naive
	return &n
}

// naive is the reader of Recount.
func (s *Service) naive(ctx context.Context, v access.Viewer, code string, lvl regions.Level, today time.Time) (facts, map[string]facts, []trendPoint, error) {
	total, rows := facts{}, map[string]facts{}
	trend := make([]trendPoint, 12)
	ms := months(today)
	at := map[string]int{}
	for i, m := range ms {
		trend[i].month = m
		at[m] = i
	}
	n := 12 // the group: the child node's code prefix
	if lvl != regions.Village {
		n = []int{2, 4, 6, 9, 12}[lvl]
	}
	childLevel := lvl + 1
	lo, hi := access.SubtreeRange(code)
	// add counts n towards the node and, when group is a child node's
	// code (not the node itself, for records kept at a higher level),
	// towards that child.
	add := func(group, fact string, x float64) {
		total[fact] += x
		if lvl == regions.Village {
			return
		}
		c := group + strings.Repeat("0", 12-len(group))
		if regions.LevelOf(c) != childLevel {
			return
		}
		if rows[c] == nil {
			rows[c] = facts{}
		}
		rows[c][fact] += x
	}
	d := s.db.Dialect()
	year := "CAST(" + d.Year("c.birth_date") + " AS INTEGER)"
	month := func(col string) string { return "substr(" + col + ", 1, 7)" }
	if d == storage.Postgres {
		month = func(col string) string { return "to_char(" + col + ", 'YYYY-MM')" }
	}
	prefix := func(col string) string { return "substr(" + col + ", 1, " + strconv.Itoa(n) + ")" }
	err := s.db.Read(ctx, func(q storage.Querier) error {
		rs, err := q.QueryContext(ctx, `SELECT `+prefix("c.village_code")+`, c.left_behind, c.migrant, c.difficulty <> '', c.sex, c.ethnicity,
			c.left_behind_reason, `+year+`, c.care_gaps,
			c.school_id IS NOT NULL AND EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.school_id AND p.to_on IS NULL),
			c.class_id IS NOT NULL AND EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.class_id AND p.to_on IS NULL),
			EXISTS (SELECT 1 FROM care_positions p WHERE p.kind = ? AND p.subject = c.village_code AND p.to_on IS NULL),
			COUNT(*)
			FROM children c WHERE c.village_code >= ? AND c.village_code < ? AND c.archived_at IS NULL
			GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12`,
			care.PositionPrincipal, care.PositionHomeroom, care.PositionVillageProxy, lo, hi)
		if err != nil {
			return err
		}
		defer rs.Close()
		y := today.Year()
		for rs.Next() {
			var g, sex, eth, reason string
			var lb, migrant, difficult, principal, homeroom, village bool
			var born, gaps int
			var k float64
			if err := rs.Scan(&g, &lb, &migrant, &difficult, &sex, &eth, &reason, &born, &gaps, &principal, &homeroom, &village, &k); err != nil {
				return err
			}
			add(g, fActive, k)
			if migrant {
				add(g, fMigrant, k)
			}
			if difficult {
				add(g, fDifficulty, k)
			}
			if !lb {
				continue
			}
			add(g, fLeftBehind, k)
			for _, key := range lbKeys(born, sex, eth, reason) {
				if f, ok := lbFact(key, y); ok {
					add(g, f, k)
				}
			}
			has := func(gap string, ok bool) {
				if ok {
					add(g, fHas+gap, k)
				}
			}
			has(care.GapTeam, gaps&(1<<len(care.TeamRoles)-1) == 0)
			for i, r := range care.TeamRoles {
				has(care.GapRole(r), gaps&(1<<i) == 0)
			}
			has(care.GapPairing, gaps&(1<<len(care.TeamRoles)) == 0)
			has(care.GapPrincipal, principal)
			has(care.GapHomeroom, homeroom)
			has(care.GapVillageProxy, village)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rs.Close()

		count := func(query string, args []any, fn func(g string, x float64, extra string)) error {
			rs, err := q.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var g, extra string
				var x float64
				if err := rs.Scan(&g, &extra, &x); err != nil {
					return err
				}
				fn(g, x, extra)
			}
			return rs.Err()
		}
		if err := count(`SELECT `+prefix("village_code")+`, '', COUNT(*) FROM elders WHERE village_code >= ? AND village_code < ? AND archived_at IS NULL GROUP BY 1`,
			[]any{lo, hi}, func(g string, x float64, _ string) { add(g, fElders, x) }); err != nil {
			return err
		}
		first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
		from, next := first.AddDate(0, -11, 0), first.AddDate(0, 1, 0)
		d30, d90 := storage.DateArg(today.AddDate(0, 0, -29)), storage.DateArg(today.AddDate(0, 0, -89))
		if err := count(`SELECT `+prefix("village_code")+`, 'a', COUNT(*) FROM followups WHERE village_code >= ? AND village_code < ? AND visited_on >= ? AND visited_on <= ? GROUP BY 1
			UNION ALL SELECT `+prefix("village_code")+`, 'b', COUNT(*) FROM followups WHERE village_code >= ? AND village_code < ? AND visited_on >= ? AND visited_on <= ? GROUP BY 1`,
			[]any{lo, hi, d30, storage.DateArg(today), lo, hi, d90, storage.DateArg(today)}, func(g string, x float64, w string) {
				add(g, map[string]string{"a": fFU30, "b": fFU90}[w], x)
			}); err != nil {
			return err
		}
		if err := count(`SELECT '', `+month("visited_on")+`, COUNT(*) FROM followups WHERE village_code >= ? AND village_code < ? AND visited_on >= ? AND visited_on < ? GROUP BY 2`,
			[]any{lo, hi, storage.DateArg(from), storage.DateArg(next)}, func(_ string, x float64, m string) {
				if i, ok := at[m]; ok {
					trend[i].followups += int(x)
				}
			}); err != nil {
			return err
		}
		if err := count(`SELECT `+prefix("village_code")+`, CASE WHEN due_on < ? THEN 'o' WHEN due_on <= ? THEN 's' ELSE '' END, COUNT(*)
			FROM visits_due WHERE village_code >= ? AND village_code < ? GROUP BY 1, 2`,
			[]any{storage.DateArg(today), storage.DateArg(today.AddDate(0, 0, followup.DueSoonDays)), lo, hi}, func(g string, x float64, when string) {
				add(g, fScheduled, x)
				switch when {
				case "o":
					add(g, fOverdue, x)
				case "s":
					add(g, fDueSoon, x)
				}
			}); err != nil {
			return err
		}
		if err := count(`SELECT `+prefix("village_code")+`, status, COUNT(*) FROM needs WHERE village_code >= ? AND village_code < ? GROUP BY 1, 2`,
			[]any{lo, hi}, func(g string, x float64, status string) {
				switch {
				case needs.IsOpen(status):
					add(g, fNeedsOpen, x)
				case status == needs.StatusClosed:
					add(g, fNeedsShut, x)
				}
			}); err != nil {
			return err
		}
		if err := count(`SELECT '', `+d.ChinaMonth("created_at")+`, COUNT(*) FROM needs WHERE village_code >= ? AND village_code < ? GROUP BY 2`,
			[]any{lo, hi}, func(_ string, x float64, m string) {
				if i, ok := at[m]; ok {
					trend[i].raised += int(x)
				}
			}); err != nil {
			return err
		}
		if err := count(`SELECT `+prefix("region_code")+`, '', SUM(minutes) FROM service_records WHERE region_code >= ? AND region_code < ? AND status <> 'disputed' AND served_on >= ? AND served_on < ? GROUP BY 1`,
			[]any{lo, hi, storage.DateArg(from), storage.DateArg(next)}, func(g string, x float64, _ string) { add(g, fMinutes, x) }); err != nil {
			return err
		}
		if err := count(`SELECT '', `+month("served_on")+`, SUM(minutes) FROM service_records WHERE region_code >= ? AND region_code < ? AND status <> 'disputed' AND served_on >= ? AND served_on < ? GROUP BY 2`,
			[]any{lo, hi, storage.DateArg(from), storage.DateArg(next)}, func(_ string, x float64, m string) {
				if i, ok := at[m]; ok {
					trend[i].minutes += int(x)
				}
			}); err != nil {
			return err
		}
		if err := count(`SELECT `+prefix("region_code")+`, '', COUNT(*) FROM activities WHERE region_code >= ? AND region_code < ? AND held_on >= ? AND held_on < ? GROUP BY 1`,
			[]any{lo, hi, storage.DateArg(from), storage.DateArg(next)}, func(g string, x float64, _ string) { add(g, fActivities, x) }); err != nil {
			return err
		}
		return count(`SELECT '', `+month("held_on")+`, COUNT(*) FROM activities WHERE region_code >= ? AND region_code < ? AND held_on >= ? AND held_on < ? GROUP BY 2`,
			[]any{lo, hi, storage.DateArg(from), storage.DateArg(next)}, func(_ string, x float64, m string) {
				if i, ok := at[m]; ok {
					trend[i].act += int(x)
				}
			})
	})
	return total, rows, trend, err
}
