package tally

import (
	"context"

	"guanai/internal/errs"
	"guanai/internal/storage"
)

// PrefixEnd returns the least string above every string that begins with
// prefix, so that prefix <= key < PrefixEnd(prefix) selects the keys that
// begin with prefix (keys compare byte by byte on both engines).
func PrefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\xff"
}

// Keys returns the counters at node whose keys k satisfy lo <= k < hi,
// by key, without zeros: one indexed range of the counters' primary key.
func Keys(ctx context.Context, q storage.Querier, node, lo, hi string) (map[string]int, error) {
	return keyCounts(ctx, q, `SELECT key, n FROM tallies WHERE region_code = ? AND key >= ? AND key < ? AND n <> 0`, node, lo, hi)
}

// ChildKeys is Keys for every child node of node that has any such
// counter (child node code → key → n).
func ChildKeys(ctx context.Context, q storage.Querier, node, lo, hi string) (map[string]map[string]int, error) {
	return nodeKeys(ctx, q, `SELECT region_code, key, n FROM tallies WHERE parent_code = ? AND key >= ? AND key < ? AND n <> 0`, node, lo, hi)
}

// Sum returns the sum of the counters at node whose keys k satisfy
// lo <= k < hi.
func Sum(ctx context.Context, q storage.Querier, node, lo, hi string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM tallies WHERE region_code = ? AND key >= ? AND key < ?`, node, lo, hi).Scan(&n)
	return n, errs.Wrap(err, "read tallies")
}

// ChildSums is Sum for every child node of node that has any such
// counter (child node code → sum).
func ChildSums(ctx context.Context, q storage.Querier, node, lo, hi string) (map[string]int, error) {
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
