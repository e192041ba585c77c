package followup

import (
	"context"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// The overdue-visit counters of the dashboards: for every active child
// that owes a scheduled visit, its earliest due date — the minimum over
// its obligations (each current holder of a care-team role whose role has
// a rule for the child's category) of the date the task lists give
// (obligation.due) — is kept in the table visits_due and counted under
// the key DueKey(day) at the child's village, rolled up to every
// ancestor. How many children of a node are overdue is then the sum of
// the node's keys before today: one range of the tallies' primary key,
// whatever the level (OverdueCounts).
//
// A child's earliest due date moves when a follow-up is recorded (Record),
// when its care team changes (package care, through the hook app
// registers: RefreshDue), when its village, its category or its archived
// state changes (package children, the same hook) and when a rule changes
// (SaveRule, DeleteRule: a recount of every child, in the same
// transaction — a rare administrator's action). Pairings and positions
// are no obligations (the task lists do not read them) and move nothing.

// DueDomain is the earliest-due counters' tally domain.
const DueDomain = "visits_due"

// DuePrefix begins every key of DueDomain.
const DuePrefix = DueDomain + "."

// dueVersion is DueDomain's counting version (see tally.Rebuilder).
const dueVersion = 1

// DueKey is the key counting the active children whose earliest due visit
// falls on day (2006-01-02).
func DueKey(day string) string { return DuePrefix + day }

// dueChunk bounds the children of one recomputing query's IN list.
const dueChunk = 500

// dueRow is a child's earliest due visit and the village it is counted
// at.
type dueRow struct {
	village string
	on      time.Time
}

// earliest folds obligations into each child's earliest due visit under
// rules; a child whose obligations owe nothing is absent.
type earliest map[string]dueRow

func (e earliest) add(rules []Rule, o obligation) {
	_, on, ok := o.due(rules)
	if !ok {
		return
	}
	if cur, seen := e[o.c.ID]; !seen || on.Before(cur.on) {
		e[o.c.ID] = dueRow{village: o.c.VillageCode, on: on}
	}
}

// ruleRoles returns the care roles that have a rule, and their
// placeholders.
func ruleRoles(rules []Rule) (string, []any) {
	var roles []any
	for _, r := range rules {
		if !slices.Contains(roles, any(r.CareRole)) {
			roles = append(roles, r.CareRole)
		}
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(roles)), ", "), roles
}

// RefreshDue recomputes the earliest due visits of the children named,
// under the rules as stored, in tx: the hook app registers with packages
// children and care for the changes they make to what a schedule reads,
// and what Record calls. The rules are read after the lock is taken (see
// RecomputeDue).
func RefreshDue(ctx context.Context, tx *storage.Tx, childIDs ...string) error {
	ids, err := lockDue(ctx, tx, childIDs)
	if err != nil || len(ids) == 0 {
		return err
	}
	rules, err := readRules(ctx, tx)
	if err != nil {
		return err
	}
	return recomputeDue(ctx, tx, rules, ids)
}

// RecomputeDue recomputes the earliest due visits of the children named
// under rules (all the rules stored, as tx reads them) from their
// records, in tx: it rewrites their visits_due rows and moves their
// counters (tally domain DueDomain) from the day and village they were
// counted at to the new ones. Archived and unknown children, and children
// owing no visit, end with no row and no count. Ids may repeat.
//
// On PostgreSQL (read committed) two transactions recomputing one child
// would both take it out of the counter they read and count it twice; so
// the recomputation first takes the earliest-due lock (one
// transaction-scoped advisory lock, whatever the number of children: a
// lock per child would fill the server's lock table in a large import)
// and reads the records after it, when the other transaction's writes
// have committed. Callers take it after their audit entries: every
// audited write takes the audit chain's lock first, so the two are always
// taken in the same order (and the audit lock already serialises those
// writers: this one costs nothing more). SQLite has one writer at a time.
func RecomputeDue(ctx context.Context, tx *storage.Tx, rules []Rule, childIDs ...string) error {
	ids, err := lockDue(ctx, tx, childIDs)
	if err != nil {
		return err
	}
	return recomputeDue(ctx, tx, rules, ids)
}

// dueLock is the earliest-due advisory-lock key.
var dueLock = func() int64 {
	h := fnv.New64a()
	h.Write([]byte("followup:visits_due"))
	return int64(h.Sum64() >> 1)
}()

// lockDue takes the earliest-due lock (when there is a child to
// recompute) and returns the ids sorted without repeats.
func lockDue(ctx context.Context, tx *storage.Tx, childIDs []string) ([]string, error) {
	ids := slices.Clone(childIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return ids, nil
	}
	return ids, errs.Wrap(tx.Serialize(ctx, dueLock), "followup: lock due")
}

func recomputeDue(ctx context.Context, tx *storage.Tx, rules []Rule, ids []string) error {
	d := tally.NewDelta()
	for len(ids) > 0 {
		n := min(len(ids), dueChunk)
		if err := recomputeChunk(ctx, tx, rules, ids[:n], d); err != nil {
			return errs.Wrap(err, "followup: recompute due")
		}
		ids = ids[n:]
	}
	return errs.Wrap(tally.Apply(ctx, tx, d), "followup: recompute due")
}

func recomputeChunk(ctx context.Context, tx *storage.Tx, rules []Rule, ids []string, d *tally.Delta) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	old := earliest{}
	rows, err := tx.QueryContext(ctx, `SELECT child_id, village_code, due_on FROM visits_due WHERE child_id IN (`+marks+`)`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var r dueRow
		if err := rows.Scan(&id, &r.village, storage.Date{T: &r.on}); err != nil {
			rows.Close()
			return err
		}
		old[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := earliest{}
	if len(rules) > 0 {
		roleMarks, roles := ruleRoles(rules)
		rows, err := tx.QueryContext(ctx, `SELECT `+obligationCols+` FROM care_members m JOIN children c ON c.id = m.child_id
			WHERE m.child_id IN (`+marks+`) AND m.to_on IS NULL AND c.archived_at IS NULL AND m.role IN (`+roleMarks+`)`, append(args, roles...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			o, err := scanObligation(rows)
			if err != nil {
				rows.Close()
				return err
			}
			now.add(rules, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, id := range ids {
		was, had := old[id]
		is, has := now[id]
		if had == has && was == is {
			continue
		}
		if had {
			d.Add(was.village, -1, DueKey(dateText(was.on)))
		}
		if has {
			d.Add(is.village, 1, DueKey(dateText(is.on)))
			_, err = tx.ExecContext(ctx, `INSERT INTO visits_due (child_id, village_code, due_on) VALUES (?, ?, ?)
				ON CONFLICT (child_id) DO UPDATE SET village_code = excluded.village_code, due_on = excluded.due_on`, id, is.village, storage.DateArg(is.on))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM visits_due WHERE child_id = ?`, id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DueRebuilder is the earliest-due counters' tally.Rebuilder. Its recount
// also rewrites the table visits_due from the records (the counters'
// per-child record: see RecomputeDue), reading the obligations in pages
// in child order.
func DueRebuilder() tally.Rebuilder {
	return tally.Rebuilder{Domain: DueDomain, Version: dueVersion, Count: rebuildDue}
}

// RebuildDue recomputes every child's earliest due visit and the
// counters, in tx: after a rule changes, and after records were loaded
// around the stores (a benchmark's or a load script's seed).
func RebuildDue(ctx context.Context, tx *storage.Tx) error {
	// The lock before the counters are deleted: a recomputation holding
	// it would otherwise wait on the deleted counters while the rebuild
	// waited on it.
	if err := lockRebuild(ctx, tx); err != nil {
		return err
	}
	return tally.Rebuild(ctx, tx, DueRebuilder())
}

// lockRebuild takes the earliest-due lock (held to the end of tx; taking
// it again is free).
func lockRebuild(ctx context.Context, tx *storage.Tx) error {
	return errs.Wrap(tx.Serialize(ctx, dueLock), "followup: lock due")
}

// rebuildPage is how many obligations rebuildDue reads at a time.
const rebuildPage = 10_000

func rebuildDue(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
	if err := lockRebuild(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM visits_due`); err != nil {
		return err
	}
	rules, err := readRules(ctx, tx)
	if err != nil || len(rules) == 0 {
		return err
	}
	roleMarks, roles := ruleRoles(rules)
	// Pages of obligations in child order, each after the last child the
	// page before finished: a page cut inside a child's obligations leaves
	// that child to the next page. The rows are drained before the
	// page's visits_due rows are written on the same transaction.
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, `SELECT `+obligationCols+` FROM care_members m JOIN children c ON c.id = m.child_id
			WHERE m.child_id > ? AND m.to_on IS NULL AND c.archived_at IS NULL AND m.role IN (`+roleMarks+`) ORDER BY m.child_id LIMIT ?`,
			append(append([]any{after}, roles...), rebuildPage)...)
		if err != nil {
			return err
		}
		var page []obligation
		for rows.Next() {
			o, err := scanObligation(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		full := len(page) == rebuildPage
		if full {
			// Leave the last child, perhaps cut, to the next page (a
			// child has at most one current holder per team role).
			last := page[len(page)-1].c.ID
			for len(page) > 0 && page[len(page)-1].c.ID == last {
				page = page[:len(page)-1]
			}
		}
		if len(page) == 0 {
			return nil
		}
		e := earliest{}
		for _, o := range page {
			e.add(rules, o)
		}
		in := storage.NewInserter(tx, "visits_due", []string{"child_id", "village_code", "due_on"}, "")
		for id, r := range e {
			d.Add(r.village, 1, DueKey(dateText(r.on)))
			if err := in.Add(ctx, id, r.village, storage.DateArg(r.on)); err != nil {
				return err
			}
		}
		if err := in.Flush(ctx); err != nil {
			return err
		}
		if !full {
			return nil
		}
		after = page[len(page)-1].c.ID
	}
}

// OverdueCounts returns how many active children of a region node ("" for
// all of China) are overdue for a scheduled visit as of today — their
// earliest due visit falls before today — and how many are due soon: due
// today or within DueSoonDays after it, as the task lists count a visit
// due soon. today is a calendar day (the day in China of a time is taken,
// as person.Today gives it). Two ranges of the node's counters.
func OverdueCounts(ctx context.Context, q storage.Querier, node string, today time.Time) (overdue, dueSoon int, err error) {
	lo, mid, hi := DueBounds(today)
	if overdue, err = tally.Sum(ctx, q, node, lo, mid); err != nil {
		return 0, 0, err
	}
	dueSoon, err = tally.Sum(ctx, q, node, mid, hi)
	return overdue, dueSoon, err
}

// OverdueChildren returns OverdueCounts for every child node of node, as
// child node code → {overdue, due soon}; child nodes with neither are
// absent. Two ranges of the index tallies_parent.
func OverdueChildren(ctx context.Context, q storage.Querier, node string, today time.Time) (map[string][2]int, error) {
	lo, mid, hi := DueBounds(today)
	over, err := tally.ChildSums(ctx, q, node, lo, mid)
	if err != nil {
		return nil, err
	}
	soon, err := tally.ChildSums(ctx, q, node, mid, hi)
	if err != nil {
		return nil, err
	}
	out := map[string][2]int{}
	for c, n := range over {
		if n != 0 {
			out[c] = [2]int{n, 0}
		}
	}
	for c, n := range soon {
		if n != 0 {
			out[c] = [2]int{out[c][0], n}
		}
	}
	return out, nil
}

// DueBounds returns the key bounds of today's ranges: overdue keys are in
// [lo, mid), due-soon keys in [mid, hi).
func DueBounds(today time.Time) (lo, mid, hi string) {
	day := person.Today(today)
	return DuePrefix, DueKey(dateText(day)), DueKey(dateText(day.AddDate(0, 0, DueSoonDays+1)))
}
