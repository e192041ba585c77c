package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/accounts"
)

func TestAuditorSeesTheLog(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	aud := e.admin("yn.auditor", yunnan, accounts.RoleAuditor)
	// Some history: a failed login, a login, a token.
	e.client().postRaw("/login", url.Values{"username": {"cn.leader"}, "password": {"Wrong#Pass99"}})
	leader := e.client().mustLogin("cn.leader")
	leader.post("/account/tokens", url.Values{"name": {"对接"}})

	p := aud.get("/audit")
	if p.status != http.StatusOK {
		t.Fatalf("GET /audit: %d", p.status)
	}
	if got := navLabels(p.doc); !slices.Equal(got, []string{"概览", "审计日志", "我的账号"}) {
		t.Errorf("auditor's links: %v", got)
	}
	if missing := labelsTied(p.doc); len(missing) > 0 {
		t.Errorf("inputs without a label: %v", missing)
	}
	rows := sel(first(p.doc, "tbody"), "tr")
	if len(rows) == 0 {
		t.Fatal("no entries")
	}
	// Newest first: the token the leader created.
	cells := sel(rows[0], "td")
	if len(cells) != 8 {
		t.Fatalf("%d cells", len(cells))
	}
	seq := func(r int) int {
		var n int
		fmt.Sscan(text(sel(rows[r], "td")[0]), &n)
		return n
	}
	for i := 1; i < len(rows); i++ {
		if seq(i) >= seq(i-1) {
			t.Errorf("not newest first: %d after %d", seq(i), seq(i-1))
		}
	}
	if text(cells[2]) != "cn.leader" || text(cells[3]) != "127.0.0.1" || text(cells[4]) != "创建访问令牌" || !strings.HasPrefix(text(cells[5]), "访问令牌") || text(cells[7]) != "对接" {
		t.Errorf("newest entry: %q", text(rows[0]))
	}
	// China time: the clock started at 01:00 UTC, 09:00 in China.
	if at := text(cells[1]); !regexp.MustCompile(`^2026-03-02 09:0\d:\d\d$`).MatchString(at) {
		t.Errorf("time %q", at)
	}
	// The failed login is there, in Chinese, with its note.
	found := false
	for _, r := range rows {
		c := sel(r, "td")
		if text(c[4]) == "登录失败" && text(c[2]) == "cn.leader" && text(c[7]) == "密码错误" {
			found = true
		}
	}
	if !found {
		t.Errorf("no failed login among %d rows", len(rows))
	}

	// Filters, kept in the form.
	f := aud.get("/audit?username=cn.leader&action=login")
	frows := sel(first(f.doc, "tbody"), "tr")
	if len(frows) != 1 || text(sel(frows[0], "td")[4]) != "登录" {
		t.Errorf("filtered: %d rows", len(frows))
	}
	if inputValue(f.doc, "username") != "cn.leader" || selected(f.doc, "action") != "login" {
		t.Errorf("filter not kept: %q %q", inputValue(f.doc, "username"), selected(f.doc, "action"))
	}
	if !strings.Contains(text(first(f.doc, "nav[class=pager]")), "共 1 条") {
		t.Errorf("pager %q", text(first(f.doc, "nav[class=pager]")))
	}
	// Dates: China calendar days, both ends included.
	if n := len(sel(first(aud.get("/audit?from=2026-03-02&to=2026-03-02").doc, "tbody"), "tr")); n != len(rows) {
		t.Errorf("today: %d rows, want %d", n, len(rows))
	}
	if body := aud.get("/audit?from=2026-03-03").doc; first(body, "tbody") != nil {
		t.Error("tomorrow has entries")
	}
	bad := aud.get("/audit?from=yesterday&to=2026-01-01")
	if bad.status != http.StatusUnprocessableEntity || fieldError(bad.doc, "from") == "" || inputValue(bad.doc, "from") != "yesterday" {
		t.Errorf("bad date: %d %q", bad.status, fieldError(bad.doc, "from"))
	}
	if p := aud.get("/audit?from=2026-03-05&to=2026-03-01"); fieldError(p.doc, "to") == "" {
		t.Error("reversed dates accepted")
	}
}

func TestAuditChangesAndPaging(t *testing.T) {
	e := newEnv(t)
	aud := e.admin("yn.auditor", yunnan, accounts.RoleAuditor)
	for i := range 55 {
		e.client().postRaw("/login", url.Values{"username": {fmt.Sprintf("ghost%02d", i)}, "password": {"x"}})
		if i%15 == 14 {
			e.clock.Advance(time.Minute) // past the rate limit
		}
	}
	p := aud.get("/audit?action=login_failed")
	if n := len(sel(first(p.doc, "tbody"), "tr")); n != 50 || !strings.Contains(text(first(p.doc, "nav[class=pager]")), "共 55 条") {
		t.Errorf("page 1: %d rows, %q", n, text(first(p.doc, "nav[class=pager]")))
	}
	next, _ := attr(first(p.doc, "a[rel=next]"), "href")
	if next != "/audit?action=login_failed&page=2" {
		t.Errorf("next %q", next)
	}
	p2 := aud.get(next)
	rows := sel(first(p2.doc, "tbody"), "tr")
	if len(rows) != 5 || text(sel(rows[4], "td")[2]) != "ghost00" {
		t.Errorf("page 2: %d rows", len(rows))
	}
	// Changes show field: old → new. Creating a user records its fields.
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := aud.get("/audit?action=create&record_type=user")
	changes := text(first(c.doc, "ul[class=changes]"))
	if !strings.Contains(changes, "name：（空） → 昌宁县委书记") || !strings.Contains(changes, "region_code：（空） → 530524000000") {
		t.Errorf("changes %q", changes)
	}
	if selected(c.doc, "record_type") != "user" {
		t.Errorf("record type not kept")
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	anon := e.client()
	c := e.client().mustLogin("cn.leader")
	pages := map[string]page{
		"login":     anon.get("/login"),
		"home":      c.get("/"),
		"account":   c.get("/account"),
		"not found": c.get("/nope"),
		"redirect":  anon.get("/account"),
		"csrf":      c.postRaw("/account/password", url.Values{}),
		"login 401": anon.postRaw("/login", url.Values{"username": {"x"}, "password": {"y"}}),
	}
	for name, p := range pages {
		h := p.header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", name, h)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", name, h.Get("Cache-Control"))
		}
		if p.status != http.StatusSeeOther && !strings.HasPrefix(h.Get("Content-Type"), "text/html; charset=utf-8") {
			t.Errorf("%s: Content-Type %q", name, h.Get("Content-Type"))
		}
	}
	// The stylesheet: cacheable, and the only thing that is.
	href, _ := attr(first(pages["home"].doc, "link[rel=stylesheet]"), "href")
	css := anon.get(href)
	if css.status != http.StatusOK || !strings.Contains(css.header.Get("Cache-Control"), "max-age") || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet %s: %d %q %q", href, css.status, css.header.Get("Cache-Control"), css.header.Get("Content-Type"))
	}
	if css.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("stylesheet without nosniff")
	}
	if p := anon.get("/static/other.css"); p.status != http.StatusNotFound {
		t.Errorf("unknown asset: %d", p.status)
	}
	// No page pulls anything from elsewhere.
	for name, p := range pages {
		for _, n := range sel(p.doc, "*[src]") {
			if v, _ := attr(n, "src"); strings.Contains(v, "//") {
				t.Errorf("%s: external src %q", name, v)
			}
		}
		if strings.Contains(p.body, "http://") || strings.Contains(p.body, "https://") {
			t.Errorf("%s: an absolute address in the page", name)
		}
	}
}

func TestHomeIsScoped(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")
	p := c.get("/")
	if p.status != http.StatusOK || !strings.Contains(text(first(p.doc, "main")), "云南省 › 保山市 › 昌宁县") {
		t.Errorf("home: %d %q", p.status, text(first(p.doc, "main")))
	}
	if n := len(sel(p.doc, "dl[class=stats]")); n != 1 {
		t.Errorf("stats: %d", n)
	}
}

func TestServerErrorShowsReference(t *testing.T) {
	e := newEnv(t)
	e.user("cn.leader", "昌宁县委书记", changning, false, accounts.RoleLeader)
	c := e.client().mustLogin("cn.leader")
	e.a.DB.Close()
	p := c.get("/")
	if p.status != http.StatusInternalServerError {
		t.Fatalf("status %d", p.status)
	}
	ref := byID(p.doc, "error-ref")
	if len(ref) < 8 {
		t.Fatalf("reference %q", ref)
	}
	if strings.Contains(p.body, "closed") || strings.Contains(p.body, "sql") {
		t.Errorf("the page shows the error: %s", p.body)
	}
	if log := e.log.String(); !strings.Contains(log, ref) || !strings.Contains(log, "closed") {
		t.Errorf("the log lacks the reference or the cause: %s", log)
	}
	if p.header.Get("Cache-Control") != "no-store" || p.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers on the error page: %v", p.header)
	}
}
