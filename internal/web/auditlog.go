package web

import (
	"net/http"
	"slices"
	"time"

	"guanai/internal/audit"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// auditPerPage is the length of a page of the audit log.
const auditPerPage = 50

// auditPage is the view model of 审计日志: the search form and one page of
// matching entries, newest first.
type auditPage struct {
	Layout
	Form              auditForm
	ActionOptions     []option
	RecordTypeOptions []option
	Rows              []auditRow
	Pager             pager
	// Errors are the messages beside the search fields.
	Errors errs.FieldErrors
}

// auditForm is the search as entered; dates are China calendar dates,
// both ends included.
type auditForm struct {
	Username, Action, RecordType, RecordID, From, To string
}

// auditRow is one entry as shown.
type auditRow struct {
	Seq int64
	// At is the time in China, to the second.
	At, Username, IP, Action string
	// Record is the record type in Chinese and its id.
	RecordType, RecordID string
	Changes              []audit.Change
	Note                 string
}

// auditActions are the actions in the search form's order, with their
// Chinese labels.
var auditActions = []option{
	{Value: audit.ActionLogin, Label: "登录"},
	{Value: audit.ActionLoginFailed, Label: "登录失败"},
	{Value: audit.ActionLogout, Label: "退出登录"},
	{Value: audit.ActionLockout, Label: "账号锁定"},
	{Value: audit.ActionUnlock, Label: "解锁账号"},
	{Value: audit.ActionPassword, Label: "修改密码"},
	{Value: audit.ActionTOTP, Label: "动态验证码变更"},
	{Value: audit.ActionTokenCreate, Label: "创建访问令牌"},
	{Value: audit.ActionTokenRevoke, Label: "撤销访问令牌"},
	{Value: audit.ActionCreate, Label: "新建"},
	{Value: audit.ActionUpdate, Label: "修改"},
	{Value: audit.ActionArchive, Label: "归档"},
	{Value: audit.ActionRestore, Label: "恢复"},
	{Value: audit.ActionViewSensitive, Label: "查看敏感信息"},
	{Value: audit.ActionExport, Label: "导出"},
}

// auditRecordTypes are the kinds of record the log names.
var auditRecordTypes = []option{
	{Value: "user", Label: "用户"},
	{Value: "access_token", Label: "访问令牌"},
	{Value: "child", Label: "儿童"},
	{Value: "elder", Label: "留守老人"},
	{Value: "school", Label: "学校"},
}

// localize returns opts with their labels in l (catalog key prefix+value;
// the Chinese labels stay when there is no entry).
func localize(l lang, prefix string, opts []option) []option {
	out := make([]option, len(opts))
	for i, o := range opts {
		out[i] = option{Value: o.Value, Label: l.label(prefix+o.Value, o.Label)}
	}
	return out
}

// label returns the label of value among opts, or value itself.
func label(opts []option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// choices returns opts after an "all" option, value selected; a value not
// among them (say, from an edited address) is kept as an option of its own.
func choices(all string, opts []option, value string) []option {
	out := []option{{Value: "", Label: all, Selected: value == ""}}
	for _, o := range opts {
		o.Selected = o.Value == value
		out = append(out, o)
	}
	if value != "" && !slices.ContainsFunc(opts, func(o option) bool { return o.Value == value }) {
		out = append(out, option{Value: value, Label: value, Selected: true})
	}
	return out
}

// chinaDate parses a date typed as YYYY-MM-DD as midnight China time.
func chinaDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, person.China)
	return t, err == nil
}

func (w *Web) audit(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !audit.MayRead(id.Viewer) {
		return notFound
	}
	f := auditForm{Username: queryValue(r, "username"), Action: queryValue(r, "action"), RecordType: queryValue(r, "record_type"),
		RecordID: queryValue(r, "record_id"), From: queryValue(r, "from"), To: queryValue(r, "to")}
	lg := langOf(r)
	actions, types := localize(lg, "action.", auditActions), localize(lg, "record.", auditRecordTypes)
	p := auditPage{Layout: w.layout(r, id, lg.T("title.audit")), Form: f, Errors: errs.FieldErrors{},
		ActionOptions: choices(lg.T("audit.any_action"), actions, f.Action), RecordTypeOptions: choices(lg.T("audit.any_type"), types, f.RecordType)}
	page := pageParam(r)
	filter := audit.Filter{Username: f.Username, Action: f.Action, RecordType: f.RecordType, RecordID: f.RecordID,
		Limit: auditPerPage, Offset: (page - 1) * auditPerPage}
	if f.From != "" {
		t, ok := chinaDate(f.From)
		if !ok {
			p.Errors.Add("from", lg.T("audit.err_date"))
		}
		filter.From = t
	}
	if f.To != "" {
		t, ok := chinaDate(f.To)
		if !ok {
			p.Errors.Add("to", lg.T("audit.err_date"))
		} else {
			filter.To = t.AddDate(0, 0, 1) // the whole end day
		}
	}
	if !filter.From.IsZero() && !filter.To.IsZero() && !filter.From.Before(filter.To) {
		p.Errors.Add("to", lg.T("audit.err_order"))
	}
	if len(p.Errors) > 0 {
		p.Pager = newPager(r, 0, 1, auditPerPage)
		w.render(rw, r, http.StatusUnprocessableEntity, "audit", p)
		return nil
	}
	res, err := audit.Search(r.Context(), w.app.DB, id.Viewer, filter)
	if err != nil {
		return err
	}
	for _, e := range res.Entries {
		p.Rows = append(p.Rows, auditRow{Seq: e.Seq, At: e.At.In(person.China).Format("2006-01-02 15:04:05"), Username: e.Username, IP: e.IP,
			Action: label(actions, e.Action), RecordType: label(types, e.RecordType), RecordID: e.RecordID,
			Changes: e.Changes, Note: e.Note})
	}
	p.Pager = newPager(r, res.Total, page, auditPerPage)
	w.render(rw, r, http.StatusOK, "audit", p)
	return nil
}
