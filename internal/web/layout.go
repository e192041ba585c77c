package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"guanai/internal/accounts"
	"guanai/internal/audit"
	"guanai/internal/authn"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/guanai.css
var stylesheet []byte

// htmxJS is htmx 2 (htmx.org 2.0.11 from npm, dist/htmx.min.js; licence
// in static/htmx.LICENSE, Zero-Clause BSD). Pages work without it: it
// only turns some links and forms into partial updates.
//
//go:embed static/htmx.min.js
var htmxJS []byte

// asset is a static file served under a name made from its content, so
// that it can be cached for good.
type asset struct {
	path, contentType string
	body              []byte
}

func newAsset(name, ext, contentType string, body []byte) asset {
	h := sha256.Sum256(body)
	return asset{path: "/static/" + name + "." + hex.EncodeToString(h[:])[:12] + "." + ext, contentType: contentType, body: body}
}

var (
	cssAsset  = newAsset("guanai", "css", "text/css; charset=utf-8", stylesheet)
	htmxAsset = newAsset("htmx", "js", "text/javascript; charset=utf-8", htmxJS)
	assets    = map[string]asset{cssAsset.path: cssAsset, htmxAsset.path: htmxAsset}
)

// pageNames are the pages, each a template file parsed with the shared
// frame (layout.html) and the shared parts (parts.html).
var pageNames = []string{"home", "login", "account", "users", "user", "audit", "error",
	"followup_tasks", "followup_form", "followup_child", "followups", "followup", "followup_notifications", "followup_rules",
	"children", "child", "recordform", "elders", "elder", "schools", "school", "import", "import_job",
	"gaps", "gap_children", "region", "bulk", "mentors", "mentor", "my_children", "my_child",
	"needs", "need", "need_raise", "services", "service", "one_to_ones", "one_to_one",
	"volunteers", "volunteer", "volunteer_hours", "orgs", "org", "activities", "activity", "population", "dashboard"}

// pages holds every page's template set for every language, parsed once
// at start; the t function of a set speaks its language. The care
// network's parts (careparts.html) are shared like parts.html.
var pages = func() map[lang]map[string]*template.Template {
	m := map[lang]map[string]*template.Template{}
	for _, l := range langs {
		m[l] = map[string]*template.Template{}
		for _, name := range pageNames {
			m[l][name] = template.Must(template.New(name).Funcs(funcs(l)).
				ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/careparts.html", "templates/serviceparts.html", "templates/"+name+".html"))
		}
	}
	return m
}()

// funcs are the functions templates in language l may call.
func funcs(l lang) template.FuncMap {
	return template.FuncMap{
		// t is the catalog's text for a key, formatted with any arguments.
		"t": func(key string, args ...any) string { return l.T(key, args...) },
	}
}

// Layout is the part of every page's view model that the shared frame
// shows: the title, the header with who is logged in, the pages their roles
// may open, the language switch and the logout button, and a one-line
// notice.
type Layout struct {
	Title string
	// Lang is the page's language; HTMLLang its lang attribute.
	Lang     lang
	HTMLLang string
	CSS, JS  string
	// Scripts are the page's own scripts, after htmx (the dashboard's
	// charts).
	Scripts []string
	// LoggedIn says whether to show the user's header.
	LoggedIn bool
	// UserName is the logged-in user's name (or username).
	UserName string
	Nav      []NavLink
	// CSRFToken goes into every state-changing form; HXHeaders carries it
	// in the header of every htmx request.
	CSRFToken string
	HXHeaders string
	// LangHref, LangLabel and LangCode are the switch to the other language.
	LangHref, LangLabel, LangCode string
	// Notice is a message about what just happened (after a redirect).
	Notice string
	// Refresh, when set, reloads the page after that many seconds in a
	// browser without JavaScript (htmx polls instead).
	Refresh string
	// Notifications says the header links to the user's notifications;
	// Unread is how many of them are unread.
	Notifications bool
	Unread        int
}

// NavLink is one link of the header.
type NavLink struct {
	ID, Href, Label string
	Current         bool
}

// layout returns the frame of a page for the caller id (zero when nobody
// is logged in), with the notice named by the n query parameter.
func (w *Web) layout(r *http.Request, id authn.Identity, title string) Layout {
	lg := langOf(r)
	l := Layout{Title: title, Lang: lg, HTMLLang: lg.htmlLang(), CSS: cssAsset.path, JS: htmxAsset.path}
	if n := r.URL.Query().Get("n"); n != "" && slices.Contains(notices, n) {
		l.Notice = lg.T("notice." + n)
	}
	l.LangHref, l.LangLabel, l.LangCode = langSwitch(r, lg)
	if id.User.ID == "" {
		return l
	}
	l.LoggedIn = true
	l.UserName = id.User.Name
	if l.UserName == "" {
		l.UserName = id.User.Username
	}
	if id.Session != nil {
		l.CSRFToken = id.Session.CSRFToken
		h, _ := json.Marshal(map[string]string{authn.CSRFHeader: id.Session.CSRFToken})
		l.HXHeaders = string(h)
	}
	link := func(key, href string) {
		cur := r.URL.Path == href || (href != "/" && strings.HasPrefix(r.URL.Path, href+"/"))
		l.Nav = append(l.Nav, NavLink{ID: "nav-" + strings.TrimPrefix(key, "nav."), Href: href, Label: lg.T(key), Current: cur})
	}
	if !id.User.Restricted() {
		v := id.Viewer
		link("nav.home", "/")
		if seesDashboard(v) {
			link("nav.dashboard", "/dashboard")
		}
		if seesChildren(v) {
			link("nav.children", "/children")
		}
		if seesElders(v) {
			link("nav.elders", "/elders")
		}
		if seesChildren(v) {
			link("nav.schools", "/schools")
		}
		if seesGaps(v) {
			link("nav.gaps", "/gaps")
		}
		if seesGaps(v) && mayManageCare(v) {
			link("nav.bulk", "/care/bulk")
		}
		if seesGaps(v) {
			link("nav.mentors", "/mentors")
		}
		if isMentor(v) {
			link("nav.my_children", "/my/children")
		}
		if seesNeeds(v) {
			link("nav.needs", "/needs")
		}
		if seesVolunteers(v) {
			link("nav.volunteers", "/volunteers")
		}
		if hasTasks(v) {
			link("nav.tasks", "/tasks")
		}
		if mayImport(v) {
			link("nav.import", "/import")
		}
		if seesPopulation(v) {
			link("nav.population", "/population")
		}
		if accounts.ManagesUsers(v) || accounts.UnlocksUsers(v) {
			link("nav.users", "/users")
		}
		if audit.MayRead(v) {
			link("nav.audit", "/audit")
		}
	}
	link("nav.account", "/account")
	if !id.User.Restricted() && hasTasks(id.Viewer) {
		l.Notifications = true
		// A count that cannot be read leaves the badge out rather than
		// fail the page.
		l.Unread, _ = w.app.Followups.Unread(r.Context(), id.Viewer)
	}
	return l
}

// Notices shown after a redirect, by the code in the n query parameter
// (catalog key notice.<code>). Only these fixed texts are shown: nothing
// from the address is echoed.
const (
	noticeRestricted = "restricted"
	noticeExpired    = "expired"
)

var notices = []string{noticeRestricted, noticeExpired, "loggedout", "password", "totp", "token_revoked", "created", "saved",
	"unlocked", "totp_reset", "child_created", "child_saved", "child_archived", "child_restored",
	"elder_created", "elder_saved", "elder_archived", "elder_restored", "school_created", "school_saved", "class_added"}

func (w *Web) static(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	a, ok := assets["/static/"+r.PathValue("file")]
	if !ok {
		w.notFound(rw, r, id)
		return nil
	}
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	rw.Header().Set("Content-Type", a.contentType)
	rw.Write(a.body)
	return nil
}
