// Command guanai-load is a bounded loopback load generator for guanai's
// children list page (issue 4).
//
// It prepares a database holding N synthetic children (once: a database
// that already holds them is reused), starts guanai's real HTTP server on
// 127.0.0.1 — by default the built `guanai serve` binary in its own
// process, so that the peak resident memory reported is the server's
// alone — logs in C virtual users, each with its own cookie jar and
// session, and drives these scenarios one after another, each preceded by
// a short warm-up:
//
//	healthz   GET /healthz, the baseline: the same server, client and
//	          connections, doing almost nothing
//	first     GET /children as a county officer (昌宁县): the first page
//	          (the default order: by place, then name)
//	pages     GET /children?page=N, N random over the county's pages
//	search    GET /children?q=XY, two characters of names in the county
//	api       GET /api/v1/children?limit=50 as the county officer
//	byname    GET /children?sort=name as the county officer: the county's
//	          children sorted by name, across its villages
//	dashprov  GET /dashboard as a provincial leader: the province's
//	          dashboard (issue 6)
//	dashboard GET /dashboard?region=X as a provincial leader, X random
//	          among the province, its prefectures and counties and a
//	          sample of townships and villages
//	province  GET /children as a provincial leader (云南省, every child)
//
// With --rounds R the sequence runs R times and each figure is the median
// over the rounds; the province scenario runs once, after the rounds,
// since the memory its sorts over every child take stays with the server.
//
// For each it reports requests, errors (anything but 200), requests per
// second, p50/p90/p99/max latency (client-side, until the body is read)
// and the ratio of its p50 to the baseline's p50 in the same run, the
// server process's processor time per request and its resident memory
// (largest sample, and VmHWM); the figures come out as a Markdown table.
//
// The server gets the database, the key file and GUANAI_REGIONS=base, and
// no login rate limit (GUANAI_LOGIN_PER_MINUTE): every virtual user comes
// from 127.0.0.1. With --server exec (the default) the binary is built
// with `go build` into a temporary folder unless --bin names one.
//
// Everything is bounded: the server listens on 127.0.0.1 only, a
// PostgreSQL database must be on the loopback too, each scenario runs at
// most 120 s and at most --max-requests requests, every request has a
// timeout, and the whole run a deadline.
//
// Usage:
//
//	go run ./cmd/guanai-load [flags]
//	go run ./cmd/guanai-load --db 'postgres://root@127.0.0.1:5432/guanai_load?sslmode=disable'
//
// The children are seeded through guanai's own census import (every row
// validated, with its history) from a file written by package censusgen,
// then ANALYZE (SQLite) or VACUUM (ANALYZE) (PostgreSQL, as autovacuum
// would) readies the planner.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"guanai/internal/storage"
)

// Hard limits, whatever the flags say.
const (
	maxDuration    = 120 * time.Second
	maxWarmup      = 15 * time.Second
	maxUsers       = 500
	maxRounds      = 5
	maxRequestsCap = 5_000_000
	maxChildren    = 2_000_000 // the census import's own row limit
	requestTimeout = 30 * time.Second
)

// scenarioNames are the scenarios --scenarios may name, in running order.
var scenarioNames = []string{"healthz", "first", "pages", "search", "api", "byname", "dashprov", "dashboard", "province"}

// config is what the flags say.
type config struct {
	DB          string
	KeyFile     string
	Children    int
	Users       int
	Duration    time.Duration
	Warmup      time.Duration
	MaxRequests int
	Rounds      int
	Scenarios   []string
	Server      string // "exec" or "inproc"
	Bin         string
	CPUProfile  string
	MemProfile  string
	SeedTimeout time.Duration
	// SeedCare seeds teams, pairings and a year of follow-ups into a
	// database without follow-ups (seedCare).
	SeedCare bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		err = run(ctx, cfg, os.Stdout, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "guanai-load:", err)
		os.Exit(1)
	}
}

// parseFlags reads and checks the flags, clamping them to the hard limits.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("guanai-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var scen string
	fs.StringVar(&c.DB, "db", filepath.Join(os.TempDir(), "guanai-load.db"), "database: SQLite file or postgres:// URL on the loopback")
	fs.StringVar(&c.KeyFile, "key-file", "", "encryption key file (default: beside the SQLite file, or in the temporary folder named after the PostgreSQL database)")
	fs.IntVar(&c.Children, "children", 1_000_000, "children to seed into an empty database")
	fs.IntVar(&c.Users, "users", 50, "concurrent virtual users (each logged in with its own session)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "measured time per scenario (at most 120s)")
	fs.DurationVar(&c.Warmup, "warmup", 3*time.Second, "warm-up before each scenario, not measured (at most 15s)")
	fs.IntVar(&c.MaxRequests, "max-requests", 1_000_000, "most requests per scenario")
	fs.IntVar(&c.Rounds, "rounds", 1, "times to run the whole sequence; the table gives each figure's median over the rounds (at most 5)")
	fs.StringVar(&scen, "scenarios", strings.Join(scenarioNames, ","), "scenarios to run, of "+strings.Join(scenarioNames, ",")+" (healthz always runs)")
	fs.StringVar(&c.Server, "server", "exec", "exec: run the built guanai binary (server RSS alone); inproc: the same handler in this process (for --cpuprofile)")
	fs.StringVar(&c.Bin, "bin", "", "guanai binary for --server exec (default: go build ./cmd/guanai into a temporary folder)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of each scenario's measured run in the first round, named FILE with the scenario for %s or before the extension (--server inproc: server and client together)")
	fs.StringVar(&c.MemProfile, "memprofile", "", "write a heap profile after the last scenario (--server inproc)")
	fs.DurationVar(&c.SeedTimeout, "seed-timeout", 60*time.Minute, "most time for preparing the database")
	fs.BoolVar(&c.SeedCare, "seed-care", true, "seed care teams, pairings and a year of monthly follow-ups when the database has no follow-up")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := checkLoopbackDB(c.DB); err != nil {
		return c, err
	}
	switch {
	case c.Children < 1 || c.Children > maxChildren:
		return c, fmt.Errorf("--children must be 1–%d", maxChildren)
	case c.Users < 1 || c.Users > maxUsers:
		return c, fmt.Errorf("--users must be 1–%d", maxUsers)
	case c.Duration <= 0 || c.Warmup < 0 || c.MaxRequests < 1 || c.Rounds < 1:
		return c, errors.New("--duration, --max-requests and --rounds must be positive, --warmup not negative")
	case c.Server != "exec" && c.Server != "inproc":
		return c, errors.New("--server must be exec or inproc")
	case (c.CPUProfile != "" || c.MemProfile != "") && c.Server != "inproc":
		return c, errors.New("--cpuprofile and --memprofile profile the server only with --server inproc")
	}
	c.Duration = min(c.Duration, maxDuration)
	c.Warmup = min(c.Warmup, maxWarmup)
	c.MaxRequests = min(c.MaxRequests, maxRequestsCap)
	c.Rounds = min(c.Rounds, maxRounds)
	c.SeedTimeout = min(max(c.SeedTimeout, time.Minute), 3*time.Hour)
	c.Scenarios = []string{"healthz"}
	for s := range strings.SplitSeq(scen, ",") {
		s = strings.TrimSpace(s)
		if s == "" || s == "healthz" {
			continue
		}
		if !slices.Contains(scenarioNames, s) {
			return c, fmt.Errorf("unknown scenario %q (know %s)", s, strings.Join(scenarioNames, ", "))
		}
		if !slices.Contains(c.Scenarios, s) {
			c.Scenarios = append(c.Scenarios, s)
		}
	}
	slices.SortFunc(c.Scenarios, func(a, b string) int { return slices.Index(scenarioNames, a) - slices.Index(scenarioNames, b) })
	if c.KeyFile == "" && storage.IsPostgresURL(c.DB) {
		u, _ := url.Parse(c.DB)
		c.KeyFile = filepath.Join(os.TempDir(), "guanai-load-"+strings.Trim(u.Path, "/")+".key")
	}
	return c, nil
}

// checkLoopbackDB refuses a PostgreSQL database that is not on this
// machine: the load generator touches nothing beyond the loopback.
func checkLoopbackDB(db string) error {
	if !storage.IsPostgresURL(db) {
		return nil
	}
	u, err := url.Parse(db)
	if err != nil {
		return fmt.Errorf("--db: %w", err)
	}
	host := u.Hostname()
	if host == "" || host == "localhost" || strings.HasPrefix(host, "/") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--db: %s is not a loopback host", host)
}
