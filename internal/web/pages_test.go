package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
)

// roles is the column order of the page table.
var roles = []string{"leader", "officer", "principal", "teacher", "social_worker", "mentor", "counsellor", "sysadmin", "secadmin", "auditor"}

// expectStatus parses "200 404 …", one per role in roles order; "*"
// repeats the previous code to the end.
func expectStatus(s string) []int {
	f := strings.Fields(s)
	out := make([]int, len(roles))
	for i := range roles {
		if i < len(f) && f[i] != "*" {
			fmt.Sscan(f[i], &out[i])
		} else if i > 0 {
			out[i] = out[i-1]
		}
	}
	return out
}

// pageRow is a page (or form action) and the status each role gets.
type pageRow struct {
	method, path string
	form         func() url.Values
	want         string
}

// TestEveryPageEveryRole opens every page, and posts every form that
// renders a page, as every role, in both languages: each answers with the
// status the role's rights call for, renders without a template error,
// ties every input to a label, and never shows a record, a region or a
// region path outside the user's scope (昌宁县): the records planted in
// 昆明 have distinctive names, and every region a page links to or offers
// must lie inside 昌宁县.
func TestEveryPageEveryRole(t *testing.T) {
	c := newCensus(t)
	sys := access.System()
	// Make the fixture's records stale for the forms posted with version 1.
	cur, _ := c.e.a.Children.GetRevealed(ctx, sys, c.child.ID)
	in := inputOf(cur)
	in.Notes = "第二版"
	if _, err := c.e.a.Children.Update(ctx, sys, c.child.ID, 1, in); err != nil {
		t.Fatal(err)
	}

	ids := map[string]string{"{child}": c.child.ID, "{outChild}": c.outChild.ID, "{elder}": c.elder.ID, "{outElder}": c.outElder.ID,
		"{school}": c.school.ID, "{outSchool}": c.outSchool.ID, "{outVillage}": c.otherVillage, "{outTown}": c.outTown,
		"{class}": c.class.ID}
	badChild := func() url.Values {
		f := childForm(c.childInput("错号儿童", wencang))
		f.Set("id_number", wrongCheckDigit(f.Get("id_number")))
		return f
	}
	staleChild := func() url.Values {
		f := childForm(inputOf(cur))
		f.Set("version", "1")
		f.Set("notes", "我的版本")
		return f
	}
	staleElder := func() url.Values {
		return url.Values{"version": {"9"}, "name": {"王大爷"}, "id_number": {c.elder.IDNumber}, "sex": {"F"},
			"birth_date": {c.elder.BirthDate.Format("2006-01-02")}, "village_code": {wencang}, "living": {"spouse"}}
	}
	rows := []pageRow{
		{"GET", "/", nil, "200 *"},
		{"GET", "/account", nil, "200 *"},
		{"GET", "/children", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/children?region={outVillage}&q=越界", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/children?category=difficulty&age=6-11&sort=updated&status=all", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/children?school_id={outSchool}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/children/new", nil, "404 200 200 200 404 *"},
		{"POST", "/children/new", badChild, "404 422 422 422 404 *"},
		{"GET", "/children/{child}", nil, "200 200 200 200 200 404 200 404 *"},
		{"POST", "/children/{child}/reveal", func() url.Values { return url.Values{} }, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/children/{child}/edit", nil, "404 200 200 200 404 *"},
		{"POST", "/children/{child}/edit", staleChild, "404 409 409 409 404 *"},
		{"GET", "/children/{outChild}", nil, "404 *"},
		{"GET", "/children/{outChild}/edit", nil, "404 *"},
		{"POST", "/children/{outChild}/reveal", func() url.Values { return url.Values{} }, "404 *"},
		{"GET", "/children/classes?school_id={outSchool}", nil, "404 200 200 200 404 *"},
		{"GET", "/regions/picker?field=village_code&at={outVillage}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/elders", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/elders?region={outTown}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/elders/new", nil, "404 200 404 *"},
		{"GET", "/elders/{elder}", nil, "200 200 404 404 200 404 200 404 *"},
		{"POST", "/elders/{elder}/reveal", func() url.Values { return url.Values{} }, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/elders/{elder}/edit", nil, "404 200 404 *"},
		{"POST", "/elders/{elder}/edit", staleElder, "404 409 404 *"},
		{"GET", "/elders/{outElder}", nil, "404 *"},
		{"GET", "/schools", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/schools?region={outTown}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/schools/new", nil, "404 200 404 *"},
		{"GET", "/schools/{school}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/schools/{school}/edit", nil, "404 200 200 404 *"},
		{"POST", "/schools/{school}/classes", func() url.Values { return url.Values{"grade": {"3"}, "name": {""}} }, "404 422 422 404 *"},
		{"GET", "/schools/{outSchool}", nil, "404 *"},
		{"GET", "/import", nil, "404 200 200 200 404 *"},
		{"POST", "/import", func() url.Values { return url.Values{"kind": {"children"}} }, "404 422 422 422 404 *"},
		{"GET", "/import/0192f000-0000-7000-8000-000000000000", nil, "404 *"},
		{"POST", "/import/0192f000-0000-7000-8000-000000000000/commit", func() url.Values { return url.Values{} }, "404 *"},
		// The care network (issue 5).
		{"GET", "/gaps", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/gaps?region={outVillage}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/gaps?region=530524107000", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/gaps/children?region={outTown}&gap=team", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/gaps/children?region=530524107202&gap=proxy.village", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/gaps/children?gap=bogus", nil, "404 *"},
		{"GET", "/regions/530524107202", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/regions/{outVillage}", nil, "404 *"},
		{"POST", "/regions/530524107202/positions/leader", func() url.Values { return url.Values{"pos-leader-name": {""}} }, "404 422 404 *"},
		{"POST", "/regions/{outVillage}/positions/leader", func() url.Values { return url.Values{"pos-leader-name": {"某人"}} }, "404 *"},
		{"GET", "/care/bulk", nil, "404 200 404 *"},
		{"GET", "/care/bulk?child={child}&child={outChild}", nil, "404 200 404 *"},
		{"POST", "/care/bulk", func() url.Values { return url.Values{"role": {"neighbour"}, "name": {"赵六"}} }, "404 422 404 *"},
		{"GET", "/mentors", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/mentors/{mentor}?q=李", nil, "200 200 404 404 200 404 200 404 *"},
		{"POST", "/mentors/{mentor}/pairings", func() url.Values { return url.Values{"kind": {"cadre"}} }, "404 422 404 *"},
		{"GET", "/my/children", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/my/children/{child}", nil, "404 404 404 404 404 200 404 404 *"},
		{"GET", "/my/children/{outChild}", nil, "404 *"},
		{"POST", "/children/{child}/team", func() url.Values { return url.Values{"role": {"guardian"}, "name": {"李奶奶"}} }, "404 422 404 *"},
		{"POST", "/children/{outChild}/team", func() url.Values { return url.Values{"role": {"guardian"}, "name": {"李奶奶"}} }, "404 *"},
		{"POST", "/children/{child}/pairings", func() url.Values { return url.Values{"kind": {"cadre"}} }, "404 422 404 *"},
		{"POST", "/schools/{school}/principal", func() url.Values { return url.Values{"pos-principal-name": {""}} }, "404 422 404 *"},
		{"POST", "/schools/{school}/classes/{class}/homeroom", func() url.Values { return url.Values{"pos-homeroom-" + c.class.ID + "-name": {""}} }, "404 422 422 404 *"},
		{"POST", "/schools/{outSchool}/principal", func() url.Values { return url.Values{"pos-principal-name": {"某人"}} }, "404 *"},
		// Follow-ups, tasks, schedules and notifications (issue 8).
		{"GET", "/tasks", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/followups", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/followups?mine=1&urgent=1&from=2026-01-01&to=bad", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/followups/new?child={child}", nil, "404 200 404 404 200 200 200 404 *"},
		{"GET", "/followups/new?child={outChild}", nil, "404 *"},
		{"POST", "/followups/new", func() url.Values { return url.Values{"child_id": {c.child.ID}, "visited_on": {"2099-01-01"}} }, "404 422 404 404 422 422 422 404 *"},
		{"POST", "/followups/new", func() url.Values { return url.Values{"child_id": {c.outChild.ID}} }, "404 *"},
		{"GET", "/followups/0192f000-0000-7000-8000-000000000000", nil, "404 *"},
		{"GET", "/children/{child}/followups", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/children/{outChild}/followups", nil, "404 *"},
		{"GET", "/followup-rules", nil, "200 200 200 200 200 200 200 200 404 404"},
		{"POST", "/followup-rules", func() url.Values {
			return url.Values{"care_role": {"teacher"}, "category": {"left_behind"}, "every": {"0"}}
		}, "404 422 404 404 404 404 404 422 404 404"},
		{"GET", "/notifications", nil, "200 200 200 200 200 200 200 404 *"},
		// Volunteers, social organisations, service hours, activities (issue 8).
		{"GET", "/volunteers", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/volunteers?q=张&all=1", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/volunteers/new", nil, "404 200 404 *"},
		{"POST", "/volunteers/new", func() url.Values { return url.Values{"name": {""}, "region_code": {changning}} }, "404 422 404 *"},
		{"GET", "/volunteers/{vol}", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/volunteers/{vol}/hours", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/volunteers/{vol}/edit", nil, "404 200 404 *"},
		{"POST", "/volunteers/{vol}/edit", func() url.Values {
			return url.Values{"version": {"9"}, "name": {"张志愿"}, "region_code": {changning}}
		}, "404 409 404 *"},
		{"POST", "/volunteers/{vol}/services", func() url.Values { return url.Values{"hours": {"25"}, "content": {"陪伴"}} }, "404 422 404 404 422 404 *"},
		{"POST", "/services/{rec}/answer", func() url.Values { return url.Values{"version": {"1"}, "decision": {"dispute"}} }, "403 403 404 404 403 422 403 404 *"},
		{"GET", "/services/{rec}/correct", nil, "403 200 404 404 200 403 403 404 *"},
		{"POST", "/services/{rec}/correct", func() url.Values { return url.Values{"version": {"1"}, "hours": {"25"}, "content": {"讲课"}} }, "403 422 404 404 422 403 403 404 *"},
		{"GET", "/services/{outRec}/correct", nil, "404 *"},
		{"POST", "/services/{outRec}/correct", func() url.Values { return url.Values{"version": {"1"}, "hours": {"1"}, "content": {"讲课"}} }, "404 *"},
		{"GET", "/volunteers/{outVol}", nil, "404 *"},
		{"GET", "/volunteers/{outVol}/hours", nil, "404 *"},
		{"POST", "/volunteers/{outVol}/services", func() url.Values { return url.Values{"hours": {"1"}, "content": {"陪伴"}} }, "404 *"},
		{"GET", "/orgs", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/orgs/new", nil, "404 200 404 *"},
		{"POST", "/orgs/new", func() url.Values {
			return url.Values{"name": {"某组织"}, "credit_code": {"91350100M000100Y44"}, "region_code": {changning}}
		}, "404 422 404 *"},
		{"GET", "/orgs/{org}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/orgs/{org}/edit", nil, "404 200 404 *"},
		{"GET", "/orgs/{outOrg}", nil, "404 *"},
		{"GET", "/activities", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/activities?kind=drowning", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/activities/new", nil, "404 200 404 404 200 404 *"},
		{"POST", "/activities/new", func() url.Values { return url.Values{"title": {""}, "region_code": {changning}} }, "404 422 404 404 422 404 *"},
		{"GET", "/activities/{act}?q=李", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/activities/{act}/edit", nil, "404 200 404 404 200 404 *"},
		{"POST", "/activities/{act}/children", func() url.Values { return url.Values{"child_id": {c.outChild.ID}} }, "404 422 404 404 422 404 *"},
		{"POST", "/activities/{act}/services", func() url.Values { return url.Values{"hours": {"25"}, "content": {"讲课"}} }, "404 422 404 404 422 404 *"},
		{"POST", "/activities/{act}/photos", func() url.Values { return url.Values{} }, "404 422 404 404 422 404 *"},
		{"GET", "/activities/{outAct}", nil, "404 *"},
		{"POST", "/activities/{outAct}/photos", func() url.Values { return url.Values{} }, "404 *"},
		// The dashboard (issue 6).
		{"GET", "/dashboard", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/dashboard?region=530524107000", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/dashboard?region=530524107202", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/dashboard?school={school}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/dashboard?region={outVillage}", nil, "404 *"},
		{"GET", "/dashboard?region=" + baoshan, nil, "404 *"},
		{"GET", "/dashboard?school={outSchool}", nil, "404 *"},
		// The population table behind the incidence rate (issue 6).
		{"GET", "/population", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/population?region=530524107000", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/population?region={outTown}", nil, "200 200 404 404 200 404 200 404 *"},
		{"POST", "/population", func() url.Values { return url.Values{"region": {"530524107000"}} }, "404 422 404 *"},
		{"POST", "/population/commit", func() url.Values { return url.Values{"token": {"0123456789abcdef"}} }, "404 *"},
		{"GET", "/users", nil, "404 404 404 404 404 404 404 200 200 404"},
		{"GET", "/users/new", nil, "404 404 404 404 404 404 404 200 404 404"},
		{"GET", "/audit", nil, "404 404 404 404 404 404 404 404 404 200"},
		{"GET", "/no/such/page", nil, "404 *"},
	}

	// Names no page may show: the records outside 昌宁县, and the
	// counties beside it.
	forbidden := []string{outChildName, outElderName, outSchoolName, "五华区"}
	// The care network's people outside 昌宁县: on no page but the audit
	// log, which is not scoped by region (an auditor reads every entry).
	careForbidden := []string{outCareName, outLeaderName}
	siblings, err := c.e.a.Regions.Children(ctx, baoshan)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range siblings {
		if s.Code != changning {
			forbidden = append(forbidden, s.Name)
		}
	}
	// A catalog key showing instead of its text.
	rawKey := regexp.MustCompile(`\b(app|nav|title|field|form|child|children|elders?|schools?|filter|help|section|dash|conflict|picker|drill|pager|home|err|account|users?|audit|login|status|sort|age|import|export)\.[a-z_0-9]+\b`)

	clients := map[string]*client{}
	for _, role := range roles {
		clients[role] = c.as(role)
	}
	// The care network: the child paired with the mentor; a team member
	// and a leader outside 昌宁县 that no page may show.
	ids["{mentor}"] = c.plantCare(t)
	// Care services: a menu service, needs, a one-to-one match (and a
	// service and a need outside 昌宁县 that no page may show).
	for k, v := range c.plantServices(t) {
		ids[k] = v
	}
	rows = append(rows, serviceRows...)
	careForbidden = append(careForbidden, outServiceName)
	for k, v := range c.plantVolunteers(t) {
		ids[k] = v
	}
	careForbidden = append(careForbidden, outVolunteerName, outOrgName, outActivityName)
	checked := 0
	for _, lang := range []string{"zh", "en"} {
		for ri, role := range roles {
			cl := clients[role]
			cl.setLang(lang)
			for _, r := range rows {
				path := r.path
				for k, v := range ids {
					path = strings.ReplaceAll(path, k, v)
				}
				var p page
				if r.method == "POST" {
					p = cl.post(path, r.form())
				} else {
					p = cl.get(path)
				}
				checked++
				want := expectStatus(r.want)[ri]
				where := fmt.Sprintf("%s %s %s %s", lang, role, r.method, r.path)
				if p.status != want {
					t.Errorf("%s: %d, want %d", where, p.status, want)
				}
				if p.status == http.StatusInternalServerError || first(p.doc, "#error-ref") != nil {
					t.Errorf("%s: server error page\n%s", where, c.e.log.String())
					continue
				}
				noneContains(t, where, p.body, forbidden...)
				if r.path != "/audit" {
					noneContains(t, where, p.body, careForbidden...)
				}
				for _, n := range sel(p.doc, "*[data-code]") {
					if code, _ := attr(n, "data-code"); !strings.HasPrefix(code, "530524") {
						t.Errorf("%s: region %s (%s) outside 昌宁县", where, code, text(n))
					}
				}
				if missing := labelsTied(p.doc); len(missing) > 0 {
					t.Errorf("%s: inputs without a label: %v", where, missing)
				}
				if m := rawKey.FindString(text(first(p.doc, "body"))); m != "" {
					t.Errorf("%s: catalog key %q shown", where, m)
				}
				if lang == "en" && p.status == http.StatusOK && first(p.doc, "header") != nil {
					if h, _ := attr(first(p.doc, "html"), "lang"); h != "en" {
						t.Errorf("%s: html lang %q", where, h)
					}
				}
			}
		}
	}
	t.Logf("%d pages checked", checked)
}

// setLang sets the language cookie as the header's switch does.
func (c *client) setLang(lang string) {
	c.e.t.Helper()
	p := c.get("/lang?to=" + lang)
	if p.status != http.StatusSeeOther {
		c.e.t.Fatalf("switch to %s: %d", lang, p.status)
	}
}

func TestEnglishSwitch(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/children")
	sw := first(p.doc, "#lang-switch")
	href, _ := attr(sw, "href")
	if text(sw) != "English" || !strings.Contains(href, "to=en") || !strings.Contains(href, "next=%2Fchildren") {
		t.Fatalf("switch %q → %s", text(sw), href)
	}
	if h, _ := attr(first(p.doc, "html"), "lang"); h != "zh-CN" {
		t.Errorf("default lang %q", h)
	}
	r := o.get(href)
	if r.status != http.StatusSeeOther || r.location() != "/children" {
		t.Fatalf("switch: %d → %q", r.status, r.location())
	}
	en := o.get("/children")
	if got := navLabels(en.doc); strings.Join(got, "|") != "Overview|Dashboard|Children|Elders|Schools|Gaps|Bulk assign|Pairings|Needs|Volunteers|Follow-ups|Import|Population|My account" {
		t.Errorf("English header: %v", got)
	}
	if got := text(first(en.doc, "#logout")); got != "Log out" {
		t.Errorf("logout button %q", got)
	}
	if got := text(first(en.doc, "h1")); got != "Children" {
		t.Errorf("heading %q", got)
	}
	if got := text(first(en.doc, "#lang-switch")); got != "中文" {
		t.Errorf("switch back %q", got)
	}
	// Domain messages stay Chinese beside English labels.
	bad := o.post("/children/new", url.Values{"name": {""}})
	if !strings.Contains(fieldError(bad.doc, "name"), "姓名不能为空") || text(first(bad.doc, "label[for=name]")) != "Name *" {
		t.Errorf("English form: %q / %q", fieldError(bad.doc, "name"), text(first(bad.doc, "label[for=name]")))
	}
	// The login page too, before logging in; next is kept only on this site.
	anon := c.e.client()
	anon.setLang("en")
	if got := text(first(anon.get("/login").doc, "h1")); got != "Log in" {
		t.Errorf("English login %q", got)
	}
	if r := anon.get("/lang?to=zh&next=https://evil.example/"); r.location() != "/" {
		t.Errorf("switch to elsewhere: %q", r.location())
	}
	if got := text(first(anon.get("/login").doc, "h1")); got != "登录" {
		t.Errorf("back to Chinese %q", got)
	}
}

func TestStaticAssetsAndHTMX(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/children")
	script := first(p.doc, "script[src]")
	src, _ := attr(script, "src")
	if !regexp.MustCompile(`^/static/htmx\.[0-9a-f]{12}\.js$`).MatchString(src) {
		t.Fatalf("script %q", src)
	}
	js := c.e.client().get(src)
	if js.status != http.StatusOK || !strings.Contains(js.header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.body, "htmx") {
		t.Errorf("htmx: %d %q %q", js.status, js.header.Get("Cache-Control"), js.header.Get("Content-Type"))
	}
	if !strings.Contains(js.body, `version:"2.`) {
		t.Error("not htmx 2")
	}
	// Every htmx request carries the CSRF token in its header.
	if h, _ := attr(first(p.doc, "body"), "hx-headers"); !strings.Contains(h, `"X-CSRF-Token":"`+o.csrf+`"`) {
		t.Errorf("hx-headers %q", h)
	}
	cfg, _ := attr(first(p.doc, "meta[name=htmx-config]"), "content")
	for _, want := range []string{`"allowEval":false`, `"historyCacheSize":0`, `"code":"(409|422)","swap":true`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("htmx config lacks %s", want)
		}
	}
	// A post with the token in the header only (as htmx sends it) passes
	// the CSRF check.
	req, _ := http.NewRequest("POST", c.e.srv.URL+"/check?form=child&field=id_number", strings.NewReader("id_number=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", o.csrf)
	if r := o.do(req); r.status != http.StatusOK {
		t.Errorf("header token: %d", r.status)
	}
	// Pages work without it: the filter form is a plain GET form.
	f := first(p.doc, "form#children-filter")
	if m, _ := attr(f, "method"); m != "get" || first(f, "button[type=submit]") == nil {
		t.Error("the filter form needs JavaScript")
	}
}

func TestHTMXRequestsAfterLogout(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	o.post("/logout", nil)
	req, _ := http.NewRequest("GET", c.e.srv.URL+"/children?region="+datianba, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "children-view")
	req.Header.Set("HX-Current-URL", c.e.srv.URL+"/children?q=x")
	p := o.do(req)
	if p.status != http.StatusNoContent || p.header.Get("HX-Redirect") != "/login?next=%2Fchildren%3Fq%3Dx" {
		t.Errorf("htmx after logout: %d %q", p.status, p.header.Get("HX-Redirect"))
	}
}
