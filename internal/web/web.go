// Package web serves guanai's HTML pages: logging in and out, the
// overview, the user's own account (password, second factor, access
// tokens), user management for administrators and the audit log for
// auditors. Pages are rendered on the server from embedded templates, one
// typed view model per page, in Chinese, and work on a phone's browser
// without JavaScript. Like the JSON API, web translates HTTP into calls on
// the domain stores and holds no rules of its own.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"guanai/internal/app"
	"guanai/internal/authn"
	"guanai/internal/errs"
)

// Web serves the HTML pages.
type Web struct {
	app  *app.App
	auth *authn.Authenticator
	log  *slog.Logger
	mux  *http.ServeMux

	// pending holds logins waiting for their second factor.
	pending pendingLogins
	// enrolments holds the QR codes of TOTP enrolments in progress, so
	// that a mistyped code can be retried against the same secret.
	enrolments sync.Map // user id → enrolment
}

// level says who may open a route.
type level int

const (
	// public: anyone (logging in, health, static assets).
	public level = iota
	// anyUser: a logged-in user, even one who must first change the initial
	// password or enrol a second factor (the account page, logging out).
	anyUser
	// fullUser: a logged-in user whose account is not restricted.
	fullUser
)

// handler serves one route; id is the caller (zero on public routes). An
// error it returns is rendered by Web.fail.
type handler func(w *Web, rw http.ResponseWriter, r *http.Request, id authn.Identity) error

// route is one entry of the route table.
type route struct {
	pattern string
	level   level
	h       handler
}

// routes is the HTML surface's route table: every page and form action.
var routes = []route{
	{"GET /{$}", fullUser, (*Web).home},
	{"GET /healthz", public, (*Web).health},
	{"GET /static/{file}", public, (*Web).static},
	{"GET /login", public, (*Web).loginForm},
	{"POST /login", public, (*Web).login},
	{"POST /logout", anyUser, (*Web).logout},
	{"GET /account", anyUser, (*Web).account},
	{"POST /account/password", anyUser, (*Web).changePassword},
	{"POST /account/totp", anyUser, (*Web).beginTOTP},
	{"POST /account/totp/confirm", anyUser, (*Web).confirmTOTP},
	{"POST /account/tokens", fullUser, (*Web).createToken},
	{"POST /account/tokens/{id}/revoke", fullUser, (*Web).revokeToken},
	{"GET /users", fullUser, (*Web).users},
	{"GET /users/new", fullUser, (*Web).newUser},
	{"POST /users/new", fullUser, (*Web).createUser},
	{"GET /users/{id}", fullUser, (*Web).user},
	{"POST /users/{id}", fullUser, (*Web).updateUser},
	{"POST /users/{id}/unlock", fullUser, (*Web).unlockUser},
	{"POST /users/{id}/reset-totp", fullUser, (*Web).resetTOTP},
	{"GET /audit", fullUser, (*Web).audit},
}

// New returns the HTML handler over a, identifying callers with auth and
// logging server errors to log (nil discards them).
func New(a *app.App, auth *authn.Authenticator, log *slog.Logger) *Web {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &Web{app: a, auth: auth, log: log, mux: http.NewServeMux()}
	w.pending.m = map[string]pendingLogin{}
	for _, rt := range routes {
		w.mux.HandleFunc(rt.pattern, w.wrap(rt))
	}
	w.mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		id, _ := w.auth.Identify(r)
		w.notFound(rw, r, id)
	})
	return w
}

// contentSecurityPolicy allows the page's own resources only, QR codes as
// data: images, inline styles (htmx sets some) and no framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// ServeHTTP implements http.Handler. Every response carries the security
// headers; every response but static assets is marked not to be stored,
// since pages hold personal data.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			w.serverError(rw, r, authn.Identity{}, fmt.Errorf("panic: %v", p))
		}
	}()
	w.mux.ServeHTTP(rw, r)
}

// maxFormBytes bounds the body of a form post.
const maxFormBytes = 64 << 10

// wrap applies a route's access level: who may open it, the CSRF check on
// state-changing requests, and the rendering of the error it returns.
func (w *Web) wrap(rt route) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(rw, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				w.problem(rw, r, authn.Identity{}, http.StatusBadRequest, "无法读取提交的表单", "提交的内容过大或格式不正确，请返回后重试。")
				return
			}
		}
		var id authn.Identity
		if rt.level != public {
			var err error
			id, err = w.auth.Identify(r)
			if err != nil {
				if c := errs.CodeOf(err); c == errs.Unauthorized || c == errs.Forbidden {
					w.toLogin(rw, r)
					return
				}
				w.serverError(rw, r, authn.Identity{}, err)
				return
			}
			if rt.level == fullUser && id.User.Restricted() {
				http.Redirect(rw, r, "/account?n="+noticeRestricted, http.StatusSeeOther)
				return
			}
			if err := authn.CheckCSRF(r, id); err != nil {
				w.problem(rw, r, id, http.StatusForbidden, "安全令牌无效",
					"请求缺少有效的安全令牌，可能是页面已过期。请返回、刷新页面后重试；本次操作没有生效。")
				return
			}
		}
		if err := rt.h(w, rw, r, id); err != nil {
			w.fail(rw, r, id, err)
		}
	}
}

// toLogin sends a caller who is not logged in (or whose session ended) to
// the login page, remembering where they were going.
func (w *Web) toLogin(rw http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if authn.SessionID(r) != "" {
		q.Set("n", noticeExpired)
		authn.ClearSession(rw, r)
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// fail renders an error a handler returned: records out of reach (not
// found, not allowed) as the not-found page, so that nothing reveals they
// exist; an expired login as a trip to the login page; anything unexpected
// as the server-error page.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, id authn.Identity, err error) {
	e := errs.As(err)
	switch e.Code {
	case errs.NotFound, errs.Forbidden:
		w.notFound(rw, r, id)
	case errs.Unauthorized:
		w.toLogin(rw, r)
	case errs.Invalid, errs.BadRequest:
		w.problem(rw, r, id, http.StatusBadRequest, "请求有误", e.Message)
	case errs.Conflict:
		w.problem(rw, r, id, http.StatusConflict, "操作未完成", e.Message)
	default:
		w.serverError(rw, r, id, err)
	}
}

// errorPage is the view model of the error pages.
type errorPage struct {
	Layout
	Heading string
	Message string
	// Reference identifies a server error in the log.
	Reference string
}

func (w *Web) notFound(rw http.ResponseWriter, r *http.Request, id authn.Identity) {
	w.render(rw, r, http.StatusNotFound, "error", errorPage{Layout: w.layout(r, id, "页面不存在"),
		Heading: "页面不存在", Message: "您要找的页面不存在，或您无权查看。"})
}

func (w *Web) problem(rw http.ResponseWriter, r *http.Request, id authn.Identity, status int, heading, msg string) {
	w.render(rw, r, status, "error", errorPage{Layout: w.layout(r, id, heading), Heading: heading, Message: msg})
}

// serverError logs err with a reference number and shows only the number.
func (w *Web) serverError(rw http.ResponseWriter, r *http.Request, id authn.Identity, err error) {
	ref := newRef()
	w.log.Error("web", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
	page := errorPage{Layout: w.layout(r, id, "服务器内部错误"), Heading: "服务器内部错误",
		Message: "处理您的请求时出了问题。请稍后重试；如果问题持续，请联系管理员并提供下面的编号。", Reference: ref}
	var buf bytes.Buffer
	if err := pages["error"].ExecuteTemplate(&buf, "layout", page); err != nil {
		w.log.Error("web: render error page", "ref", ref, "err", err)
		http.Error(rw, "服务器内部错误，编号 "+ref, http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(http.StatusInternalServerError)
	rw.Write(buf.Bytes())
}

func newRef() string {
	b := make([]byte, 5)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// render executes the page template into a buffer first, so that a
// template error becomes a clean server-error page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := pages[page]
	if !ok {
		w.serverError(rw, r, authn.Identity{}, fmt.Errorf("no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		if page == "error" {
			w.log.Error("web: render error page", "err", err)
			http.Error(rw, "服务器内部错误", http.StatusInternalServerError)
			return
		}
		w.serverError(rw, r, authn.Identity{}, fmt.Errorf("render %s: %w", page, err))
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

// seeOther redirects after a successful form post (post/redirect/get).
func seeOther(rw http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(rw, r, target, http.StatusSeeOther)
	return nil
}

func (w *Web) health(rw http.ResponseWriter, r *http.Request, _ authn.Identity) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := w.app.DB.SQL().PingContext(ctx); err != nil {
		http.Error(rw, "database unavailable", http.StatusServiceUnavailable)
		return nil
	}
	rw.Write([]byte("ok\n"))
	return nil
}
