package storage

import (
	"context"
	"strings"
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
