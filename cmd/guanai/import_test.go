package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"guanai/internal/app"
	"guanai/internal/census/censusgen"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

// buildBinary builds guanai into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "guanai")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The import process is killed with SIGKILL halfway through writing a
// file; the database then holds none of its rows and is consistent, and
// importing the file again completes.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 60,000 rows")
	}
	bin := buildBinary(t)
	ctx := context.Background()
	db := testdb.Open(t)
	key, _ := vault.GenerateKey()
	a, err := app.OpenDB(ctx, app.Config{Regions: "base", Key: vault.EncodeKey(key)}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	places, err := censusgen.Villages(ctx, db, "530524")
	if err != nil || len(places) == 0 {
		t.Fatalf("villages: %d, %v", len(places), err)
	}
	const rows = 60_000
	file := filepath.Join(t.TempDir(), "普查.csv")
	f, _ := os.Create(file)
	if _, err := censusgen.Children(f, places, censusgen.Spec{Rows: rows, Seed: 7, Today: person.Today(time.Now())}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	env := append(os.Environ(), "GUANAI_KEY="+vault.EncodeKey(key), "GUANAI_REGIONS=base")
	run := func(kill bool) string {
		cmd := exec.Command(bin, "import", "children", file, "--db", db.URL())
		cmd.Env = env
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		killed := false
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			if kill && !killed && strings.HasPrefix(line, "进度 50%") {
				// Halfway: chunks have been written into the open transaction.
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
		}
		err := cmd.Wait()
		if kill {
			if !killed {
				t.Fatalf("the import ended before it could be killed: %v\n%s", err, out.String())
			}
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("not killed by SIGKILL: %v", cmd.ProcessState)
			}
		} else if err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		return out.String()
	}
	run(true)

	var n int
	if db.Dialect() == storage.Postgres {
		// The server ends the killed session's transaction; wait for it.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var locks int
			db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
				WHERE c.relname IN ('children', 'child_category_history') AND l.pid <> pg_backend_pid()`).Scan(&locks)
			if locks == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, table := range []string{"children", "child_category_history"} {
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after the kill %s holds %d rows (%v)", table, n, err)
		}
	}
	checkConsistent(t, db)

	out := run(false)
	if !strings.Contains(out, "已导入60000行：新登记60000条") {
		t.Fatalf("second import: %s", out)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM children`).Scan(&n); err != nil || n != rows {
		t.Fatalf("after the second import: %d children (%v)", n, err)
	}
	checkConsistent(t, db)
	_ = a
}

// checkConsistent runs the engine's integrity check: PRAGMA
// integrity_check on SQLite; on PostgreSQL amcheck's B-tree checks of the
// census tables' indexes (when the extension can be had) and the
// relations between them.
func checkConsistent(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect() == storage.SQLite {
		var res string
		if err := db.SQL().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check: %q %v", res, err)
		}
		return
	}
	if _, err := db.SQL().ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS amcheck`); err != nil {
		t.Logf("amcheck not available (%v): checking relations only", err)
	} else {
		rows, err := db.SQL().QueryContext(ctx, `SELECT bt_index_check(i.indexrelid, true) FROM pg_index i
			WHERE i.indrelid IN ('children'::regclass, 'child_category_history'::regclass, 'audit_log'::regclass)`)
		if err != nil {
			t.Fatalf("amcheck: %v", err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("amcheck: %v", err)
		}
		rows.Close()
	}
	var orphans, bare int
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM child_category_history h LEFT JOIN children c ON c.id = h.child_id WHERE c.id IS NULL`).Scan(&orphans)
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM children c WHERE NOT EXISTS (SELECT 1 FROM child_category_history h WHERE h.child_id = c.id)`).Scan(&bare)
	if orphans != 0 || bare != 0 {
		t.Fatalf("%d history rows without a child, %d children without history", orphans, bare)
	}
}
