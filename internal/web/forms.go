package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/errs"
)

// option is one choice of a select or one checkbox of a group.
type option struct {
	Value, Label string
	// Selected marks the chosen option (or a ticked checkbox).
	Selected bool
}

// pager is the paging bar under a list: the total, which items are shown
// and links to the pages before and after, keeping the list's filter.
type pager struct {
	Total, Page, Pages int
	// From and To number the items shown (1-based), 0 when there are none.
	From, To   int
	Prev, Next string
	// HXTarget, when set, makes the links fetch just that element.
	HXTarget string
}

// newPager returns the pager of page (1-based) of total items, size per
// page, with links that keep r's other query parameters.
func newPager(r *http.Request, total, page, size int) pager {
	p := pager{Total: total, Page: page, Pages: max(1, (total+size-1)/size)}
	if total > 0 && page <= p.Pages {
		p.From, p.To = (page-1)*size+1, min(total, page*size)
	}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("n")
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// maxPage bounds the page parameter (and so the offset a query is given).
const maxPage = 100000

// pageParam returns the page query parameter, 1 when absent or bad.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// clean returns s as valid UTF-8 without NUL characters, which no
// database column accepts.
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// postValue returns a posted text field, cleaned.
func postValue(r *http.Request, name string) string { return clean(r.PostFormValue(name)) }

// queryValue returns a query parameter, trimmed and cleaned.
func queryValue(r *http.Request, name string) string {
	return clean(strings.TrimSpace(r.URL.Query().Get(name)))
}

// fieldErrors returns the per-field messages of a validation error (or of
// a conflict tied to a field, such as a username in use), and whether err
// is one.
func fieldErrors(err error) (errs.FieldErrors, bool) {
	var e *errs.Error
	if errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict) && len(e.Fields) > 0 {
		return errs.FieldErrors(e.Fields), true
	}
	return nil, false
}

// formField is one field of a form as the field template shows it: its
// label tied to the input, help and error beside it, the input kept as
// typed.
type formField struct {
	// Name is the input's name and id; the error's id is <Name>-error.
	Name, Label string
	// Kind is the input type (text, date, tel, number), or select,
	// textarea, checkbox (one box), checks (a group of boxes) or picker
	// (a region picker).
	Kind string
	// Value is the value as entered; Checked for a checkbox; Options for a
	// select or a group of checkboxes (Selected marks the chosen ones).
	Value   string
	Checked bool
	Options []option
	Picker  *regionNav

	Help, Error string
	Required    bool
	// Input attributes.
	InputMode, Autocomplete, MaxLength, Min, Max string
	NoSpellcheck                                 bool
	// HX makes the field ask the server about itself (inline validation,
	// dependent choices).
	HX *hxCall
	// Refresh labels a button beside a select that posts the form back to
	// update the choices that depend on it (without JavaScript).
	Refresh string
}

// hxCall is an htmx request a field makes: hx-<Method>=URL on Trigger,
// swapping the element with id Target.
type hxCall struct {
	Method, URL, Trigger, Target, Include string
}

// DescribedBy lists the ids of the help and the error of a field.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Help != "" {
		ids = append(ids, f.Name+"-help")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// display returns the field's value as a reader sees it: the label of the
// chosen option, the labels of the ticked boxes, 是/否 for a checkbox, the
// path of a picker.
func (f formField) display(l lang) string {
	switch f.Kind {
	case "select":
		for _, o := range f.Options {
			if o.Selected {
				if o.Value == "" {
					return ""
				}
				return o.Label
			}
		}
		return f.Value
	case "checks":
		var out []string
		for _, o := range f.Options {
			if o.Selected {
				out = append(out, o.Label)
			}
		}
		return strings.Join(out, l.T("list.sep"))
	case "checkbox":
		if f.Checked {
			return l.T("yes")
		}
		return l.T("no")
	case "picker":
		if f.Picker != nil {
			return f.Picker.CurrentPath
		}
	}
	return f.Value
}

// formSection is a group of fields under a heading.
type formSection struct {
	ID, Title string
	Fields    []formField
}

// setErrors puts the messages of fe beside their fields and returns the
// messages that belong to no field of the form.
func setErrors(sections []formSection, fe errs.FieldErrors) []string {
	placed := map[string]bool{}
	for i := range sections {
		for j := range sections[i].Fields {
			f := &sections[i].Fields[j]
			if msg, ok := fe[f.Name]; ok {
				f.Error = msg
				if f.Picker != nil {
					f.Picker.Error = msg
				}
				placed[f.Name] = true
			}
		}
	}
	var other []string
	for k, msg := range fe {
		if !placed[k] {
			other = append(other, msg)
		}
	}
	slices.Sort(other)
	return other
}

// selectOptions returns the options of a select: an empty choice labelled
// empty (unless empty is ""), then the values with their labels, value
// selected; a value not among them is kept as an option of its own so
// that nothing typed is lost.
func selectOptions(empty string, values []string, labelOf func(string) string, value string) []option {
	var out []option
	if empty != "" {
		out = append(out, option{Value: "", Label: empty, Selected: value == ""})
	}
	for _, v := range values {
		out = append(out, option{Value: v, Label: labelOf(v), Selected: v == value})
	}
	if value != "" && !slices.Contains(values, value) {
		out = append(out, option{Value: value, Label: value, Selected: true})
	}
	return out
}

// checkOptions returns a group of checkboxes, those in ticked ticked.
func checkOptions(values []string, labelOf func(string) string, ticked []string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: labelOf(v), Selected: slices.Contains(ticked, v)}
	}
	return out
}

// postList returns the cleaned values of a posted multi-value field.
func postList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.PostForm[name] {
		out = append(out, clean(v))
	}
	return out
}

// isHX reports whether r is an htmx request for part of a page (not an
// htmx request restoring history, which wants the whole page).
func isHX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// hxTarget returns the id of the element an htmx request will swap.
func hxTarget(r *http.Request) string {
	if !isHX(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// version reads the posted version of a record.
func version(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || n < 1 {
		return 0, errs.New(errs.BadRequest, "表单缺少版本号，请刷新页面后重试")
	}
	return n, nil
}
