package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/accounts"
)

func TestLoginSuccessAndFailure(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client()

	form := c.get("/login")
	if form.status != http.StatusOK {
		t.Fatalf("GET /login: %d", form.status)
	}
	if missing := labelsTied(form.doc); len(missing) > 0 {
		t.Errorf("login inputs without a label: %v", missing)
	}

	// An unknown user and a wrong password get the same answer.
	unknown := c.postRaw("/login", url.Values{"username": {"nobody"}, "password": {password}})
	wrong := c.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {"Wrong#Pass99"}})
	for _, p := range []page{unknown, wrong} {
		if p.status != http.StatusUnauthorized || alert(p.doc) != accounts.MsgBadCredentials {
			t.Errorf("refused login: %d %q, want 401 %q", p.status, alert(p.doc), accounts.MsgBadCredentials)
		}
		if v := first(p.doc, "input[name=password]"); v == nil {
			t.Error("refused login: no password field")
		} else if _, has := attr(v, "value"); has {
			t.Error("refused login: the password is sent back")
		}
	}
	if inputValue(wrong.doc, "username") != "cn.leader" {
		t.Errorf("username not kept: %q", inputValue(wrong.doc, "username"))
	}
	if strings.ReplaceAll(unknown.body, "nobody", "U") != strings.ReplaceAll(wrong.body, "cn.leader", "U") {
		t.Errorf("the pages for an unknown user and a wrong password differ beyond the username")
	}

	ok := c.login("cn.leader", password)
	if ok.status != http.StatusSeeOther || ok.location() != "/" {
		t.Fatalf("login: %d → %q", ok.status, ok.location())
	}
	var session *http.Cookie
	for _, ck := range c.http.Jar.Cookies(mustURL(e.srv.URL)) {
		if ck.Name == "guanai_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	home := c.get("/")
	if home.status != http.StatusOK {
		t.Fatalf("GET / after login: %d", home.status)
	}
	if got := text(first(home.doc, "span[class=who]")); got != "昌宁县委书记" {
		t.Errorf("header name %q", got)
	}
	if got := navLabels(home.doc); !slices.Equal(got, []string{"概览", "数据看板", "儿童", "留守老人", "学校", "缺口", "结对", "需求", "志愿服务", "随访", "人口数据", "我的账号"}) {
		t.Errorf("leader's links: %v", got)
	}
	if first(home.doc, "form[action=/logout]") == nil || inputValue(first(home.doc, "form[action=/logout]"), "csrf_token") != c.csrf {
		t.Error("no logout form with the CSRF token in the header")
	}
	// Logged in, /login goes home.
	if p := c.get("/login"); p.status != http.StatusSeeOther || p.location() != "/" {
		t.Errorf("GET /login when logged in: %d %q", p.status, p.location())
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestLoginRequiredAndNext(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client()
	for _, path := range []string{"/", "/account", "/users", "/audit", "/users/new"} {
		p := c.get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
			t.Errorf("GET %s logged out: %d %q", path, p.status, p.location())
		}
	}
	p := c.get("/account")
	if p.location() != "/login?next=%2Faccount" {
		t.Errorf("next: %q", p.location())
	}
	if f := c.get(p.location()); inputValue(f.doc, "next") != "/account" {
		t.Errorf("login form does not carry next: %q", inputValue(f.doc, "next"))
	}
	// POST without a session: to the login page, nothing done.
	if p := c.postRaw("/logout", url.Values{}); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Errorf("POST /logout logged out: %d %q", p.status, p.location())
	}
	ok := c.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {password}, "next": {"/account"}})
	if ok.status != http.StatusSeeOther || ok.location() != "/account" {
		t.Errorf("login with next: %d %q", ok.status, ok.location())
	}
	// Another site's address is not followed.
	c2 := e.client()
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		ok := c2.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {password}, "next": {next}})
		if ok.status != http.StatusSeeOther || ok.location() != "/" {
			t.Errorf("login with next %q: %d %q", next, ok.status, ok.location())
		}
	}
	// Logins posted from another site are refused.
	c3 := e.client()
	if p := c3.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {password}}, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
		t.Errorf("cross-site login: %d", p.status)
	}
	if p := c3.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("cross-site login made a session: %d", p.status)
	}
}

func TestLockoutMessage(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client()
	var last page
	for range 5 {
		last = c.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {"Wrong#Pass99"}})
	}
	// Locked for 15 minutes from 09:00 China time.
	want := "账号因连续登录失败已被锁定，将于 2026-03-02 09:15 自动解锁"
	if last.status != http.StatusUnauthorized || alert(last.doc) != want {
		t.Fatalf("5th failure: %d %q, want %q", last.status, alert(last.doc), want)
	}
	// The right password does not help while locked.
	p := c.postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {password}})
	if p.status != http.StatusUnauthorized || alert(p.doc) != want {
		t.Errorf("locked, right password: %d %q", p.status, alert(p.doc))
	}
	e.clock.Advance(16 * time.Minute)
	if p := c.login("cn.leader", password); p.status != http.StatusSeeOther {
		t.Errorf("after the lockout: %d %q", p.status, alert(p.doc))
	}
}

func TestRateLimitMessage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	var p page
	for range 21 {
		p = c.postRaw("/login", url.Values{"username": {"nobody"}, "password": {"x"}})
	}
	if p.status != http.StatusTooManyRequests || alert(p.doc) != accounts.MsgRateLimited {
		t.Errorf("21st attempt in a minute: %d %q", p.status, alert(p.doc))
	}
}

func TestLoginWithTOTP(t *testing.T) {
	e := newEnv(t)
	u := e.user("yn.sysadmin", "省级系统管理员", yunnan, false, accounts.RoleSysadmin)
	e.enrol(u)
	c := e.client()

	step := c.postRaw("/login", url.Values{"username": {"yn.sysadmin"}, "password": {password}})
	if step.status != http.StatusOK || first(step.doc, "input[name=totp]") == nil {
		t.Fatalf("first step: %d\n%s", step.status, step.body)
	}
	if first(step.doc, "input[name=password]") != nil || strings.Contains(step.body, password) {
		t.Error("the second step sends the password back")
	}
	if inputValue(step.doc, "username") != "yn.sysadmin" || !strings.Contains(text(first(step.doc, "main")), "yn.sysadmin") {
		t.Error("the second step does not keep the username")
	}
	if p := c.get("/"); p.status != http.StatusSeeOther {
		t.Fatalf("logged in after the password alone: %d", p.status)
	}
	pending := inputValue(step.doc, "pending")

	// A wrong code: the error beside the field, the step stays.
	wrong := c.postRaw("/login", url.Values{"pending": {pending}, "username": {"yn.sysadmin"}, "totp": {"000000"}})
	if wrong.status != http.StatusUnauthorized || fieldError(wrong.doc, "totp") != accounts.MsgTOTPWrong {
		t.Errorf("wrong code: %d %q", wrong.status, fieldError(wrong.doc, "totp"))
	}
	if inputValue(wrong.doc, "pending") != pending {
		t.Error("wrong code: the pending login is lost")
	}
	// An empty code is asked for again, without an attempt.
	empty := c.postRaw("/login", url.Values{"pending": {pending}, "username": {"yn.sysadmin"}, "totp": {""}})
	if empty.status != http.StatusUnprocessableEntity || fieldError(empty.doc, "totp") != accounts.MsgTOTPNeeded {
		t.Errorf("empty code: %d %q", empty.status, fieldError(empty.doc, "totp"))
	}
	// A made-up pending token starts over.
	bogus := c.postRaw("/login", url.Values{"pending": {"made-up"}, "username": {"yn.sysadmin"}, "totp": {"123456"}})
	if bogus.status != http.StatusUnauthorized || first(bogus.doc, "input[name=password]") == nil {
		t.Errorf("unknown pending login: %d", bogus.status)
	}

	ok := c.postRaw("/login", url.Values{"pending": {pending}, "username": {"yn.sysadmin"}, "totp": {e.code("yn.sysadmin")}})
	if ok.status != http.StatusSeeOther || ok.location() != "/" {
		t.Fatalf("right code: %d %q %q", ok.status, ok.location(), fieldError(ok.doc, "totp"))
	}
	if p := c.get("/users"); p.status != http.StatusOK {
		t.Errorf("GET /users after login: %d", p.status)
	}
	// The pending login was used up.
	again := c.postRaw("/login", url.Values{"pending": {pending}, "username": {"yn.sysadmin"}, "totp": {e.code("yn.sysadmin")}})
	if again.status != http.StatusUnauthorized {
		t.Errorf("pending login reused: %d", again.status)
	}
	// Pending logins expire.
	c2 := e.client()
	step = c2.postRaw("/login", url.Values{"username": {"yn.sysadmin"}, "password": {password}})
	e.clock.Advance(6 * time.Minute)
	late := c2.postRaw("/login", url.Values{"pending": {inputValue(step.doc, "pending")}, "username": {"yn.sysadmin"}, "totp": {e.code("yn.sysadmin")}})
	if late.status != http.StatusUnauthorized || !strings.Contains(alert(late.doc), "超时") {
		t.Errorf("expired pending login: %d %q", late.status, alert(late.doc))
	}
}

func TestRestrictedUserOnlyReachesAccount(t *testing.T) {
	e := newEnv(t)
	e.user("new.leader", "新任书记", changning, true, accounts.RoleLeader)
	c := e.client()
	p := c.login("new.leader", password)
	if p.status != http.StatusSeeOther || p.location() != "/account?n=restricted" {
		t.Fatalf("restricted login: %d %q", p.status, p.location())
	}
	for _, path := range []string{"/", "/users", "/audit", "/users/new"} {
		p := c.get(path)
		if p.status != http.StatusSeeOther || p.location() != "/account?n=restricted" {
			t.Errorf("restricted GET %s: %d %q", path, p.status, p.location())
		}
	}
	if p := c.post("/account/tokens", url.Values{"name": {"x"}}); p.status != http.StatusSeeOther || p.location() != "/account?n=restricted" {
		t.Errorf("restricted token: %d %q", p.status, p.location())
	}
	acc := c.get("/account?n=restricted")
	if acc.status != http.StatusOK {
		t.Fatalf("GET /account: %d", acc.status)
	}
	if !strings.Contains(text(first(acc.doc, "p[class=notice]")), "请先完成") || !strings.Contains(alert(acc.doc), "修改初始密码") {
		t.Errorf("no notice of what to do: %q / %q", text(first(acc.doc, "p[class=notice]")), alert(acc.doc))
	}
	if got := navLabels(acc.doc); !slices.Equal(got, []string{"我的账号"}) {
		t.Errorf("restricted links: %v", got)
	}
	if first(acc.doc, "form[action=/account/tokens#tokens]") != nil {
		t.Error("restricted account page offers tokens")
	}
	// Changing the password lifts the restriction.
	p = c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"Fresh#Start2026"}, "new_password2": {"Fresh#Start2026"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("change password: %d %v", p.status, alert(p.doc))
	}
	if p := c.get("/"); p.status != http.StatusOK {
		t.Errorf("GET / after changing the password: %d", p.status)
	}
	// Logging out is allowed while restricted, too.
	e.user("new.leader2", "新任书记二", changning, true, accounts.RoleLeader)
	c2 := e.client()
	c2.login("new.leader2", password)
	if p := c2.post("/logout", nil); p.status != http.StatusSeeOther || p.location() != "/login?n=loggedout" {
		t.Errorf("restricted logout: %d %q", p.status, p.location())
	}
}

func TestLogoutEndsSession(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")
	old := c.http.Jar.Cookies(mustURL(e.srv.URL))

	p := c.post("/logout", nil)
	if p.status != http.StatusSeeOther || p.location() != "/login?n=loggedout" {
		t.Fatalf("logout: %d %q", p.status, p.location())
	}
	if !strings.Contains(p.header.Get("Set-Cookie"), "guanai_session=;") {
		t.Errorf("logout does not clear the cookie: %q", p.header.Get("Set-Cookie"))
	}
	if l := c.get("/login?n=loggedout"); text(first(l.doc, "p[class=notice]")) != "您已退出登录。" {
		t.Errorf("logout notice: %q", text(first(l.doc, "p[class=notice]")))
	}
	// The old cookie, replayed, no longer works.
	c2 := e.client()
	c2.http.Jar.SetCookies(mustURL(e.srv.URL), old)
	p = c2.get("/")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Errorf("old session after logout: %d %q", p.status, p.location())
	}
	if !strings.Contains(p.location(), "n=expired") {
		t.Errorf("a stale cookie is not told: %q", p.location())
	}
}
