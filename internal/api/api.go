// Package api is guanai's JSON API under /api/v1: it translates HTTP to
// calls on the domain stores and their errors to JSON, and holds no rules
// of its own. The OpenAPI document describing it is served at
// /api/v1/openapi.json and checked against the real handlers by tests.
package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/errs"
)

// ViewerFunc says who is making a request; an error (errs.Unauthorized)
// refuses it.
type ViewerFunc func(r *http.Request) (access.Viewer, error)

// API serves /api/v1.
type API struct {
	app    *app.App
	viewer ViewerFunc
	log    *slog.Logger
	mux    *http.ServeMux
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string // ServeMux pattern path, e.g. /api/v1/children/{id}
	Summary string
	handler func(*API, http.ResponseWriter, *http.Request) error
}

// Routes is the API's route table: every route it serves, in one place.
var Routes = []Route{
	{"GET", "/api/v1/openapi.json", "OpenAPI 文档", (*API).openapi},
	{"GET", "/api/v1/regions/{code}", "行政区划及其路径和下级数量", (*API).getRegion},
	{"GET", "/api/v1/regions/{code}/children", "下级行政区划", (*API).regionChildren},
	{"GET", "/api/v1/schools", "学校列表", (*API).listSchools},
	{"POST", "/api/v1/schools", "登记学校", (*API).createSchool},
	{"GET", "/api/v1/schools/{id}", "学校详情", (*API).getSchool},
	{"PUT", "/api/v1/schools/{id}", "修改学校", (*API).updateSchool},
	{"POST", "/api/v1/schools/{id}/classes", "添加班级", (*API).addClass},
	{"GET", "/api/v1/children", "儿童列表", (*API).listChildren},
	{"POST", "/api/v1/children", "登记儿童", (*API).createChild},
	{"GET", "/api/v1/children/{id}", "儿童详情", (*API).getChild},
	{"PUT", "/api/v1/children/{id}", "修改儿童信息", (*API).updateChild},
	{"POST", "/api/v1/children/{id}/archive", "归档儿童记录", (*API).archiveChild},
	{"POST", "/api/v1/children/{id}/restore", "恢复已归档的儿童记录", (*API).restoreChild},
	{"GET", "/api/v1/children/{id}/history", "儿童类别变化历史", (*API).childHistory},
	{"GET", "/api/v1/elders", "留守老人列表", (*API).listElders},
	{"POST", "/api/v1/elders", "登记留守老人", (*API).createElder},
	{"GET", "/api/v1/elders/{id}", "留守老人详情", (*API).getElder},
	{"PUT", "/api/v1/elders/{id}", "修改留守老人信息", (*API).updateElder},
	{"POST", "/api/v1/elders/{id}/archive", "归档留守老人记录", (*API).archiveElder},
}

// New returns the API over a, identifying callers with viewer.
func New(a *app.App, viewer ViewerFunc, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	api := &API{app: a, viewer: viewer, log: log, mux: http.NewServeMux()}
	for _, rt := range Routes {
		h := rt.handler
		api.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			if err := h(api, w, r); err != nil {
				api.writeError(w, r, err)
			}
		})
	}
	api.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		api.writeError(w, r, errs.New(errs.NotFound, "没有这个接口"))
	})
	return api
}

// ServeHTTP implements http.Handler.
func (api *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	defer func() {
		if p := recover(); p != nil {
			api.writeError(w, r, fmt.Errorf("panic: %v", p))
		}
	}()
	api.mux.ServeHTTP(w, r)
}

// ErrorBody is the JSON shape of every error.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a code, a message in Chinese, per-field messages and,
// for server errors, a reference to quote to support.
type ErrorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	Reference string            `json:"reference,omitempty"`
}

// Status maps an error code to its HTTP status.
func Status(c errs.Code) int {
	switch c {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.BadRequest:
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Unauthorized:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

func (api *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	body := ErrorBody{Error: ErrorDetail{Code: string(e.Code), Message: e.Message, Fields: e.Fields}}
	if e.Code == errs.Internal {
		ref := newRef()
		body.Error.Message = "服务器内部错误，请联系管理员并提供编号 " + ref
		body.Error.Reference = ref
		api.log.Error("api", "ref", ref, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, Status(e.Code), body)
}

func newRef() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decode reads a JSON body into dst, refusing unknown fields, trailing
// data and bodies over 1 MiB with a 400 that says what is wrong.
func decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.New(errs.BadRequest, "请求体必须是 JSON（Content-Type: application/json）")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return errs.New(errs.BadRequest, "请求体只能包含一个 JSON 对象")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return errs.New(errs.BadRequest, "请求体为空")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.BadRequest, "请求体不是有效的 JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:] // embedded structs: Input.name → name
		}
		if field == "" {
			return errs.New(errs.BadRequest, "请求体应为 JSON 对象")
		}
		want := jsonKind(typ.Type.Kind().String())
		return &errs.Error{Code: errs.BadRequest, Message: fmt.Sprintf("字段 %s 的类型不对，应为%s", field, want),
			Fields: map[string]string{field: "类型不对，应为" + want}}
	case errors.As(err, &tooBig):
		return errs.New(errs.BadRequest, "请求体超过 1 MiB")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &errs.Error{Code: errs.BadRequest, Message: "未知字段 " + f, Fields: map[string]string{f: "未知字段"}}
	}
	return errs.New(errs.BadRequest, "请求体不是有效的 JSON")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "字符串"
	case "int", "int64", "int32":
		return "整数"
	case "float64":
		return "数字"
	case "bool":
		return "true 或 false"
	case "slice":
		return "数组"
	case "struct", "map":
		return "对象"
	}
	return k
}

// query helpers

func intParam(r *http.Request, name string, def int, fe errs.FieldErrors) int {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		fe.Addf(name, "参数 %s 应为非负整数", name)
		return def
	}
	return n
}

func optIntParam(r *http.Request, name string, fe errs.FieldErrors) *int {
	if r.URL.Query().Get(name) == "" {
		return nil
	}
	n := intParam(r, name, 0, fe)
	return &n
}

func boolParam(r *http.Request, name string, fe errs.FieldErrors) bool {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	}
	fe.Addf(name, "参数 %s 应为 true 或 false", name)
	return false
}
