package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// The gaps page (缺口): for a region node in the viewer's scope, how many
// active left-behind children lack a complete care team (and which role),
// a pairing or each proxy parent, broken down by the nodes under it, with
// the list behind every number and the domain's export.

// gapsPage is the view model of the gaps page.
type gapsPage struct {
	Layout
	Crumbs regionNav
	// Columns are the gap keys with their labels, in display order.
	Columns []gapColumn
	// Total is the node itself; Rows the nodes under it.
	Total gapRowView
	Rows  []gapRowView
	// KidLevel names the rows' level (乡级…).
	KidLevel string
	Export   string
	// RegionHref is the node's region page (leaders, proxies).
	RegionHref string
}

type gapColumn struct{ Key, Label string }

// gapRowView is one node's counts, each with the link to its list.
type gapRowView struct {
	Code, Name, Href string
	Children         int
	ChildrenHref     string
	Cells            []gapCell
}

type gapCell struct {
	Key, Label string
	N          int
	Href       string
}

// gapsHref is the gaps page of a node.
func gapsHref(code string) string {
	if code == "" {
		return "/gaps"
	}
	return "/gaps?region=" + code
}

// gapListHref is the list behind one count.
func gapListHref(code, gap string) string {
	q := url.Values{"gap": {gap}}
	if code != "" {
		q.Set("region", code)
	}
	return "/gaps/children?" + q.Encode()
}

func (w *Web) gaps(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	code := clampRegion(v, queryValue(r, "region"))
	p := gapsPage{Layout: w.layout(r, id, lg.T("title.gaps"))}
	var err error
	p.Crumbs, err = w.regionNav(ctx, lg, v, code, func(c string) string {
		if c == scopeRoot(v) {
			return "/gaps"
		}
		return gapsHref(c)
	})
	if err != nil {
		return err
	}
	p.Crumbs.ID = "region-breadcrumb"
	code = p.Crumbs.Current
	g, err := w.app.Care.Gaps(ctx, v, code)
	if err != nil {
		return err
	}
	for _, k := range care.GapKeys {
		p.Columns = append(p.Columns, gapColumn{Key: k, Label: gapLabel(lg, k)})
	}
	row := func(gr care.GapRow, name string, drill bool) gapRowView {
		rv := gapRowView{Code: gr.Code, Name: name, Children: gr.Children, ChildrenHref: childrenOfRegion(gr.Code)}
		if drill {
			rv.Href = gapsHref(gr.Code)
		}
		for _, k := range care.GapKeys {
			rv.Cells = append(rv.Cells, gapCell{Key: k, Label: gapLabel(lg, k), N: gr.Gaps[k], Href: gapListHref(gr.Code, k)})
		}
		return rv
	}
	p.Total = row(g.Region, p.Crumbs.CurrentName, false)
	for _, gr := range g.Rows {
		if !inScope(v, gr.Code) {
			continue
		}
		p.Rows = append(p.Rows, row(gr, shortName(gr.Name), regions.LevelOf(gr.Code) <= regions.Village))
	}
	p.KidLevel = p.Crumbs.KidLevel
	p.Export = "/api/v1/gaps/" + exportCode(code) + "/export"
	if code != "" {
		p.RegionHref = "/regions/" + code
	}
	w.render(rw, r, http.StatusOK, "gaps", p)
	return nil
}

// exportCode is a node's code in an API address ("0" for all of China).
func exportCode(code string) string {
	if code == regions.Root {
		return "0"
	}
	return code
}

// childrenOfRegion is the children list of a node.
func childrenOfRegion(code string) string {
	if code == "" {
		return "/children"
	}
	return "/children?region=" + code
}

// gapChildrenPage is the view model of the list behind a gap count.
type gapChildrenPage struct {
	Layout
	Crumbs   regionNav
	Gap      string
	GapLabel string
	// Gaps are the other gap keys, to switch lists.
	Gaps  []gapCell
	Rows  []gapChildRow
	Pager pager
	Back  string
	// CanBulk offers ticking children for a bulk assignment; Role is the
	// team role the list lacks, chosen in advance there.
	CanBulk bool
	Role    string
}

type gapChildRow struct {
	ID, Name, Sex, Place, School string
	Missing                      []string
}

// gapChildrenPerPage is the length of a page of the list behind a count.
const gapChildrenPerPage = 20

func (w *Web) gapChildren(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	code := clampRegion(v, queryValue(r, "region"))
	gap := queryValue(r, "gap")
	if gap != "" && gap != "any" && !slices.Contains(care.GapKeys, gap) {
		return notFound
	}
	if gap == "" {
		gap = "any"
	}
	label := lg.T("gaps.any")
	if gap != "any" {
		label = gapLabel(lg, gap)
	}
	p := gapChildrenPage{Layout: w.layout(r, id, lg.T("title.gap_children", label)), Gap: gap, GapLabel: label, CanBulk: mayManageCare(v)}
	var err error
	p.Crumbs, err = w.regionNav(ctx, lg, v, code, func(c string) string {
		if c == scopeRoot(v) {
			c = ""
		}
		return gapListHref(c, gap)
	})
	if err != nil {
		return err
	}
	p.Crumbs.ID = "region-breadcrumb"
	code = p.Crumbs.Current
	p.Back = gapsHref(code)
	if role, ok := strings.CutPrefix(gap, care.GapTeam+"."); ok {
		p.Role = role
	}
	for _, k := range append([]string{"any"}, care.GapKeys...) {
		l := lg.T("gaps.any")
		if k != "any" {
			l = gapLabel(lg, k)
		}
		p.Gaps = append(p.Gaps, gapCell{Key: k, Label: l, Href: gapListHref(code, k)})
	}
	page := pageParam(r)
	gp, err := w.app.Care.GapChildren(ctx, v, code, gap, gapChildrenPerPage, (page-1)*gapChildrenPerPage)
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return notFound
		}
		return err
	}
	for _, c := range gp.Items {
		p.Rows = append(p.Rows, gapChildRow{ID: c.ID, Name: c.Name, Sex: sexLabel(lg, c.Sex), Place: c.Place, School: c.SchoolName,
			Missing: labelsOf(lg, c.Missing, gapLabel)})
	}
	p.Pager = newPager(r, gp.Total, page, gapChildrenPerPage)
	w.render(rw, r, http.StatusOK, "gap_children", p)
	return nil
}
