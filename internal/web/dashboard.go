package web

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"

	_ "embed"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/dashboard"
	"guanai/internal/schools"
)

// The dashboard (数据看板): for a region node or a school in the viewer's
// scope, every section of package dashboard as an ECharts chart with the
// same numbers in a table under it, each child node's row linking to its
// own dashboard (drill-down), the bulletin's rankings, and the node's
// workbook and JSON. The charts are drawn by static/dashboard.js from the
// data attribute of each chart's element; without JavaScript the tables
// are the page.

// echartsJS is Apache ECharts (npm echarts 6.1.0, dist/echarts.min.js;
// Apache License 2.0 with its NOTICE, in static/echarts.LICENSE). Only
// the dashboard loads it.
//
//go:embed static/echarts.min.js
var echartsJS []byte

// dashboardJS draws the dashboard's charts with ECharts.
//
//go:embed static/dashboard.js
var dashboardJS []byte

var (
	echartsAsset   = newAsset("echarts", "js", "text/javascript; charset=utf-8", echartsJS)
	dashboardAsset = newAsset("dashboard", "js", "text/javascript; charset=utf-8", dashboardJS)
)

func init() {
	assets[echartsAsset.path] = echartsAsset
	assets[dashboardAsset.path] = dashboardAsset
}

// seesDashboard reports whether the viewer has a dashboard: the roles
// whose scope is a region or a school (not mentors, who see their paired
// children only, nor the administrative roles, who see no records).
func seesDashboard(v access.Viewer) bool { return !v.Nobody && v.PairedWith == "" }

// dashboardHref is the address of a node's dashboard: a region's or a
// school's ("" for a class or a month, which have none).
func dashboardHref(n dashboard.Node) string {
	switch n.Kind {
	case dashboard.KindRegion:
		return "/dashboard?region=" + url.QueryEscape(n.Code)
	case dashboard.KindSchool:
		return "/dashboard?school=" + url.QueryEscape(n.Code)
	}
	return ""
}

// dashboardQuery is the node the address asks for: school=<id>, else
// region=<code>, else nothing (the viewer's default). The page and its
// workbook take the school when an address names both; the API refuses
// such an address.
func dashboardQuery(r *http.Request) url.Values {
	q := url.Values{}
	if s := queryValue(r, "school"); s != "" {
		q.Set("school", s)
	} else if c := queryValue(r, "region"); c != "" {
		q.Set("region", c)
	}
	return q
}

// loadDashboard computes the dashboard the address asks for: a school's
// with school=<id>, a region node's with region=<code>, else the viewer's
// own (their school for school staff, the top of their region otherwise).
func (w *Web) loadDashboard(r *http.Request, v access.Viewer) (dashboard.Dashboard, error) {
	if !seesDashboard(v) {
		return dashboard.Dashboard{}, notFound
	}
	q := dashboardQuery(r)
	switch {
	case q.Get("school") != "":
		return w.app.Dashboard.School(r.Context(), v, q.Get("school"))
	case q.Get("region") != "":
		return w.app.Dashboard.Region(r.Context(), v, q.Get("region"))
	case v.SchoolID != "":
		return w.app.Dashboard.School(r.Context(), v, v.SchoolID)
	}
	return w.app.Dashboard.Region(r.Context(), v, "")
}

// dashPage is the view model of the dashboard.
type dashPage struct {
	Layout
	// Crumbs run from the top of the viewer's scope to the node (last).
	Crumbs   []dashNode
	Last     int
	Node     dashNode
	Level    string
	Today    string
	Sections []dashSection
	Rankings []dashRanking
	// XLSX and JSON are the node's workbook and its API address.
	XLSX, JSON string
	// Drills says some row links down (the intro says so).
	Drills bool
	// Schools are the schools of a region node (the first dashSchools of
	// them), each linking to its own dashboard; SchoolsTotal counts them
	// all, and SchoolsHref is the schools list when there are more.
	Schools      []dashNode
	SchoolsTotal int
	SchoolsHref  string
}

// dashSchools is how many of a region's schools its dashboard lists.
const dashSchools = 40

// dashNode is a node as a link (Href "" when it cannot be opened);
// Region holds a region's code for the data-code attribute.
type dashNode struct {
	Name, Href, Region string
}

// dashSection is one section: its chart's data and its table.
type dashSection struct {
	ID, Title, Note string
	// RowHeader heads the first column (名称, 月份 …).
	RowHeader string
	Metrics   []dashMetric
	Total     dashRow
	Rows      []dashRow
	// Chart is the chart's data for dashboard.js (a JSON object);
	// HasChart says there is anything to draw (a value other than 0).
	Chart    string
	HasChart bool
}

type dashMetric struct{ Key, Label string }

type dashRow struct {
	dashNode
	Cells []dashCell
}

type dashCell struct {
	Key, Label, Text string
}

// dashRanking is one ranked metric.
type dashRanking struct {
	ID, Title string
	Metric    string
	Items     []dashRanked
}

type dashRanked struct {
	Place int
	dashNode
	Text string
}

// chartData is what dashboard.js draws: a bar, pie or line chart of
// series over categories (child nodes, months, or for a pie or a node
// without child nodes the plotted metrics themselves).
type chartData struct {
	Kind       string        `json:"kind"`
	Title      string        `json:"title"`
	Categories []string      `json:"categories"`
	Series     []chartSeries `json:"series"`
	// Percent: every series is a percentage (the axis runs 0–100%).
	Percent bool `json:"percent"`
}

type chartSeries struct {
	Name   string     `json:"name"`
	Format string     `json:"format"`
	Values []*float64 `json:"values"`
}

// formatValue shows a metric's value: counts whole, percentages and
// hours with one decimal; "—" when the row has none.
func formatValue(format string, v float64, ok bool) string {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	switch format {
	case dashboard.FormatPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case dashboard.FormatHours:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatInt(int64(math.Round(v)), 10)
}

// dashLevel names a node's level in l (县级 …, 学校).
func dashLevel(l lang, n dashboard.Node) string {
	switch {
	case n.Level != "":
		return dashText(l, n.Level)
	case n.Kind == dashboard.KindSchool:
		return l.T("dash.school")
	}
	return ""
}

// nodeOf is a node as the page links it, named in l.
func nodeOf(l lang, n dashboard.Node) dashNode {
	dn := dashNode{Name: dashNodeName(l, n)}
	if n.Drill {
		dn.Href = dashboardHref(n)
		if n.Kind == dashboard.KindRegion {
			dn.Region = n.Code
		}
	}
	return dn
}

func (w *Web) dashboardPage(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	d, err := w.loadDashboard(r, id.Viewer)
	if err != nil {
		return err
	}
	lg := langOf(r)
	name := dashNodeName(lg, d.Node)
	p := dashPage{Layout: w.layout(r, id, lg.T("title.dashboard", name)), Node: dashNode{Name: name},
		Level: dashLevel(lg, d.Node), Today: d.Today}
	p.Scripts = []string{echartsAsset.path, dashboardAsset.path}
	for _, n := range d.Path {
		p.Crumbs = append(p.Crumbs, nodeOf(lg, n))
	}
	p.Crumbs = append(p.Crumbs, dashNode{Name: name})
	p.Last = len(p.Crumbs) - 1
	q := url.Values{}
	switch d.Node.Kind {
	case dashboard.KindSchool:
		q.Set("school", d.Node.Code)
	case dashboard.KindRegion:
		q.Set("region", d.Node.Code)
	}
	p.XLSX = "/dashboard/export.xlsx?" + q.Encode()
	p.JSON = "/api/v1/dashboard?" + q.Encode()
	titles := map[string]string{}
	for _, s := range d.Sections {
		sv, err := sectionView(lg, s)
		if err != nil {
			return err
		}
		titles[s.ID] = sv.Title
		for _, r := range sv.Rows {
			p.Drills = p.Drills || r.Href != ""
		}
		p.Sections = append(p.Sections, sv)
	}
	for i, rk := range dashboard.Rankings(d) {
		rv := dashRanking{ID: "ranking-" + strconv.Itoa(i), Metric: dashText(lg, rk.Metric.Label)}
		order := "dash.ranking.higher"
		if rk.Metric.Lower {
			order = "dash.ranking.lower"
		}
		rv.Title = lg.T("dash.ranking.title", titles[rk.Section], rv.Metric, lg.T(order))
		for _, it := range rk.Items {
			rv.Items = append(rv.Items, dashRanked{Place: it.Place, dashNode: nodeOf(lg, it.Node), Text: formatValue(rk.Metric.Format, it.Value, true)})
		}
		p.Rankings = append(p.Rankings, rv)
	}
	if d.Node.Kind == dashboard.KindRegion && id.Viewer.SchoolID == "" {
		// The way down to the schools: their dashboards are the region's
		// schools' own.
		sp, err := w.app.Schools.List(r.Context(), id.Viewer, schools.Filter{Region: d.Node.Code, Limit: dashSchools})
		if err != nil {
			return err
		}
		for _, sc := range sp.Schools {
			p.Schools = append(p.Schools, dashNode{Name: sc.Name, Href: dashboardHref(dashboard.Node{Kind: dashboard.KindSchool, Code: sc.ID})})
		}
		p.SchoolsTotal = sp.Total
		if sp.Total > len(sp.Schools) {
			p.SchoolsHref = "/schools?region=" + url.QueryEscape(d.Node.Code)
		}
	}
	w.render(rw, r, http.StatusOK, "dashboard", p)
	return nil
}

// sectionView is a section's table and chart data in language l.
func sectionView(lg lang, s dashboard.Section) (dashSection, error) {
	sv := dashSection{ID: s.ID, Title: dashText(lg, s.Title), Note: dashText(lg, s.Note), RowHeader: lg.T("dash.col.name")}
	months := len(s.Rows) > 0 && s.Rows[0].Node.Kind == dashboard.KindMonth
	if months {
		sv.RowHeader = lg.T("dash.col.month")
	}
	labels := map[string]string{}
	formats := map[string]string{}
	for _, m := range s.Metrics {
		l := dashText(lg, m.Label)
		labels[m.Key], formats[m.Key] = l, m.Format
		sv.Metrics = append(sv.Metrics, dashMetric{Key: m.Key, Label: l})
	}
	row := func(r dashboard.Row) dashRow {
		dr := dashRow{dashNode: nodeOf(lg, r.Node)}
		for _, m := range s.Metrics {
			v, ok := r.Values[m.Key]
			dr.Cells = append(dr.Cells, dashCell{Key: m.Key, Label: labels[m.Key], Text: formatValue(m.Format, v, ok)})
		}
		return dr
	}
	sv.Total = row(s.Total)
	sv.Total.Href, sv.Total.Region = "", ""
	for _, r := range s.Rows {
		sv.Rows = append(sv.Rows, row(r))
	}
	// The chart.
	c := chartData{Kind: s.Chart, Title: sv.Title, Percent: len(s.Plot) > 0}
	value := func(r dashboard.Row, key string) *float64 {
		v, ok := r.Values[key]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	var plot []string
	for _, k := range s.Plot {
		if _, ok := labels[k]; ok {
			plot = append(plot, k)
			if formats[k] != dashboard.FormatPercent {
				c.Percent = false
			}
		}
	}
	if len(plot) == 0 {
		c.Percent = false
	}
	switch {
	case s.Chart == dashboard.ChartPie || len(s.Rows) == 0:
		// The node's own values, one slice or bar per plotted metric.
		if s.Chart == dashboard.ChartLine {
			c.Kind = dashboard.ChartBar
		}
		ser := chartSeries{Name: dashNodeName(lg, s.Total.Node)}
		for _, k := range plot {
			c.Categories = append(c.Categories, labels[k])
			ser.Values = append(ser.Values, value(s.Total, k))
			ser.Format = formats[k]
		}
		c.Series = []chartSeries{ser}
	default:
		// One bar (or point) per child node or month, a series per metric.
		for _, r := range s.Rows {
			c.Categories = append(c.Categories, dashNodeName(lg, r.Node))
		}
		for _, k := range plot {
			ser := chartSeries{Name: labels[k], Format: formats[k]}
			for _, r := range s.Rows {
				ser.Values = append(ser.Values, value(r, k))
			}
			c.Series = append(c.Series, ser)
		}
	}
	// A chart of nothing but zeros says nothing the table does not: it
	// is left out (a pie of zeros would even draw a full ring).
	for _, ser := range c.Series {
		for _, v := range ser.Values {
			if v != nil && *v != 0 {
				sv.HasChart = true
			}
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return sv, err
	}
	sv.Chart = string(b)
	return sv, nil
}

// dashboardExport downloads the dashboard as a workbook named
// 数据看板_<node>_<date>.xlsx. The workbook is made in memory first (a few
// small sheets), so that a failure still gets an error page.
func (w *Web) dashboardExport(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	d, err := w.loadDashboard(r, id.Viewer)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d); err != nil {
		return err
	}
	rw.Header().Set("Content-Type", dashboard.XLSXType)
	rw.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(dashboard.FileName(d)))
	rw.Write(buf.Bytes())
	return nil
}
