package api_test

import (
	"context"
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
	path := strings.NewReplacer("{id}", unknownID, "{code}", wencang).Replace(rt.Path)
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
	// first change the password set by an administrator.
	u := a.newUser("token.user", "", false, accounts.RoleLeader)
	admin := a.newUser("admin.all", "", false, accounts.RoleSysadmin)
	tc := a.login("token.user", goodPassword, "")
	a.expectAs(201, tc, "POST", "/api/v1/me/tokens", map[string]any{"name": "报表"}).Decode(t, &tk)
	if _, err := a.app.Accounts.Update(context.Background(), accounts.ViewerFor(admin, ""), u.ID, u.Version, accounts.Input{
		Name: u.Name, Roles: u.Roles, Active: true, Password: "Nw8$reset-pw"}); err != nil {
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
