package web

import (
	"net/http"
	"slices"
	"strings"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
)

// Pairings (结对) seen from the mentor's side: the mentors of the viewer's
// area with their current number of children, one mentor's pairings with
// the form that pairs them with a child found by name, and the mentor's
// own "my children" page, which shows only what a mentor may see.

// mentorsPage is the view model of the mentors list.
type mentorsPage struct {
	Layout
	Rows        []mentorRow
	Soft, Hard  int
	NoneInScope bool
}

type mentorRow struct {
	ID, Name string
	Current  int
	Over     bool
}

func (w *Web) mentors(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesGaps(v) {
		return notFound
	}
	ctx := r.Context()
	lg := langOf(r)
	lim := w.app.Care.Limits()
	p := mentorsPage{Layout: w.layout(r, id, lg.T("title.mentors")), Soft: lim.Soft, Hard: lim.Hard}
	users, err := w.candidates(ctx, lg, v, scopeRoot(v), "", accounts.RoleMentor)
	if err != nil {
		return err
	}
	ps, err := w.app.Care.Pairings(ctx, v, care.PairingFilter{})
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, pr := range ps {
		count[pr.MentorID]++
	}
	for _, u := range users {
		n := count[u.ID]
		p.Rows = append(p.Rows, mentorRow{ID: u.ID, Name: u.Label, Current: n, Over: n > lim.Soft})
	}
	p.NoneInScope = len(p.Rows) == 0
	w.render(rw, r, http.StatusOK, "mentors", p)
	return nil
}

// mentorPage is the view model of one mentor's pairings.
type mentorPage struct {
	Layout
	MentorID, MentorName string
	Current, Past        []pairingView
	Soft, Hard           int
	Over                 bool
	// The pairing form: the children found by Q, the kind and date.
	CanPair  bool
	Q        string
	Found    []mentorFound
	Searched bool
	Form     personForm
}

type mentorFound struct {
	ID, Name, Meta string
	Paired         bool
}

// mentorOf finds the mentor a /mentors/{id} route names among the users
// the viewer may pick for a pairing (notFound otherwise).
func (w *Web) mentorOf(r *http.Request, id authn.Identity) (candidate, error) {
	v := id.Viewer
	if !seesGaps(v) {
		return candidate{}, notFound
	}
	users, err := w.candidates(r.Context(), langOf(r), v, scopeRoot(v), "", accounts.RoleMentor, accounts.RoleLeader, accounts.RoleOfficer)
	if err != nil {
		return candidate{}, err
	}
	mid := r.PathValue("id")
	i := slices.IndexFunc(users, func(c candidate) bool { return c.ID == mid })
	if i < 0 {
		return candidate{}, notFound
	}
	return users[i], nil
}

// mentorPageFor builds the page of mentor m with the pairing form filled
// in with pv.
func (w *Web) mentorPageFor(r *http.Request, id authn.Identity, m candidate, pv pairValues) (mentorPage, error) {
	ctx := r.Context()
	lg := langOf(r)
	v := id.Viewer
	lim := w.app.Care.Limits()
	p := mentorPage{Layout: w.layout(r, id, lg.T("title.mentor", m.Label)), MentorID: m.ID, MentorName: m.Label, Soft: lim.Soft, Hard: lim.Hard,
		CanPair: mayManageCare(v), Q: queryValue(r, "q")}
	ps, err := w.app.Care.Pairings(ctx, v, care.PairingFilter{MentorID: m.ID, All: true})
	if err != nil {
		return p, err
	}
	paired := map[string]bool{}
	for _, pr := range ps {
		if pr.To == "" {
			p.Current = append(p.Current, pairingOf(lg, pr))
			paired[pr.ChildID] = true
		} else {
			p.Past = append(p.Past, pairingOf(lg, pr))
		}
	}
	p.Over = len(p.Current) > lim.Soft
	if !p.CanPair {
		return p, nil
	}
	if p.Q == "" {
		p.Q = pv.Q
	}
	if p.Q != "" {
		p.Searched = true
		page, err := w.app.Children.List(ctx, listViewer(v), children.Filter{Query: p.Q, Limit: 20})
		if e, ok := fieldErrors(err); ok {
			p.Form.Errors = append(p.Form.Errors, e["q"])
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
			p.Found = append(p.Found, mentorFound{ID: c.ID, Name: c.Name, Meta: sexLabel(lg, c.Sex) + " · " + shortName(names[c.VillageCode]),
				Paired: paired[c.ID]})
		}
	}
	p.Form.Action = "/mentors/" + m.ID + "/pairings"
	p.Form.Fields = []formField{
		{Name: "kind", Label: lg.T("care.kind"), Kind: "select", Required: true,
			Options: selectOptions(lg.T("form.choose"), care.PairingKinds, labeller(lg, pairingKindLabel), pv.Kind)},
		{Name: "pair_from", Label: lg.T("care.from"), Kind: "date", Value: pv.From, Help: lg.T("care.from_help")},
		{Name: "note", Label: lg.T("care.note"), Kind: "text", Value: pv.Note, MaxLength: "200"},
	}
	return p, nil
}

func (w *Web) mentor(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	m, err := w.mentorOf(r, id)
	if err != nil {
		return err
	}
	p, err := w.mentorPageFor(r, id, m, pairValues{Kind: care.KindCadre})
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "mentor", p)
	return nil
}

// pairMentor pairs the mentor with the child chosen among those found.
func (w *Web) pairMentor(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayManageCare(id.Viewer) {
		return notFound
	}
	m, err := w.mentorOf(r, id)
	if err != nil {
		return err
	}
	lg := langOf(r)
	pv := postedPair(r)
	pv.Q = strings.TrimSpace(postValue(r, "q"))
	if pv.ChildID == "" {
		// No child chosen among those found: nothing to ask the domain.
		p, perr := w.mentorPageFor(r, id, m, pv)
		if perr != nil {
			return perr
		}
		careFieldErrors(lg, &p.Form, errs.FieldErrors{"child_id": "请选择要结对的儿童"}.Err(), nil)
		w.render(rw, r, http.StatusUnprocessableEntity, "mentor", p)
		return nil
	}
	res, err := w.app.Care.Pair(r.Context(), id.Viewer, care.PairingInput{ChildID: pv.ChildID, MentorID: m.ID, Kind: pv.Kind, From: pv.From, Note: pv.Note})
	if err == nil {
		n := "paired"
		if res.Warning != "" {
			n = "paired_over"
		}
		return seeOther(rw, r, "/mentors/"+m.ID+"?n="+n)
	}
	if errs.CodeOf(err) == errs.NotFound {
		return err
	}
	p, perr := w.mentorPageFor(r, id, m, pv)
	if perr != nil {
		return perr
	}
	if !careFieldErrors(lg, &p.Form, err, map[string]string{"from": "pair_from"}) {
		return err
	}
	w.render(rw, r, statusOf(err), "mentor", p)
	return nil
}

// endMentorPairing ends one of the mentor's pairings.
func (w *Web) endMentorPairing(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if !mayManageCare(id.Viewer) {
		return notFound
	}
	m, err := w.mentorOf(r, id)
	if err != nil {
		return err
	}
	ps, err := w.app.Care.Pairings(r.Context(), id.Viewer, care.PairingFilter{MentorID: m.ID})
	if err != nil {
		return err
	}
	pid := r.PathValue("pairing")
	if !slices.ContainsFunc(ps, func(p care.Pairing) bool { return p.ID == pid }) {
		return notFound
	}
	if _, err := w.app.Care.EndPairing(r.Context(), id.Viewer, pid, care.EndInput{Reason: strings.TrimSpace(postValue(r, "reason"))}); err != nil {
		return err
	}
	return seeOther(rw, r, "/mentors/"+m.ID+"?n=pairing_ended")
}

// myChildrenPage is the view model of a mentor's "my children" page.
type myChildrenPage struct {
	Layout
	Rows []menteeView
}

// menteeView is a paired child as a mentor sees them: no ID number, no
// health, difficulty or parents' phones. Href is the child's chain: the
// mentor's own page of it, or the profile for those who read profiles.
type menteeView struct {
	Href                                       string
	ID, Name, Sex, Place, School, Class, Grade string
	Age                                        int
	Guardian, GuardianRelation, GuardianPhone  string
	Kind, From                                 string
}

func (w *Web) myChildren(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if v.Nobody || v.UserID == "" {
		return notFound
	}
	lg := langOf(r)
	ms, err := w.app.Care.MyChildren(r.Context(), v)
	if err != nil {
		return err
	}
	p := myChildrenPage{Layout: w.layout(r, id, lg.T("title.my_children"))}
	for _, m := range ms {
		mv := menteeView{ID: m.ChildID, Name: m.Name, Sex: sexLabel(lg, m.Sex), Age: m.Age, Place: m.Place, School: m.SchoolName,
			Class: m.ClassName, Guardian: m.GuardianName, GuardianRelation: m.GuardianRelation, GuardianPhone: m.GuardianPhone,
			Kind: pairingKindLabel(lg, m.Kind), From: m.From}
		if m.SchoolName != "" {
			mv.Grade = gradeLabel(lg, m.Grade)
		}
		mv.Href = "/children/" + m.ChildID
		if isMentor(v) {
			mv.Href = "/my/children/" + m.ChildID
		}
		p.Rows = append(p.Rows, mv)
	}
	w.render(rw, r, http.StatusOK, "my_children", p)
	return nil
}

// myChildPage is a paired child's chain as the mentor sees it.
type myChildPage struct {
	Layout
	Name string
	Care careView
}

func (w *Web) myChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !isMentor(v) {
		// Others read a paired child's chain on the child's profile.
		return notFound
	}
	ctx := r.Context()
	ms, err := w.app.Care.MyChildren(ctx, v)
	if err != nil {
		return err
	}
	cid := r.PathValue("id")
	if !slices.ContainsFunc(ms, func(m care.Mentee) bool { return m.ChildID == cid }) {
		return notFound
	}
	cv, err := w.careSection(ctx, r, id, cid, assignValues{}, pairValues{})
	if err != nil {
		return err
	}
	w.render(rw, r, http.StatusOK, "my_child", myChildPage{Layout: w.layout(r, id, cv.ChildName), Name: cv.ChildName, Care: cv})
	return nil
}
