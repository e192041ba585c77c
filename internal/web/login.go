package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/authn"
	"guanai/internal/errs"
)

// loginPage is the view model of the login page. Its second step asks for
// the 6-digit code of an account with a second factor; the password
// entered in the first step waits on the server (see pendingLogins), so it
// is neither typed twice nor sent back to the browser.
type loginPage struct {
	Layout
	Username string
	// Next is where to go after logging in (a path on this site).
	Next string
	// NeedCode shows the second step.
	NeedCode bool
	// Pending identifies the login waiting for its code.
	Pending string
	// Message says why the login was refused (wrong credentials, locked,
	// too many attempts), above the form.
	Message string
	// CodeError is shown beside the code field.
	CodeError string
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request, _ authn.Identity) error {
	next := safeNext(r.URL.Query().Get("next"))
	if id, err := w.auth.Identify(r); err == nil && id.Session != nil {
		return seeOther(rw, r, afterLogin(id.User, next))
	}
	w.render(rw, r, http.StatusOK, "login", loginPage{Layout: w.layout(r, authn.Identity{}, langOf(r).T("title.login")), Next: next})
	return nil
}

// login checks the credentials (and, in the second step, the code) with
// accounts.Login, which rate-limits, locks accounts and audits every
// attempt. A wrong username and a wrong password get the same message.
func (w *Web) login(rw http.ResponseWriter, r *http.Request, _ authn.Identity) error {
	lg := langOf(r)
	p := loginPage{Layout: w.layout(r, authn.Identity{}, lg.T("title.login")), Next: safeNext(r.PostFormValue("next"))}
	// No session yet, so no CSRF token: refuse logins posted from other
	// sites by what the browser says about the request's origin.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		w.problem(rw, r, authn.Identity{}, http.StatusForbidden, lg.T("login.cross_site_heading"), lg.T("login.cross_site"))
		return nil
	}
	now := w.app.DB.Now()
	c := accounts.Credentials{Username: postValue(r, "username"), Password: r.PostFormValue("password"), TOTP: strings.TrimSpace(r.PostFormValue("totp"))}
	token := r.PostFormValue("pending")
	if token != "" {
		pl, ok := w.pending.get(token, now)
		if !ok {
			p.Username = strings.TrimSpace(c.Username)
			p.Message = lg.T("login.pending_expired")
			w.render(rw, r, http.StatusUnauthorized, "login", p)
			return nil
		}
		c.Username, c.Password = pl.username, pl.password
		p.Username, p.NeedCode, p.Pending = pl.username, true, token
		if c.TOTP == "" {
			p.CodeError = accounts.MsgTOTPNeeded
			w.render(rw, r, http.StatusUnprocessableEntity, "login", p)
			return nil
		}
	}
	p.Username = strings.TrimSpace(c.Username)
	if p.Username == "" || c.Password == "" {
		p.Message = lg.T("login.missing")
		w.render(rw, r, http.StatusUnprocessableEntity, "login", p)
		return nil
	}
	sess, u, err := w.app.Accounts.Login(r.Context(), c, w.auth.ClientIP(r), r.UserAgent())
	if err == nil {
		w.pending.drop(token)
		authn.SetSession(rw, r, sess)
		return seeOther(rw, r, afterLogin(u, p.Next))
	}
	e := errs.As(err)
	if e.Code != errs.Unauthorized {
		return err
	}
	status := http.StatusUnauthorized
	switch {
	case e.Fields["totp"] != "":
		// The password is right; ask for the code.
		if token == "" {
			token = w.pending.put(p.Username, c.Password, now)
		}
		p.NeedCode, p.Pending, status = true, token, http.StatusOK
	case e.Message == accounts.MsgTOTPWrong:
		if token == "" {
			token = w.pending.put(p.Username, c.Password, now)
		}
		p.NeedCode, p.Pending, p.CodeError = true, token, e.Message
	case e.Message == accounts.MsgRateLimited:
		p.Message, status = e.Message, http.StatusTooManyRequests
	default:
		// Wrong credentials, or the account is (now) locked: start over.
		w.pending.drop(token)
		p.NeedCode, p.Pending, p.Message = false, "", e.Message
	}
	w.render(rw, r, status, "login", p)
	return nil
}

// afterLogin is where a user goes once logged in: the account page while
// the account is restricted, else next or the overview.
func afterLogin(u accounts.User, next string) string {
	if u.Restricted() {
		return "/account?n=" + noticeRestricted
	}
	if next != "" {
		return next
	}
	return "/"
}

// safeNext returns next when it is a path on this site, else "" (so that
// the login page cannot be used to send people elsewhere).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "/login" || u.Path == "/logout" {
		return ""
	}
	return next
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if id.Session != nil {
		if err := w.app.Accounts.Logout(r.Context(), id.Session.ID, w.auth.ClientIP(r)); err != nil {
			return err
		}
	}
	authn.ClearSession(rw, r)
	return seeOther(rw, r, "/login?n=loggedout")
}

// pendingLogin is a login whose password was right, waiting for the code.
type pendingLogin struct {
	username, password string
	expires            time.Time
}

// pendingLogins keeps logins waiting for their second factor, in memory,
// for pendingTTL. A server restart (or another server behind the same
// address) only means the user types the password again.
type pendingLogins struct {
	mu sync.Mutex
	m  map[string]pendingLogin
}

const (
	pendingTTL = 5 * time.Minute
	maxPending = 10000
)

// put stores a pending login and returns its random token.
func (p *pendingLogins) put(username, password string, now time.Time) string {
	b := make([]byte, 24)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	p.mu.Lock()
	defer p.mu.Unlock()
	// Forget expired logins (and, past maxPending, the oldest-looking
	// ones) so that no password stays in memory longer than it must.
	for k, v := range p.m {
		if now.After(v.expires) || len(p.m) >= maxPending {
			delete(p.m, k)
		}
	}
	p.m[token] = pendingLogin{username: username, password: password, expires: now.Add(pendingTTL)}
	return token
}

// get returns the pending login of token unless it has expired.
func (p *pendingLogins) get(token string, now time.Time) (pendingLogin, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.m[token]
	if ok && now.After(pl.expires) {
		delete(p.m, token)
		return pendingLogin{}, false
	}
	return pl, ok
}

// drop forgets a pending login.
func (p *pendingLogins) drop(token string) {
	if token == "" {
		return
	}
	p.mu.Lock()
	delete(p.m, token)
	p.mu.Unlock()
}
