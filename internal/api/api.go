// Package api is guanai's JSON API under /api/v1: it translates HTTP to
// calls on the domain stores and their errors to JSON, and holds no rules
// of its own. The OpenAPI document describing it is served at
// /api/v1/openapi.json and checked against the real handlers by tests.
package api

import (
	"bytes"
	"context"
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
	"guanai/internal/authn"
	"guanai/internal/census"
	"guanai/internal/errs"
)

// IdentifyFunc says who is making a request; an error (errs.Unauthorized)
// refuses it. In production it is authn.Authenticator.Identify.
type IdentifyFunc func(r *http.Request) (authn.Identity, error)

// API serves /api/v1.
type API struct {
	app      *app.App
	census   *census.Service
	identify IdentifyFunc
	log      *slog.Logger
	mux      *http.ServeMux
}

// Auth says who may call a route.
type Auth int

// Route access levels.
const (
	// Full: a logged-in user whose account is not restricted.
	Full Auth = iota
	// Public: anyone (the OpenAPI document, logging in).
	Public
	// Restricted: any logged-in user, even one who must first change the
	// initial password or enrol a second factor.
	Restricted
)

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string // ServeMux pattern path, e.g. /api/v1/children/{id}
	Summary string
	handler func(*API, http.ResponseWriter, *http.Request) error
	Auth    Auth
}

// Routes is the API's route table: every route it serves, in one place.
var Routes = []Route{
	{"GET", "/api/v1/openapi.json", "OpenAPI 文档", (*API).openapi, Public},
	{"POST", "/api/v1/session", "登录", (*API).login, Public},
	{"DELETE", "/api/v1/session", "退出登录", (*API).logout, Restricted},
	{"GET", "/api/v1/me", "当前用户", (*API).me, Restricted},
	{"PUT", "/api/v1/me/password", "修改密码", (*API).changePassword, Restricted},
	{"POST", "/api/v1/me/totp", "生成动态验证码绑定二维码", (*API).beginTOTP, Restricted},
	{"POST", "/api/v1/me/totp/confirm", "确认绑定动态验证码", (*API).confirmTOTP, Restricted},
	{"GET", "/api/v1/me/tokens", "我的访问令牌", (*API).listTokens, Full},
	{"POST", "/api/v1/me/tokens", "创建访问令牌", (*API).createToken, Full},
	{"DELETE", "/api/v1/me/tokens/{id}", "撤销访问令牌", (*API).revokeToken, Full},
	{"GET", "/api/v1/users", "用户列表", (*API).listUsers, Full},
	{"POST", "/api/v1/users", "创建用户", (*API).createUser, Full},
	{"GET", "/api/v1/users/{id}", "用户详情", (*API).getUser, Full},
	{"PUT", "/api/v1/users/{id}", "修改用户", (*API).updateUser, Full},
	{"POST", "/api/v1/users/{id}/unlock", "解锁用户", (*API).unlockUser, Full},
	{"POST", "/api/v1/users/{id}/reset-totp", "重置用户的动态验证码", (*API).resetTOTP, Full},
	{"GET", "/api/v1/audit", "审计日志查询", (*API).searchAudit, Full},
	{"GET", "/api/v1/regions/{code}", "行政区划及其路径和下级数量", (*API).getRegion, Full},
	{"GET", "/api/v1/regions/{code}/children", "下级行政区划", (*API).regionChildren, Full},
	{"GET", "/api/v1/schools", "学校列表", (*API).listSchools, Full},
	{"GET", "/api/v1/schools/export", "导出学校名单", (*API).exportSchools, Full},
	{"POST", "/api/v1/schools", "登记学校", (*API).createSchool, Full},
	{"GET", "/api/v1/schools/{id}", "学校详情", (*API).getSchool, Full},
	{"PUT", "/api/v1/schools/{id}", "修改学校", (*API).updateSchool, Full},
	{"POST", "/api/v1/schools/{id}/classes", "添加班级", (*API).addClass, Full},
	{"GET", "/api/v1/children", "儿童列表", (*API).listChildren, Full},
	{"GET", "/api/v1/children/export", "导出儿童名单", (*API).exportChildren, Full},
	{"POST", "/api/v1/children", "登记儿童", (*API).createChild, Full},
	{"GET", "/api/v1/children/{id}", "儿童详情", (*API).getChild, Full},
	{"PUT", "/api/v1/children/{id}", "修改儿童信息", (*API).updateChild, Full},
	{"POST", "/api/v1/children/{id}/archive", "归档儿童记录", (*API).archiveChild, Full},
	{"POST", "/api/v1/children/{id}/restore", "恢复已归档的儿童记录", (*API).restoreChild, Full},
	{"GET", "/api/v1/children/{id}/history", "儿童类别变化历史", (*API).childHistory, Full},
	{"GET", "/api/v1/children/{id}/team", "儿童的关爱队伍", (*API).getTeam, Full},
	{"POST", "/api/v1/children/{id}/team", "分配关爱队伍成员", (*API).assignMember, Full},
	{"GET", "/api/v1/children/{id}/chain", "儿童的责任链", (*API).getChain, Full},
	{"POST", "/api/v1/care-members/{id}/end", "结束关爱队伍成员的任期", (*API).endMember, Full},
	{"POST", "/api/v1/care-teams/bulk", "批量分配关爱队伍成员", (*API).bulkAssign, Full},
	{"GET", "/api/v1/pairings", "结对列表", (*API).listPairings, Full},
	{"POST", "/api/v1/pairings", "结对", (*API).createPairing, Full},
	{"POST", "/api/v1/pairings/{id}/end", "结束结对", (*API).endPairing, Full},
	{"GET", "/api/v1/me/children", "我的结对儿童", (*API).myChildren, Full},
	{"GET", "/api/v1/positions", "代理家长和责任书记任职列表", (*API).listPositions, Full},
	{"POST", "/api/v1/positions", "设定代理家长或责任书记", (*API).setPosition, Full},
	{"POST", "/api/v1/positions/{id}/end", "结束任职", (*API).endPosition, Full},
	{"GET", "/api/v1/gaps/{code}", "关爱缺口统计", (*API).getGaps, Full},
	{"GET", "/api/v1/gaps/{code}/children", "关爱缺口儿童名单", (*API).gapChildren, Full},
	{"GET", "/api/v1/gaps/{code}/export", "导出关爱缺口", (*API).exportGaps, Full},
	{"GET", "/api/v1/dashboard", "数据看板（含下级单位明细和通报排名）", (*API).getDashboard, Full},
	{"GET", "/api/v1/dashboard/export", "导出数据看板（Excel）", (*API).exportDashboard, Full},
	{"GET", "/api/v1/followups", "随访记录列表", (*API).listFollowups, Full},
	{"GET", "/api/v1/followups/export", "导出随访记录", (*API).exportFollowups, Full},
	{"POST", "/api/v1/followups", "记录随访", (*API).createFollowup, Full},
	{"GET", "/api/v1/followups/{id}", "随访记录详情", (*API).getFollowup, Full},
	{"GET", "/api/v1/children/{id}/followups", "儿童的随访记录和下次计划日期", (*API).childFollowups, Full},
	{"GET", "/api/v1/tasks", "我的随访任务（即将到期、逾期、逾期上报）", (*API).tasks, Full},
	{"GET", "/api/v1/followup-rules", "随访周期规则", (*API).listRules, Full},
	{"PUT", "/api/v1/followup-rules", "设定随访周期规则", (*API).saveRule, Full},
	{"DELETE", "/api/v1/followup-rules/{id}", "删除随访周期规则", (*API).deleteRule, Full},
	{"GET", "/api/v1/notifications", "我的通知", (*API).listNotifications, Full},
	{"POST", "/api/v1/notifications/read", "将通知标为已读", (*API).readNotifications, Full},
	{"GET", "/api/v1/services", "服务菜单", (*API).listServices, Full},
	{"POST", "/api/v1/services", "新增菜单服务", (*API).createService, Full},
	{"GET", "/api/v1/services/{id}", "菜单服务详情", (*API).getService, Full},
	{"PUT", "/api/v1/services/{id}", "修改菜单服务", (*API).updateService, Full},
	{"POST", "/api/v1/services/{id}/archive", "下架或恢复菜单服务", (*API).archiveService, Full},
	{"GET", "/api/v1/needs", "需求清单", (*API).listNeeds, Full},
	{"GET", "/api/v1/needs/summary", "待办需求按地区和年龄段统计", (*API).needsSummary, Full},
	{"GET", "/api/v1/needs/export", "导出需求清单", (*API).exportNeeds, Full},
	{"POST", "/api/v1/needs", "登记需求", (*API).createNeed, Full},
	{"GET", "/api/v1/needs/{id}", "需求详情", (*API).getNeed, Full},
	{"POST", "/api/v1/needs/{id}/actions", "处理需求（匹配、服务、关闭、撤销）", (*API).actOnNeed, Full},
	{"GET", "/api/v1/one-to-one", "一对一帮扶列表", (*API).listOneToOne, Full},
	{"POST", "/api/v1/one-to-one", "建立一对一帮扶", (*API).createOneToOne, Full},
	{"GET", "/api/v1/one-to-one/{id}", "一对一帮扶详情及服务记录", (*API).getOneToOne, Full},
	{"POST", "/api/v1/one-to-one/{id}/end", "结束一对一帮扶", (*API).endOneToOne, Full},
	{"POST", "/api/v1/one-to-one/{id}/log", "登记一对一服务记录", (*API).logOneToOne, Full},
	{"GET", "/api/v1/volunteers", "志愿者名录", (*API).listVolunteers, Full},
	{"POST", "/api/v1/volunteers", "登记志愿者", (*API).createVolunteer, Full},
	{"GET", "/api/v1/volunteers/{id}", "志愿者详情", (*API).getVolunteer, Full},
	{"PUT", "/api/v1/volunteers/{id}", "修改志愿者信息", (*API).updateVolunteer, Full},
	{"GET", "/api/v1/social-orgs", "社会组织名录", (*API).listOrgs, Full},
	{"POST", "/api/v1/social-orgs", "登记社会组织", (*API).createOrg, Full},
	{"GET", "/api/v1/social-orgs/{id}", "社会组织详情", (*API).getOrg, Full},
	{"PUT", "/api/v1/social-orgs/{id}", "修改社会组织信息", (*API).updateOrg, Full},
	{"GET", "/api/v1/service-records", "志愿服务记录列表", (*API).listServiceRecords, Full},
	{"GET", "/api/v1/service-records/export", "导出志愿服务时长", (*API).exportServiceRecords, Full},
	{"POST", "/api/v1/service-records", "记录志愿服务时长", (*API).createServiceRecord, Full},
	{"GET", "/api/v1/service-records/{id}", "志愿服务记录详情", (*API).getServiceRecord, Full},
	{"PUT", "/api/v1/service-records/{id}", "更正志愿服务记录", (*API).correctServiceRecord, Full},
	{"POST", "/api/v1/service-records/{id}/answer", "志愿者确认服务记录或提出异议", (*API).answerServiceRecord, Full},
	{"GET", "/api/v1/activities", "集体活动列表", (*API).listActivities, Full},
	{"POST", "/api/v1/activities", "登记集体活动", (*API).createActivity, Full},
	{"GET", "/api/v1/activities/{id}", "集体活动详情", (*API).getActivity, Full},
	{"PUT", "/api/v1/activities/{id}", "修改集体活动", (*API).updateActivity, Full},
	{"POST", "/api/v1/activities/{id}/photos", "上传活动照片", (*API).addPhoto, Full},
	{"GET", "/api/v1/activities/{id}/photos/{photo}", "活动照片", (*API).getPhoto, Full},
	{"DELETE", "/api/v1/activities/{id}/photos/{photo}", "删除活动照片", (*API).deletePhoto, Full},
	{"GET", "/api/v1/elders", "留守老人列表", (*API).listElders, Full},
	{"GET", "/api/v1/elders/export", "导出留守老人名单", (*API).exportElders, Full},
	{"POST", "/api/v1/elders", "登记留守老人", (*API).createElder, Full},
	{"GET", "/api/v1/elders/{id}", "留守老人详情", (*API).getElder, Full},
	{"PUT", "/api/v1/elders/{id}", "修改留守老人信息", (*API).updateElder, Full},
	{"POST", "/api/v1/elders/{id}/archive", "归档留守老人记录", (*API).archiveElder, Full},
	{"POST", "/api/v1/elders/{id}/restore", "恢复已归档的留守老人记录", (*API).restoreElder, Full},
	{"GET", "/api/v1/imports/{kind}/template", "下载导入模板", (*API).importTemplate, Full},
	{"POST", "/api/v1/imports/{kind}", "导入名单（检查或正式导入）", (*API).importFile, Full},
	{"GET", "/api/v1/import-reports/{id}", "下载导入报告", (*API).importReport, Full},
	{"GET", "/api/v1/population", "区划人口数（本级及下级）", (*API).listPopulation, Full},
	{"POST", "/api/v1/population/import", "导入区划人口数（检查或正式导入）", (*API).importPopulation, Full},
	{"GET", "/api/v1/population/template", "下载人口数据导入模板", (*API).populationTemplate, Full},
}

// New returns the API over a, identifying callers with identify.
func New(a *app.App, identify IdentifyFunc, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	api := &API{app: a, census: census.New(a), identify: identify, log: log, mux: http.NewServeMux()}
	for _, rt := range Routes {
		h, level := rt.handler, rt.Auth
		api.mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			if level != Public {
				id, err := api.identify(r)
				if err != nil {
					api.writeError(w, r, err)
					return
				}
				if level == Full && id.User.ID != "" && id.User.Restricted() {
					api.writeError(w, r, errs.New(errs.Forbidden, "请先修改初始密码并按要求绑定动态验证码"))
					return
				}
				if err := authn.CheckCSRF(r, id); err != nil {
					api.writeError(w, r, err)
					return
				}
				r = r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
			}
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
			if p == http.ErrAbortHandler {
				panic(p) // a download cut short on purpose
			}
			api.writeError(w, r, fmt.Errorf("panic: %v", p))
		}
	}()
	api.mux.ServeHTTP(w, r)
}

type identityKey struct{}

// identity returns the caller of an authenticated route.
func identity(r *http.Request) authn.Identity {
	id, _ := r.Context().Value(identityKey{}).(authn.Identity)
	return id
}

// viewer returns what the caller may see; authenticated routes always have one.
func (api *API) viewer(r *http.Request) (access.Viewer, error) {
	id, ok := r.Context().Value(identityKey{}).(authn.Identity)
	if !ok {
		return access.Viewer{}, errs.New(errs.Unauthorized, "请先登录")
	}
	return id.Viewer, nil
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
	if e.Code == errs.Internal && r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away: nothing failed on our side, nobody reads this.
		api.log.Debug("api: request abandoned", "method", r.Method, "path", r.URL.Path)
	} else if e.Code == errs.Internal {
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
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return errs.New(errs.BadRequest, "请求体超过 1 MiB")
	}
	if bytes.Contains(raw, []byte(`\u0000`)) {
		return errs.New(errs.BadRequest, "请求体含有不允许的控制字符（\\u0000）")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
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
