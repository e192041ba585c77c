package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/demo"
	"guanai/internal/elders"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

var ctx = context.Background()

// newApp opens an app on a fresh test database; a non-zero now fixes the
// clock.
func newApp(t *testing.T, now time.Time) *app.App {
	t.Helper()
	db := testdb.Open(t)
	if !now.IsZero() {
		db.Now = func() time.Time { return now }
	}
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenDB(ctx, app.Config{Regions: "base", Key: vault.EncodeKey(key)}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustLoad(t *testing.T, a *app.App) demo.Summary {
	t.Helper()
	var out bytes.Buffer
	start := time.Now()
	sum, err := demo.Load(ctx, a, &out)
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, out.String())
	}
	t.Logf("Load on %s: %.2fs, %+v\n%s", testdb.Engine(), time.Since(start).Seconds(), sum, out.String())
	return sum
}

func count(t *testing.T, a *app.App, f children.Filter) int {
	t.Helper()
	f.Status = "all"
	n, err := a.Children.Count(ctx, access.System(), f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func totals(t *testing.T, a *app.App) [3]int {
	t.Helper()
	sys := access.System()
	e, err := a.Elders.List(ctx, sys, elders.Filter{Status: "all", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Schools.List(ctx, sys, schools.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return [3]int{count(t, a, children.Filter{}), e.Total, s.Total}
}

func between(t *testing.T, what string, got, lo, hi int) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %d, want %d–%d", what, got, lo, hi)
	}
}

func TestLoad(t *testing.T) {
	a := newApp(t, time.Time{})
	sum := mustLoad(t, a)
	if sum.Skipped {
		t.Fatal("first load skipped")
	}
	between(t, "schools", sum.Schools, 42, 46)
	between(t, "classes", sum.Classes, 250, 400)
	between(t, "children", sum.Children, 2900, 3500)
	between(t, "elders", sum.Elders, 340, 460)
	if share := float64(sum.LeftBehind) / float64(sum.Children); share < 0.30 || share > 0.50 {
		t.Errorf("left-behind share %.3f (%d of %d), want 0.30–0.50", share, sum.LeftBehind, sum.Children)
	}

	// The database holds what the summary says.
	got := totals(t, a)
	if got != [3]int{sum.Children, sum.Elders, sum.Schools} {
		t.Errorf("stored children, elders, schools = %v; summary %+v", got, sum)
	}
	if n := count(t, a, children.Filter{Category: children.CategoryLeftBehind}); n != sum.LeftBehind {
		t.Errorf("stored left-behind %d, summary %d", n, sum.LeftBehind)
	}
	for _, c := range []string{children.CategoryDifficulty, children.CategoryMigrant} {
		between(t, c, count(t, a, children.Filter{Category: c}), sum.Children/50, sum.Children/5)
	}

	// The pilot town: about 700 children, in every one of its villages, and
	// its schools with their pupils.
	between(t, "pilot town children", count(t, a, children.Filter{Region: demo.PilotTown}), 600, 800)
	villages, err := a.Regions.Children(ctx, demo.PilotTown)
	if err != nil || len(villages) == 0 {
		t.Fatalf("villages: %v %v", villages, err)
	}
	for _, v := range villages {
		if n := count(t, a, children.Filter{Region: v.Code}); n < 20 {
			t.Errorf("%s %s has %d children", v.Code, v.Name, n)
		}
	}
	ss, err := a.Schools.List(ctx, access.System(), schools.Filter{Region: demo.PilotTown, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, s := range ss.Schools {
		kinds[s.Kind] = true
		if n := count(t, a, children.Filter{SchoolID: s.ID}); n == 0 {
			t.Errorf("school %s has no pupils", s.Name)
		}
	}
	if !kinds["primary"] || !kinds["junior"] || !kinds["teaching_point"] {
		t.Errorf("pilot town schools %+v", ss.Schools)
	}

	// Children in at least 8 other prefectures.
	prefs := 0
	for _, p := range demo.Prefectures {
		if count(t, a, children.Filter{Region: p}) > 0 {
			prefs++
		}
	}
	if prefs < 8 {
		t.Errorf("children in %d prefectures besides 保山", prefs)
	}

	// A full record reads back whole and valid.
	p, err := a.Children.List(ctx, access.System(), children.Filter{Region: "530524107202", Category: children.CategoryLeftBehind, Limit: 1})
	if err != nil || len(p.Children) != 1 {
		t.Fatalf("list 文沧: %v %+v", err, p)
	}
	c, err := a.Children.GetRevealed(ctx, access.System(), p.Children[0].ID)
	if err != nil || len(c.IDNumber) != 18 || !strings.HasPrefix(c.IDNumber, "530524") || c.Guardian.Name == "" {
		t.Errorf("child %+v: %v", c, err)
	}

	// A second load is skipped and changes nothing.
	var out bytes.Buffer
	again, err := demo.Load(ctx, a, &out)
	if err != nil || !again.Skipped || again.Children != 0 {
		t.Fatalf("second load: %+v %v", again, err)
	}
	if after := totals(t, a); after != got {
		t.Errorf("after a second load: %v, before %v", after, got)
	}
	if !strings.Contains(out.String(), "跳过") {
		t.Errorf("second load said %q", out.String())
	}
}

// A load interrupted before its last transaction (the elders and the
// marker) finishes when run again, without registering anyone twice.
func TestLoadResumes(t *testing.T) {
	a := newApp(t, time.Time{})
	want := mustLoad(t, a)
	before := totals(t, a)
	err := a.DB.Write(ctx, func(tx *storage.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM elders`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, demo.LoadedKey)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, a)
	if got.Skipped || got != want {
		t.Errorf("resumed load %+v, first %+v", got, want)
	}
	if after := totals(t, a); after != before {
		t.Errorf("after resuming: %v, before %v", after, before)
	}
	if again, err := demo.Load(ctx, a, nil); err != nil || !again.Skipped {
		t.Errorf("third load: %+v %v", again, err)
	}
}

// Two fresh databases loaded on the same day hold the same people.
func TestLoadIsDeterministic(t *testing.T) {
	now := time.Date(2025, 6, 15, 2, 30, 0, 0, time.UTC)
	var sets [2][]string
	for i := range sets {
		a := newApp(t, now)
		mustLoad(t, a)
		sets[i] = people(t, a)
	}
	if len(sets[0]) == 0 || !slices.Equal(sets[0], sets[1]) {
		for i := range min(len(sets[0]), len(sets[1])) {
			if sets[0][i] != sets[1][i] {
				t.Fatalf("loads differ (%d vs %d people); first difference %q vs %q", len(sets[0]), len(sets[1]), sets[0][i], sets[1][i])
			}
		}
		t.Fatalf("loads differ: %d vs %d people", len(sets[0]), len(sets[1]))
	}
}

// people returns the sorted multiset of (name, village, birth date,
// left-behind) of the children and (name, village, birth date) of the
// elders.
func people(t *testing.T, a *app.App) []string {
	t.Helper()
	var out []string
	for off := 0; ; off += 500 {
		p, err := a.Children.List(ctx, access.System(), children.Filter{Status: "all", Limit: 500, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Children {
			out = append(out, fmt.Sprintf("child %s %s %s %v", c.Name, c.VillageCode, c.BirthDate.Format(time.DateOnly), c.LeftBehind))
		}
		if len(p.Children) < 500 {
			break
		}
	}
	for off := 0; ; off += 500 {
		p, err := a.Elders.List(ctx, access.System(), elders.Filter{Status: "all", Limit: 500, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Elders {
			out = append(out, fmt.Sprintf("elder %s %s %s", e.Name, e.VillageCode, e.BirthDate.Format(time.DateOnly)))
		}
		if len(p.Elders) < 500 {
			break
		}
	}
	out = append(out, careDigest(t, a)...)
	slices.Sort(out)
	return out
}

// careDigest describes the care network of the pilot town by names: the
// positions, the teams, the pairings and the gap counts.
func careDigest(t *testing.T, a *app.App) []string {
	t.Helper()
	sys := access.System()
	var out []string
	ps, err := a.Care.Positions(ctx, sys, care.PositionFilter{Region: "5305"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		out = append(out, fmt.Sprintf("position %s %s %s %s", p.Kind, p.SubjectName, p.Name, p.Title))
	}
	g, err := a.Care.Gaps(ctx, sys, demo.PilotTown)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, fmt.Sprintf("gaps %d %v", g.Region.Children, g.Region.Gaps))
	pairs, err := a.Care.Pairings(ctx, sys, care.PairingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		out = append(out, fmt.Sprintf("pairing %s %s %s", p.ChildName, p.MentorName, p.Kind))
	}
	page, err := a.Care.GapChildren(ctx, sys, demo.PilotTown, "any", 500, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		out = append(out, fmt.Sprintf("gap child %s %s %v", c.Name, c.VillageCode, c.Missing))
	}
	return out
}

// The pilot town's care network shows people and gaps.
func TestLoadCare(t *testing.T) {
	a := newApp(t, time.Time{})
	sum := mustLoad(t, a)
	c := sum.Care
	if c.Leaders < 6 || c.Proxies == 0 || c.Positions == 0 || c.FullTeams < 50 || c.Pairings != 12 || c.Mentors != 4 {
		t.Errorf("care summary %+v", c)
	}
	g, err := a.Care.Gaps(ctx, access.System(), demo.PilotTown)
	if err != nil {
		t.Fatal(err)
	}
	r := g.Region
	if r.Children == 0 || r.Gaps[care.GapTeam] == 0 || r.Gaps[care.GapTeam] == r.Children || r.Gaps[care.GapPairing] != r.Children-12 ||
		r.Gaps[care.GapVillageProxy] == 0 || r.Gaps[care.GapVillageProxy] == r.Children {
		t.Errorf("pilot town gaps: %+v", r)
	}
}
