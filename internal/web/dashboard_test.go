package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"guanai/internal/accounts"
	"guanai/internal/dashboard"
	"guanai/internal/schools"
)

// dashLeader logs in a leader of 昌宁县 and returns the client with the
// viewer the service sees.
func dashLeader(t *testing.T, c *census) (*client, accounts.User) {
	t.Helper()
	u := c.e.user("dash.leader", "昌宁县领导", changning, false, accounts.RoleLeader)
	return c.e.client().mustLogin(u.Username), u
}

// dashCrumbs returns the dashboard breadcrumb's items: the text, and the link ("" when
// the item is plain text).
func dashCrumbs(doc *html.Node) (names, hrefs []string) {
	for _, li := range sel(doc, "#dash-breadcrumb li") {
		names = append(names, text(li))
		href := ""
		if a := first(li, "a"); a != nil {
			href, _ = attr(a, "href")
		}
		hrefs = append(hrefs, href)
	}
	return names, hrefs
}

func TestDashboardPage(t *testing.T) {
	c := newCensus(t)
	l, u := dashLeader(t, c)
	v := accounts.ViewerFor(u, "127.0.0.1")

	p := l.get("/dashboard")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", p.status, c.e.log.String())
	}
	d, err := c.e.a.Dashboard.Region(ctx, v, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Node.Code != changning || !strings.Contains(text(first(p.doc, "h1")), "昌宁县") {
		t.Fatalf("default node %+v, heading %q", d.Node, text(first(p.doc, "h1")))
	}
	// The nav link, the scripts (ECharts only here), the downloads.
	if a := first(p.doc, "#nav-dashboard"); a == nil || text(a) != "数据看板" || !hasAttr(a, "aria-current") {
		t.Error("no current 数据看板 link in the header")
	}
	var srcs []string
	for _, s := range sel(p.doc, "script[src]") {
		src, _ := attr(s, "src")
		srcs = append(srcs, src)
		if !hasAttr(s, "defer") {
			t.Errorf("script %s not deferred", src)
		}
	}
	if len(srcs) != 3 || !regexp.MustCompile(`^/static/echarts\.[0-9a-f]{12}\.js$`).MatchString(srcs[1]) ||
		!regexp.MustCompile(`^/static/dashboard\.[0-9a-f]{12}\.js$`).MatchString(srcs[2]) {
		t.Errorf("scripts %q", srcs)
	}
	for _, src := range srcs[1:] {
		js := c.e.client().get(src)
		if js.status != http.StatusOK || !strings.Contains(js.header.Get("Cache-Control"), "immutable") ||
			!strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: %d %q", src, js.status, js.header.Get("Cache-Control"))
		}
	}
	if first(l.get("/children").doc, "script[src^=/static/echarts]") != nil {
		t.Error("ECharts loaded on another page")
	}
	for _, s := range sel(p.doc, "script") {
		if !hasAttr(s, "src") {
			t.Error("inline script")
		}
	}
	if href, _ := attr(first(p.doc, "#dash-xlsx"), "href"); href != "/dashboard/export.xlsx?region="+changning {
		t.Errorf("xlsx link %q", href)
	}
	if href, _ := attr(first(p.doc, "#dash-json"), "href"); href != "/api/v1/dashboard?region="+changning {
		t.Errorf("json link %q", href)
	}

	// Every section: a hidden chart with its data, a table with a caption,
	// column headers, the total and the townships linking down.
	if len(d.Sections) == 0 {
		t.Fatal("no sections")
	}
	for _, s := range d.Sections {
		sec := first(p.doc, "section#sec-"+s.ID)
		if sec == nil {
			t.Errorf("section %s missing", s.ID)
			continue
		}
		if text(first(sec, "h2")) != s.Title {
			t.Errorf("section %s heading %q", s.ID, text(first(sec, "h2")))
		}
		if ch := first(sec, "div.dash-chart"); ch != nil {
			if !hasAttr(ch, "hidden") {
				t.Errorf("section %s: the chart shows without JavaScript", s.ID)
			}
			raw, _ := attr(ch, "data-chart")
			var cd struct {
				Kind       string
				Categories []string
				Series     []struct {
					Name   string
					Values []*float64
				}
			}
			if err := json.Unmarshal([]byte(raw), &cd); err != nil || len(cd.Series) == 0 {
				t.Errorf("section %s chart data %q: %v", s.ID, raw, err)
			}
			if s.Chart != dashboard.ChartPie && len(s.Rows) > 0 && len(cd.Categories) != len(s.Rows) {
				t.Errorf("section %s: %d categories for %d rows", s.ID, len(cd.Categories), len(s.Rows))
			}
		}
		tb := first(sec, "table")
		if len(s.Metrics) == 0 {
			if tb != nil || first(sec, "p#empty-"+s.ID) == nil {
				t.Errorf("section %s without metrics: a table, or no word that it is empty", s.ID)
			}
			continue
		}
		if tb == nil || text(first(tb, "caption")) != s.Title {
			t.Errorf("section %s: no table captioned %q", s.ID, s.Title)
			continue
		}
		cols := sel(tb, "thead th[scope=col]")
		if len(cols) != len(s.Metrics)+1 {
			t.Errorf("section %s: %d columns, want %d", s.ID, len(cols), len(s.Metrics)+1)
		}
		rows := sel(tb, "tbody tr")
		if len(rows) != len(s.Rows)+1 || !strings.Contains(text(first(rows[0], "th[scope=row]")), s.Total.Node.Name) {
			t.Errorf("section %s: %d rows, want total + %d", s.ID, len(rows), len(s.Rows))
			continue
		}
		for i, r := range append([]dashboard.Row{s.Total}, s.Rows...) {
			cells := sel(rows[i], "td")
			for j, m := range s.Metrics {
				v, ok := r.Values[m.Key]
				want := "—"
				if ok {
					switch m.Format {
					case dashboard.FormatPercent:
						want = strconv.FormatFloat(v, 'f', 1, 64) + "%"
					case dashboard.FormatHours:
						want = strconv.FormatFloat(v, 'f', 1, 64)
					default:
						want = strconv.FormatInt(int64(math.Round(v)), 10)
					}
				}
				if j < len(cells) && text(cells[j]) != want {
					t.Errorf("section %s row %s %s: %q, want %q", s.ID, r.Node.Name, m.Key, text(cells[j]), want)
				}
			}
			a := first(rows[i], "th a")
			switch {
			case i == 0 && a != nil:
				t.Errorf("section %s: the total links", s.ID)
			case i > 0 && r.Node.Drill != (a != nil):
				t.Errorf("section %s row %s: drill %v, link %v", s.ID, r.Node.Name, r.Node.Drill, a != nil)
			case a != nil && r.Node.Kind == dashboard.KindRegion:
				if href, _ := attr(a, "href"); href != "/dashboard?region="+r.Node.Code || !strings.HasPrefix(r.Node.Code, "530524") {
					t.Errorf("section %s row %s links %q", s.ID, r.Node.Name, href)
				}
			}
		}
	}
	// The rankings: a table per ranked metric, places as the domain ranks.
	rs := dashboard.Rankings(d)
	tables := sel(p.doc, "#rankings table")
	if len(tables) != len(rs) || len(rs) == 0 {
		t.Fatalf("%d ranking tables, want %d", len(tables), len(rs))
	}
	for i, rk := range rs {
		trs := sel(tables[i], "tbody tr")
		if len(trs) != len(rk.Items) {
			t.Errorf("ranking %s: %d rows, want %d", rk.Metric.Key, len(trs), len(rk.Items))
			continue
		}
		for j, it := range rk.Items {
			if got := text(first(trs[j], "td")); got != strconv.Itoa(it.Place) || text(first(trs[j], "th")) != it.Node.Name {
				t.Errorf("ranking %s row %d: %q %q", rk.Metric.Key, j, got, text(first(trs[j], "th")))
			}
		}
	}

	// The breadcrumb: 昌宁县 current, nothing above it to open.
	names, hrefs := dashCrumbs(p.doc)
	if len(names) == 0 || names[len(names)-1] != d.Node.Name || first(p.doc, "#dash-breadcrumb [aria-current=page]") == nil {
		t.Errorf("breadcrumb %q", names)
	}
	for i, h := range hrefs {
		if h != "" {
			t.Errorf("breadcrumb of the top of the scope links %s to %s", names[i], h)
		}
	}

	// Drill down: a township, then a village, by the tables' links.
	town := first(p.doc, "table.dash a[href=/dashboard?region="+datianba+"]")
	if town == nil {
		t.Fatal("no link to 大田坝镇")
	}
	p = l.get("/dashboard?region=" + datianba)
	names, hrefs = dashCrumbs(p.doc)
	if p.status != http.StatusOK || len(names) < 2 || names[len(names)-1] != "大田坝镇" ||
		hrefs[len(hrefs)-2] != "/dashboard?region="+changning || hrefs[len(hrefs)-1] != "" {
		t.Fatalf("大田坝镇: %d %q %q", p.status, names, hrefs)
	}
	if a := first(p.doc, "table.dash a[href=/dashboard?region="+wencang+"]"); a == nil {
		t.Fatal("no link to 文沧村")
	}
	// The township's schools lead to their own dashboards, by class, with
	// the township in the breadcrumb.
	a := first(p.doc, "#dash-school-list a[href=/dashboard?school="+c.school.ID+"]")
	if a == nil || text(a) != c.school.Name {
		t.Fatalf("no link to %s among the schools", c.school.Name)
	}
	sp := l.get("/dashboard?school=" + c.school.ID)
	names, hrefs = dashCrumbs(sp.doc)
	if sp.status != http.StatusOK || names[len(names)-1] != c.school.Name || !slices.Contains(hrefs, "/dashboard?region="+datianba) {
		t.Errorf("school dashboard: %d %q %q", sp.status, names, hrefs)
	}
	if rows := sel(sp.doc, "#table-overview tbody tr"); len(rows) != 2 || text(first(rows[1], "th")) != schools.GradeLabel(c.class.Grade)+" "+c.class.Name || first(rows[1], "a") != nil {
		t.Errorf("school rows: want the total and the class %s, unlinked", c.class.Name)
	}
	p = l.get("/dashboard?region=" + wencang)
	names, _ = dashCrumbs(p.doc)
	if p.status != http.StatusOK || names[len(names)-1] != "文沧村民委员会" && names[len(names)-1] != "文沧村" {
		t.Errorf("文沧村: %d %q", p.status, names)
	}
	for _, a := range sel(p.doc, "table.dash tbody a[href^=/dashboard?region=]") {
		href, _ := attr(a, "href")
		t.Errorf("a village links down to %s", href)
	}
}

func TestDashboardScope(t *testing.T) {
	c := newCensus(t)
	l, _ := dashLeader(t, c)
	// Another county, a township in it, the prefecture and province above.
	for _, q := range []string{"region=" + kunming, "region=" + c.outTown, "region=" + c.otherVillage, "region=" + baoshan,
		"region=5305", "region=" + yunnan, "school=" + c.outSchool.ID} {
		p := l.get("/dashboard?" + q)
		if p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", q, p.status)
		}
		noneContains(t, q, p.body, outSchoolName, "五华区")
		if x := l.get("/dashboard/export.xlsx?" + q); x.status != http.StatusNotFound {
			t.Errorf("export %s: %d, want 404", q, x.status)
		}
	}
	// Inside: no link leaves 昌宁县, and whatever of the path above it is
	// shown is plain text.
	for _, q := range []string{"", "?region=" + datianba, "?region=" + wencang, "?school=" + c.school.ID} {
		p := l.get("/dashboard" + q)
		if p.status != http.StatusOK {
			t.Errorf("%s: %d", q, p.status)
			continue
		}
		for _, a := range sel(p.doc, "main a[href^=/dashboard?region=]") {
			href, _ := attr(a, "href")
			if !strings.HasPrefix(strings.TrimPrefix(href, "/dashboard?region="), "530524") {
				t.Errorf("%s: link to %s (%s)", q, href, text(a))
			}
		}
		names, hrefs := dashCrumbs(p.doc)
		for i, n := range names {
			if (strings.Contains(n, "云南") || strings.Contains(n, "保山")) && hrefs[i] != "" {
				t.Errorf("%s: %s links to %s", q, n, hrefs[i])
			}
		}
		noneContains(t, q, p.body, outSchoolName, outChildName, "五华区")
	}
	// A bad code is not found either.
	if p := l.get("/dashboard?region=12x"); p.status != http.StatusNotFound && p.status != http.StatusBadRequest {
		t.Errorf("bad code: %d", p.status)
	}
}

func TestDashboardSchoolAndRoles(t *testing.T) {
	c := newCensus(t)
	// A principal's default is their school, broken down by class.
	pr := c.as(accounts.RolePrincipal)
	p := pr.get("/dashboard")
	if p.status != http.StatusOK || !strings.Contains(text(first(p.doc, "h1")), c.school.Name) {
		t.Fatalf("principal: %d %q", p.status, text(first(p.doc, "h1")))
	}
	if href, _ := attr(first(p.doc, "#dash-xlsx"), "href"); href != "/dashboard/export.xlsx?school="+c.school.ID {
		t.Errorf("school xlsx %q", href)
	}
	// The roles that see no records have neither the link nor the page.
	for _, role := range []string{accounts.RoleMentor, accounts.RoleSysadmin, accounts.RoleAuditor} {
		cl := c.as(role)
		if first(cl.get("/").doc, "#nav-dashboard") != nil {
			t.Errorf("%s: nav link", role)
		}
		if p := cl.get("/dashboard"); p.status != http.StatusNotFound {
			t.Errorf("%s: %d", role, p.status)
		}
	}
}

func TestDashboardEnglish(t *testing.T) {
	c := newCensus(t)
	l, _ := dashLeader(t, c)
	l.setLang("en")
	p := l.get("/dashboard")
	if got := text(first(p.doc, "h1")); got != "Dashboard: 昌宁县" {
		t.Errorf("heading %q", got)
	}
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	// Titles, column headers and notes are in English; names stay Chinese.
	for _, n := range sel(p.doc, "main h2, main thead th, main .dash-section > p.hint, #dash-contents a, #dash-xlsx, #dash-json") {
		// The ethnic groups keep their Chinese names, as everywhere.
		if m, _ := attr(n, "data-metric"); strings.HasPrefix(m, "eth_") && m != "eth_other" {
			continue
		}
		if han(text(n)) {
			t.Errorf("Chinese on the English page: %q", text(n))
		}
	}
	for _, n := range sel(p.doc, "table.ranking caption") {
		s := text(n)
		if han(s) {
			t.Errorf("ranking caption %q", s)
		}
	}
}

func TestDashboardExport(t *testing.T) {
	c := newCensus(t)
	l, u := dashLeader(t, c)
	v := accounts.ViewerFor(u, "127.0.0.1")
	for _, q := range []url.Values{{"region": {datianba}}, {}, {"school": {c.school.ID}}} {
		resp, err := l.http.Get(c.e.srv.URL + "/dashboard/export.xlsx?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != dashboard.XLSXType {
			t.Fatalf("%v: %d %q", q, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var d dashboard.Dashboard
		switch {
		case q.Get("school") != "":
			d, err = c.e.a.Dashboard.School(ctx, v, q.Get("school"))
		default:
			d, err = c.e.a.Dashboard.Region(ctx, v, q.Get("region"))
		}
		if err != nil {
			t.Fatal(err)
		}
		cd := resp.Header.Get("Content-Disposition")
		if cd != "attachment; filename*=UTF-8''"+url.PathEscape(dashboard.FileName(d)) || !strings.HasPrefix(dashboard.FileName(d), "数据看板_"+d.Node.Name+"_") {
			t.Errorf("%v: disposition %q", q, cd)
		}
		// Round trip: every cell of every section as the dashboard has it.
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		names := dashboard.SheetNames(d)
		if got := f.GetSheetList(); !slices.Equal(got, names) {
			t.Errorf("%v: sheets %q, want %q", q, got, names)
		}
		for i, s := range d.Sections {
			rows := append([]dashboard.Row{s.Total}, s.Rows...)
			for k, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, k+2)
				if got, _ := f.GetCellValue(names[i+1], cell); got != r.Node.Name {
					t.Errorf("%s %s: %q, want %q", names[i+1], cell, got, r.Node.Name)
				}
				for j, m := range s.Metrics {
					cell, _ := excelize.CoordinatesToCellName(j+2, k+2)
					got, _ := f.GetCellValue(names[i+1], cell, excelize.Options{RawCellValue: true})
					want, ok := r.Values[m.Key]
					if !ok {
						if got != "" {
							t.Errorf("%s %s: %q, want empty", names[i+1], cell, got)
						}
						continue
					}
					n, err := strconv.ParseFloat(got, 64)
					if m.Format == dashboard.FormatPercent {
						n *= 100
					}
					if err != nil || math.Abs(n-want) > 1e-9 {
						t.Errorf("%s %s (%s): %q, want %v", names[i+1], cell, m.Key, got, want)
					}
				}
			}
		}
		f.Close()
	}
}
