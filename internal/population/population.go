// Package population keeps the region population table behind the
// left-behind incidence rate: per region node and age band, how many
// children live there (the statistics bureau's or the public-security
// household figures), imported from .xlsx or CSV files.
//
// A node's figures are either declared — imported for that node — or
// derived: the sum of its child nodes' figures (declared or derived). A
// declared figure wins over the sum. Every import recomputes the derived
// figures of all ancestors of the nodes it declares, in its own
// transaction, so that reading any node is one indexed lookup (Get) and
// reading a node's child nodes one indexed range (Children). A derived
// figure says how many child nodes contributed to it and how many the
// node has: where some are missing it is not Complete, and a dashboard
// dividing by it must say that the rate rests on partial population data.
//
// The age bands are those of package needs (needs.AgeBands): 0–5, 6–11,
// 12–14 and 15–17 years ("15+" in needs, which counts children only).
package population

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"guanai/internal/errs"
	"guanai/internal/needs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// RecordType is how the audit log names a node's declared figures (the
// record id is the 12-digit region code).
const RecordType = "population"

// Bands lists the age bands figures are kept by, youngest first: the keys
// of Figures.Bands (needs.AgeBands).
var Bands = needs.AgeBands

// BandLabel returns an age band as the population table writes it:
// 0–5岁, 6–11岁, 12–14岁, 15–17岁.
func BandLabel(b string) string {
	if b == needs.BandSenior {
		return "15–17岁"
	}
	return needs.BandLabel(b)
}

// Figures are a node's population figures.
type Figures struct {
	// Year is the year the figures are of; of a derived figure, the
	// latest year among the child nodes' figures summed.
	Year int `json:"year"`
	// Bands holds the number of children by age band (keys of Bands);
	// empty when the node has no figure.
	Bands map[string]int `json:"bands"`
	// Declared says the figures were imported for this node; otherwise
	// they are the sum of its child nodes' figures.
	Declared bool `json:"declared"`
	// Complete says the figures cover the whole node: declared, or summed
	// over every child node, each complete itself. A rate divided by
	// figures that are not complete rests on partial population data.
	Complete bool `json:"complete"`
	// Contributing is, for derived figures, how many child nodes have
	// figures that went into the sum; ChildNodes is how many child nodes
	// the node has. Both are 0 for declared figures.
	Contributing int `json:"contributing"`
	ChildNodes   int `json:"child_nodes"`
	// UpdatedBy and UpdatedAt say who last imported figures that changed
	// these (the importer, for derived figures too) and when.
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Known reports whether the node has figures at all.
func (f Figures) Known() bool { return len(f.Bands) > 0 }

// Total returns the number of children in all age bands.
func (f Figures) Total() int {
	n := 0
	for _, v := range f.Bands {
		n += v
	}
	return n
}

// figureCols are the columns Get and Children read, after region_code.
const figureCols = `band, children, year, declared, complete, contributing, child_nodes, updated_by, updated_at`

// scanInto adds one band row to f.
func scanInto(sc interface{ Scan(...any) error }, code *string, f *Figures) error {
	var band string
	var children int64
	var year, contributing, childNodes int
	var declared, complete bool
	var by string
	var at time.Time
	if err := sc.Scan(code, &band, &children, &year, &declared, &complete, &contributing, &childNodes, &by, storage.Time{T: &at}); err != nil {
		return err
	}
	first := f.Bands == nil
	if first {
		f.Bands = map[string]int{}
		*f = Figures{Bands: f.Bands, Year: year, Declared: declared, Complete: complete, Contributing: contributing, ChildNodes: childNodes, UpdatedBy: by, UpdatedAt: at}
	}
	f.Bands[band] = int(children)
	// Bands are written together; should they ever differ, the node's
	// figures are only as complete as their least complete band.
	f.Complete = f.Complete && complete
	f.Contributing = min(f.Contributing, contributing)
	f.Year = max(f.Year, year)
	if at.After(f.UpdatedAt) {
		f.UpdatedAt, f.UpdatedBy = at, by
	}
	return nil
}

// nodeCode reads a node argument: a short or 12-digit code, "" for all of
// China.
func nodeCode(node string) (string, error) {
	return regions.Normalize(node)
}

// Get returns the figures of a node (a short or 12-digit region code, ""
// for all of China) in one indexed lookup; Figures.Known is false when the
// node has none. It does not check the node exists, nor any scope: the
// caller reads only nodes its viewer may see.
func Get(ctx context.Context, q storage.Querier, node string) (Figures, error) {
	code, err := nodeCode(node)
	if err != nil {
		return Figures{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT region_code, `+figureCols+` FROM population WHERE region_code = ?`, code)
	if err != nil {
		return Figures{}, errs.Wrap(err, "population: get")
	}
	defer rows.Close()
	var f Figures
	for rows.Next() {
		var c string
		if err := scanInto(rows, &c, &f); err != nil {
			return Figures{}, errs.Wrap(err, "population: get")
		}
	}
	return f, errs.Wrap(rows.Err(), "population: get")
}

// Children returns the figures of a node's child nodes that have any, by
// child code, in one indexed range (the provinces for ""). The caller
// checks scope, as for Get.
func Children(ctx context.Context, q storage.Querier, node string) (map[string]Figures, error) {
	code, err := nodeCode(node)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT region_code, `+figureCols+` FROM population WHERE parent_code = ? ORDER BY region_code, band`, code)
	if err != nil {
		return nil, errs.Wrap(err, "population: children")
	}
	defer rows.Close()
	out := map[string]Figures{}
	for rows.Next() {
		var c string
		var f Figures
		if err := scanInto(rows, &c, &f); err != nil {
			return nil, errs.Wrap(err, "population: children")
		}
		if prev, ok := out[c]; ok {
			f = merge(prev, f)
		}
		out[c] = f
	}
	return out, errs.Wrap(rows.Err(), "population: children")
}

// merge adds the one band of b to a.
func merge(a, b Figures) Figures {
	for k, v := range b.Bands {
		a.Bands[k] = v
	}
	a.Complete = a.Complete && b.Complete
	a.Contributing = min(a.Contributing, b.Contributing)
	a.Year = max(a.Year, b.Year)
	if b.UpdatedAt.After(a.UpdatedAt) {
		a.UpdatedAt, a.UpdatedBy = b.UpdatedAt, b.UpdatedBy
	}
	return a
}

// parentOf returns the code of a node's parent as the population table
// stores it: the empty code (all of China) for a province, NULL for all
// of China itself.
func parentOf(code string) any {
	if code == regions.Root {
		return nil
	}
	return regions.ParentOf(code)
}

// declare writes a node's declared figures, replacing any figures it had.
func declare(ctx context.Context, tx *storage.Tx, code string, year int, bands map[string]int, by string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM population WHERE region_code = ?`, code); err != nil {
		return errs.Wrap(err, "population: declare")
	}
	for _, b := range Bands {
		if _, err := tx.ExecContext(ctx, `INSERT INTO population (region_code, parent_code, band, children, year, declared, complete, contributing, child_nodes, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)`, code, parentOf(code), b, bands[b], year, true, true, by, storage.TimeArg(tx.Now)); err != nil {
			return errs.Wrap(err, "population: declare")
		}
	}
	return nil
}

// ancestorsOf returns the ancestors of the given nodes (all of China
// included, the nodes themselves not unless one is an ancestor of
// another), deepest first: the order their sums must be recomputed in.
func ancestorsOf(codes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range codes {
		for a := c; a != regions.Root; {
			a = regions.ParentOf(a)
			if seen[a] {
				break
			}
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		li, lj := regions.LevelOf(out[i]), regions.LevelOf(out[j])
		if li != lj {
			return li > lj
		}
		return out[i] < out[j]
	})
	return out
}

// rederive recomputes the derived figures of the ancestors of the given
// nodes, deepest first, inside tx. A declared ancestor keeps its figures.
func rederive(ctx context.Context, tx *storage.Tx, codes []string, by string) error {
	for _, a := range ancestorsOf(codes) {
		if err := derive(ctx, tx, a, by); err != nil {
			return err
		}
	}
	return nil
}

// derive recomputes the figures of node a from its child nodes' unless
// they are declared.
func derive(ctx context.Context, tx *storage.Tx, a, by string) error {
	var declared bool
	err := tx.QueryRowContext(ctx, `SELECT declared FROM population WHERE region_code = ? LIMIT 1`, a).Scan(&declared)
	switch {
	case err == nil && declared:
		return nil
	case err != nil && !isNoRows(err):
		return errs.Wrap(err, "population: derive")
	}
	var childNodes int
	if a == regions.Root {
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE level = ?`, int(regions.Province)).Scan(&childNodes)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE parent_code = ?`, a).Scan(&childNodes)
	}
	if err != nil {
		return errs.Wrap(err, "population: derive")
	}
	rows, err := tx.QueryContext(ctx, `SELECT band, CAST(SUM(children) AS BIGINT), COUNT(*), MAX(year), SUM(CASE WHEN complete THEN 0 ELSE 1 END)
		FROM population WHERE parent_code = ? GROUP BY band ORDER BY band`, a)
	if err != nil {
		return errs.Wrap(err, "population: derive")
	}
	type sum struct {
		band                      string
		children                  int64
		contributing, year, short int
	}
	var sums []sum
	for rows.Next() {
		var s sum
		if err := rows.Scan(&s.band, &s.children, &s.contributing, &s.year, &s.short); err != nil {
			rows.Close()
			return errs.Wrap(err, "population: derive")
		}
		sums = append(sums, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "population: derive")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM population WHERE region_code = ?`, a); err != nil {
		return errs.Wrap(err, "population: derive")
	}
	for _, s := range sums {
		complete := s.contributing >= childNodes && s.short == 0
		if _, err := tx.ExecContext(ctx, `INSERT INTO population (region_code, parent_code, band, children, year, declared, complete, contributing, child_nodes, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a, parentOf(a), s.band, s.children, s.year, false, complete, s.contributing, childNodes, by, storage.TimeArg(tx.Now)); err != nil {
			return errs.Wrap(err, "population: derive")
		}
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
