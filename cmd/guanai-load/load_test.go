package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"guanai/internal/app"
	"guanai/internal/apptest"
)

// TestRunSmall runs the whole load generator on a small SQLite database
// in-process: seeding, logins, every scenario, the report.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a database")
	}
	dir := t.TempDir()
	c, err := parseFlags([]string{"--db", filepath.Join(dir, "load.db"), "--children", "3000", "--users", "3",
		"--duration", "300ms", "--warmup", "100ms", "--server", "inproc", "--rounds", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	if err := run(ctx, c, &out, &log); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	report := out.String()
	for _, want := range []string{"SQLite, 3,000 children, 3 users", "| GET /healthz (baseline) |", "| GET /children, county officer, page 1 |",
		"GET /children?q=XY", "| GET /api/v1/children?limit=50, county officer |", "| GET /children, provincial leader, page 1 |", "median of 2 rounds"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	for _, line := range strings.Split(report, "\n") {
		if strings.HasPrefix(line, "| GET") && !strings.Contains(line, " | 0 | ") {
			t.Errorf("errors in %s\n%s", line, log.String())
		}
	}
	// A second run reuses the database.
	log.Reset()
	c.Scenarios = []string{"healthz"}
	if err := run(ctx, c, io.Discard, &log); err != nil || !strings.Contains(log.String(), "reusing") {
		t.Fatalf("rerun: %v\n%s", err, log.String())
	}
	// The seeded database's counters (every domain's, the dashboards'
	// overdue visits among them) equal a recount.
	a, err := app.Open(ctx, appConfig(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	apptest.CheckTallies(t, a)
}

func TestFlagsBounded(t *testing.T) {
	c, err := parseFlags([]string{"--duration", "10m", "--warmup", "1m", "--rounds", "9", "--max-requests", "999999999", "--scenarios", "api,first"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Duration != maxDuration || c.Warmup != maxWarmup || c.Rounds != maxRounds || c.MaxRequests != maxRequestsCap {
		t.Errorf("not clamped: %+v", c)
	}
	if strings.Join(c.Scenarios, ",") != "healthz,first,api" {
		t.Errorf("scenarios %v", c.Scenarios)
	}
	for _, args := range [][]string{
		{"--db", "postgres://root@db.example.org:5432/x"},
		{"--db", "postgres://root@10.0.0.1/x"},
		{"--users", "0"},
		{"--scenarios", "everything"},
		{"--server", "inproc", "--children", "3000000"},
		{"--cpuprofile", "x.prof"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	for _, db := range []string{"postgres://root@127.0.0.1:5432/x", "postgres://root@localhost/x", "postgres://root@[::1]/x", "/tmp/x.db"} {
		if _, err := parseFlags([]string{"--db", db}, io.Discard); err != nil {
			t.Errorf("%s refused: %v", db, err)
		}
	}
}

func TestQuantile(t *testing.T) {
	var lat []uint32
	for i := 1; i <= 100; i++ {
		lat = append(lat, uint32(i*1000))
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.9: 90 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := quantile(lat, q); got != want {
			t.Errorf("quantile %v = %v, want %v", q, got, want)
		}
	}
	if quantile(nil, 0.5) != 0 || quantile([]uint32{7000}, 0.99) != 7*time.Millisecond {
		t.Error("quantile of small samples")
	}
	if thousands(1234567) != "1,234,567" || thousands(999) != "999" {
		t.Error("thousands")
	}
}
