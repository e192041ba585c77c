package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/idcard"
)

func TestChildrenListFiltersAndPaging(t *testing.T) {
	c := newCensus(t)
	for i := range 24 {
		in := c.childInput(fmt.Sprintf("张%02d", i), wencang)
		if i%2 == 1 {
			in.MotherStatus = children.ParentHome // not left behind
		}
		c.mustChild(in)
	}
	o := c.as(accounts.RoleOfficer)
	p := o.get("/children")
	if p.status != http.StatusOK {
		t.Fatalf("GET /children: %d\n%s", p.status, p.body)
	}
	// 25 children in scope, 20 a page.
	if got := pagerText(p); !strings.Contains(got, "共 25 条") || !strings.Contains(got, "第 1–20 条") {
		t.Errorf("pager %q", got)
	}
	if n := len(cardNames(p, "children-list")); n != 20 {
		t.Errorf("%d cards on page 1", n)
	}
	if first(p.doc, "#child-new") == nil {
		t.Error("no 登记儿童 button for an officer")
	}
	if missing := labelsTied(p.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	// Cards show the ID number masked.
	card := first(p.doc, "#child-"+c.child.ID)
	if card == nil {
		// Sorted by name: 李小明 may be on page 2.
		card = first(o.get("/children?page=2").doc, "#child-"+c.child.ID)
	}
	if card == nil || !strings.Contains(text(card), "**********") || !strings.Contains(text(card), "文沧村") {
		t.Errorf("card %q", text(card))
	}
	next, _ := attr(first(p.doc, "a[rel=next]"), "href")
	if p2 := o.get(next); len(cardNames(p2, "children-list")) != 5 {
		t.Errorf("page 2 (%s): %d cards", next, len(cardNames(p2, "children-list")))
	}

	// The breadcrumb starts at the user's own county, never above it;
	// the drill-down lists 昌宁县's townships.
	if got := crumbs(p, "region-breadcrumb"); !slices.Equal(got, []string{"昌宁县"}) {
		t.Errorf("breadcrumb %v", got)
	}
	drill := sel(p.doc, "#region-picker a.chip")
	var town string
	for _, a := range drill {
		if text(a) == datianbaName {
			town, _ = attr(a, "href")
		}
		if code, _ := attr(a, "data-code"); !strings.HasPrefix(code, "530524") {
			t.Errorf("drill-down shows %s %s outside 昌宁县", code, text(a))
		}
	}
	if town == "" {
		t.Fatalf("no 大田坝镇 among %d townships", len(drill))
	}
	tp := o.get(town)
	if got := crumbs(tp, "region-breadcrumb"); !slices.Equal(got, []string{"昌宁县", "大田坝镇"}) {
		t.Errorf("township breadcrumb %v", got)
	}
	var village string
	for _, a := range sel(tp.doc, "#region-picker a.chip") {
		if text(a) == "文沧村" {
			village, _ = attr(a, "href")
		}
	}
	vp := o.get(village)
	if got := crumbs(vp, "region-breadcrumb"); !slices.Equal(got, []string{"昌宁县", "大田坝镇", "文沧村"}) {
		t.Errorf("village breadcrumb %v (%s)", got, village)
	}
	if first(vp.doc, "#region-picker") != nil {
		t.Error("a village has a drill-down")
	}
	if !strings.Contains(pagerText(vp), "共 25 条") {
		t.Errorf("village pager %q", pagerText(vp))
	}
	// The breadcrumb's links keep the other filters.
	if v := inputValue(vp.doc, "region"); v != wencang {
		t.Errorf("region kept as %q", v)
	}

	// A region outside the scope shows the user's own region instead.
	if out := o.get("/children?region=" + c.otherVillage); !slices.Equal(crumbs(out, "region-breadcrumb"), []string{"昌宁县"}) ||
		strings.Contains(out.body, outChildName) {
		t.Errorf("out-of-scope region: %v", crumbs(out, "region-breadcrumb"))
	}

	// Search by name and by the last digits of the ID number.
	if got := cardNames(o.get("/children?q="+url.QueryEscape("小明")), "children-list"); !slices.Equal(got, []string{"李小明"}) {
		t.Errorf("q=小明: %v", got)
	}
	tail := c.child.IDNumber[14:]
	if got := cardNames(o.get("/children?q="+tail), "children-list"); !has(got, "李小明") {
		t.Errorf("q=%s: %v", tail, got)
	}
	// Category, age band, status.
	lb := o.get("/children?category=left_behind")
	if !strings.Contains(pagerText(lb), "共 13 条") || selected(lb.doc, "category") != "left_behind" {
		t.Errorf("left behind: %q, selected %q", pagerText(lb), selected(lb.doc, "category"))
	}
	if got := pagerText(o.get("/children?age=12-15")); !strings.Contains(got, "共 0 条") {
		t.Errorf("12-15: %q", got)
	}
	if got := pagerText(o.get("/children?age=6-11&sex=M")); !strings.Contains(got, "共 25 条") {
		t.Errorf("6-11: %q", got)
	}
	if p := o.get("/children?status=archived"); !strings.Contains(pagerText(p), "共 0 条") || first(p.doc, "#children-empty") == nil {
		t.Errorf("archived: %q", pagerText(p))
	}
	// School and class filters.
	sp := o.get("/children?school_id=" + c.school.ID)
	if got := cardNames(sp, "children-list"); !slices.Equal(got, []string{"李小明"}) {
		t.Errorf("school filter: %v", got)
	}
	if first(sp.doc, "select[name=class_id]") == nil {
		t.Error("no class filter once a school is chosen")
	}
	// Sorting: most recently changed first.
	if got := cardNames(o.get("/children?sort=updated"), "children-list"); len(got) == 0 || got[0] != "张23" {
		t.Errorf("sort=updated: %v", got)
	}
	// A value no select offers is an error beside the filter.
	bad := o.get("/children?sort=shoe_size&category=rich")
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "sort") == "" || first(bad.doc, "#filter-errors") == nil {
		t.Errorf("bad filter: %d %q", bad.status, fieldError(bad.doc, "sort"))
	}

	// htmx asks for the view alone: no frame, the region input out of band.
	frag := o.hx("/children?region="+datianba, "children-view")
	if frag.status != http.StatusOK || first(frag.doc, "header") != nil || first(frag.doc, "#children-view") == nil {
		t.Fatalf("fragment: %d\n%.300s", frag.status, frag.body)
	}
	if oob := first(frag.doc, "input[hx-swap-oob][name=region]"); oob == nil {
		t.Error("fragment without the region input")
	}
	if first(frag.doc, "#school-slot[hx-swap-oob] select[name=school_id]") == nil {
		t.Error("fragment without the school filter")
	}
	if got := crumbs(frag, "region-breadcrumb"); !slices.Equal(got, []string{"昌宁县", "大田坝镇"}) {
		t.Errorf("fragment breadcrumb %v", got)
	}
	if frag.header.Get("Vary") == "" {
		t.Error("fragment without Vary")
	}
}

func TestListsDoNotAuditHealth(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	before := auditCount(t, c, audit.ActionViewSensitive)
	o.get("/children")
	o.get("/")
	o.get("/elders")
	if n := auditCount(t, c, audit.ActionViewSensitive); n != before {
		t.Errorf("lists wrote %d sensitive-view entries", n-before)
	}
	// The profile shows health detail, so it is audited.
	o.get("/children/" + c.child.ID)
	if n := auditCount(t, c, audit.ActionViewSensitive); n != before+1 {
		t.Errorf("profile: %d sensitive-view entries, want 1", n-before)
	}
}

func auditCount(t *testing.T, c *census, action string) int {
	t.Helper()
	res, err := audit.Search(ctx, c.e.a.DB, access.Viewer{Roles: []string{accounts.RoleAuditor}}, audit.Filter{Action: action, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func TestChildProfile(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	p := o.get("/children/" + c.child.ID)
	if p.status != http.StatusOK {
		t.Fatalf("profile: %d", p.status)
	}
	if got := crumbs(p, "child-breadcrumb"); !slices.Equal(got, []string{"昌宁县", "大田坝镇", "文沧村"}) {
		t.Errorf("breadcrumb %v", got)
	}
	if got := byID(p.doc, "child-name"); got != "李小明" {
		t.Errorf("name %q", got)
	}
	if got := byID(p.doc, "child-verdict"); !strings.Contains(got, "属于农村留守儿童") || byID(p.doc, "child-reason") != "父母双方外出务工" {
		t.Errorf("verdict %q reason %q", got, byID(p.doc, "child-reason"))
	}
	if got := byID(p.doc, "child-categories"); !strings.Contains(got, "农村留守儿童") || !strings.Contains(got, "困境儿童") {
		t.Errorf("categories %q", got)
	}
	if got := byID(p.doc, "child-school"); !strings.Contains(got, "大田坝镇中心小学") || !strings.Contains(got, "一班") || !strings.Contains(got, "三年级") {
		t.Errorf("school %q", got)
	}
	if got := byID(p.doc, "child-health"); got != "营养不良" {
		t.Errorf("health %q", got)
	}
	if got := byID(p.doc, "guardian-name"); got != "李奶奶" {
		t.Errorf("guardian %q", got)
	}
	masked := byID(p.doc, "child-id-number")
	if masked == c.child.IDNumber || !strings.Contains(masked, "*") {
		t.Errorf("ID number not masked: %q", masked)
	}
	if strings.Contains(p.body, c.child.IDNumber) {
		t.Error("the full ID number is in the page")
	}
	if items := sel(p.doc, "#child-history li"); len(items) != 1 || !strings.Contains(text(items[0]), "登记") {
		t.Errorf("history: %d items", len(items))
	}
	for _, id := range []string{"child-edit", "archive-form", "reveal-id"} {
		if first(p.doc, "#"+id) == nil {
			t.Errorf("officer's profile lacks #%s", id)
		}
	}
	if missing := labelsTied(p.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}

	// 显示完整身份证号: a POST that audits the view.
	before := auditCount(t, c, audit.ActionViewSensitive)
	r := o.post("/children/"+c.child.ID+"/reveal", nil)
	if r.status != http.StatusOK || byID(r.doc, "child-id-number") != c.child.IDNumber {
		t.Fatalf("reveal: %d %q", r.status, byID(r.doc, "child-id-number"))
	}
	if g := byID(r.doc, "guardian-id-number"); strings.Contains(g, "*") || len(g) != 18 {
		t.Errorf("guardian ID after reveal %q", g)
	}
	if first(r.doc, "#reveal-id") != nil || first(r.doc, "#revealed-note") == nil {
		t.Error("after reveal: the button is still there or the note missing")
	}
	if n := auditCount(t, c, audit.ActionViewSensitive); n != before+1 {
		t.Errorf("reveal wrote %d audit entries", n-before)
	}
	if p := o.get("/children/" + c.child.ID + "/reveal"); p.status == http.StatusOK {
		t.Error("reveal by GET")
	}

	// A social worker may not see ID numbers: no button, and revealing
	// shows the number masked still.
	sw := c.as(accounts.RoleSocialWorker)
	sp := sw.get("/children/" + c.child.ID)
	if first(sp.doc, "#reveal-id") != nil || first(sp.doc, "#child-edit") != nil || first(sp.doc, "#archive-form") != nil {
		t.Error("social worker sees reveal, edit or archive")
	}
	if rp := sw.post("/children/"+c.child.ID+"/reveal", nil); strings.Contains(rp.body, c.child.IDNumber) {
		t.Error("social worker revealed the ID number")
	}
	// A teacher writes but may not see ID numbers: the edit form shows them
	// masked, and saving keeps the stored numbers.
	tc := c.as(accounts.RoleTeacher)
	tp := tc.get("/children/" + c.child.ID)
	if first(tp.doc, "#child-edit") == nil || first(tp.doc, "#archive-form") == nil {
		t.Error("teacher's profile: no edit link or no archive form")
	}
	if ep := tc.get("/children/" + c.child.ID + "/edit"); ep.status != http.StatusOK || strings.Contains(ep.body, c.child.IDNumber) {
		t.Errorf("teacher's edit page: %d (or it shows the full ID number)", ep.status)
	}

	// Out of scope and unknown: the friendly 404.
	for _, path := range []string{"/children/" + c.outChild.ID, "/children/" + c.outChild.ID + "/edit", "/children/not-an-id",
		"/children/0190a0a0-0000-7000-8000-000000000000"} {
		if p := o.get(path); p.status != http.StatusNotFound || byID(p.doc, "error-heading") != "页面不存在" || strings.Contains(p.body, outChildName) {
			t.Errorf("%s: %d", path, p.status)
		}
	}
	if p := o.post("/children/"+c.outChild.ID+"/reveal", nil); p.status != http.StatusNotFound || strings.Contains(p.body, c.outChild.IDNumber) {
		t.Errorf("reveal out of scope: %d", p.status)
	}
}

func TestCreateChildWithWrongCheckDigit(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	form := o.get("/children/new")
	if form.status != http.StatusOK {
		t.Fatalf("new: %d", form.status)
	}
	if missing := labelsTied(form.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	if n := len(sel(form.doc, "select[name=ethnicity] option")); n != 57 {
		t.Errorf("%d ethnicity options, want 56 and 请选择", n)
	}
	for _, name := range []string{"sex", "hukou", "father_status", "mother_status", "school_id", "grade", "class_id", "disability"} {
		if first(form.doc, "select[name="+name+"]") == nil {
			t.Errorf("no select %s", name)
		}
	}
	if n := len(sel(form.doc, "input[type=checkbox][name=health_flags]")); n != 4 {
		t.Errorf("%d health checkboxes", n)
	}
	if n := len(sel(form.doc, "input[type=checkbox][name=difficulty]")); n != 4 {
		t.Errorf("%d difficulty checkboxes", n)
	}
	// The village picker starts at the user's county.
	if got := byID(form.doc, "village_code-current"); !strings.Contains(got, "昌宁县") || strings.Contains(got, "保山") {
		t.Errorf("picker at %q", got)
	}

	in := c.childInput("赵小红", wencang)
	in.IDNumber = wrongCheckDigit(in.IDNumber)
	in.SchoolID, in.ClassID, in.Grade = c.school.ID, c.class.ID, 3
	in.HealthFlags = []string{"chronic_illness"}
	in.FatherAwayPlace = "广东省东莞市"
	before := countChildren(t, c)
	p := o.post("/children/new", childForm(in))
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong check digit: %d", p.status)
	}
	msg := fieldError(p.doc, "id_number")
	if msg == "" || !strings.Contains(msg, "校验") {
		t.Errorf("error beside id_number: %q", msg)
	}
	// The error sits inside the field's own box, tied to the input.
	if box := first(p.doc, "#field-id_number"); box == nil || first(box, "#id_number-error") == nil {
		t.Error("the error is not beside the field")
	}
	if in2 := first(p.doc, "input[name=id_number]"); in2 == nil {
		t.Fatal("no id_number input")
	} else if v, _ := attr(in2, "aria-invalid"); v != "true" {
		t.Error("id_number not marked invalid")
	} else if d, _ := attr(in2, "aria-describedby"); !strings.Contains(d, "id_number-error") {
		t.Errorf("aria-describedby %q", d)
	}
	if first(p.doc, "#form-message") == nil {
		t.Error("no message above the form")
	}
	// Everything typed is kept.
	keep := map[string]string{"id_number": in.IDNumber, "name": "赵小红", "birth_date": in.BirthDate, "village_code": wencang, "father_away_place": "广东省东莞市"}
	for name, want := range keep {
		if got := inputValue(p.doc, name); got != want {
			t.Errorf("%s kept as %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]string{"sex": "M", "ethnicity": "汉族", "hukou": "rural", "father_status": "away", "school_id": c.school.ID, "class_id": c.class.ID, "grade": "3"} {
		if got := selected(p.doc, name); got != want {
			t.Errorf("%s kept as %q, want %q", name, got, want)
		}
	}
	if got := checked(p.doc, "health_flags"); !slices.Equal(got, []string{"chronic_illness"}) {
		t.Errorf("health kept as %v", got)
	}
	if got := byID(p.doc, "village_code-current"); !strings.Contains(got, "文沧村") {
		t.Errorf("picker kept at %q", got)
	}
	if n := countChildren(t, c); n != before {
		t.Errorf("saved despite the error: %d → %d", before, n)
	}

	// Fixed, it is saved and found in the list.
	in.IDNumber = in.IDNumber[:17] + string(idcard.CheckDigit(in.IDNumber[:17]))
	ok := o.post("/children/new", childForm(in))
	if ok.status != http.StatusSeeOther || !strings.HasPrefix(ok.location(), "/children/") {
		var errs []string
		for _, e := range sel(ok.doc, ".field-error") {
			errs = append(errs, text(e))
		}
		t.Fatalf("create: %d %s\n%s %v", ok.status, ok.location(), alert(ok.doc), errs)
	}
	prof := o.get(ok.location())
	if byID(prof.doc, "notice") == "" || byID(prof.doc, "child-name") != "赵小红" {
		t.Errorf("after create: notice %q, name %q", byID(prof.doc, "notice"), byID(prof.doc, "child-name"))
	}
	if got := cardNames(o.get("/children?q="+url.QueryEscape("赵小红")), "children-list"); !slices.Equal(got, []string{"赵小红"}) {
		t.Errorf("list after create: %v", got)
	}
}

func countChildren(t *testing.T, c *census) int {
	t.Helper()
	n, err := c.e.a.Children.Count(ctx, access.System(), children.Filter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInlineChecks(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	in := c.childInput("钱小", wencang)
	f := childForm(in)
	f.Set("id_number", wrongCheckDigit(in.IDNumber))
	p := o.post("/check?form=child&field=id_number", f)
	if p.status != http.StatusOK || fieldError(p.doc, "id_number") == "" || first(p.doc, "header") != nil {
		t.Errorf("check: %d %q", p.status, fieldError(p.doc, "id_number"))
	}
	f.Set("id_number", in.IDNumber)
	if p := o.post("/check?form=child&field=id_number", f); fieldError(p.doc, "id_number") != "" || inputValue(p.doc, "id_number") != in.IDNumber {
		t.Errorf("valid number: %q", fieldError(p.doc, "id_number"))
	}
	f.Set("father_phone", "12345")
	if p := o.post("/check?form=child&field=father_phone", f); !strings.Contains(fieldError(p.doc, "father_phone"), "格式不正确") {
		t.Errorf("phone: %q", fieldError(p.doc, "father_phone"))
	}
	if p := o.post("/check?form=child&field=notes", f); p.status != http.StatusNotFound {
		t.Errorf("unchecked field: %d", p.status)
	}
	// The classes of a school, for htmx.
	cl := o.get("/children/classes?school_id=" + c.school.ID)
	if opts := sel(cl.doc, "select[name=class_id] option"); len(opts) != 2 || text(opts[1]) != "三年级 一班" {
		t.Errorf("classes: %d options", len(opts))
	}
	if cl := o.get("/children/classes?school_id=" + c.outSchool.ID); len(sel(cl.doc, "select[name=class_id] option")) != 1 {
		t.Error("classes of an out-of-scope school")
	}
}

func TestRegionPicker(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	// Without JavaScript: a picker button posts the form back; nothing is
	// saved, the input is kept and the picker moves.
	in := c.childInput("孙小", wencang)
	f := childForm(in)
	f.Set("village_code", changning)
	f.Set("_pick_village_code", datianba)
	before := countChildren(t, c)
	p := o.post("/children/new", f)
	if p.status != http.StatusOK || countChildren(t, c) != before {
		t.Fatalf("pick: %d", p.status)
	}
	if inputValue(p.doc, "village_code") != datianba || inputValue(p.doc, "name") != "孙小" || fieldError(p.doc, "id_number") != "" {
		t.Errorf("after pick: village %q name %q", inputValue(p.doc, "village_code"), inputValue(p.doc, "name"))
	}
	kids := sel(p.doc, "#village_code-kids button")
	if len(kids) == 0 {
		t.Fatal("no villages to choose")
	}
	for _, b := range kids {
		if v, _ := attr(b, "value"); !strings.HasPrefix(v, "530524107") {
			t.Errorf("village %s outside 大田坝镇", v)
		}
	}
	// The path back up stops at the user's county.
	var up []string
	for _, b := range sel(p.doc, ".picker-up button") {
		up = append(up, text(b))
	}
	if !slices.Equal(up, []string{"昌宁县"}) {
		t.Errorf("up: %v", up)
	}
	// htmx fetches the picker alone; it never leaves the user's scope.
	frag := o.get("/regions/picker?field=village_code&at=" + wencang)
	if frag.status != http.StatusOK || first(frag.doc, "header") != nil || inputValue(frag.doc, "village_code") != wencang {
		t.Errorf("picker fragment: %d %q", frag.status, inputValue(frag.doc, "village_code"))
	}
	for _, at := range []string{baoshan, c.otherVillage, "53", "junk"} {
		fp := o.get("/regions/picker?field=village_code&at=" + at)
		if inputValue(fp.doc, "village_code") != changning || strings.Contains(fp.body, "保山市") || strings.Contains(fp.body, "五华区") {
			t.Errorf("picker at %s: %q", at, inputValue(fp.doc, "village_code"))
		}
	}
	if p := o.get("/regions/picker?field=password&at=" + wencang); p.status != http.StatusNotFound {
		t.Errorf("unknown field: %d", p.status)
	}
	// Saving with a township (not a village) is refused beside the picker.
	f.Del("_pick_village_code")
	f.Set("village_code", datianba)
	bad := o.post("/children/new", f)
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "village_code") == "" {
		t.Errorf("township as village: %d %q", bad.status, fieldError(bad.doc, "village_code"))
	}
}

func TestEditConflictShowsBothVersions(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	// Open the edit form: the full ID number is in it.
	ed := o.get("/children/" + c.child.ID + "/edit")
	if ed.status != http.StatusOK || inputValue(ed.doc, "id_number") != c.child.IDNumber || inputValue(ed.doc, "version") != "1" {
		t.Fatalf("edit form: %d %q v%q", ed.status, inputValue(ed.doc, "id_number"), inputValue(ed.doc, "version"))
	}
	if missing := labelsTied(ed.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	form := url.Values{}
	for _, in := range sel(ed.doc, "#record-form input") {
		name, _ := attr(in, "name")
		typ, _ := attr(in, "type")
		v, _ := attr(in, "value")
		if name == "" || name == "csrf_token" || (typ == "checkbox" && !hasAttr(in, "checked")) {
			continue
		}
		form.Add(name, v)
	}
	for _, s := range sel(ed.doc, "#record-form select") {
		name, _ := attr(s, "name")
		form.Set(name, selected(ed.doc, name))
	}
	// Someone else saves first: the mother comes home.
	theirs, _ := c.e.a.Children.GetRevealed(ctx, access.System(), c.child.ID)
	tin := inputOf(theirs)
	tin.MotherStatus = children.ParentHome
	if _, err := c.e.a.Children.Update(ctx, access.System(), c.child.ID, 1, tin); err != nil {
		t.Fatal(err)
	}
	// Then this user saves a change of their own from the old form.
	form.Set("notes", "周末由姑姑照看")
	p := o.post("/children/"+c.child.ID+"/edit", form)
	if p.status != http.StatusConflict {
		t.Fatalf("stale save: %d\n%s", p.status, alert(p.doc))
	}
	if first(p.doc, "#conflict-table") == nil || first(p.doc, "#conflict-theirs") == nil || first(p.doc, "#conflict-yours") == nil {
		t.Fatal("no side-by-side table")
	}
	diff := map[string][2]string{}
	for _, tr := range sel(p.doc, "#conflict-table tr.differs") {
		name, _ := attr(tr, "data-field")
		tds := sel(tr, "td")
		diff[name] = [2]string{text(tds[0]), text(tds[1])}
	}
	if diff["mother_status"] != [2]string{"在家", "外出务工"} || diff["notes"] != [2]string{"", "周末由姑姑照看"} || len(diff) != 2 {
		t.Errorf("differing rows: %v", diff)
	}
	// The form comes back with the user's input over the new version.
	if inputValue(p.doc, "version") != "2" || selected(p.doc, "mother_status") != "away" || byID(p.doc, "notes") != "周末由姑姑照看" {
		t.Errorf("re-apply form: v%q mother %q notes %q", inputValue(p.doc, "version"), selected(p.doc, "mother_status"), byID(p.doc, "notes"))
	}
	if text(first(p.doc, "#form-submit")) != "以我的内容保存" {
		t.Errorf("button %q", text(first(p.doc, "#form-submit")))
	}
	// Re-applying saves the user's version.
	form.Set("version", "2")
	ok := o.post("/children/"+c.child.ID+"/edit", form)
	if ok.status != http.StatusSeeOther {
		t.Fatalf("re-apply: %d %s", ok.status, alert(ok.doc))
	}
	now, _ := c.e.a.Children.Get(ctx, access.System(), c.child.ID)
	if now.Version != 3 || now.Notes != "周末由姑姑照看" || now.MotherStatus != children.ParentAway {
		t.Errorf("stored: v%d %q %s", now.Version, now.Notes, now.MotherStatus)
	}
	// A plain validation error on edit keeps the version read.
	form.Set("version", "3")
	form.Set("birth_date", "2016-02-30")
	bad := o.post("/children/"+c.child.ID+"/edit", form)
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "birth_date") == "" || inputValue(bad.doc, "version") != "3" {
		t.Errorf("bad edit: %d %q v%q", bad.status, fieldError(bad.doc, "birth_date"), inputValue(bad.doc, "version"))
	}
}

func inputOf(c children.Child) children.Input {
	return children.Input{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: c.BirthDate.Format("2006-01-02"), Ethnicity: c.Ethnicity,
		Hukou: c.Hukou, VillageCode: c.VillageCode, SchoolID: c.SchoolID, Grade: c.Grade, ClassID: c.ClassID,
		FatherStatus: c.FatherStatus, MotherStatus: c.MotherStatus, GuardianName: c.Guardian.Name, GuardianRelation: c.Guardian.Relation,
		GuardianIDNumber: c.Guardian.IDNumber, HealthFlags: c.HealthFlags, Difficulty: c.Difficulty, Notes: c.Notes}
}

func TestArchiveAndRestoreChild(t *testing.T) {
	c := newCensus(t)
	o := c.as(accounts.RoleOfficer)
	path := "/children/" + c.child.ID
	p := o.post(path+"/archive", url.Values{"version": {"1"}, "reason": {""}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "reason") == "" {
		t.Errorf("no reason: %d %q", p.status, fieldError(p.doc, "reason"))
	}
	p = o.post(path+"/archive", url.Values{"version": {"1"}, "reason": {"已迁出本地"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("archive: %d", p.status)
	}
	ap := o.get(path)
	if !strings.Contains(byID(ap.doc, "child-archived"), "已迁出本地") || first(ap.doc, "#restore-form") == nil || first(ap.doc, "#child-edit") != nil {
		t.Errorf("archived profile: %q", byID(ap.doc, "child-archived"))
	}
	// A stale restore says so and shows the record as it is.
	if p := o.post(path+"/restore", url.Values{"version": {"1"}}); p.status != http.StatusConflict || byID(p.doc, "child-problem") == "" {
		t.Errorf("stale restore: %d %q", p.status, alert(p.doc))
	}
	if p := o.post(path+"/restore", url.Values{"version": {"2"}}); p.status != http.StatusSeeOther {
		t.Errorf("restore: %d", p.status)
	}
	if p := o.post(path+"/archive", url.Values{"reason": {"x"}}); p.status != http.StatusBadRequest {
		t.Errorf("no version: %d", p.status)
	}
	// Roles that may not write get the 404.
	if p := c.as(accounts.RoleLeader).post(path+"/archive", url.Values{"version": {"3"}, "reason": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("leader archives: %d", p.status)
	}
}
