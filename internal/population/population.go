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

	"guanai/internal/errs"
	"guanai/internal/population/figures"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// RecordType is how the audit log names a node's declared figures (the
// record id is the 12-digit region code).
const RecordType = "population"

// Bands lists the age bands figures are kept by, youngest first: the keys
// of Figures.Bands (needs.AgeBands).
var Bands = figures.Bands

// BandLabel returns an age band as the population table writes it:
// 0–5岁, 6–11岁, 12–14岁, 15–17岁.
func BandLabel(b string) string { return figures.BandLabel(b) }

// Figures are a node's population figures (package figures).
type Figures = figures.Figures

// Get returns the figures of a node (figures.Get).
func Get(ctx context.Context, q storage.Querier, node string) (Figures, error) {
	return figures.Get(ctx, q, node)
}

// Children returns the figures of a node's child nodes (figures.Children).
func Children(ctx context.Context, q storage.Querier, node string) (map[string]Figures, error) {
	return figures.Children(ctx, q, node)
}

const figureCols = figures.FigureCols

func scanInto(sc interface{ Scan(...any) error }, code *string, f *Figures) error {
	return figures.ScanInto(sc, code, f)
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
