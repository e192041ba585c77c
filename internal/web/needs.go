package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/regions"
	"guanai/internal/volunteer"
)

// The needs list (清单式服务, issue 8): the needs of the viewer's area with
// filters and the open needs by region and age band; one need's page with
// its lifecycle; the "需求" section of a child's profile that raises one.

// seesNeeds says whether v reads needs: whoever reads children, and a
// mentor (the needs of their paired children).
func seesNeeds(v access.Viewer) bool { return !v.Nobody }

func needKindLabel(l lang, k string) string   { return l.label("need_kind."+k, menu.KindLabel(k)) }
func needStatusLabel(l lang, s string) string { return l.label("need_status."+s, needs.StatusLabel(s)) }
func needBandLabel(l lang, b string) string   { return l.label("need_band."+b, needs.BandLabel(b)) }
func needSourceLabel(l lang, s string) string { return l.label("need_source."+s, needs.SourceLabel(s)) }
func needActionLabel(l lang, a string) string { return l.label("need_action."+a, needs.ActionLabel(a)) }

// needView is a need as the pages show it, in words.
type needView struct {
	ID, ChildID, ChildName, Kind, Status, StatusCode, Band, Source string
	Description, Matched, DeliveredOn, Outcome, RaisedAt           string
	Version                                                        int
}

func needOf(lg lang, n needs.Need) needView {
	return needView{ID: n.ID, ChildID: n.ChildID, ChildName: n.ChildName, Kind: needKindLabel(lg, n.Kind), Status: needStatusLabel(lg, n.Status),
		StatusCode: n.Status, Band: needBandLabel(lg, n.AgeBand), Source: needSourceLabel(lg, n.Source), Description: n.Description,
		Matched: n.MatchedName, DeliveredOn: n.DeliveredOn, Outcome: n.Outcome, RaisedAt: n.RaisedAt, Version: n.Version}
}

// needsPage is the view model of the needs list.
type needsPage struct {
	Layout
	Filters []formField
	Rows    []needView
	Pager   pager
	// Summary is the open needs of the region and of each node under it.
	Summary *needSummaryView
	Bands   []string
	Export  string
}

type needSummaryView struct {
	Name  string
	Total needSummaryRow
	Rows  []needSummaryRow
}

type needSummaryRow struct {
	Code, Name, Href string
	Open             int
	Bands            []int
}

const needsPageSize = 50

func (w *Web) needsList(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesNeeds(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	q := r.URL.Query()
	status, band, kind := q.Get("status"), q.Get("age_band"), q.Get("kind")
	if status != "" && status != "open" && !slices.Contains(needs.Statuses, status) {
		status = ""
	}
	if !slices.Contains(needs.AgeBands, band) {
		band = ""
	}
	if !slices.Contains(menu.Kinds, kind) {
		kind = ""
	}
	region := ""
	if q.Get("region") != "" && !isMentor(v) {
		region = clampRegion(v, q.Get("region"))
	}
	f := needs.Filter{Region: region, AgeBand: band, Kind: kind, Limit: needsPageSize, Offset: (pageParam(r) - 1) * needsPageSize}
	if status == "open" {
		f.Open = true
	} else {
		f.Status = status
	}
	ns, total, err := w.app.Needs.List(ctx, v, f)
	if err != nil {
		return err
	}
	p := needsPage{Layout: w.layout(r, id, lg.T("title.needs")), Pager: newPager(r, total, pageParam(r), needsPageSize)}
	for _, n := range ns {
		p.Rows = append(p.Rows, needOf(lg, n))
	}
	statusOpts := append([]string{"open"}, needs.Statuses...)
	p.Filters = []formField{
		{Name: "status", Label: lg.T("needs.status"), Kind: "select", Options: selectOptions(lg.T("needs.any"), statusOpts, func(s string) string {
			if s == "open" {
				return lg.T("needs.open_only")
			}
			return needStatusLabel(lg, s)
		}, status)},
		{Name: "age_band", Label: lg.T("needs.band"), Kind: "select", Options: selectOptions(lg.T("needs.any"), needs.AgeBands, labeller(lg, needBandLabel), band)},
		{Name: "kind", Label: lg.T("needs.kind"), Kind: "select", Options: selectOptions(lg.T("needs.any"), menu.Kinds, labeller(lg, needKindLabel), kind)},
	}
	exp := url.Values{}
	for k, val := range map[string]string{"region": region, "age_band": band, "kind": kind} {
		if val != "" {
			exp.Set(k, val)
		}
	}
	if status == "open" {
		exp.Set("open", "true")
	} else if status != "" {
		exp.Set("status", status)
	}
	p.Export = "/api/v1/needs/export?" + exp.Encode()
	if !isMentor(v) {
		s, err := w.app.Needs.Summary(ctx, v, region)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if err == nil {
			p.Summary = needSummaryOf(s)
			for _, b := range needs.AgeBands {
				p.Bands = append(p.Bands, needBandLabel(lg, b))
			}
		}
	}
	w.render(rw, r, http.StatusOK, "needs", p)
	return nil
}

func needSummaryOf(s needs.Summary) *needSummaryView {
	row := func(c needs.Count) needSummaryRow {
		out := needSummaryRow{Code: c.Code, Name: shortName(c.Name), Href: "/needs?status=open&region=" + c.Code, Open: c.Open}
		for _, b := range needs.AgeBands {
			out.Bands = append(out.Bands, c.Bands[b])
		}
		return out
	}
	sv := &needSummaryView{Name: shortName(s.Total.Name), Total: row(s.Total)}
	for _, c := range s.Rows {
		sv.Rows = append(sv.Rows, row(c))
	}
	return sv
}

// needPage is the view model of one need.
type needPage struct {
	Layout
	N      needView
	Events []needEventView
	// Actions are the forms of the actions the need's status allows, for
	// a viewer who may move needs.
	Actions []needActionForm
	Problem string
}

type needEventView struct {
	At, From, To, User, Note string
}

type needActionForm struct {
	Action, Label string
	Fields        []formField
	Errors        []string
	Danger        bool
}

// needActionForms builds the forms of the actions open to n; the form of
// action failed keeps the posted values and shows fe.
func (w *Web) needActionForms(ctx context.Context, lg lang, v access.Viewer, n needs.Need, failed string, posted url.Values, fe errs.FieldErrors) ([]needActionForm, error) {
	if !needs.MayManage(v) {
		return nil, nil
	}
	val := func(a, name string) string {
		if a == failed {
			return posted.Get(name)
		}
		return ""
	}
	var out []needActionForm
	for _, a := range needs.Allowed(n.Status) {
		af := needActionForm{Action: a, Label: needActionLabel(lg, a), Danger: a == needs.ActCancel || a == needs.ActUnmatch}
		note := formField{Name: a + "-note", Label: lg.T("needs.note"), Kind: "textarea", Value: val(a, a+"-note"), MaxLength: "500"}
		switch a {
		case needs.ActMatch:
			ss, err := w.app.Menu.List(ctx, v, menu.Filter{Region: n.VillageCode})
			if err != nil {
				return nil, err
			}
			var opts []option
			opts = append(opts, option{Label: lg.T("form.choose")})
			for _, s := range ss {
				label := s.Name + " · " + needKindLabel(lg, s.Kind) + " · " + lg.T("menu.places", s.Capacity-s.InUse, s.Capacity)
				opts = append(opts, option{Value: s.ID, Label: label, Selected: val(a, "service_id") == s.ID})
			}
			af.Fields = []formField{{Name: "service_id", Label: lg.T("needs.service"), Kind: "select", Options: opts,
				Help: lg.T("needs.service_help")}}
			// Or a volunteer of the registry who serves where the child lives.
			vs, err := w.app.Volunteers.Volunteers(ctx, v, volunteer.VolunteerFilter{})
			if err != nil {
				return nil, err
			}
			vopts := []option{{Label: lg.T("form.choose")}}
			for _, vo := range vs {
				if lo, hi := regions.Range(vo.Region); n.VillageCode >= lo && n.VillageCode < hi {
					vopts = append(vopts, option{Value: vo.ID, Label: vo.Name, Selected: val(a, "volunteer_id") == vo.ID})
				}
			}
			if len(vopts) > 1 {
				af.Fields = append(af.Fields, formField{Name: "volunteer_id", Label: lg.T("needs.volunteer"), Kind: "select", Options: vopts,
					Help: lg.T("needs.volunteer_help")})
			}
			af.Fields = append(af.Fields, note)
		case needs.ActDeliver:
			af.Fields = []formField{{Name: "on", Label: lg.T("needs.delivered_on"), Kind: "date", Value: val(a, "on"), Help: lg.T("needs.on_help")}, note}
		case needs.ActClose:
			note.Label, note.Required = lg.T("needs.outcome"), true
			af.Fields = []formField{note}
		default:
			note.Label, note.Required = lg.T("needs.reason"), true
			af.Fields = []formField{note}
		}
		if a == failed {
			sec := []formSection{{Fields: af.Fields}}
			named := errs.FieldErrors{}
			for k, msg := range fe {
				switch k {
				case "note":
					named[a+"-note"] = msg
				default:
					named[k] = msg
				}
			}
			af.Errors = setErrors(sec, named)
			af.Fields = sec[0].Fields
		}
		out = append(out, af)
	}
	return out, nil
}

func (w *Web) needPageFor(r *http.Request, id authn.Identity, n needs.Need, failed string, posted url.Values, fe errs.FieldErrors) (needPage, error) {
	lg := langOf(r)
	p := needPage{Layout: w.layout(r, id, lg.T("title.need", n.ChildName)), N: needOf(lg, n)}
	for i := len(n.Events) - 1; i >= 0; i-- {
		e := n.Events[i]
		from := ""
		if e.From != "" {
			from = needStatusLabel(lg, e.From)
		}
		p.Events = append(p.Events, needEventView{At: e.At, From: from, To: needStatusLabel(lg, e.To), User: e.UserName, Note: e.Note})
	}
	var err error
	p.Actions, err = w.needActionForms(r.Context(), lg, id.Viewer, n, failed, posted, fe)
	return p, err
}

func (w *Web) need(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesNeeds(id.Viewer) {
		return notFound
	}
	n, err := w.app.Needs.Get(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.needPageFor(r, id, n, "", nil, nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "need", p)
	return nil
}

// actOnNeed applies the action posted from the need's page.
func (w *Web) actOnNeed(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesNeeds(v) || !needs.MayManage(v) {
		return notFound
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	a := postValue(r, "action")
	in := needs.Action{Action: a, ServiceID: postValue(r, "service_id"), VolunteerID: postValue(r, "volunteer_id"), On: postValue(r, "on"), Note: postValue(r, a+"-note"), Version: ver}
	_, err = w.app.Needs.Act(r.Context(), v, r.PathValue("id"), in)
	if err == nil {
		return seeOther(rw, r, "/needs/"+r.PathValue("id")+"?n=need_"+a)
	}
	fe, ok := fieldErrors(err)
	if !ok && errs.CodeOf(err) != errs.Conflict {
		return err
	}
	n, gerr := w.app.Needs.Get(r.Context(), v, r.PathValue("id"))
	if gerr != nil {
		return gerr
	}
	p, perr := w.needPageFor(r, id, n, a, r.PostForm, fe)
	if perr != nil {
		return perr
	}
	status := http.StatusUnprocessableEntity
	if !ok {
		p.Problem, status = errs.As(err).Message, http.StatusConflict
	}
	w.render(rw, r, status, "need", p)
	return nil
}

// childNeedsView is the "需求" section of a child's profile: the child's
// needs and, for whoever may raise one, the form.
type childNeedsView struct {
	ChildID string
	Rows    []needView
	Form    *personForm
}

// childNeeds builds the section for child childID (nil when v reads no
// needs); kind and desc and fe refill the form after a refusal.
func (w *Web) childNeeds(ctx context.Context, lg lang, id authn.Identity, childID, kind, desc string, fe errs.FieldErrors) (*childNeedsView, error) {
	v := id.Viewer
	if !seesNeeds(v) {
		return nil, nil
	}
	ns, _, err := w.app.Needs.List(ctx, v, needs.Filter{ChildID: childID, Limit: 100})
	if err != nil {
		return nil, err
	}
	cv := &childNeedsView{ChildID: childID}
	for _, n := range ns {
		cv.Rows = append(cv.Rows, needOf(lg, n))
	}
	f := &personForm{Action: "/children/" + childID + "/needs", Fields: []formField{
		{Name: "need_kind", Label: lg.T("needs.kind"), Kind: "select", Required: true, Options: selectOptions(lg.T("form.choose"), menu.Kinds, labeller(lg, needKindLabel), kind)},
		{Name: "need_description", Label: lg.T("needs.description"), Kind: "textarea", Value: desc, MaxLength: "500"},
	}}
	if id.Session != nil {
		f.CSRF = id.Session.CSRFToken
	}
	if fe != nil {
		sec := []formSection{{Fields: f.Fields}}
		f.Errors = setErrors(sec, errs.FieldErrors{"need_kind": fe["kind"], "need_description": fe["description"]})
		f.Fields = sec[0].Fields
		f.Message = lg.T("needs.refused")
	}
	cv.Form = f
	return cv, nil
}

// raiseNeed raises a need from the child's profile.
func (w *Web) raiseNeed(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesNeeds(v) {
		return notFound
	}
	childID := r.PathValue("id")
	kind, desc := postValue(r, "need_kind"), postValue(r, "need_description")
	n, err := w.app.Needs.Create(r.Context(), v, needs.Input{ChildID: childID, Kind: kind, Description: desc})
	if err == nil {
		return seeOther(rw, r, "/needs/"+n.ID+"?n=need_raised")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	lg := langOf(r)
	cv, cerr := w.childNeeds(r.Context(), lg, id, childID, kind, desc, fe)
	if cerr != nil {
		return cerr
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "need_raise", needRaisePage{Layout: w.layout(r, id, lg.T("title.need_raise")), Needs: cv})
	return nil
}

// needRaisePage shows the raise form again after a refusal.
type needRaisePage struct {
	Layout
	Needs *childNeedsView
}
