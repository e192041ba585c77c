package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/care"
)

// cadre creates an active user of region with roles (not logged in).
func (c *census) cadre(username, name, region string, roles ...string) accounts.User {
	c.e.t.Helper()
	u, err := c.e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: name, RegionCode: region,
		Roles: roles, Active: true, Password: password}, false)
	if err != nil {
		c.e.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

// The responsibility chain on the profile: five levels, six empty roles,
// three proxies; assigning a cadre through the form fills a role; a
// non-user guardian without a relation comes back with the error beside
// the field and the input kept; a second holder without "replace" is
// refused with the domain's reason; with it the holder changes and the
// old one goes into the history; ending a member empties the role.
func TestCareNetworkOnProfile(t *testing.T) {
	c := newCensus(t)
	county := c.cadre("cn.county", "县干部张", changning, accounts.RoleOfficer)
	town := c.cadre("dtb.town", "镇干部李", datianba, accounts.RoleOfficer)
	o := c.as(accounts.RoleOfficer)
	href := "/children/" + c.child.ID

	p := o.get(href)
	if p.status != http.StatusOK {
		t.Fatalf("profile: %d", p.status)
	}
	if n := len(sel(p.doc, "#care-network #chain-leaders > li")); n != 5 {
		t.Errorf("%d leader levels, want 5", n)
	}
	if n := len(sel(p.doc, "#care-team tbody tr")); n != 6 {
		t.Errorf("%d team rows, want 6", n)
	}
	if n := len(sel(p.doc, "#care-team .missing")); n != 6 {
		t.Errorf("%d vacant roles, want 6", n)
	}
	if n := len(sel(p.doc, "#chain-proxies dd")); n != 3 {
		t.Errorf("%d proxies, want 3", n)
	}
	if first(p.doc, "form#assign-form select#user_id") == nil || first(p.doc, "form#pair-form select#mentor_id") == nil {
		t.Fatal("no assign or pairing form")
	}
	if !strings.Contains(text(first(p.doc, "select#user_id")), "县干部张") {
		t.Errorf("the county cadre is not offered: %q", text(first(p.doc, "select#user_id")))
	}

	// Assign the county cadre.
	r := o.post(href+"/team", url.Values{"role": {care.RoleCountyCadre}, "user_id": {county.ID}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), href+"?n=member_assigned") {
		t.Fatalf("assign: %d %q\n%s", r.status, r.location(), alert(r.doc))
	}
	p = o.get(r.location())
	if got := text(first(p.doc, "#slot-county_cadre .holder")); !strings.Contains(got, "县干部张") {
		t.Errorf("county cadre slot %q", got)
	}
	if text(first(p.doc, "#notice")) == "" {
		t.Error("no notice")
	}

	// A guardian who is not a user, without the relation.
	bad := o.post(href+"/team", url.Values{"role": {care.RoleGuardian}, "name": {"李奶奶"}, "phone": {"13800001111"}})
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "relation") == "" {
		t.Fatalf("guardian without relation: %d %q", bad.status, fieldError(bad.doc, "relation"))
	}
	if inputValue(bad.doc, "name") != "李奶奶" || inputValue(bad.doc, "phone") != "13800001111" || selected(bad.doc, "role") != care.RoleGuardian {
		t.Errorf("input not kept: %q %q %q", inputValue(bad.doc, "name"), inputValue(bad.doc, "phone"), selected(bad.doc, "role"))
	}
	if a, _ := attr(first(bad.doc, "#relation"), "aria-invalid"); a != "true" {
		t.Error("relation not marked invalid")
	}
	// The same through htmx: the section alone, 422.
	hx := o.postRaw(href+"/team", url.Values{"csrf_token": {o.csrf}, "role": {care.RoleGuardian}, "name": {"李奶奶"}},
		"HX-Request", "true", "HX-Target", "care-network")
	if hx.status != http.StatusUnprocessableEntity || first(hx.doc, "header") != nil || first(hx.doc, "#care-network #relation-error") == nil {
		t.Errorf("htmx refusal: %d", hx.status)
	}
	ok := o.postRaw(href+"/team", url.Values{"csrf_token": {o.csrf}, "role": {care.RoleGuardian}, "name": {"李奶奶"}, "relation": {"祖母"},
		"phone": {"13800001111"}}, "HX-Request", "true", "HX-Target", "care-network")
	if ok.status != http.StatusOK || !strings.Contains(text(first(ok.doc, "#slot-guardian")), "李奶奶") || first(ok.doc, "#care-notice") == nil {
		t.Errorf("htmx assign: %d %s", ok.status, text(first(ok.doc, "#slot-guardian")))
	}

	// A second county cadre without replace: refused, with the reason.
	again := o.post(href+"/team", url.Values{"role": {care.RoleCountyCadre}, "name": {"王五"}, "phone": {"13800002222"}})
	if again.status != http.StatusConflict || !strings.Contains(alert(again.doc), "替换现任") {
		t.Errorf("second holder: %d %q", again.status, alert(again.doc))
	}
	// A township officer for the county role: refused beside the user field.
	misfit := o.post(href+"/team", url.Values{"role": {care.RoleCountyCadre}, "user_id": {town.ID}, "replace": {"1"}})
	if misfit.status != http.StatusUnprocessableEntity || fieldError(misfit.doc, "user_id") == "" {
		t.Errorf("misfit: %d %q", misfit.status, fieldError(misfit.doc, "user_id"))
	}
	// Replace: the old holder goes into the history.
	rep := o.post(href+"/team", url.Values{"role": {care.RoleCountyCadre}, "name": {"王五"}, "phone": {"13800002222"}, "replace": {"1"}})
	if rep.status != http.StatusSeeOther {
		t.Fatalf("replace: %d %s", rep.status, alert(rep.doc))
	}
	p = o.get(href)
	if !strings.Contains(text(first(p.doc, "#slot-county_cadre")), "王五") || !strings.Contains(text(first(p.doc, "#team-history")), "县干部张") {
		t.Errorf("after replacing: %q / %q", text(first(p.doc, "#slot-county_cadre")), text(first(p.doc, "#team-history")))
	}
	// End the guardian.
	form := first(p.doc, "#slot-guardian form")
	action, _ := attr(form, "action")
	if e := o.post(action, nil); e.status != http.StatusSeeOther {
		t.Fatalf("end: %d", e.status)
	}
	p = o.get(href)
	if first(p.doc, "#slot-guardian .missing") == nil {
		t.Error("the guardian's role is still held")
	}
	// A leader reads the chain without forms.
	lc := c.as(accounts.RoleLeader)
	l := lc.get(href)
	if first(l.doc, "#care-network") == nil || first(l.doc, "#assign-form") != nil || first(l.doc, "#slot-county_cadre form") != nil {
		t.Error("leader: chain missing or forms shown")
	}
	if l := lc.post(href+"/team", url.Values{"role": {care.RoleNeighbour}, "name": {"赵六"}}); l.status != http.StatusNotFound {
		t.Errorf("leader assigns: %d", l.status)
	}
}

// gapCount reads one count of the gaps page: the row of region (the total
// row when region is "total") in the column of gap.
func gapCount(t *testing.T, p page, region, gap string) string {
	t.Helper()
	row := "#gap-" + region
	if region == "total" {
		row = "#gaps-total"
	}
	cell := first(p.doc, row+" td[data-gap="+gap+"]")
	if cell == nil {
		t.Fatalf("no cell %s %s", region, gap)
	}
	return text(cell)
}

// The gaps page: counts by township and village, the drill-down, the list
// behind a number, and the count falling when a child's team is complete.
func TestGapsPage(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/gaps")
	if p.status != http.StatusOK {
		t.Fatalf("gaps: %d\n%s", p.status, c.e.log.String())
	}
	if got := gapCount(t, p, "total", care.GapTeam); got != "1" {
		t.Errorf("county team gap %q, want 1", got)
	}
	if got := gapCount(t, p, datianba, care.GapTeam); got != "1" {
		t.Errorf("township team gap %q, want 1", got)
	}
	if href, _ := attr(first(p.doc, "#gaps-export"), "href"); href != "/api/v1/gaps/"+changning+"/export" {
		t.Errorf("export %q", href)
	}
	// Drill down to the township, then the village.
	a := first(p.doc, "#gap-"+datianba+" th a")
	href, _ := attr(a, "href")
	p = o.get(href)
	if got := gapCount(t, p, wencang, care.GapRole(care.RoleGuardian)); got != "1" {
		t.Fatalf("village guardian gap %q", got)
	}
	// The list behind the number.
	l, _ := attr(first(p.doc, "#gap-"+wencang+" td[data-gap="+care.GapTeam+"] a"), "href")
	list := o.get(l)
	if list.status != http.StatusOK || first(list.doc, "#gap-child-"+c.child.ID) == nil {
		t.Fatalf("list %s: %d", l, list.status)
	}
	if !strings.Contains(text(first(list.doc, "#gap-child-"+c.child.ID)), "县级") {
		t.Errorf("missing roles not shown: %q", text(first(list.doc, "#gap-child-"+c.child.ID)))
	}
	if o.get("/gaps/children?gap=nonsense").status != http.StatusNotFound {
		t.Error("unknown gap key")
	}
	// A full team: the count falls.
	c.fullTeam(c.child.ID)
	p = o.get("/gaps?region=" + datianba)
	if got := gapCount(t, p, wencang, care.GapTeam); got != "0" {
		t.Errorf("after a full team: %q", got)
	}
	// Out of scope: the county's own page.
	if o.get("/gaps?region="+c.otherVillage).status != http.StatusOK {
		t.Error("out-of-scope region not clamped")
	}
}

// fullTeam fills the six roles of child with users of the fixture and
// people who are not users.
func (c *census) fullTeam(childID string) {
	c.e.t.Helper()
	sys := access.System()
	county := c.cadre("team.county", "县干部", changning, accounts.RoleOfficer)
	town := c.cadre("team.town", "镇干部", datianba, accounts.RoleOfficer)
	vill := c.cadre("team.village", "村干部", wencang, accounts.RoleOfficer)
	teacher, err := c.e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "team.teacher", Name: "王老师", RegionCode: changning,
		Roles: []string{accounts.RoleTeacher}, SchoolID: c.school.ID, ClassID: c.class.ID, Active: true, Password: password}, false)
	if err != nil {
		c.e.t.Fatal(err)
	}
	for _, in := range []care.AssignInput{
		{Role: care.RoleCountyCadre, UserID: county.ID}, {Role: care.RoleTownshipCadre, UserID: town.ID},
		{Role: care.RoleVillageCadre, UserID: vill.ID}, {Role: care.RoleTeacher, UserID: teacher.ID},
		{Role: care.RoleGuardian, Name: "李奶奶", Phone: "13800001111", Relation: "祖母"},
		{Role: care.RoleNeighbour, Name: "赵邻居", Phone: "13800003333", Relation: "邻居"},
	} {
		if _, err := c.e.a.Care.Assign(ctx, sys, childID, in); err != nil {
			c.e.t.Fatalf("assign %s: %v", in.Role, err)
		}
	}
}

// Positions: a village's chief proxy parent and a township's leader on
// the region page, a school's principal and a class's homeroom teacher on
// the school page; each shows in the child's chain at once; a misfit is
// refused beside the user field with the input kept.
func TestPositionPages(t *testing.T) {
	c := newCensus(t)
	vill := c.cadre("wc.cadre", "村干部赵", wencang, accounts.RoleOfficer)
	townLeader := c.cadre("dtb.leader", "镇书记钱", datianba, accounts.RoleLeader)
	principal, err := c.e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "dtb.principal", Name: "孙校长", RegionCode: datianba,
		Roles: []string{accounts.RolePrincipal}, SchoolID: c.school.ID, Active: true, Password: password}, false)
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := c.e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "dtb.t1", Name: "周老师", RegionCode: datianba,
		Roles: []string{accounts.RoleTeacher}, SchoolID: c.school.ID, ClassID: c.class.ID, Active: true, Password: password}, false)
	if err != nil {
		t.Fatal(err)
	}
	o := c.as(accounts.RoleOfficer)

	// The region page of the village, reached from the gaps page.
	g := o.get("/gaps?region=" + wencang)
	rh, _ := attr(first(g.doc, "#gaps-region"), "href")
	if ch, _ := attr(first(o.get("/children?region="+wencang).doc, "#children-region"), "href"); ch != rh {
		t.Errorf("children list's link to the region page %q, want %q", ch, rh)
	}
	p := o.get(rh)
	if p.status != http.StatusOK || first(p.doc, "#pos-village_proxy-form") == nil || first(p.doc, "#pos-leader-form") == nil {
		t.Fatalf("village page %s: %d", rh, p.status)
	}
	// A misfit (a township leader as the village's leader): refused.
	bad := o.post("/regions/"+wencang+"/positions/leader", url.Values{"pos-leader-user_id": {townLeader.ID}, "pos-leader-title": {"书记"}})
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "pos-leader-user_id") == "" || inputValue(bad.doc, "pos-leader-title") != "书记" {
		t.Fatalf("misfit leader: %d %q", bad.status, fieldError(bad.doc, "pos-leader-user_id"))
	}
	if r := o.post("/regions/"+wencang+"/positions/village_proxy", url.Values{"pos-village_proxy-user_id": {vill.ID}}); r.status != http.StatusSeeOther {
		t.Fatalf("village proxy: %d %s", r.status, alert(r.doc))
	}
	if r := o.post("/regions/"+datianba+"/positions/leader", url.Values{"pos-leader-user_id": {townLeader.ID}, "pos-leader-title": {"党委书记"}}); r.status != http.StatusSeeOther {
		t.Fatalf("township leader: %d %s", r.status, alert(r.doc))
	}
	p = o.get("/regions/" + datianba)
	if !strings.Contains(text(first(p.doc, "#pos-leader .position-holder")), "镇书记钱") {
		t.Errorf("township leader %q", text(first(p.doc, "#pos-leader")))
	}
	if !strings.Contains(text(first(p.doc, "#kid-"+wencang)), "村干部赵") {
		t.Errorf("village row %q", text(first(p.doc, "#kid-"+wencang)))
	}
	if o.post("/regions/"+datianba+"/positions/village_proxy", url.Values{"pos-village_proxy-name": {"某人"}, "pos-village_proxy-phone": {"13800001111"}}).status != http.StatusUnprocessableEntity {
		t.Error("village proxy of a township accepted")
	}

	// The school page: principal and homeroom teacher.
	sp := o.get("/schools/" + c.school.ID)
	if first(sp.doc, "#pos-principal-form") == nil || first(sp.doc, "#pos-homeroom-"+c.class.ID+"-form") == nil {
		t.Fatal("no position forms on the school page")
	}
	if r := o.post("/schools/"+c.school.ID+"/principal", url.Values{"pos-principal-user_id": {principal.ID}}); r.status != http.StatusSeeOther {
		t.Fatalf("principal: %d %s", r.status, alert(r.doc))
	}
	box := "pos-homeroom-" + c.class.ID
	if r := o.post("/schools/"+c.school.ID+"/classes/"+c.class.ID+"/homeroom", url.Values{box + "-user_id": {vill.ID}}); r.status != http.StatusUnprocessableEntity || fieldError(r.doc, box+"-user_id") == "" {
		t.Errorf("a cadre as homeroom teacher: %d", r.status)
	}
	if r := o.post("/schools/"+c.school.ID+"/classes/"+c.class.ID+"/homeroom", url.Values{box + "-user_id": {teacher.ID}}); r.status != http.StatusSeeOther {
		t.Fatalf("homeroom: %d %s", r.status, alert(r.doc))
	}
	// The chain follows.
	ch := o.get("/children/" + c.child.ID)
	for kind, want := range map[string]string{"principal": "孙校长", "homeroom": "周老师", "village_proxy": "村干部赵"} {
		if got := text(first(ch.doc, "#proxy-"+kind)); !strings.Contains(got, want) {
			t.Errorf("proxy %s %q, want %s", kind, got, want)
		}
	}
	if !strings.Contains(text(first(ch.doc, "#chain-leaders")), "镇书记钱") {
		t.Errorf("leaders %q", text(first(ch.doc, "#chain-leaders")))
	}
	// Ending the principal's term.
	sp = o.get("/schools/" + c.school.ID)
	end := first(sp.doc, "#pos-principal form.inline")
	action, _ := attr(end, "action")
	if r := o.post(action, nil); r.status != http.StatusSeeOther {
		t.Fatalf("end principal %s: %d", action, r.status)
	}
	if got := text(first(o.get("/children/"+c.child.ID).doc, "#proxy-principal")); strings.Contains(got, "孙校长") {
		t.Errorf("principal still there: %q", got)
	}
	// A principal sets the homeroom teacher, not the principal.
	pc := c.as(accounts.RolePrincipal)
	sp = pc.get("/schools/" + c.school.ID)
	if first(sp.doc, "#pos-principal-form") != nil || first(sp.doc, "#"+box+"-form") == nil {
		t.Error("principal's forms")
	}
	// A leader sees no forms.
	lp := c.as(accounts.RoleLeader).get("/regions/" + wencang)
	if lp.status != http.StatusOK || first(lp.doc, "#pos-leader-form") != nil {
		t.Errorf("leader region page: %d", lp.status)
	}
}

// Bulk assignment: a township cadre for every child of 文沧村 through the
// picker; the same for children chosen on a gap list, one of them already
// holding the role with someone else — refused as a whole, each child's
// outcome shown; with "replace" applied.
func TestBulkPage(t *testing.T) {
	c := newCensus(t)
	second := c.mustChild(c.childInput("王小红", wencang))
	town := c.cadre("dtb.cadre", "镇干部李", datianba, accounts.RoleOfficer)
	other := c.cadre("dtb.cadre2", "镇干部周", datianba, accounts.RoleOfficer)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/care/bulk")
	if p.status != http.StatusOK || first(p.doc, "#bulk-form #field-bulk_region") == nil || first(p.doc, "#bulk-form select#user_id") == nil {
		t.Fatalf("bulk form: %d", p.status)
	}
	// Nothing chosen: the error beside the picker.
	r := o.post("/care/bulk", url.Values{"role": {care.RoleTownshipCadre}, "user_id": {town.ID}, "bulk_region": {""}})
	if r.status != http.StatusUnprocessableEntity || fieldError(r.doc, "bulk_region") == "" {
		t.Errorf("nothing chosen: %d %q", r.status, fieldError(r.doc, "bulk_region"))
	}
	// The first child already has another township cadre.
	if _, err := c.e.a.Care.Assign(ctx, access.System(), c.child.ID, care.AssignInput{Role: care.RoleTownshipCadre, UserID: other.ID}); err != nil {
		t.Fatal(err)
	}
	r = o.post("/care/bulk", url.Values{"role": {care.RoleTownshipCadre}, "user_id": {town.ID}, "bulk_region": {wencang}})
	if r.status != http.StatusUnprocessableEntity || first(r.doc, "#bulk-refused") == nil {
		t.Fatalf("refused bulk: %d\n%s", r.status, alert(r.doc))
	}
	if first(r.doc, "#bulk-"+c.child.ID+".refused") == nil || first(r.doc, "#bulk-"+second.ID+".refused") != nil {
		t.Errorf("per-child outcomes: %q", text(first(r.doc, "#bulk-items")))
	}
	if selected(r.doc, "user_id") != town.ID || selected(r.doc, "role") != care.RoleTownshipCadre {
		t.Error("input not kept")
	}
	// Nothing was written.
	team, _ := c.e.a.Care.Team(ctx, access.System(), second.ID)
	for _, s := range team.Current {
		if s.Member != nil {
			t.Errorf("written despite the refusal: %+v", s.Member)
		}
	}
	// From the gap list: choose both children; with replace it applies.
	list := o.get("/gaps/children?region=" + wencang + "&gap=" + care.GapRole(care.RoleGuardian))
	if first(list.doc, "#gap-bulk input[name=child][value="+second.ID+"]") == nil {
		t.Fatal("no boxes to choose children")
	}
	if inputValue(first(list.doc, "#gap-bulk"), "role") != care.RoleGuardian {
		t.Error("the role the list lacks is not carried to the bulk page")
	}
	chosen := o.get("/care/bulk?child=" + c.child.ID + "&child=" + second.ID + "&child=" + c.outChild.ID + "&role=guardian")
	if selected(chosen.doc, "role") != care.RoleGuardian {
		t.Error("role not chosen in advance")
	}
	if n := len(sel(chosen.doc, "#field-child_ids input[type=checkbox][checked]")); n != 2 {
		t.Fatalf("%d children chosen, want 2 (the one out of scope left out)", n)
	}
	r = o.post("/care/bulk", url.Values{"role": {care.RoleTownshipCadre}, "user_id": {town.ID}, "replace": {"1"},
		"child_ids_all": {c.child.ID, second.ID}, "child_ids": {c.child.ID, second.ID}})
	if r.status != http.StatusOK || first(r.doc, "#bulk-applied") == nil {
		t.Fatalf("applied: %d %s", r.status, alert(r.doc))
	}
	if !strings.Contains(text(first(r.doc, "#bulk-"+c.child.ID)), "更换") {
		t.Errorf("outcome %q", text(first(r.doc, "#bulk-"+c.child.ID)))
	}
	if c.as(accounts.RoleLeader).get("/care/bulk").status != http.StatusNotFound {
		t.Error("a leader opens the bulk page")
	}
}

// Pairings from the mentor's page: find a child, pair, the sixth child
// passes the soft limit with a warning; the mentor's own page shows the
// children without ID numbers or health, and the chain; a pairing ends
// from the child's profile.
func TestMentorPages(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	mc := c.as(accounts.RoleMentor)
	m, err := c.e.a.Accounts.List(ctx, access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: "cn.mentor"})
	if err != nil || len(m.Users) != 1 {
		t.Fatalf("mentor: %v", err)
	}
	mentor := m.Users[0]
	list := o.get("/mentors")
	if first(list.doc, "#mentor-"+mentor.ID+" a") == nil {
		t.Fatalf("mentor not listed: %s", text(first(list.doc, "main")))
	}
	page := o.get("/mentors/" + mentor.ID + "?q=" + url.QueryEscape("李小明"))
	if first(page.doc, "#pair-form input[type=radio][value="+c.child.ID+"]") == nil {
		t.Fatalf("child not found on the mentor page: %s", text(first(page.doc, "#mentor-pair")))
	}
	// No child chosen: the error beside the list.
	bad := o.post("/mentors/"+mentor.ID+"/pairings", url.Values{"kind": {care.KindVolunteer}, "q": {"李小明"}})
	if bad.status != http.StatusUnprocessableEntity || alert(bad.doc) == "" || selected(bad.doc, "kind") != care.KindVolunteer {
		t.Errorf("no child: %d %q", bad.status, alert(bad.doc))
	}
	r := o.post("/mentors/"+mentor.ID+"/pairings", url.Values{"child_id": {c.child.ID}, "kind": {care.KindVolunteer}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location(), "n=paired") {
		t.Fatalf("pair: %d %s", r.status, alert(r.doc))
	}
	for i := 0; i < 5; i++ {
		k := c.mustChild(c.childInput("结对儿童"+string(rune('甲'+i)), wencang))
		r = o.post("/mentors/"+mentor.ID+"/pairings", url.Values{"child_id": {k.ID}, "kind": {care.KindVolunteer}})
	}
	if !strings.Contains(r.location(), "n=paired_over") {
		t.Errorf("sixth pairing: %q", r.location())
	}
	if p := o.get(r.location()); first(p.doc, "#mentor-over") == nil || first(p.doc, "#notice") == nil {
		t.Errorf("no soft-limit warning: %s %s", r.location(), p.body[strings.Index(p.body, "<main"):][:300])
	}
	// The mentor's own pages.
	home := mc.get("/")
	if !slices.Contains(navLabels(home.doc), "我的结对儿童") {
		t.Errorf("mentor's links: %v", navLabels(home.doc))
	}
	if got := text(first(home.doc, "#home-mentees")); !strings.Contains(got, "6") {
		t.Errorf("mentor's overview: %q", got)
	}
	mine := mc.get("/my/children")
	card := first(mine.doc, "#mine-"+c.child.ID)
	if mine.status != http.StatusOK || card == nil {
		t.Fatalf("my children: %d", mine.status)
	}
	body := text(first(mine.doc, "main"))
	if strings.Contains(mine.body, c.child.IDNumber[:6]+"*") || strings.Contains(mine.body, c.child.IDNumber) || strings.Contains(body, "营养") {
		t.Error("a mentor sees an ID number or health")
	}
	if !strings.Contains(text(card), "李奶奶") {
		t.Errorf("guardian not shown: %q", text(card))
	}
	href, _ := attr(first(card, "a"), "href")
	ch := mc.get(href)
	if ch.status != http.StatusOK || first(ch.doc, "#chain-leaders") == nil || first(ch.doc, "#assign-form") != nil {
		t.Errorf("mentor's chain %s: %d", href, ch.status)
	}
	if mc.get("/children/"+c.child.ID).status != http.StatusNotFound || mc.get("/my/children/"+c.outChild.ID).status != http.StatusNotFound {
		t.Error("a mentor opens a profile or an unpaired child")
	}
	// End the pairing from the profile.
	p := o.get("/children/" + c.child.ID)
	end := first(p.doc, "#chain-mentors form")
	action, _ := attr(end, "action")
	if r := o.post(action, nil); r.status != http.StatusSeeOther {
		t.Fatalf("end pairing: %d", r.status)
	}
	if first(mc.get("/my/children").doc, "#mine-"+c.child.ID) != nil {
		t.Error("the ended pairing still shows")
	}
	// Pairing from the profile's form.
	r = o.post("/children/"+c.child.ID+"/pairings", url.Values{"mentor_id": {mentor.ID}, "kind": {care.KindCadre}})
	if r.status != http.StatusSeeOther {
		t.Errorf("pair from the profile: %d %s", r.status, alert(r.doc))
	}
}

// Distinctive names of the care network planted outside 昌宁县.
const (
	outCareName   = "越界邻居丁"
	outLeaderName = "越界书记戊"
)

// plantCare pairs the fixture's child with the mentor (cn.mentor, who must
// exist) and plants a team member and a leader in 昆明; it returns the
// mentor's id.
func (c *census) plantCare(t *testing.T) string {
	t.Helper()
	sys := access.System()
	m, err := c.e.a.Accounts.List(ctx, access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: "cn.mentor"})
	if err != nil || len(m.Users) != 1 {
		t.Fatalf("mentor: %v", err)
	}
	if _, err := c.e.a.Care.Pair(ctx, sys, care.PairingInput{ChildID: c.child.ID, MentorID: m.Users[0].ID, Kind: care.KindVolunteer}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.e.a.Care.Assign(ctx, sys, c.outChild.ID, care.AssignInput{Role: care.RoleNeighbour, Name: outCareName, Phone: "13900001111", Relation: "邻居"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.e.a.Care.SetPosition(ctx, sys, care.PositionInput{Kind: care.PositionVillageProxy, Subject: c.otherVillage, Name: outLeaderName, Phone: "13900002222"}); err != nil {
		t.Fatal(err)
	}
	return m.Users[0].ID
}

// Care teams from Excel through the upload page: the dry run, then the
// commit, and the role is held; the gaps page's export downloads.
func TestCareTeamImportPage(t *testing.T) {
	c := newCensus(t)
	withAPI(c)
	o := c.as(accounts.RoleOfficer)
	form := o.get("/import")
	if first(form.doc, "input[name=kind][value=care_teams]") == nil {
		t.Fatal("care teams not offered on the upload page")
	}
	var buf strings.Builder
	buf.WriteString("身份证号码,儿童姓名,角色,成员姓名,联系电话,与儿童关系\n")
	buf.WriteString(c.child.IDNumber + ",李小明,爱心邻居,赵邻居,13800003333,邻居\n")
	p := o.upload("care_teams", "队伍.csv", []byte(buf.String()), true)
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, alert(p.doc))
	}
	job := o.waitJob(p.location())
	commit := first(job.doc, "form#import-commit")
	if commit == nil {
		t.Fatalf("no commit after a clean dry run: %s", text(first(job.doc, "main")))
	}
	action, _ := attr(commit, "action")
	r := o.post(action, nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("commit: %d", r.status)
	}
	o.waitJob(r.location())
	if got := text(first(o.get("/children/"+c.child.ID).doc, "#slot-neighbour")); !strings.Contains(got, "赵邻居") {
		t.Errorf("neighbour after the import: %q", got)
	}
	g := o.get("/gaps")
	href, _ := attr(first(g.doc, "#gaps-export"), "href")
	resp, b := o.download(href)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "PK") {
		t.Errorf("export %s: %d", href, resp.StatusCode)
	}
}

// Wider scopes: a provincial and a national leader read the gaps, region
// and mentors pages of their scope (the export names all of China "0").
func TestCarePagesWiderScopes(t *testing.T) {
	c := newCensus(t)
	for _, region := range []string{yunnan, ""} {
		u := c.cadre("wide"+region, "宽范围领导", region, accounts.RoleLeader)
		cl := c.e.client().mustLogin(u.Username)
		g := cl.get("/gaps")
		if g.status != http.StatusOK {
			t.Fatalf("%q gaps: %d\n%s", region, g.status, c.e.log.String())
		}
		href, _ := attr(first(g.doc, "#gaps-export"), "href")
		if region == "" && href != "/api/v1/gaps/0/export" {
			t.Errorf("national export %q", href)
		}
		if got := gapCount(t, g, "total", care.GapTeam); got != "2" {
			t.Errorf("%q: team gap %q, want 2 (both fixture children)", region, got)
		}
		for _, path := range []string{"/regions/" + yunnan, "/mentors", "/gaps?region=" + changning} {
			if p := cl.get(path); p.status != http.StatusOK {
				t.Errorf("%q %s: %d", region, path, p.status)
			}
		}
	}
}

// Phone numbers in the chain only for those the viewer may contact: the
// county's leader's phone shows to the county's officer, not to a class
// teacher, who sees the village cadre's.
func TestChainPhones(t *testing.T) {
	c := newCensus(t)
	sys := access.System()
	if _, err := c.e.a.Care.SetPosition(ctx, sys, care.PositionInput{Kind: care.PositionLeader, Subject: changning, Name: "县书记吴", Phone: "13911112222"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.e.a.Care.Assign(ctx, sys, c.child.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李奶奶", Phone: "13800001111", Relation: "祖母"}); err != nil {
		t.Fatal(err)
	}
	o := c.as(accounts.RoleOfficer).get("/children/" + c.child.ID)
	if !strings.Contains(text(first(o.doc, "#chain-leaders")), "13911112222") || first(o.doc, "#chain-leaders a[href=tel:13911112222]") == nil {
		t.Errorf("officer: no phone for the county leader: %q", text(first(o.doc, "#chain-leaders")))
	}
	tp := c.as(accounts.RoleTeacher).get("/children/" + c.child.ID)
	if !strings.Contains(text(first(tp.doc, "#chain-leaders")), "县书记吴") || strings.Contains(tp.body, "13911112222") {
		t.Errorf("teacher: %q", text(first(tp.doc, "#chain-leaders")))
	}
	if !strings.Contains(text(first(tp.doc, "#slot-guardian")), "13800001111") {
		t.Errorf("teacher: no phone for the guardian: %q", text(first(tp.doc, "#slot-guardian")))
	}
}

// An archived child's chain is shown without forms.
func TestArchivedChildChain(t *testing.T) {
	c := newCensus(t)
	if _, err := c.e.a.Children.Archive(ctx, access.System(), c.child.ID, 1, "迁出"); err != nil {
		t.Fatal(err)
	}
	p := c.as(accounts.RoleOfficer).get("/children/" + c.child.ID)
	if first(p.doc, "#care-network") == nil || first(p.doc, "#assign-form") != nil || first(p.doc, "#pair-form") != nil {
		t.Error("archived child: chain missing or forms shown")
	}
}
