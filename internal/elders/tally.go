package elders

import (
	"context"

	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Tally domain and keys kept for elders at every region node (package
// tally), at the elder's village.
const (
	// TallyDomain names the elders' counters.
	TallyDomain = "elders"
	// TallyActive counts elders in the active census (not archived).
	TallyActive = TallyDomain + ".active"
	// TallyArchived counts archived elders.
	TallyArchived = TallyDomain + ".archived"
)

// tallyVersion is the elders' counting version (see tally.Rebuilder).
const tallyVersion = 1

// tallyKey returns the key an elder counts towards.
func tallyKey(archived bool) string {
	if archived {
		return TallyArchived
	}
	return TallyActive
}

// countChange adds to d the change of an elder from (village, archived)
// before to after; an empty village stands for no elder (created, or
// gone).
func countChange(d *tally.Delta, beforeVillage string, beforeArchived bool, afterVillage string, afterArchived bool) {
	if beforeVillage != "" {
		d.Add(beforeVillage, -1, tallyKey(beforeArchived))
	}
	if afterVillage != "" {
		d.Add(afterVillage, 1, tallyKey(afterArchived))
	}
}

// recount applies countChange in tx.
func recount(ctx context.Context, tx *storage.Tx, beforeVillage string, beforeArchived bool, afterVillage string, afterArchived bool) error {
	d := tally.NewDelta()
	countChange(d, beforeVillage, beforeArchived, afterVillage, afterArchived)
	return tally.Apply(ctx, tx, d)
}

// Rebuilder is the elders' tally.Rebuilder: a recount from the elders
// table.
func Rebuilder() tally.Rebuilder {
	return tally.Rebuilder{Domain: TallyDomain, Version: tallyVersion, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
		rows, err := tx.QueryContext(ctx, `SELECT village_code, archived_at IS NOT NULL, COUNT(*) FROM elders GROUP BY village_code, archived_at IS NOT NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var village string
			var archived bool
			var n int
			if err := rows.Scan(&village, &archived, &n); err != nil {
				return err
			}
			d.Add(village, n, tallyKey(archived))
		}
		return rows.Err()
	}}
}
