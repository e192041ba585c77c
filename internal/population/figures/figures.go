// Package figures reads the region population table (package
// population keeps it): a node's figures in one indexed lookup, its child
// nodes' in one indexed range. It stands apart from package population,
// whose import reads spreadsheets through package census, so that the
// dashboards can read the figures without depending on the importer.
package figures

import (
	"context"
	"time"

	"guanai/internal/errs"
	"guanai/internal/needs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

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

// FigureCols are the columns Get and Children read, after region_code.
const FigureCols = `band, children, year, declared, complete, contributing, child_nodes, updated_by, updated_at`

// ScanInto adds one band row to f.
func ScanInto(sc interface{ Scan(...any) error }, code *string, f *Figures) error {
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
	rows, err := q.QueryContext(ctx, `SELECT region_code, `+FigureCols+` FROM population WHERE region_code = ?`, code)
	if err != nil {
		return Figures{}, errs.Wrap(err, "population: get")
	}
	defer rows.Close()
	var f Figures
	for rows.Next() {
		var c string
		if err := ScanInto(rows, &c, &f); err != nil {
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
	rows, err := q.QueryContext(ctx, `SELECT region_code, `+FigureCols+` FROM population WHERE parent_code = ? ORDER BY region_code, band`, code)
	if err != nil {
		return nil, errs.Wrap(err, "population: children")
	}
	defer rows.Close()
	out := map[string]Figures{}
	for rows.Next() {
		var c string
		var f Figures
		if err := ScanInto(rows, &c, &f); err != nil {
			return nil, errs.Wrap(err, "population: children")
		}
		if prev, ok := out[c]; ok {
			f = Merge(prev, f)
		}
		out[c] = f
	}
	return out, errs.Wrap(rows.Err(), "population: children")
}

// Merge adds the one band of b to a.
func Merge(a, b Figures) Figures {
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
