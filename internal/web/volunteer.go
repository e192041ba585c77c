package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/volunteer"
)

// Volunteers (志愿者) and social organisations (社会组织): the registries,
// a volunteer's page with their service records — recorded by whoever
// organised the service, confirmed or disputed by the volunteer — and the
// volunteer's printable record of hours.

// seesVolunteers says v may open the volunteer pages: region viewers, and
// mentors (who see their own volunteer record and those of an
// organisation they organise).
func seesVolunteers(v access.Viewer) bool { return !v.Nobody && v.SchoolID == "" }

// mayRegisterVolunteers says v may write the registries.
func mayRegisterVolunteers(v access.Viewer) bool { return v.CanWriteRegion() && v.PairedWith == "" }

// mayKeepServices says v may record services and organise activities in
// their subtree: officers and social workers.
func mayKeepServices(v access.Viewer) bool {
	return !v.Nobody && v.PairedWith == "" && v.SchoolID == "" && (v.CanWriteRegion() || slices.Contains(v.Roles, accounts.RoleSocialWorker))
}

// volunteerTabs is the sub-navigation of the volunteer pages.
type volunteerTabs struct {
	Current     string
	CanRegister bool
}

// volunteersPage is the view model of the volunteer registry.
type volunteersPage struct {
	Layout
	Tabs  volunteerTabs
	Q     string
	Rows  []volunteerRow
	Empty bool
}

type volunteerRow struct {
	ID, Name, Place, Org, Skills, Hours string
	Archived                            bool
}

func skillsText(lg lang, skills []string) string {
	out := make([]string, len(skills))
	for i, s := range skills {
		out[i] = skillLabel(lg, s)
	}
	return strings.Join(out, "、")
}

func (w *Web) volunteers(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	p := volunteersPage{Layout: w.layout(r, id, lg.T("title.volunteers")), Q: queryValue(r, "q"),
		Tabs: volunteerTabs{Current: "volunteers", CanRegister: mayRegisterVolunteers(v)}}
	list, err := w.app.Volunteers.Volunteers(r.Context(), v, volunteer.VolunteerFilter{Q: p.Q, All: queryValue(r, "all") == "1"})
	if err != nil {
		return err
	}
	for _, vo := range list {
		p.Rows = append(p.Rows, volunteerRow{ID: vo.ID, Name: vo.Name, Place: shortName(vo.RegionName), Org: vo.OrgName,
			Skills: skillsText(lg, vo.Skills), Hours: volunteer.HoursText(vo.Minutes), Archived: vo.Archived})
	}
	p.Empty = len(p.Rows) == 0
	w.render(rw, r, http.StatusOK, "volunteers", p)
	return nil
}

// --- the volunteer form

type volunteerForm struct {
	Name, Phone, RegionCode, UserID, OrgID string
	Skills                                 []string
	Archived                               bool
}

func postedVolunteer(r *http.Request) volunteerForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return volunteerForm{Name: v("name"), Phone: v("phone"), RegionCode: v("region_code"), UserID: v("user_id"), OrgID: v("org_id"),
		Skills: postList(r, "skills"), Archived: v("archived") == "1"}
}

func (f volunteerForm) input() volunteer.VolunteerInput {
	return volunteer.VolunteerInput{Name: f.Name, Phone: f.Phone, Region: f.RegionCode, UserID: f.UserID, OrgID: f.OrgID, Skills: f.Skills, Archived: f.Archived}
}

func (w *Web) volunteerFormPage(r *http.Request, id authn.Identity, title string, f volunteerForm, editing bool, fe errs.FieldErrors) (recordFormPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	pk, err := w.picker(ctx, lg, v, "region_code", f.RegionCode, fe["region_code"])
	if err != nil {
		return recordFormPage{}, err
	}
	users, err := w.candidates(ctx, lg, v, scopeRoot(v), "", accounts.RoleMentor, accounts.RoleSocialWorker, accounts.RoleOfficer)
	if err != nil {
		return recordFormPage{}, err
	}
	userOpts := []option{{Value: "", Label: lg.T("volunteer.not_user"), Selected: f.UserID == ""}}
	for _, u := range users {
		userOpts = append(userOpts, option{Value: u.ID, Label: u.Label, Selected: u.ID == f.UserID})
	}
	orgs, err := w.app.Volunteers.Orgs(ctx, v, volunteer.OrgFilter{})
	if err != nil {
		return recordFormPage{}, err
	}
	orgOpts := []option{{Value: "", Label: lg.T("volunteer.no_org"), Selected: f.OrgID == ""}}
	for _, o := range orgs {
		orgOpts = append(orgOpts, option{Value: o.ID, Label: o.Name, Selected: o.ID == f.OrgID})
	}
	fields := []formField{
		{Name: "name", Label: lg.T("volunteer.name"), Kind: "text", Value: f.Name, Required: true, MaxLength: "50"},
		{Name: "phone", Label: lg.T("volunteer.phone"), Kind: "tel", Value: f.Phone, InputMode: "tel"},
		{Name: "region_code", Label: lg.T("field.region_code"), Kind: "picker", Value: f.RegionCode, Picker: &pk},
		{Name: "user_id", Label: lg.T("volunteer.user"), Kind: "select", Options: userOpts, Help: lg.T("volunteer.user_help")},
		{Name: "org_id", Label: lg.T("volunteer.org"), Kind: "select", Options: orgOpts},
		{Name: "skills", Label: lg.T("volunteer.skills"), Kind: "checks", Options: checkOptions(volunteer.Skills, labeller(lg, skillLabel), f.Skills)},
	}
	if editing {
		fields = append(fields, formField{Name: "archived", Label: lg.T("volunteer.archived"), Kind: "checkbox", Checked: f.Archived})
	}
	p := recordFormPage{Layout: w.layout(r, id, title), Sections: []formSection{{ID: "sec-volunteer", Title: lg.T("volunteer.section"), Fields: fields}}}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

// navigatedRegion is true when the form was posted to move its region
// picker, which then stands at the code asked for.
func navigatedRegion(r *http.Request, code *string) bool {
	if field, c, ok := picked(r); ok {
		if field == "region_code" {
			*code = c
		}
		return true
	}
	return false
}

func (w *Web) newVolunteer(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayRegisterVolunteers(id.Viewer) {
		return notFound
	}
	p, err := w.volunteerFormPage(r, id, langOf(r).T("title.volunteer_new"), volunteerForm{RegionCode: scopeRoot(id.Viewer)}, false, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/volunteers/new", "/volunteers"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) createVolunteer(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayRegisterVolunteers(id.Viewer) {
		return notFound
	}
	lg := langOf(r)
	f := postedVolunteer(r)
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		vo, err := w.app.Volunteers.CreateVolunteer(r.Context(), id.Viewer, f.input())
		if err == nil {
			return seeOther(rw, r, "/volunteers/"+vo.ID+"?n=volunteer_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.volunteerFormPage(r, id, lg.T("title.volunteer_new"), f, false, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/volunteers/new", "/volunteers", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// formRefusal turns a refused write into the form's status, message and
// field errors; other errors come back to be rendered as such.
func formRefusal(lg lang, err error) (int, string, errs.FieldErrors, error) {
	if fe, ok := fieldErrors(err); ok {
		return statusOf(err), lg.T("form.fix_errors"), fe, nil
	}
	switch errs.CodeOf(err) {
	case errs.Conflict, errs.Invalid:
		return statusOf(err), errs.As(err).Message, nil, nil
	}
	return 0, "", nil, err
}

func (w *Web) editVolunteer(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayRegisterVolunteers(v) {
		return notFound
	}
	vo, err := w.app.Volunteers.Volunteer(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !v.InRegion(vo.Region) {
		return notFound
	}
	f := volunteerForm{Name: vo.Name, Phone: vo.Phone, RegionCode: vo.Region, UserID: vo.UserID, OrgID: vo.OrgID, Skills: vo.Skills, Archived: vo.Archived}
	p, err := w.volunteerFormPage(r, id, langOf(r).T("title.volunteer_edit", vo.Name), f, true, nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = vo.ID, vo.Version, "/volunteers/"+vo.ID+"/edit", "/volunteers/"+vo.ID
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) updateVolunteer(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !mayRegisterVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	vid := r.PathValue("id")
	vo, err := w.app.Volunteers.Volunteer(r.Context(), v, vid)
	if err != nil {
		return err
	}
	f := postedVolunteer(r)
	version, _ := strconv.Atoi(postValue(r, "version"))
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		_, err := w.app.Volunteers.UpdateVolunteer(r.Context(), v, vid, version, f.input())
		if err == nil {
			return seeOther(rw, r, "/volunteers/"+vid+"?n=volunteer_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.volunteerFormPage(r, id, lg.T("title.volunteer_edit", vo.Name), f, true, fe)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel, p.Message = vid, version, "/volunteers/"+vid+"/edit", "/volunteers/"+vid, message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// --- one volunteer and their service records

// volunteerPage is the view model of one volunteer's page.
type volunteerPage struct {
	Layout
	Tabs                       volunteerTabs
	V                          volunteer.Volunteer
	Skills, Hours, Confirmed   string
	Records                    []volunteer.ServiceRecord
	CanEdit, CanRecord, IsSelf bool
	Form                       personForm
	// Answer is the refusal of an answer, shown above the records.
	Answer string
	Export string
}

// volunteerPageFor builds a volunteer's page with the record form filled
// in with sv.
func (w *Web) volunteerPageFor(r *http.Request, id authn.Identity, vid string, sv serviceValues) (volunteerPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	if !seesVolunteers(v) {
		return volunteerPage{}, notFound
	}
	vo, err := w.app.Volunteers.Volunteer(ctx, v, vid)
	if err != nil {
		return volunteerPage{}, err
	}
	p := volunteerPage{Layout: w.layout(r, id, vo.Name), Tabs: volunteerTabs{Current: "volunteers", CanRegister: mayRegisterVolunteers(v)}, V: vo,
		Skills: skillsText(lg, vo.Skills), Hours: volunteer.HoursText(vo.Minutes), IsSelf: vo.UserID != "" && vo.UserID == v.UserID,
		CanEdit: mayRegisterVolunteers(v) && v.InRegion(vo.Region), Export: "/api/v1/service-records/export?volunteer_id=" + vo.ID}
	if p.Records, err = w.app.Volunteers.Services(ctx, v, volunteer.ServiceFilter{VolunteerID: vo.ID}); err != nil {
		return p, err
	}
	confirmed := 0
	for i := range p.Records {
		p.Records[i].StatusLabel = serviceStatusLabel(lg, p.Records[i].Status)
	}
	for _, rec := range p.Records {
		if rec.Status == volunteer.StatusConfirmed {
			confirmed += rec.Minutes
		}
	}
	p.Confirmed = volunteer.HoursText(confirmed)
	organiser := false
	if vo.OrgID != "" && v.UserID != "" {
		if o, err := w.app.Volunteers.Org(ctx, v, vo.OrgID); err == nil && o.OrganiserID == v.UserID {
			organiser = true
		}
	}
	p.CanRecord = !vo.Archived && !p.IsSelf && (mayKeepServices(v) || organiser)
	if p.CanRecord {
		p.Form = personForm{Action: "/volunteers/" + vo.ID + "/services", Fields: serviceFields(lg, sv)}
	}
	return p, nil
}

// serviceValues is the record form as entered.
type serviceValues struct{ ServedOn, Hours, Content string }

func postedService(r *http.Request) serviceValues {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return serviceValues{ServedOn: v("served_on"), Hours: v("hours"), Content: v("content")}
}

func serviceFields(lg lang, sv serviceValues) []formField {
	return []formField{
		{Name: "served_on", Label: lg.T("service.served_on"), Kind: "date", Value: sv.ServedOn, Help: lg.T("service.served_on_help")},
		{Name: "hours", Label: lg.T("service.hours"), Kind: "text", Value: sv.Hours, Required: true, InputMode: "decimal", MaxLength: "6", Help: lg.T("service.hours_help")},
		{Name: "content", Label: lg.T("service.content"), Kind: "textarea", Value: sv.Content, Required: true, MaxLength: "500"},
	}
}

func (w *Web) volunteerPage(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	p, err := w.volunteerPageFor(r, id, r.PathValue("id"), serviceValues{})
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "volunteer", p)
	return nil
}

// recordService records hours for the volunteer, as the organiser.
func (w *Web) recordService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	vid := r.PathValue("id")
	sv := postedService(r)
	p, err := w.volunteerPageFor(r, id, vid, sv)
	if err != nil {
		return err
	}
	if !p.CanRecord {
		return notFound
	}
	_, err = w.app.Volunteers.RecordService(r.Context(), id.Viewer, volunteer.ServiceInput{VolunteerID: vid, ServedOn: sv.ServedOn, Hours: sv.Hours, Content: sv.Content})
	if err == nil {
		return seeOther(rw, r, "/volunteers/"+vid+"?n=service_recorded#records")
	}
	if !careFieldErrors(langOf(r), &p.Form, err, nil) {
		return err
	}
	w.render(rw, r, statusOf(err), "volunteer", p)
	return nil
}

// answerService confirms or disputes a record, as the volunteer.
func (w *Web) answerService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesVolunteers(v) {
		return notFound
	}
	rec, err := w.app.Volunteers.Service(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(postValue(r, "version"))
	in := volunteer.AnswerInput{Confirm: postValue(r, "decision") == "confirm", Reason: postValue(r, "reason")}
	_, err = w.app.Volunteers.AnswerService(r.Context(), v, rec.ID, version, in)
	if err == nil {
		n := "service_disputed"
		if in.Confirm {
			n = "service_confirmed"
		}
		return seeOther(rw, r, "/volunteers/"+rec.VolunteerID+"?n="+n+"#records")
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden:
	default:
		return err
	}
	p, perr := w.volunteerPageFor(r, id, rec.VolunteerID, serviceValues{})
	if perr != nil {
		return perr
	}
	p.Answer = errs.As(err).Message
	if fe, ok := fieldErrors(err); ok {
		p.Answer = fe["reason"]
	}
	status := statusOf(err)
	if errs.CodeOf(err) == errs.Forbidden {
		status = http.StatusForbidden
	}
	w.render(rw, r, status, "volunteer", p)
	return nil
}

// --- correcting a service record

// correctionValues is the correction form as entered: the record form's
// fields and, for a keeper of the records, the place.
type correctionValues struct {
	serviceValues
	RegionCode string
}

func postedCorrection(r *http.Request) correctionValues {
	return correctionValues{serviceValues: postedService(r), RegionCode: strings.TrimSpace(postValue(r, "region_code"))}
}

// correctable reads the record a /services/{id}/correct route names, in
// v's view; one the viewer may see but not correct is refused with the
// domain's reason (403, or 409 once the volunteer has confirmed it).
func (w *Web) correctable(rw http.ResponseWriter, r *http.Request, id authn.Identity) (volunteer.ServiceRecord, bool, error) {
	v := id.Viewer
	if !seesVolunteers(v) {
		return volunteer.ServiceRecord{}, false, notFound
	}
	rec, err := w.app.Volunteers.Service(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return rec, false, err
	}
	if !rec.MayCorrect {
		lg := langOf(r)
		if rec.Status == volunteer.StatusConfirmed {
			w.problem(rw, r, id, http.StatusConflict, lg.T("err.conflict.heading"), lg.T("correct.confirmed"))
		} else {
			w.problem(rw, r, id, http.StatusForbidden, lg.T("correct.forbidden.heading"), lg.T("correct.forbidden"))
		}
		return rec, false, nil
	}
	return rec, true, nil
}

// correctionPage builds the correction form of rec with cv and the
// errors of fe.
func (w *Web) correctionPage(r *http.Request, id authn.Identity, rec volunteer.ServiceRecord, cv correctionValues, version int, fe errs.FieldErrors) (recordFormPage, error) {
	lg := langOf(r)
	v := id.Viewer
	fields := serviceFields(lg, cv.serviceValues)
	if rec.ActivityID != "" {
		// The activity's day is the service's.
		fields = fields[1:]
	}
	if mayKeepServices(v) {
		pk, err := w.picker(r.Context(), lg, v, "region_code", cv.RegionCode, fe["region_code"])
		if err != nil {
			return recordFormPage{}, err
		}
		pk.Label, pk.Help = lg.T("service.place"), lg.T("correct.place_help")
		fields = append(fields, formField{Name: "region_code", Label: lg.T("service.place"), Kind: "picker", Value: cv.RegionCode, Picker: &pk})
	}
	hint := lg.T("correct.hint", rec.VolunteerName, serviceStatusLabel(lg, rec.Status))
	if rec.ActivityID != "" {
		hint = lg.T("correct.hint_activity", rec.VolunteerName, rec.ActivityTitle, rec.ServedOn, serviceStatusLabel(lg, rec.Status))
	}
	if rec.DisputeReason != "" {
		hint += lg.T("correct.reason", rec.DisputeReason)
	}
	p := recordFormPage{Layout: w.layout(r, id, lg.T("title.service_correct", rec.VolunteerName)), ID: rec.ID, Version: version,
		Action: "/services/" + rec.ID + "/correct", Cancel: "/volunteers/" + rec.VolunteerID + "#records", Hint: hint + lg.T("correct.after"),
		Sections: []formSection{{ID: "sec-service", Title: lg.T("correct.section"), Fields: fields}}}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

// correctServiceForm shows the correction form of a service record,
// filled in with the record, to whoever may correct it: its recorder, or
// a keeper of its region's records, until the volunteer confirms it.
func (w *Web) correctServiceForm(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	rec, ok, err := w.correctable(rw, r, id)
	if err != nil || !ok {
		return err
	}
	cv := correctionValues{serviceValues: serviceValues{ServedOn: rec.ServedOn, Hours: rec.Hours, Content: rec.Content}, RegionCode: rec.Region}
	p, err := w.correctionPage(r, id, rec, cv, rec.Version, nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

// correctService corrects a service record; it goes back to waiting for
// the volunteer's confirmation. A refused correction comes back with the
// errors beside the fields and the input kept.
func (w *Web) correctService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	rec, ok, err := w.correctable(rw, r, id)
	if err != nil || !ok {
		return err
	}
	lg := langOf(r)
	cv := postedCorrection(r)
	version, _ := strconv.Atoi(postValue(r, "version"))
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &cv.RegionCode) {
		in := volunteer.ServiceInput{ServedOn: cv.ServedOn, Hours: cv.Hours, Content: cv.Content, ActivityID: rec.ActivityID, OrgID: rec.OrgID, Region: rec.Region}
		if rec.ActivityID != "" {
			in.ServedOn = ""
		}
		if mayKeepServices(id.Viewer) {
			in.Region = cv.RegionCode
		}
		_, err := w.app.Volunteers.CorrectService(r.Context(), id.Viewer, rec.ID, version, in)
		if err == nil {
			return seeOther(rw, r, "/volunteers/"+rec.VolunteerID+"?n=service_corrected#record-"+rec.ID)
		}
		if errs.CodeOf(err) == errs.Forbidden {
			w.problem(rw, r, id, http.StatusForbidden, lg.T("correct.forbidden.heading"), errs.As(err).Message)
			return nil
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.correctionPage(r, id, rec, cv, version, fe)
	if err != nil {
		return err
	}
	p.Message = message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// hoursPage is the view model of a volunteer's printable record of hours.
type hoursPage struct {
	Layout
	V                volunteer.Volunteer
	Skills           string
	Records          []volunteer.ServiceRecord
	Confirmed, Total string
	Printed          string
}

// volunteerHours is the volunteer's record of hours to print: every
// service with its status, the confirmed and total hours.
func (w *Web) volunteerHours(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	p, err := w.volunteerPageFor(r, id, r.PathValue("id"), serviceValues{})
	if err != nil {
		return err
	}
	lg := langOf(r)
	h := hoursPage{Layout: w.layout(r, id, lg.T("title.volunteer_hours", p.V.Name)), V: p.V, Skills: p.Skills, Records: p.Records,
		Confirmed: p.Confirmed, Total: p.Hours, Printed: person.Today(w.app.DB.Now()).Format("2006-01-02")}
	w.render(rw, r, http.StatusOK, "volunteer_hours", h)
	return nil
}
