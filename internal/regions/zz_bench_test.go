package regions_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"bufio"

	"guanai/internal/storage"
	"guanai/internal/testdb"
)

func TestZZBench(t *testing.T) {
	db := testdb.Open(t)
	f, _ := os.Open("/tmp/regions_full.tsv")
	var rows [][4]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		l, _ := strconv.Atoi(p[2])
		var par any = p[3]
		if p[3] == `\N` { par = nil }
		rows = append(rows, [4]any{p[0], p[1], l, par})
	}
	clear := func() {
		db.Write(ctx, func(tx *storage.Tx) error { _, err := tx.ExecContext(ctx, `DELETE FROM regions`); return err })
	}
	for _, bs := range []int{100, 200, 500, 1000, 2000, 5000} {
		clear()
		start := time.Now()
		err := db.Write(ctx, func(tx *storage.Tx) error {
			for i := 0; i < len(rows); i += bs {
				j := min(i+bs, len(rows))
				var b strings.Builder
				b.WriteString("INSERT INTO regions (code, name, level, parent_code) VALUES ")
				args := make([]any, 0, 4*(j-i))
				for k := i; k < j; k++ {
					if k > i { b.WriteString(", ") }
					b.WriteString("(?, ?, ?, ?)")
					args = append(args, rows[k][:]...)
				}
				b.WriteString(" ON CONFLICT (code) DO NOTHING")
				if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil { return err }
			}
			return nil
		})
		fmt.Println(db.Dialect(), "batch", bs, time.Since(start), err)
	}
	if db.Dialect() == storage.Postgres {
		for _, bs := range []int{10000, 50000, 700000} {
		clear()
		start := time.Now()
		err := db.Write(ctx, func(tx *storage.Tx) error {
			for i := 0; i < len(rows); i += bs {
				j := min(i+bs, len(rows))
				var c, n, p []string
				var l []int32
				for k := i; k < j; k++ {
					c = append(c, rows[k][0].(string)); n = append(n, rows[k][1].(string)); l = append(l, int32(rows[k][2].(int)))
					s, _ := rows[k][3].(string); p = append(p, s)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level, parent_code) SELECT c, n, l, NULLIF(p, '') FROM unnest(?::text[], ?::text[], ?::int[], ?::text[]) AS u(c, n, l, p) ON CONFLICT (code) DO NOTHING`, c, n, l, p); err != nil { return err }
			}
			return nil
		})
		fmt.Println(db.Dialect(), "unnest", bs, time.Since(start), err)
		}
	}
}
