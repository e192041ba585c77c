package tally

import (
	"context"

	"guanai/internal/errs"
	"guanai/internal/storage"
)

// Key ranges: a domain whose keys sort in a meaningful order (a day in
// ISO form after a fixed prefix, say) reads a sum over an interval of
// keys as one range of the primary key (region_code, key) at a node, or
// of the index tallies_parent (parent_code, key) for its child nodes —
// however many keys the interval holds, no GROUP BY over the records.
//
// Keys compare as the column's collation orders them. Keys of one fixed
// shape (the same prefix, then digits and separators in the same places)
// sort the same in every collation, byte order included; mixing shapes
// inside one interval is the caller's mistake.

// Range returns the sum of node's counters whose key k has lo <= k < hi
// (0 when none).
func Range(ctx context.Context, q storage.Querier, node, lo, hi string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM tallies WHERE region_code = ? AND key >= ? AND key < ?`, node, lo, hi).Scan(&n)
	return n, errs.Wrap(err, "read tallies")
}

// RangeChildren returns, for each child node of node, the sum of its
// counters whose key k has lo <= k < hi. Child nodes with no such counter
// are absent (join with the region tree for the full list); a child node
// whose counters sum to 0 is present with 0.
func RangeChildren(ctx context.Context, q storage.Querier, node, lo, hi string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT region_code, SUM(n) FROM tallies WHERE parent_code = ? AND key >= ? AND key < ? GROUP BY region_code`, node, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "read tallies")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, errs.Wrap(err, "read tallies")
		}
		out[c] = n
	}
	return out, errs.Wrap(rows.Err(), "read tallies")
}
