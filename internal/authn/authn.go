// Package authn identifies the person behind an HTTP request — by session
// cookie or by personal access token — and guards state-changing requests
// with a CSRF token. Both the HTML and the JSON surfaces use it.
package authn

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/errs"
)

// CookieName is the session cookie's name.
const CookieName = "guanai_session"

// CSRFHeader is the header (used by htmx and API clients) carrying the CSRF token.
const CSRFHeader = "X-CSRF-Token"

// CSRFField is the form field carrying the CSRF token.
const CSRFField = "csrf_token"

// Identity is who is asking.
type Identity struct {
	User accounts.User
	// Session is the session for cookie logins, nil for access tokens.
	Session *accounts.Session
	Viewer  access.Viewer
}

// Authenticator identifies requests.
type Authenticator struct {
	Accounts *accounts.Store
	// TrustProxy takes the client address from X-Forwarded-For (only when
	// guanai runs behind a reverse proxy).
	TrustProxy bool
}

// ClientIP returns the client's address.
func (a *Authenticator) ClientIP(r *http.Request) string {
	if a.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Identify returns the identity of r, from a Bearer token or the session
// cookie; errs.Unauthorized when there is none or it is no longer valid.
func (a *Authenticator) Identify(r *http.Request) (Identity, error) {
	ip := a.ClientIP(r)
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return Identity{}, errs.New(errs.Unauthorized, "Authorization 头应为 Bearer 令牌")
		}
		u, err := a.Accounts.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			return Identity{}, err
		}
		if u.Restricted() {
			return Identity{}, errs.New(errs.Forbidden, "请先登录网页修改初始密码或绑定动态验证码")
		}
		return Identity{User: u, Viewer: accounts.ViewerFor(u, ip)}, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Identity{}, errs.New(errs.Unauthorized, "请先登录")
	}
	sess, u, err := a.Accounts.Authenticate(r.Context(), c.Value)
	if err != nil {
		return Identity{}, err
	}
	return Identity{User: u, Session: &sess, Viewer: accounts.ViewerFor(u, ip)}, nil
}

// CheckCSRF refuses a state-changing request made with a session cookie
// unless it carries the session's CSRF token in the X-CSRF-Token header or
// the csrf_token form field. Token-authenticated requests need none (no
// browser attaches a Bearer token by itself).
func CheckCSRF(r *http.Request, id Identity) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if id.Session == nil {
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(id.Session.CSRFToken)) != 1 {
		return errs.New(errs.Forbidden, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")
	}
	return nil
}

// SetSession sets the session cookie: HttpOnly, SameSite=Lax, Secure when
// the request came over TLS.
func SetSession(w http.ResponseWriter, r *http.Request, s accounts.Session) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(r)})
}

// ClearSession removes the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(r)})
}

func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// SessionID returns the session cookie's value, or "".
func SessionID(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}
