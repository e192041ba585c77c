package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guanai/internal/accounts"
	"guanai/internal/api"
	"guanai/internal/apptest"
	"guanai/internal/authn"
)

// testClock is a clock the test moves while the server reads it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// authStart is when servers made by newAuthEnv start: 09:00 in China.
var authStart = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// goodPassword meets the password policy for every username used here.
const goodPassword = "Kx7#mq2Lw9"

// wuhua is 五华区, 昆明市: outside 昌宁县.
const wuhua = "530102000000"

// newAuthEnv returns a server over a fresh database that identifies
// callers as production does — session cookie and CSRF token, or Bearer
// token (authn.Authenticator) — on a clock the test moves. With trustProxy
// the client address comes from X-Forwarded-For.
func newAuthEnv(t *testing.T, trustProxy bool) *env {
	t.Helper()
	clock := &testClock{t: authStart}
	a := apptest.NewAt(t, clock.Now)
	a.Config.TrustProxy = trustProxy
	srv := httptest.NewServer(api.New(a, (&authn.Authenticator{Accounts: a.Accounts, TrustProxy: trustProxy}).Identify, nil))
	t.Cleanup(srv.Close)
	return &env{t: t, app: a, srv: srv, clock: clock}
}

// caller is someone calling a server made by newAuthEnv: with a session
// cookie and its CSRF token, with a Bearer token, or (nil) with nothing.
type caller struct {
	cookie string // the session cookie's value
	csrf   string // sent as X-CSRF-Token when set
	bearer string
	ip     string // sent as X-Forwarded-For when set
}

func (c *caller) header() http.Header {
	h := http.Header{}
	if c == nil {
		return h
	}
	if c.cookie != "" {
		h.Set("Cookie", authn.CookieName+"="+c.cookie)
	}
	if c.csrf != "" {
		h.Set(authn.CSRFHeader, c.csrf)
	}
	if c.bearer != "" {
		h.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.ip != "" {
		h.Set("X-Forwarded-For", c.ip)
	}
	return h
}

// withoutCSRF returns c without its CSRF token.
func (c *caller) withoutCSRF() *caller {
	d := *c
	d.csrf = ""
	return &d
}

// call sends a request as c.
func (e *env) call(c *caller, method, path string, body any) resp {
	e.t.Helper()
	return e.send(method, path, body, c.header())
}

// expectAs is call that fails the test unless the status is want.
func (e *env) expectAs(want int, c *caller, method, path string, body any) resp {
	e.t.Helper()
	r := e.call(c, method, path, body)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	return r
}

// meJSON is the body of GET /api/v1/me and of a login.
type meJSON struct {
	ID                 string   `json:"id"`
	Username           string   `json:"username"`
	RegionCode         string   `json:"region_code"`
	Roles              []string `json:"roles"`
	RoleLabels         []string `json:"role_labels"`
	MustChangePassword bool     `json:"must_change_password"`
	TOTPEnabled        bool     `json:"totp_enabled"`
	Restricted         bool     `json:"restricted"`
	TOTPRequired       bool     `json:"totp_required"`
	CSRFToken          string   `json:"csrf_token"`
}

// login logs in through the API and returns the caller holding the
// session cookie and CSRF token.
func (e *env) login(username, password, code string) *caller {
	e.t.Helper()
	r := e.expectAs(200, nil, "POST", "/api/v1/session", map[string]any{"username": username, "password": password, "totp": code})
	var me meJSON
	r.Decode(e.t, &me)
	if me.CSRFToken == "" {
		e.t.Fatalf("login without a CSRF token: %s", r.Body)
	}
	return &caller{cookie: sessionCookie(e.t, r).Value, csrf: me.CSRFToken}
}

func sessionCookie(t testing.TB, r resp) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == authn.CookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie set: %v", authn.CookieName, r.Header)
	return nil
}

// newUser creates an active user with goodPassword in the database.
func (e *env) newUser(username, region string, mustChange bool, roles ...string) accounts.User {
	e.t.Helper()
	u, err := e.app.Accounts.CreateWithPassword(context.Background(), accounts.Input{Username: username, Name: "用户" + username,
		RegionCode: region, Roles: roles, Active: true, Password: goodPassword}, mustChange)
	if err != nil {
		e.t.Fatalf("create %s: %v", username, err)
	}
	return u
}

// totpCode returns the code of secret at t.
func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otherCode returns a six-digit code that is not c.
func otherCode(c string) string {
	b := []byte(c)
	b[5] = '0' + (b[5]-'0'+1)%10
	return string(b)
}

// enrol binds a second factor for c through the API and returns its secret.
func (e *env) enrol(c *caller) string {
	e.t.Helper()
	var en struct{ Secret string }
	e.expectAs(200, c, "POST", "/api/v1/me/totp", nil).Decode(e.t, &en)
	e.expectAs(204, c, "POST", "/api/v1/me/totp/confirm", map[string]any{"code": totpCode(e.t, en.Secret, e.clock.Now())})
	return en.Secret
}

// admin creates an administrator, logs them in and enrols their second
// factor: a caller with full access.
func (e *env) admin(username, region, role string) *caller {
	e.t.Helper()
	e.newUser(username, region, false, role)
	c := e.login(username, goodPassword, "")
	e.enrol(c)
	return c
}

// bodiless are the POST routes that take no request body.
var bodiless = map[string]bool{
	"POST /api/v1/me/totp":               true,
	"POST /api/v1/users/{id}/unlock":     true,
	"POST /api/v1/users/{id}/reset-totp": true,
}

// routeRequest returns a path and a well-formed body for a route, with
// ids that name nothing.
func routeRequest(rt api.Route) (string, any) {
	path := strings.NewReplacer("{id}", unknownID, "{code}", wencang, "{kind}", "children").Replace(rt.Path)
	if (rt.Method == "POST" || rt.Method == "PUT") && !bodiless[rt.Method+" "+rt.Path] {
		return path, writeBody(rt.Path)
	}
	return path, nil
}

// driveAccountRoutes is the part of TestResponsesMatchSchema for logging
// in, the caller's own account, users and the audit log: e is the server
// with the stand-in identify func; a second server with the real
// authenticator shares its checker.
func driveAccountRoutes(t *testing.T, e *env) {
	// Users, managed by administrators as the stores expect them.
	const SA, SEC, AUD = asSysadmin, asSecadmin, asAuditor
	uin := map[string]any{"username": "li.wei", "name": "李伟", "phone": "13800000003", "region_code": "530524107", "org_kind": "government",
		"org_name": "大田坝镇人民政府", "school_id": "", "class_id": "", "roles": []string{"officer"}, "active": true, "password": goodPassword}
	r := e.expect(201, SA, "POST", "/api/v1/users", uin)
	uid := id(t, r)
	if m := r.JSON(t); m["must_change_password"] != true || m["region_code"] != "530524107000" || m["username"] != "li.wei" {
		t.Errorf("created user: %s", r.Body)
	}
	e.expect(409, SA, "POST", "/api/v1/users", uin)
	f := e.expect(422, SA, "POST", "/api/v1/users", with(uin, "username", "li.wei2", "password", "Password1!", "roles", []string{"auditor", "officer"})).Err(t).Error.Fields
	if !strings.Contains(f["password"], "常见") || !strings.Contains(f["roles"], "三权分立") {
		t.Errorf("fields: %v", f)
	}
	e.expect(400, SA, "POST", "/api/v1/users", with(uin, "email", "li.wei@example.com"))
	e.expect(403, asScoped, "POST", "/api/v1/users", with(uin, "username", "li.wei3"))
	e.expect(200, SA, "GET", "/api/v1/users", nil)
	r = e.expect(200, SA, "GET", "/api/v1/users?"+url.Values{"q": {"li"}, "role": {"officer"}, "region": {"5305"}, "limit": {"10"}, "offset": {"0"}}.Encode(), nil)
	if total(t, r) != 1 {
		t.Errorf("filtered users: %s", r.Body)
	}
	e.expect(422, SA, "GET", "/api/v1/users?role=pirate", nil)
	e.expect(200, SA, "GET", "/api/v1/users/"+uid, nil)
	e.expect(404, SA, "GET", "/api/v1/users/"+unknownID, nil)
	e.expect(404, asScoped, "GET", "/api/v1/users/"+uid, nil)
	upd := with(uin, "version", 1, "name", "李伟（大田坝镇）", "password", "")
	if r = e.expect(200, SA, "PUT", "/api/v1/users/"+uid, upd); version(t, r) != 2 {
		t.Errorf("user after update: %s", r.Body)
	}
	e.expect(409, SA, "PUT", "/api/v1/users/"+uid, upd)
	e.expect(422, SA, "PUT", "/api/v1/users/"+uid, with(upd, "version", 2, "roles", []string{"sysadmin", "officer"}))
	e.expect(400, SA, "PUT", "/api/v1/users/"+uid, raw(`{"version": "2"}`))
	e.expect(404, SA, "PUT", "/api/v1/users/"+unknownID, upd)
	e.expect(204, SEC, "POST", "/api/v1/users/"+uid+"/unlock", nil)
	e.expect(404, SEC, "POST", "/api/v1/users/"+unknownID+"/unlock", nil)
	e.expect(204, SEC, "POST", "/api/v1/users/"+uid+"/reset-totp", nil)
	e.expect(404, SEC, "POST", "/api/v1/users/"+unknownID+"/reset-totp", nil)

	// The audit log.
	e.expect(200, AUD, "GET", "/api/v1/audit", nil)
	r = e.expect(200, AUD, "GET", "/api/v1/audit?"+url.Values{"action": {"update"}, "record_type": {"user"}, "record_id": {uid},
		"user_id": {"u-sysadmin"}, "username": {"sysadmin.cn"}, "from": {"2020-01-01T00:00:00+08:00"},
		"to": {time.Now().Add(time.Hour).Format(time.RFC3339)}, "limit": {"5"}, "offset": {"0"}}.Encode(), nil)
	if total(t, r) != 1 {
		t.Errorf("audit of the update: %s", r.Body)
	}
	e.expect(422, AUD, "GET", "/api/v1/audit?from=yesterday", nil)
	e.expect(403, SA, "GET", "/api/v1/audit", nil)

	// Real users on a server with the real authenticator.
	a := newAuthEnv(t, false)
	a.check = e.check
	a.newUser("officer.cn", changning, false, accounts.RoleOfficer)
	a.expectAs(400, nil, "POST", "/api/v1/session", raw(`{"username": "officer.cn", "password": "x", "remember": true}`))
	a.expectAs(401, nil, "POST", "/api/v1/session", map[string]any{"username": "officer.cn", "password": "Wrong-pw-1"})
	c := a.login("officer.cn", goodPassword, "")
	a.expectAs(200, c, "GET", "/api/v1/me", nil)

	a.expectAs(422, c, "PUT", "/api/v1/me/password", map[string]any{"current_password": goodPassword, "new_password": "woaini1314"})
	a.expectAs(400, c, "PUT", "/api/v1/me/password", raw(`{"old_password": "x"}`))
	a.expectAs(204, c, "PUT", "/api/v1/me/password", map[string]any{"current_password": goodPassword, "new_password": "Nw8$changed-pw"})

	var en struct{ Secret string }
	a.expectAs(200, c, "POST", "/api/v1/me/totp", nil).Decode(t, &en)
	now := totpCode(t, en.Secret, a.clock.Now())
	a.expectAs(422, c, "POST", "/api/v1/me/totp/confirm", map[string]any{"code": otherCode(now)})
	a.expectAs(400, c, "POST", "/api/v1/me/totp/confirm", raw(`{"code": 123456}`))
	a.expectAs(204, c, "POST", "/api/v1/me/totp/confirm", map[string]any{"code": now})

	a.expectAs(200, c, "GET", "/api/v1/me/tokens", nil)
	r = a.expectAs(201, c, "POST", "/api/v1/me/tokens", map[string]any{"name": "数据导出"})
	var tk struct{ ID, Secret string }
	r.Decode(t, &tk)
	a.expectAs(422, c, "POST", "/api/v1/me/tokens", map[string]any{"name": ""})
	a.expectAs(400, c, "POST", "/api/v1/me/tokens", raw(`{"name": "脚本", "scope": "all"}`))
	tok := &caller{bearer: tk.Secret}
	a.expectAs(200, tok, "GET", "/api/v1/me", nil)
	a.expectAs(200, tok, "GET", "/api/v1/me/tokens", nil)
	a.expectAs(204, c, "DELETE", "/api/v1/me/tokens/"+tk.ID, nil)
	a.expectAs(404, c, "DELETE", "/api/v1/me/tokens/"+tk.ID, nil)
	a.expectAs(401, tok, "GET", "/api/v1/me", nil)

	if r = a.expectAs(200, c, "GET", "/api/v1/users", nil); total(t, r) != 1 {
		t.Errorf("an officer lists users other than themself: %s", r.Body)
	}
	a.expectAs(403, c, "POST", "/api/v1/users", with(uin, "username", "li.wei4", "region_code", "530524"))
	a.expectAs(403, c, "GET", "/api/v1/audit", nil)

	// 403 on every route that asks who is calling: a token whose user must
	// first enrol a second factor (made a system administrator after the
	// token was created; an administrator's password reset would revoke it).
	u := a.newUser("token.user", "", false, accounts.RoleLeader)
	admin := a.newUser("admin.all", "", false, accounts.RoleSysadmin)
	tc := a.login("token.user", goodPassword, "")
	a.expectAs(201, tc, "POST", "/api/v1/me/tokens", map[string]any{"name": "报表"}).Decode(t, &tk)
	if _, err := a.app.Accounts.Update(context.Background(), accounts.ViewerFor(admin, ""), u.ID, u.Version, accounts.Input{
		Name: u.Name, Roles: []string{accounts.RoleSysadmin}, Active: true}); err != nil {
		t.Fatal(err)
	}
	restrictedToken := &caller{bearer: tk.Secret}
	// A user who must change the initial password, logged in.
	a.newUser("new.user", changning, true, accounts.RoleOfficer)
	rc := a.login("new.user", goodPassword, "")
	var me meJSON
	if a.expectAs(200, rc, "GET", "/api/v1/me", nil).Decode(t, &me); !me.Restricted || !me.MustChangePassword {
		t.Errorf("must change password: %+v", me)
	}
	for _, rt := range api.Routes {
		if rt.Auth == api.Public {
			continue
		}
		path, body := routeRequest(rt)
		mustContain(t, rt.Method+" "+rt.Path+" with the token of a restricted user",
			a.expectAs(403, restrictedToken, rt.Method, path, body).Err(t).Error.Message, "请先登录网页修改初始密码或绑定动态验证码")
		if rt.Auth == api.Full {
			mustContain(t, rt.Method+" "+rt.Path+" by a restricted user",
				a.expectAs(403, rc, rt.Method, path, body).Err(t).Error.Message, "请先修改初始密码")
		}
		if rt.Method != "GET" {
			mustContain(t, rt.Method+" "+rt.Path+" without the CSRF token",
				a.expectAs(403, c.withoutCSRF(), rt.Method, path, body).Err(t).Error.Message, "CSRF")
		}
	}

	// Logging out.
	a.expectAs(204, c, "DELETE", "/api/v1/session", nil)
	a.expectAs(401, c, "GET", "/api/v1/me", nil)
}

// china formats t as the lockout message does.
func china(t time.Time) string {
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
}

func TestSessionAPI(t *testing.T) {
	e := newAuthEnv(t, false)
	e.check = newChecker(t)
	e.newUser("officer.cn", changning, false, accounts.RoleOfficer)
	creds := func(username, password string) map[string]any {
		return map[string]any{"username": username, "password": password}
	}

	t.Run("wrong password and unknown user", func(t *testing.T) {
		e := e.on(t)
		wrong := e.expectAs(401, nil, "POST", "/api/v1/session", creds("officer.cn", "Wrong-pw-1"))
		unknown := e.expectAs(401, nil, "POST", "/api/v1/session", creds("nobody.cn", "Wrong-pw-1"))
		if string(wrong.Body) != string(unknown.Body) {
			t.Errorf("wrong password %s, unknown user %s: want the same answer", wrong.Body, unknown.Body)
		}
		if m := wrong.Err(t).Error.Message; m != accounts.MsgBadCredentials {
			t.Errorf("message %q", m)
		}
		if c := wrong.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("a failed login sets a cookie: %s", c)
		}
	})

	t.Run("login, CSRF, logout", func(t *testing.T) {
		e := e.on(t)
		r := e.expectAs(200, nil, "POST", "/api/v1/session", creds("officer.cn", goodPassword))
		ck := sessionCookie(t, r)
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge != 0 || len(ck.Value) < 40 {
			t.Errorf("session cookie: %+v", ck)
		}
		var me meJSON
		r.Decode(t, &me)
		if me.Username != "officer.cn" || strings.Join(me.Roles, ",") != "officer" || strings.Join(me.RoleLabels, ",") != "儿童主任/督导员" ||
			me.Restricted || me.TOTPRequired || me.CSRFToken == "" || me.RegionCode != changning {
			t.Errorf("login: %s", r.Body)
		}
		c := &caller{cookie: ck.Value, csrf: me.CSRFToken}
		var me2 meJSON
		e.expectAs(200, c, "GET", "/api/v1/me", nil).Decode(t, &me2)
		if me2.ID != me.ID || me2.CSRFToken != me.CSRFToken {
			t.Errorf("GET /me: %+v, want the login's user and CSRF token", me2)
		}
		// Reading needs no CSRF token.
		e.expectAs(200, c.withoutCSRF(), "GET", "/api/v1/children", nil)
		// Writing does: none, a wrong one, another session's.
		other := e.login("officer.cn", goodPassword, "")
		for _, bad := range []string{"", "x", other.csrf} {
			r := e.expectAs(403, &caller{cookie: c.cookie, csrf: bad}, "POST", "/api/v1/me/tokens", map[string]any{"name": "脚本"})
			if er := r.Err(t).Error; er.Code != "forbidden" || !strings.Contains(er.Message, "CSRF") {
				t.Errorf("CSRF token %q: %s", bad, r.Body)
			}
		}
		if r := e.expectAs(200, c, "GET", "/api/v1/me/tokens", nil); strings.Contains(string(r.Body), "脚本") {
			t.Errorf("a refused request created a token: %s", r.Body)
		}
		e.expectAs(201, c, "POST", "/api/v1/me/tokens", map[string]any{"name": "脚本"})
		// Logging out is a write too.
		e.expectAs(403, c.withoutCSRF(), "DELETE", "/api/v1/session", nil)
		e.expectAs(200, c, "GET", "/api/v1/me", nil)
		r = e.expectAs(204, c, "DELETE", "/api/v1/session", nil)
		if ck := sessionCookie(t, r); ck.Value != "" || ck.MaxAge >= 0 {
			t.Errorf("logout should clear the cookie: %+v", ck)
		}
		r = e.expectAs(401, c, "GET", "/api/v1/me", nil)
		mustContain(t, "after logout", r.Err(t).Error.Message, "请先登录")
		e.expectAs(401, c, "DELETE", "/api/v1/session", nil)
		// The other session is still there.
		e.expectAs(200, other, "GET", "/api/v1/me", nil)
		// No cookie, or a made-up one.
		e.expectAs(401, nil, "GET", "/api/v1/me", nil)
		e.expectAs(401, &caller{cookie: "made-up"}, "GET", "/api/v1/me", nil)
	})

	t.Run("must change the initial password", func(t *testing.T) {
		e := e.on(t)
		e.newUser("new.officer", changning, true, accounts.RoleOfficer)
		c := e.login("new.officer", goodPassword, "")
		other := e.login("new.officer", goodPassword, "")
		var me meJSON
		if e.expectAs(200, c, "GET", "/api/v1/me", nil).Decode(t, &me); !me.Restricted || !me.MustChangePassword {
			t.Errorf("restricted: %+v", me)
		}
		r := e.expectAs(403, c, "GET", "/api/v1/children", nil)
		mustContain(t, "restricted", r.Err(t).Error.Message, "请先修改初始密码")
		e.expectAs(403, c, "POST", "/api/v1/me/tokens", map[string]any{"name": "脚本"})
		r = e.expectAs(422, c, "PUT", "/api/v1/me/password", map[string]any{"current_password": "Wrong-pw-1", "new_password": "Nw8$changed-pw"})
		if f := r.Err(t).Error.Fields; f["current_password"] != "当前密码不正确" {
			t.Errorf("fields %v", f)
		}
		r = e.expectAs(422, c, "PUT", "/api/v1/me/password", map[string]any{"current_password": goodPassword, "new_password": "new.officer-2026"})
		if f := r.Err(t).Error.Fields; f["new_password"] != "密码不能包含用户名" {
			t.Errorf("fields %v", f)
		}
		e.expectAs(204, c, "PUT", "/api/v1/me/password", map[string]any{"current_password": goodPassword, "new_password": "Nw8$changed-pw"})
		if e.expectAs(200, c, "GET", "/api/v1/me", nil).Decode(t, &me); me.Restricted || me.MustChangePassword {
			t.Errorf("after changing the password: %+v", me)
		}
		e.expectAs(200, c, "GET", "/api/v1/children", nil)
		// The other session ended.
		e.expectAs(401, other, "GET", "/api/v1/me", nil)
		e.expectAs(401, nil, "POST", "/api/v1/session", creds("new.officer", goodPassword))
		e.login("new.officer", "Nw8$changed-pw", "")
	})

	t.Run("administrators enrol a second factor", func(t *testing.T) {
		e := e.on(t)
		e.newUser("auditor.all", "", false, accounts.RoleAuditor)
		c := e.login("auditor.all", goodPassword, "")
		var me meJSON
		if e.expectAs(200, c, "GET", "/api/v1/me", nil).Decode(t, &me); !me.Restricted || !me.TOTPRequired || me.TOTPEnabled {
			t.Errorf("auditor without a second factor: %+v", me)
		}
		e.expectAs(403, c, "GET", "/api/v1/audit", nil)
		var en struct {
			Secret string `json:"secret"`
			URL    string `json:"otpauth_url"`
		}
		e.expectAs(200, c, "POST", "/api/v1/me/totp", nil).Decode(t, &en)
		if !strings.HasPrefix(en.URL, "otpauth://totp/guanai:auditor.all?") {
			t.Errorf("otpauth URL %q", en.URL)
		}
		now := totpCode(t, en.Secret, e.clock.Now())
		r := e.expectAs(422, c, "POST", "/api/v1/me/totp/confirm", map[string]any{"code": otherCode(now)})
		mustContain(t, "wrong code", r.Err(t).Error.Fields["totp"], "动态验证码不正确")
		e.expectAs(204, c, "POST", "/api/v1/me/totp/confirm", map[string]any{"code": now})
		if e.expectAs(200, c, "GET", "/api/v1/me", nil).Decode(t, &me); me.Restricted || !me.TOTPEnabled {
			t.Errorf("auditor after enrolling: %+v", me)
		}
		e.expectAs(200, c, "GET", "/api/v1/audit", nil)

		e.clock.Advance(30 * time.Second)
		r = e.expectAs(401, nil, "POST", "/api/v1/session", creds("auditor.all", goodPassword))
		if er := r.Err(t).Error; er.Message != accounts.MsgTOTPNeeded || er.Fields["totp"] == "" {
			t.Errorf("without a code: %s", r.Body)
		}
		code := totpCode(t, en.Secret, e.clock.Now())
		r = e.expectAs(401, nil, "POST", "/api/v1/session", map[string]any{"username": "auditor.all", "password": goodPassword, "totp": otherCode(code)})
		mustContain(t, "wrong code", r.Err(t).Error.Message, accounts.MsgTOTPWrong)
		e.login("auditor.all", goodPassword, code)
		r = e.expectAs(401, nil, "POST", "/api/v1/session", map[string]any{"username": "auditor.all", "password": goodPassword, "totp": code})
		mustContain(t, "the same code again", r.Err(t).Error.Message, accounts.MsgTOTPWrong)
	})

	t.Run("lockout", func(t *testing.T) {
		e := e.on(t)
		e.newUser("lock.user", changning, false, accounts.RoleLeader)
		for range 4 {
			e.expectAs(401, nil, "POST", "/api/v1/session", creds("lock.user", "Wrong-pw-1"))
		}
		until := china(e.clock.Now().Add(15 * time.Minute))
		r := e.expectAs(401, nil, "POST", "/api/v1/session", creds("lock.user", "Wrong-pw-1"))
		mustContain(t, "fifth failure", r.Err(t).Error.Message, "账号因连续登录失败已被锁定，将于 "+until+" 自动解锁")
		r = e.expectAs(401, nil, "POST", "/api/v1/session", creds("lock.user", goodPassword))
		mustContain(t, "right password while locked", r.Err(t).Error.Message, until)
		e.clock.Advance(15 * time.Minute)
		e.login("lock.user", goodPassword, "")
	})

	t.Run("guessing the current password locks", func(t *testing.T) {
		e := e.on(t)
		e.newUser("guess.user", changning, false, accounts.RoleLeader)
		c := e.login("guess.user", goodPassword, "")
		other := e.login("guess.user", goodPassword, "")
		guess := func(i int) resp {
			return e.call(c, "PUT", "/api/v1/me/password", map[string]any{"current_password": fmt.Sprintf("Guess-%d-pw", i), "new_password": "Nw8$changed-pw"})
		}
		for i := range 4 {
			if r := guess(i); r.Status != 422 {
				t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		until := china(e.clock.Now().Add(15 * time.Minute))
		r := guess(5)
		if r.Status != 401 || !strings.Contains(r.Err(t).Error.Message, "将于 "+until+" 自动解锁") {
			t.Fatalf("fifth guess: %d %s", r.Status, r.Body)
		}
		e.expectAs(401, c, "GET", "/api/v1/me", nil)
		e.expectAs(401, other, "GET", "/api/v1/me", nil)
		e.expectAs(401, nil, "POST", "/api/v1/session", creds("guess.user", goodPassword))
	})

	t.Run("idle and absolute expiry", func(t *testing.T) {
		e := e.on(t)
		c := e.login("officer.cn", goodPassword, "")
		e.clock.Advance(30*time.Minute + time.Second)
		r := e.expectAs(401, c, "GET", "/api/v1/me", nil)
		mustContain(t, "idle", r.Err(t).Error.Message, "登录已过期")
		c = e.login("officer.cn", goodPassword, "")
		for range 36 {
			e.clock.Advance(20 * time.Minute)
			e.expectAs(200, c, "GET", "/api/v1/children", nil)
		}
		e.clock.Advance(20 * time.Minute)
		r = e.expectAs(401, c, "GET", "/api/v1/children", nil)
		mustContain(t, "after 12 h 20 min", r.Err(t).Error.Message, "登录已过期")
	})
}

func TestAccessTokenAPI(t *testing.T) {
	e := newAuthEnv(t, false)
	e.check = newChecker(t)
	e.newUser("officer.cn", changning, false, accounts.RoleOfficer)
	national := e.newUser("officer.all", "", false, accounts.RoleOfficer)
	all := e.login("officer.all", goodPassword, "")
	near := id(t, e.expectAs(201, all, "POST", "/api/v1/children", childInput(wencang, 1, "张小明")))
	far := id(t, e.expectAs(201, all, "POST", "/api/v1/children", childInput(otherCountyVillage(t, e.app), 2, "王远方")))

	c := e.login("officer.cn", goodPassword, "")
	var tk struct {
		ID, Name, Secret string
		LastUsedAt       string `json:"last_used_at"`
	}
	e.expectAs(201, c, "POST", "/api/v1/me/tokens", map[string]any{"name": "统计脚本"}).Decode(t, &tk)
	if !strings.HasPrefix(tk.Secret, "gat_") || tk.Name != "统计脚本" || tk.LastUsedAt != "" {
		t.Errorf("new token: %+v", tk)
	}
	tok := &caller{bearer: tk.Secret}

	// The token acts with the user's scope and rights.
	byCookie := e.expectAs(200, c, "GET", "/api/v1/children", nil)
	byToken := e.expectAs(200, tok, "GET", "/api/v1/children", nil)
	if string(byCookie.Body) != string(byToken.Body) || total(t, byToken) != 1 {
		t.Errorf("children by cookie %s, by token %s: want the same, one child", byCookie.Body, byToken.Body)
	}
	e.expectAs(200, tok, "GET", "/api/v1/children/"+near, nil)
	e.expectAs(404, tok, "GET", "/api/v1/children/"+far, nil)
	e.expectAs(404, c, "GET", "/api/v1/children/"+far, nil)
	// A token needs no CSRF token.
	e.expectAs(201, tok, "POST", "/api/v1/children", childInput(wencang, 3, "李小红"))
	var me meJSON
	if e.expectAs(200, tok, "GET", "/api/v1/me", nil).Decode(t, &me); me.Username != "officer.cn" || me.CSRFToken != "" {
		t.Errorf("GET /me by token: %+v", me)
	}
	var list struct {
		Items []map[string]any
	}
	e.expectAs(200, tok, "GET", "/api/v1/me/tokens", nil).Decode(t, &list)
	if len(list.Items) != 1 || list.Items[0]["secret"] != nil || list.Items[0]["last_used_at"] != "2026-03-02T01:00:00Z" {
		t.Errorf("token list: %+v", list.Items)
	}
	// Logging out with a token ends no session.
	e.expectAs(204, tok, "DELETE", "/api/v1/session", nil)
	e.expectAs(200, c, "GET", "/api/v1/me", nil)

	// Not a Bearer token.
	r := e.send("GET", "/api/v1/me", nil, http.Header{"Authorization": {"Basic b2ZmaWNlcjpwdw=="}})
	if r.Status != 401 || !strings.Contains(r.Err(t).Error.Message, "Bearer") {
		t.Errorf("Basic authorization: %d %s", r.Status, r.Body)
	}
	e.expectAs(401, &caller{bearer: "gat_made-up"}, "GET", "/api/v1/me", nil)

	// Only its owner revokes it; then it is refused.
	e.expectAs(404, all, "DELETE", "/api/v1/me/tokens/"+tk.ID, nil)
	e.expectAs(200, tok, "GET", "/api/v1/me", nil)
	e.expectAs(204, tok, "DELETE", "/api/v1/me/tokens/"+tk.ID, nil)
	r = e.expectAs(401, tok, "GET", "/api/v1/children", nil)
	mustContain(t, "revoked token", r.Err(t).Error.Message, "访问令牌无效或已撤销")
	e.expectAs(404, c, "DELETE", "/api/v1/me/tokens/"+tk.ID, nil)

	// A disabled user's token is refused.
	e.expectAs(201, all, "POST", "/api/v1/me/tokens", map[string]any{"name": "报表"}).Decode(t, &tk)
	e.expectAs(200, &caller{bearer: tk.Secret}, "GET", "/api/v1/children", nil)
	admin := e.newUser("admin.all", "", false, accounts.RoleSysadmin)
	if _, err := e.app.Accounts.Update(context.Background(), accounts.ViewerFor(admin, ""), national.ID, national.Version, accounts.Input{
		Name: national.Name, Roles: national.Roles, Active: false}); err != nil {
		t.Fatal(err)
	}
	e.expectAs(401, &caller{bearer: tk.Secret}, "GET", "/api/v1/children", nil)
	e.expectAs(401, all, "GET", "/api/v1/me", nil)
}

func TestUserAdminAPI(t *testing.T) {
	e := newAuthEnv(t, false)
	e.check = newChecker(t)
	SA := e.admin("admin.all", "", accounts.RoleSysadmin)
	CA := e.admin("admin.cn", changning, accounts.RoleSysadmin)
	SEC := e.admin("sec.cn", changning, accounts.RoleSecadmin)
	AUD := e.admin("auditor.all", "", accounts.RoleAuditor)
	officer := e.newUser("officer.cn", wencang, false, accounts.RoleOfficer)
	far := e.newUser("officer.wh", wuhua, false, accounts.RoleOfficer)
	OFF := e.login("officer.cn", goodPassword, "")

	usernames := func(r resp) []string {
		var p struct{ Items []struct{ Username string } }
		r.Decode(t, &p)
		var out []string
		for _, u := range p.Items {
			out = append(out, u.Username)
		}
		return out
	}

	t.Run("a system administrator creates users", func(t *testing.T) {
		e := e.on(t)
		in := map[string]any{"username": "leader.all", "name": "全国领导", "region_code": "", "roles": []string{"leader"}, "active": true, "password": "Nw8$initial-pw"}
		r := e.expectAs(201, SA, "POST", "/api/v1/users", in)
		var u struct {
			Roles              []string
			MustChangePassword bool `json:"must_change_password"`
			TOTPEnabled        bool `json:"totp_enabled"`
			Active             bool
		}
		r.Decode(t, &u)
		if strings.Join(u.Roles, ",") != "leader" || !u.MustChangePassword || u.TOTPEnabled || !u.Active {
			t.Errorf("created: %s", r.Body)
		}
		r = e.expectAs(409, SA, "POST", "/api/v1/users", in)
		if f := r.Err(t).Error.Fields; f["username"] != "用户名已被使用" {
			t.Errorf("duplicate: %s", r.Body)
		}
		for _, c := range []struct {
			name, field, msg string
			kv               []any
		}{
			{"weak password", "password", "密码过于常见", []any{"password", "Password1!"}},
			{"short password", "password", "密码至少需要8个字符", []any{"password", "Ab1!"}},
			{"two classes", "password", "至少3类", []any{"password", "woaini1314"}},
			{"sysadmin and auditor", "roles", "三权分立", []any{"roles", []string{"sysadmin", "auditor"}}},
			{"secadmin and counsellor", "roles", "三权分立", []any{"roles", []string{"secadmin", "counsellor"}}},
			{"no role", "roles", "至少选择一个角色", []any{"roles", []string{}}},
			{"principal without a school", "school_id", "校长和教师必须指定学校", []any{"roles", []string{"principal"}}},
			{"teacher without a class", "class_id", "教师必须指定班级", []any{"roles", []string{"teacher"}}},
			{"bad username", "username", "用户名应为3–32位", []any{"username", "李"}},
			{"bad phone", "phone", "手机号格式不正确", []any{"phone", "110"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.on(t).expectAs(422, SA, "POST", "/api/v1/users", with(in, append([]any{"username", "user.x"}, c.kv...)...))
				er := r.Err(t).Error
				if er.Code != "invalid" || !strings.Contains(er.Fields[c.field], c.msg) {
					t.Errorf("want %s: %q: %s", c.field, c.msg, r.Body)
				}
			})
		}
		// The new user must change the password first.
		var me meJSON
		if e.expectAs(200, e.login("leader.all", "Nw8$initial-pw", ""), "GET", "/api/v1/me", nil).Decode(t, &me); !me.Restricted {
			t.Errorf("new user: %+v", me)
		}
	})

	t.Run("only system administrators create users", func(t *testing.T) {
		e := e.on(t)
		in := map[string]any{"username": "x.user", "name": "某人", "region_code": wencang, "roles": []string{"leader"}, "active": true, "password": "Nw8$initial-pw"}
		for _, c := range []*caller{OFF, SEC, AUD} {
			r := e.expectAs(403, c, "POST", "/api/v1/users", in)
			mustContain(t, "create", r.Err(t).Error.Message, "只有系统管理员可以创建用户")
		}
		e.expectAs(403, OFF, "PUT", "/api/v1/users/"+officer.ID, map[string]any{"version": 1, "name": "李四", "region_code": wencang, "roles": []string{"officer", "leader"}, "active": true})
	})

	t.Run("users are scoped by the administrator's region", func(t *testing.T) {
		e := e.on(t)
		want := "admin.cn,sec.cn,officer.cn"
		for _, c := range []*caller{CA, SEC} {
			if got := strings.Join(usernames(e.expectAs(200, c, "GET", "/api/v1/users", nil)), ","); got != want {
				t.Errorf("county administrators list %s, want %s", got, want)
			}
		}
		e.expectAs(200, CA, "GET", "/api/v1/users/"+officer.ID, nil)
		e.expectAs(404, CA, "GET", "/api/v1/users/"+far.ID, nil)
		e.expectAs(404, SEC, "GET", "/api/v1/users/"+far.ID, nil)
		if r := e.expectAs(200, CA, "GET", "/api/v1/users?region=530102", nil); total(t, r) != 0 {
			t.Errorf("county admin lists another county: %s", r.Body)
		}
		// Everyone else sees only themself.
		if got := usernames(e.expectAs(200, OFF, "GET", "/api/v1/users", nil)); strings.Join(got, ",") != "officer.cn" {
			t.Errorf("an officer lists %v", got)
		}
		e.expectAs(404, OFF, "GET", "/api/v1/users/"+far.ID, nil)
		got := strings.Join(usernames(e.expectAs(200, SA, "GET", "/api/v1/users", nil)), ",")
		mustContain(t, "national admin's list", got, "officer.wh,admin.cn,sec.cn,officer.cn")
	})

	t.Run("the audit log is for auditors", func(t *testing.T) {
		e := e.on(t)
		var p struct {
			Items []struct{ Action, Username string }
			Total int
		}
		e.expectAs(200, AUD, "GET", "/api/v1/audit?action=login&username=officer.cn", nil).Decode(t, &p)
		if p.Total != 1 || len(p.Items) != 1 || p.Items[0].Action != "login" || p.Items[0].Username != "officer.cn" {
			t.Errorf("logins of officer.cn: %+v", p)
		}
		for _, c := range []*caller{SA, CA, SEC, OFF} {
			r := e.expectAs(403, c, "GET", "/api/v1/audit", nil)
			mustContain(t, "audit", r.Err(t).Error.Message, "只有审计员可以查看审计日志")
		}
	})

	t.Run("a county administrator manages the county's users", func(t *testing.T) {
		e := e.on(t)
		in := map[string]any{"username": "wang.wu", "name": "王五", "region_code": "530524107", "roles": []string{"officer"}, "active": true, "password": "Nw8$initial-pw"}
		r := e.expectAs(201, CA, "POST", "/api/v1/users", in)
		uid := id(t, r)
		e.expectAs(200, CA, "PUT", "/api/v1/users/"+uid, with(in, "version", 1, "region_code", wencang, "password", ""))
		e.expectAs(422, CA, "POST", "/api/v1/users", with(in, "username", "wang.wh", "region_code", "530102"))
		e.expectAs(404, CA, "PUT", "/api/v1/users/"+far.ID, with(in, "version", 1))
	})

	t.Run("a security administrator unlocks", func(t *testing.T) {
		e := e.on(t)
		r := e.expectAs(403, OFF, "POST", "/api/v1/users/"+officer.ID+"/unlock", nil)
		mustContain(t, "officer unlocks themself", r.Err(t).Error.Message, "只有安全管理员或系统管理员可以解锁账号")
		r = e.expectAs(403, OFF, "POST", "/api/v1/users/"+officer.ID+"/reset-totp", nil)
		mustContain(t, "officer resets their own TOTP", r.Err(t).Error.Message, "只有安全管理员或系统管理员可以重置动态验证码")
		for range 5 {
			e.expectAs(401, nil, "POST", "/api/v1/session", map[string]any{"username": "officer.cn", "password": "Wrong-pw-1"})
		}
		r = e.expectAs(401, nil, "POST", "/api/v1/session", map[string]any{"username": "officer.cn", "password": goodPassword})
		mustContain(t, "locked", r.Err(t).Error.Message, "已被锁定")
		// The lockout ended the officer's session.
		e.expectAs(401, OFF, "GET", "/api/v1/me", nil)
		e.expectAs(404, SEC, "POST", "/api/v1/users/"+far.ID+"/unlock", nil)
		e.expectAs(404, AUD, "POST", "/api/v1/users/"+officer.ID+"/unlock", nil) // an auditor sees no other account
		e.expectAs(204, SEC, "POST", "/api/v1/users/"+officer.ID+"/unlock", nil)
		e.login("officer.cn", goodPassword, "")
		e.expectAs(204, CA, "POST", "/api/v1/users/"+officer.ID+"/reset-totp", nil)
		e.expectAs(404, CA, "POST", "/api/v1/users/"+far.ID+"/reset-totp", nil)
		var p struct {
			Items []struct{ Action, Note string }
		}
		e.expectAs(200, AUD, "GET", "/api/v1/audit?record_type=user&record_id="+officer.ID, nil).Decode(t, &p)
		var actions []string
		for _, it := range p.Items {
			actions = append(actions, it.Action)
		}
		got := strings.Join(actions, ",")
		mustContain(t, "audit of the officer's account, newest first", got, "totp_change,login,unlock,login_failed,lockout,login_failed")
	})

	t.Run("a national administrator manages national users", func(t *testing.T) {
		e := e.on(t)
		var p struct {
			Items []struct{ ID, Username string }
		}
		e.expectAs(200, SA, "GET", "/api/v1/users?q=auditor.all", nil).Decode(t, &p)
		if len(p.Items) != 1 {
			t.Fatalf("national users in the national admin's list: %+v", p)
		}
		e.expectAs(200, SA, "GET", "/api/v1/users/"+p.Items[0].ID, nil)
		e.expectAs(204, SA, "POST", "/api/v1/users/"+p.Items[0].ID+"/reset-totp", nil)
	})
}

// TestLoginRateLimitAPI: login attempts are limited per client address,
// taken from X-Forwarded-For only behind a trusted proxy.
func TestLoginRateLimitAPI(t *testing.T) {
	login := func(e *env, ip string) resp {
		return e.call(&caller{ip: ip}, "POST", "/api/v1/session", map[string]any{"username": "officer.cn", "password": goodPassword})
	}
	t.Run("behind a proxy", func(t *testing.T) {
		e := newAuthEnv(t, true)
		e.newUser("officer.cn", changning, false, accounts.RoleOfficer)
		for i := range 20 {
			if r := login(e, "203.0.113.1"); r.Status != 200 {
				t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		r := e.expectAs(401, &caller{ip: "203.0.113.1"}, "POST", "/api/v1/session", map[string]any{"username": "officer.cn", "password": goodPassword})
		if m := r.Err(t).Error.Message; m != accounts.MsgRateLimited {
			t.Errorf("21st attempt: %q", m)
		}
		if r := login(e, "203.0.113.2"); r.Status != 200 {
			t.Errorf("another address: %d %s", r.Status, r.Body)
		}
		e.clock.Advance(time.Minute)
		if r := login(e, "203.0.113.1"); r.Status != 200 {
			t.Errorf("a minute later: %d %s", r.Status, r.Body)
		}
	})
	t.Run("X-Forwarded-For is not trusted by default", func(t *testing.T) {
		e := newAuthEnv(t, false)
		e.newUser("officer.cn", changning, false, accounts.RoleOfficer)
		for i := range 20 {
			if r := login(e, fmt.Sprintf("203.0.113.%d", i+1)); r.Status != 200 {
				t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		if r := login(e, "198.51.100.1"); r.Status != 401 || r.Err(t).Error.Message != accounts.MsgRateLimited {
			t.Errorf("21st attempt from 127.0.0.1 under another X-Forwarded-For: %d %s", r.Status, r.Body)
		}
	})
}

// TestAccountBodies: malformed bodies on the account routes are 400s
// that name the field, and change nothing.
func TestAccountBodies(t *testing.T) {
	e := newAuthEnv(t, false)
	e.check = newChecker(t)
	e.newUser("officer.cn", changning, false, accounts.RoleOfficer)
	c := e.login("officer.cn", goodPassword, "")
	for _, rt := range []struct{ method, path, field string }{
		{"POST", "/api/v1/session", "username"},
		{"PUT", "/api/v1/me/password", "new_password"},
		{"POST", "/api/v1/me/totp/confirm", "code"},
		{"POST", "/api/v1/me/tokens", "name"},
	} {
		for _, b := range []struct{ name, body, field string }{
			{"empty", "", ""},
			{"truncated", `{"name": "张`, ""},
			{"two objects", `{} {}`, ""},
			{"array", `[]`, ""},
			{"unknown field", `{"nickname": "明明"}`, "nickname"},
			{"wrong type", `{"` + rt.field + `": ["x"]}`, rt.field},
			{"NUL", `{"` + rt.field + `": "a\u0000b"}`, ""},
		} {
			t.Run(rt.method+rt.path+"/"+b.name, func(t *testing.T) {
				r := e.on(t).expectAs(400, c, rt.method, rt.path, raw(b.body))
				er := r.Err(t).Error
				if b.field != "" {
					if _, ok := er.Fields[b.field]; !ok {
						t.Errorf("fields should name %s: %s", b.field, r.Body)
					}
				}
			})
		}
	}
	if r := e.expectAs(200, c, "GET", "/api/v1/me/tokens", nil); strings.Contains(string(r.Body), `"id"`) {
		t.Errorf("a bad request made a token: %s", r.Body)
	}
	e.login("officer.cn", goodPassword, "")
}
