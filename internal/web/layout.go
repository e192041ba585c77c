package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"

	"guanai/internal/accounts"
	"guanai/internal/audit"
	"guanai/internal/authn"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/guanai.css
var stylesheet []byte

// cssPath is the stylesheet's address, named by its content so that it can
// be cached for good.
var cssPath = func() string {
	h := sha256.Sum256(stylesheet)
	return "/static/guanai." + hex.EncodeToString(h[:])[:12] + ".css"
}()

// pages holds every page's template set (the shared frame plus the page),
// parsed once at start.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"home", "login", "account", "users", "user", "audit", "error"} {
		m[name] = template.Must(template.New(name).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}()

// Layout is the part of every page's view model that the shared frame
// shows: the title, the header with who is logged in, the pages their roles
// may open and the logout button, and a one-line notice.
type Layout struct {
	Title string
	CSS   string
	// LoggedIn says whether to show the user's header.
	LoggedIn bool
	// UserName is the logged-in user's name (or username).
	UserName string
	Nav      []NavLink
	// CSRFToken goes into every state-changing form.
	CSRFToken string
	// Notice is a message about what just happened (after a redirect).
	Notice string
}

// NavLink is one link of the header.
type NavLink struct {
	Href, Label string
	Current     bool
}

// layout returns the frame of a page for the caller id (zero when nobody
// is logged in), with the notice named by the n query parameter.
func (w *Web) layout(r *http.Request, id authn.Identity, title string) Layout {
	l := Layout{Title: title, CSS: cssPath, Notice: notices[r.URL.Query().Get("n")]}
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
	}
	link := func(href, label string) {
		cur := r.URL.Path == href || (href != "/" && strings.HasPrefix(r.URL.Path, href+"/"))
		l.Nav = append(l.Nav, NavLink{Href: href, Label: label, Current: cur})
	}
	if !id.User.Restricted() {
		link("/", "概览")
		if accounts.ManagesUsers(id.Viewer) || accounts.UnlocksUsers(id.Viewer) {
			link("/users", "用户管理")
		}
		if audit.MayRead(id.Viewer) {
			link("/audit", "审计日志")
		}
	}
	link("/account", "我的账号")
	return l
}

// Notices shown after a redirect, by the code in the n query parameter.
// Only these fixed texts are shown: nothing from the address is echoed.
const (
	noticeRestricted = "restricted"
	noticeExpired    = "expired"
)

var notices = map[string]string{
	noticeRestricted: "请先完成下面标出的账号安全设置（修改初始密码或绑定动态验证码），然后才能使用其他功能。",
	noticeExpired:    "登录已过期，请重新登录。",
	"loggedout":      "您已退出登录。",
	"password":       "密码已修改。您的其他登录会话已结束。",
	"totp":           "动态验证码已绑定，今后登录时需要输入手机上显示的6位数字。",
	"token_revoked":  "访问令牌已撤销。",
	"created":        "用户已创建。首次登录时须修改初始密码。",
	"saved":          "修改已保存。",
	"unlocked":       "账号已解锁。",
	"totp_reset":     "已重置该用户的动态验证码，其登录会话已全部结束。",
}

func (w *Web) static(rw http.ResponseWriter, r *http.Request, id authn.Identity) error {
	if "/static/"+r.PathValue("file") != cssPath {
		w.notFound(rw, r, id)
		return nil
	}
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	rw.Write(stylesheet)
	return nil
}
