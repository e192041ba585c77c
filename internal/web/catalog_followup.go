package web

import (
	"maps"

	"guanai/internal/followup"
)

// The texts of the follow-up pages (issue 8: follow-ups, schedules,
// tasks, notifications), kept apart from catalog.go; init merges them
// into the catalog.
var followupCatalog = map[string]message{
	"nav.tasks":         {"随访", "Follow-ups"},
	"nav.notifications": {"通知", "Notices"},
	"layout.unread":     {"%d 条未读", "%d unread"},

	"title.tasks":           {"随访任务", "Follow-up tasks"},
	"title.followup_new":    {"记录随访", "Record a follow-up"},
	"title.followups":       {"随访记录", "Follow-ups"},
	"title.followup":        {"%s 的随访（%s）", "Follow-up of %s (%s)"},
	"title.child_followups": {"%s 的随访", "Follow-ups of %s"},
	"title.followup_rules":  {"随访周期规则", "Follow-up schedules"},
	"title.notifications":   {"通知", "Notices"},

	"tasks.heading":       {"我的随访任务", "My follow-up tasks"},
	"tasks.intro":         {"按随访周期规则，截至 %s：本人应做的随访（7 天内到期或已逾期），以及逾期后上报给您的随访。", "By the schedules, as of %s: the visits you owe (due within 7 days or overdue) and the overdue visits escalated to you."},
	"tasks.overdue":       {"已逾期", "Overdue"},
	"tasks.due_soon":      {"即将到期", "Due soon"},
	"tasks.escalated":     {"逾期上报", "Escalated"},
	"tasks.due_on":        {"到期日 %s", "due %s"},
	"tasks.last_on":       {"上次 %s", "last %s"},
	"tasks.never":         {"尚未随访", "never visited"},
	"tasks.record":        {"记录随访", "Record a visit"},
	"tasks.none":          {"目前没有到期的随访。", "No visits are due."},
	"tasks.all_followups": {"全部随访记录", "All follow-ups"},
	"tasks.rules":         {"随访周期规则", "Schedules"},
	"home.tasks":          {"我的随访任务", "My follow-up tasks"},
	"home.tasks_counts":   {"已逾期 %d · 即将到期 %d · 逾期上报 %d", "%d overdue · %d due soon · %d escalated"},
	"home.tasks_all":      {"查看全部任务", "All tasks"},

	"fu.overdue_days":   {"逾期 %d 天", "%d days overdue"},
	"fu.due_in":         {"%d 天后到期", "due in %d days"},
	"fu.level.township": {"逾期上报乡镇", "Escalated to the township"},
	"fu.level.county":   {"逾期上报县级", "Escalated to the county"},
	"fu.form_heading":   {"记录随访：%s", "Record a follow-up: %s"},
	"fu.form_intro":     {"已默认今天、本人、家访、各项良好；没有需要说明的情况，直接保存即可。", "Today, by you, a home visit, everything good are already chosen: with nothing to flag, just save."},
	"fu.form_errors":    {"请按提示修改后再保存。", "Please correct the fields shown and save again."},
	"fu.method":         {"随访方式", "How"},
	"fu.save":           {"保存随访", "Save the follow-up"},
	"fu.more":           {"情况说明、发现的需求、日期", "Notes, needs found, dates"},
	"fu.visited_on":     {"随访日期", "Date of the visit"},
	"fu.note":           {"%s情况说明", "%s: notes"},
	"fu.psych_help":     {"心理情况说明仅儿童主任/督导员、社工、心理咨询师和您本人可见。", "Only the children's officer, social workers, counsellors and you can read the psychology notes."},
	"fu.need_kind":      {"发现的需求", "Need found"},
	"fu.need_none":      {"（无）", "(none)"},
	"fu.need_help":      {"选择后会登记到需求清单，等待匹配服务。", "It goes onto the needs list, to be matched with a service."},
	"fu.need_desc":      {"需求说明", "About the need"},
	"fu.next_on":        {"下次计划随访日期", "Next planned visit"},
	"fu.next_help":      {"留空则按随访周期规则推算。", "Empty: from the schedule."},
	"fu.child_heading":  {"%s 的随访", "Follow-ups of %s"},
	"fu.profile":        {"儿童档案", "Profile"},
	"fu.profile_link":   {"随访记录", "Follow-ups"},
	"fu.last_on":        {"最近一次随访", "Last visit"},
	"fu.never":          {"尚未随访", "Never"},
	"fu.not_planned":    {"未定", "Not planned"},
	"fu.records":        {"随访记录（%d）", "Follow-ups (%d)"},
	"fu.urgent":         {"紧急", "Urgent"},
	"fu.all_good":       {"各项良好", "All good"},
	"fu.next_short":     {"下次 %s", "next %s"},
	"fu.none":           {"还没有随访记录。", "No follow-ups yet."},
	"fu.list_heading":   {"随访记录", "Follow-ups"},
	"fu.export":         {"导出 Excel", "Export to Excel"},
	"fu.filter_mine":    {"只看本人记录的", "Mine only"},
	"fu.filter_urgent":  {"只看有紧急情况的", "Urgent only"},
	"fu.from":           {"随访日期起", "From"},
	"fu.to":             {"随访日期止", "To"},
	"fu.detail_heading": {"%s 的随访（%s）", "Follow-up of %s (%s)"},
	"fu.child_link":     {"%s 的全部随访", "All follow-ups of %s"},
	"fu.recorder":       {"随访人", "By"},
	"fu.place":          {"所在地", "Place"},
	"fu.needs":          {"发现的需求", "Needs found"},
	"fu.need_count":     {"已登记 %d 项到需求清单", "%d on the needs list"},
	"fu.no_needs":       {"无", "None"},
	"fu.dimensions":     {"五个方面", "Five dimensions"},
	"fu.note_hidden":    {"有情况说明（您的角色无权查看心理情况）。", "There is a note (your role may not read psychology notes)."},

	"notif.heading":  {"通知", "Notices"},
	"notif.read_all": {"全部标为已读", "Mark all read"},
	"notif.new":      {"未读", "New"},
	"notif.open":     {"查看随访", "Open the follow-up"},
	"notif.none":     {"没有通知。", "No notices."},

	"rules.heading":  {"随访周期规则", "Follow-up schedules"},
	"rules.intro":    {"每条规则规定某一关爱角色对某类儿童的随访周期，以及逾期多少天后逐级上报乡镇、县级（在其任务列表中显示）。儿童同时属于多类时取最频繁的规则。", "Each rule says how often a care role visits a category of child, and after how many days overdue a visit is escalated to the township, then the county (on their task lists). A child in several categories follows the most frequent rule."},
	"rules.role":     {"关爱角色", "Care role"},
	"rules.category": {"儿童类别", "Children"},
	"rules.interval": {"随访周期", "Every"},
	"rules.township": {"逾期上报乡镇（天）", "Escalate to the township after (days)"},
	"rules.county":   {"逾期上报县级（天）", "Escalate to the county after (days)"},
	"rules.days":     {"%d 天", "%d days"},
	"rules.delete":   {"删除", "Delete"},
	"rules.none":     {"尚无规则。", "No rules."},
	"rules.set":      {"设定规则", "Set a rule"},
	"rules.set_help": {"同一关爱角色和儿童类别已有规则时，将被替换。", "A rule for the same role and category is replaced."},
	"rules.every":    {"周期数", "Every"},
	"rules.unit":     {"周期单位", "Unit"},
	"rules.save":     {"保存规则", "Save the rule"},
	"fu.every":       {"每 %d %s", "every %d %s"},

	"notice.followup_saved":  {"随访已保存。", "The follow-up is saved."},
	"notice.followup_urgent": {"随访已保存，紧急情况已通知该儿童责任链上的人员。", "The follow-up is saved; the child's chain has been told of the urgent rating."},
	"notice.rule_saved":      {"规则已保存。", "The rule is saved."},
	"notice.rule_deleted":    {"规则已删除。", "The rule is deleted."},
}

// followupNotices are the follow-up pages' notices (see notices).
var followupNotices = []string{"followup_saved", "followup_urgent", "rule_saved", "rule_deleted"}

// followupCodeLabels are the English labels of the codes package followup
// labels in Chinese.
var followupCodeLabels = map[string]string{
	"fu_method." + followup.MethodHomeVisit:      "Home visit",
	"fu_method." + followup.MethodPhone:          "Phone call",
	"fu_method." + followup.MethodSchoolTalk:     "Talk at school",
	"fu_method." + followup.MethodCompany:        "Companionship",
	"fu_method." + followup.MethodOther:          "Other",
	"fu_dim." + followup.DimStudy:                "Study",
	"fu_dim." + followup.DimLife:                 "Daily life",
	"fu_dim." + followup.DimPsych:                "Psychology",
	"fu_dim." + followup.DimThinking:             "Thinking",
	"fu_dim." + followup.DimHealth:               "Health",
	"fu_rating." + followup.RatingGood:           "Good",
	"fu_rating." + followup.RatingAttention:      "Needs attention",
	"fu_rating." + followup.RatingUrgent:         "Urgent",
	"fu_category." + followup.CategoryLeftBehind: "Left-behind children",
	"fu_category." + followup.CategoryDifficulty: "Children in difficulty",
	"fu_unit." + followup.UnitDay:                "days",
	"fu_unit." + followup.UnitWeek:               "weeks",
	"fu_unit." + followup.UnitMonth:              "months",
}

func init() {
	maps.Copy(catalog, followupCatalog)
	for k, en := range followupCodeLabels {
		catalog[k] = message{en: en}
	}
	notices = append(notices, followupNotices...)
}
