package followup

import (
	"context"
	"time"

	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Tally domain and keys (package tally): the number of follow-ups made on
// each day, at the follow-up's village (the child's village when it was
// recorded). Day keys sort as their days do, so the follow-ups of a span
// of days are one tally.Sum: the last 30 days to today are
// Range(node, DayKey(today-29 days), DayKey(today+1 day)).
const (
	// Domain names the follow-ups' counters.
	Domain = "followups"
	// DayPrefix + a day 'YYYY-MM-DD' (DayKey).
	DayPrefix = Domain + ".day."
)

// DayKey is the counter key of the follow-ups made on day ('YYYY-MM-DD',
// as Followup.VisitedOn holds it).
func DayKey(day string) string { return DayPrefix + day }

// DayKeyOf is DayKey of a date's calendar day.
func DayKeyOf(t time.Time) string { return DayKey(t.Format(storage.DateLayout)) }

// tallyVersion is the follow-ups' counting version (see tally.Rebuilder).
const tallyVersion = 1

// Rebuilder is the follow-ups' tally.Rebuilder: a recount from the
// followups table.
func Rebuilder() tally.Rebuilder {
	return tally.Rebuilder{Domain: Domain, Version: tallyVersion, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
		rows, err := tx.QueryContext(ctx, `SELECT village_code, visited_on, COUNT(*) FROM followups GROUP BY village_code, visited_on`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var village string
			var day time.Time
			var n int
			if err := rows.Scan(&village, storage.Date{T: &day}, &n); err != nil {
				return err
			}
			d.Add(village, n, DayKeyOf(day))
		}
		return rows.Err()
	}}
}
