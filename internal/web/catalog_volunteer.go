package web

import (
	"maps"

	"guanai/internal/volunteer"
)

// The texts of the volunteer pages (issue 8: volunteers, social
// organisations, service hours, group activities), kept apart from the
// other catalogs; init merges them into the catalog.
var volunteerCatalog = map[string]message{
	"nav.volunteers": {"志愿服务", "Volunteers"},

	"title.volunteers":      {"志愿者", "Volunteers"},
	"title.volunteer_new":   {"登记志愿者", "Register a volunteer"},
	"title.volunteer_edit":  {"修改志愿者：%s", "Edit volunteer: %s"},
	"title.volunteer_hours": {"志愿服务时长记录：%s", "Record of service hours: %s"},
	"title.service_correct": {"更正服务记录：%s", "Correct a service record: %s"},
	"title.orgs":            {"社会组织", "Social organisations"},
	"title.org_new":         {"登记社会组织", "Register a social organisation"},
	"title.org_edit":        {"修改社会组织：%s", "Edit social organisation: %s"},
	"title.activities":      {"集体活动", "Group activities"},
	"title.activity_new":    {"登记集体活动", "Record a group activity"},
	"title.activity_edit":   {"修改集体活动：%s", "Edit group activity: %s"},

	"vtabs.label":      {"志愿服务", "Volunteer services"},
	"vtabs.volunteers": {"志愿者", "Volunteers"},
	"vtabs.orgs":       {"社会组织", "Organisations"},
	"vtabs.activities": {"集体活动", "Activities"},

	"volunteer.new":            {"登记志愿者", "Register a volunteer"},
	"volunteer.find":           {"按姓名或电话查找", "Find by name or phone"},
	"volunteer.name":           {"姓名", "Name"},
	"volunteer.phone":          {"联系电话", "Phone"},
	"volunteer.place":          {"所在地区", "Area"},
	"volunteer.user":           {"系统账号", "guanai account"},
	"volunteer.user_help":      {"志愿者也是系统用户（如结对帮扶人）时选择其账号，本人即可登录确认服务记录。", "When the volunteer is a guanai user (a mentor, say), pick the account: they can then log in and confirm their records."},
	"volunteer.not_user":       {"（不是系统用户）", "(not a user)"},
	"volunteer.org":            {"所属社会组织", "Organisation"},
	"volunteer.no_org":         {"（独立志愿者）", "(independent)"},
	"volunteer.skills":         {"特长", "Skills"},
	"volunteer.archived":       {"归档（不再服务）", "Archived (no longer serving)"},
	"volunteer.section":        {"志愿者信息", "The volunteer"},
	"volunteer.hours":          {"服务时长（小时）", "Hours"},
	"volunteer.none":           {"没有志愿者。", "No volunteers."},
	"volunteer.edit":           {"修改", "Edit"},
	"volunteer.is_user":        {"可登录确认", "confirms online"},
	"volunteer.total":          {"累计 %s 小时，其中已确认 %s 小时", "%s hours in all, %s confirmed"},
	"volunteer.print":          {"打印时长记录", "Print the record of hours"},
	"volunteer.export":         {"导出服务时长（Excel）", "Export hours (Excel)"},
	"volunteer.records":        {"服务记录", "Service records"},
	"volunteer.no_records":     {"还没有服务记录。", "No service records yet."},
	"volunteer.record":         {"记录服务时长", "Record service hours"},
	"volunteer.record_hint":    {"谁组织谁记录，谁记录谁证明：由组织服务的工作人员记录，志愿者本人确认。", "Whoever organises records, whoever records certifies: the organiser records, the volunteer confirms."},
	"volunteer.record_submit":  {"记录", "Record"},
	"volunteer.self_hint":      {"以下是为您记录的服务，请逐条确认；有出入的请提出异议并说明理由。", "These are the services recorded for you: confirm each, or dispute it with the reason."},
	"volunteer.archived_badge": {"已归档", "archived"},

	"service.served_on":      {"服务日期", "Date"},
	"service.served_on_help": {"留空为今天。", "Empty means today."},
	"service.hours":          {"时长（小时）", "Hours"},
	"service.hours_help":     {"如 1.5；同一志愿者一天合计不超过24小时。", "E.g. 1.5; at most 24 hours a day for one volunteer."},
	"service.content":        {"服务内容", "What was done"},
	"service.volunteer":      {"志愿者", "Volunteer"},
	"service.place":          {"地点", "Place"},
	"service.recorder":       {"记录人", "Recorded by"},
	"service.status":         {"状态", "Status"},
	"service.activity":       {"活动", "Activity"},
	"service.confirm":        {"确认", "Confirm"},
	"service.dispute":        {"提出异议", "Dispute"},
	"service.reason":         {"异议理由", "Reason"},
	"service.answer":         {"确认或异议", "Confirm or dispute"},
	"service.total":          {"合计", "Total"},
	"service.correct":        {"更正", "Correct"},

	"correct.section":           {"服务记录", "The service"},
	"correct.hint":              {"志愿者：%s；当前状态：%s。", "Volunteer: %s; now %s."},
	"correct.hint_activity":     {"志愿者：%s；活动：%s（%s，服务日期即活动日期）；当前状态：%s。", "Volunteer: %s; activity: %s (%s, the day of the service); now %s."},
	"correct.reason":            {"志愿者的异议：%s。", " The volunteer's objection: %s."},
	"correct.after":             {"更正后记录将重新等待志愿者确认。", " Once corrected, the record waits for the volunteer's confirmation again."},
	"correct.place_help":        {"服务所在的乡镇或村。", "The township or village where the service was given."},
	"correct.confirmed":         {"志愿者已确认该记录，不能再更正。", "The volunteer has confirmed this record: it can no longer be corrected."},
	"correct.forbidden.heading": {"无权更正", "Not allowed to correct"},
	"correct.forbidden":         {"只有记录人或本地区的工作人员可以更正该服务记录。", "Only whoever recorded this service, or staff of its area, may correct it."},

	"org.new":              {"登记社会组织", "Register an organisation"},
	"org.find":             {"按名称或统一社会信用代码查找", "Find by name or credit code"},
	"org.name":             {"组织名称", "Name"},
	"org.credit_code":      {"统一社会信用代码", "Unified social credit code"},
	"org.credit_code_help": {"18位，含校验码（GB 32100-2015）。", "18 characters with the check character (GB 32100-2015)."},
	"org.contact_name":     {"联系人", "Contact"},
	"org.contact_phone":    {"联系电话", "Contact phone"},
	"org.organiser":        {"组织者账号", "Organiser account"},
	"org.organiser_help":   {"该账号可为本组织的志愿者记录服务时长。", "This account may record service hours for the organisation's volunteers."},
	"org.no_organiser":     {"（无）", "(none)"},
	"org.archived":         {"归档", "Archived"},
	"org.section":          {"社会组织信息", "The organisation"},
	"org.none":             {"没有社会组织。", "No organisations."},
	"org.place":            {"所在地区", "Area"},
	"org.volunteers":       {"本组织的志愿者", "Its volunteers"},
	"org.no_volunteers":    {"还没有志愿者。", "No volunteers yet."},

	"activity.new":                   {"登记集体活动", "Record an activity"},
	"activity.all_kinds":             {"全部类型", "All kinds"},
	"activity.title":                 {"活动名称", "Title"},
	"activity.kind":                  {"活动类型", "Kind"},
	"activity.held_on":               {"活动日期", "Date"},
	"activity.place":                 {"地点", "Place"},
	"activity.address":               {"详细地址", "Address"},
	"activity.org":                   {"合作社会组织", "Partner organisation"},
	"activity.no_org":                {"（无）", "(none)"},
	"activity.note":                  {"备注", "Note"},
	"activity.section":               {"活动信息", "The activity"},
	"activity.organiser":             {"组织者", "Organiser"},
	"activity.none":                  {"没有集体活动。", "No activities."},
	"activity.children":              {"参加儿童（%d名）", "Children who attended (%d)"},
	"activity.hidden":                {"另有%d名不在您的管辖范围内。", "%d more outside your area."},
	"activity.no_children":           {"尚未登记参加的儿童。", "No children recorded yet."},
	"activity.find_child":            {"按姓名查找儿童", "Find a child by name"},
	"activity.add_children":          {"添加所选儿童", "Add the chosen children"},
	"activity.found_none":            {"没有找到儿童。", "No child found."},
	"activity.already":               {"已登记", "already recorded"},
	"activity.remove":                {"移除", "Remove"},
	"activity.volunteers":            {"参加的志愿者", "Volunteers who served"},
	"activity.no_volunteers":         {"尚未记录志愿者的服务时长。", "No volunteer's hours recorded yet."},
	"activity.photos":                {"活动照片（%d张）", "Photos (%d)"},
	"activity.no_photos":             {"没有照片。", "No photos."},
	"activity.photo":                 {"照片（可多选）", "Photos (choose one or several)"},
	"activity.photo_alt":             {"活动照片", "Photo of the activity"},
	"activity.upload":                {"上传", "Upload"},
	"activity.delete_photo":          {"删除照片", "Delete photo"},
	"activity.photo_limit":           {"JPEG、PNG或WebP格式，每张不超过%dMB，每个活动最多%d张；可一次选择多张，其中任何一张不符合要求时都不保存。", "JPEG, PNG or WebP, at most %d MB each, %d per activity; choose several at once if you like — if any one is refused, none is kept."},
	"activity.photo_missing":         {"请选择要上传的照片", "Choose the photos to upload"},
	"activity.photo_too_big.heading": {"照片太大", "Photo too large"},
	"activity.photo_too_big.message": {"每张照片不能超过%dMB，一次最多上传%d张，请压缩或减少后重新上传。", "Each photo may be at most %d MB, and at most %d at once: make them smaller or fewer and upload again."},
	"activity.edit":                  {"修改", "Edit"},
	"activity.filter":                {"筛选", "Filter"},

	"hours.heading":   {"志愿服务时长记录", "Record of volunteer service hours"},
	"hours.printed":   {"打印日期：%s", "Printed on %s"},
	"hours.certify":   {"本记录由组织服务的单位记录（谁组织谁记录，谁记录谁证明），“已确认”的记录经志愿者本人确认。", "Each service was recorded by its organiser (whoever organises records, whoever records certifies); those marked confirmed were confirmed by the volunteer."},
	"hours.signature": {"记录单位（盖章）：", "Recording organisation (seal):"},
	"hours.print":     {"打印", "Print"},
	"hours.back":      {"返回志愿者页面", "Back to the volunteer"},

	"notice.volunteer_saved":   {"已保存志愿者信息。", "Volunteer saved."},
	"notice.service_recorded":  {"已记录服务时长，待志愿者确认。", "Hours recorded; waiting for the volunteer's confirmation."},
	"notice.service_confirmed": {"已确认该服务记录。", "Record confirmed."},
	"notice.service_disputed":  {"已提出异议，记录人将更正。", "Disputed; the recorder will correct it."},
	"notice.service_corrected": {"已更正服务记录，待志愿者重新确认。", "Record corrected; waiting for the volunteer's confirmation again."},
	"notice.org_saved":         {"已保存社会组织信息。", "Organisation saved."},
	"notice.activity_saved":    {"已保存活动。", "Activity saved."},
	"notice.photo_added":       {"已上传照片。", "Photo uploaded."},
	"notice.photos_added":      {"已上传全部照片。", "Photos uploaded."},
	"notice.photo_deleted":     {"已删除照片。", "Photo deleted."},
}

var volunteerNotices = []string{"volunteer_saved", "service_recorded", "service_confirmed", "service_disputed", "service_corrected", "org_saved", "activity_saved",
	"photo_added", "photos_added", "photo_deleted"}

// volunteerCodeLabels are the English labels of the codes the volunteer
// package labels in Chinese.
var volunteerCodeLabels = map[string]string{
	"skill.tutoring":                               "Tutoring",
	"skill.companionship":                          "Companionship",
	"skill.counselling":                            "Counselling",
	"skill.arts":                                   "Arts",
	"skill.sports":                                 "Sports",
	"skill.medical":                                "Health care",
	"skill.legal":                                  "Legal aid",
	"skill.other":                                  "Other",
	"activity_kind." + volunteer.KindSafety:        "Safety education",
	"activity_kind." + volunteer.KindDrowning:      "Drowning prevention",
	"activity_kind." + volunteer.KindFireDrill:     "Fire drill",
	"activity_kind." + volunteer.KindCompanionship: "Companionship",
	"activity_kind." + volunteer.KindTutoring:      "Tutoring",
	"service_status." + volunteer.StatusRecorded:   "Awaiting confirmation",
	"service_status." + volunteer.StatusConfirmed:  "Confirmed",
	"service_status." + volunteer.StatusDisputed:   "Disputed",
}

func skillLabel(l lang, s string) string { return l.label("skill."+s, volunteer.SkillLabel(s)) }
func activityKindLabel(l lang, k string) string {
	return l.label("activity_kind."+k, volunteer.KindLabel(k))
}
func serviceStatusLabel(l lang, s string) string {
	return l.label("service_status."+s, volunteer.StatusLabel(s))
}

func init() {
	maps.Copy(catalog, volunteerCatalog)
	for k, en := range volunteerCodeLabels {
		catalog[k] = message{en: en}
	}
	notices = append(notices, volunteerNotices...)
}
