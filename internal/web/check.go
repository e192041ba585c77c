package web

import (
	"net/http"
	"strings"
	"time"

	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// checkField checks one field of a child or elder form as the user leaves
// it (htmx posts the whole form on change) and answers with the field
// again, its error beside it: the check digit of an ID number and its
// agreement with the birth date and sex entered, a phone number's form.
// Nothing is saved; the full validation still runs on submit. The
// messages are the domain's own (person.CheckID, person.CheckPhone).
func (w *Web) checkField(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !v.CanWrite || v.Nobody {
		return notFound
	}
	lg := langOf(r)
	field := r.URL.Query().Get("field")
	var sections []formSection
	switch r.URL.Query().Get("form") {
	case "child":
		sections = childSections(lg, postedChild(r), childChoices{})
	case "elder":
		sections = elderSections(lg, postedElder(r), nil)
	default:
		return notFound
	}
	f, ok := findField(sections, field)
	if !ok || (field != "id_number" && field != "guardian_id_number" && f.Kind != "tel") {
		return notFound
	}
	fe := errs.FieldErrors{}
	now := w.app.DB.Now()
	val := strings.TrimSpace(f.Value)
	switch {
	case val == "":
	case field == "id_number":
		birth, _ := person.ParseDate(r.PostFormValue("birth_date"))
		person.CheckID(fe, field, val, birth, person.NormalizeSex(r.PostFormValue("sex")), now)
	case field == "guardian_id_number":
		person.CheckID(fe, field, val, time.Time{}, "", now)
	default:
		// The domain's messages are Chinese and name the field in Chinese.
		person.CheckPhone(fe, field, zh.T("field."+field), val)
	}
	f.Error = fe[field]
	w.renderPart(rw, r, http.StatusOK, "recordform", "field", f)
	return nil
}

// findField returns the field named name among sections.
func findField(sections []formSection, name string) (formField, bool) {
	for _, s := range sections {
		for _, f := range s.Fields {
			if f.Name == name {
				return f, true
			}
		}
	}
	return formField{}, false
}
