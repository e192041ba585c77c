package api_test

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/dashboard"
)

// driveDashboardRoutes is the part of TestResponsesMatchSchema for the
// dashboard: the caller's own, a node below, a school, the workbook, and
// their errors (another county, a mentor, both parameters at once).
func driveDashboardRoutes(t *testing.T, e *env) {
	const S, SC = asSystem, asScoped
	school := id(t, e.expect(201, S, "POST", "/api/v1/schools", map[string]any{"name": "看板完小", "kind": "primary", "region_code": datianba}))
	e.expect(201, S, "POST", "/api/v1/children", with(childInput(wencang, 71, "孙看板"), "school_id", school, "grade", 3))

	// The caller's own: the top of 昌宁县, its townships below.
	var d struct {
		dashboard.Dashboard
		Rankings []dashboard.Ranking `json:"rankings"`
	}
	e.expect(200, SC, "GET", "/api/v1/dashboard", nil).Decode(t, &d)
	if d.Node.Code != changning || d.Node.Kind != dashboard.KindRegion || len(d.Sections) == 0 || d.Today == "" {
		t.Fatalf("own dashboard: %+v", d.Node)
	}
	for _, n := range d.Path {
		if n.Drill && !strings.HasPrefix(n.Code, "530524") {
			t.Errorf("path opens %s (%s), above the caller's county", n.Name, n.Code)
		}
	}
	townships := 0
	for _, s := range d.Sections {
		for _, r := range s.Rows {
			if r.Node.Kind == dashboard.KindRegion {
				townships++
				if !strings.HasPrefix(r.Node.Code, "530524") {
					t.Errorf("section %s: row %s outside 昌宁县", s.ID, r.Node.Code)
				}
			}
		}
	}
	if townships == 0 {
		t.Error("no township rows under 昌宁县")
	}
	if !slices.EqualFunc(d.Rankings, dashboard.Rankings(d.Dashboard), func(a, b dashboard.Ranking) bool {
		return a.Section == b.Section && a.Metric.Key == b.Metric.Key && len(a.Items) == len(b.Items)
	}) {
		t.Errorf("rankings are not the dashboard's: %+v", d.Rankings)
	}

	// A node below, the whole country, a school.
	e.expect(200, SC, "GET", "/api/v1/dashboard?region="+datianba, nil).Decode(t, &d)
	if d.Node.Code != datianba || len(d.Path) == 0 || d.Path[len(d.Path)-1].Code != changning {
		t.Errorf("大田坝镇: %+v path %+v", d.Node, d.Path)
	}
	e.expect(200, SC, "GET", "/api/v1/dashboard?region="+wencang, nil)
	e.expect(200, S, "GET", "/api/v1/dashboard", nil)
	e.expect(200, S, "GET", "/api/v1/dashboard?region=53", nil)
	e.expect(200, SC, "GET", "/api/v1/dashboard?school="+school, nil).Decode(t, &d)
	if d.Node.Kind != dashboard.KindSchool || d.Node.Code != school || d.Node.Name != "看板完小" {
		t.Errorf("school: %+v", d.Node)
	}

	// Out of scope, unknown, not for mentors (the administrative roles:
	// see the matrix test, which logs real ones in), and one
	// node at a time.
	e.expect(404, SC, "GET", "/api/v1/dashboard?region=530102000000", nil)
	e.expect(404, SC, "GET", "/api/v1/dashboard?region=5301", nil)
	e.expect(404, SC, "GET", "/api/v1/dashboard?school="+unknownID, nil)
	e.expect(404, asMentor, "GET", "/api/v1/dashboard", nil)
	f := e.expect(400, SC, "GET", "/api/v1/dashboard?region="+datianba+"&school="+school, nil).Err(t).Error.Fields
	if f["school"] == "" {
		t.Errorf("both parameters: fields %v", f)
	}

	// The workbook: the same figures as the JSON.
	q := url.Values{"region": {datianba}}
	e.expect(200, SC, "GET", "/api/v1/dashboard?"+q.Encode(), nil).Decode(t, &d)
	r := e.expect(200, SC, "GET", "/api/v1/dashboard/export?"+q.Encode(), nil)
	if ct := r.Header.Get("Content-Type"); ct != dashboard.XLSXType {
		t.Errorf("export type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != "attachment; filename*=UTF-8''"+url.PathEscape(dashboard.FileName(d.Dashboard)) ||
		!strings.Contains(dashboard.FileName(d.Dashboard), "数据看板_大田坝镇_") {
		t.Errorf("export name %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	defer x.Close()
	if got, want := x.GetSheetList(), dashboard.SheetNames(d.Dashboard); !slices.Equal(got, want) {
		t.Errorf("export sheets %q, want %q", got, want)
	}
	if v, _ := x.GetCellValue(dashboard.SheetNames(d.Dashboard)[0], "B2"); v != d.Node.Name {
		t.Errorf("export cover names %q", v)
	}
	e.expect(200, SC, "GET", "/api/v1/dashboard/export", nil)
	e.expect(200, SC, "GET", "/api/v1/dashboard/export?school="+school, nil)
	e.expect(404, SC, "GET", "/api/v1/dashboard/export?region=530102000000", nil)
	e.expect(400, SC, "GET", "/api/v1/dashboard/export?region=5305&school="+school, nil)
}
