package dashboard

import (
	"sort"
	"strings"

	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/needs"
	"guanai/internal/person"
)

// metric is a column with the rule that computes it from a node's facts
// (false: no value, e.g. a rate over nothing).
type metric struct {
	Metric
	value func(f facts) (float64, bool)
}

func count(fact string) func(facts) (float64, bool) {
	return func(f facts) (float64, bool) { return f[fact], true }
}

func rate(part, whole string) func(facts) (float64, bool) {
	return func(f facts) (float64, bool) { return pct(f[part], f[whole]) }
}

func countMetric(key, label, fact string) metric {
	return metric{Metric{Key: key, Label: label, Format: FormatCount}, count(fact)}
}

// sectionSpec is a section before it is filled in.
type sectionSpec struct {
	id, title, chart, note string
	plot                   []string
	metrics                []metric
}

// reasons are the left-behind reasons, in display order.
var reasons = []string{children.ReasonBothAway, children.ReasonAwayIncapable, children.ReasonAwayDeceased}

// bandLabels are the age bands' labels on the dashboard (15+ holds the
// 15–17-year-olds: a child of 16 is no longer counted as left behind).
var bandLabels = map[string]string{
	needs.BandPreschool: "0–5岁", needs.BandPrimary: "6–11岁", needs.BandJunior: "12–14岁", needs.BandSenior: "15–17岁",
}

// maxEthnicities is how many ethnic groups get a column of their own; the
// rest are summed as 其他民族.
const maxEthnicities = 8

// specs returns the sections' layout for a node whose facts are total
// (the ethnicity columns depend on who is there).
func specs(total facts) []sectionSpec {
	overview := sectionSpec{id: "overview", title: "概况", chart: ChartBar,
		plot: []string{"left_behind", "difficulty", "migrant", "elders"},
		metrics: []metric{
			countMetric("active", "在册儿童", fActive),
			countMetric("left_behind", "留守儿童", fLeftBehind),
			countMetric("difficulty", "困境儿童", fDifficulty),
			countMetric("migrant", "流动儿童", fMigrant),
			countMetric("elders", "留守老人", fElders),
		}}

	reason := sectionSpec{id: "reason", title: "留守原因", chart: ChartPie}
	for _, r := range reasons {
		reason.metrics = append(reason.metrics, countMetric(r, children.ReasonLabel(r), fReason+r))
		reason.plot = append(reason.plot, r)
	}

	age := sectionSpec{id: "age", title: "年龄段与留守发生率", chart: ChartBar,
		note: "年龄按统计年度计算（当年年满周岁数）；发生率 = 留守儿童 ÷ 同年龄段儿童总数（人口数据）。人口数据不全（下级未全部导入）处只列已有数字、不计算发生率。"}
	for _, b := range needs.AgeBands {
		age.metrics = append(age.metrics, countMetric("lb_"+b, "留守 "+bandLabels[b], fBand+b))
		age.plot = append(age.plot, "lb_"+b)
	}
	for _, b := range needs.AgeBands {
		age.metrics = append(age.metrics, metric{Metric{Key: "pop_" + b, Label: "儿童总数 " + bandLabels[b], Format: FormatCount}, popValue(b)})
	}
	for _, b := range needs.AgeBands {
		age.metrics = append(age.metrics, metric{Metric{Key: "rate_" + b, Label: "发生率 " + bandLabels[b], Format: FormatPercent}, incidence(b)})
	}
	age.metrics = append(age.metrics, metric{Metric{Key: "rate", Label: "总发生率", Format: FormatPercent}, incidence("")},
		metric{Metric{Key: "pop_cover", Label: "人口数据完整度", Format: FormatPercent}, func(f facts) (float64, bool) {
			n, ok := f[fPopCover]
			return n, ok
		}})

	sex := sectionSpec{id: "sex", title: "留守儿童性别", chart: ChartPie, plot: []string{"male", "female"},
		metrics: []metric{countMetric("male", "男", fSex+person.Male), countMetric("female", "女", fSex+person.Female)}}

	eth := sectionSpec{id: "ethnicity", title: "留守儿童民族", chart: ChartBar}
	type kv struct {
		k string
		n float64
	}
	var es []kv
	for k, n := range total {
		if e, ok := strings.CutPrefix(k, fEth); ok && n > 0 {
			es = append(es, kv{e, n})
		}
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].n != es[j].n {
			return es[i].n > es[j].n
		}
		return es[i].k < es[j].k
	})
	named := map[string]bool{}
	for i, e := range es {
		if i == maxEthnicities {
			break
		}
		named[e.k] = true
		eth.metrics = append(eth.metrics, countMetric("eth_"+e.k, e.k, fEth+e.k))
		eth.plot = append(eth.plot, "eth_"+e.k)
	}
	if len(es) > maxEthnicities {
		eth.metrics = append(eth.metrics, metric{Metric{Key: "eth_other", Label: "其他民族", Format: FormatCount}, func(f facts) (float64, bool) {
			var n float64
			for k, v := range f {
				if e, ok := strings.CutPrefix(k, fEth); ok && !named[e] {
					n += v
				}
			}
			return n, true
		}})
		eth.plot = append(eth.plot, "eth_other")
	}

	coverage := sectionSpec{id: "coverage", title: "关爱覆盖", chart: ChartBar,
		note:    "对象为在册留守儿童；代理家长按儿童所在学校、班级和村当前的在岗人员计算。",
		metrics: []metric{countMetric("left_behind", "留守儿童", fLeftBehind)}}
	for _, c := range []struct{ key, gap, label string }{
		{"team", care.GapTeam, "关爱队伍齐全"},
		{"pairing", care.GapPairing, "已结对帮扶"},
		{"principal", care.GapPrincipal, "有校内总代理家长"},
		{"homeroom", care.GapHomeroom, "有校内代理家长"},
		{"village", care.GapVillageProxy, "有校外总代理家长"},
	} {
		coverage.metrics = append(coverage.metrics,
			countMetric(c.key, c.label, fHas+c.gap),
			metric{Metric{Key: c.key + "_rate", Label: c.label + "率", Format: FormatPercent, Rank: true}, rate(fHas+c.gap, fLeftBehind)})
		coverage.plot = append(coverage.plot, c.key+"_rate")
	}

	follow := sectionSpec{id: "followups", title: "随访", chart: ChartBar, plot: []string{"fu30", "fu90", "overdue"},
		note: "随访次数按随访日期计；逾期与即将到期按走访规则，以每名儿童最早应访日期计。",
		metrics: []metric{
			countMetric("fu30", "近30天随访", fFU30),
			countMetric("fu90", "近90天随访", fFU90),
			countMetric("scheduled", "应定期走访儿童", fScheduled),
			countMetric("overdue", "走访逾期儿童", fOverdue),
			countMetric("due_soon", "7天内到期儿童", fDueSoon),
			{Metric{Key: "overdue_rate", Label: "逾期率", Format: FormatPercent, Rank: true, Lower: true}, rate(fOverdue, fScheduled)},
		}}

	need := sectionSpec{id: "needs", title: "需求清单", chart: ChartBar, plot: []string{"open", "closed"},
		metrics: []metric{
			countMetric("open", "未办结需求", fNeedsOpen),
			countMetric("closed", "已办结需求", fNeedsShut),
			{Metric{Key: "closed_rate", Label: "办结率", Format: FormatPercent, Rank: true}, func(f facts) (float64, bool) {
				return pct(f[fNeedsShut], f[fNeedsShut]+f[fNeedsOpen])
			}},
		}}

	service := sectionSpec{id: "services", title: "志愿服务与活动（近12个月）", chart: ChartBar, plot: []string{"hours", "activities"},
		metrics: []metric{
			{Metric{Key: "hours", Label: "志愿服务时长（小时）", Format: FormatHours}, func(f facts) (float64, bool) {
				return float64(int(f[fMinutes]/6+0.5)) / 10, true
			}},
			countMetric("activities", "集体活动", fActivities),
		}}
	return []sectionSpec{overview, reason, age, sex, eth, coverage, follow, need, service}
}

func popValue(band string) func(facts) (float64, bool) {
	return func(f facts) (float64, bool) {
		n, ok := f[fPop+band]
		return n, ok
	}
}

// incidence is the left-behind incidence rate of an age band ("" for all
// bands): only where the population of every band counted is known.
func incidence(band string) func(facts) (float64, bool) {
	bands := []string{band}
	if band == "" {
		bands = needs.AgeBands
	}
	return func(f facts) (float64, bool) {
		if f[fPopWhole] != 1 {
			return 0, false
		}
		var lb, pop float64
		for _, b := range bands {
			p, ok := f[fPop+b]
			if !ok {
				return 0, false
			}
			lb += f[fBand+b]
			pop += p
		}
		return pct(lb, pop)
	}
}

func rowOf(n Node, f facts, ms []metric) Row {
	r := Row{Node: n, Values: make(map[string]float64, len(ms))}
	for _, m := range ms {
		if v, ok := m.value(f); ok {
			r.Values[m.Key] = v
		}
	}
	return r
}

// build lays out the sections of a node from its facts, its child nodes'
// (by code; kids in display order, codes with figures but no kid are
// added at the end) and its trend.
func build(node Node, total facts, kids []Node, rows map[string]facts, trend []trendPoint) []Section {
	seen := map[string]bool{}
	for _, k := range kids {
		seen[k.Code] = true
	}
	var extra []string
	for c := range rows {
		if !seen[c] {
			extra = append(extra, c)
		}
	}
	sort.Strings(extra)
	for _, c := range extra {
		kids = append(kids, Node{Kind: KindRegion, Code: c, Name: "（其他）"})
	}
	var out []Section
	for _, sp := range specs(total) {
		s := Section{ID: sp.id, Title: sp.title, Chart: sp.chart, Plot: sp.plot, Note: sp.note, Rows: []Row{}}
		if s.Plot == nil {
			s.Plot = []string{}
		}
		for _, m := range sp.metrics {
			s.Metrics = append(s.Metrics, m.Metric)
		}
		s.Total = rowOf(node, total, sp.metrics)
		for _, k := range kids {
			f := rows[k.Code]
			if f == nil {
				f = facts{}
			}
			s.Rows = append(s.Rows, rowOf(k, f, sp.metrics))
		}
		out = append(out, s)
	}
	return append(out, trendSection(node, trend))
}

// trendSection is the last twelve months, a row per month.
func trendSection(node Node, trend []trendPoint) Section {
	s := Section{ID: "trend", Title: "月度趋势（近12个月）", Chart: ChartLine, Plot: []string{"followups", "needs_raised", "hours", "activities"},
		Metrics: []Metric{
			{Key: "followups", Label: "随访", Format: FormatCount},
			{Key: "needs_raised", Label: "新登记需求", Format: FormatCount},
			{Key: "hours", Label: "志愿服务时长（小时）", Format: FormatHours},
			{Key: "activities", Label: "集体活动", Format: FormatCount},
		}, Rows: []Row{}}
	var fu, raised, minutes, act int
	for _, p := range trend {
		s.Rows = append(s.Rows, Row{Node: Node{Kind: KindMonth, Code: p.month, Name: p.month}, Values: map[string]float64{
			"followups": float64(p.followups), "needs_raised": float64(p.raised),
			"hours": float64(int(float64(p.minutes)/6+0.5)) / 10, "activities": float64(p.act),
		}})
		fu, raised, minutes, act = fu+p.followups, raised+p.raised, minutes+p.minutes, act+p.act
	}
	s.Total = Row{Node: node, Values: map[string]float64{
		"followups": float64(fu), "needs_raised": float64(raised), "hours": float64(int(float64(minutes)/6+0.5)) / 10, "activities": float64(act),
	}}
	return s
}
