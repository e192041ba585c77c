package web

import (
	"net/url"
	"slices"
	"strconv"

	"guanai/internal/access"
)

// exportLinks are a list page's downloads: the API's export of the list
// with the page's filters (the API accepts the session cookie on GETs),
// as .xlsx or .csv, and, for roles that may see ID numbers, a form that
// asks for them in full (an export the API audits).
type exportLinks struct {
	// Action is the API's export address; Params the filters, also as
	// the reveal form's hidden fields.
	Action    string
	Params    []exportParam
	XLSX, CSV string
	CanReveal bool
}

type exportParam struct{ Name, Value string }

// newExport returns the downloads of the list kind ("children", "elders",
// "schools") with the filters in q (empty values left out).
func newExport(v access.Viewer, kind string, q url.Values, reveal bool) exportLinks {
	e := exportLinks{Action: "/api/v1/" + kind + "/export", CanReveal: reveal && v.May.IDNumber}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s := q.Get(k); s != "" {
			e.Params = append(e.Params, exportParam{k, s})
		}
	}
	link := func(format string) string {
		u := url.Values{}
		for _, p := range e.Params {
			u.Set(p.Name, p.Value)
		}
		u.Set("format", format)
		return e.Action + "?" + u.Encode()
	}
	e.XLSX, e.CSV = link("xlsx"), link("csv")
	return e
}

// childExport is the children list's export with the filter q, the age
// band given as the API's age_min and age_max.
func childExport(v access.Viewer, q childQuery) exportLinks {
	u := url.Values{"region": {q.Region}, "school_id": {q.SchoolID}, "class_id": {q.ClassID}, "category": {q.Category},
		"sex": {q.Sex}, "status": {q.Status}, "q": {q.Q}}
	for _, b := range ageBands {
		if b.value == q.Age {
			u.Set("age_min", strconv.Itoa(b.min))
			u.Set("age_max", strconv.Itoa(b.max))
		}
	}
	return newExport(v, "children", u, true)
}
