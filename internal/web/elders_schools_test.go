package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/idcard"
)

func TestEldersPages(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/elders")
	if p.status != http.StatusOK || !slices.Equal(cardNames(p, "elders-list"), []string{"王大爷"}) {
		t.Fatalf("elders: %d %v", p.status, cardNames(p, "elders-list"))
	}
	if got := crumbs(p, "region-breadcrumb"); !slices.Equal(got, []string{"昌宁县"}) {
		t.Errorf("breadcrumb %v", got)
	}
	if got := cardNames(o.get("/elders?living=spouse"), "elders-list"); len(got) != 0 {
		t.Errorf("living=spouse: %v", got)
	}
	if frag := o.hx("/elders?region="+datianba, "elders-view"); first(frag.doc, "header") != nil || first(frag.doc, "#elders-view") == nil {
		t.Error("elders fragment")
	}

	// Profile, reveal.
	ep := o.get("/elders/" + c.elder.ID)
	if ep.status != http.StatusOK || byID(ep.doc, "elder-name") != "王大爷" || byID(ep.doc, "elder-health") != "认知障碍" {
		t.Fatalf("profile: %d %q %q", ep.status, byID(ep.doc, "elder-name"), byID(ep.doc, "elder-health"))
	}
	if strings.Contains(ep.body, c.elder.IDNumber) || first(ep.doc, "#reveal-id") == nil {
		t.Error("elder ID number shown, or no reveal button")
	}
	if rp := o.post("/elders/"+c.elder.ID+"/reveal", nil); byID(rp.doc, "elder-id-number") != c.elder.IDNumber {
		t.Errorf("reveal %q", byID(rp.doc, "elder-id-number"))
	}

	// Create: errors beside the fields, input kept; then saved.
	birth := time.Date(1948, 6, 1, 0, 0, 0, 0, time.UTC)
	id := idcard.Generate("530524", birth, 21, "M")
	f := url.Values{"name": {"赵老汉"}, "id_number": {wrongCheckDigit(id)}, "sex": {"M"}, "birth_date": {"1948-06-01"},
		"village_code": {wencang}, "living": {"alone"}, "children_away": {"2"}, "contact_phone": {"123"}, "health_flags": {"bedridden"}}
	bad := o.post("/elders/new", f)
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "id_number") == "" || fieldError(bad.doc, "contact_phone") == "" {
		t.Errorf("bad elder: %d %q %q", bad.status, fieldError(bad.doc, "id_number"), fieldError(bad.doc, "contact_phone"))
	}
	if inputValue(bad.doc, "name") != "赵老汉" || selected(bad.doc, "living") != "alone" || !slices.Equal(checked(bad.doc, "health_flags"), []string{"bedridden"}) {
		t.Error("elder input not kept")
	}
	if missing := labelsTied(bad.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	f.Set("id_number", id)
	f.Set("contact_phone", "13800001111")
	ok := o.post("/elders/new", f)
	if ok.status != http.StatusSeeOther {
		t.Fatalf("create elder: %d %s", ok.status, alert(ok.doc))
	}
	created := ok.location()[:len("/elders/")+36]

	// Edit: the form is filled in; a stale save shows both versions.
	ed := o.get(created + "/edit")
	if ed.status != http.StatusOK || inputValue(ed.doc, "id_number") != id || inputValue(ed.doc, "children_away") != "2" {
		t.Fatalf("edit elder: %d %q", ed.status, inputValue(ed.doc, "id_number"))
	}
	f.Set("version", "1")
	f.Set("living", "spouse")
	if p := o.post(created+"/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("save elder: %d %s", p.status, alert(p.doc))
	}
	f.Set("children_away", "3")
	stale := o.post(created+"/edit", f) // still version 1
	if stale.status != http.StatusConflict || first(stale.doc, "#conflict-table tr.differs[data-field=children_away]") == nil || inputValue(stale.doc, "version") != "2" {
		t.Errorf("stale elder: %d v%q", stale.status, inputValue(stale.doc, "version"))
	}

	// Archive with a reason, restore.
	if p := o.post(created+"/archive", url.Values{"version": {"2"}, "reason": {"已去世"}}); p.status != http.StatusSeeOther {
		t.Errorf("archive elder: %d", p.status)
	}
	if p := o.get(created); !strings.Contains(byID(p.doc, "elder-archived"), "已去世") || first(p.doc, "#restore-form") == nil {
		t.Errorf("archived elder %q", byID(p.doc, "elder-archived"))
	}
	if p := o.post(created+"/restore", url.Values{"version": {"3"}}); p.status != http.StatusSeeOther {
		t.Errorf("restore elder: %d", p.status)
	}

	// School staff see no elders; nobody sees one outside the scope.
	if p := c.as(accounts.RolePrincipal).get("/elders"); p.status != http.StatusNotFound {
		t.Errorf("principal /elders: %d", p.status)
	}
	if p := o.get("/elders/" + c.outElder.ID); p.status != http.StatusNotFound || strings.Contains(p.body, outElderName) {
		t.Errorf("out of scope elder: %d", p.status)
	}
}

func TestSchoolsPages(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/schools")
	if p.status != http.StatusOK || !slices.Equal(cardNames(p, "schools-list"), []string{"大田坝镇中心小学"}) || first(p.doc, "#school-new") == nil {
		t.Fatalf("schools: %d %v", p.status, cardNames(p, "schools-list"))
	}
	sp := o.get("/schools/" + c.school.ID)
	if sp.status != http.StatusOK || byID(sp.doc, "school-name") != "大田坝镇中心小学" || len(sel(sp.doc, "#classes-table tbody tr")) != 1 {
		t.Fatalf("school: %d", sp.status)
	}
	if got := crumbs(sp, "school-breadcrumb"); !slices.Equal(got, []string{"昌宁县", "大田坝镇"}) {
		t.Errorf("school breadcrumb %v", got)
	}
	if href, _ := attr(first(sp.doc, "#school-children"), "href"); href != "/children?school_id="+c.school.ID {
		t.Errorf("pupils link %q", href)
	}
	// Adding a class: an error beside the field, then the class.
	bad := o.post("/schools/"+c.school.ID+"/classes", url.Values{"grade": {"3"}, "name": {"一班"}})
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "name") == "" || inputValue(bad.doc, "name") != "一班" {
		t.Errorf("duplicate class: %d %q", bad.status, fieldError(bad.doc, "name"))
	}
	if p := o.post("/schools/"+c.school.ID+"/classes", url.Values{"grade": {"4"}, "name": {"二班"}}); p.status != http.StatusSeeOther {
		t.Errorf("add class: %d", p.status)
	}
	if n := len(sel(o.get("/schools/"+c.school.ID).doc, "#classes-table tbody tr")); n != 2 {
		t.Errorf("%d classes", n)
	}
	// A new school: the region picker, an error, then saved.
	np := o.get("/schools/new")
	if np.status != http.StatusOK || inputValue(np.doc, "region_code") != changning {
		t.Fatalf("new school: %d %q", np.status, inputValue(np.doc, "region_code"))
	}
	f := url.Values{"name": {"文沧小学"}, "kind": {""}, "region_code": {wencang}}
	if p := o.post("/schools/new", f); p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "kind") == "" || inputValue(p.doc, "name") != "文沧小学" {
		t.Errorf("no kind: %d %q", p.status, fieldError(p.doc, "kind"))
	}
	f.Set("kind", "primary")
	ok := o.post("/schools/new", f)
	if ok.status != http.StatusSeeOther {
		t.Fatalf("create school: %d %s", ok.status, alert(ok.doc))
	}
	// Edit, and a stale edit.
	path := ok.location()[:len("/schools/")+36]
	ep := o.get(path + "/edit")
	if ep.status != http.StatusOK || inputValue(ep.doc, "name") != "文沧小学" || inputValue(ep.doc, "version") != "1" {
		t.Fatalf("edit school: %d", ep.status)
	}
	f.Set("version", "1")
	f.Set("address", "文沧村委会旁")
	if p := o.post(path+"/edit", f); p.status != http.StatusSeeOther {
		t.Fatalf("save school: %d %s", p.status, alert(p.doc))
	}
	f.Set("phone", "0875-1234567")
	if p := o.post(path+"/edit", f); p.status != http.StatusConflict || first(p.doc, "#conflict-table") == nil || inputValue(p.doc, "version") != "2" {
		t.Errorf("stale school: %d", p.status)
	}
	// A teacher sees their school but cannot edit it or add classes.
	tc := c.as(accounts.RoleTeacher)
	tp := tc.get("/schools/" + c.school.ID)
	if tp.status != http.StatusOK || first(tp.doc, "#school-edit") != nil || first(tp.doc, "#class-form") != nil {
		t.Errorf("teacher's school page: %d", tp.status)
	}
	if got := cardNames(tc.get("/schools"), "schools-list"); !slices.Equal(got, []string{"大田坝镇中心小学"}) {
		t.Errorf("teacher's schools: %v", got)
	}
	if p := o.get("/schools/" + c.outSchool.ID); p.status != http.StatusNotFound || strings.Contains(p.body, outSchoolName) {
		t.Errorf("out of scope school: %d", p.status)
	}
}

func TestHomeRecentChanges(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/")
	items := sel(p.doc, "#recent-list li")
	if len(items) != 1 || !strings.Contains(text(items[0]), "李小明") {
		t.Errorf("recent: %d items", len(items))
	}
	noneContains(t, "home", p.body, outChildName)
	if first(p.doc, "#home-list-left_behind") == nil {
		t.Error("no link to the left-behind list")
	}
	// Roles that see no records have no recent list.
	if p := c.as(accounts.RoleMentor).get("/"); first(p.doc, "#recent") != nil {
		t.Error("mentor sees recent changes")
	}
}
