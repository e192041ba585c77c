package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/menu"
	"guanai/internal/needs"
)

// outServiceName is a service of 昆明 that no page of 昌宁县 may show.
const outServiceName = "越界服务丁"

// plantServices puts a county-wide service on the menu, a need on the
// fixture's child and one on the child outside 昌宁县, a service outside
// 昌宁县, and a one-to-one match on the mentor's volunteer pairing (after
// plantCare). It returns the ids the page table names.
func (c *census) plantServices(t *testing.T) map[string]string {
	t.Helper()
	sys := access.System()
	svc, err := c.e.a.Menu.Create(ctx, sys, menu.Input{Name: "周末课业辅导", Kind: menu.KindTutoring, ProviderKind: menu.ProviderOrg,
		ProviderName: "昌宁县阳光社工", Regions: []string{changning}, Capacity: 5, Schedule: "每周六上午"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.e.a.Menu.Create(ctx, sys, menu.Input{Name: outServiceName, Kind: menu.KindLegalAid, ProviderKind: menu.ProviderOrg,
		ProviderName: outServiceName, Regions: []string{c.outTown}, Capacity: 5})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.e.a.Needs.Create(ctx, sys, needs.Input{ChildID: c.child.ID, Kind: menu.KindTutoring, Description: "数学跟不上"})
	if err != nil {
		t.Fatal(err)
	}
	on, err := c.e.a.Needs.Create(ctx, sys, needs.Input{ChildID: c.outChild.ID, Kind: menu.KindLegalAid, Description: outServiceName})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.e.a.Care.Pairings(ctx, sys, care.PairingFilter{ChildID: c.child.ID})
	if err != nil || len(ps) == 0 {
		t.Fatalf("pairings %v", err)
	}
	m, err := c.e.a.Needs.StartOneToOne(ctx, sys, needs.OneToOneInput{PairingID: ps[0].ID, Goal: "每周陪伴阅读"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"{need}": n.ID, "{outNeed}": on.ID, "{svc}": svc.ID, "{outSvc}": out.ID, "{o2o}": m.ID}
}

// serviceRows are the services pages of the page table.
var serviceRows = []pageRow{
	{"GET", "/needs", nil, "200 200 200 200 200 200 200 404 *"},
	{"GET", "/needs?status=open&age_band=6-11&kind=tutoring&region={outVillage}", nil, "200 200 200 200 200 200 200 404 *"},
	{"GET", "/needs/{need}", nil, "200 200 200 200 200 200 200 404 *"},
	{"GET", "/needs/{outNeed}", nil, "404 *"},
	{"POST", "/needs/{need}/act", func() url.Values { return url.Values{"version": {"1"}, "action": {"cancel"}} }, "404 422 422 422 422 404 404 404 *"},
	{"POST", "/needs/{need}/act", func() url.Values { return url.Values{"version": {"1"}, "action": {"close"}, "close-note": {"好"}} }, "404 409 409 409 409 404 404 404 *"},
	{"POST", "/needs/{outNeed}/act", func() url.Values { return url.Values{"version": {"1"}, "action": {"cancel"}, "cancel-note": {"x"}} }, "404 *"},
	{"POST", "/children/{child}/needs", func() url.Values { return url.Values{"need_kind": {""}} }, "422 422 422 422 422 422 422 404 *"},
	{"POST", "/children/{outChild}/needs", func() url.Values { return url.Values{"need_kind": {"tutoring"}} }, "404 *"},
	{"GET", "/menu", nil, "200 200 200 200 200 200 200 404 *"},
	{"GET", "/menu?kind=tutoring&archived=1", nil, "200 200 200 200 200 200 200 404 *"},
	{"GET", "/menu/new", nil, "404 200 404 *"},
	{"POST", "/menu/new", func() url.Values { return url.Values{"name": {""}, "regions": {changning}} }, "404 422 404 *"},
	{"GET", "/menu/{svc}", nil, "200 200 200 200 200 200 200 404 *"},
	{"POST", "/menu/{svc}", func() url.Values { return url.Values{"version": {"9"}, "name": {"课业辅导"}} }, "404 409 404 *"},
	{"GET", "/menu/{outSvc}", nil, "404 *"},
	{"GET", "/one-to-one", nil, "200 200 404 404 200 200 200 404 *"},
	{"POST", "/one-to-one", func() url.Values { return url.Values{"pairing_id": {""}} }, "404 422 404 *"},
	{"GET", "/one-to-one/{o2o}", nil, "200 200 404 404 200 200 200 404 *"},
	{"POST", "/one-to-one/{o2o}/log", func() url.Values { return url.Values{"what": {"陪伴"}, "hours": {"很久"}} }, "404 422 404 404 404 422 404 404 *"},
}

// TestNeedFlow raises a need from the child's profile, matches it to a
// service, marks it served and closes it; the mentor logs a one-to-one
// service.
func TestNeedFlow(t *testing.T) {
	c := newCensus(t)
	o, m := c.as(accounts.RoleOfficer), c.as(accounts.RoleMentor)
	c.plantCare(t)
	ids := c.plantServices(t)
	p := o.get("/children/" + c.child.ID)
	if first(p.doc, "#child-needs") == nil || first(p.doc, "#need-raise-form") == nil {
		t.Fatal("no needs section on the child's profile")
	}
	p = o.post("/children/"+c.child.ID+"/needs", url.Values{"need_kind": {"counselling"}, "need_description": {"情绪低落"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/needs/") {
		t.Fatalf("raise: %d %s", p.status, p.location())
	}
	needURL := strings.Split(p.location(), "?")[0]
	p = o.get(needURL)
	if text(first(p.doc, "#need-status")) != "待匹配" || first(p.doc, "form#act-match") == nil {
		t.Fatalf("new need: %s", text(first(p.doc, "main")))
	}
	step := func(form url.Values, status string) {
		t.Helper()
		r := o.post(needURL+"/act", form)
		if r.status != http.StatusSeeOther {
			t.Fatalf("%v: %d %s", form, r.status, text(first(r.doc, "main")))
		}
		if got := text(first(o.get(needURL).doc, "#need-status")); got != status {
			t.Fatalf("after %s: %q", form.Get("action"), got)
		}
	}
	step(url.Values{"version": {"1"}, "action": {"match"}, "service_id": {ids["{svc}"]}}, "已匹配")
	step(url.Values{"version": {"2"}, "action": {"deliver"}}, "已服务")
	r := o.post(needURL+"/act", url.Values{"version": {"3"}, "action": {"close"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(text(first(r.doc, "#act-close")), "请填写服务结果") {
		t.Fatalf("close without outcome: %d", r.status)
	}
	step(url.Values{"version": {"3"}, "action": {"close"}, "close-note": {"情绪好转"}}, "已关闭")
	list := o.get("/needs?status=closed")
	if len(sel(list.doc, "#needs-table tbody tr")) != 1 {
		t.Errorf("closed needs: %s", text(first(list.doc, "main")))
	}
	if total := text(first(o.get("/needs").doc, "#needs-total")); !strings.Contains(total, "1") {
		t.Errorf("summary total %q", total)
	}
	// The mentor logs a service of their one-to-one match.
	r = m.post("/one-to-one/"+ids["{o2o}"]+"/log", url.Values{"what": {"陪伴阅读"}, "hours": {"1.5"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("log: %d %s", r.status, text(first(r.doc, "main")))
	}
	if got := text(first(m.get("/one-to-one/"+ids["{o2o}"]).doc, "#o2o-hours")); got != "1.5" {
		t.Errorf("hours %q", got)
	}
	r = m.post("/one-to-one/"+ids["{o2o}"]+"/log", url.Values{"what": {"陪伴"}, "hours": {"30"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(text(first(r.doc, "#o2o-log-form")), "24") {
		t.Errorf("30 hours: %d", r.status)
	}
	// The menu: a new service from the form.
	r = o.post("/menu/new", url.Values{"name": {"心理疏导小组"}, "kind": {"counselling"}, "provider_kind": {"school"}, "provider_name": {"大田坝镇中心小学"},
		"regions": {datianba}, "capacity": {"8"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("new service: %d %s", r.status, text(first(r.doc, "main")))
	}
	if !strings.Contains(text(first(o.get("/menu").doc, "#services-list")), "心理疏导小组") {
		t.Error("new service not on the menu")
	}
	apptest.CheckTallies(t, c.e.a)
}
