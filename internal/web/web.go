// Package web serves guanai's HTML pages: logging in and out, the
// overview with recent changes, the census (children, left-behind elders,
// schools and classes: lists filtered by the region tree, profiles,
// forms, archiving, conflicts shown side by side), the user's own account,
// user management for administrators and the audit log for auditors.
// Pages are rendered on the server from embedded templates, one typed view
// model per page, in Chinese or English (see catalog.go), and work on a
// phone's browser without JavaScript; htmx 2 (static/htmx.min.js) only
// turns some links and forms into partial updates, and on the dashboard
// (数据看板, dashboard.go) Apache ECharts draws a chart above each table. Like the JSON API, web
// translates HTTP into calls on the domain stores and holds no rules of
// its own.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
	"guanai/internal/census"
	"guanai/internal/errs"
	"guanai/internal/volunteer"
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
	// kids caches the region tree's lists of children.
	kids regionKids
	// census imports and exports census files; jobs runs the imports
	// started from the upload page; uploads keeps the files of clean dry
	// runs for their commit.
	census  *census.Service
	jobs    *census.Jobs
	uploads keptUploads
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
	{"GET /lang", public, (*Web).switchLang},
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

	{"GET /dashboard", fullUser, (*Web).dashboardPage},
	{"GET /dashboard/export.xlsx", fullUser, (*Web).dashboardExport},

	{"GET /regions/picker", fullUser, (*Web).regionPicker},
	{"POST /check", fullUser, (*Web).checkField},

	{"GET /children", fullUser, (*Web).children},
	{"GET /children/new", fullUser, (*Web).newChild},
	{"POST /children/new", fullUser, (*Web).createChild},
	{"GET /children/classes", fullUser, (*Web).classField},
	{"GET /children/{id}", fullUser, (*Web).child},
	{"POST /children/{id}/reveal", fullUser, (*Web).revealChild},
	{"GET /children/{id}/edit", fullUser, (*Web).editChild},
	{"POST /children/{id}/edit", fullUser, (*Web).updateChild},
	{"POST /children/{id}/archive", fullUser, (*Web).archiveChild},
	{"POST /children/{id}/restore", fullUser, (*Web).restoreChild},
	{"POST /children/{id}/team", fullUser, (*Web).assignMember},
	{"POST /children/{id}/team/{member}/end", fullUser, (*Web).endMember},
	{"POST /children/{id}/pairings", fullUser, (*Web).pairChild},
	{"POST /children/{id}/pairings/{pairing}/end", fullUser, (*Web).endChildPairing},

	{"GET /elders", fullUser, (*Web).elders},
	{"GET /elders/new", fullUser, (*Web).newElder},
	{"POST /elders/new", fullUser, (*Web).createElder},
	{"GET /elders/{id}", fullUser, (*Web).elder},
	{"POST /elders/{id}/reveal", fullUser, (*Web).revealElder},
	{"GET /elders/{id}/edit", fullUser, (*Web).editElder},
	{"POST /elders/{id}/edit", fullUser, (*Web).updateElder},
	{"POST /elders/{id}/archive", fullUser, (*Web).archiveElder},
	{"POST /elders/{id}/restore", fullUser, (*Web).restoreElder},

	{"GET /schools", fullUser, (*Web).schools},
	{"GET /schools/new", fullUser, (*Web).newSchool},
	{"POST /schools/new", fullUser, (*Web).createSchool},
	{"GET /schools/{id}", fullUser, (*Web).school},
	{"GET /schools/{id}/edit", fullUser, (*Web).editSchool},
	{"POST /schools/{id}/edit", fullUser, (*Web).updateSchool},
	{"POST /schools/{id}/classes", fullUser, (*Web).addClass},
	{"POST /schools/{id}/principal", fullUser, (*Web).setSchoolPosition},
	{"POST /schools/{id}/classes/{class}/homeroom", fullUser, (*Web).setSchoolPosition},
	{"POST /schools/{id}/positions/{position}/end", fullUser, (*Web).endSchoolPosition},

	{"GET /regions/{code}", fullUser, (*Web).region},
	{"POST /regions/{code}/positions/{kind}", fullUser, (*Web).setRegionPosition},
	{"POST /regions/{code}/positions/{position}/end", fullUser, (*Web).endRegionPosition},

	{"GET /care/bulk", fullUser, (*Web).bulkForm},
	{"POST /care/bulk", fullUser, (*Web).bulkAssign},
	{"GET /mentors", fullUser, (*Web).mentors},
	{"GET /mentors/{id}", fullUser, (*Web).mentor},
	{"POST /mentors/{id}/pairings", fullUser, (*Web).pairMentor},
	{"POST /mentors/{id}/pairings/{pairing}/end", fullUser, (*Web).endMentorPairing},
	{"GET /my/children", fullUser, (*Web).myChildren},
	{"GET /my/children/{id}", fullUser, (*Web).myChild},
	{"GET /gaps", fullUser, (*Web).gaps},
	{"GET /gaps/children", fullUser, (*Web).gapChildren},

	{"GET /needs", fullUser, (*Web).needsList},
	{"GET /needs/{id}", fullUser, (*Web).need},
	{"POST /needs/{id}/act", fullUser, (*Web).actOnNeed},
	{"POST /children/{id}/needs", fullUser, (*Web).raiseNeed},
	{"GET /menu", fullUser, (*Web).menuList},
	{"GET /menu/new", fullUser, (*Web).newMenuService},
	{"POST /menu/new", fullUser, (*Web).createMenuService},
	{"GET /menu/{id}", fullUser, (*Web).menuService},
	{"POST /menu/{id}", fullUser, (*Web).updateMenuService},
	{"POST /menu/{id}/archive", fullUser, (*Web).archiveMenuService},
	{"GET /one-to-one", fullUser, (*Web).oneToOnes},
	{"POST /one-to-one", fullUser, (*Web).startOneToOne},
	{"GET /one-to-one/{id}", fullUser, (*Web).oneToOne},
	{"POST /one-to-one/{id}/log", fullUser, (*Web).logOneToOne},
	{"POST /one-to-one/{id}/end", fullUser, (*Web).endOneToOne},

	{"GET /volunteers", fullUser, (*Web).volunteers},
	{"GET /volunteers/new", fullUser, (*Web).newVolunteer},
	{"POST /volunteers/new", fullUser, (*Web).createVolunteer},
	{"GET /volunteers/{id}", fullUser, (*Web).volunteerPage},
	{"GET /volunteers/{id}/edit", fullUser, (*Web).editVolunteer},
	{"POST /volunteers/{id}/edit", fullUser, (*Web).updateVolunteer},
	{"POST /volunteers/{id}/services", fullUser, (*Web).recordService},
	{"GET /volunteers/{id}/hours", fullUser, (*Web).volunteerHours},
	{"POST /services/{id}/answer", fullUser, (*Web).answerService},
	{"GET /services/{id}/correct", fullUser, (*Web).correctServiceForm},
	{"POST /services/{id}/correct", fullUser, (*Web).correctService},
	{"GET /orgs", fullUser, (*Web).orgs},
	{"GET /orgs/new", fullUser, (*Web).newOrg},
	{"POST /orgs/new", fullUser, (*Web).createOrg},
	{"GET /orgs/{id}", fullUser, (*Web).org},
	{"GET /orgs/{id}/edit", fullUser, (*Web).editOrg},
	{"POST /orgs/{id}/edit", fullUser, (*Web).updateOrg},
	{"GET /activities", fullUser, (*Web).activities},
	{"GET /activities/new", fullUser, (*Web).newActivity},
	{"POST /activities/new", fullUser, (*Web).createActivity},
	{"GET /activities/{id}", fullUser, (*Web).activityPage},
	{"GET /activities/{id}/edit", fullUser, (*Web).editActivity},
	{"POST /activities/{id}/edit", fullUser, (*Web).updateActivity},
	{"POST /activities/{id}/children", fullUser, (*Web).addAttendees},
	{"POST /activities/{id}/services", fullUser, (*Web).recordActivityService},
	{photoRoute, fullUser, (*Web).addActivityPhoto},
	{"GET /activities/{id}/photos/{photo}", fullUser, (*Web).activityPhoto},
	{"POST /activities/{id}/photos/{photo}/delete", fullUser, (*Web).deleteActivityPhoto},

	{"GET /tasks", fullUser, (*Web).tasks},
	{"GET /followups", fullUser, (*Web).followups},
	{"GET /followups/new", fullUser, (*Web).followupForm},
	{"POST /followups/new", fullUser, (*Web).createFollowup},
	{"GET /followups/{id}", fullUser, (*Web).followupPageOf},
	{"GET /children/{id}/followups", fullUser, (*Web).childFollowups},
	{"GET /followup-rules", fullUser, (*Web).rules},
	{"POST /followup-rules", fullUser, (*Web).saveRule},
	{"POST /followup-rules/{id}/delete", fullUser, (*Web).deleteRule},
	{"GET /notifications", fullUser, (*Web).notifications},
	{"POST /notifications/read", fullUser, (*Web).readNotifications},

	{"GET /import", fullUser, (*Web).importForm},
	{"POST /import", fullUser, (*Web).importUpload},
	{"GET /import/{job}", fullUser, (*Web).importJob},
	{"POST /import/{job}/commit", fullUser, (*Web).importCommit},

	{"GET /population", fullUser, (*Web).population},
	{populationUploadRoute, fullUser, (*Web).populationUpload},
	{"POST /population/commit", fullUser, (*Web).populationCommit},
}

// New returns the HTML handler over a, identifying callers with auth and
// logging server errors to log (nil discards them).
func New(a *app.App, auth *authn.Authenticator, log *slog.Logger) *Web {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// The census service is built here as internal/api builds its own
	// (app.App holds none).
	cs := census.New(a)
	w := &Web{app: a, auth: auth, log: log, mux: http.NewServeMux(), census: cs, jobs: cs.NewJobs()}
	w.uploads.m = map[string]keptUpload{}
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
			limit := int64(maxFormBytes)
			if rt.pattern == "POST /import" || rt.pattern == populationUploadRoute {
				limit = maxUploadBody
			}
			if rt.pattern == photoRoute {
				limit = maxPhotoBody
			}
			r.Body = http.MaxBytesReader(rw, r.Body, limit)
			if limit != maxFormBytes && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				// The upload's parts go to temporary files past 8 MB.
				if err := r.ParseMultipartForm(8 << 20); err != nil {
					lg := langOf(r)
					heading, message := lg.T("import.bad_upload.heading"), lg.T("import.bad_upload.message")
					if rt.pattern == photoRoute {
						heading, message = lg.T("activity.photo_too_big.heading"), lg.T("activity.photo_too_big.message", volunteer.MaxPhotoBytes>>20, volunteer.MaxPhotos)
					}
					w.problem(rw, r, authn.Identity{}, http.StatusRequestEntityTooLarge, heading, message)
					return
				}
				defer r.MultipartForm.RemoveAll()
			}
			if err := r.ParseForm(); err != nil {
				lg := langOf(r)
				w.problem(rw, r, authn.Identity{}, http.StatusBadRequest, lg.T("err.form.heading"), lg.T("err.form.message"))
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
				redirect(rw, r, "/account?n="+noticeRestricted)
				return
			}
			if err := authn.CheckCSRF(r, id); err != nil {
				lg := langOf(r)
				w.problem(rw, r, id, http.StatusForbidden, lg.T("err.csrf.heading"), lg.T("err.csrf.message"))
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
	if isHX(r) {
		// Back to the page the request came from, not the fragment.
		if cur, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cur.Host == r.Host && cur.Path != "/" {
			q.Set("next", cur.RequestURI())
		}
	} else if r.Method == http.MethodGet && r.URL.Path != "/" {
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
	redirect(rw, r, target)
}

// redirect sends the browser to target: with 303 See Other, or, for an
// htmx request (whose XMLHttpRequest would follow a redirect and swap the
// page it lands on into the part being updated), with HX-Redirect, which
// makes htmx load target as a whole page.
func redirect(rw http.ResponseWriter, r *http.Request, target string) {
	if isHX(r) {
		rw.Header().Set("HX-Redirect", target)
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// fail renders an error a handler returned: records out of reach (not
// found, not allowed) as the not-found page, so that nothing reveals they
// exist; an expired login as a trip to the login page; anything unexpected
// as the server-error page.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, id authn.Identity, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away (closed the tab, timed out): nobody reads
		// the answer and nothing failed on our side.
		w.log.Debug("web: request abandoned", "method", r.Method, "path", r.URL.Path)
		rw.WriteHeader(499)
		return
	}
	e := errs.As(err)
	lg := langOf(r)
	switch e.Code {
	case errs.NotFound, errs.Forbidden:
		w.notFound(rw, r, id)
	case errs.Unauthorized:
		w.toLogin(rw, r)
	case errs.Invalid, errs.BadRequest:
		// The message comes from a domain package, in Chinese.
		w.problem(rw, r, id, http.StatusBadRequest, lg.T("err.bad.heading"), e.Message)
	case errs.Conflict:
		w.problem(rw, r, id, http.StatusConflict, lg.T("err.conflict.heading"), e.Message)
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
	lg := langOf(r)
	w.render(rw, r, http.StatusNotFound, "error", errorPage{Layout: w.layout(r, id, lg.T("err.404.heading")),
		Heading: lg.T("err.404.heading"), Message: lg.T("err.404.message")})
}

func (w *Web) problem(rw http.ResponseWriter, r *http.Request, id authn.Identity, status int, heading, msg string) {
	w.render(rw, r, status, "error", errorPage{Layout: w.layout(r, id, heading), Heading: heading, Message: msg})
}

// serverError logs err with a reference number and shows only the number.
func (w *Web) serverError(rw http.ResponseWriter, r *http.Request, id authn.Identity, err error) {
	ref := newRef()
	w.log.Error("web", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
	lg := langOf(r)
	page := errorPage{Layout: w.layout(r, id, lg.T("err.500.heading")), Heading: lg.T("err.500.heading"),
		Message: lg.T("err.500.message"), Reference: ref}
	var buf bytes.Buffer
	if err := pages[lg]["error"].ExecuteTemplate(&buf, "layout", page); err != nil {
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

// render executes the page template, in the language r asks for, into a
// buffer first, so that a template error becomes a clean server-error
// page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, page string, data any) {
	w.renderPart(rw, r, status, page, "layout", data)
}

// renderPart renders one part of a page (its template named part): the
// whole page for "layout", or a fragment an htmx request swaps in.
func (w *Web) renderPart(rw http.ResponseWriter, r *http.Request, status int, page, part string, data any) {
	t, ok := pages[langOf(r)][page]
	if !ok {
		w.serverError(rw, r, authn.Identity{}, fmt.Errorf("no template %q", page))
		return
	}
	rw.Header().Add("Vary", "HX-Request")
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, part, data); err != nil {
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
	redirect(rw, r, target)
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
