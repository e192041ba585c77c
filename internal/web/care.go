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
)

// The care network on a child's profile (负责链): the accountable leaders
// of the five levels, the six-person care team with its history, the proxy
// parents that follow from positions and the paired mentors, with the
// forms that assign, reassign and end team members and pairings. The
// rules (who may hold what, one holder per role, limits, scope) are the
// care package's; this file turns its answers into pages.

// mayManageCare reports whether the viewer may use the care network's
// forms (the care package decides each write; this only hides forms that
// would be refused).
func mayManageCare(v access.Viewer) bool { return v.CanWriteRegion() && v.PairedWith == "" }

// isMentor reports whether the viewer's view is a mentor's: the children
// paired with them only.
func isMentor(v access.Viewer) bool { return v.PairedWith != "" && !v.Nobody }

// careView is the care network section of a child's profile, which htmx
// swaps as a whole after a form in it is posted.
type careView struct {
	ChildID, ChildName string
	CSRFToken          string
	Leaders            []leaderView
	Team               []slotView
	History            []memberView
	Missing            []string
	Proxies            []proxyView
	Mentors            []pairingView
	CanManage          bool
	// Problem says why the last form was refused when it is not about a
	// field; Notice what the last form did; Warning the soft limit passed.
	Problem, Notice, Warning string
	// Assign and Pair are the forms, as entered, with their errors.
	Assign, Pair personForm
	// Roles are the team roles for the assign form's select.
	RoleOptions, KindOptions []option
}

// leaderView is one level of the responsibility chain.
type leaderView struct {
	Level, Region, Href string
	Holder              *HolderView
}

// HolderView is who holds a place, as the page shows them.
type HolderView struct {
	Name, Phone, Relation, Title, From, To, EndReason string
	User                                              bool
}

// slotView is one role of the team with its current holder.
type slotView struct {
	Role, Label string
	Member      *memberView
}

// memberView is one holding of a team role.
type memberView struct {
	ID, Role, Label string
	HolderView
}

// proxyView is one proxy parent.
type proxyView struct {
	Kind, Label, Subject string
	Holder               *HolderView
}

// pairingView is one pairing.
type pairingView struct {
	ID, ChildID, ChildName, MentorID, MentorName, Phone, Kind, From, To, Note, EndReason string
}

// personForm is a form that names a person for a place — a guanai user
// from a select, or a person who is not a user — as entered, with its
// errors beside the fields.
type personForm struct {
	Action string
	Fields []formField
	Errors []string
	// Message heads the form when it came back refused.
	Message string
	// CSRF is the session's token, for forms outside the page's own model.
	CSRF string
}

func holderOf(p care.Person) HolderView {
	return HolderView{Name: p.Name, Phone: p.Phone, Relation: p.Relation, User: p.UserID != ""}
}

func memberOf(lg lang, m care.Member) memberView {
	h := holderOf(m.Person)
	h.From, h.To, h.EndReason = m.From, m.To, m.EndReason
	return memberView{ID: m.ID, Role: m.Role, Label: teamRoleLabel(lg, m.Role), HolderView: h}
}

func positionHolder(p *care.Position) *HolderView {
	if p == nil {
		return nil
	}
	h := holderOf(p.Person)
	h.Title, h.From, h.To, h.EndReason = p.Title, p.From, p.To, p.EndReason
	return &h
}

func pairingOf(lg lang, p care.Pairing) pairingView {
	return pairingView{ID: p.ID, ChildID: p.ChildID, ChildName: p.ChildName, MentorID: p.MentorID, MentorName: p.MentorName,
		Phone: p.MentorPhone, Kind: pairingKindLabel(lg, p.Kind), From: p.From, To: p.To, Note: p.Note, EndReason: p.EndReason}
}

func teamRoleLabel(l lang, r string) string { return l.label("team."+r, care.RoleLabel(r)) }
func pairingKindLabel(l lang, k string) string {
	return l.label("pairing_kind."+k, care.KindLabel(k))
}
func positionLabel(l lang, k string) string { return l.label("position."+k, care.PositionLabel(k)) }
func gapLabel(l lang, k string) string      { return l.label("gap."+k, care.GapLabel(k)) }

// assignForm is the form that assigns a team role, filled in with in.
type assignValues struct {
	Role, UserID, Name, Phone, Relation, From string
	Replace                                   bool
}

func postedAssign(r *http.Request) assignValues {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return assignValues{Role: v("role"), UserID: v("user_id"), Name: v("name"), Phone: v("phone"), Relation: v("relation"),
		From: v("from"), Replace: r.PostFormValue("replace") != ""}
}

func (a assignValues) input() care.AssignInput {
	return care.AssignInput{Role: a.Role, UserID: a.UserID, Name: a.Name, Phone: a.Phone, Relation: a.Relation, From: a.From, Replace: a.Replace}
}

// candidate is a user a picker offers.
type candidate struct{ ID, Label string }

// candidates returns the active users who could hold a place at region
// code for the viewer: users of the viewer's subtree whose own region
// covers code (the care package decides whether one fits), with roles.
// (Until the care package offers its own list — see care/REQUESTS.md —
// the accounts of the viewer's subtree are read as an administrator of
// that subtree would, and only names, roles and ids are shown.)
func (w *Web) candidates(ctx context.Context, lg lang, v access.Viewer, code string, schoolID string, roles ...string) ([]candidate, error) {
	if !inScope(v, code) {
		code = scopeRoot(v)
	}
	area := scopeRoot(v)
	if regions.LevelOf(code) >= regions.County && regions.LevelOf(area) < regions.County {
		area = code[:6] + "000000"
	}
	reader := access.Viewer{Name: "系统", Roles: []string{accounts.RoleSysadmin}, Region: area}
	page, err := w.app.Accounts.List(ctx, reader, accounts.Filter{Region: area, Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, u := range page.Users {
		if !u.Active || !slices.ContainsFunc(u.Roles, func(r string) bool { return slices.Contains(roles, r) }) {
			continue
		}
		lo, hi := regions.Range(u.RegionCode)
		covers := code >= lo && code < hi
		if !covers && (schoolID == "" || u.SchoolID != schoolID) && !slices.Contains(u.Roles, accounts.RoleMentor) {
			continue
		}
		rs := make([]string, 0, len(u.Roles))
		for _, r := range u.Roles {
			if slices.Contains(roles, r) {
				rs = append(rs, roleLabel(lg, r))
			}
		}
		name := u.Name
		if name == "" {
			name = u.Username
		}
		out = append(out, candidate{ID: u.ID, Label: name + lg.T("paren", strings.Join(rs, lg.T("list.sep")))})
	}
	return out, nil
}

// candidateOptions is a user select's options, empty first.
func candidateOptions(empty string, cs []candidate, chosen string) []option {
	ids := make([]string, len(cs))
	names := map[string]string{}
	for i, c := range cs {
		ids[i], names[c.ID] = c.ID, c.Label
	}
	return selectOptions(empty, ids, func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}, chosen)
}

// personFields are the fields that name a person: a user from the select
// or, for someone who is not a user, a name, phone and relation.
func personFields(lg lang, prefix string, users []option, name, phone, relation string, withRelation bool) []formField {
	fs := []formField{
		{Name: prefix + "user_id", Label: lg.T("care.user"), Kind: "select", Options: users, Help: lg.T("care.user_help")},
		{Name: prefix + "name", Label: lg.T("care.person_name"), Kind: "text", Value: name, MaxLength: "50", Autocomplete: "off"},
		{Name: prefix + "phone", Label: lg.T("care.person_phone"), Kind: "tel", Value: phone, InputMode: "tel", Autocomplete: "off", MaxLength: "20"},
	}
	if withRelation {
		fs = append(fs, formField{Name: prefix + "relation", Label: lg.T("care.relation"), Kind: "text", Value: relation, MaxLength: "20",
			Help: lg.T("care.relation_help")})
	}
	return fs
}

// careSection builds the care network section of child id for the viewer,
// with the assign form filled in with a and the pairing form with pv.
func (w *Web) careSection(ctx context.Context, r *http.Request, id authn.Identity, childID string, a assignValues, pv pairValues) (careView, error) {
	lg := langOf(r)
	v := id.Viewer
	ch, err := w.app.Care.Chain(ctx, v, childID)
	if err != nil {
		return careView{}, err
	}
	cv := careView{ChildID: ch.ChildID, ChildName: ch.ChildName, CanManage: mayManageCare(v)}
	if id.Session != nil {
		cv.CSRFToken = id.Session.CSRFToken
	}
	for _, l := range ch.Leaders {
		lv := leaderView{Level: placeName(lg, regions.Level(l.Level)), Region: shortName(l.RegionName), Holder: positionHolder(l.Holder)}
		if l.RegionCode != "" && inScope(v, l.RegionCode) && !isMentor(v) {
			lv.Href = "/regions/" + l.RegionCode
		}
		cv.Leaders = append(cv.Leaders, lv)
	}
	for _, s := range ch.Team {
		sv := slotView{Role: s.Role, Label: teamRoleLabel(lg, s.Role)}
		if s.Member != nil {
			m := memberOf(lg, *s.Member)
			sv.Member = &m
		} else {
			cv.Missing = append(cv.Missing, sv.Label)
		}
		cv.Team = append(cv.Team, sv)
	}
	for _, p := range ch.Proxies {
		cv.Proxies = append(cv.Proxies, proxyView{Kind: p.Kind, Label: positionLabel(lg, p.Kind), Subject: p.SubjectName, Holder: positionHolder(p.Holder)})
	}
	for _, p := range ch.Mentors {
		cv.Mentors = append(cv.Mentors, pairingOf(lg, p))
	}
	if !isMentor(v) {
		t, err := w.app.Care.Team(ctx, v, childID)
		if err != nil {
			return careView{}, err
		}
		for _, m := range t.History {
			if !m.Current() {
				cv.History = append(cv.History, memberOf(lg, m))
			}
		}
	}
	if cv.CanManage {
		if err := w.careForms(ctx, lg, v, ch, &cv, a, pv); err != nil {
			return careView{}, err
		}
	}
	return cv, nil
}

// careForms fills in the assign and pairing forms of the care section.
func (w *Web) careForms(ctx context.Context, lg lang, v access.Viewer, ch care.Chain, cv *careView, a assignValues, pv pairValues) error {
	// Read as a list reads, so that looking up the school is not a
	// (second) audited view of sensitive fields.
	c, err := w.app.Children.Get(ctx, listViewer(v), ch.ChildID)
	if err != nil {
		return err
	}
	if c.Archived {
		// An archived child's network is kept as it was: no forms.
		cv.CanManage = false
		return nil
	}
	users, err := w.candidates(ctx, lg, v, ch.VillageCode, c.SchoolID, accounts.RoleLeader, accounts.RoleOfficer, accounts.RolePrincipal, accounts.RoleTeacher)
	if err != nil {
		return err
	}
	roleOpts := selectOptions(lg.T("form.choose"), care.TeamRoles, labeller(lg, teamRoleLabel), a.Role)
	cv.Assign.Action = "/children/" + ch.ChildID + "/team"
	cv.Assign.Fields = append([]formField{
		{Name: "role", Label: lg.T("care.role"), Kind: "select", Required: true, Options: roleOpts},
	}, personFields(lg, "", candidateOptions(lg.T("care.not_user"), users, a.UserID), a.Name, a.Phone, a.Relation, true)...)
	cv.Assign.Fields = append(cv.Assign.Fields,
		formField{Name: "from", Label: lg.T("care.from"), Kind: "date", Value: a.From, Help: lg.T("care.from_help")},
		formField{Name: "replace", Label: lg.T("care.replace"), Kind: "checkbox", Checked: a.Replace, Help: lg.T("care.replace_help")})

	mentors, err := w.candidates(ctx, lg, v, ch.VillageCode, "", accounts.RoleMentor, accounts.RoleLeader, accounts.RoleOfficer)
	if err != nil {
		return err
	}
	cv.Pair.Action = "/children/" + ch.ChildID + "/pairings"
	cv.Pair.Fields = []formField{
		{Name: "mentor_id", Label: lg.T("care.mentor"), Kind: "select", Required: true, Options: candidateOptions(lg.T("form.choose"), mentors, pv.MentorID)},
		{Name: "kind", Label: lg.T("care.kind"), Kind: "select", Required: true,
			Options: selectOptions(lg.T("form.choose"), care.PairingKinds, labeller(lg, pairingKindLabel), pv.Kind)},
		{Name: "pair_from", Label: lg.T("care.from"), Kind: "date", Value: pv.From, Help: lg.T("care.from_help")},
		{Name: "note", Label: lg.T("care.note"), Kind: "text", Value: pv.Note, MaxLength: "200"},
	}
	return nil
}

// pairValues is the pairing form as entered.
type pairValues struct{ ChildID, MentorID, Kind, From, Note, Q string }

func postedPair(r *http.Request) pairValues {
	v := func(name string) string { return strings.TrimSpace(postValue(r, name)) }
	return pairValues{ChildID: v("child_id"), MentorID: v("mentor_id"), Kind: v("kind"), From: v("pair_from"), Note: v("note")}
}

// careFieldErrors puts the errors of err beside the fields of f (the
// domain's field names, renamed by rename) and returns whether err was
// shown (a validation error or a refusal with a Chinese message).
func careFieldErrors(lg lang, f *personForm, err error, rename map[string]string) bool {
	fe, ok := fieldErrors(err)
	if ok {
		named := errs.FieldErrors{}
		for k, m := range fe {
			if n, ok := rename[k]; ok {
				k = n
			}
			named[k] = m
		}
		f.Errors = setErrors([]formSection{{Fields: f.Fields}}, named)
		f.Message = lg.T("form.fix_errors")
		return true
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.BadRequest:
		f.Message = errs.As(err).Message
		return true
	}
	return false
}

// careDone answers a successful care form: the section again for htmx,
// else back to the profile with the notice.
func (w *Web) careDone(rw http.ResponseWriter, r *http.Request, id authn.Identity, childID, notice, warning string) error {
	if isHX(r) {
		cv, err := w.careSection(r.Context(), r, id, childID, assignValues{}, pairValues{})
		if err != nil {
			return err
		}
		cv.Notice, cv.Warning = langOf(r).T("notice."+notice), warning
		w.renderPart(rw, r, http.StatusOK, "child", "care-network", cv)
		return nil
	}
	if warning != "" {
		// Past the soft limit: the notice says so (the domain's own
		// wording is shown on the htmx path).
		notice += "_over"
	}
	return seeOther(rw, r, "/children/"+childID+"?n="+notice+"#care-network")
}

// careAgain renders the section (htmx) or the whole profile with a care
// form that came back refused.
func (w *Web) careAgain(rw http.ResponseWriter, r *http.Request, id authn.Identity, childID string, cv careView, status int) error {
	if isHX(r) {
		w.renderPart(rw, r, status, "child", "care-network", cv)
		return nil
	}
	c, err := w.app.Children.Get(r.Context(), id.Viewer, childID)
	if err != nil {
		return err
	}
	p, err := w.childPage(r, id, c, false)
	if err != nil {
		return err
	}
	p.Care = &cv
	w.render(rw, r, status, "child", p)
	return nil
}

// assignMember assigns (or, with replace, reassigns) a team role.
func (w *Web) assignMember(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !mayManageCare(v) {
		return notFound
	}
	ctx := r.Context()
	childID := r.PathValue("id")
	if _, err := w.app.Children.Get(ctx, listViewer(v), childID); err != nil {
		return err
	}
	a := postedAssign(r)
	in := a.input()
	if in.UserID != "" {
		// A user was picked: the name, phone and relation fields are for
		// someone who is not.
		in.Name, in.Phone = "", ""
	}
	_, err := w.app.Care.Assign(ctx, v, childID, in)
	if err == nil {
		n := "member_assigned"
		if a.Replace {
			n = "member_reassigned"
		}
		return w.careDone(rw, r, id, childID, n, "")
	}
	cv, serr := w.careSection(ctx, r, id, childID, a, pairValues{})
	if serr != nil {
		return serr
	}
	if !careFieldErrors(langOf(r), &cv.Assign, err, nil) {
		return err
	}
	return w.careAgain(rw, r, id, childID, cv, statusOf(err))
}

// endMember ends a team member's holding.
func (w *Web) endMember(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !mayManageCare(v) {
		return notFound
	}
	ctx := r.Context()
	childID := r.PathValue("id")
	t, err := w.app.Care.Team(ctx, v, childID)
	if err != nil {
		return err
	}
	mid := r.PathValue("member")
	if !slices.ContainsFunc(t.History, func(m care.Member) bool { return m.ID == mid }) {
		return notFound
	}
	_, err = w.app.Care.EndMember(ctx, v, mid, care.EndInput{Reason: strings.TrimSpace(postValue(r, "reason"))})
	if err == nil {
		return w.careDone(rw, r, id, childID, "member_ended", "")
	}
	cv, serr := w.careSection(ctx, r, id, childID, assignValues{}, pairValues{})
	if serr != nil {
		return serr
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
		cv.Problem = errs.As(err).Message
	default:
		return err
	}
	return w.careAgain(rw, r, id, childID, cv, statusOf(err))
}

// pairChild pairs a mentor with the child.
func (w *Web) pairChild(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !mayManageCare(v) {
		return notFound
	}
	ctx := r.Context()
	childID := r.PathValue("id")
	if _, err := w.app.Children.Get(ctx, listViewer(v), childID); err != nil {
		return err
	}
	pv := postedPair(r)
	res, err := w.app.Care.Pair(ctx, v, care.PairingInput{ChildID: childID, MentorID: pv.MentorID, Kind: pv.Kind, From: pv.From, Note: pv.Note})
	if err == nil {
		return w.careDone(rw, r, id, childID, "paired", res.Warning)
	}
	cv, serr := w.careSection(ctx, r, id, childID, assignValues{}, pv)
	if serr != nil {
		return serr
	}
	if !careFieldErrors(langOf(r), &cv.Pair, err, map[string]string{"from": "pair_from", "child_id": "mentor_id"}) {
		return err
	}
	return w.careAgain(rw, r, id, childID, cv, statusOf(err))
}

// endChildPairing ends a pairing from the child's profile.
func (w *Web) endChildPairing(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	v := id.Viewer
	if !seesChildren(v) || !mayManageCare(v) {
		return notFound
	}
	ctx := r.Context()
	childID := r.PathValue("id")
	ps, err := w.app.Care.Pairings(ctx, v, care.PairingFilter{ChildID: childID})
	if err != nil {
		return err
	}
	pid := r.PathValue("pairing")
	if !slices.ContainsFunc(ps, func(p care.Pairing) bool { return p.ID == pid }) {
		return notFound
	}
	_, err = w.app.Care.EndPairing(ctx, v, pid, care.EndInput{Reason: strings.TrimSpace(postValue(r, "reason"))})
	if err == nil {
		return w.careDone(rw, r, id, childID, "pairing_ended", "")
	}
	cv, serr := w.careSection(ctx, r, id, childID, assignValues{}, pairValues{})
	if serr != nil {
		return serr
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
		cv.Problem = errs.As(err).Message
	default:
		return err
	}
	return w.careAgain(rw, r, id, childID, cv, statusOf(err))
}

// seesGaps reports whether the viewer reads the care network of regions
// (gaps, region pages, mentors): region-scoped roles.
func seesGaps(v access.Viewer) bool { return !v.Nobody && v.PairedWith == "" && v.SchoolID == "" }
