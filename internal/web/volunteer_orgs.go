package web

import (
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/volunteer"
)

// Social organisations (社会组织): the registry, one organisation with its
// volunteers, and the form, whose credit code is checked (GB 32100-2015).

type orgsPage struct {
	Layout
	Tabs  volunteerTabs
	Q     string
	Rows  []volunteer.Org
	Empty bool
}

func (w *Web) orgs(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	p := orgsPage{Layout: w.layout(r, id, lg.T("title.orgs")), Q: queryValue(r, "q"), Tabs: volunteerTabs{Current: "orgs", CanRegister: mayRegisterVolunteers(v)}}
	list, err := w.app.Volunteers.Orgs(r.Context(), v, volunteer.OrgFilter{Q: p.Q, All: queryValue(r, "all") == "1"})
	if err != nil {
		return err
	}
	for _, o := range list {
		o.RegionName = shortName(o.RegionName)
		p.Rows = append(p.Rows, o)
	}
	p.Empty = len(p.Rows) == 0
	w.render(rw, r, http.StatusOK, "orgs", p)
	return nil
}

type orgPage struct {
	Layout
	Tabs       volunteerTabs
	O          volunteer.Org
	Volunteers []volunteerRow
	CanEdit    bool
}

func (w *Web) org(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	o, err := w.app.Volunteers.Org(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := orgPage{Layout: w.layout(r, id, o.Name), Tabs: volunteerTabs{Current: "orgs", CanRegister: mayRegisterVolunteers(v)}, O: o,
		CanEdit: mayRegisterVolunteers(v) && v.InRegion(o.Region)}
	list, err := w.app.Volunteers.Volunteers(r.Context(), v, volunteer.VolunteerFilter{OrgID: o.ID})
	if err != nil {
		return err
	}
	for _, vo := range list {
		p.Volunteers = append(p.Volunteers, volunteerRow{ID: vo.ID, Name: vo.Name, Place: shortName(vo.RegionName), Skills: skillsText(lg, vo.Skills),
			Hours: volunteer.HoursText(vo.Minutes)})
	}
	w.render(rw, r, http.StatusOK, "org", p)
	return nil
}

type orgForm struct {
	Name, CreditCode, RegionCode, ContactName, ContactPhone, OrganiserID string
	Archived                                                             bool
}

func postedOrg(r *http.Request) orgForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return orgForm{Name: v("name"), CreditCode: v("credit_code"), RegionCode: v("region_code"), ContactName: v("contact_name"),
		ContactPhone: v("contact_phone"), OrganiserID: v("organiser_id"), Archived: v("archived") == "1"}
}

func (f orgForm) input() volunteer.OrgInput {
	return volunteer.OrgInput{Name: f.Name, CreditCode: f.CreditCode, Region: f.RegionCode, ContactName: f.ContactName, ContactPhone: f.ContactPhone,
		OrganiserID: f.OrganiserID, Archived: f.Archived}
}

func (w *Web) orgFormPage(r *http.Request, id authn.Identity, title string, f orgForm, editing bool, fe errs.FieldErrors) (recordFormPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	pk, err := w.picker(ctx, lg, v, "region_code", f.RegionCode, fe["region_code"])
	if err != nil {
		return recordFormPage{}, err
	}
	users, err := w.candidates(ctx, lg, v, scopeRoot(v), "", accounts.RoleMentor, accounts.RoleSocialWorker)
	if err != nil {
		return recordFormPage{}, err
	}
	opts := []option{{Value: "", Label: lg.T("org.no_organiser"), Selected: f.OrganiserID == ""}}
	for _, u := range users {
		opts = append(opts, option{Value: u.ID, Label: u.Label, Selected: u.ID == f.OrganiserID})
	}
	fields := []formField{
		{Name: "name", Label: lg.T("org.name"), Kind: "text", Value: f.Name, Required: true, MaxLength: "100"},
		{Name: "credit_code", Label: lg.T("org.credit_code"), Kind: "text", Value: f.CreditCode, Required: true, MaxLength: "18", NoSpellcheck: true,
			Autocomplete: "off", Help: lg.T("org.credit_code_help")},
		{Name: "region_code", Label: lg.T("field.region_code"), Kind: "picker", Value: f.RegionCode, Picker: &pk},
		{Name: "contact_name", Label: lg.T("org.contact_name"), Kind: "text", Value: f.ContactName, MaxLength: "50"},
		{Name: "contact_phone", Label: lg.T("org.contact_phone"), Kind: "tel", Value: f.ContactPhone, InputMode: "tel"},
		{Name: "organiser_id", Label: lg.T("org.organiser"), Kind: "select", Options: opts, Help: lg.T("org.organiser_help")},
	}
	if editing {
		fields = append(fields, formField{Name: "archived", Label: lg.T("org.archived"), Kind: "checkbox", Checked: f.Archived})
	}
	p := recordFormPage{Layout: w.layout(r, id, title), Sections: []formSection{{ID: "sec-org", Title: lg.T("org.section"), Fields: fields}}}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

func (w *Web) newOrg(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayRegisterVolunteers(id.Viewer) {
		return notFound
	}
	p, err := w.orgFormPage(r, id, langOf(r).T("title.org_new"), orgForm{RegionCode: scopeRoot(id.Viewer)}, false, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/orgs/new", "/orgs"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) createOrg(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayRegisterVolunteers(id.Viewer) {
		return notFound
	}
	lg := langOf(r)
	f := postedOrg(r)
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		o, err := w.app.Volunteers.CreateOrg(r.Context(), id.Viewer, f.input())
		if err == nil {
			return seeOther(rw, r, "/orgs/"+o.ID+"?n=org_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.orgFormPage(r, id, lg.T("title.org_new"), f, false, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/orgs/new", "/orgs", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

func (w *Web) editOrg(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayRegisterVolunteers(v) {
		return notFound
	}
	o, err := w.app.Volunteers.Org(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !v.InRegion(o.Region) {
		return notFound
	}
	f := orgForm{Name: o.Name, CreditCode: o.CreditCode, RegionCode: o.Region, ContactName: o.ContactName, ContactPhone: o.ContactPhone,
		OrganiserID: o.OrganiserID, Archived: o.Archived}
	p, err := w.orgFormPage(r, id, langOf(r).T("title.org_edit", o.Name), f, true, nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = o.ID, o.Version, "/orgs/"+o.ID+"/edit", "/orgs/"+o.ID
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) updateOrg(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayRegisterVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	oid := r.PathValue("id")
	o, err := w.app.Volunteers.Org(r.Context(), v, oid)
	if err != nil {
		return err
	}
	f := postedOrg(r)
	version, _ := strconv.Atoi(postValue(r, "version"))
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		_, err := w.app.Volunteers.UpdateOrg(r.Context(), v, oid, version, f.input())
		if err == nil {
			return seeOther(rw, r, "/orgs/"+oid+"?n=org_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.orgFormPage(r, id, lg.T("title.org_edit", o.Name), f, true, fe)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel, p.Message = oid, version, "/orgs/"+oid+"/edit", "/orgs/"+oid, message
	w.render(rw, r, status, "recordform", p)
	return nil
}
