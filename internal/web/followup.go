package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/menu"
	"guanai/internal/person"
)

// Follow-ups (随访): the task list (the phone's way in: one tap opens the
// form with today, the caller and every dimension good already chosen,
// one more saves it), the form, a child's follow-ups with the next planned
// date, the list of follow-ups in scope with its Excel export, and one
// follow-up.

// seesFollowups reports whether the viewer reads follow-ups: those with a
// census scope and mentors (their paired children).
func seesFollowups(v access.Viewer) bool { return !v.Nobody }

// hasTasks reports whether the viewer may have follow-up tasks: any data
// role (a cadre, a teacher, a mentor on a child's care team).
func hasTasks(v access.Viewer) bool { return !v.Nobody && v.UserID != "" }

// taskView is one row of a task list.
type taskView struct {
	followup.Task
	Role, Status, Level, Place string
	Overdue                    bool
	RecordHref                 string
}

// tasksPage is the view model of the task list (and the home page's part).
type tasksPage struct {
	Layout
	Tasks                       []taskView
	DueSoon, Overdue, Escalated int
	Today                       string
}

// taskViews turns a task list into rows in language lg.
func (w *Web) taskViews(ctx context.Context, lg lang, list followup.TaskList) []taskView {
	out := make([]taskView, 0, len(list.Items))
	for _, t := range list.Items {
		tv := taskView{Task: t, Role: lg.label("team."+t.CareRole, t.CareRoleLabel), Overdue: t.Status == followup.StatusOverdue,
			RecordHref: "/followups/new?child=" + url.QueryEscape(t.ChildID)}
		if tv.Overdue {
			tv.Status = lg.T("fu.overdue_days", t.DaysOverdue)
		} else {
			tv.Status = lg.T("fu.due_in", -t.DaysOverdue)
		}
		if t.Level != "" {
			tv.Level = lg.T("fu.level." + t.Level)
		}
		tv.Place, _ = w.app.Regions.PathString(ctx, t.VillageCode)
		out = append(out, tv)
	}
	return out
}

func (w *Web) tasks(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !hasTasks(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	list, err := w.app.Followups.Tasks(ctx, v)
	if err != nil {
		return err
	}
	p := tasksPage{Layout: w.layout(r, id, lg.T("title.tasks")), Tasks: w.taskViews(ctx, lg, list),
		DueSoon: list.DueSoon, Overdue: list.Overdue, Escalated: list.Escalated, Today: list.Today}
	w.render(rw, r, http.StatusOK, "followup_tasks", p)
	return nil
}

// choice is one radio button or select option.
type choice struct {
	Value, Label string
	Selected     bool
}

// dimensionField is one dimension of the form: its rating buttons and
// its note.
type dimensionField struct {
	Key, Label, Note, Error string
	Ratings                 []choice
	// Psych marks the psychology note (shown to few).
	Psych bool
}

// followupForm is the view model of the follow-up form.
type followupForm struct {
	Layout
	ChildID, ChildName string
	VisitedOn, NextOn  string
	Today              string
	Methods            []choice
	Dimensions         []dimensionField
	NeedKinds          []choice
	NeedDesc           string
	// Open says the details (notes, needs, dates) start unfolded: after
	// an error, or when something is already typed there.
	Open    bool
	Errors  map[string]string
	Problem string
}

func (w *Web) followupForm(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	c, err := w.app.Followups.ChildFor(r.Context(), v, queryValue(r, "child"))
	if err != nil {
		return err
	}
	if !c.MayRecord {
		return notFound
	}
	w.renderFollowupForm(rw, r, id, c, followup.Input{}, nil, http.StatusOK)
	return nil
}

func (w *Web) renderFollowupForm(rw http.ResponseWriter, r *http.Request, id authn.Identity, c followup.Child, in followup.Input, err error, status int) {
	lg := langOf(r)
	today := w.app.DB.Now().In(person.China).Format("2006-01-02")
	p := followupForm{Layout: w.layout(r, id, lg.T("title.followup_new")), ChildID: c.ID, ChildName: c.Name, Today: today,
		VisitedOn: in.VisitedOn, NextOn: in.NextOn, Errors: map[string]string{}}
	if p.VisitedOn == "" {
		p.VisitedOn = today
	}
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			p.Errors = fe
		} else {
			p.Problem = errs.As(err).Message
		}
		p.Open = true
	}
	method := in.Method
	if method == "" {
		method = followup.MethodHomeVisit
	}
	for _, m := range followup.Methods {
		p.Methods = append(p.Methods, choice{Value: m, Label: lg.label("fu_method."+m, followup.MethodLabel(m)), Selected: m == method})
	}
	for _, d := range followup.Dimensions {
		rating := in.Ratings[d]
		if rating == "" {
			rating = followup.RatingGood
		}
		df := dimensionField{Key: d, Label: lg.label("fu_dim."+d, followup.DimensionLabel(d)), Note: in.Notes[d], Psych: d == followup.DimPsych,
			Error: p.Errors["ratings."+d] + p.Errors["notes."+d]}
		for _, rt := range followup.Ratings {
			df.Ratings = append(df.Ratings, choice{Value: rt, Label: lg.label("fu_rating."+rt, followup.RatingLabel(rt)), Selected: rt == rating})
		}
		if df.Note != "" {
			p.Open = true
		}
		p.Dimensions = append(p.Dimensions, df)
	}
	kind := ""
	if len(in.Needs) > 0 {
		kind, p.NeedDesc, p.Open = in.Needs[0].Kind, in.Needs[0].Description, true
	}
	p.NeedKinds = append(p.NeedKinds, choice{Value: "", Label: lg.T("fu.need_none"), Selected: kind == ""})
	for _, k := range menu.Kinds {
		p.NeedKinds = append(p.NeedKinds, choice{Value: k, Label: lg.label("need_kind."+k, menu.KindLabel(k)), Selected: k == kind})
	}
	for _, k := range []string{"needs.0.kind", "needs.0.description", "needs"} {
		if m := p.Errors[k]; m != "" {
			p.Errors["need"] = m
		}
	}
	w.render(rw, r, status, "followup_form", p)
}

// followupInput reads the posted form.
func followupInput(r *http.Request) followup.Input {
	in := followup.Input{ChildID: postValue(r, "child_id"), VisitedOn: postValue(r, "visited_on"), Method: postValue(r, "method"),
		NextOn: postValue(r, "next_on"), Ratings: map[string]string{}, Notes: map[string]string{}}
	for _, d := range followup.Dimensions {
		if s := postValue(r, "rating_"+d); s != "" {
			in.Ratings[d] = s
		}
		if s := strings.TrimSpace(r.PostFormValue("note_" + d)); s != "" {
			in.Notes[d] = s
		}
	}
	if k := postValue(r, "need_kind"); k != "" {
		in.Needs = []followup.NeedInput{{Kind: k, Description: strings.TrimSpace(r.PostFormValue("need_desc"))}}
	}
	return in
}

func (w *Web) createFollowup(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	in := followupInput(r)
	c, err := w.app.Followups.ChildFor(r.Context(), v, in.ChildID)
	if err != nil {
		return err
	}
	if !c.MayRecord {
		return notFound
	}
	fu, err := w.app.Followups.Record(r.Context(), v, in)
	switch errs.CodeOf(err) {
	case "":
		n := "followup_saved"
		if fu.Urgent {
			n = "followup_urgent"
		}
		redirect(rw, r, "/children/"+c.ID+"/followups?n="+n)
		return nil
	case errs.Invalid:
		w.renderFollowupForm(rw, r, id, c, in, err, http.StatusUnprocessableEntity)
		return nil
	}
	return err
}

// followupRow is a follow-up in a list.
type followupRow struct {
	followup.Followup
	Method, Role, Place string
	Flags               []string
}

func (w *Web) followupRows(ctx context.Context, lg lang, items []followup.Followup, place bool) []followupRow {
	out := make([]followupRow, 0, len(items))
	for _, f := range items {
		row := followupRow{Followup: f, Method: lg.label("fu_method."+f.Method, f.MethodLabel)}
		if f.CareRole != "" {
			row.Role = lg.label("team."+f.CareRole, f.CareRoleText)
		}
		for _, d := range f.Dimensions {
			if d.Rating != followup.RatingGood {
				row.Flags = append(row.Flags, lg.label("fu_dim."+d.Key, d.Label)+lg.T("colon")+lg.label("fu_rating."+d.Rating, d.RatingText))
			}
		}
		if place {
			row.Place, _ = w.app.Regions.PathString(ctx, f.VillageCode)
		}
		out = append(out, row)
	}
	return out
}

// childFollowupsPage is the view model of a child's follow-ups.
type childFollowupsPage struct {
	Layout
	Child       followup.Child
	Rows        []followupRow
	Total       int
	RecordHref  string
	ProfileHref string
}

func (w *Web) childFollowups(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	ctx := r.Context()
	c, err := w.app.Followups.ChildFor(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	page, err := w.app.Followups.List(ctx, v, followup.Filter{ChildID: c.ID, Limit: 100})
	if err != nil {
		return err
	}
	lg := langOf(r)
	p := childFollowupsPage{Layout: w.layout(r, id, lg.T("title.child_followups", c.Name)), Child: c, Rows: w.followupRows(ctx, lg, page.Items, false), Total: page.Total}
	if c.MayRecord {
		p.RecordHref = "/followups/new?child=" + url.QueryEscape(c.ID)
	}
	switch {
	case seesChildren(v) && v.InRegion(c.VillageCode):
		p.ProfileHref = "/children/" + c.ID
	case isMentor(v):
		p.ProfileHref = "/my/children/" + c.ID
	}
	w.render(rw, r, http.StatusOK, "followup_child", p)
	return nil
}

// followupsPage is the view model of the follow-ups in scope.
type followupsPage struct {
	Layout
	Rows         []followupRow
	Mine, Urgent bool
	From, To     string
	Pager        pager
	ExportHref   string
	RulesHref    string
}

func (w *Web) followups(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesFollowups(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	pg, _ := strconv.Atoi(queryValue(r, "page"))
	pg = max(pg, 1)
	const size = 50
	f := followup.Filter{Mine: queryValue(r, "mine") == "1", Urgent: queryValue(r, "urgent") == "1", From: queryValue(r, "from"), To: queryValue(r, "to"),
		Limit: size, Offset: (pg - 1) * size}
	page, err := w.app.Followups.List(ctx, v, f)
	if errs.CodeOf(err) == errs.BadRequest {
		f.From, f.To = "", ""
		page, err = w.app.Followups.List(ctx, v, f)
	}
	if err != nil {
		return err
	}
	p := followupsPage{Layout: w.layout(r, id, lg.T("title.followups")), Rows: w.followupRows(ctx, lg, page.Items, true),
		Mine: f.Mine, Urgent: f.Urgent, From: f.From, To: f.To, RulesHref: "/followup-rules"}
	q := url.Values{}
	if f.Mine {
		q.Set("mine", "1")
	}
	if f.Urgent {
		q.Set("urgent", "1")
	}
	if f.From != "" {
		q.Set("from", f.From)
	}
	if f.To != "" {
		q.Set("to", f.To)
	}
	p.Pager = newPager(r, page.Total, pg, size)
	xq := url.Values{}
	for k, vs := range q {
		if k == "mine" || k == "urgent" {
			xq.Set(k, "true")
		} else {
			xq[k] = vs
		}
	}
	p.ExportHref = "/api/v1/followups/export"
	if len(xq) > 0 {
		p.ExportHref += "?" + xq.Encode()
	}
	w.render(rw, r, http.StatusOK, "followups", p)
	return nil
}

// followupPage is the view model of one follow-up.
type followupPage struct {
	Layout
	F          followupRow
	Dimensions []dimensionView
	NeedCount  int
	NeedsHref  string
}

type dimensionView struct {
	Label, Rating, Note string
	Urgent, Attention   bool
	Hidden              bool
}

func (w *Web) followupPageOf(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	ctx := r.Context()
	fu, err := w.app.Followups.Get(ctx, id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	lg := langOf(r)
	rows := w.followupRows(ctx, lg, []followup.Followup{fu}, true)
	p := followupPage{Layout: w.layout(r, id, lg.T("title.followup", fu.ChildName, fu.VisitedOn)), F: rows[0], NeedCount: len(fu.NeedIDs)}
	for _, d := range fu.Dimensions {
		p.Dimensions = append(p.Dimensions, dimensionView{Label: lg.label("fu_dim."+d.Key, d.Label), Rating: lg.label("fu_rating."+d.Rating, d.RatingText),
			Note: d.Note, Urgent: d.Rating == followup.RatingUrgent, Attention: d.Rating == followup.RatingAttention, Hidden: d.NoteHidden})
	}
	w.render(rw, r, http.StatusOK, "followup", p)
	return nil
}
