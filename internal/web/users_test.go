package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"guanai/internal/accounts"
)

// admin makes a system administrator of region with a second factor and
// returns a client logged in as them.
func (e *env) admin(username, region string, role string) *client {
	e.t.Helper()
	u := e.user(username, "管理员"+username, region, false, role)
	e.enrol(u)
	return e.client().mustLogin(username)
}

func TestUsersListSearchAndPaging(t *testing.T) {
	e := newEnv(t)
	c := e.admin("cn.sysadmin", changning, accounts.RoleSysadmin)
	for i := range 24 {
		e.user(fmt.Sprintf("dtb.leader%02d", i), fmt.Sprintf("镇干部%02d", i), datianba, false, accounts.RoleLeader)
	}
	e.user("cn.officer", "昌宁县儿童督导员", changning, false, accounts.RoleOfficer)
	e.user("km.officer", "昆明督导员", kunming, false, accounts.RoleOfficer)

	p := c.get("/users")
	if p.status != http.StatusOK {
		t.Fatalf("GET /users: %d", p.status)
	}
	if got := navLabels(p.doc); !slices.Equal(got, []string{"概览", "用户管理", "我的账号"}) {
		t.Errorf("sysadmin's links: %v", got)
	}
	// 24 leaders, the officer and the administrator in 昌宁县; not 昆明.
	pager := text(first(p.doc, "nav[class=pager]"))
	if !strings.Contains(pager, "共 26 条") || !strings.Contains(pager, "第 1/2 页") {
		t.Errorf("pager %q", pager)
	}
	if strings.Contains(p.body, "km.officer") {
		t.Error("an out-of-scope user is listed")
	}
	if n := len(sel(first(p.doc, "tbody"), "tr")); n != 20 {
		t.Errorf("page 1 has %d rows", n)
	}
	next, _ := attr(first(p.doc, "a[rel=next]"), "href")
	p2 := c.get(next)
	if n := len(sel(first(p2.doc, "tbody"), "tr")); n != 6 || !strings.Contains(text(first(p2.doc, "nav[class=pager]")), "第 21–26 条") {
		t.Errorf("page 2: %d rows, %q", n, text(first(p2.doc, "nav[class=pager]")))
	}

	// Search and role filter, kept in the form and the paging links.
	s := c.get("/users?q=" + url.QueryEscape("督导") + "&role=officer")
	if rows := sel(first(s.doc, "tbody"), "tr"); len(rows) != 1 || !strings.Contains(text(rows[0]), "cn.officer") || !strings.Contains(text(rows[0]), "儿童主任/督导员") || !strings.Contains(text(rows[0]), "昌宁县") {
		t.Errorf("search: %q", text(first(s.doc, "tbody")))
	}
	if inputValue(s.doc, "q") != "督导" || selected(s.doc, "role") != "officer" {
		t.Errorf("search not kept: %q %q", inputValue(s.doc, "q"), selected(s.doc, "role"))
	}
	s = c.get("/users?role=leader&page=2")
	if !strings.Contains(text(first(s.doc, "nav[class=pager]")), "共 24 条") {
		t.Errorf("leaders: %q", text(first(s.doc, "nav[class=pager]")))
	}
	prev, _ := attr(first(s.doc, "a[rel=prev]"), "href")
	if prev != "/users?page=1&role=leader" {
		t.Errorf("prev link %q", prev)
	}
	if p := c.get("/users?role=king"); p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "role") == "" {
		t.Errorf("bad role: %d %q", p.status, fieldError(p.doc, "role"))
	}
	if missing := labelsTied(p.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
}

func TestUserFormErrors(t *testing.T) {
	e := newEnv(t)
	c := e.admin("cn.sysadmin", changning, accounts.RoleSysadmin)

	form := c.get("/users/new")
	if form.status != http.StatusOK {
		t.Fatalf("GET /users/new: %d", form.status)
	}
	if missing := labelsTied(form.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}

	// Errors beside each field; what was typed comes back.
	bad := url.Values{"username": {"x"}, "name": {"王老师"}, "phone": {"12345"}, "region_code": {"5305241"},
		"org_kind": {"school"}, "org_name": {"大田坝镇中心小学"}, "roles": {"teacher"}, "active": {"1"}, "password": {"short"}}
	p := c.post("/users/new", bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad create: %d\n%s", p.status, p.body)
	}
	for _, f := range []string{"username", "phone", "region_code", "school_id", "class_id", "password"} {
		if fieldError(p.doc, f) == "" {
			t.Errorf("no error beside %s", f)
		}
	}
	if fieldError(p.doc, "name") != "" {
		t.Errorf("error beside a good field: %q", fieldError(p.doc, "name"))
	}
	for f, want := range map[string]string{"username": "x", "name": "王老师", "phone": "12345", "region_code": "5305241", "org_name": "大田坝镇中心小学"} {
		if got := inputValue(p.doc, f); got != want {
			t.Errorf("%s not kept: %q, want %q", f, got, want)
		}
	}
	if selected(p.doc, "org_kind") != "school" || !slices.Equal(checked(p.doc, "roles"), []string{"teacher"}) || len(checked(p.doc, "active")) != 1 {
		t.Errorf("choices not kept: %q %v %v", selected(p.doc, "org_kind"), checked(p.doc, "roles"), checked(p.doc, "active"))
	}
	if v, has := attr(first(p.doc, "input[name=password]"), "value"); has {
		t.Errorf("password sent back: %q", v)
	}
	// Separation of duties and region scope.
	p = c.post("/users/new", url.Values{"username": {"two.hats"}, "name": {"两顶帽子"}, "region_code": {kunming},
		"roles": {"sysadmin", "auditor"}, "active": {"1"}, "password": {"Fresh#Start2026"}})
	if !strings.Contains(fieldError(p.doc, "roles"), "三权分立") || !strings.Contains(fieldError(p.doc, "region_code"), "不在您的管辖范围内") {
		t.Errorf("roles %q, region %q", fieldError(p.doc, "roles"), fieldError(p.doc, "region_code"))
	}
}

func TestUserCreateAndEdit(t *testing.T) {
	e := newEnv(t)
	c := e.admin("cn.sysadmin", changning, accounts.RoleSysadmin)
	good := url.Values{"username": {"dtb.officer"}, "name": {"大田坝镇儿童督导员"}, "phone": {"13800001234"}, "region_code": {"530524107"},
		"org_kind": {"government"}, "org_name": {"大田坝镇人民政府"}, "roles": {"officer"}, "active": {"1"}, "password": {"Fresh#Start2026"}}
	p := c.post("/users/new", good)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/users/") {
		t.Fatalf("create: %d %q %q\n%s", p.status, p.location(), alert(p.doc), p.body)
	}
	loc := strings.TrimSuffix(p.location(), "?n=created")
	// The username is taken now.
	if p := c.post("/users/new", good); p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "username") != "用户名已被使用" {
		t.Errorf("duplicate username: %d %q", p.status, fieldError(p.doc, "username"))
	}

	edit := c.get(loc + "?n=created")
	if edit.status != http.StatusOK || !strings.Contains(text(first(edit.doc, "p[class=notice]")), "用户已创建") {
		t.Fatalf("GET %s: %d", loc, edit.status)
	}
	if inputValue(edit.doc, "name") != "大田坝镇儿童督导员" || inputValue(edit.doc, "region_code") != "530524107000" || inputValue(edit.doc, "username") != "" {
		t.Errorf("edit form: name %q region %q username field %q", inputValue(edit.doc, "name"), inputValue(edit.doc, "region_code"), inputValue(edit.doc, "username"))
	}
	if !strings.Contains(text(first(edit.doc, "dl[class=info]")), "待修改初始密码") {
		t.Errorf("state: %q", text(first(edit.doc, "dl[class=info]")))
	}
	version := inputValue(edit.doc, "version")

	// An edit with errors keeps the input.
	p = c.post(loc, url.Values{"version": {version}, "name": {""}, "phone": {"13800009999"}, "region_code": {"530524107"}, "org_kind": {"government"},
		"org_name": {"大田坝镇政府"}, "roles": {"officer", "leader"}, "active": {"1"}})
	if p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "name") == "" {
		t.Fatalf("bad edit: %d %q", p.status, fieldError(p.doc, "name"))
	}
	if inputValue(p.doc, "phone") != "13800009999" || inputValue(p.doc, "org_name") != "大田坝镇政府" || !slices.Equal(checked(p.doc, "roles"), []string{"leader", "officer"}) {
		t.Errorf("edit input not kept: %q %q %v", inputValue(p.doc, "phone"), inputValue(p.doc, "org_name"), checked(p.doc, "roles"))
	}
	// A good edit.
	p = c.post(loc, url.Values{"version": {version}, "name": {"大田坝镇儿童督导员（新）"}, "phone": {"13800009999"}, "region_code": {"530524107"},
		"org_kind": {"government"}, "org_name": {"大田坝镇政府"}, "roles": {"officer", "leader"}, "active": {"1"}})
	if p.status != http.StatusSeeOther || p.location() != loc+"?n=saved" {
		t.Fatalf("edit: %d %q %q %v", p.status, p.location(), alert(p.doc), fieldError(p.doc, "roles"))
	}
	edit = c.get(loc)
	if inputValue(edit.doc, "name") != "大田坝镇儿童督导员（新）" || !slices.Equal(checked(edit.doc, "roles"), []string{"leader", "officer"}) {
		t.Errorf("after edit: %q %v", inputValue(edit.doc, "name"), checked(edit.doc, "roles"))
	}
	// The same (now stale) version again: a conflict, the input kept.
	p = c.post(loc, url.Values{"version": {version}, "name": {"别人的修改"}, "region_code": {"530524107"}, "roles": {"officer"}, "active": {"1"}})
	if p.status != http.StatusConflict || !strings.Contains(alert(p.doc), "已被他人修改") || inputValue(p.doc, "name") != "别人的修改" {
		t.Errorf("stale edit: %d %q %q", p.status, alert(p.doc), inputValue(p.doc, "name"))
	}
	// Without a version.
	if p := c.post(loc, url.Values{"name": {"x"}}); p.status != http.StatusBadRequest {
		t.Errorf("edit without version: %d", p.status)
	}
}

func TestSecadminViewsUsers(t *testing.T) {
	e := newEnv(t)
	sec := e.admin("cn.secadmin", changning, accounts.RoleSecadmin)
	target := e.user("cn.counsellor", "昌宁县心理咨询师", changning, false, accounts.RoleCounsellor)
	e.enrol(target)
	out := e.user("km.officer", "昆明督导员", kunming, false, accounts.RoleOfficer)
	// Lock the target.
	for range 5 {
		e.client().postRaw("/login", url.Values{"username": {"cn.counsellor"}, "password": {"Wrong#Pass99"}})
	}

	// The security administrator sees the list and the account read-only.
	if p := sec.get("/users"); p.status != http.StatusOK || first(p.doc, "a[href=/users/new]") != nil {
		t.Errorf("secadmin list: %d", p.status)
	}
	p := sec.get("/users/" + target.ID)
	if p.status != http.StatusOK {
		t.Fatalf("secadmin view: %d", p.status)
	}
	if first(p.doc, "input[name=name]") != nil {
		t.Error("secadmin gets the edit form")
	}
	state := text(first(p.doc, "dl[class=info]"))
	if !strings.Contains(state, "已锁定，至 2026-03-02 09:15") || !strings.Contains(state, "已绑定") {
		t.Errorf("state %q", state)
	}
	for _, path := range []string{"/users/new", "/users/" + target.ID} {
		if p := sec.post(path, url.Values{"name": {"x"}, "version": {"1"}}); p.status != http.StatusNotFound {
			t.Errorf("secadmin POST %s: %d", path, p.status)
		}
	}
	if p := sec.get("/users/new"); p.status != http.StatusNotFound {
		t.Errorf("secadmin GET /users/new: %d", p.status)
	}

	// Out of scope, unknown, malformed: the not-found page.
	for _, path := range []string{"/users/" + out.ID, "/users/0190b3c4-0000-7000-8000-000000000000", "/users/nonsense"} {
		if p := sec.get(path); p.status != http.StatusNotFound || text(first(p.doc, "h1")) != "页面不存在" {
			t.Errorf("GET %s: %d", path, p.status)
		}
		if p := sec.post(path+"/unlock", nil); p.status != http.StatusNotFound {
			t.Errorf("POST %s/unlock: %d", path, p.status)
		}
	}
}

func TestUserUnlockAndResetTOTP(t *testing.T) {
	e := newEnv(t)
	sec := e.admin("cn.secadmin", changning, accounts.RoleSecadmin)
	target := e.user("cn.counsellor", "昌宁县心理咨询师", changning, false, accounts.RoleCounsellor)
	e.enrol(target)
	for range 5 {
		e.client().postRaw("/login", url.Values{"username": {"cn.counsellor"}, "password": {"Wrong#Pass99"}})
	}
	// Unlock: the target can log in again.
	p := sec.post("/users/"+target.ID+"/unlock", nil)
	if p.status != http.StatusSeeOther || p.location() != "/users/"+target.ID+"?n=unlocked" {
		t.Fatalf("unlock: %d %q", p.status, p.location())
	}
	if p := e.client().login("cn.counsellor", password); p.status != http.StatusSeeOther {
		t.Errorf("login after unlock: %d %q", p.status, alert(p.doc))
	}
	// Reset the second factor.
	p = sec.post("/users/"+target.ID+"/reset-totp", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.status)
	}
	if p := sec.get("/users/" + target.ID); !strings.Contains(text(first(p.doc, "dl[class=info]")), "未绑定") {
		t.Errorf("after reset: %q", text(first(p.doc, "dl[class=info]")))
	}
	delete(e.secrets, "cn.counsellor")
	if p := e.client().login("cn.counsellor", password); p.status != http.StatusSeeOther || p.location() != "/" {
		t.Errorf("login after reset: %d %q", p.status, p.location())
	}
}

func TestNonAdminsGetNotFound(t *testing.T) {
	e := newEnv(t)
	someone := e.user("cn.officer", "昌宁县儿童督导员", changning, false, accounts.RoleOfficer)
	leader := e.client()
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	leader.mustLogin("cn.leader")
	sys := e.admin("cn.sysadmin", changning, accounts.RoleSysadmin)
	for _, path := range []string{"/users", "/users/new", "/users/" + someone.ID, "/audit"} {
		if p := leader.get(path); p.status != http.StatusNotFound || text(first(p.doc, "h1")) != "页面不存在" {
			t.Errorf("leader GET %s: %d", path, p.status)
		}
	}
	for _, path := range []string{"/users/new", "/users/" + someone.ID, "/users/" + someone.ID + "/unlock", "/users/" + someone.ID + "/reset-totp"} {
		if p := leader.post(path, url.Values{"name": {"x"}, "version": {"1"}}); p.status != http.StatusNotFound {
			t.Errorf("leader POST %s: %d", path, p.status)
		}
	}
	if p := sys.get("/audit"); p.status != http.StatusNotFound {
		t.Errorf("sysadmin GET /audit: %d", p.status)
	}
	if p := leader.get("/no/such/page"); p.status != http.StatusNotFound || len(navLabels(p.doc)) == 0 {
		t.Errorf("unknown page: %d, header %v", p.status, navLabels(p.doc))
	}
}
