package dashboard_test

import (
	"context"
	"io"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/dashboard"
	"guanai/internal/demo"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// demoApp is an app holding the demonstration data, its clock fixed.
func demoApp(t *testing.T) *app.App { return demoAppB(t) }

// demoAppB is demoApp for tests and benchmarks.
func demoAppB(t testing.TB) *app.App {
	t.Helper()
	clock := &apptest.Clock{T: time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	if _, err := demo.Load(context.Background(), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDemoDashboards(t *testing.T) {
	a := demoApp(t)
	t.Run("exact", func(t *testing.T) { testExact(t, a) })
	t.Run("scope", func(t *testing.T) { testScope(t, a) })
	t.Run("school", func(t *testing.T) { testSchool(t, a) })
	t.Run("incidence", func(t *testing.T) { testIncidence(t, a) })
}

func testExact(t *testing.T, a *app.App) {
	if n := apptest.CheckDashboards(t, a); n < 6 {
		t.Fatalf("only %d nodes compared", n)
	}
	d, err := a.Dashboard.Region(context.Background(), access.System(), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Sections[0].Total.Values["left_behind"] == 0 || len(d.Sections[0].Rows) == 0 {
		t.Fatalf("empty demo dashboard: %+v", d.Sections[0])
	}
	// The demo's teams owe visits, some made: every figure has something
	// to compare.
	for _, s := range d.Sections {
		for _, k := range map[string][]string{"followups": {"fu90", "scheduled"}, "coverage": {"team", "pairing"}, "needs": {"open"}, "trend": {"followups"}}[s.ID] {
			if s.Total.Values[k] == 0 {
				t.Errorf("demo dashboard: %s.%s is 0", s.ID, k)
			}
		}
	}
}

func testScope(t *testing.T, a *app.App) {
	ctx := context.Background()
	var county string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT MIN(village_code) FROM children`).Scan(&county); err != nil {
		t.Fatal(err)
	}
	county = county[:6] + "000000"
	v := access.Viewer{UserID: "x", Region: county}
	d, err := a.Dashboard.Region(ctx, v, "")
	if err != nil || d.Node.Code != county {
		t.Fatalf("own county: %v %+v", err, d.Node)
	}
	for _, n := range d.Path {
		if n.Code != county && !v.InRegion(n.Code) {
			t.Errorf("breadcrumb leaves the scope: %+v", n)
		}
	}
	for _, other := range []string{regions.ParentOf(county), "530000000000", "110101000000"} {
		if other == county {
			continue
		}
		if _, err := a.Dashboard.Region(ctx, v, other); !errs.Is(err, errs.NotFound) {
			t.Errorf("%s: %v, want not found", other, err)
		}
	}
	for _, bad := range []string{"x", "12345", "'; DROP TABLE children; --"} {
		if _, err := a.Dashboard.Region(ctx, v, bad); !errs.Is(err, errs.NotFound) {
			t.Errorf("%q: %v, want not found", bad, err)
		}
	}
	if _, err := a.Dashboard.Region(ctx, access.Viewer{Nobody: true}, ""); !errs.Is(err, errs.NotFound) {
		t.Errorf("nobody: %v", err)
	}
	if _, err := a.Dashboard.Region(ctx, access.Viewer{PairedWith: "m"}, ""); !errs.Is(err, errs.NotFound) {
		t.Errorf("mentor: %v", err)
	}
}

func testSchool(t *testing.T, a *app.App) {
	ctx := context.Background()
	var school, region string
	var pupils, lb int
	err := a.DB.Reader().QueryRowContext(ctx, `SELECT c.school_id, s.region_code, COUNT(*), SUM(CASE WHEN c.left_behind THEN 1 ELSE 0 END)
		FROM children c JOIN schools s ON s.id = c.school_id
		WHERE c.archived_at IS NULL GROUP BY c.school_id, s.region_code ORDER BY COUNT(*) DESC, c.school_id LIMIT 1`).Scan(&school, &region, &pupils, &lb)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Dashboard.School(ctx, access.System(), school)
	if err != nil {
		t.Fatal(err)
	}
	if d.Node.Kind != dashboard.KindSchool || d.Node.Code != school {
		t.Fatalf("node %+v", d.Node)
	}
	ov := d.Sections[0]
	if got := ov.Total.Values["active"]; int(got) != pupils {
		t.Errorf("pupils %v, want %d", got, pupils)
	}
	if got := ov.Total.Values["left_behind"]; int(got) != lb {
		t.Errorf("left behind %v, want %d", got, lb)
	}
	var sum float64
	for _, r := range ov.Rows {
		if r.Node.Kind != dashboard.KindClass {
			t.Errorf("row %+v", r.Node)
		}
		sum += r.Values["active"]
	}
	var unclassed int
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM children WHERE school_id = ? AND class_id IS NULL AND archived_at IS NULL`, school).Scan(&unclassed); err != nil {
		t.Fatal(err)
	}
	if int(sum)+unclassed != pupils {
		t.Errorf("classes hold %v pupils and %d have no class, of %d", sum, unclassed, pupils)
	}
	for _, s := range d.Sections {
		if s.ID == "services" {
			t.Error("a school has no volunteer-hours section")
		}
	}
	// A teacher of one class sees that class only.
	var class string
	var inClass int
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT class_id, COUNT(*) FROM children WHERE school_id = ? AND class_id IS NOT NULL AND archived_at IS NULL
		GROUP BY class_id ORDER BY class_id LIMIT 1`, school).Scan(&class, &inClass); err != nil {
		t.Fatal(err)
	}
	tv := access.Viewer{UserID: "t", Region: region, SchoolID: school, ClassID: class}
	td, err := a.Dashboard.Region(ctx, tv, "")
	if err != nil {
		t.Fatal(err)
	}
	if td.Node.Code != school || int(td.Sections[0].Total.Values["active"]) != inClass || len(td.Sections[0].Rows) != 1 {
		t.Errorf("teacher's view: %+v %v rows %d, want %d pupils", td.Node, td.Sections[0].Total.Values, len(td.Sections[0].Rows), inClass)
	}
	// Another school's staff cannot open it.
	other := access.Viewer{UserID: "o", Region: region, SchoolID: "00000000-0000-0000-0000-000000000000"}
	if _, err := a.Dashboard.School(ctx, other, school); !errs.Is(err, errs.NotFound) {
		t.Errorf("other school's staff: %v", err)
	}
	if _, err := a.Dashboard.School(ctx, access.System(), "not-a-uuid"); !errs.Is(err, errs.NotFound) {
		t.Errorf("bad id: %v", err)
	}
}

// testIncidence checks the incidence rate against the population figures
// the demo declares for townships: complete for a county, partial (no
// rate) above it.
func testIncidence(t *testing.T, a *app.App) {
	ctx := context.Background()
	var village string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT MIN(village_code) FROM children`).Scan(&village); err != nil {
		t.Fatal(err)
	}
	county := village[:6] + "000000"
	d, err := a.Dashboard.Region(ctx, access.System(), county)
	if err != nil {
		t.Fatal(err)
	}
	var age dashboard.Section
	for _, s := range d.Sections {
		if s.ID == "age" {
			age = s
		}
	}
	v := age.Total.Values
	var lb, pop float64
	for _, b := range []string{"0-5", "6-11", "12-14", "15+"} {
		lb += v["lb_"+b]
		pop += v["pop_"+b]
	}
	if pop == 0 || lb == 0 {
		t.Fatalf("county %s: no population or children: %v", county, v)
	}
	if want := float64(int(lb/pop*1000+0.5)) / 10; v["rate"] != want || v["pop_cover"] != 100 {
		t.Errorf("county rate %v (cover %v), want %v", v["rate"], v["pop_cover"], want)
	}
	p, err := a.Dashboard.Region(ctx, access.System(), county[:2]+"0000000000")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Sections {
		if s.ID != "age" {
			continue
		}
		if _, ok := s.Total.Values["rate"]; ok || s.Total.Values["pop_cover"] >= 100 {
			t.Errorf("province with partial population figures shows a rate: %v", s.Total.Values)
		}
	}
}
