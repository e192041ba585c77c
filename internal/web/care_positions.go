package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/schools"
)

// Positions from which proxy parents and the chain follow: a region
// node's accountable leader and a village's out-of-school chief proxy
// parent (on the region page, reached from the breadcrumb), a school's
// principal and a class's homeroom teacher (on the school page). Each is a
// positionBox: the current holder, the form that sets the next one (the
// current holder's term ends that day) and a button that ends the term.

// positionBox is one position of one subject on a page.
type positionBox struct {
	// ID is the box's element id; the form's fields are prefixed with it.
	ID, Kind, Label, Subject string
	Holder                   *HolderView
	// HolderID is the current holding's id (for the end button).
	HolderID string
	// Set and End are the form actions ("" when the viewer may not).
	Set, End string
	Form     personForm
	// Past are earlier holders, newest first.
	Past []HolderView
}

// positionValues is a position form as entered.
type positionValues struct{ UserID, Name, Phone, Title, From string }

func postedPosition(r *http.Request) positionValues {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return positionValues{UserID: v("user_id"), Name: v("name"), Phone: v("phone"), Title: v("title"), From: v("from")}
}

// positionsOf returns the positions of kind over the subjects, current
// and past, by subject, newest first.
func (w *Web) positionsOf(ctx context.Context, v access.Viewer, kind string, f care.PositionFilter) (map[string][]care.Position, error) {
	f.Kind, f.All = kind, true
	ps, err := w.app.Care.Positions(ctx, v, f)
	if err != nil {
		return nil, err
	}
	out := map[string][]care.Position{}
	for _, p := range ps {
		out[p.Subject] = append(out[p.Subject], p)
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b care.Position) int { return strings.Compare(b.From, a.From) })
	}
	return out, nil
}

// newBox builds the box of one position from its holdings (newest first),
// with the form when set is not "" (filled in with pv, errors from err).
func newBox(lg lang, csrf, id, kind, subject string, held []care.Position, set, end string, users []candidate, pv positionValues) positionBox {
	b := positionBox{ID: id, Kind: kind, Label: positionLabel(lg, kind), Subject: subject}
	b.Form.CSRF = csrf
	for _, p := range held {
		if p.To == "" && b.Holder == nil {
			b.Holder, b.HolderID = positionHolder(&p), p.ID
			continue
		}
		b.Past = append(b.Past, *positionHolder(&p))
	}
	if set != "" {
		b.Set = set
		if b.Holder != nil {
			b.End = end + "/" + b.HolderID + "/end"
		}
		b.Form.Action = set
		fs := personFields(lg, "", candidateOptions(lg.T("care.not_user"), users, pv.UserID), pv.Name, pv.Phone, "", false)
		fs = append(fs,
			formField{Name: "title", Label: lg.T("care.title"), Kind: "text", Value: pv.Title, MaxLength: "30", Help: lg.T("care.title_help")},
			formField{Name: "from", Label: lg.T("care.from"), Kind: "date", Value: pv.From, Help: lg.T("care.from_help")})
		for i := range fs {
			// Several boxes share a page: ids carry the box's id.
			fs[i].Name = id + "-" + fs[i].Name
		}
		b.Form.Fields = fs
	}
	return b
}

// boxFailed puts err beside the fields of the box's form.
func boxFailed(lg lang, b *positionBox, err error) bool {
	rename := map[string]string{}
	for _, f := range []string{"user_id", "name", "phone", "title", "from", "subject", "kind"} {
		rename[f] = b.ID + "-" + f
	}
	return careFieldErrors(lg, &b.Form, err, rename)
}

// postedBox reads a box's form (its fields are prefixed with the box id).
func postedBox(r *http.Request, id string) positionValues {
	v := func(name string) string { return strings.TrimSpace(postValue(r, id+"-"+name)) }
	return positionValues{UserID: v("user_id"), Name: v("name"), Phone: v("phone"), Title: v("title"), From: v("from")}
}

func (pv positionValues) input(kind, subject string) care.PositionInput {
	in := care.PositionInput{Kind: kind, Subject: subject, UserID: pv.UserID, Name: pv.Name, Phone: pv.Phone, Title: pv.Title, From: pv.From}
	if in.UserID != "" {
		in.Name, in.Phone = "", ""
	}
	return in
}

// --- The region page.

// regionPage is the view model of a region node's page: its accountable
// leader, for a village its out-of-school chief proxy parent, and the
// nodes under it with theirs.
type regionPage struct {
	Layout
	Crumbs             regionNav
	Code, Name, Level  string
	Boxes              []positionBox
	Kids               []regionKidRow
	GapsHref, KidsHref string
	// Problem is a refusal of the last form that belongs to no field.
	Problem string
}

// regionKidRow is a node under the page's node with its positions.
type regionKidRow struct {
	Code, Name, Href, Leader, Proxy string
	IsVillage                       bool
}

func (w *Web) region(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	return w.regionAnswer(rw, r, id, "", positionValues{}, nil, http.StatusOK)
}

// regionAnswer renders the region page; a box named failed shows the
// posted values pv with err.
func (w *Web) regionAnswer(rw http.ResponseWriter, r *http.Request, id authn.Identity, failed string, pv positionValues, err error, status int) error {
	v := id.Viewer
	if !seesGaps(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	code, nerr := regions.Normalize(r.PathValue("code"))
	if nerr != nil || code == regions.Root || !inScope(v, code) {
		return notFound
	}
	reg, gerr := w.app.Regions.Get(ctx, code)
	if gerr != nil {
		return notFound
	}
	p := regionPage{Code: code, Name: shortName(reg.Name), Level: placeName(lg, reg.Level), GapsHref: gapsHref(code),
		KidsHref: childrenOfRegion(code)}
	p.Layout = w.layout(r, id, lg.T("title.region", p.Name))
	var cerr error
	p.Crumbs, cerr = w.regionNav(ctx, lg, v, code, func(c string) string {
		if c == "" {
			return ""
		}
		return "/regions/" + c
	})
	if cerr != nil {
		return cerr
	}
	p.Crumbs.ID = "region-breadcrumb"
	kinds := []string{care.PositionLeader}
	if reg.Level == regions.Village {
		kinds = append(kinds, care.PositionVillageProxy)
	}
	var users []candidate
	if mayManageCare(v) {
		if users, cerr = w.candidates(ctx, lg, v, code, "", accounts.RoleLeader, accounts.RoleOfficer); cerr != nil {
			return cerr
		}
	}
	for _, k := range kinds {
		held, herr := w.positionsOf(ctx, v, k, care.PositionFilter{Subject: code})
		if herr != nil {
			return herr
		}
		set, end := "", ""
		if mayManageCare(v) {
			set, end = "/regions/"+code+"/positions/"+k, "/regions/"+code+"/positions"
		}
		in := positionValues{}
		if k == failed {
			in = pv
		}
		b := newBox(lg, p.CSRFToken, "pos-"+k, k, p.Name, held[code], set, end, users, in)
		p.Boxes = append(p.Boxes, b)
	}
	if failed != "" && err != nil {
		for i := range p.Boxes {
			if p.Boxes[i].Kind == failed && !boxFailed(lg, &p.Boxes[i], err) {
				return err
			}
		}
	}
	// The nodes under this one, with their leaders (and village proxies).
	leaders, err2 := w.positionsOf(ctx, v, care.PositionLeader, care.PositionFilter{Region: code})
	if err2 != nil {
		return err2
	}
	proxies := map[string][]care.Position{}
	if reg.Level == regions.Township {
		if proxies, err2 = w.positionsOf(ctx, v, care.PositionVillageProxy, care.PositionFilter{Region: code}); err2 != nil {
			return err2
		}
	}
	current := func(ps []care.Position) string {
		for _, p := range ps {
			if p.To == "" {
				return p.Name
			}
		}
		return ""
	}
	for _, k := range p.Crumbs.Kids {
		p.Kids = append(p.Kids, regionKidRow{Code: k.Code, Name: k.Name, Href: k.Href, Leader: current(leaders[k.Code]),
			Proxy: current(proxies[k.Code]), IsVillage: regions.LevelOf(k.Code) == regions.Village})
	}
	w.render(rw, r, status, "region", p)
	return nil
}

// setRegionPosition sets a region node's leader or a village's proxy.
func (w *Web) setRegionPosition(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) || !mayManageCare(v) {
		return notFound
	}
	kind := r.PathValue("kind")
	if kind != care.PositionLeader && kind != care.PositionVillageProxy {
		return notFound
	}
	code, err := regions.Normalize(r.PathValue("code"))
	if err != nil || !inScope(v, code) {
		return notFound
	}
	pv := postedBox(r, "pos-"+kind)
	_, err = w.app.Care.SetPosition(r.Context(), v, pv.input(kind, code))
	if err == nil {
		return seeOther(rw, r, "/regions/"+code+"?n=position_set#pos-"+kind)
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
		return w.regionAnswer(rw, r, id, kind, pv, err, statusOf(err))
	}
	return err
}

// endRegionPosition ends the current holder of a region node's position.
func (w *Web) endRegionPosition(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) || !mayManageCare(v) {
		return notFound
	}
	code, err := regions.Normalize(r.PathValue("code"))
	if err != nil || !inScope(v, code) {
		return notFound
	}
	ps, err := w.app.Care.Positions(r.Context(), v, care.PositionFilter{Subject: code})
	if err != nil {
		return err
	}
	pid := r.PathValue("position")
	if !slices.ContainsFunc(ps, func(p care.Position) bool { return p.ID == pid }) {
		return notFound
	}
	if _, err := w.app.Care.EndPosition(r.Context(), v, pid, care.EndInput{}); err != nil {
		return err
	}
	return seeOther(rw, r, "/regions/"+code+"?n=position_ended")
}

// --- The school page's positions.

// schoolBoxes adds the principal's box and each class's homeroom box to
// a school page; failed names the box that came back with pv and err.
func (w *Web) schoolBoxes(ctx context.Context, lg lang, v access.Viewer, p *schoolPage, s schools.School, failed string, pv positionValues, err error) error {
	principals, perr := w.positionsOf(ctx, v, care.PositionPrincipal, care.PositionFilter{Subject: s.ID})
	if perr != nil {
		return perr
	}
	homerooms, perr := w.positionsOf(ctx, v, care.PositionHomeroom, care.PositionFilter{Region: s.RegionCode})
	if perr != nil {
		return perr
	}
	var users []candidate
	canSchool := v.CanWriteSchool() && v.PairedWith == ""
	if canSchool {
		if users, perr = w.candidates(ctx, lg, v, s.RegionCode, s.ID, accounts.RoleTeacher, accounts.RolePrincipal); perr != nil {
			return perr
		}
	}
	// A principal sets the homeroom teachers of their school, not their own post.
	mayPrincipal := canSchool && v.SchoolID == ""
	pick := func(box string) positionValues {
		if box == failed {
			return pv
		}
		return positionValues{}
	}
	set, end := "", ""
	if mayPrincipal {
		set, end = "/schools/"+s.ID+"/principal", "/schools/"+s.ID+"/positions"
	}
	b := newBox(lg, p.CSRFToken, "pos-principal", care.PositionPrincipal, s.Name, principals[s.ID], set, end, users, pick("pos-principal"))
	p.Principal = &b
	for i := range p.Classes {
		c := &p.Classes[i]
		set, end := "", ""
		if canSchool {
			set, end = "/schools/"+s.ID+"/classes/"+c.ID+"/homeroom", "/schools/"+s.ID+"/positions"
		}
		box := "pos-homeroom-" + c.ID
		hb := newBox(lg, p.CSRFToken, box, care.PositionHomeroom, c.Grade+c.Name, homerooms[c.ID], set, end, users, pick(box))
		c.Homeroom = &hb
	}
	if failed != "" && err != nil {
		boxes := []*positionBox{p.Principal}
		for i := range p.Classes {
			boxes = append(boxes, p.Classes[i].Homeroom)
		}
		for _, b := range boxes {
			if b.ID == failed && !boxFailed(lg, b, err) {
				return err
			}
		}
	}
	return nil
}

// setSchoolPosition sets a school's principal or a class's homeroom
// teacher.
func (w *Web) setSchoolPosition(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteSchool() {
		return notFound
	}
	ctx := r.Context()
	s, err := w.app.Schools.Get(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	kind, subject, box := care.PositionPrincipal, s.ID, "pos-principal"
	if cid := r.PathValue("class"); cid != "" {
		if !slices.ContainsFunc(s.Classes, func(c schools.Class) bool { return c.ID == cid }) {
			return notFound
		}
		kind, subject, box = care.PositionHomeroom, cid, "pos-homeroom-"+cid
	}
	pv := postedBox(r, box)
	_, err = w.app.Care.SetPosition(ctx, v, pv.input(kind, subject))
	if err == nil {
		return seeOther(rw, r, "/schools/"+s.ID+"?n=position_set#"+box)
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
	default:
		return err
	}
	p, perr := w.schoolPage(r, id, s, "", "", nil)
	if perr != nil {
		return perr
	}
	if perr := w.schoolBoxes(ctx, langOf(r), v, &p, s, box, pv, err); perr != nil {
		return perr
	}
	w.render(rw, r, statusOf(err), "school", p)
	return nil
}

// endSchoolPosition ends a school's principal or a class's homeroom
// teacher.
func (w *Web) endSchoolPosition(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !v.CanWriteSchool() {
		return notFound
	}
	ctx := r.Context()
	s, err := w.app.Schools.Get(ctx, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	pid := r.PathValue("position")
	ps, err := w.app.Care.Positions(ctx, v, care.PositionFilter{Region: s.RegionCode})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p care.Position) bool {
		return p.ID == pid && (p.Subject == s.ID || slices.ContainsFunc(s.Classes, func(c schools.Class) bool { return c.ID == p.Subject }))
	})
	if i < 0 {
		return notFound
	}
	if _, err := w.app.Care.EndPosition(ctx, v, pid, care.EndInput{}); err != nil {
		return err
	}
	return seeOther(rw, r, "/schools/"+s.ID+"?n=position_ended")
}
