// Package dashboard is the one page the five-level secretaries steer by:
// for a region node (province to village) or a school inside the viewer's
// scope, how many left-behind children there are and why, the incidence
// rate, care coverage, follow-ups, needs, services and monthly trends —
// each figure for the node and broken down by its child nodes (drill-down
// and rankings).
//
// A dashboard is a list of sections, each a small table: metrics (the
// columns), the node's own row (Total) and one row per child node (Rows;
// months for the trend section). The web page draws each section as an
// ECharts chart with the table under it, the workbook export writes one
// sheet per section, and the API returns the same value as JSON.
//
// Region figures are read from the counters of package tally, which every
// write keeps exact in its own transaction; a school's figures are counted
// from its pupils (a school is small).
package dashboard

// Metric formats: how a value is shown.
const (
	FormatCount   = "count"   // a whole number
	FormatPercent = "percent" // a percentage, 0–100, one decimal
	FormatHours   = "hours"   // hours, one decimal
)

// Chart kinds a section is drawn as.
const (
	ChartBar  = "bar"
	ChartPie  = "pie"
	ChartLine = "line"
)

// Node kinds.
const (
	KindRegion = "region"
	KindSchool = "school"
	KindClass  = "class"
	KindMonth  = "month"
)

// Node is what a dashboard is of, or one row of a breakdown.
type Node struct {
	// Kind is KindRegion, KindSchool, KindClass or (trend rows) KindMonth.
	Kind string `json:"kind"`
	// Code is a 12-digit region code, a school or class id, or a month
	// "2006-01".
	Code string `json:"code"`
	Name string `json:"name"`
	// Level is a region's level name (省, 市, 县, 乡, 村); "" otherwise.
	Level string `json:"level,omitempty"`
	// Drill says the row can be opened as a dashboard of its own (a
	// region node or school inside the viewer's scope).
	Drill bool `json:"drill"`
}

// Metric is one column of a section.
type Metric struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Format string `json:"format"`
	// Rank says child nodes are ranked on it in the bulletin (定期通报):
	// coverage rates and the like. Higher is better unless Lower.
	Rank  bool `json:"rank,omitempty"`
	Lower bool `json:"lower_is_better,omitempty"`
}

// Row is one node's values, by metric key.
type Row struct {
	Node   Node               `json:"node"`
	Values map[string]float64 `json:"values"`
}

// Section is one part of the dashboard: a chart and its table.
type Section struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Chart is the kind of chart drawn (ChartBar, ChartPie, ChartLine);
	// Plot lists the metric keys it draws (a pie draws Total's values).
	Chart   string   `json:"chart"`
	Plot    []string `json:"plot"`
	Metrics []Metric `json:"metrics"`
	Total   Row      `json:"total"`
	// Rows is the breakdown: one row per child node (classes for a
	// school, none for a village), or per month for the trend section.
	Rows []Row `json:"rows"`
	// Note explains how the section counts (shown under the table).
	Note string `json:"note,omitempty"`
}

// Dashboard is the whole page of one node.
type Dashboard struct {
	Node Node `json:"node"`
	// Path runs from the top of the viewer's scope down to Node's parent,
	// for the breadcrumb.
	Path []Node `json:"path"`
	// Today is the day the dashboard counts up to ("2006-01-02"); the
	// rolling windows (last 30 and 90 days, overdue) and the age bands
	// are as of it.
	Today    string    `json:"today"`
	Sections []Section `json:"sections"`
}

// Ranking is one ranked metric of a section: child nodes best first.
type Ranking struct {
	Section string       `json:"section"`
	Metric  Metric       `json:"metric"`
	Items   []RankedItem `json:"items"`
}

// RankedItem is one place in a ranking; equal values share a place.
type RankedItem struct {
	Place int     `json:"place"`
	Node  Node    `json:"node"`
	Value float64 `json:"value"`
}
