package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// eldersPerPage is the length of a page of the elders list.
const eldersPerPage = 20

// elderQuery is the elders list's filter as it stands in the address.
type elderQuery struct {
	Region, Living, Status, Q string
	Page                      int
}

func (q elderQuery) href() string {
	v := url.Values{}
	for k, s := range map[string]string{"region": q.Region, "living": q.Living, "status": q.Status, "q": q.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if len(v) == 0 {
		return "/elders"
	}
	return "/elders?" + v.Encode()
}

// eldersPage is the view model of the elders list.
type eldersPage struct {
	Layout
	Filters []formField
	Region  string
	View    eldersView
}

// eldersView is the part of the elders list htmx replaces.
type eldersView struct {
	Crumbs    regionNav
	Rows      []elderRow
	Pager     pager
	Errors    []string
	Searching bool
	CanCreate bool
	Export    exportLinks
	OOB       bool
	Region    string
}

// elderRow is one elder in the list.
type elderRow struct {
	ID, Name, Sex, IDNumber, Village, Living string
	Age                                      int
	Archived                                 bool
}

func (w *Web) elders(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesElders(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	q := elderQuery{Region: queryValue(r, "region"), Living: queryValue(r, "living"), Status: queryValue(r, "status"), Q: queryValue(r, "q"), Page: pageParam(r)}
	if q.Region != "" {
		if q.Region = clampRegion(v, q.Region); q.Region == scopeRoot(v) {
			q.Region = ""
		}
	}
	p := eldersPage{Layout: w.layout(r, id, lg.T("title.elders")), Region: q.Region}
	var err error
	p.View.Crumbs, err = w.regionNav(ctx, lg, v, q.Region, func(code string) string {
		n := q
		n.Region, n.Page = code, 1
		if code == scopeRoot(v) {
			n.Region = ""
		}
		return n.href()
	})
	if err != nil {
		return err
	}
	p.View.Crumbs.ID, p.View.Crumbs.HXTarget = "region-breadcrumb", "elders-view"
	p.View.Region, p.View.CanCreate = q.Region, v.CanWriteRegion()
	p.View.Export = newExport(v, "elders", url.Values{"region": {q.Region}, "living": {q.Living}, "status": {q.Status}, "q": {q.Q}}, true)
	p.View.Searching = q.Q != "" || q.Living != "" || q.Status != ""
	p.Filters = []formField{
		{Name: "q", Label: lg.T("filter.q"), Kind: "search", Value: q.Q, Help: lg.T("filter.q_help"), Autocomplete: "off", MaxLength: "50"},
		{Name: "living", Label: lg.T("field.living"), Kind: "select", Options: selectOptions(lg.T("filter.any"), elders.LivingKinds, labeller(lg, livingLabel), q.Living)},
		{Name: "status", Label: lg.T("filter.status"), Kind: "select",
			Options: selectOptions(lg.T("status.active"), []string{"archived", "all"}, func(s string) string { return lg.T("status." + s) }, q.Status)},
	}
	status := http.StatusOK
	page, err := w.app.Elders.List(ctx, listViewer(v), elders.Filter{Region: q.Region, Living: q.Living, Status: q.Status, Query: q.Q,
		Limit: eldersPerPage, Offset: (q.Page - 1) * eldersPerPage})
	if fe, ok := fieldErrors(err); ok {
		status = http.StatusUnprocessableEntity
		p.View.Errors = setFilterErrors(p.Filters, fe)
	} else if err != nil {
		return err
	}
	codes := make([]string, 0, len(page.Elders))
	for _, e := range page.Elders {
		codes = append(codes, e.VillageCode)
	}
	villages, err := w.app.Regions.Names(ctx, codes)
	if err != nil {
		return err
	}
	asOf := person.Today(w.app.DB.Now())
	for _, e := range page.Elders {
		p.View.Rows = append(p.View.Rows, elderRow{ID: e.ID, Name: e.Name, Sex: sexLabel(lg, e.Sex), IDNumber: e.IDNumber,
			Village: shortName(villages[e.VillageCode]), Living: livingLabel(lg, e.Living), Age: person.Age(e.BirthDate, asOf), Archived: e.Archived})
	}
	p.View.Pager = newPager(r, page.Total, q.Page, eldersPerPage)
	p.View.Pager.HXTarget = "elders-view"
	if hxTarget(r) == "elders-view" {
		p.View.OOB = true
		// Followed a link (not typing in the filter): focus moves to where
		// the user now is.
		p.View.Crumbs.Swapped = r.Header.Get("HX-Trigger") != "elders-filter"
		w.renderPart(rw, r, status, "elders", "elders-view", p.View)
		return nil
	}
	w.render(rw, r, status, "elders", p)
	return nil
}

// elderPage is the view model of an elder's profile.
type elderPage struct {
	Layout
	E                           elderView
	Crumbs                      regionNav
	Revealed, MayReveal         bool
	CanEdit, CanArchive         bool
	ArchiveReason, ArchiveError string
	Problem                     string
}

// elderView is an elder's record in words.
type elderView struct {
	ID, Name, IDNumber, Sex, BirthDate, Village, Living string
	Age, ChildrenAway                                   int
	ContactName, ContactRelation, ContactPhone          string
	ShowHealth                                          bool
	HealthFlags                                         []string
	Notes                                               string
	Archived                                            bool
	ArchiveReason, CreatedAt, UpdatedAt                 string
	Version                                             int
}

// mayEditElder reports whether the viewer can use the elder edit form.
func mayEditElder(v access.Viewer) bool {
	return v.CanWriteRegion() && v.May.IDNumber && v.May.Health
}

func (w *Web) elderPage(r *http.Request, id authn.Identity, e elders.Elder, revealed bool) (elderPage, error) {
	lg := langOf(r)
	v := id.Viewer
	p := elderPage{Layout: w.layout(r, id, e.Name), Revealed: revealed && v.May.IDNumber, MayReveal: v.May.IDNumber && !revealed,
		CanEdit: mayEditElder(v) && !e.Archived, CanArchive: v.CanWriteRegion()}
	p.E = elderView{ID: e.ID, Name: e.Name, IDNumber: e.IDNumber, Sex: sexLabel(lg, e.Sex), BirthDate: e.BirthDate.Format(dateLayout),
		Living: livingLabel(lg, e.Living), Age: person.Age(e.BirthDate, person.Today(w.app.DB.Now())), ChildrenAway: e.ChildrenAway,
		ContactName: e.ContactName, ContactRelation: e.ContactRelation, ContactPhone: e.ContactPhone, Notes: e.Notes,
		Archived: e.Archived, ArchiveReason: e.ArchiveReason, CreatedAt: chinaTime(e.CreatedAt), UpdatedAt: chinaTime(e.UpdatedAt),
		Version: e.Version, ShowHealth: !slices.Contains(e.Masked, "health")}
	if p.E.ShowHealth {
		p.E.HealthFlags = labelsOf(lg, e.HealthFlags, elderHealthLabel)
	}
	var err error
	p.Crumbs, err = w.regionNav(r.Context(), lg, v, e.VillageCode, func(code string) string {
		if code == scopeRoot(v) {
			return "/elders"
		}
		return "/elders?region=" + code
	})
	p.Crumbs.ID = "elder-breadcrumb"
	p.E.Village = p.Crumbs.CurrentName
	return p, err
}

func (w *Web) elder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesElders(id.Viewer) {
		return notFound
	}
	e, err := w.app.Elders.Get(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.elderPage(r, id, e, false)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "elder", p)
	return nil
}

// revealElder shows the profile with the full ID number (GetRevealed,
// audited); a POST, as for children.
func (w *Web) revealElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesElders(id.Viewer) {
		return notFound
	}
	e, err := w.app.Elders.GetRevealed(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.elderPage(r, id, e, true)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "elder", p)
	return nil
}

func (w *Web) archiveElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	return w.setElderArchived(rw, r, id, true)
}

func (w *Web) restoreElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	return w.setElderArchived(rw, r, id, false)
}

func (w *Web) setElderArchived(rw http.ResponseWriter, r *http.Request, id authn.Identity, archive bool) error {
	if !seesElders(id.Viewer) {
		return notFound
	}
	ctx := r.Context()
	eid := r.PathValue("id")
	cur, err := w.app.Elders.Get(ctx, id.Viewer, eid)
	if err != nil {
		return err
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(postValue(r, "reason"))
	if archive {
		_, err = w.app.Elders.Archive(ctx, id.Viewer, eid, ver, reason)
	} else {
		_, err = w.app.Elders.Restore(ctx, id.Viewer, eid, ver)
	}
	if err == nil {
		n := "elder_restored"
		if archive {
			n = "elder_archived"
		}
		return seeOther(rw, r, "/elders/"+eid+"?n="+n)
	}
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	if code == errs.Conflict {
		// Show the record as it is now.
		var gerr error
		if cur, gerr = w.app.Elders.Get(ctx, id.Viewer, eid); gerr != nil {
			return gerr
		}
	}
	p, perr := w.elderPage(r, id, cur, false)
	if perr != nil {
		return perr
	}
	if fe, ok := fieldErrors(err); ok && fe["reason"] != "" {
		p.ArchiveError, p.ArchiveReason = fe["reason"], reason
	} else {
		p.Problem = errs.As(err).Message
	}
	w.render(rw, r, statusOf(err), "elder", p)
	return nil
}

// elderForm is the elder form as entered.
type elderForm struct {
	IDNumber, Name, Sex, BirthDate, VillageCode, Living, ChildrenAway string
	ContactName, ContactRelation, ContactPhone, Notes                 string
	HealthFlags                                                       []string
}

func elderFormOf(e elders.Elder) elderForm {
	return elderForm{IDNumber: e.IDNumber, Name: e.Name, Sex: e.Sex, BirthDate: e.BirthDate.Format(dateLayout), VillageCode: e.VillageCode,
		Living: e.Living, ChildrenAway: strconv.Itoa(e.ChildrenAway), ContactName: e.ContactName, ContactRelation: e.ContactRelation,
		ContactPhone: e.ContactPhone, Notes: e.Notes, HealthFlags: e.HealthFlags}
}

func postedElder(r *http.Request) elderForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return elderForm{IDNumber: v("id_number"), Name: v("name"), Sex: v("sex"), BirthDate: v("birth_date"), VillageCode: v("village_code"),
		Living: v("living"), ChildrenAway: v("children_away"), ContactName: v("contact_name"), ContactRelation: v("contact_relation"),
		ContactPhone: v("contact_phone"), Notes: postValue(r, "notes"), HealthFlags: postList(r, "health_flags")}
}

func (f elderForm) input() (elders.Input, errs.FieldErrors) {
	fe := errs.FieldErrors{}
	n := 0
	if f.ChildrenAway != "" {
		var err error
		if n, err = strconv.Atoi(f.ChildrenAway); err != nil {
			fe.Add("children_away", "外出子女数应为0到20之间的整数")
		}
	}
	return elders.Input{IDNumber: f.IDNumber, Name: f.Name, Sex: f.Sex, BirthDate: f.BirthDate, VillageCode: f.VillageCode, Living: f.Living,
		ChildrenAway: n, ContactName: f.ContactName, ContactRelation: f.ContactRelation, ContactPhone: f.ContactPhone,
		HealthFlags: f.HealthFlags, Notes: f.Notes}, fe
}

// elderSections are the elder form's fields, filled in with f.
func elderSections(lg lang, f elderForm, picker *regionNav) []formSection {
	village := formField{Name: "village_code", Label: lg.T("field.village_code"), Kind: "picker", Value: f.VillageCode, Picker: picker}
	if picker == nil {
		village.Kind = "text"
	}
	return []formSection{
		{ID: "sec-basic", Title: lg.T("section.basic"), Fields: []formField{
			{Name: "name", Label: lg.T("field.name"), Kind: "text", Value: f.Name, Required: true, Autocomplete: "off", MaxLength: "50"},
			{Name: "id_number", Label: lg.T("field.id_number"), Kind: "text", Value: f.IDNumber, Required: true, MaxLength: "18",
				Autocomplete: "off", NoSpellcheck: true, Help: lg.T("help.id_number"), HX: checkCall("elder", "id_number")},
			{Name: "sex", Label: lg.T("field.sex"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), []string{person.Male, person.Female}, labeller(lg, sexLabel), f.Sex)},
			{Name: "birth_date", Label: lg.T("field.birth_date"), Kind: "date", Value: f.BirthDate, Required: true, Help: lg.T("help.date")},
			village,
		}},
		{ID: "sec-living", Title: lg.T("section.living"), Fields: []formField{
			{Name: "living", Label: lg.T("field.living"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), elders.LivingKinds, labeller(lg, livingLabel), f.Living)},
			{Name: "children_away", Label: lg.T("field.children_away"), Kind: "number", Value: f.ChildrenAway, InputMode: "numeric", Min: "0", Max: "20"},
			{Name: "contact_name", Label: lg.T("field.contact_name"), Kind: "text", Value: f.ContactName},
			{Name: "contact_relation", Label: lg.T("field.contact_relation"), Kind: "text", Value: f.ContactRelation},
			{Name: "contact_phone", Label: lg.T("field.contact_phone"), Kind: "tel", Value: f.ContactPhone, InputMode: "tel", Autocomplete: "off",
				HX: checkCall("elder", "contact_phone")},
		}},
		{ID: "sec-care", Title: lg.T("section.care"), Fields: []formField{
			{Name: "health_flags", Label: lg.T("field.health_flags"), Kind: "checks",
				Options: checkOptions(elders.HealthFlags, labeller(lg, elderHealthLabel), f.HealthFlags)},
			{Name: "notes", Label: lg.T("field.notes"), Kind: "textarea", Value: f.Notes, MaxLength: "1000"},
		}},
	}
}

// elderFormPage is the view model of the elder form (and its conflict
// page); see recordFormPage.
type elderFormPage = recordFormPage

func (w *Web) elderFormPage(r *http.Request, id authn.Identity, title string, f elderForm, fe errs.FieldErrors) (elderFormPage, error) {
	lg := langOf(r)
	pk, err := w.picker(r.Context(), lg, id.Viewer, "village_code", f.VillageCode, fe["village_code"])
	if err != nil {
		return elderFormPage{}, err
	}
	p := elderFormPage{Layout: w.layout(r, id, title), Sections: elderSections(lg, f, &pk)}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

func (w *Web) newElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesElders(id.Viewer) || !id.Viewer.CanWriteRegion() {
		return notFound
	}
	p, err := w.elderFormPage(r, id, langOf(r).T("title.elder_new"), elderForm{VillageCode: scopeRoot(id.Viewer)}, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/elders/new", "/elders"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) createElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesElders(v) || !v.CanWriteRegion() {
		return notFound
	}
	lg := langOf(r)
	f := postedElder(r)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigated(r, &f.VillageCode) {
		in, ife := f.input()
		var err error
		if len(ife) == 0 {
			var e elders.Elder
			if e, err = w.app.Elders.Create(r.Context(), v, in); err == nil {
				return seeOther(rw, r, "/elders/"+e.ID+"?n=elder_created")
			}
		} else {
			err = ife.Err()
		}
		var ok bool
		if fe, ok = fieldErrors(err); !ok {
			return err
		}
		status, message = statusOf(err), lg.T("form.fix_errors")
	}
	p, err := w.elderFormPage(r, id, lg.T("title.elder_new"), f, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/elders/new", "/elders", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// editableElder loads the elder an edit route names for a viewer who may
// use the form (revealed when reveal is set).
func (w *Web) editableElder(r *http.Request, id authn.Identity, reveal bool) (elders.Elder, error) {
	v := id.Viewer
	if !seesElders(v) || !mayEditElder(v) {
		return elders.Elder{}, notFound
	}
	if reveal {
		return w.app.Elders.GetRevealed(r.Context(), v, r.PathValue("id"))
	}
	return w.app.Elders.Get(r.Context(), v, r.PathValue("id"))
}

func (w *Web) editElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	e, err := w.editableElder(r, id, true)
	if err != nil {
		return err
	}
	lg := langOf(r)
	p, err := w.elderFormPage(r, id, lg.T("title.elder_edit", e.Name), elderFormOf(e), nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = e.ID, e.Version, "/elders/"+e.ID+"/edit", "/elders/"+e.ID
	if e.Archived {
		p.Message = lg.T("child.archived_no_edit")
	}
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) updateElder(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	cur, err := w.editableElder(r, id, false)
	if err != nil {
		return err
	}
	lg := langOf(r)
	ver, err := version(r)
	if err != nil {
		return err
	}
	f := postedElder(r)
	title := lg.T("title.elder_edit", cur.Name)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigated(r, &f.VillageCode) {
		in, ife := f.input()
		if len(ife) == 0 {
			if _, err = w.app.Elders.Update(r.Context(), id.Viewer, cur.ID, ver, in); err == nil {
				return seeOther(rw, r, "/elders/"+cur.ID+"?n=elder_saved")
			}
		} else {
			err = ife.Err()
		}
		if stale(err) {
			theirs, err := w.app.Elders.GetRevealed(r.Context(), id.Viewer, cur.ID)
			if err != nil {
				return err
			}
			p, err := w.elderFormPage(r, id, title, f, nil)
			if err != nil {
				return err
			}
			tp, err := w.elderFormPage(r, id, title, elderFormOf(theirs), nil)
			if err != nil {
				return err
			}
			p.Conflict = compare(lg, tp.Sections, p.Sections)
			p.ID, p.Version, p.Action, p.Cancel = cur.ID, theirs.Version, "/elders/"+cur.ID+"/edit", "/elders/"+cur.ID
			p.Message = lg.T("conflict.message")
			w.render(rw, r, http.StatusConflict, "recordform", p)
			return nil
		}
		var ok bool
		if fe, ok = fieldErrors(err); !ok {
			if errs.CodeOf(err) != errs.Invalid {
				return err
			}
			fe = errs.FieldErrors{}
		}
		status, message = statusOf(err), errs.As(err).Message
		if len(fe) > 0 {
			message = lg.T("form.fix_errors")
		}
	}
	p, err := w.elderFormPage(r, id, title, f, fe)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel, p.Message = cur.ID, ver, "/elders/"+cur.ID+"/edit", "/elders/"+cur.ID, message
	w.render(rw, r, status, "recordform", p)
	return nil
}
