package api

import (
	"bytes"
	"net/http"
	"net/url"

	"guanai/internal/access"
	"guanai/internal/dashboard"
	"guanai/internal/errs"
)

// DashboardJSON is a dashboard as the API returns it: the value of
// package dashboard (the node, its path, the day it counts up to and the
// sections) with the bulletin's rankings of the child nodes. Lists are
// never null.
type DashboardJSON struct {
	dashboard.Dashboard
	Rankings []dashboard.Ranking `json:"rankings"`
}

// loadDashboard computes the dashboard the query asks for: region=<code>
// (a region node), school=<id> (a school), or neither (the viewer's own:
// their school for school staff, else the top of their region). A node
// outside the viewer's scope, and any dashboard for the roles that see
// no records (mentors, the administrative roles), is not found.
func (api *API) loadDashboard(r *http.Request) (dashboard.Dashboard, error) {
	v, err := api.viewer(r)
	if err != nil {
		return dashboard.Dashboard{}, err
	}
	if v.Nobody || v.PairedWith != "" {
		return dashboard.Dashboard{}, errs.New(errs.NotFound, "没有可查看的数据看板")
	}
	q := r.URL.Query()
	region, school := q.Get("region"), q.Get("school")
	switch {
	case region != "" && school != "":
		return dashboard.Dashboard{}, &errs.Error{Code: errs.BadRequest, Message: "参数 region 和 school 只能指定其一",
			Fields: map[string]string{"school": "与 region 只能指定其一"}}
	case school != "":
		return api.app.Dashboard.School(r.Context(), v, school)
	case region != "":
		return api.app.Dashboard.Region(r.Context(), v, region)
	}
	return defaultDashboard(api, r, v)
}

func defaultDashboard(api *API, r *http.Request, v access.Viewer) (dashboard.Dashboard, error) {
	if v.SchoolID != "" {
		return api.app.Dashboard.School(r.Context(), v, v.SchoolID)
	}
	return api.app.Dashboard.Region(r.Context(), v, "")
}

// getDashboard returns the dashboard of a node with its rankings.
func (api *API) getDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := api.loadDashboard(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dashboardJSON(d))
	return nil
}

// dashboardJSON is d with its rankings, every nil list and map made
// empty so that the JSON has [] and {} where the document says so.
func dashboardJSON(d dashboard.Dashboard) DashboardJSON {
	out := DashboardJSON{Dashboard: d, Rankings: dashboard.Rankings(d)}
	if out.Rankings == nil {
		out.Rankings = []dashboard.Ranking{}
	}
	if out.Path == nil {
		out.Path = []dashboard.Node{}
	}
	secs := make([]dashboard.Section, len(d.Sections))
	for i, s := range d.Sections {
		if s.Plot == nil {
			s.Plot = []string{}
		}
		if s.Metrics == nil {
			s.Metrics = []dashboard.Metric{}
		}
		if s.Total.Values == nil {
			s.Total.Values = map[string]float64{}
		}
		rows := make([]dashboard.Row, len(s.Rows))
		for j, row := range s.Rows {
			if row.Values == nil {
				row.Values = map[string]float64{}
			}
			rows[j] = row
		}
		s.Rows = rows
		secs[i] = s
	}
	out.Sections = secs
	return out
}

// exportDashboard downloads the dashboard of a node as an .xlsx workbook
// (see dashboard.WriteXLSX), named 数据看板_<node>_<date>.xlsx. It is
// made in memory first (a few small sheets), so that a failure still gets
// its JSON error.
func (api *API) exportDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := api.loadDashboard(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := dashboard.WriteXLSX(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", dashboard.XLSXType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(dashboard.FileName(d)))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}
