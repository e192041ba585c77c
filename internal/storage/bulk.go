package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Inserter batches rows into multi-row INSERT statements inside a write
// transaction — the portable bulk path both engines accept. Rows are sent
// when a batch is full and by Flush.
type Inserter struct {
	tx       *Tx
	head     string
	suffix   string
	ncol     int
	batch    int
	args     []any
	affected int64
	full     string
}

// NewInserter prepares batched inserts into table's cols; suffix is
// appended to each statement (e.g. "ON CONFLICT (code) DO NOTHING").
func NewInserter(tx *Tx, table string, cols []string, suffix string) *Inserter {
	// Stay well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
	batch := max(1, min(500, 30000/len(cols)))
	in := &Inserter{tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		suffix: suffix, ncol: len(cols), batch: batch, args: make([]any, 0, batch*len(cols))}
	in.full = in.statement(batch)
	return in
}

func (in *Inserter) statement(rows int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.ncol), ", ") + ")"
	var b strings.Builder
	b.Grow(len(in.head) + rows*(len(tuple)+2) + len(in.suffix) + 1)
	b.WriteString(in.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	if in.suffix != "" {
		b.WriteString(" ")
		b.WriteString(in.suffix)
	}
	return b.String()
}

// Add queues one row (its values in column order).
func (in *Inserter) Add(ctx context.Context, vals ...any) error {
	if len(vals) != in.ncol {
		panic("storage: Inserter.Add: wrong number of values")
	}
	in.args = append(in.args, vals...)
	if len(in.args) == in.batch*in.ncol {
		return in.Flush(ctx)
	}
	return nil
}

// Flush sends the queued rows.
func (in *Inserter) Flush(ctx context.Context) error {
	rows := len(in.args) / in.ncol
	if rows == 0 {
		return nil
	}
	q := in.full
	if rows != in.batch {
		q = in.statement(rows)
	}
	res, err := in.tx.ExecContext(ctx, q, in.args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil {
		in.affected += n
	}
	in.args = in.args[:0]
	return nil
}

// Affected returns how many rows the flushed statements inserted.
func (in *Inserter) Affected() int64 { return in.affected }

// Kind is the type of a column in a bulk load; values are given as Go
// values of the matching type (or nil for NULL):
//
//	KindText  string        KindInt  int, int64   KindBool  bool
//	KindDate  time.Time (the calendar date)       KindTime  time.Time (an instant)
//	KindBytes []byte
type Kind int

// The column kinds of a bulk load.
const (
	KindText Kind = iota
	KindInt
	KindBool
	KindDate
	KindTime
	KindBytes
)

// BulkColumn is a column of a bulk load.
type BulkColumn struct {
	Name string
	Kind Kind
}

// Bulk loads many rows into one table inside a write transaction by the
// engine's fastest path: COPY (pgx's CopyFrom on the transaction's own
// connection) on PostgreSQL, multi-row INSERTs through one prepared
// statement on SQLite. Rows are sent when a batch is full and by Flush;
// nothing is visible to others before the transaction commits, and
// nothing is left if it rolls back. A Bulk is not safe for concurrent use.
type Bulk struct {
	tx    *Tx
	table string
	cols  []BulkColumn
	names []string
	batch int
	rows  [][]any // PostgreSQL: the queued rows
	args  []any   // SQLite: the queued values, flattened
	stmt  *sql.Stmt
	full  string
	sent  int64
	after *Bulk
}

// After makes b send other's queued rows before its own, for rows that
// refer to other's (a foreign key checked when the statement ends).
func (b *Bulk) After(other *Bulk) { b.after = other }

// Bulk prepares a bulk load into table's columns cols.
func (tx *Tx) Bulk(table string, cols []BulkColumn) *Bulk {
	b := &Bulk{tx: tx, table: table, cols: cols}
	for _, c := range cols {
		b.names = append(b.names, c.Name)
	}
	if tx.d == Postgres {
		b.batch = 10000
	} else {
		// SQLite allows 32,766 parameters per statement.
		b.batch = max(1, min(1000, 32000/len(cols)))
		b.full = b.insert(b.batch)
	}
	return b
}

func (b *Bulk) insert(rows int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.cols)), ", ") + ")"
	var s strings.Builder
	s.Grow(32 + len(b.table) + rows*(len(tuple)+2))
	// OR ROLLBACK: a failed row ends the whole transaction (a bulk load
	// is all or nothing), so SQLite keeps no statement journal to undo
	// half a statement — with BulkMode's deferred foreign keys, none at
	// all.
	s.WriteString("INSERT OR ROLLBACK INTO " + b.table + " (" + strings.Join(b.names, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(tuple)
	}
	return s.String()
}

// Add queues one row, its values in column order and of the columns'
// kinds; a full batch is sent at once.
func (b *Bulk) Add(ctx context.Context, vals ...any) error {
	if len(vals) != len(b.cols) {
		return fmt.Errorf("storage: bulk %s: %d values for %d columns", b.table, len(vals), len(b.cols))
	}
	if b.tx.d == Postgres {
		row := make([]any, len(vals))
		copy(row, vals)
		b.rows = append(b.rows, row)
		if len(b.rows) >= b.batch {
			return b.Flush(ctx)
		}
		return nil
	}
	for i, v := range vals {
		if t, ok := v.(time.Time); ok {
			switch {
			case t.IsZero():
				v = nil
			case b.cols[i].Kind == KindDate:
				v = t.Format(DateLayout)
			default:
				v = t.UTC().Format(TimeLayout)
			}
		}
		b.args = append(b.args, v)
	}
	if len(b.args) >= b.batch*len(b.cols) {
		return b.Flush(ctx)
	}
	return nil
}

// Flush sends the queued rows.
func (b *Bulk) Flush(ctx context.Context) error {
	if b.after != nil {
		if err := b.after.Flush(ctx); err != nil {
			return err
		}
	}
	if b.tx.d == Postgres {
		return b.copy(ctx)
	}
	n := len(b.args) / len(b.cols)
	if n == 0 {
		return nil
	}
	var err error
	if n == b.batch {
		if b.stmt == nil {
			if b.stmt, err = b.tx.tx.PrepareContext(ctx, b.full); err != nil {
				return mapErr(err)
			}
		}
		_, err = b.stmt.ExecContext(ctx, b.args...)
	} else {
		_, err = b.tx.tx.ExecContext(ctx, b.insert(n), b.args...)
	}
	if err != nil {
		return mapErr(err)
	}
	b.sent += int64(n)
	b.args = b.args[:0]
	return nil
}

func (b *Bulk) copy(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	for _, row := range b.rows {
		for i, v := range row {
			if t, ok := v.(time.Time); ok && t.IsZero() {
				row[i] = nil
			}
		}
	}
	err := b.tx.raw.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("storage: bulk: driver connection is %T, not pgx", dc)
		}
		n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{b.table}, b.names, pgx.CopyFromRows(b.rows))
		b.sent += n
		return err
	})
	if err != nil {
		return mapErr(err)
	}
	b.rows = b.rows[:0]
	return nil
}

// Close flushes what is queued and releases the prepared statement.
func (b *Bulk) Close(ctx context.Context) error {
	err := b.Flush(ctx)
	if b.stmt != nil {
		if e := b.stmt.Close(); err == nil {
			err = e
		}
		b.stmt = nil
	}
	return err
}

// Sent returns how many rows have been sent to the database.
func (b *Bulk) Sent() int64 { return b.sent }

// Col returns a bulk column.
func Col(name string, kind Kind) BulkColumn { return BulkColumn{Name: name, Kind: kind} }

// BulkMode readies tx for a bulk load that reads back from the tables it
// grows (as an import does, matching rows by key chunk after chunk). On
// PostgreSQL it keeps the planner from reusing a generic plan made while
// the table was small — a sequential scan that each later chunk would run
// over ever more rows — by planning every statement for its own values
// (plan_cache_mode, for this transaction only). SQLite needs nothing.
func (tx *Tx) BulkMode(ctx context.Context) error {
	if tx.d != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`)
	return err
}
