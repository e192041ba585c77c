// Package web serves guanai's HTML pages. For now it serves the overview
// page: the census at a glance for the whole tree, and where the API and its
// documentation are.
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"guanai/internal/app"
	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/schools"
)

// Web serves the HTML pages.
type Web struct {
	app  *app.App
	auth *authn.Authenticator
	log  *slog.Logger
	mux  *http.ServeMux
}

// New returns the HTML handler.
func New(a *app.App, auth *authn.Authenticator, log *slog.Logger) *Web {
	w := &Web{app: a, auth: auth, log: log, mux: http.NewServeMux()}
	w.mux.HandleFunc("GET /{$}", w.home)
	w.mux.HandleFunc("GET /healthz", w.health)
	w.mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.WriteHeader(http.StatusNotFound)
		pages.ExecuteTemplate(rw, "notfound", nil)
	})
	return w
}

// ServeHTTP implements http.Handler.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("X-Frame-Options", "DENY")
	rw.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.mux.ServeHTTP(rw, r)
}

func (w *Web) health(rw http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := w.app.DB.SQL().PingContext(ctx); err != nil {
		http.Error(rw, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	rw.Write([]byte("ok\n"))
}

// overview is the view model of the home page.
type overview struct {
	Children, LeftBehind, Difficulty, Migrant, Elders, Schools int
	Engine                                                     string
}

func (w *Web) home(rw http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := w.auth.Identify(r)
	if err != nil {
		http.Redirect(rw, r, "/login", http.StatusSeeOther)
		return
	}
	v := id.Viewer
	var o overview
	count := func(f children.Filter) int {
		if err != nil {
			return 0
		}
		var n int
		n, err = w.app.Children.Count(ctx, v, f)
		return n
	}
	o.Children = count(children.Filter{})
	o.LeftBehind = count(children.Filter{Category: children.CategoryLeftBehind})
	o.Difficulty = count(children.Filter{Category: children.CategoryDifficulty})
	o.Migrant = count(children.Filter{Category: children.CategoryMigrant})
	if err == nil {
		var ep elders.Page
		if ep, err = w.app.Elders.List(ctx, v, elders.Filter{Limit: 1}); err == nil {
			o.Elders = ep.Total
		}
	}
	if err == nil {
		var sp schools.Page
		if sp, err = w.app.Schools.List(ctx, v, schools.Filter{Limit: 1}); err == nil {
			o.Schools = sp.Total
		}
	}
	if err != nil {
		w.log.Error("home", "err", err)
		http.Error(rw, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	o.Engine = string(w.app.DB.Dialect())
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(rw, "home", o); err != nil {
		w.log.Error("home", "err", err)
	}
}

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>关爱 guanai</title><style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:48rem;padding:1rem;color:#1a1a1a}
dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem}dl div{border:1px solid #ccc;border-radius:.5rem;padding:.75rem}
dt{color:#444;font-size:.9rem}dd{margin:0;font-size:1.6rem;font-weight:600}a{color:#0b57d0}</style></head><body>{{end}}
{{define "home"}}{{template "head"}}
<h1>关爱 · 农村留守儿童关爱服务平台</h1>
<p>全部辖区的摸底登记概况：</p>
<dl>
<div><dt>在册儿童</dt><dd>{{.Children}}</dd></div>
<div><dt>农村留守儿童</dt><dd>{{.LeftBehind}}</dd></div>
<div><dt>困境儿童</dt><dd>{{.Difficulty}}</dd></div>
<div><dt>流动儿童</dt><dd>{{.Migrant}}</dd></div>
<div><dt>留守老人</dt><dd>{{.Elders}}</dd></div>
<div><dt>学校</dt><dd>{{.Schools}}</dd></div>
</dl>
<p>数据接口：<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>（OpenAPI 3 文档）。数据库：{{.Engine}}。</p>
</body></html>{{end}}
{{define "notfound"}}{{template "head"}}<h1>页面不存在</h1><p>您要找的页面不存在，或您无权查看。<a href="/">返回首页</a></p></body></html>{{end}}
`))
