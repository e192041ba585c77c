package web

import (
	"maps"

	"guanai/internal/care"
)

// The texts of the care network's pages (issue 5), kept apart from
// catalog.go so the two grow without treading on each other; init merges
// them into the catalog.
var careCatalog = map[string]message{
	"nav.gaps":        {"缺口", "Gaps"},
	"nav.mentors":     {"结对", "Pairings"},
	"nav.bulk":        {"批量分配", "Bulk assign"},
	"nav.my_children": {"我的结对儿童", "My children"},

	// The responsibility chain on a child's profile.
	"care.heading":       {"负责链", "Care network"},
	"care.leaders":       {"五级书记", "Accountable leaders"},
	"care.team":          {"关爱队伍", "Care team"},
	"care.missing":       {"尚缺：", "Still missing: "},
	"care.complete":      {"六类成员齐全。", "All six roles are filled."},
	"care.role":          {"角色", "Role"},
	"care.holder":        {"成员", "Member"},
	"care.since":         {"开始日期", "Since"},
	"care.since_date":    {"自 %s 起", "since %s"},
	"care.actions":       {"操作", "Actions"},
	"care.end":           {"结束", "End"},
	"care.vacant":        {"空缺", "Vacant"},
	"care.not_set":       {"未设置", "Not set"},
	"care.is_user":       {"系统用户", "user"},
	"care.assign":        {"分配或更换成员", "Assign or replace a member"},
	"care.assign_hint":   {"选择一位系统用户；受委托监护人、爱心邻居等不是系统用户的，请留空用户并填写姓名、电话和与儿童关系。", "Pick a guanai user; for someone who is not a user (a guardian, a neighbour), leave the user empty and give the name, phone and relation."},
	"care.assign_submit": {"分配", "Assign"},
	"care.history":       {"以往成员（%d）", "Past members (%d)"},
	"care.from_to":       {"%s 至 %s", "%s to %s"},
	"care.proxies":       {"代理家长", "Proxy parents"},
	"care.mentors":       {"结对帮扶", "Paired mentors"},
	"care.no_mentors":    {"尚未结对。", "Not paired yet."},
	"care.end_pairing":   {"结束结对", "End pairing"},
	"care.pair":          {"新建结对", "Pair a mentor"},
	"care.pair_submit":   {"结对", "Pair"},
	"care.user":          {"系统用户", "User"},
	"care.user_help":     {"列出本辖区内的干部、教师和结对人；不合适的人选会被拒绝并说明原因。", "Officials, teachers and mentors of your area; an unfit choice is refused with the reason."},
	"care.not_user":      {"（不是系统用户）", "(not a user)"},
	"care.person_name":   {"姓名", "Name"},
	"care.person_phone":  {"联系电话", "Phone"},
	"care.relation":      {"与儿童关系", "Relation to the child"},
	"care.relation_help": {"如：祖母、邻居。受委托监护人必填。", "E.g. grandmother, neighbour. Required for the entrusted guardian."},
	"care.from":          {"开始日期", "From"},
	"care.from_help":     {"留空为今天。", "Empty means today."},
	"care.replace":       {"替换现任", "Replace the current holder"},
	"care.replace_help":  {"该角色已有人担任时，先结束现任再分配。", "When the role is held, end the current holder first."},
	"care.mentor":        {"结对人", "Mentor"},
	"care.kind":          {"结对类型", "Kind"},
	"care.note":          {"备注", "Note"},

	// Positions.
	"care.past":                    {"以往：", "Before: "},
	"care.position_set":            {"设置%s", "Set the %s"},
	"care.position_replace":        {"更换%s", "Replace the %s"},
	"care.position_submit":         {"保存", "Save"},
	"care.title":                   {"职务", "Title"},
	"care.title_help":              {"如：党委书记、村党总支书记。", "E.g. party secretary."},
	"care.school_proxies":          {"代理家长", "Proxy parents"},
	"care.school_proxies_hint":     {"校长是本校全体留守学生的校内总代理家长，班主任是本班留守学生的校内代理家长；设置后，相关儿童的负责链随即更新。", "The principal is the in-school chief proxy parent of all the school's left-behind pupils, a homeroom teacher the proxy parent of the class's; the children's chains follow at once."},
	"care.homerooms":               {"各班校内代理家长", "Class proxy parents"},
	"title.region":                 {"%s：责任书记与代理家长", "%s: leaders and proxies"},
	"region.gaps":                  {"关爱缺口", "Care gaps"},
	"region.children":              {"儿童名册", "Children"},
	"region.level":                 {"行政级别：%s", "Level: %s"},
	"region.positions":             {"责任书记与代理家长", "Leader and proxy parent"},
	"region.kids":                  {"下辖%s", "%s below"},
	"position.leader_short":        {"责任书记", "Leader"},
	"position.village_proxy_short": {"校外总代理家长", "Out-of-school proxy"},

	"home.mentees": {"我的结对儿童（%d 名）", "My children (%d)"},

	// Mentors and pairings.
	"title.mentors":       {"结对帮扶", "Pairings"},
	"title.mentor":        {"结对人：%s", "Mentor: %s"},
	"title.my_children":   {"我的结对儿童", "My children"},
	"mentors.heading":     {"结对帮扶人", "Mentors"},
	"mentors.intro":       {"本辖区内的结对帮扶人及其当前结对儿童数。每人超过 %d 名时提示，达到 %d 名时不能再结对。", "The mentors of your area and how many children each is paired with now. Past %d a warning is shown; at %d no more pairings are made."},
	"mentors.current":     {"当前结对 %d 名儿童", "%d children now"},
	"mentors.over":        {"超过建议上限", "over the suggested limit"},
	"mentors.over_long":   {"该结对人的结对儿童已超过建议上限（%d 名）。", "This mentor has more children than the suggested limit (%d)."},
	"mentors.limits":      {"（建议上限 %d 名，最多 %d 名）", "(suggested at most %d, never more than %d)"},
	"mentors.none":        {"本辖区还没有结对帮扶人账号。", "No mentor accounts in your area yet."},
	"mentors.back":        {"返回结对帮扶人", "Back to the mentors"},
	"mentors.pairings":    {"当前结对儿童", "Children paired now"},
	"mentors.no_pairings": {"尚未与儿童结对。", "Not paired with any child yet."},
	"mentors.past":        {"已结束的结对（%d）", "Ended pairings (%d)"},
	"mentors.pair":        {"新建结对", "Pair with a child"},
	"mentors.find":        {"查找儿童（姓名或身份证号后几位）", "Find a child (name or the end of the ID number)"},
	"mentors.child":       {"儿童", "Child"},
	"mentors.already":     {"已结对", "already paired"},
	"mentors.found_none":  {"没有找到符合条件的儿童。", "No child found."},
	"my.heading":          {"我的结对儿童", "My children"},
	"my.intro":            {"与您结对的儿童。为保护儿童隐私，这里不显示身份证号、健康和困境信息。", "The children paired with you. To protect them, ID numbers, health and difficulty are not shown."},
	"my.guardian":         {"监护人", "Guardian"},
	"my.none":             {"您目前没有结对儿童。", "You are not paired with any child at the moment."},
	"my.back":             {"返回我的结对儿童", "Back to my children"},

	"import.kind.care_teams": {"关爱队伍", "Care teams"},

	// Bulk assignment.
	"title.bulk":              {"批量分配关爱队伍成员", "Bulk assignment"},
	"bulk.heading":            {"批量分配关爱队伍成员", "Assign one person to many children"},
	"bulk.intro":              {"把同一个人分配为一个村（或所选儿童）每名在册留守儿童的同一角色。要么全部成功，要么一个也不写入：有任何儿童被拒绝时，下方列出每名儿童的结果和原因。", "Assign one person to the same role for every active left-behind child of a place, or of the children chosen. All or nothing: if any child is refused, nothing is written and each child's outcome is listed with the reason."},
	"bulk.children":           {"哪些儿童", "Which children"},
	"bulk.chosen":             {"所选儿童（%d 名）", "Children chosen (%d)"},
	"bulk.person":             {"分配什么角色、给谁", "Which role, to whom"},
	"bulk.submit":             {"批量分配", "Assign to all"},
	"bulk.result":             {"分配结果", "Outcome"},
	"bulk.applied":            {"已完成：新分配 %d 名，更换 %d 名，无变化 %d 名。", "Done: %d assigned, %d replaced, %d unchanged."},
	"bulk.not_applied":        {"有 %d 名儿童被拒绝，本次分配没有写入任何数据。请按原因修改后重试。", "%d children were refused, so nothing was written. Fix what the reasons say and try again."},
	"bulk.refused":            {"本次分配未执行。", "Nothing was assigned."},
	"bulk.child":              {"儿童", "Child"},
	"bulk.outcome":            {"结果", "Outcome"},
	"bulk.reason":             {"原因", "Reason"},
	"bulk.outcome.assigned":   {"新分配", "Assigned"},
	"bulk.outcome.reassigned": {"更换", "Replaced"},
	"bulk.outcome.unchanged":  {"无变化", "Unchanged"},
	"bulk.outcome.refused":    {"拒绝", "Refused"},
	"bulk.choose":             {"为所选儿童批量分配", "Assign to the children chosen"},
	"care.bulk_region":        {"地区", "Place"},
	"care.bulk_region_help":   {"该地区内所有在册留守儿童，通常选到村（社区）。", "Every active left-behind child of the place; usually a village."},

	// Gaps.
	"title.gaps":         {"关爱缺口", "Care gaps"},
	"title.gap_children": {"缺口名单：%s", "Gap list: %s"},
	"gaps.heading":       {"关爱缺口", "Care gaps"},
	"gaps.intro":         {"在册留守儿童中，尚缺各类关爱人员的人数。点击数字查看名单，点击地区名称逐级查看。", "Active left-behind children still lacking each part of the care network. Select a number for the list behind it, a place to look further down."},
	"gaps.caption":       {"%s的关爱缺口", "Care gaps of %s"},
	"gaps.place":         {"地区", "Place"},
	"gaps.children":      {"留守儿童", "Left-behind children"},
	"gaps.total":         {"%s合计", "%s, total"},
	"gaps.no_rows":       {"下级没有地区。", "No places below this one."},
	"gaps.export":        {"导出 Excel", "Export to Excel"},
	"gaps.region_page":   {"责任书记与代理家长", "Leaders and proxies"},
	"gaps.any":           {"有任何缺口", "Any gap"},
	"gaps.back":          {"返回缺口统计", "Back to the gaps"},
	"gaps.switch":        {"其他缺口", "Other gaps"},
	"gaps.pick":          {"选择：", "Choose: "},
	"gaps.profile":       {"负责链", "Care network"},
	"gaps.none":          {"没有符合条件的儿童。", "No children with this gap."},

	"notice.member_assigned":   {"已分配关爱队伍成员。", "Team member assigned."},
	"notice.member_reassigned": {"已更换关爱队伍成员。", "Team member replaced."},
	"notice.member_ended":      {"已结束该成员的任职。", "The member's term has ended."},
	"notice.paired":            {"已结对。", "Paired."},
	"notice.paired_over":       {"已结对；该结对人的结对儿童已超过建议上限。", "Paired; the mentor is now over the suggested number of children."},
	"notice.pairing_ended":     {"已结束结对。", "Pairing ended."},
	"notice.position_set":      {"已设置。", "Set."},
	"notice.position_ended":    {"已结束该任职。", "The position has been ended."},
}

// careNotices are the care pages' notices (see notices).
var careNotices = []string{"member_assigned", "member_reassigned", "member_ended", "paired", "paired_over", "pairing_ended",
	"position_set", "position_ended"}

// careCodeLabels are the English labels of the codes the care package
// labels in Chinese.
var careCodeLabels = map[string]string{
	"team." + care.RoleCountyCadre:                "County cadre",
	"team." + care.RoleTownshipCadre:              "Township cadre",
	"team." + care.RoleVillageCadre:               "Village cadre",
	"team." + care.RoleTeacher:                    "School teacher",
	"team." + care.RoleGuardian:                   "Entrusted guardian",
	"team." + care.RoleNeighbour:                  "Friendly neighbour",
	"pairing_kind." + care.KindCadre:              "Cadre",
	"pairing_kind." + care.KindEntrepreneur:       "Young entrepreneur",
	"pairing_kind." + care.KindVolunteer:          "Volunteer",
	"position." + care.PositionPrincipal:          "In-school chief proxy parent",
	"position." + care.PositionHomeroom:           "Class proxy parent",
	"position." + care.PositionVillageProxy:       "Out-of-school chief proxy parent",
	"position." + care.PositionLeader:             "Accountable leader",
	"gap." + care.GapTeam:                         "Incomplete care team",
	"gap." + care.GapPairing:                      "No pairing",
	"gap." + care.GapPrincipal:                    "No in-school chief proxy parent",
	"gap." + care.GapHomeroom:                     "No class proxy parent",
	"gap." + care.GapVillageProxy:                 "No out-of-school chief proxy parent",
	"gap." + care.GapRole(care.RoleCountyCadre):   "No county cadre",
	"gap." + care.GapRole(care.RoleTownshipCadre): "No township cadre",
	"gap." + care.GapRole(care.RoleVillageCadre):  "No village cadre",
	"gap." + care.GapRole(care.RoleTeacher):       "No school teacher",
	"gap." + care.GapRole(care.RoleGuardian):      "No entrusted guardian",
	"gap." + care.GapRole(care.RoleNeighbour):     "No friendly neighbour",
}

func init() {
	maps.Copy(catalog, careCatalog)
	for k, en := range careCodeLabels {
		catalog[k] = message{en: en}
	}
	notices = append(notices, careNotices...)
}
