package dashboard_test

import (
	"math"
	"reflect"
	"testing"

	"guanai/internal/dashboard"
)

// sample is a hand-made dashboard of a county with four townships: a
// coverage section with two ranked metrics (one lower-is-better), a count
// section with nothing ranked and a trend by month.
func sample() dashboard.Dashboard {
	town := func(code, name string, drill bool) dashboard.Node {
		return dashboard.Node{Kind: dashboard.KindRegion, Code: code, Name: name, Level: "乡", Drill: drill}
	}
	a, b, c, d := town("530524101000", "田园镇", true), town("530524102000", "漭水镇", true),
		town("530524103000", "柯街镇", true), town("530524104000", "卡斯镇", false)
	row := func(n dashboard.Node, kv ...any) dashboard.Row {
		r := dashboard.Row{Node: n, Values: map[string]float64{}}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Values[kv[i].(string)] = kv[i+1].(float64)
		}
		return r
	}
	county := dashboard.Node{Kind: dashboard.KindRegion, Code: "530524000000", Name: "昌宁县", Level: "县", Drill: true}
	month := func(m string) dashboard.Node { return dashboard.Node{Kind: dashboard.KindMonth, Code: m, Name: m} }
	return dashboard.Dashboard{
		Node:  county,
		Path:  []dashboard.Node{{Kind: dashboard.KindRegion, Code: "530000000000", Name: "云南省", Level: "省", Drill: true}, {Kind: dashboard.KindRegion, Code: "530500000000", Name: "保山市", Level: "市", Drill: true}},
		Today: "2026-11-29",
		Sections: []dashboard.Section{
			{ID: "children", Title: "留守儿童", Chart: dashboard.ChartBar, Plot: []string{"left_behind"},
				Metrics: []dashboard.Metric{{Key: "left_behind", Label: "留守儿童", Format: dashboard.FormatCount},
					{Key: "girls", Label: "女童", Format: dashboard.FormatCount}},
				Total: row(county, "left_behind", 40.0, "girls", 19.0),
				Rows:  []dashboard.Row{row(a, "left_behind", 10.0, "girls", 4.0), row(b, "left_behind", 12.0, "girls", 6.0), row(c, "left_behind", 10.0, "girls", 5.0), row(d, "left_behind", 8.0, "girls", 4.0)},
				Note:  "按户籍地统计"},
			{ID: "coverage", Title: "关爱覆盖", Chart: dashboard.ChartBar, Plot: []string{"team_rate", "pairing_rate"},
				Metrics: []dashboard.Metric{
					{Key: "team_rate", Label: "关爱队伍完整率", Format: dashboard.FormatPercent, Rank: true},
					{Key: "pairing_rate", Label: "结对率", Format: dashboard.FormatPercent, Rank: true},
					{Key: "overdue", Label: "逾期随访", Format: dashboard.FormatCount, Rank: true, Lower: true},
					{Key: "hours", Label: "服务时长", Format: dashboard.FormatHours}},
				Total: row(county, "team_rate", 62.5, "pairing_rate", 50.0, "overdue", 7.0, "hours", 12.5),
				Rows: []dashboard.Row{
					row(a, "team_rate", 80.0, "pairing_rate", 50.0, "overdue", 2.0, "hours", 3.5),
					row(b, "team_rate", 50.0, "pairing_rate", 50.0, "overdue", 0.0, "hours", 4.0),
					row(c, "team_rate", 80.0, "overdue", 2.0, "hours", 5.0), // no pairing rate (no children)
					row(d, "team_rate", 25.0, "pairing_rate", 75.0, "overdue", 3.0, "hours", 0.0),
				}},
			{ID: "sex", Title: "性别构成", Chart: dashboard.ChartPie, Plot: []string{"boys", "girls"},
				Metrics: []dashboard.Metric{{Key: "boys", Label: "男", Format: dashboard.FormatCount}, {Key: "girls", Label: "女", Format: dashboard.FormatCount}},
				Total:   row(county, "boys", 21.0, "girls", 19.0)},
			{ID: "trend", Title: "月度趋势", Chart: dashboard.ChartLine, Plot: []string{"followups"},
				Metrics: []dashboard.Metric{{Key: "followups", Label: "随访次数", Format: dashboard.FormatCount, Rank: true}},
				Total:   row(county, "followups", 30.0),
				Rows:    []dashboard.Row{row(month("2026-10"), "followups", 10.0), row(month("2026-11"), "followups", 20.0)}},
		},
	}
}

type placed struct {
	Place int
	Name  string
	Value float64
}

func places(r dashboard.Ranking) []placed {
	var out []placed
	for _, it := range r.Items {
		out = append(out, placed{it.Place, it.Node.Name, it.Value})
	}
	return out
}

func TestRankings(t *testing.T) {
	rs := dashboard.Rankings(sample())
	if len(rs) != 3 {
		t.Fatalf("%d rankings, want 3 (team_rate, pairing_rate, overdue; the trend is not ranked): %+v", len(rs), rs)
	}
	want := map[string][]placed{
		// Ties share a place and the next place skips: 1, 1, 3, 4; equal
		// values keep the section's order.
		"team_rate": {{1, "田园镇", 80}, {1, "柯街镇", 80}, {3, "漭水镇", 50}, {4, "卡斯镇", 25}},
		// A row without the metric is left out.
		"pairing_rate": {{1, "卡斯镇", 75}, {2, "田园镇", 50}, {2, "漭水镇", 50}},
		// Lower is better: ascending.
		"overdue": {{1, "漭水镇", 0}, {2, "田园镇", 2}, {2, "柯街镇", 2}, {4, "卡斯镇", 3}},
	}
	for _, r := range rs {
		if r.Section != "coverage" {
			t.Errorf("ranking of section %q", r.Section)
		}
		if got := places(r); !reflect.DeepEqual(got, want[r.Metric.Key]) {
			t.Errorf("%s: %+v, want %+v", r.Metric.Key, got, want[r.Metric.Key])
		}
	}
	if rs[2].Metric.Lower != true || rs[0].Metric.Label != "关爱队伍完整率" {
		t.Errorf("metrics not carried: %+v %+v", rs[0].Metric, rs[2].Metric)
	}
	// The ranked nodes carry their drill flag for the page's links.
	if rs[0].Items[0].Node.Code != "530524101000" || !rs[0].Items[0].Node.Drill {
		t.Errorf("node: %+v", rs[0].Items[0].Node)
	}
}

func TestRankingsEdgeCases(t *testing.T) {
	// A village: no child rows, no rankings.
	d := sample()
	for i := range d.Sections {
		d.Sections[i].Rows = nil
	}
	if rs := dashboard.Rankings(d); len(rs) != 0 {
		t.Errorf("village: %+v", rs)
	}
	if rs := dashboard.Rankings(dashboard.Dashboard{}); rs != nil {
		t.Errorf("empty: %+v", rs)
	}
	// NaN is no value; one row alone is first.
	d = sample()
	cov := &d.Sections[1]
	cov.Rows = cov.Rows[:2]
	cov.Rows[0].Values["team_rate"] = math.NaN()
	rs := dashboard.Rankings(d)
	if got := places(rs[0]); !reflect.DeepEqual(got, []placed{{1, "漭水镇", 50}}) {
		t.Errorf("NaN: %+v", got)
	}
	// All equal: everyone first.
	for _, r := range cov.Rows {
		r.Values["overdue"] = 1
	}
	for _, r := range dashboard.Rankings(d) {
		if r.Metric.Key == "overdue" {
			for _, it := range r.Items {
				if it.Place != 1 {
					t.Errorf("all equal: %+v", r.Items)
				}
			}
		}
	}
}
