package storage

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Column describes one column in engine-neutral terms.
type Column struct {
	Name    string
	Family  string // text, integer, blob
	NotNull bool
}

// Index describes one index.
type Index struct {
	Name    string
	Unique  bool
	Columns string // comma-separated
}

// Table is a table's columns (in order) and indexes (by name).
type Table struct {
	Columns []Column
	Indexes []Index
}

// family maps an engine's column type to text, integer or blob: SQLite
// stores dates and timestamps as TEXT and booleans as INTEGER, which
// PostgreSQL types as date, timestamptz and boolean.
func family(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int"), t == "boolean":
		return "integer"
	case t == "blob", t == "bytea":
		return "blob"
	case strings.Contains(t, "char"), t == "text", t == "date", strings.HasPrefix(t, "timestamp"):
		return "text"
	}
	return t
}

// Schema reads the database's tables, columns and indexes, for comparing
// the two engines' migrations.
func (db *DB) Schema(ctx context.Context) (map[string]Table, error) {
	out := map[string]Table{}
	q := db.write
	if db.dialect == SQLite {
		rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
		if err != nil {
			return nil, err
		}
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		for _, n := range names {
			var t Table
			cr, err := q.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, n)
			if err != nil {
				return nil, err
			}
			for cr.Next() {
				var c Column
				var typ string
				var nn, pk int
				if err := cr.Scan(&c.Name, &typ, &nn, &pk); err != nil {
					cr.Close()
					return nil, err
				}
				c.Family, c.NotNull = family(typ), nn == 1 || pk > 0
				t.Columns = append(t.Columns, c)
			}
			cr.Close()
			ir, err := q.QueryContext(ctx, `SELECT il.name, il."unique", (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))
				FROM pragma_index_list(?) il WHERE il.origin = 'c' ORDER BY il.name`, n)
			if err != nil {
				return nil, err
			}
			for ir.Next() {
				var ix Index
				var u int
				if err := ir.Scan(&ix.Name, &u, &ix.Columns); err != nil {
					ir.Close()
					return nil, err
				}
				ix.Unique = u == 1
				t.Indexes = append(t.Indexes, ix)
			}
			ir.Close()
			out[n] = t
		}
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var tn, typ, nullable string
		var c Column
		if err := rows.Scan(&tn, &c.Name, &typ, &nullable); err != nil {
			rows.Close()
			return nil, err
		}
		c.Family, c.NotNull = family(typ), nullable == "NO"
		t := out[tn]
		t.Columns = append(t.Columns, c)
		out[tn] = t
	}
	rows.Close()
	ir, err := q.QueryContext(ctx, `SELECT t.relname, i.relname, ix.indisunique,
		(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
		 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
		FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema() AND NOT ix.indisprimary ORDER BY t.relname, i.relname`)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	for ir.Next() {
		var tn string
		var ix Index
		if err := ir.Scan(&tn, &ix.Name, &ix.Unique, &ix.Columns); err != nil {
			return nil, err
		}
		t := out[tn]
		t.Indexes = append(t.Indexes, ix)
		out[tn] = t
	}
	return out, ir.Err()
}

// Describe renders a schema as sorted text lines, for diffs in tests.
func Describe(s map[string]Table) []string {
	var lines []string
	for tn, t := range s {
		for i, c := range t.Columns {
			lines = append(lines, fmt.Sprintf("%s #%02d %s %s notnull=%v", tn, i, c.Name, c.Family, c.NotNull))
		}
		for _, ix := range t.Indexes {
			lines = append(lines, fmt.Sprintf("%s index %s unique=%v (%s)", tn, ix.Name, ix.Unique, ix.Columns))
		}
	}
	sort.Strings(lines)
	return lines
}
