package web

import (
	"maps"

	"guanai/internal/children"
	"guanai/internal/dashboard"
)

// The texts of the dashboard (issue 6), kept apart from the other
// catalogs; init merges them into the catalog.
var dashboardCatalog = map[string]message{
	"nav.dashboard":   {"数据看板", "Dashboard"},
	"title.dashboard": {"数据看板：%s", "Dashboard: %s"},

	"dash.heading":        {"数据看板：%s", "Dashboard: %s"},
	"dash.xlsx":           {"导出Excel", "Export to Excel"},
	"dash.json":           {"JSON 数据", "JSON data"},
	"dash.crumbs":         {"所在位置", "Location"},
	"dash.as_of":          {"统计截至 %s", "Figures as of %s"},
	"dash.contents":       {"本页内容", "On this page"},
	"dash.intro":          {"每个图表下面的表格列出同样的数字。", "The table under each chart lists the same numbers."},
	"dash.intro_drill":    {"点击下级单位的名称可查看该单位的数据看板。", " Click a unit's name to open its own dashboard."},
	"dash.chart_label":    {"%s图表，数字见下表", "Chart of %s; the numbers are in the table below"},
	"dash.total_row":      {"%s（合计）", "%s (total)"},
	"dash.col.name":       {"名称", "Name"},
	"dash.col.month":      {"月份", "Month"},
	"dash.school":         {"学校", "School"},
	"dash.other":          {"（其他）", "(other)"},
	"dash.empty":          {"暂无数据。", "No figures yet."},
	"dash.schools":        {"学校", "Schools"},
	"dash.schools_intro":  {"辖区内共有学校 %d 所；点击学校名称查看该校的数据看板（按班级分列）。", "%d schools in this area; click a school to open its dashboard (by class)."},
	"dash.schools_all":    {"查看全部学校", "All the schools"},
	"dash.rankings":       {"通报排名", "Rankings"},
	"dash.rankings_intro": {"下级单位按各项覆盖指标排名，供定期通报；数值相同的并列同一名次，没有该项数值的单位不参加排名。", "The units below are ranked on each coverage figure, for the periodic bulletin; equal values share a place, and units without the figure are left out."},
	"dash.rankings_none":  {"没有可排名的下级单位。", "There are no units below this one to rank."},
	"dash.place":          {"名次", "Place"},
	"dash.ranking.title":  {"%s · %s（%s）", "%s · %s (%s)"},
	"dash.ranking.higher": {"从高到低", "highest first"},
	"dash.ranking.lower":  {"从低到高", "lowest first"},
}

// dashboardEnglish translates the Chinese texts package dashboard gives
// its sections, metrics and levels, keyed by the Chinese (a school's
// sections say some things differently from a region's, so the text, not
// the section id, is the key). Texts not here — ethnic groups, which stay
// Chinese in both languages like the rest of the domain's words — show in
// Chinese.
var dashboardEnglish = map[string]string{
	// Section titles.
	"概况":             "Overview",
	"留守原因":           "Why children are left behind",
	"年龄段与留守发生率":      "Age bands and incidence",
	"年龄段":            "Age bands",
	"留守儿童性别":         "Left-behind children by sex",
	"留守儿童民族":         "Left-behind children by ethnic group",
	"关爱覆盖":           "Care coverage",
	"随访":             "Follow-ups",
	"需求清单":           "Needs",
	"志愿服务与活动（近12个月）": "Volunteer services and activities (last 12 months)",
	"月度趋势（近12个月）":    "Monthly trend (last 12 months)",
	// Notes.
	"年龄按统计年度计算（当年年满周岁数）；发生率 = 留守儿童 ÷ 同年龄段儿童总数（人口数据）。人口数据不全（下级未全部导入）处只列已有数字、不计算发生率。": "Ages are counted by calendar year (the age reached this year); incidence = left-behind children ÷ all children of the same age band (population figures). Where the population figures are incomplete (not every unit below imported), only the figures there are shown and no incidence is computed.",
	"年龄按统计年度计算（当年年满周岁数）；学校不计算留守发生率（人口表按行政区划）。":                                      "Ages are counted by calendar year (the age reached this year); no incidence rate for a school (the population table is by region).",
	"对象为在册留守儿童；代理家长按儿童所在学校、班级和村当前的在岗人员计算。":                                          "Counts registered left-behind children; proxy parents are those currently in post at the child's school, class and village.",
	"随访次数按随访日期计；逾期与即将到期按走访规则，以每名儿童最早应访日期计。":                                         "Follow-ups are counted by the day of the visit; overdue and due soon follow the visit rules, by each child's earliest due date.",
	// Metrics.
	"在册儿童":        "Registered children",
	"留守儿童":        "Left-behind children",
	"困境儿童":        "Children in difficulty",
	"流动儿童":        "Migrant children",
	"留守老人":        "Left-behind elders",
	"留守 0–5岁":     "Left behind, 0–5",
	"留守 6–11岁":    "Left behind, 6–11",
	"留守 12–14岁":   "Left behind, 12–14",
	"留守 15–17岁":   "Left behind, 15–17",
	"儿童总数 0–5岁":   "All children, 0–5",
	"儿童总数 6–11岁":  "All children, 6–11",
	"儿童总数 12–14岁": "All children, 12–14",
	"儿童总数 15–17岁": "All children, 15–17",
	"发生率 0–5岁":    "Incidence, 0–5",
	"发生率 6–11岁":   "Incidence, 6–11",
	"发生率 12–14岁":  "Incidence, 12–14",
	"发生率 15–17岁":  "Incidence, 15–17",
	"总发生率":        "Incidence, all ages",
	"人口数据完整度":     "Population figures complete (%)",
	"男":           "Boys",
	"女":           "Girls",
	"其他民族":        "Other ethnic groups",
	"关爱队伍齐全":      "Complete care team",
	"关爱队伍齐全率":     "Complete care team (%)",
	"已结对帮扶":       "Paired with a mentor",
	"已结对帮扶率":      "Paired with a mentor (%)",
	"有校内总代理家长":    "In-school chief proxy parent",
	"有校内总代理家长率":   "In-school chief proxy parent (%)",
	"有校内代理家长":     "Class proxy parent",
	"有校内代理家长率":    "Class proxy parent (%)",
	"有校外总代理家长":    "Out-of-school chief proxy parent",
	"有校外总代理家长率":   "Out-of-school chief proxy parent (%)",
	"近30天随访":      "Follow-ups, last 30 days",
	"近90天随访":      "Follow-ups, last 90 days",
	"应定期走访儿童":     "Children due regular visits",
	"走访逾期儿童":      "Children with overdue visits",
	"7天内到期儿童":     "Children due within 7 days",
	"逾期率":         "Overdue (%)",
	"未办结需求":       "Open needs",
	"已办结需求":       "Closed needs",
	"办结率":         "Closed (%)",
	"志愿服务时长（小时）":  "Volunteer hours",
	"集体活动":        "Group activities",
	"新登记需求":       "New needs",
	// Levels.
	"全国": "Country",
	"省级": "Province",
	"地级": "Prefecture",
	"县级": "County",
	"乡级": "Township",
	"村级": "Village",
}

// dashText is a text of package dashboard in language l.
func dashText(l lang, zh string) string {
	if l == en {
		if s, ok := dashboardEnglish[zh]; ok {
			return s
		}
	}
	return zh
}

// dashNodeName is a node's name in l: the domain's, but for the nodes it
// names itself (全国, （其他）).
func dashNodeName(l lang, n dashboard.Node) string {
	switch {
	case n.Kind == dashboard.KindRegion && n.Code == "" && n.Name == "全国":
		return l.T("region.china")
	case n.Kind == dashboard.KindRegion && n.Name == "（其他）":
		return l.T("dash.other")
	}
	return n.Name
}

func init() {
	maps.Copy(catalog, dashboardCatalog)
	// The left-behind reasons' metrics are labelled as the census labels
	// them.
	for _, r := range []string{children.ReasonBothAway, children.ReasonAwayIncapable, children.ReasonAwayDeceased} {
		if m, ok := catalog["reason."+r]; ok && m.en != "" {
			dashboardEnglish[children.ReasonLabel(r)] = m.en
		}
	}
}
