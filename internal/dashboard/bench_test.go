package dashboard_test

import (
	"context"
	"os"
	"testing"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/dashboard"
	"guanai/internal/regions"
)

// BenchmarkRegion times a region node's dashboard at each level, read
// from the counters and, beside it in the same run, recounted by GROUP BY
// over the records (dashboard.Recount). By default it runs on the demo data;
// GUANAI_BENCH_DB names a prepared large database instead (the one
// cmd/guanai-load seeds: 1,000,000 children, teams, a year of follow-ups),
// with GUANAI_BENCH_KEY_FILE its key file:
//
//	GUANAI_BENCH_DB=/tmp/guanai-load.db GUANAI_BENCH_KEY_FILE=/tmp/guanai-load.key \
//	  go test ./internal/dashboard -run '^$' -bench Region -benchtime 20x
func BenchmarkRegion(b *testing.B) {
	ctx := context.Background()
	var a *app.App
	if url := os.Getenv("GUANAI_BENCH_DB"); url != "" {
		cfg := app.Default()
		cfg.DatabaseURL, cfg.KeyFile, cfg.Regions = url, os.Getenv("GUANAI_BENCH_KEY_FILE"), "base"
		var err error
		if a, err = app.Open(ctx, cfg, nil); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { a.Close() })
	} else {
		a = demoAppB(b)
	}
	// The deepest chain of nodes that holds a child, province to village.
	var village string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT MIN(village_code) FROM children WHERE village_code >= '53'`).Scan(&village); err != nil {
		b.Fatal(err)
	}
	chain := []string{village}
	for c := regions.ParentOf(village); c != regions.Root; c = regions.ParentOf(c) {
		chain = append([]string{c}, chain...)
	}
	v := access.System()
	naive := dashboard.Recount(a.Dashboard)
	for _, code := range chain {
		for _, m := range []struct {
			name string
			s    *dashboard.Service
		}{{"counters", a.Dashboard}, {"groupby", naive}} {
			b.Run(regions.LevelOf(code).Name()+"/"+m.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := m.s.Region(ctx, v, code); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
