package web

import (
	"maps"

	"guanai/internal/menu"
	"guanai/internal/needs"
)

// The texts of the care services' pages (issue 8: the service menu, the
// needs list, one-to-one), kept apart from catalog.go; init merges them
// into the catalog.
var servicesCatalog = map[string]message{
	"nav.needs":      {"需求", "Needs"},
	"nav.services":   {"服务菜单", "Service menu"},
	"nav.one_to_one": {"一对一帮扶", "One-to-one"},

	"title.needs":            {"需求清单", "Needs"},
	"title.need":             {"%s的需求", "Need of %s"},
	"title.need_raise":       {"登记需求", "Raise a need"},
	"title.services":         {"服务菜单", "Service menu"},
	"title.service_new":      {"新增服务", "New service"},
	"title.service_edit":     {"修改服务：%s", "Edit service: %s"},
	"title.one_to_one":       {"一对一帮扶", "One-to-one help"},
	"title.one_to_one_match": {"一对一帮扶：%s", "One-to-one: %s"},

	"needs.heading":        {"需求清单", "Needs"},
	"needs.intro":          {"儿童的需求从随访中发现或直接登记，匹配服务菜单中的服务，服务后填写结果关闭。", "Needs are found on visits or raised directly, matched to a service on the menu, and closed with an outcome once served."},
	"needs.summary":        {"%s 未关闭的需求", "Open needs in %s"},
	"needs.place":          {"地区", "Place"},
	"needs.open":           {"未关闭", "Open"},
	"needs.total":          {"合计", "Total"},
	"needs.filter":         {"筛选需求", "Filter needs"},
	"needs.child":          {"儿童", "Child"},
	"needs.kind":           {"需求类型", "Kind"},
	"needs.band":           {"年龄段", "Age band"},
	"needs.status":         {"状态", "Status"},
	"needs.matched":        {"匹配的服务", "Matched to"},
	"needs.raised_at":      {"登记时间", "Raised"},
	"needs.none":           {"没有符合条件的需求。", "No needs match."},
	"needs.back":           {"← 需求清单", "← Needs"},
	"needs.back_child":     {"← 返回儿童信息", "← Back to the child"},
	"needs.of":             {"%s：%s", "%s: %s"},
	"needs.source":         {"来源", "Source"},
	"needs.description":    {"需求说明", "Description"},
	"needs.delivered_on":   {"服务日期", "Served on"},
	"needs.outcome":        {"服务结果", "Outcome"},
	"needs.actions":        {"处理", "Actions"},
	"needs.history":        {"处理记录", "History"},
	"needs.section":        {"需求", "Needs"},
	"needs.child_none":     {"尚无需求记录。", "No needs recorded."},
	"needs.raise":          {"登记新需求", "Raise a need"},
	"needs.raise_submit":   {"登记", "Raise"},
	"needs.refused":        {"需求未登记：请按提示修改。", "The need was not raised: please correct the fields marked."},
	"needs.export":         {"导出 Excel", "Export to Excel"},
	"needs.any":            {"全部", "All"},
	"needs.open_only":      {"未关闭", "Open"},
	"needs.note":           {"说明", "Note"},
	"needs.reason":         {"原因", "Reason"},
	"needs.service":        {"服务", "Service"},
	"needs.service_help":   {"只列出在该儿童所在地区提供的服务；已满额的服务不能再匹配。", "Only services offered where the child lives; a full service takes no more."},
	"needs.volunteer":      {"或志愿者", "Or a volunteer"},
	"needs.volunteer_help": {"志愿者名录中在该儿童所在地区服务的志愿者；服务和志愿者只选一项。", "Volunteers of the registry who serve where the child lives; choose a service or a volunteer, not both."},
	"needs.on_help":        {"留空为今天。", "Leave empty for today."},

	"menu.heading":       {"服务菜单", "Service menu"},
	"menu.intro":         {"社会组织、学校和志愿者在本地区提供的服务，供需求匹配。", "Services that social organisations, schools and volunteers offer here, for matching needs."},
	"menu.new":           {"新增服务", "New service"},
	"menu.filter":        {"筛选服务", "Filter services"},
	"menu.with_archived": {"含已下架的", "Include archived"},
	"menu.archived":      {"已下架", "Archived"},
	"menu.full":          {"已满额", "Full"},
	"menu.none":          {"本地区还没有服务。", "No services here yet."},
	"menu.back":          {"← 服务菜单", "← Service menu"},
	"menu.places":        {"余 %d / 共 %d 个名额", "%d of %d places free"},
	"menu.since":         {"%s 起", "from %s"},
	"menu.name":          {"服务名称", "Name"},
	"menu.provider_kind": {"提供方类型", "Provider type"},
	"menu.provider_name": {"提供方", "Provider"},
	"menu.regions":       {"服务地区", "Regions served"},
	"menu.regions_help":  {"选择的地区含其全部下级。", "Each region includes everything under it."},
	"menu.capacity":      {"服务容量", "Capacity"},
	"menu.capacity_help": {"可同时服务的需求数。", "How many needs it can serve at once."},
	"menu.schedule":      {"时间安排", "Schedule"},
	"menu.schedule_help": {"例如：每周六上午9:00–11:00。", "E.g. Saturdays 9:00–11:00."},
	"menu.start":         {"开始日期", "Start"},
	"menu.end":           {"结束日期", "End"},
	"menu.end_help":      {"留空表示长期。", "Leave empty if open-ended."},
	"menu.description":   {"服务说明", "Description"},
	"menu.dates":         {"服务期", "Dates"},
	"menu.archive":       {"下架", "Archive"},
	"menu.restore":       {"重新上架", "Restore"},

	"o2o.heading":      {"一对一帮扶", "One-to-one help"},
	"o2o.intro":        {"志愿者与儿童的长期一对一帮扶，建立在志愿者结对之上，并记录每次服务。", "Standing one-to-one help of a volunteer and a child, built on a volunteer pairing, with a log of each service."},
	"o2o.none":         {"还没有一对一帮扶。", "No one-to-one help yet."},
	"o2o.ended":        {"已结束", "Ended"},
	"o2o.total_hours":  {"累计 %s 小时", "%s hours in all"},
	"o2o.start":        {"建立一对一帮扶", "Start one-to-one help"},
	"o2o.start_submit": {"建立", "Start"},
	"o2o.pairing":      {"志愿者结对", "Volunteer pairing"},
	"o2o.pairing_help": {"只列出尚无一对一帮扶的当前志愿者结对。", "Current volunteer pairings without one-to-one help."},
	"o2o.goal":         {"帮扶目标", "Goal"},
	"o2o.back":         {"← 一对一帮扶", "← One-to-one"},
	"o2o.period":       {"帮扶期间", "Period"},
	"o2o.hours":        {"服务时长（小时）", "Hours"},
	"o2o.hours_help":   {"大于0，同一天合计不超过24小时。", "More than 0; at most 24 in a day."},
	"o2o.log":          {"服务记录", "Service log"},
	"o2o.log_none":     {"还没有服务记录。", "No services logged yet."},
	"o2o.log_add":      {"登记一次服务", "Log a service"},
	"o2o.log_submit":   {"登记", "Log"},
	"o2o.served_on":    {"服务日期", "Date"},
	"o2o.what":         {"服务内容", "What was done"},
	"o2o.by":           {"登记人", "Logged by"},
	"o2o.end":          {"结束一对一帮扶", "End one-to-one help"},
	"o2o.end_reason":   {"结束原因", "Reason"},

	"notice.need_raised":   {"需求已登记。", "Need raised."},
	"notice.need_match":    {"已匹配服务。", "Matched."},
	"notice.need_unmatch":  {"已取消匹配。", "Unmatched."},
	"notice.need_deliver":  {"已登记服务。", "Marked as served."},
	"notice.need_close":    {"需求已关闭。", "Need closed."},
	"notice.need_cancel":   {"需求已撤销。", "Need cancelled."},
	"notice.service_saved": {"服务已保存。", "Service saved."},
	"notice.o2o_started":   {"已建立一对一帮扶。", "One-to-one help started."},
	"notice.o2o_logged":    {"已登记服务记录。", "Service logged."},
	"notice.o2o_ended":     {"一对一帮扶已结束。", "One-to-one help ended."},
}

// servicesNotices are the services pages' notices (see notices).
var servicesNotices = []string{"need_raised", "need_match", "need_unmatch", "need_deliver", "need_close", "need_cancel", "service_saved",
	"o2o_started", "o2o_logged", "o2o_ended"}

// servicesCodeLabels are the English labels of the codes packages menu
// and needs label in Chinese.
var servicesCodeLabels = map[string]string{
	"need_kind." + menu.KindTutoring:        "Tutoring",
	"need_kind." + menu.KindCompanionship:   "Companionship",
	"need_kind." + menu.KindCounselling:     "Counselling",
	"need_kind." + menu.KindHealthCheck:     "Health check",
	"need_kind." + menu.KindSafetyEducation: "Safety education",
	"need_kind." + menu.KindLegalAid:        "Legal aid",
	"need_kind." + menu.KindLivingAid:       "Living aid",
	"need_kind." + menu.KindOther:           "Other",
	"need_status." + needs.StatusOpen:       "Open",
	"need_status." + needs.StatusMatched:    "Matched",
	"need_status." + needs.StatusDelivered:  "Served",
	"need_status." + needs.StatusClosed:     "Closed",
	"need_status." + needs.StatusCancelled:  "Cancelled",
	"need_band." + needs.BandPreschool:      "0–5",
	"need_band." + needs.BandPrimary:        "6–11",
	"need_band." + needs.BandJunior:         "12–14",
	"need_band." + needs.BandSenior:         "15 and over",
	"need_source." + needs.SourceFollowup:   "Found on a visit",
	"need_source." + needs.SourceDirect:     "Raised directly",
	"need_action." + needs.ActMatch:         "Match to a service",
	"need_action." + needs.ActUnmatch:       "Unmatch",
	"need_action." + needs.ActDeliver:       "Mark as served",
	"need_action." + needs.ActClose:         "Close",
	"need_action." + needs.ActCancel:        "Cancel the need",
	"provider." + menu.ProviderOrg:          "Social organisation",
	"provider." + menu.ProviderSchool:       "School",
	"provider." + menu.ProviderVolunteer:    "Volunteer",
}

func init() {
	maps.Copy(catalog, servicesCatalog)
	for k, en := range servicesCodeLabels {
		catalog[k] = message{en: en}
	}
	notices = append(notices, servicesNotices...)
}
