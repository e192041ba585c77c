package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/app"
	"guanai/internal/care"
	"guanai/internal/followup"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Shares of the seeded left-behind children by what their care network
// holds: a full team and a pairing; a full team, no pairing yet; nothing.
const (
	shareFull      = 0.80
	shareNoPairing = 0.10
)

// seedCare gives the seeded left-behind children what a year of the
// programme leaves behind, once (when no follow-up is stored): care teams
// (all six roles, the cadres and teacher held by the county officer's
// account, the guardian and neighbour by name) and pairings in the shares
// above, and for every child with a team a village cadre's monthly visit
// over the last twelve months, about one month in seven missed. The rows
// go in by the bulk path in one transaction, then every counter is
// recounted (tally.Rebuild) in the same transaction.
func seedCare(ctx context.Context, a *app.App, log io.Writer) error {
	var n int
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM followups`).Scan(&n); err != nil || n > 0 {
		return err
	}
	start := time.Now()
	var officer string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, officerName).Scan(&officer); err != nil {
		return fmt.Errorf("seed care: officer: %w", err)
	}
	type kid struct{ id, village string }
	var kids []kid
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT id, village_code FROM children WHERE left_behind = ? AND archived_at IS NULL ORDER BY id`, true)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k kid
		if err := rows.Scan(&k.id, &k.village); err != nil {
			rows.Close()
			return err
		}
		kids = append(kids, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	today := person.Today(a.DB.Now())
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	var members, pairings, visits int
	err = a.DB.Write(ctx, func(tx *storage.Tx) error {
		if err := tx.BulkMode(ctx); err != nil {
			return err
		}
		mb := tx.Bulk("care_members", []storage.BulkColumn{
			storage.Col("id", storage.KindText), storage.Col("child_id", storage.KindText), storage.Col("role", storage.KindText),
			storage.Col("user_id", storage.KindText), storage.Col("name", storage.KindText), storage.Col("from_on", storage.KindDate),
			storage.Col("created_at", storage.KindTime), storage.Col("updated_at", storage.KindTime)})
		pb := tx.Bulk("pairings", []storage.BulkColumn{
			storage.Col("id", storage.KindText), storage.Col("child_id", storage.KindText), storage.Col("mentor_id", storage.KindText),
			storage.Col("kind", storage.KindText), storage.Col("from_on", storage.KindDate),
			storage.Col("created_at", storage.KindTime), storage.Col("updated_at", storage.KindTime)})
		fb := tx.Bulk("followups", []storage.BulkColumn{
			storage.Col("id", storage.KindText), storage.Col("child_id", storage.KindText), storage.Col("village_code", storage.KindText),
			storage.Col("user_id", storage.KindText), storage.Col("user_name", storage.KindText), storage.Col("care_role", storage.KindText),
			storage.Col("visited_on", storage.KindDate), storage.Col("method", storage.KindText),
			storage.Col("study_rating", storage.KindText), storage.Col("life_rating", storage.KindText), storage.Col("psych_rating", storage.KindText),
			storage.Col("thinking_rating", storage.KindText), storage.Col("health_rating", storage.KindText),
			storage.Col("urgent", storage.KindBool), storage.Col("next_on", storage.KindDate), storage.Col("created_at", storage.KindTime)})
		since := first.AddDate(-1, 0, 0)
		byGaps := map[int][]string{}
		for i, k := range kids {
			r := rand.New(rand.NewPCG(2026, uint64(i)))
			x := r.Float64()
			gaps := 1<<7 - 1
			if x >= shareFull+shareNoPairing {
				byGaps[gaps] = append(byGaps[gaps], k.id)
				continue
			}
			gaps = 0
			for _, role := range care.TeamRoles {
				user, name := officer, "压测县儿童督导员"
				if role == care.RoleGuardian || role == care.RoleNeighbour {
					user, name = "", "压测"+care.RoleLabel(role)
				}
				if err := mb.Add(ctx, uuid.NewString(), k.id, role, nullable(user), name, since, tx.Now, tx.Now); err != nil {
					return err
				}
				members++
			}
			if x < shareFull {
				if err := pb.Add(ctx, uuid.NewString(), k.id, officer, care.KindCadre, since, tx.Now, tx.Now); err != nil {
					return err
				}
				pairings++
			} else {
				gaps = 1 << 6
			}
			byGaps[gaps] = append(byGaps[gaps], k.id)
			for m := 0; m < 12; m++ {
				if r.IntN(7) == 0 {
					continue
				}
				on := first.AddDate(0, m-11, r.IntN(28))
				if on.After(today) {
					continue
				}
				urgent := r.IntN(200) == 0
				psych := followup.RatingGood
				if urgent {
					psych = followup.RatingUrgent
				}
				if err := fb.Add(ctx, uuid.NewString(), k.id, k.village, officer, "压测县儿童督导员", care.RoleVillageCadre, on, followup.MethodHomeVisit,
					followup.RatingGood, followup.RatingGood, psych, followup.RatingGood, followup.RatingGood, urgent, on.AddDate(0, 1, 0), tx.Now); err != nil {
					return err
				}
				visits++
			}
		}
		for _, b := range []*storage.Bulk{mb, pb, fb} {
			if err := b.Close(ctx); err != nil {
				return err
			}
		}
		for gaps, ids := range byGaps {
			for len(ids) > 0 {
				chunk := ids[:min(500, len(ids))]
				ids = ids[len(chunk):]
				args := []any{gaps}
				for _, id := range chunk {
					args = append(args, id)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE children SET care_gaps = ? WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...); err != nil {
					return err
				}
			}
		}
		for _, r := range app.Tallies() {
			if err := tally.Rebuild(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed care: %w", err)
	}
	fmt.Fprintf(log, "seeded care for %d left-behind children: %d team members, %d pairings, %d follow-ups, in %.1fs\n",
		len(kids), members, pairings, visits, time.Since(start).Seconds())
	maintain := "ANALYZE"
	if a.DB.Dialect() == storage.Postgres {
		maintain = "VACUUM (ANALYZE)"
	}
	_, err = a.DB.SQL().ExecContext(ctx, maintain)
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// sampleNodes returns the nodes the dashboard scenario opens: the
// province, its prefectures and counties that hold children, and up to 200
// townships and 200 villages that do (every k-th, in code order).
func sampleNodes(ctx context.Context, a *app.App) ([]string, error) {
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT DISTINCT village_code FROM children WHERE village_code >= ? AND village_code < ? ORDER BY village_code`,
		provinceCode, "540000000000")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var villages []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		villages = append(villages, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var upper, towns []string
	for _, v := range villages {
		t := v[:9] + "000"
		if !seen[t] {
			seen[t] = true
			towns = append(towns, t)
		}
		for _, c := range []string{v[:2] + "0000000000", v[:4] + "00000000", v[:6] + "000000"} {
			if !seen[c] {
				seen[c] = true
				upper = append(upper, c)
			}
		}
	}
	every := func(xs []string, n int) []string {
		if len(xs) <= n {
			return xs
		}
		out := make([]string, 0, n)
		for i := 0; i < n; i++ {
			out = append(out, xs[i*len(xs)/n])
		}
		return out
	}
	return append(append(upper, every(towns, 200)...), every(villages, 200)...), nil
}
