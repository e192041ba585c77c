package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"guanai/internal/accounts"
)

func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	e.user("dtb.leader", "大田坝镇党委书记", datianba, false, accounts.RoleLeader, accounts.RoleCounsellor)
	c := e.client().mustLogin("dtb.leader")
	p := c.get("/account")
	if p.status != http.StatusOK {
		t.Fatalf("GET /account: %d", p.status)
	}
	info := text(first(p.doc, "dl[class=info]"))
	for _, want := range []string{"大田坝镇党委书记", "dtb.leader", "书记/负责领导、心理咨询师", "云南省 › 保山市 › 昌宁县 › 大田坝镇"} {
		if !strings.Contains(info, want) {
			t.Errorf("account info %q lacks %q", info, want)
		}
	}
	if missing := labelsTied(p.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	for _, f := range sel(p.doc, "form[method=post]") {
		if inputValue(f, "csrf_token") != c.csrf {
			a, _ := attr(f, "action")
			t.Errorf("form %s lacks the CSRF token", a)
		}
	}
}

func TestChangePasswordErrors(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")
	cases := []struct {
		name              string
		cur, next, again  string
		field, wantSubstr string
	}{
		{"wrong current", "Wrong#Pass99", "Fresh#Start2026", "Fresh#Start2026", "current_password", "当前密码不正确"},
		{"empty current", "", "Fresh#Start2026", "Fresh#Start2026", "current_password", "请输入当前密码"},
		{"repeat differs", password, "Fresh#Start2026", "Fresh#Start2027", "new_password2", "两次输入的新密码不一致"},
		{"too short", password, "Ab1!", "Ab1!", "new_password", "至少需要8个字符"},
		{"common", password, "Password1!", "Password1!", "new_password", "过于常见"},
		{"contains username", password, "Cn.leader#2026", "Cn.leader#2026", "new_password", "不能包含用户名"},
		{"same as before", password, password, password, "new_password", "不能与当前密码相同"},
	}
	for _, tc := range cases {
		p := c.post("/account/password", url.Values{"current_password": {tc.cur}, "new_password": {tc.next}, "new_password2": {tc.again}})
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tc.name, p.status)
			continue
		}
		if got := fieldError(p.doc, tc.field); !strings.Contains(got, tc.wantSubstr) {
			t.Errorf("%s: beside %s %q, want %q", tc.name, tc.field, got, tc.wantSubstr)
		}
		// The error is tied to its field.
		in := first(p.doc, "input[name="+tc.field+"]")
		if d, _ := attr(in, "aria-describedby"); !strings.Contains(d, tc.field+"-error") {
			t.Errorf("%s: field not described by its error: %q", tc.name, d)
		}
		// Nothing of the password fields is kept.
		for _, in := range sel(p.doc, "input[type=password]") {
			if v, has := attr(in, "value"); has {
				t.Errorf("%s: a password field comes back with %q", tc.name, v)
			}
		}
	}
	// A mismatch and a weak password are both told at once.
	p := c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"short"}, "new_password2": {"other"}})
	if fieldError(p.doc, "new_password") == "" || fieldError(p.doc, "new_password2") == "" {
		t.Errorf("weak and different: %q / %q", fieldError(p.doc, "new_password"), fieldError(p.doc, "new_password2"))
	}

	// Success: the old password no longer works, the new one does.
	p = c.post("/account/password", url.Values{"current_password": {password}, "new_password": {"Fresh#Start2026"}, "new_password2": {"Fresh#Start2026"}})
	if p.status != http.StatusSeeOther || p.location() != "/account?n=password" {
		t.Fatalf("change password: %d %q", p.status, p.location())
	}
	if p := c.get("/account?n=password"); p.status != http.StatusOK || !strings.Contains(text(first(p.doc, "p[class=notice]")), "密码已修改") {
		t.Errorf("after the change: %d", p.status)
	}
	if p := e.client().login("cn.leader", password); p.status != http.StatusUnauthorized {
		t.Errorf("old password still works: %d", p.status)
	}
	if p := e.client().login("cn.leader", "Fresh#Start2026"); p.status != http.StatusSeeOther {
		t.Errorf("new password refused: %d", p.status)
	}
}

func TestCSRFRefused(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")
	change := url.Values{"current_password": {password}, "new_password": {"Fresh#Start2026"}, "new_password2": {"Fresh#Start2026"}}

	for name, form := range map[string]url.Values{"missing": change, "wrong": withToken(change, "not-the-token")} {
		p := c.postRaw("/account/password", form)
		if p.status != http.StatusForbidden {
			t.Errorf("%s token: %d", name, p.status)
		}
		if h := text(first(p.doc, "h1")); h != "安全令牌无效" {
			t.Errorf("%s token: page %q", name, h)
		}
	}
	if p := c.postRaw("/account/tokens", url.Values{"name": {"偷偷创建"}}); p.status != http.StatusForbidden {
		t.Errorf("token without CSRF: %d", p.status)
	}
	if p := c.postRaw("/logout", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d", p.status)
	}
	// Nothing changed: the old password works, no token, still logged in.
	if p := e.client().login("cn.leader", password); p.status != http.StatusSeeOther {
		t.Errorf("password changed by a refused request: %d", p.status)
	}
	u := mustUser(t, e, "cn.leader")
	if ts, _ := e.a.Accounts.Tokens(ctx, accounts.ViewerFor(u, "")); len(ts) != 0 {
		t.Errorf("token created by a refused request: %v", ts)
	}
	if p := c.get("/"); p.status != http.StatusOK {
		t.Errorf("session ended by a refused logout: %d", p.status)
	}
	// The header works as well as the field (htmx).
	p := c.postRaw("/account/tokens", url.Values{"name": {"小程序"}}, "X-CSRF-Token", c.csrf)
	if p.status != http.StatusOK {
		t.Errorf("token with the CSRF header: %d", p.status)
	}
}

func withToken(v url.Values, token string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("csrf_token", token)
	return out
}

func mustUser(t *testing.T, e *env, username string) accounts.User {
	t.Helper()
	p, err := e.a.Accounts.List(ctx, accounts.ViewerFor(accounts.User{Roles: []string{accounts.RoleSysadmin}, Active: true}, ""), accounts.Filter{Query: username})
	if err != nil || len(p.Users) != 1 {
		t.Fatalf("user %s: %v %v", username, p.Users, err)
	}
	return p.Users[0]
}

func TestEnrolTOTPOnAccountPage(t *testing.T) {
	e := newEnv(t)
	e.user("yn.secadmin", "省级安全管理员", yunnan, false, accounts.RoleSecadmin)
	c := e.client()
	if p := c.login("yn.secadmin", password); p.location() != "/account?n=restricted" {
		t.Fatalf("secadmin without a second factor: %d %q", p.status, p.location())
	}
	acc := c.get("/account")
	if !strings.Contains(alert(acc.doc), "绑定动态验证码") {
		t.Errorf("restricted secadmin not told to enrol: %q", alert(acc.doc))
	}
	p := c.post("/account/totp", nil)
	if p.status != http.StatusOK {
		t.Fatalf("begin: %d", p.status)
	}
	img := first(p.doc, "img[class=qr]")
	src, _ := attr(img, "src")
	if !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src %.40q", src)
	}
	if alt, _ := attr(img, "alt"); alt == "" {
		t.Error("QR code without alt text")
	}
	secret := byID(p.doc, "totp-secret")
	if len(secret) < 16 {
		t.Fatalf("secret %q", secret)
	}
	// A wrong code: error beside the field, the same QR code again.
	bad := c.post("/account/totp/confirm", url.Values{"totp": {"000000"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(fieldError(bad.doc, "totp"), "不正确") {
		t.Errorf("wrong code: %d %q", bad.status, fieldError(bad.doc, "totp"))
	}
	if byID(bad.doc, "totp-secret") != secret {
		t.Error("wrong code: the enrolment is not shown again")
	}
	code, _ := totp.GenerateCode(secret, e.clock.Now())
	ok := c.post("/account/totp/confirm", url.Values{"totp": {code}})
	if ok.status != http.StatusSeeOther || ok.location() != "/account?n=totp" {
		t.Fatalf("confirm: %d %q %q", ok.status, ok.location(), fieldError(ok.doc, "totp"))
	}
	if p := c.get("/users"); p.status != http.StatusOK {
		t.Errorf("secadmin after enrolling: %d", p.status)
	}
	// The next login asks for the code.
	e.secrets["yn.secadmin"] = secret
	if p := e.client().login("yn.secadmin", password); p.status != http.StatusSeeOther || p.location() != "/" {
		t.Errorf("login with the new factor: %d %q", p.status, p.location())
	}
}

func TestAccessTokens(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")

	bad := c.post("/account/tokens", url.Values{"name": {"  "}})
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "token-name") == "" {
		t.Errorf("empty name: %d %q", bad.status, fieldError(bad.doc, "token-name"))
	}
	long := strings.Repeat("长", 41)
	bad = c.post("/account/tokens", url.Values{"name": {long}})
	if bad.status != http.StatusUnprocessableEntity || inputValue(bad.doc, "name") != long {
		t.Errorf("long name: %d, kept %q", bad.status, inputValue(bad.doc, "name"))
	}

	p := c.post("/account/tokens", url.Values{"name": {"教育局对接"}})
	secret := byID(p.doc, "new-token-secret")
	if p.status != http.StatusOK || !strings.HasPrefix(secret, "gat_") {
		t.Fatalf("create: %d %q", p.status, secret)
	}
	// Shown once: not on the next view.
	acc := c.get("/account")
	if strings.Contains(acc.body, secret) {
		t.Error("the secret is shown again")
	}
	rows := sel(first(acc.doc, "tbody"), "tr")
	if len(rows) != 1 || !strings.Contains(text(rows[0]), "教育局对接") || !strings.Contains(text(rows[0]), "有效") {
		t.Fatalf("token list: %d rows %q", len(rows), text(first(acc.doc, "tbody")))
	}
	// The token opens pages without a cookie.
	req, _ := http.NewRequest("GET", e.srv.URL+"/account", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if p := e.client().do(req); p.status != http.StatusOK {
		t.Errorf("page with the token: %d", p.status)
	}

	form := first(rows[0], "form")
	action, _ := attr(form, "action")
	if p := c.post(action, nil); p.status != http.StatusSeeOther || p.location() != "/account?n=token_revoked" {
		t.Fatalf("revoke: %d %q", p.status, p.location())
	}
	acc = c.get("/account")
	if row := first(acc.doc, "tbody"); !strings.Contains(text(row), "已撤销") || first(row, "form") != nil {
		t.Errorf("after revoking: %q", text(row))
	}
	if p := c.post(action, nil); p.status != http.StatusNotFound {
		t.Errorf("revoke twice: %d", p.status)
	}
	if p := c.post("/account/tokens/not-a-token/revoke", nil); p.status != http.StatusNotFound {
		t.Errorf("revoke unknown: %d", p.status)
	}
}
