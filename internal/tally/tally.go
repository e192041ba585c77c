// Package tally keeps counters per region node — how many active children
// a county has, how many of them are left behind, how many lack a care
// team — exact and cheap to read at any level.
//
// Every write that changes what a record counts towards adds the change
// to a Delta (minus one for what the record counted before, plus one for
// what it counts now, at its village) and applies it with Apply in the
// same transaction, so a counter is exactly as committed as the records it
// counts. Apply rolls the change up to every ancestor (township, county,
// prefecture, province and all of China), so reading any node is one
// indexed row per key (Get) and a node's breakdown by child node is one
// indexed range (Children) — no GROUP BY over the records, whatever the
// level. Each domain that keeps counters registers a Rebuilder, which
// recounts its keys from scratch: when the domain's counting version
// changes (a new key), at first start on a database that predates the
// counters, and in the exactness tests that compare counters with a
// recount.
package tally

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// rootParent is the parent_code of the all-China row, so that no node
// lists it among its children.
const rootParent = "~"

type cell struct{ node, key string }

// Delta is a set of counter changes, by node and key. The zero value is
// not usable; use NewDelta.
type Delta struct {
	m map[cell]int
}

// NewDelta returns an empty delta.
func NewDelta() *Delta { return &Delta{m: map[cell]int{}} }

// Add adds n to each key at a node (normally a village: the record's own
// place) and at all its ancestors up to and including all of China. A
// node that is not a 12-digit code counts only towards all of China.
func (d *Delta) Add(node string, n int, keys ...string) {
	if n == 0 || len(keys) == 0 {
		return
	}
	for _, a := range lineage(node) {
		for _, k := range keys {
			d.m[cell{a, k}] += n
		}
	}
}

// Move records that a record counted under keys at from now counts under
// to instead (either may be nil, for a record created or taken away).
// Keys present in both at the same node cancel out.
func (d *Delta) Move(fromNode string, from []string, toNode string, to []string) {
	d.Add(fromNode, -1, from...)
	d.Add(toNode, 1, to...)
}

// Empty reports whether the delta changes nothing.
func (d *Delta) Empty() bool {
	for _, n := range d.m {
		if n != 0 {
			return false
		}
	}
	return true
}

// Merge adds o's changes to d.
func (d *Delta) Merge(o *Delta) {
	for c, n := range o.m {
		d.m[c] += n
	}
}

// lineage returns a node and its ancestors, all of China ("") last.
func lineage(node string) []string {
	out := make([]string, 0, 6)
	for c := node; c != regions.Root; c = regions.ParentOf(c) {
		if regions.LevelOf(c) == 0 {
			break
		}
		out = append(out, c)
	}
	return append(out, regions.Root)
}

func parentOf(node string) string {
	if node == regions.Root {
		return rootParent
	}
	return regions.ParentOf(node)
}

// Apply writes the delta in tx. Cells are written in a fixed order (node,
// then key), so concurrent transactions on PostgreSQL take the rows' locks
// in the same order and cannot deadlock on them.
func Apply(ctx context.Context, tx *storage.Tx, d *Delta) error {
	cells := make([]cell, 0, len(d.m))
	for c, n := range d.m {
		if n != 0 {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return nil
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].node != cells[j].node {
			return cells[i].node < cells[j].node
		}
		return cells[i].key < cells[j].key
	})
	in := storage.NewInserter(tx, "tallies", []string{"region_code", "key", "parent_code", "n"},
		"ON CONFLICT (region_code, key) DO UPDATE SET n = tallies.n + excluded.n")
	for _, c := range cells {
		if err := in.Add(ctx, c.node, c.key, parentOf(c.node), d.m[c]); err != nil {
			return errs.Wrap(err, "apply tallies")
		}
	}
	return errs.Wrap(in.Flush(ctx), "apply tallies")
}

func keyArgs(keys []string) (string, []any) {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	return "?" + strings.Repeat(", ?", len(keys)-1), args
}

// Get returns the counters of keys at node ("" for all of China); a key
// never counted is 0.
func Get(ctx context.Context, q storage.Querier, node string, keys ...string) (map[string]int, error) {
	out := map[string]int{}
	if len(keys) > 0 {
		in, args := keyArgs(keys)
		var err error
		if out, err = keyCounts(ctx, q, `SELECT key, n FROM tallies WHERE region_code = ? AND key IN (`+in+`)`, append([]any{node}, args...)...); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			out[k] = 0 // never counted
		}
	}
	return out, nil
}

// keyCounts runs a query of (key, n) rows and returns them as key → n.
func keyCounts(ctx context.Context, q storage.Querier, query string, args ...any) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

// Children returns the counters of keys at each child node of node that
// has any counted (child node code → key → n). Child nodes with nothing
// counted are absent: join with the region tree for the full list.
func Children(ctx context.Context, q storage.Querier, node string, keys ...string) (map[string]map[string]int, error) {
	if len(keys) == 0 {
		return map[string]map[string]int{}, nil
	}
	in, args := keyArgs(keys)
	return nodeKeys(ctx, q, `SELECT region_code, key, n FROM tallies WHERE parent_code = ? AND key IN (`+in+`)`, append([]any{node}, args...)...)
}

// Rebuilder recounts one domain's keys from its records.
type Rebuilder struct {
	// Domain names the domain; its keys all begin with Domain + ".".
	Domain string
	// Version is the domain's counting version: raise it when the keys or
	// what they count change, and the counters are rebuilt at next start.
	Version int
	// Count adds every record's contribution to d, reading through tx.
	Count func(ctx context.Context, tx *storage.Tx, d *Delta) error
}

// Rebuild replaces r's counters with a recount, in tx.
func Rebuild(ctx context.Context, tx *storage.Tx, r Rebuilder) error {
	cond, arg := storage.HasPrefix("key", r.Domain+".")
	if _, err := tx.ExecContext(ctx, `DELETE FROM tallies WHERE `+cond, arg); err != nil {
		return errs.Wrap(err, "rebuild tallies")
	}
	d := NewDelta()
	if err := r.Count(ctx, tx, d); err != nil {
		return errs.Wrap(err, "rebuild tallies: "+r.Domain)
	}
	if err := Apply(ctx, tx, d); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tally_versions (domain, version) VALUES (?, ?)
		ON CONFLICT (domain) DO UPDATE SET version = excluded.version`, r.Domain, r.Version)
	return errs.Wrap(err, "rebuild tallies")
}

// Ensure rebuilds, each in its own transaction, the counters of every
// domain whose stored counting version differs from its Rebuilder's (a
// database that predates them, or a new key). It returns the domains
// rebuilt.
func Ensure(ctx context.Context, db *storage.DB, rs ...Rebuilder) ([]string, error) {
	var done []string
	for _, r := range rs {
		var v int
		err := db.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM tally_versions WHERE domain = ?`, r.Domain).Scan(&v)
		if err != nil {
			return done, errs.Wrap(err, "read tally versions")
		}
		if v == r.Version {
			continue
		}
		if err := db.Write(ctx, func(tx *storage.Tx) error { return Rebuild(ctx, tx, r) }); err != nil {
			return done, err
		}
		done = append(done, r.Domain)
	}
	return done, nil
}

// Snapshot returns every counter of a domain (keys beginning with
// domain + "."), by node and key, without zeros: what the exactness tests compare with a recount.
func Snapshot(ctx context.Context, q storage.Querier, domain string) (map[string]map[string]int, error) {
	cond, arg := storage.HasPrefix("key", domain+".")
	return nodeKeys(ctx, q, `SELECT region_code, key, n FROM tallies WHERE `+cond+` AND n <> 0`, arg)
}

// nodeKeys runs a query of (node, key, n) rows and returns them as node →
// key → n.
func nodeKeys(ctx context.Context, q storage.Querier, query string, args ...any) (map[string]map[string]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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

// Cells returns the delta's non-zero changes as node → key → n (tests).
func (d *Delta) Cells() map[string]map[string]int {
	out := map[string]map[string]int{}
	for c, n := range d.m {
		if n == 0 {
			continue
		}
		if out[c.node] == nil {
			out[c.node] = map[string]int{}
		}
		out[c.node][c.key] = n
	}
	return out
}

// String is for test failure messages.
func (d *Delta) String() string { return fmt.Sprint(d.Cells()) }
