package followup

import (
	"context"
	"time"

	"guanai/internal/regions"
	"guanai/internal/storage"
)

// OverdueNaive counts what OverdueCounts does straight from the records,
// the way the task lists read them (tests and benchmarks): every
// obligation of the node's active children in one query over children,
// care_members and followups, folded by child in Go.
func OverdueNaive(ctx context.Context, q storage.Querier, node string, today time.Time) (overdue, dueSoon int, err error) {
	rules, err := readRules(ctx, q)
	if err != nil || len(rules) == 0 {
		return 0, 0, err
	}
	marks, roles := ruleRoles(rules)
	lo, hi := regions.Range(node)
	rows, err := q.QueryContext(ctx, `SELECT `+obligationCols+` FROM children c JOIN care_members m ON m.child_id = c.id AND m.to_on IS NULL
		WHERE c.village_code >= ? AND c.village_code < ? AND c.archived_at IS NULL AND m.role IN (`+marks+`)`, append([]any{lo, hi}, roles...)...)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	e := earliest{}
	for rows.Next() {
		o, err := scanObligation(rows)
		if err != nil {
			return 0, 0, err
		}
		e.add(rules, o)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	_, mid, end := DueBounds(today)
	for _, r := range e {
		switch k := DueKey(dateText(r.on)); {
		case k < mid:
			overdue++
		case k < end:
			dueSoon++
		}
	}
	return overdue, dueSoon, nil
}
