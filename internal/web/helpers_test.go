package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"

	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/authn"
	"guanai/internal/testdb"
	"guanai/internal/web"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

var ctx = context.Background()

// Region codes used by the tests.
const (
	yunnan    = "530000000000"
	changning = "530524000000" // 昌宁县
	datianba  = "530524107000" // 大田坝镇, 昌宁县
	kunming   = "530102000000" // 五华区, 昆明市: outside 昌宁县
)

// password is every test user's password.
const password = "Care@Yunnan26"

// clock is a settable clock safe to read from the server's goroutines.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is the web handler over a fresh database, served over HTTP, with a
// fixed clock (2026-03-02 09:00 China time) the test moves.
type env struct {
	t       *testing.T
	a       *app.App
	srv     *httptest.Server
	clock   *clock
	log     *syncBuffer
	secrets map[string]string // username → TOTP secret
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{}
	c.Set(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	a := apptest.NewAt(t, c.Now)
	logs := &syncBuffer{}
	h := web.New(a, &authn.Authenticator{Accounts: a.Accounts}, slog.New(slog.NewTextHandler(logs, nil)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, a: a, srv: srv, clock: c, log: logs, secrets: map[string]string{}}
}

// user creates an account with password; mustChange forces a new password
// at first login.
func (e *env) user(username, name, region string, mustChange bool, roles ...string) accounts.User {
	e.t.Helper()
	u, err := e.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: name, RegionCode: region,
		Roles: roles, Active: true, Password: password}, mustChange)
	if err != nil {
		e.t.Fatalf("create %s: %v", username, err)
	}
	return u
}

// enrol gives u a second factor, as the account page would.
func (e *env) enrol(u accounts.User) {
	e.t.Helper()
	v := accounts.ViewerFor(u, "127.0.0.1")
	en, err := e.a.Accounts.BeginTOTP(ctx, v)
	if err != nil {
		e.t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.a.Accounts.ConfirmTOTP(ctx, v, code); err != nil {
		e.t.Fatal(err)
	}
	e.secrets[u.Username] = en.Secret
}

// code returns a fresh TOTP code for username: the clock moves on one
// step first, since a code is accepted only once.
func (e *env) code(username string) string {
	e.t.Helper()
	e.clock.Advance(31 * time.Second)
	c, err := totp.GenerateCode(e.secrets[username], e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// client is a browser: a cookie jar, no automatic redirects, and the CSRF
// token of its session once logged in.
type client struct {
	e    *env
	http *http.Client
	csrf string
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its parsed HTML.
type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

// location returns the redirect target.
func (p page) location() string { return p.header.Get("Location") }

func (c *client) do(req *http.Request) page {
	c.e.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		c.e.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b), doc: doc}
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.srv.URL+path, nil)
	return c.do(req)
}

// postRaw posts form as it is (no CSRF token added).
func (c *client) postRaw(path string, form url.Values, header ...string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// post posts form with the session's CSRF token, as the page's form would.
func (c *client) post(path string, form url.Values) page {
	c.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf)
	return c.postRaw(path, form)
}

// login logs in through the form (with a TOTP code when the user has a
// second factor) and reads the CSRF token from the page it lands on. It
// returns the login response.
func (c *client) login(username, pw string) page {
	c.e.t.Helper()
	p := c.postRaw("/login", url.Values{"username": {username}, "password": {pw}})
	if p.status == http.StatusOK && c.e.secrets[username] != "" {
		pending := inputValue(p.doc, "pending")
		if pending == "" {
			c.e.t.Fatalf("login %s: second step without a pending login:\n%s", username, p.body)
		}
		p = c.postRaw("/login", url.Values{"pending": {pending}, "username": {username}, "totp": {c.e.code(username)}})
	}
	if p.status == http.StatusSeeOther {
		c.csrf = inputValue(c.get("/account").doc, "csrf_token")
	}
	return p
}

// mustLogin logs in and fails the test unless it worked.
func (c *client) mustLogin(username string) *client {
	c.e.t.Helper()
	p := c.login(username, password)
	if p.status != http.StatusSeeOther || c.csrf == "" {
		c.e.t.Fatalf("login %s: %d %s\n%s", username, p.status, p.location(), p.body)
	}
	return c
}

// --- HTML helpers

// findAll returns the elements under n for which match is true, in
// document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// hasAttr reports whether n has the attribute name.
func hasAttr(n *html.Node, name string) bool {
	_, ok := attr(n, name)
	return ok
}

// sel returns the elements under n matching a small CSS selector:
// compound selectors made of a tag (or *), #id, .class and attribute
// tests ([a], [a=v], [a^=v], [a*=v], [a~=v]), joined by spaces (descendant)
// or " > " (child), e.g. `#children-list li.card a`, `input[name=q]`,
// `nav[aria-label=主导航] > ul`. Values are not quoted.
func sel(n *html.Node, selector string) []*html.Node {
	steps := parseSelector(selector)
	if len(steps) == 0 {
		return nil
	}
	return findAll(n, func(e *html.Node) bool { return matchSteps(e, n, steps, len(steps)-1) })
}

type attrTest struct{ key, op, val string }

type compound struct {
	tag   string
	id    string
	class []string
	attrs []attrTest
	// child: this step must be the parent of the next (">").
	child bool
}

func parseSelector(s string) []compound {
	var out []compound
	fields := strings.Fields(s)
	child := false
	for _, f := range fields {
		if f == ">" {
			child = true
			continue
		}
		c := compound{}
		if child && len(out) > 0 {
			out[len(out)-1].child = true
		}
		child = false
		for f != "" {
			switch f[0] {
			case '#', '.':
				kind := f[0]
				f = f[1:]
				i := strings.IndexAny(f, "#.[")
				if i < 0 {
					i = len(f)
				}
				if kind == '#' {
					c.id = f[:i]
				} else {
					c.class = append(c.class, f[:i])
				}
				f = f[i:]
			case '[':
				j := strings.Index(f, "]")
				body := f[1:j]
				f = f[j+1:]
				t := attrTest{key: body}
				for _, op := range []string{"^=", "*=", "~=", "="} {
					if k, v, ok := strings.Cut(body, op); ok {
						t = attrTest{key: k, op: op, val: v}
						break
					}
				}
				c.attrs = append(c.attrs, t)
			default:
				i := strings.IndexAny(f, "#.[")
				if i < 0 {
					i = len(f)
				}
				c.tag = f[:i]
				f = f[i:]
			}
		}
		out = append(out, c)
	}
	return out
}

func (c compound) matches(e *html.Node) bool {
	if e.Type != html.ElementNode {
		return false
	}
	if c.tag != "" && c.tag != "*" && e.Data != c.tag {
		return false
	}
	if c.id != "" {
		if v, _ := attr(e, "id"); v != c.id {
			return false
		}
	}
	classes := strings.Fields(func() string { v, _ := attr(e, "class"); return v }())
	for _, cl := range c.class {
		if !slices.Contains(classes, cl) {
			return false
		}
	}
	for _, t := range c.attrs {
		v, ok := attr(e, t.key)
		if !ok {
			return false
		}
		switch t.op {
		case "=":
			ok = v == t.val
		case "^=":
			ok = strings.HasPrefix(v, t.val)
		case "*=":
			ok = strings.Contains(v, t.val)
		case "~=":
			ok = slices.Contains(strings.Fields(v), t.val)
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchSteps reports whether e matches steps[i] and has ancestors (below
// root) matching the steps before it.
func matchSteps(e, root *html.Node, steps []compound, i int) bool {
	if !steps[i].matches(e) {
		return false
	}
	if i == 0 {
		return true
	}
	for p := e.Parent; p != nil && p != root; p = p.Parent {
		if steps[i-1].matches(p) && matchSteps(p, root, steps, i-1) {
			return true
		}
		if steps[i-1].child {
			return false
		}
	}
	return false
}

// first returns the first match of selector, or nil.
func first(n *html.Node, selector string) *html.Node {
	if m := sel(n, selector); len(m) > 0 {
		return m[0]
	}
	return nil
}

// text returns the text under n, whitespace collapsed.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// byID returns the text of the element with id.
func byID(n *html.Node, id string) string { return text(first(n, "*[id="+id+"]")) }

// fieldError returns the message shown beside a form field (the element
// with id <field>-error, which the field's aria-describedby names).
func fieldError(n *html.Node, field string) string { return byID(n, field+"-error") }

// inputValue returns the value of the first input named name.
func inputValue(n *html.Node, name string) string {
	in := first(n, "input[name="+name+"]")
	if in == nil {
		return ""
	}
	v, _ := attr(in, "value")
	return v
}

// checked returns the values of the ticked checkboxes named name.
func checked(n *html.Node, name string) []string {
	var out []string
	for _, in := range sel(n, "input[type=checkbox][name="+name+"][checked]") {
		v, _ := attr(in, "value")
		out = append(out, v)
	}
	return out
}

// selected returns the value of the selected option of the select named name.
func selected(n *html.Node, name string) string {
	s := first(n, "select[name="+name+"]")
	if s == nil {
		return ""
	}
	if o := first(s, "option[selected]"); o != nil {
		v, _ := attr(o, "value")
		return v
	}
	return ""
}

// alert returns the text of the page's error box.
func alert(n *html.Node) string {
	if a := first(n, "*[role=alert]"); a != nil {
		return text(a)
	}
	return ""
}

// navLabels returns the header's links.
func navLabels(n *html.Node) []string {
	nav := first(n, "nav#main-nav")
	if nav == nil {
		return nil
	}
	var out []string
	for _, a := range sel(nav, "a") {
		out = append(out, text(a))
	}
	return out
}

// labelsTied reports the inputs, selects and textareas of a page that no
// <label for> names (hidden inputs aside).
func labelsTied(n *html.Node) []string {
	fors := map[string]bool{}
	for _, l := range sel(n, "label[for]") {
		v, _ := attr(l, "for")
		fors[v] = true
	}
	var missing []string
	for _, in := range findAll(n, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" || n.Data == "textarea" }) {
		if t, _ := attr(in, "type"); t == "hidden" || t == "submit" {
			continue
		}
		id, _ := attr(in, "id")
		if id == "" || !fors[id] {
			name, _ := attr(in, "name")
			missing = append(missing, name)
		}
	}
	return missing
}
