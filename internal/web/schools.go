package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/schools"
)

// schoolsPerPage is the length of a page of the school list.
const schoolsPerPage = 20

// schoolsPage is the view model of the school list.
type schoolsPage struct {
	Layout
	Q, Region string
	Crumbs    regionNav
	Rows      []schoolRow
	Pager     pager
	CanCreate bool
	Errors    []string
	Export    exportLinks
}

// schoolRow is one school in the list.
type schoolRow struct {
	ID, Name, Kind, Region string
}

func (w *Web) schools(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	page := pageParam(r)
	p := schoolsPage{Layout: w.layout(r, id, lg.T("title.schools")), Q: queryValue(r, "q"), CanCreate: v.CanWriteRegion()}
	if p.Region = queryValue(r, "region"); p.Region != "" {
		if p.Region = clampRegion(v, p.Region); p.Region == scopeRoot(v) {
			p.Region = ""
		}
	}
	var err error
	p.Crumbs, err = w.regionNav(ctx, lg, v, p.Region, func(code string) string {
		q := url.Values{}
		if code != scopeRoot(v) {
			q.Set("region", code)
		}
		if p.Q != "" {
			q.Set("q", p.Q)
		}
		if len(q) == 0 {
			return "/schools"
		}
		return "/schools?" + q.Encode()
	})
	if err != nil {
		return err
	}
	p.Crumbs.ID = "region-breadcrumb"
	p.Export = newExport(v, "schools", url.Values{"region": {p.Region}, "q": {p.Q}}, false)
	sp, err := w.app.Schools.List(ctx, v, schools.Filter{Region: p.Region, Query: p.Q, Limit: schoolsPerPage, Offset: (page - 1) * schoolsPerPage})
	if err != nil {
		return err
	}
	codes := make([]string, 0, len(sp.Schools))
	for _, s := range sp.Schools {
		codes = append(codes, s.RegionCode)
	}
	names, err := w.app.Regions.Names(ctx, codes)
	if err != nil {
		return err
	}
	for _, s := range sp.Schools {
		p.Rows = append(p.Rows, schoolRow{ID: s.ID, Name: s.Name, Kind: kindLabel(lg, s.Kind), Region: shortName(names[s.RegionCode])})
	}
	p.Pager = newPager(r, sp.Total, page, schoolsPerPage)
	w.render(rw, r, http.StatusOK, "schools", p)
	return nil
}

// schoolPage is the view model of a school with its classes.
type schoolPage struct {
	Layout
	S         schools.School
	Kind      string
	Crumbs    regionNav
	Classes   []classRow
	CanEdit   bool
	ChildHref string
	// The add-class form, as entered, with its errors.
	ClassFields []formField
	ClassErrors []string
	// Principal is the school's chief proxy parent (校内总代理家长).
	Principal *positionBox
}

// classRow is one class of a school.
type classRow struct {
	ID, Grade, Name, ChildHref string
	// Homeroom is the class's proxy parent (校内代理家长).
	Homeroom *positionBox
}

func (w *Web) schoolPage(r *http.Request, id authn.Identity, s schools.School, grade, name string, fe errs.FieldErrors) (schoolPage, error) {
	lg := langOf(r)
	v := id.Viewer
	p := schoolPage{Layout: w.layout(r, id, s.Name), S: s, Kind: kindLabel(lg, s.Kind), CanEdit: v.CanWriteSchool(),
		ChildHref: "/children?school_id=" + s.ID}
	for _, c := range s.Classes {
		p.Classes = append(p.Classes, classRow{ID: c.ID, Grade: gradeLabel(lg, c.Grade), Name: c.Name,
			ChildHref: "/children?" + url.Values{"school_id": {s.ID}, "class_id": {c.ID}}.Encode()})
	}
	if p.CanEdit {
		grades := []string{}
		for g := 0; g <= 12; g++ {
			grades = append(grades, strconv.Itoa(g))
		}
		p.ClassFields = []formField{
			{Name: "grade", Label: lg.T("field.grade"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), grades, func(g string) string { n, _ := strconv.Atoi(g); return gradeLabel(lg, n) }, grade)},
			{Name: "name", Label: lg.T("field.class_name"), Kind: "text", Value: name, Required: true, MaxLength: "20", Help: lg.T("help.class_name")},
		}
		p.ClassErrors = setErrors([]formSection{{Fields: p.ClassFields}}, fe)
	}
	var err error
	p.Crumbs, err = w.regionNav(r.Context(), lg, v, s.RegionCode, func(code string) string {
		if code == scopeRoot(v) {
			return "/schools"
		}
		return "/schools?region=" + code
	})
	p.Crumbs.ID = "school-breadcrumb"
	if err == nil {
		err = w.schoolBoxes(r.Context(), lg, v, &p, s, "", positionValues{}, nil)
	}
	return p, err
}

func (w *Web) school(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesChildren(id.Viewer) {
		return notFound
	}
	s, err := w.app.Schools.Get(r.Context(), id.Viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.schoolPage(r, id, s, "", "", nil)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "school", p)
	return nil
}

func (w *Web) addClass(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteSchool() {
		return notFound
	}
	ctx := r.Context()
	s, err := w.app.Schools.Get(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	grade, name := strings.TrimSpace(postValue(r, "grade")), strings.TrimSpace(postValue(r, "name"))
	g, gerr := strconv.Atoi(grade)
	if gerr != nil {
		err = errs.FieldErrors{"grade": "请选择年级"}.Err()
	} else {
		_, err = w.app.Schools.AddClass(ctx, v, s.ID, g, name)
	}
	if err == nil {
		return seeOther(rw, r, "/schools/"+s.ID+"?n=class_added#classes")
	}
	fe, ok := fieldErrors(err)
	if !ok {
		return err
	}
	p, err := w.schoolPage(r, id, s, grade, name, fe)
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusUnprocessableEntity, "school", p)
	return nil
}

// schoolForm is the school form as entered.
type schoolForm struct {
	Name, Kind, RegionCode, Address, Phone string
}

func postedSchool(r *http.Request) schoolForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return schoolForm{Name: v("name"), Kind: v("kind"), RegionCode: v("region_code"), Address: v("address"), Phone: v("phone")}
}

func (f schoolForm) input() schools.Input {
	return schools.Input{Name: f.Name, Kind: f.Kind, RegionCode: f.RegionCode, Address: f.Address, Phone: f.Phone}
}

func schoolFormOf(s schools.School) schoolForm {
	return schoolForm{Name: s.Name, Kind: s.Kind, RegionCode: s.RegionCode, Address: s.Address, Phone: s.Phone}
}

func schoolSections(lg lang, f schoolForm, picker *regionNav) []formSection {
	return []formSection{{ID: "sec-school", Title: lg.T("section.school_info"), Fields: []formField{
		{Name: "name", Label: lg.T("field.school_name"), Kind: "text", Value: f.Name, Required: true, MaxLength: "60"},
		{Name: "kind", Label: lg.T("field.kind"), Kind: "select", Required: true,
			Options: selectOptions(lg.T("form.choose"), schools.Kinds, labeller(lg, kindLabel), f.Kind)},
		{Name: "region_code", Label: lg.T("field.region_code"), Kind: "picker", Value: f.RegionCode, Picker: picker},
		{Name: "address", Label: lg.T("field.address"), Kind: "text", Value: f.Address, MaxLength: "200"},
		{Name: "phone", Label: lg.T("field.phone"), Kind: "tel", Value: f.Phone, InputMode: "tel"},
	}}}
}

func (w *Web) schoolFormPage(r *http.Request, id authn.Identity, title string, f schoolForm, fe errs.FieldErrors) (recordFormPage, error) {
	lg := langOf(r)
	pk, err := w.picker(r.Context(), lg, id.Viewer, "region_code", f.RegionCode, fe["region_code"])
	if err != nil {
		return recordFormPage{}, err
	}
	p := recordFormPage{Layout: w.layout(r, id, title), Sections: schoolSections(lg, f, &pk)}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

func (w *Web) newSchool(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !seesChildren(id.Viewer) || !id.Viewer.CanWriteRegion() {
		return notFound
	}
	p, err := w.schoolFormPage(r, id, langOf(r).T("title.school_new"), schoolForm{RegionCode: scopeRoot(id.Viewer)}, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/schools/new", "/schools"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

// navigatedSchool is navigated for the school form's region picker.
func navigatedSchool(r *http.Request, f *schoolForm) bool {
	if field, code, ok := picked(r); ok {
		if field == "region_code" {
			f.RegionCode = code
		}
		return true
	}
	return false
}

func (w *Web) createSchool(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteRegion() {
		return notFound
	}
	lg := langOf(r)
	f := postedSchool(r)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigatedSchool(r, &f) {
		s, err := w.app.Schools.Create(r.Context(), v, f.input())
		if err == nil {
			return seeOther(rw, r, "/schools/"+s.ID+"?n=school_created")
		}
		var ok bool
		if fe, ok = fieldErrors(err); !ok {
			return err
		}
		status, message = statusOf(err), lg.T("form.fix_errors")
	}
	p, err := w.schoolFormPage(r, id, lg.T("title.school_new"), f, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/schools/new", "/schools", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

func (w *Web) editSchool(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteSchool() {
		return notFound
	}
	s, err := w.app.Schools.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := w.schoolFormPage(r, id, langOf(r).T("title.school_edit", s.Name), schoolFormOf(s), nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = s.ID, s.Version, "/schools/"+s.ID+"/edit", "/schools/"+s.ID
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) updateSchool(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteSchool() {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	cur, err := w.app.Schools.Get(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	ver, err := version(r)
	if err != nil {
		return err
	}
	f := postedSchool(r)
	title := lg.T("title.school_edit", cur.Name)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigatedSchool(r, &f) {
		_, err := w.app.Schools.Update(ctx, v, cur.ID, ver, f.input())
		if err == nil {
			return seeOther(rw, r, "/schools/"+cur.ID+"?n=school_saved")
		}
		if stale(err) {
			p, err := w.schoolFormPage(r, id, title, f, nil)
			if err != nil {
				return err
			}
			tp, err := w.schoolFormPage(r, id, title, schoolFormOf(cur), nil)
			if err != nil {
				return err
			}
			p.Conflict = compare(lg, tp.Sections, p.Sections)
			p.ID, p.Version, p.Action, p.Cancel = cur.ID, cur.Version, "/schools/"+cur.ID+"/edit", "/schools/"+cur.ID
			p.Message = lg.T("conflict.message")
			w.render(rw, r, http.StatusConflict, "recordform", p)
			return nil
		}
		var ok bool
		if fe, ok = fieldErrors(err); !ok {
			return err
		}
		status, message = statusOf(err), lg.T("form.fix_errors")
	}
	p, err := w.schoolFormPage(r, id, title, f, fe)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel, p.Message = cur.ID, ver, "/schools/"+cur.ID+"/edit", "/schools/"+cur.ID, message
	w.render(rw, r, status, "recordform", p)
	return nil
}
