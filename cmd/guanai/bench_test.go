package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// benchRows is how many rows BenchmarkImportCensus generates
// (GUANAI_BENCH_ROWS, default 1,000,000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("GUANAI_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// timed runs a command and returns its wall time and peak resident memory.
func timed(b *testing.B, env []string, name string, args ...string) (time.Duration, int64, string) {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	if err != nil && !strings.Contains(string(out), "行有误") {
		b.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return d, rss, string(out)
}

// BenchmarkImportCensus generates a census CSV of GUANAI_BENCH_ROWS
// children (template columns, valid ID numbers for real Yunnan village
// codes, 0.1 % duplicate ID numbers, 0.5 % bad rows) and, in the same run,
// times on the engine the environment selects:
//
//   - the engine's own bulk loader reading the file into a plain table
//     (sqlite3 .import; psql \copy);
//   - `guanai import children FILE --dry-run` of that file (every row
//     checked, the errors reported);
//   - `guanai import children` of the same generator's clean file (no bad
//     or duplicate rows) into an empty census: every row validated and
//     written with its history, all in one transaction;
//
// and reports the ratio of the import to the loader and the importer's
// peak resident memory. Run with -benchtime 1x (see BENCHMARKS.md).
func BenchmarkImportCensus(b *testing.B) {
	n := benchRows()
	ctx := context.Background()
	bin := buildBinaryB(b)
	dir := b.TempDir()
	db := testdb.Open(b)
	key, _ := vault.GenerateKey()
	if _, err := app.OpenDB(ctx, app.Config{Regions: "base", Key: vault.EncodeKey(key)}, db, nil); err != nil {
		b.Fatal(err)
	}
	places, err := censusgen.Villages(ctx, db, "53")
	if err != nil {
		b.Fatal(err)
	}
	dirty, clean := filepath.Join(dir, "dirty.csv"), filepath.Join(dir, "clean.csv")
	for _, f := range []struct {
		path     string
		bad, dup float64
	}{{dirty, 0.005, 0.001}, {clean, 0, 0}} {
		w, _ := os.Create(f.path)
		st, err := censusgen.Children(w, places, censusgen.Spec{Rows: n, Seed: 2026, BadRate: f.bad, DupRate: f.dup, Today: person.Today(time.Now())})
		w.Close()
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := os.Stat(f.path)
		b.Logf("%s: %d rows (%d bad, %d duplicate ID numbers), %.1f MB over %d villages", filepath.Base(f.path), st.Rows, st.Bad, st.Dup, float64(fi.Size())/1e6, len(places))
	}
	env := append(os.Environ(), "GUANAI_KEY="+vault.EncodeKey(key), "GUANAI_REGIONS=base")
	cols := make([]string, len(censusgen.Header))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i)
	}
	var loader time.Duration
	var loaderName string
	for range b.N {
		switch db.Dialect() {
		case storage.SQLite:
			if _, err := exec.LookPath("sqlite3"); err != nil {
				b.Skip("sqlite3 not installed (apt-get install sqlite3)")
			}
			plain := filepath.Join(dir, "plain.db")
			script := "CREATE TABLE plain (" + strings.Join(cols, ", ") + ");\n.mode csv\n.import --skip 1 " + dirty + " plain\n"
			os.WriteFile(filepath.Join(dir, "load.sql"), []byte(script), 0o600)
			loader, _, _ = timed(b, env, "sh", "-c", "sqlite3 "+plain+" < "+filepath.Join(dir, "load.sql"))
			loaderName = "sqlite3 .import"
		case storage.Postgres:
			if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE plain (`+strings.Join(cols, ", ")+`)`); err != nil {
				b.Fatal(err)
			}
			loader, _, _ = timed(b, env, "psql", db.URL(), "-qc", `\copy plain FROM '`+dirty+`' CSV HEADER`)
			loaderName = `psql \copy`
		}
		dry, dryRSS, out := timed(b, env, bin, "import", "children", dirty, "--dry-run", "--db", db.URL())
		b.Logf("dry run: %s", lastLine(out))
		commit, commitRSS, out := timed(b, env, bin, "import", "children", clean, "--db", db.URL())
		b.Logf("commit: %s", lastLine(out))
		b.Logf("%s: loader (%s, plain table) %.1fs; guanai dry run %.1fs (%.2f×, peak RSS %d MB); guanai import %.1fs (%.2f×, peak RSS %d MB)",
			db.Dialect(), loaderName, loader.Seconds(), dry.Seconds(), dry.Seconds()/loader.Seconds(), dryRSS>>20,
			commit.Seconds(), commit.Seconds()/loader.Seconds(), commitRSS>>20)
		// A second reference: the engine itself loading the rows guanai
		// wrote (encrypted, hashed, classified, with their history) into
		// the same tables and indexes of another empty census — the
		// physical work of the import without the checking.
		same := sameTables(b, env, bin, db, dir)
		b.Logf("%s: the engine's own load of the same rows into the real tables %.1fs; guanai import ÷ that %.2f×", db.Dialect(), same.Seconds(), commit.Seconds()/same.Seconds())
		b.ReportMetric(same.Seconds(), "realtables-loader-s")
		b.ReportMetric(loader.Seconds(), "loader-s")
		b.ReportMetric(dry.Seconds(), "dryrun-s")
		b.ReportMetric(commit.Seconds(), "import-s")
		b.ReportMetric(commit.Seconds()/loader.Seconds(), "import/loader")
		b.ReportMetric(float64(max(dryRSS, commitRSS)>>20), "peak-RSS-MB")
	}
}

// sameTables times the engine loading the children and history rows of
// db into the same tables of a fresh, empty census, in one transaction:
// INSERT … SELECT from the attached file on SQLite (the sqlite3 shell),
// \copy out and in on PostgreSQL.
func sameTables(b *testing.B, env []string, bin string, db *storage.DB, dir string) time.Duration {
	b.Helper()
	fresh := testdb.Open(b)
	switch db.Dialect() {
	case storage.SQLite:
		src := strings.TrimPrefix(db.URL(), "file:")
		script := "PRAGMA foreign_keys = ON;\nATTACH '" + src + "' AS src;\nBEGIN;\nINSERT INTO children SELECT * FROM src.children;\n" +
			"INSERT INTO child_category_history SELECT * FROM src.child_category_history;\nCOMMIT;\n"
		os.WriteFile(filepath.Join(dir, "same.sql"), []byte(script), 0o600)
		fresh.Close()
		d, _, _ := timed(b, env, "sh", "-c", "sqlite3 "+strings.TrimPrefix(fresh.URL(), "file:")+" < "+filepath.Join(dir, "same.sql"))
		return d
	default:
		ch, hist := filepath.Join(dir, "children.copy"), filepath.Join(dir, "history.copy")
		timed(b, env, "psql", db.URL(), "-qc", `\copy children TO '`+ch+`'`)
		timed(b, env, "psql", db.URL(), "-qc", `\copy child_category_history TO '`+hist+`'`)
		d, _, _ := timed(b, env, "psql", fresh.URL(), "-q1", "-c", `\copy children FROM '`+ch+`'`, "-c", `\copy child_category_history FROM '`+hist+`'`)
		return d
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "已导入") || strings.HasPrefix(l, "共") {
			return l
		}
	}
	return lines[len(lines)-1]
}

func buildBinaryB(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "guanai")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
