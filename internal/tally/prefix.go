package tally

import (
	"context"

	"guanai/internal/errs"
	"guanai/internal/storage"
)

// Prefixed returns every counter at node ("" for all of China) whose key
// begins with prefix, by key; keys whose count is 0 (counted once, no
// longer) are left out. The prefix is matched literally (LIKE's
// wildcards in it are escaped), so a breakdown whose values are open-ended
// (birth years, ethnicities, days) is one indexed read.
func Prefixed(ctx context.Context, q storage.Querier, node, prefix string) (map[string]int, error) {
	cond, arg := storage.HasPrefix("key", prefix)
	rows, err := q.QueryContext(ctx, `SELECT key, n FROM tallies WHERE region_code = ? AND `+cond+` AND n <> 0`, node, arg)
	if err != nil {
		return nil, errs.Wrap(err, "read tallies")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, errs.Wrap(err, "read tallies")
		}
		out[k] = n
	}
	return out, errs.Wrap(rows.Err(), "read tallies")
}

// PrefixedChildren is Prefixed for each child node of node that has any
// such counter (child node code → key → n, zeros left out); as with
// Children, child nodes with nothing counted are absent.
func PrefixedChildren(ctx context.Context, q storage.Querier, node, prefix string) (map[string]map[string]int, error) {
	cond, arg := storage.HasPrefix("key", prefix)
	rows, err := q.QueryContext(ctx, `SELECT region_code, key, n FROM tallies WHERE parent_code = ? AND `+cond+` AND n <> 0`, node, arg)
	if err != nil {
		return nil, errs.Wrap(err, "read tallies")
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var c, k string
		var n int
		if err := rows.Scan(&c, &k, &n); err != nil {
			return nil, errs.Wrap(err, "read tallies")
		}
		if out[c] == nil {
			out[c] = map[string]int{}
		}
		out[c][k] = n
	}
	return out, errs.Wrap(rows.Err(), "read tallies")
}

// Range returns the sum of the counters at node whose keys k satisfy
// lo <= k < hi (byte order): with keys that sort as their values do, such
// as followup.DayKey's, a span of days — the follow-ups of the last 30
// days are Range(node, DayKey(today-29), DayKey(today+1)).
func Range(ctx context.Context, q storage.Querier, node, lo, hi string) (int, error) {
	var n int
	k := byteOrder(q)
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM tallies WHERE region_code = ? AND `+k+` >= ? AND `+k+` < ?`, node, lo, hi).Scan(&n)
	return n, errs.Wrap(err, "read tallies")
}

// RangeChildren is Range for each child node of node that has any counter
// in the range (child node code → sum); child nodes with none are absent.
func RangeChildren(ctx context.Context, q storage.Querier, node, lo, hi string) (map[string]int, error) {
	k := byteOrder(q)
	rows, err := q.QueryContext(ctx, `SELECT region_code, SUM(n) FROM tallies WHERE parent_code = ? AND `+k+` >= ? AND `+k+` < ? GROUP BY region_code`, node, lo, hi)
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

// byteOrder returns the key column compared in byte order: SQLite's
// default; on PostgreSQL the database's collation may order punctuation
// differently, so the comparison names the C collation.
func byteOrder(q storage.Querier) string {
	if q.Dialect() == storage.Postgres {
		return `key COLLATE "C"`
	}
	return "key"
}
