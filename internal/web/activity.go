package web

import (
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/volunteer"
)

// Group activities (集体活动): the list, the form, one activity with the
// children who attended (picked from the census by name), the volunteers
// who served with their hours, and photos (JPEG, PNG or WebP by content,
// 5 MB each, 10 an activity) kept in the database.

// photoRoute is the photo upload, whose body may be larger than a form's.
const photoRoute = "POST /activities/{id}/photos"

// maxPhotoBody bounds an upload of photos with its form: as many as an
// activity may hold, each as large as allowed.
const maxPhotoBody = volunteer.MaxPhotos*(volunteer.MaxPhotoBytes+4<<10) + 64<<10

type activitiesPage struct {
	Layout
	Tabs        volunteerTabs
	Kind        string
	Kinds       []option
	Rows        []volunteer.Activity
	Empty       bool
	CanOrganise bool
}

func (w *Web) activities(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesVolunteers(v) {
		return notFound
	}
	lg := langOf(r)
	kind := queryValue(r, "kind")
	p := activitiesPage{Layout: w.layout(r, id, lg.T("title.activities")), Tabs: volunteerTabs{Current: "activities", CanRegister: mayRegisterVolunteers(v)},
		Kind: kind, Kinds: selectOptions(lg.T("activity.all_kinds"), volunteer.Kinds, labeller(lg, activityKindLabel), kind), CanOrganise: mayKeepServices(v)}
	list, err := w.app.Volunteers.Activities(r.Context(), v, volunteer.ActivityFilter{Kind: kind})
	if err != nil {
		return err
	}
	for _, a := range list {
		a.RegionName, a.KindLabel = shortName(a.RegionName), activityKindLabel(lg, a.Kind)
		p.Rows = append(p.Rows, a)
	}
	p.Empty = len(p.Rows) == 0
	w.render(rw, r, http.StatusOK, "activities", p)
	return nil
}

// --- the activity form

type activityForm struct{ Title, Kind, RegionCode, Address, HeldOn, OrgID, Note string }

func postedActivity(r *http.Request) activityForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return activityForm{Title: v("title"), Kind: v("kind"), RegionCode: v("region_code"), Address: v("address"), HeldOn: v("held_on"), OrgID: v("org_id"), Note: v("note")}
}

func (f activityForm) input(childIDs []string) volunteer.ActivityInput {
	return volunteer.ActivityInput{Title: f.Title, Kind: f.Kind, Region: f.RegionCode, Address: f.Address, HeldOn: f.HeldOn, OrgID: f.OrgID, Note: f.Note, ChildIDs: childIDs}
}

func (w *Web) activityFormPage(r *http.Request, id authn.Identity, title string, f activityForm, fe errs.FieldErrors) (recordFormPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	pk, err := w.picker(ctx, lg, v, "region_code", f.RegionCode, fe["region_code"])
	if err != nil {
		return recordFormPage{}, err
	}
	orgs, err := w.app.Volunteers.Orgs(ctx, v, volunteer.OrgFilter{})
	if err != nil {
		return recordFormPage{}, err
	}
	orgOpts := []option{{Value: "", Label: lg.T("activity.no_org"), Selected: f.OrgID == ""}}
	for _, o := range orgs {
		orgOpts = append(orgOpts, option{Value: o.ID, Label: o.Name, Selected: o.ID == f.OrgID})
	}
	fields := []formField{
		{Name: "title", Label: lg.T("activity.title"), Kind: "text", Value: f.Title, Required: true, MaxLength: "100"},
		{Name: "kind", Label: lg.T("activity.kind"), Kind: "select", Required: true,
			Options: selectOptions(lg.T("form.choose"), volunteer.Kinds, labeller(lg, activityKindLabel), f.Kind)},
		{Name: "held_on", Label: lg.T("activity.held_on"), Kind: "date", Value: f.HeldOn, Required: true},
		{Name: "region_code", Label: lg.T("field.region_code"), Kind: "picker", Value: f.RegionCode, Picker: &pk},
		{Name: "address", Label: lg.T("activity.address"), Kind: "text", Value: f.Address, MaxLength: "200"},
		{Name: "org_id", Label: lg.T("activity.org"), Kind: "select", Options: orgOpts},
		{Name: "note", Label: lg.T("activity.note"), Kind: "textarea", Value: f.Note, MaxLength: "500"},
	}
	p := recordFormPage{Layout: w.layout(r, id, title), Sections: []formSection{{ID: "sec-activity", Title: lg.T("activity.section"), Fields: fields}}}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

func (w *Web) newActivity(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayKeepServices(id.Viewer) {
		return notFound
	}
	p, err := w.activityFormPage(r, id, langOf(r).T("title.activity_new"), activityForm{RegionCode: scopeRoot(id.Viewer)}, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/activities/new", "/activities"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) createActivity(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayKeepServices(id.Viewer) {
		return notFound
	}
	lg := langOf(r)
	f := postedActivity(r)
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		a, err := w.app.Volunteers.CreateActivity(r.Context(), id.Viewer, f.input(nil))
		if err == nil {
			return seeOther(rw, r, "/activities/"+a.ID+"?n=activity_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.activityFormPage(r, id, lg.T("title.activity_new"), f, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/activities/new", "/activities", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// activityOf reads the activity a route names, in v's view.
func (w *Web) activityOf(r *http.Request, id authn.Identity) (volunteer.Activity, error) {
	if !seesVolunteers(id.Viewer) {
		return volunteer.Activity{}, notFound
	}
	return w.app.Volunteers.Activity(r.Context(), id.Viewer, r.PathValue("id"))
}

func (w *Web) editActivity(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	a, err := w.activityOf(r, id)
	if err != nil {
		return err
	}
	if !a.MayEdit {
		return notFound
	}
	f := activityForm{Title: a.Title, Kind: a.Kind, RegionCode: a.Region, Address: a.Address, HeldOn: a.HeldOn, OrgID: a.OrgID, Note: a.Note}
	p, err := w.activityFormPage(r, id, langOf(r).T("title.activity_edit", a.Title), f, nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = a.ID, a.Version, "/activities/"+a.ID+"/edit", "/activities/"+a.ID
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func childIDsOf(a volunteer.Activity) []string {
	out := make([]string, len(a.Children))
	for i, c := range a.Children {
		out[i] = c.ID
	}
	return out
}

func (w *Web) updateActivity(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	a, err := w.activityOf(r, id)
	if err != nil {
		return err
	}
	if !a.MayEdit {
		return notFound
	}
	lg := langOf(r)
	f := postedActivity(r)
	version, _ := strconv.Atoi(postValue(r, "version"))
	status, message := http.StatusOK, ""
	var fe errs.FieldErrors
	if !navigatedRegion(r, &f.RegionCode) {
		_, err := w.app.Volunteers.UpdateActivity(r.Context(), id.Viewer, a.ID, version, f.input(childIDsOf(a)))
		if err == nil {
			return seeOther(rw, r, "/activities/"+a.ID+"?n=activity_saved")
		}
		status, message, fe, err = formRefusal(lg, err)
		if err != nil {
			return err
		}
	}
	p, err := w.activityFormPage(r, id, lg.T("title.activity_edit", a.Title), f, fe)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel, p.Message = a.ID, version, "/activities/"+a.ID+"/edit", "/activities/"+a.ID, message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// --- one activity

type activityPage struct {
	Layout
	Tabs      volunteerTabs
	A         volunteer.Activity
	KindLabel string
	Services  []volunteer.ServiceRecord
	// Adding children: those found by Q.
	Q        string
	Found    []mentorFound
	Searched bool
	Attend   personForm
	// Recording a volunteer's hours at the activity.
	Hours personForm
	// Uploading photos: the form, the limits, and the refusal shown
	// beside the file input (naming the file refused).
	Photo      personForm
	PhotoLimit string
	PhotoError string
	// Hidden is how many attending children the viewer may not see.
	Hidden int
}

// activityPageFor builds the activity's page with the forms filled in.
func (w *Web) activityPageFor(r *http.Request, id authn.Identity, q string, sv serviceValues, volunteerID string) (activityPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	a, err := w.activityOf(r, id)
	if err != nil {
		return activityPage{}, err
	}
	p := activityPage{Layout: w.layout(r, id, a.Title), Tabs: volunteerTabs{Current: "activities", CanRegister: mayRegisterVolunteers(v)}, A: a,
		KindLabel: activityKindLabel(lg, a.Kind), Q: q, PhotoLimit: lg.T("activity.photo_limit", volunteer.MaxPhotoBytes>>20, volunteer.MaxPhotos)}
	p.A.RegionName, p.Hidden = shortName(a.RegionName), a.ChildCount-len(a.Children)
	if p.Services, err = w.app.Volunteers.Services(ctx, v, volunteer.ServiceFilter{ActivityID: a.ID}); err != nil {
		return p, err
	}
	for i := range p.Services {
		p.Services[i].StatusLabel = serviceStatusLabel(lg, p.Services[i].Status)
	}
	if !a.MayEdit {
		return p, nil
	}
	attending := map[string]bool{}
	for _, c := range a.Children {
		attending[c.ID] = true
	}
	if q != "" {
		p.Searched = true
		page, err := w.app.Children.List(ctx, listViewer(v), children.Filter{Query: q, Limit: 20})
		if e, ok := fieldErrors(err); ok {
			p.Attend.Errors = append(p.Attend.Errors, e["q"])
		} else if err != nil {
			return p, err
		}
		codes := make([]string, 0, len(page.Children))
		for _, c := range page.Children {
			codes = append(codes, c.VillageCode)
		}
		names, err := w.app.Regions.Names(ctx, codes)
		if err != nil {
			return p, err
		}
		for _, c := range page.Children {
			p.Found = append(p.Found, mentorFound{ID: c.ID, Name: c.Name, Meta: sexLabel(lg, c.Sex) + " · " + shortName(names[c.VillageCode]), Paired: attending[c.ID]})
		}
	}
	p.Attend.Action = "/activities/" + a.ID + "/children"
	vols, err := w.app.Volunteers.Volunteers(ctx, v, volunteer.VolunteerFilter{})
	if err != nil {
		return p, err
	}
	opts := []option{{Value: "", Label: lg.T("form.choose"), Selected: volunteerID == ""}}
	for _, vo := range vols {
		opts = append(opts, option{Value: vo.ID, Label: vo.Name, Selected: vo.ID == volunteerID})
	}
	hours := serviceFields(lg, sv)[1:] // the activity's day is the service's
	p.Hours = personForm{Action: "/activities/" + a.ID + "/services",
		Fields: append([]formField{{Name: "volunteer_id", Label: lg.T("service.volunteer"), Kind: "select", Required: true, Options: opts}}, hours...)}
	p.Photo = personForm{Action: "/activities/" + a.ID + "/photos"}
	return p, nil
}

func (w *Web) activityPage(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	p, err := w.activityPageFor(r, id, queryValue(r, "q"), serviceValues{}, "")
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "activity", p)
	return nil
}

// addAttendees adds the children ticked among those found.
func (w *Web) addAttendees(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	a, err := w.activityOf(r, id)
	if err != nil {
		return err
	}
	if !a.MayEdit {
		return notFound
	}
	ids := append(childIDsOf(a), postList(r, "child_id")...)
	if remove := postValue(r, "remove"); remove != "" {
		ids = ids[:0]
		for _, c := range a.Children {
			if c.ID != remove {
				ids = append(ids, c.ID)
			}
		}
	}
	f := activityForm{Title: a.Title, Kind: a.Kind, RegionCode: a.Region, Address: a.Address, HeldOn: a.HeldOn, OrgID: a.OrgID, Note: a.Note}
	_, err = w.app.Volunteers.UpdateActivity(r.Context(), id.Viewer, a.ID, a.Version, f.input(ids))
	if err == nil {
		return seeOther(rw, r, "/activities/"+a.ID+"?n=activity_saved#attendance")
	}
	p, perr := w.activityPageFor(r, id, postValue(r, "q"), serviceValues{}, "")
	if perr != nil {
		return perr
	}
	if !careFieldErrors(langOf(r), &p.Attend, err, nil) {
		return err
	}
	w.render(rw, r, statusOf(err), "activity", p)
	return nil
}

// recordActivityService records a volunteer's hours at the activity.
func (w *Web) recordActivityService(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	sv := postedService(r)
	vid := postValue(r, "volunteer_id")
	p, err := w.activityPageFor(r, id, "", sv, vid)
	if err != nil {
		return err
	}
	if !p.A.MayEdit {
		return notFound
	}
	_, err = w.app.Volunteers.RecordService(r.Context(), id.Viewer, volunteer.ServiceInput{VolunteerID: vid, ActivityID: p.A.ID, Hours: sv.Hours, Content: sv.Content})
	if err == nil {
		return seeOther(rw, r, "/activities/"+p.A.ID+"?n=service_recorded#volunteers")
	}
	if !careFieldErrors(langOf(r), &p.Hours, err, nil) {
		return err
	}
	w.render(rw, r, statusOf(err), "activity", p)
	return nil
}

// addActivityPhoto stores the uploaded photos, one or several at once:
// all or none. A file that is not an image or is too large, or one too
// many, is refused with its name and the reason, and none is stored.
func (w *Web) addActivityPhoto(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	p, err := w.activityPageFor(r, id, "", serviceValues{}, "")
	if err != nil {
		return err
	}
	if !p.A.MayEdit {
		return notFound
	}
	lg := langOf(r)
	var files []volunteer.PhotoFile
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photo"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the empty part of a form posted with no file chosen
			}
			data, err := readPhoto(fh)
			if err != nil {
				return err
			}
			files = append(files, volunteer.PhotoFile{Name: fh.Filename, Data: data})
		}
	}
	if len(files) == 0 {
		err = errs.FieldErrors{"photo": lg.T("activity.photo_missing")}.Err()
	} else {
		_, err = w.app.Volunteers.AddPhotos(r.Context(), id.Viewer, p.A.ID, files)
	}
	if err == nil {
		n := "photo_added"
		if len(files) > 1 {
			n = "photos_added"
		}
		return seeOther(rw, r, "/activities/"+p.A.ID+"?n="+n+"#photos")
	}
	if fe, ok := fieldErrors(err); ok {
		p.Photo.Message, p.PhotoError = lg.T("form.fix_errors"), fe["photo"]
		for k, m := range fe {
			if k != "photo" {
				p.Photo.Errors = append(p.Photo.Errors, m)
			}
		}
	} else if !careFieldErrors(lg, &p.Photo, err, nil) {
		return err
	}
	w.render(rw, r, statusOf(err), "activity", p)
	return nil
}

// readPhoto reads an uploaded file, up to one byte past the largest photo
// (so that the domain sees it is too large).
func readPhoto(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, volunteer.MaxPhotoBytes+1))
}

// activityPhoto serves a photo with its content type.
func (w *Web) activityPhoto(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesVolunteers(id.Viewer) {
		return notFound
	}
	ct, data, err := w.app.Volunteers.PhotoData(r.Context(), id.Viewer, r.PathValue("id"), r.PathValue("photo"))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", ct)
	rw.Header().Set("Content-Length", strconv.Itoa(len(data)))
	rw.Header().Set("Cache-Control", "private, max-age=86400")
	rw.Write(data)
	return nil
}

func (w *Web) deleteActivityPhoto(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	a, err := w.activityOf(r, id)
	if err != nil {
		return err
	}
	if !a.MayEdit {
		return notFound
	}
	if err := w.app.Volunteers.DeletePhoto(r.Context(), id.Viewer, a.ID, r.PathValue("photo")); err != nil {
		return err
	}
	return seeOther(rw, r, "/activities/"+a.ID+"?n=photo_deleted#photos")
}
