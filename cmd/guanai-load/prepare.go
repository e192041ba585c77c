package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/census"
	"guanai/internal/census/censusgen"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// The accounts the virtual users log in as, and their password.
const (
	countyCode   = "530524000000" // 昌宁县
	provinceCode = "530000000000" // 云南省
	officerName  = "load.officer"
	leaderName   = "load.leader"
	loadPassword = "Load@Yunnan26"
)

// appConfig is the configuration both the preparation and an in-process
// server open the database with. Logins are not rate-limited per address
// here: every virtual user comes from 127.0.0.1.
func appConfig(c config) app.Config {
	ac := app.Default()
	ac.DatabaseURL = c.DB
	ac.KeyFile = c.KeyFile
	ac.Regions = "base"
	ac.Policy.LoginPerMinute = 1_000_000
	return ac
}

// dataset describes the prepared database.
type dataset struct {
	Engine   string
	Children int           // children in the database
	Seeded   time.Duration // time the seeding took; 0 when reused
	// Nodes are region nodes under the province for the dashboard
	// scenario: the province, every prefecture and county, and a sample
	// of townships and villages that hold children.
	Nodes []string
}

// prepare opens (creating if need be) the database, loads the base region
// tree into an empty one, seeds c.Children children when it holds none,
// and makes sure the two accounts exist. A database holding some children
// but fewer than asked for is refused rather than topped up.
func prepare(ctx context.Context, c config, log io.Writer) (dataset, error) {
	ctx, cancel := context.WithTimeout(ctx, c.SeedTimeout)
	defer cancel()
	a, err := app.Open(ctx, appConfig(c), log)
	if err != nil {
		return dataset{}, err
	}
	defer a.Close()
	ds := dataset{Engine: string(a.DB.Dialect())}
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM children`).Scan(&ds.Children); err != nil {
		return ds, err
	}
	switch {
	case ds.Children >= c.Children:
		fmt.Fprintf(log, "reusing %s: %d children already there\n", c.DB, ds.Children)
	case ds.Children > 0:
		return ds, fmt.Errorf("%s holds %d children, fewer than --children %d: use a fresh --db", c.DB, ds.Children, c.Children)
	default:
		start := time.Now()
		if err := seed(ctx, a, c.Children, log); err != nil {
			return ds, err
		}
		ds.Seeded = time.Since(start)
		ds.Children = c.Children
	}
	if err := ensureAccounts(ctx, a); err != nil {
		return ds, err
	}
	if c.SeedCare {
		if err := seedCare(ctx, a, log); err != nil {
			return ds, err
		}
	}
	ds.Nodes, err = sampleNodes(ctx, a)
	return ds, err
}

// seed writes n children spread over Yunnan's villages to a temporary
// census file with censusgen (valid rows only) and imports it through
// guanai's census import as the system, in one transaction, then gathers
// planner statistics (SQLite: ANALYZE; PostgreSQL: VACUUM (ANALYZE)).
func seed(ctx context.Context, a *app.App, n int, log io.Writer) error {
	start := time.Now()
	places, err := censusgen.Villages(ctx, a.DB, "53")
	if err != nil {
		return err
	}
	if len(places) == 0 {
		return fmt.Errorf("no Yunnan villages in the region tree")
	}
	f, err := os.CreateTemp("", "guanai-load-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	st, err := censusgen.Children(f, places, censusgen.Spec{Rows: n, Seed: 2026, Today: person.Today(a.DB.Now())})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("generate census file: %w", err)
	}
	fmt.Fprintf(log, "generated %d children over %d villages in %.1fs; importing…\n", st.Rows, len(places), time.Since(start).Seconds())
	last := time.Now()
	res, err := census.New(a).Import(ctx, access.System(), census.Children, f.Name(), census.Options{FileName: "guanai-load.csv",
		Progress: func(p census.Progress) {
			if time.Since(last) >= 15*time.Second {
				last = time.Now()
				fmt.Fprintf(log, "  checked %d rows (%.0f%%) in %.0fs\n", p.Rows, 100*max(0, p.Fraction()), p.Elapsed.Seconds())
			}
		}})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if !res.Committed || res.Created != n {
		var first []string
		for _, e := range res.Errors[:min(3, len(res.Errors))] {
			first = append(first, e.String())
		}
		return fmt.Errorf("import: %s %s", res.Message(), strings.Join(first, "; "))
	}
	// Planner statistics, and on PostgreSQL the visibility map that lets
	// the list's covering index answer without reading the table: what
	// autovacuum does to a freshly loaded table (the test server runs
	// with autovacuum off).
	maintain := "ANALYZE"
	if a.DB.Dialect() == storage.Postgres {
		maintain = "VACUUM (ANALYZE)"
	}
	fmt.Fprintf(log, "imported %d children in %.1fs (%s); %s…\n", res.Created, res.Seconds, res.Format, maintain)
	if _, err := a.DB.SQL().ExecContext(ctx, maintain); err != nil {
		return err
	}
	fmt.Fprintf(log, "seeded in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// ensureAccounts creates the county officer and the provincial leader
// unless they exist.
func ensureAccounts(ctx context.Context, a *app.App) error {
	for _, in := range []accounts.Input{
		{Username: officerName, Name: "压测县儿童督导员", RegionCode: countyCode, Roles: []string{accounts.RoleOfficer}},
		{Username: leaderName, Name: "压测省级负责人", RegionCode: provinceCode, Roles: []string{accounts.RoleLeader}},
	} {
		in.Active, in.Password = true, loadPassword
		_, err := a.Accounts.CreateWithPassword(ctx, in, false)
		if err != nil && errs.CodeOf(err) != errs.Conflict {
			return fmt.Errorf("account %s: %w", in.Username, err)
		}
	}
	return nil
}
