// Package testdb gives every storage test in guanai a fresh, migrated
// database with the base region tree (regions.Base) loaded, on the engine
// the environment selects:
//
//	GUANAI_TEST_DATABASE_URL=""                                                  → SQLite (default)
//	GUANAI_TEST_DATABASE_URL="postgres://root@127.0.0.1:5432/test?sslmode=disable" → PostgreSQL
//
// A test package wires it up once,
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }
//
// and each test calls Open. The first Open of a process builds a template
// (a migrated, loaded SQLite file, or a PostgreSQL database named
// guanai_tmpl_<pid>_<random>); every Open then copies it, which takes
// milliseconds, so tests never share state and may run in parallel. On
// PostgreSQL the copies are databases named guanai_t_<pid>_<n>, made with
// CREATE DATABASE … TEMPLATE on the server and database the URL names; the
// URL's role must be allowed to create databases.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guanai/internal/regions"
	"guanai/internal/storage"
)

// EnvURL is the environment variable that selects the test database.
const EnvURL = "GUANAI_TEST_DATABASE_URL"

// URL returns the PostgreSQL URL the environment selects, or "" for SQLite.
func URL() string { return os.Getenv(EnvURL) }

// Engine returns the engine the environment selects.
func Engine() storage.Dialect {
	if storage.IsPostgresURL(URL()) {
		return storage.Postgres
	}
	return storage.SQLite
}

// setupTimeout bounds building the template.
const setupTimeout = 5 * time.Minute

var (
	once     sync.Once
	setupErr error

	// SQLite: the directory and file of the template.
	tmplDir, tmplFile string

	// PostgreSQL: a connection to the URL's own database, the template's
	// name, and the databases this process made and has not dropped yet.
	admin    *sql.DB
	tmplName string
	seq      atomic.Int64
	mu       sync.Mutex
	live     = map[string]bool{}
)

// Run runs the tests of m, then removes the template and any database this
// process made that is still there, and returns the exit code for os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	cleanup()
	return code
}

// Open returns a fresh database, migrated and with regions.Base loaded,
// on the engine Engine reports. It is closed and removed when the test
// ends. Open fails the test if the database cannot be made.
func Open(t testing.TB) *storage.DB {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("testdb: %v", setupErr)
	}
	ctx := context.Background()
	if Engine() == storage.SQLite {
		path := filepath.Join(t.TempDir(), "guanai.db")
		if err := copyFile(tmplFile, path); err != nil {
			t.Fatalf("testdb: copy template: %v", err)
		}
		db, err := storage.Open(ctx, path)
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	name := fmt.Sprintf("guanai_t_%d_%d", os.Getpid(), seq.Add(1))
	mu.Lock()
	live[name] = true
	mu.Unlock()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmplName); err != nil {
		t.Fatalf("testdb: create %s: %v", name, err)
	}
	db, err := storage.Open(ctx, dbURL(name))
	if err != nil {
		drop(name)
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := drop(name); err != nil {
			t.Errorf("testdb: drop %s: %v", name, err)
		}
	})
	return db
}

// setup builds the template once per process.
func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	switch {
	case URL() == "":
		setupErr = setupSQLite(ctx)
	case storage.IsPostgresURL(URL()):
		setupErr = setupPostgres(ctx)
	default:
		setupErr = fmt.Errorf("%s=%q: want empty (SQLite) or a postgres:// URL", EnvURL, URL())
	}
}

func setupSQLite(ctx context.Context) (err error) {
	tmplDir, err = os.MkdirTemp("", "guanai-testdb-")
	if err != nil {
		return err
	}
	tmplFile = filepath.Join(tmplDir, "template.db")
	db, err := storage.Open(ctx, tmplFile)
	if err != nil {
		return err
	}
	if err := prepare(ctx, db); err != nil {
		db.Close()
		return err
	}
	// Fold the WAL into the file so that copying the file copies it all.
	if _, err := db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.Close()
		return fmt.Errorf("checkpoint template: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	if st, err := os.Stat(tmplFile + "-wal"); err == nil && st.Size() > 0 {
		return fmt.Errorf("template %s still has a write-ahead log", tmplFile)
	}
	return nil
}

func setupPostgres(ctx context.Context) error {
	var err error
	admin, err = sql.Open("pgx", URL())
	if err != nil {
		return err
	}
	admin.SetMaxOpenConns(4)
	if err := admin.PingContext(ctx); err != nil {
		return fmt.Errorf("connect %s: %w", URL(), err)
	}
	dropStale(ctx)
	var b [4]byte
	rand.Read(b[:])
	name := fmt.Sprintf("guanai_tmpl_%d_%s", os.Getpid(), hex.EncodeToString(b[:]))
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	tmplName = name // from here on cleanup drops it
	db, err := storage.Open(ctx, dbURL(name))
	if err != nil {
		return err
	}
	if err := prepare(ctx, db); err != nil {
		db.Close()
		return err
	}
	// CREATE DATABASE … TEMPLATE needs the template to have no sessions.
	return db.Close()
}

// prepare migrates db and loads the base region tree.
func prepare(ctx context.Context, db *storage.DB) error {
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if _, err := regions.Load(ctx, db, regions.Base); err != nil {
		return fmt.Errorf("load regions: %w", err)
	}
	return nil
}

// staleName matches the databases testdb makes and captures the pid.
var staleName = regexp.MustCompile(`^guanai_(?:tmpl|t)_([0-9]+)_[0-9a-f]+$`)

// dropStale drops the template and test databases of processes that are no
// longer running (killed before Run could clean up). Failures are ignored:
// another process may be dropping the same database.
func dropStale(ctx context.Context) {
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'guanai\_tmpl\_%' OR datname LIKE 'guanai\_t\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		m := staleName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + m[1]); err == nil || pid <= 0 {
			continue
		}
		stale = append(stale, name)
	}
	rows.Close()
	for _, name := range stale {
		admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}
}

// dbURL returns URL() with its database replaced by name.
func dbURL(name string) string {
	u, err := url.Parse(URL())
	if err != nil {
		// setup has connected with this URL, so it parses.
		panic(err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// drop removes a test database this process made.
func drop(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	if err == nil {
		mu.Lock()
		delete(live, name)
		mu.Unlock()
	}
	return err
}

// cleanup removes what this process made.
func cleanup() {
	if tmplDir != "" {
		os.RemoveAll(tmplDir)
	}
	if admin == nil {
		return
	}
	mu.Lock()
	var names []string
	for name := range live {
		names = append(names, name)
	}
	mu.Unlock()
	for _, name := range names {
		drop(name)
	}
	if tmplName != "" {
		drop(tmplName)
	}
	admin.Close()
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
