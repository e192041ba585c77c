package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// childForm is the child form as entered: every value a string, so that
// whatever was typed comes back as it was.
type childForm struct {
	IDNumber, Name, Sex, BirthDate, Ethnicity, Hukou, VillageCode string
	SchoolID, Grade, ClassID                                      string
	FatherStatus, FatherAwayPlace, FatherPhone                    string
	MotherStatus, MotherAwayPlace, MotherPhone                    string
	GuardianName, GuardianRelation, GuardianPhone                 string
	GuardianIDNumber, GuardianEntrustedOn                         string
	GuardianEntrusted, Migrant                                    bool
	HealthFlags, Difficulty                                       []string
	Disability, Notes                                             string
}

// childFormOf is the form filled in with a stored child.
func childFormOf(c children.Child) childForm {
	f := childForm{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: c.BirthDate.Format(dateLayout), Ethnicity: c.Ethnicity,
		Hukou: c.Hukou, VillageCode: c.VillageCode, SchoolID: c.SchoolID, ClassID: c.ClassID,
		FatherStatus: string(c.FatherStatus), FatherAwayPlace: c.FatherAwayPlace, FatherPhone: c.FatherPhone,
		MotherStatus: string(c.MotherStatus), MotherAwayPlace: c.MotherAwayPlace, MotherPhone: c.MotherPhone,
		GuardianName: c.Guardian.Name, GuardianRelation: c.Guardian.Relation, GuardianPhone: c.Guardian.Phone,
		GuardianIDNumber: c.Guardian.IDNumber, GuardianEntrusted: c.Guardian.Entrusted,
		HealthFlags: c.HealthFlags, Difficulty: c.Difficulty, Disability: c.Disability, Migrant: c.Migrant, Notes: c.Notes}
	if c.SchoolID != "" {
		f.Grade = strconv.Itoa(c.Grade)
	}
	if !c.Guardian.EntrustedOn.IsZero() {
		f.GuardianEntrustedOn = c.Guardian.EntrustedOn.Format(dateLayout)
	}
	return f
}

// postedChild reads the child form.
func postedChild(r *http.Request) childForm {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return childForm{IDNumber: v("id_number"), Name: v("name"), Sex: v("sex"), BirthDate: v("birth_date"), Ethnicity: v("ethnicity"),
		Hukou: v("hukou"), VillageCode: v("village_code"), SchoolID: v("school_id"), Grade: v("grade"), ClassID: v("class_id"),
		FatherStatus: v("father_status"), FatherAwayPlace: v("father_away_place"), FatherPhone: v("father_phone"),
		MotherStatus: v("mother_status"), MotherAwayPlace: v("mother_away_place"), MotherPhone: v("mother_phone"),
		GuardianName: v("guardian_name"), GuardianRelation: v("guardian_relation"), GuardianPhone: v("guardian_phone"),
		GuardianIDNumber: v("guardian_id_number"), GuardianEntrustedOn: v("guardian_entrusted_on"),
		GuardianEntrusted: r.PostFormValue("guardian_entrusted") != "", Migrant: r.PostFormValue("migrant") != "",
		HealthFlags: postList(r, "health_flags"), Difficulty: postList(r, "difficulty"), Disability: v("disability"), Notes: postValue(r, "notes")}
}

// input is the form as the domain takes it, with an error for a grade no
// select offers.
func (f childForm) input() (children.Input, errs.FieldErrors) {
	fe := errs.FieldErrors{}
	grade := 0
	if f.Grade != "" {
		g, err := strconv.Atoi(f.Grade)
		if err != nil {
			fe.Add("grade", "年级无效")
		}
		grade = g
	}
	return children.Input{IDNumber: f.IDNumber, Name: f.Name, Sex: f.Sex, BirthDate: f.BirthDate, Ethnicity: f.Ethnicity, Hukou: f.Hukou,
		VillageCode: f.VillageCode, SchoolID: f.SchoolID, Grade: grade, ClassID: f.ClassID,
		FatherStatus: children.ParentStatus(f.FatherStatus), FatherAwayPlace: f.FatherAwayPlace, FatherPhone: f.FatherPhone,
		MotherStatus: children.ParentStatus(f.MotherStatus), MotherAwayPlace: f.MotherAwayPlace, MotherPhone: f.MotherPhone,
		GuardianName: f.GuardianName, GuardianRelation: f.GuardianRelation, GuardianPhone: f.GuardianPhone,
		GuardianIDNumber: f.GuardianIDNumber, GuardianEntrusted: f.GuardianEntrusted, GuardianEntrustedOn: f.GuardianEntrustedOn,
		HealthFlags: f.HealthFlags, Disability: f.Disability, Difficulty: f.Difficulty, Migrant: f.Migrant, Notes: f.Notes}, fe
}

// childChoices are the parts of the child form read from the database:
// the village picker and the school and class choices.
type childChoices struct {
	picker     *regionNav
	schoolOpts []option
	classOpts  []option
}

// checkCall is the inline check of a field of a form (see checkField).
func checkCall(form, field string) *hxCall {
	return &hxCall{Method: "post", URL: "/check?form=" + form + "&field=" + field, Trigger: "change", Target: "field-" + field}
}

// childSections are the child form's fields, grouped, filled in with f.
func childSections(lg lang, f childForm, ch childChoices) []formSection {
	grades := []string{}
	for g := 0; g <= 12; g++ {
		grades = append(grades, strconv.Itoa(g))
	}
	statuses := make([]string, len(children.ParentStatuses))
	for i, s := range children.ParentStatuses {
		statuses[i] = string(s)
	}
	parentLabelOf := func(s string) string { return parentLabel(lg, children.ParentStatus(s)) }
	text := func(name, value string) formField {
		return formField{Name: name, Label: lg.T("field." + name), Kind: "text", Value: value}
	}
	phone := func(name, value string) formField {
		return formField{Name: name, Label: lg.T("field." + name), Kind: "tel", Value: value, InputMode: "tel", Autocomplete: "off",
			HX: checkCall("child", name)}
	}
	idField := func(name, value string, required bool) formField {
		return formField{Name: name, Label: lg.T("field." + name), Kind: "text", Value: value, Required: required, MaxLength: "18",
			Autocomplete: "off", NoSpellcheck: true, Help: lg.T("help.id_number"), HX: checkCall("child", name)}
	}
	village := formField{Name: "village_code", Label: lg.T("field.village_code"), Kind: "picker", Value: f.VillageCode, Picker: ch.picker}
	if ch.picker == nil {
		village.Kind = "text"
	}
	school := formField{Name: "school_id", Label: lg.T("field.school_id"), Kind: "select", Options: ch.schoolOpts,
		Refresh: lg.T("form.refresh_classes"),
		HX:      &hxCall{Method: "get", URL: "/children/classes", Trigger: "change", Target: "field-class_id", Include: "#class_id"}}
	if ch.schoolOpts == nil {
		school.Kind, school.Value, school.Help = "text", f.SchoolID, lg.T("help.school_id_many")
		school.HX = nil
	}
	return []formSection{
		{ID: "sec-basic", Title: lg.T("section.basic"), Fields: []formField{
			{Name: "name", Label: lg.T("field.name"), Kind: "text", Value: f.Name, Required: true, Autocomplete: "off", MaxLength: "50"},
			idField("id_number", f.IDNumber, true),
			{Name: "sex", Label: lg.T("field.sex"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), []string{person.Male, person.Female}, labeller(lg, sexLabel), f.Sex)},
			{Name: "birth_date", Label: lg.T("field.birth_date"), Kind: "date", Value: f.BirthDate, Required: true, Help: lg.T("help.date")},
			{Name: "ethnicity", Label: lg.T("field.ethnicity"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), person.Ethnicities, func(e string) string { return e }, f.Ethnicity)},
			{Name: "hukou", Label: lg.T("field.hukou"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), []string{children.HukouRural, children.HukouUrban}, labeller(lg, hukouLabel), f.Hukou)},
			village,
		}},
		{ID: "sec-school", Title: lg.T("section.school"), Fields: []formField{
			school,
			{Name: "grade", Label: lg.T("field.grade"), Kind: "select",
				Options: selectOptions(lg.T("form.no_grade"), grades, func(g string) string { n, _ := strconv.Atoi(g); return gradeLabel(lg, n) }, f.Grade)},
			classField(lg, ch.classOpts),
		}},
		{ID: "sec-parents", Title: lg.T("section.parents"), Fields: []formField{
			{Name: "father_status", Label: lg.T("field.father_status"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), statuses, parentLabelOf, f.FatherStatus)},
			func() formField {
				x := text("father_away_place", f.FatherAwayPlace)
				x.Help = lg.T("help.away_place")
				return x
			}(),
			phone("father_phone", f.FatherPhone),
			{Name: "mother_status", Label: lg.T("field.mother_status"), Kind: "select", Required: true,
				Options: selectOptions(lg.T("form.choose"), statuses, parentLabelOf, f.MotherStatus)},
			func() formField {
				x := text("mother_away_place", f.MotherAwayPlace)
				x.Help = lg.T("help.away_place")
				return x
			}(),
			phone("mother_phone", f.MotherPhone),
		}},
		{ID: "sec-guardian", Title: lg.T("section.guardian"), Fields: []formField{
			text("guardian_name", f.GuardianName),
			text("guardian_relation", f.GuardianRelation),
			phone("guardian_phone", f.GuardianPhone),
			idField("guardian_id_number", f.GuardianIDNumber, false),
			{Name: "guardian_entrusted", Label: lg.T("field.guardian_entrusted"), Kind: "checkbox", Checked: f.GuardianEntrusted},
			{Name: "guardian_entrusted_on", Label: lg.T("field.guardian_entrusted_on"), Kind: "date", Value: f.GuardianEntrustedOn},
		}},
		{ID: "sec-care", Title: lg.T("section.care"), Fields: []formField{
			{Name: "health_flags", Label: lg.T("field.health_flags"), Kind: "checks",
				Options: checkOptions(children.HealthFlags, labeller(lg, childHealthLabel), f.HealthFlags)},
			{Name: "disability", Label: lg.T("field.disability"), Kind: "select",
				Options: selectOptions(lg.T("form.none"), children.Disabilities, labeller(lg, disabilityLabel), f.Disability)},
			{Name: "difficulty", Label: lg.T("field.difficulty"), Kind: "checks", Help: lg.T("help.difficulty"),
				Options: checkOptions(children.Difficulties, labeller(lg, difficultyLabel), f.Difficulty)},
			{Name: "migrant", Label: lg.T("field.migrant"), Kind: "checkbox", Checked: f.Migrant},
			{Name: "notes", Label: lg.T("field.notes"), Kind: "textarea", Value: f.Notes, MaxLength: "1000"},
		}},
	}
}

// classField is the class select of the child form.
func classField(lg lang, opts []option) formField {
	return formField{Name: "class_id", Label: lg.T("field.class_id"), Kind: "select", Options: opts, Help: lg.T("help.class_id")}
}

// childChoicesFor reads the picker and the school and class choices for
// form f.
func (w *Web) childChoicesFor(ctx context.Context, lg lang, v access.Viewer, f childForm, villageErr string) (childChoices, error) {
	var ch childChoices
	pk, err := w.picker(ctx, lg, v, "village_code", f.VillageCode, villageErr)
	if err != nil {
		return ch, err
	}
	ch.picker = &pk
	// The schools of the county the picker is in.
	if ch.schoolOpts, _, err = w.schoolChoices(ctx, lg, v, pk.Current, f.SchoolID, "form.no_school"); err != nil {
		return ch, err
	}
	ch.classOpts, err = w.classChoices(ctx, lg, v, f.SchoolID, f.ClassID)
	return ch, err
}

// classChoices are the classes of the chosen school (none before one is).
func (w *Web) classChoices(ctx context.Context, lg lang, v access.Viewer, schoolID, classID string) ([]option, error) {
	if schoolID == "" {
		return selectOptions(lg.T("form.school_first"), nil, nil, classID), nil
	}
	s, err := w.app.Schools.Get(ctx, v, schoolID)
	if errs.CodeOf(err) == errs.NotFound {
		return selectOptions(lg.T("form.no_class"), nil, nil, classID), nil
	}
	if err != nil {
		return nil, err
	}
	return classOptions(lg, s.Classes, classID, "form.no_class"), nil
}

// classField serves the class select for the school chosen, for htmx.
func (w *Web) classField(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !id.Viewer.CanWrite {
		return notFound
	}
	lg := langOf(r)
	opts, err := w.classChoices(r.Context(), lg, id.Viewer, queryValue(r, "school_id"), queryValue(r, "class_id"))
	if err != nil {
		return err
	}
	w.renderPart(rw, r, http.StatusOK, "recordform", "field", classField(lg, opts))
	return nil
}

// recordFormPage is the view model of the form to create or edit a
// record (a child, an elder, a school), and of the conflict page an edit
// comes back as when someone else saved the record meanwhile.
type recordFormPage struct {
	Layout
	Creating bool
	ID       string
	// Version is the version the form is based on: on the conflict page,
	// the stored one, so that submitting again applies the user's change
	// over it.
	Version  int
	Action   string
	Cancel   string
	Sections []formSection
	// Hint, when set, says under the heading what the form is about.
	Hint string
	// Message says why the form came back; OtherErrors are messages for
	// no field of the form.
	Message     string
	OtherErrors []string
	// Conflict compares the stored record with the user's (when set).
	Conflict comparison
}

// childFormPage builds the child form page with f and the errors of err.
func (w *Web) childFormPage(r *http.Request, id authn.Identity, title string, f childForm, fe errs.FieldErrors) (recordFormPage, error) {
	lg := langOf(r)
	ch, err := w.childChoicesFor(r.Context(), lg, id.Viewer, f, fe["village_code"])
	if err != nil {
		return recordFormPage{}, err
	}
	p := recordFormPage{Layout: w.layout(r, id, title), Sections: childSections(lg, f, ch)}
	p.OtherErrors = setErrors(p.Sections, fe)
	return p, nil
}

func (w *Web) newChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !v.CanWrite || !seesChildren(v) {
		return notFound
	}
	f := childForm{VillageCode: scopeRoot(v), Hukou: children.HukouRural, SchoolID: v.SchoolID, ClassID: v.ClassID}
	p, err := w.childFormPage(r, id, langOf(r).T("title.child_new"), f, nil)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel = true, "/children/new", "/children"
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

// navigated reports whether a posted form asked only to move its picker
// or refresh its choices (the no-JavaScript path), and moves the picker.
func navigated(r *http.Request, villageCode *string) bool {
	if field, code, ok := picked(r); ok {
		if field == "village_code" {
			*villageCode = code
		}
		return true
	}
	return r.PostFormValue("_refresh") != ""
}

func (w *Web) createChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !v.CanWrite || !seesChildren(v) {
		return notFound
	}
	lg := langOf(r)
	f := postedChild(r)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigated(r, &f.VillageCode) {
		in, ife := f.input()
		var err error
		if len(ife) == 0 {
			var c children.Child
			c, err = w.app.Children.Create(r.Context(), v, in)
			if err == nil {
				return seeOther(rw, r, "/children/"+c.ID+"?n=child_created")
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
	p, err := w.childFormPage(r, id, lg.T("title.child_new"), f, fe)
	if err != nil {
		return err
	}
	p.Creating, p.Action, p.Cancel, p.Message = true, "/children/new", "/children", message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// editable loads the child an edit route names for a viewer who may use
// the edit form (in full, revealed, when reveal is set); a writer who may
// not gets a page saying why, and ok false with a nil error.
func (w *Web) editable(rw http.ResponseWriter, r *http.Request, id authn.Identity, reveal bool) (c children.Child, ok bool, err error) {
	v := id.Viewer
	if !v.CanWrite || !seesChildren(v) {
		return c, false, notFound
	}
	if !mayEditChild(v) {
		// Check the record exists for this viewer before saying anything.
		if _, err := w.app.Children.Get(r.Context(), v, r.PathValue("id")); err != nil {
			return c, false, err
		}
		lg := langOf(r)
		w.problem(rw, r, id, http.StatusForbidden, lg.T("child.edit_blocked_heading"), lg.T("child.edit_blocked"))
		return c, false, nil
	}
	if reveal && v.May.IDNumber {
		// The form shows the full ID numbers: a revealed (and audited) view.
		c, err = w.app.Children.GetRevealed(r.Context(), v, r.PathValue("id"))
	} else {
		c, err = w.app.Children.Get(r.Context(), v, r.PathValue("id"))
	}
	return c, err == nil, err
}

func (w *Web) editChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	c, ok, err := w.editable(rw, r, id, true)
	if !ok {
		return err
	}
	lg := langOf(r)
	p, err := w.childFormPage(r, id, lg.T("title.child_edit", c.Name), childFormOf(c), nil)
	if err != nil {
		return err
	}
	p.ID, p.Version, p.Action, p.Cancel = c.ID, c.Version, "/children/"+c.ID+"/edit", "/children/"+c.ID
	if c.Archived {
		p.Message = lg.T("child.archived_no_edit")
	}
	w.render(rw, r, http.StatusOK, "recordform", p)
	return nil
}

func (w *Web) updateChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	cur, ok, err := w.editable(rw, r, id, false)
	if !ok {
		return err
	}
	lg := langOf(r)
	ver, err := version(r)
	if err != nil {
		return err
	}
	f := postedChild(r)
	title := lg.T("title.child_edit", cur.Name)
	status := http.StatusOK
	var fe errs.FieldErrors
	var message string
	if !navigated(r, &f.VillageCode) {
		in, ife := f.input()
		if len(ife) == 0 {
			_, err = w.app.Children.Update(r.Context(), id.Viewer, cur.ID, ver, in)
			if err == nil {
				return seeOther(rw, r, "/children/"+cur.ID+"?n=child_saved")
			}
		} else {
			err = ife.Err()
		}
		if stale(err) {
			theirs, err := w.app.Children.GetRevealed(r.Context(), id.Viewer, cur.ID)
			if err != nil {
				return err
			}
			return w.childConflict(rw, r, id, theirs, f)
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
	p, err := w.childFormPage(r, id, title, f, fe)
	if err != nil {
		return err
	}
	// Keep the version the form was read at: a stale form stays stale.
	p.ID, p.Version, p.Action, p.Cancel, p.Message = cur.ID, ver, "/children/"+cur.ID+"/edit", "/children/"+cur.ID, message
	w.render(rw, r, status, "recordform", p)
	return nil
}

// stale reports whether err is the refusal of a write based on an old
// version (a conflict tied to no field).
func stale(err error) bool {
	if errs.CodeOf(err) != errs.Conflict {
		return false
	}
	_, tied := fieldErrors(err)
	return !tied
}

// childConflict shows the child as stored now beside the user's version,
// and the form again with the user's input over the stored version, so
// that submitting it applies the user's change on top.
func (w *Web) childConflict(rw http.ResponseWriter, r *http.Request, id authn.Identity, theirs children.Child, yours childForm) error {
	lg := langOf(r)
	p, err := w.childFormPage(r, id, lg.T("title.child_edit", theirs.Name), yours, nil)
	if err != nil {
		return err
	}
	tf := childFormOf(theirs)
	tch, err := w.childChoicesFor(r.Context(), lg, id.Viewer, tf, "")
	if err != nil {
		return err
	}
	p.Conflict = compare(lg, childSections(lg, tf, tch), p.Sections)
	p.ID, p.Version, p.Action, p.Cancel = theirs.ID, theirs.Version, "/children/"+theirs.ID+"/edit", "/children/"+theirs.ID
	p.Message = lg.T("conflict.message")
	w.render(rw, r, http.StatusConflict, "recordform", p)
	return nil
}
