package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"guanai/internal/accounts"
	"guanai/internal/api"
	"guanai/internal/audit"
	"guanai/internal/authn"
	"guanai/internal/idcard"
)

// TestOpenAPIDocumentsEveryRoute checks that the document is valid OpenAPI
// 3 and that it and the route table describe the same operations.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, _ := loadSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if !strings.Contains(doc.Info.Description, "打码") || !strings.Contains(doc.Info.Description, "version") ||
		!strings.Contains(doc.Info.Description, `"error"`) {
		t.Errorf("info.description should explain masking, the error shape and version: %q", doc.Info.Description)
	}
	for _, s := range []string{"POST /api/v1/session", authn.CookieName, authn.CSRFHeader, "Authorization: Bearer gat_", "POST /api/v1/me/tokens", "三权分立"} {
		if !strings.Contains(doc.Info.Description, s) {
			t.Errorf("info.description should explain logging in, CSRF, tokens and roles: no %q", s)
		}
	}
	// The two ways to authenticate, required everywhere but where Routes
	// says Public.
	schemes := doc.Components.SecuritySchemes
	if s := schemes["session"]; s == nil || s.Value.Type != "apiKey" || s.Value.In != "cookie" || s.Value.Name != authn.CookieName {
		t.Errorf("security scheme session should be the %s cookie", authn.CookieName)
	}
	if s := schemes["token"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Error("security scheme token should be HTTP bearer")
	}
	if len(doc.Security) != 2 || doc.Security[0]["session"] == nil || doc.Security[1]["token"] == nil {
		t.Errorf("top-level security should be session or token: %v", doc.Security)
	}
	pathParam := regexp.MustCompile(`\{([a-z_]+)\}`)
	inRoutes := map[string]bool{}
	for _, rt := range api.Routes {
		key := rt.Method + " " + rt.Path
		inRoutes[key] = true
		item := doc.Paths.Value(rt.Path)
		if item == nil {
			t.Errorf("%s: path not in the OpenAPI document", key)
			continue
		}
		op := item.GetOperation(rt.Method)
		if op == nil {
			t.Errorf("%s: method not in the OpenAPI document", key)
			continue
		}
		if op.Summary != rt.Summary {
			t.Errorf("%s: summary %q, want %q as in Routes", key, op.Summary, rt.Summary)
		}
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			p := item.Parameters.GetByInAndName("path", m[1])
			if p == nil {
				p = op.Parameters.GetByInAndName("path", m[1])
			}
			if p == nil || !p.Required {
				t.Errorf("%s: path parameter %s not documented as required", key, m[1])
			}
		}
		hasOK := false
		for code, r := range op.Responses.Map() {
			if strings.HasPrefix(code, "2") {
				hasOK = true
			}
			if code[0] == '4' || code[0] == '5' {
				if r.Ref == "" && (r.Value == nil || r.Value.Content.Get("application/json") == nil) {
					t.Errorf("%s: response %s has no JSON body", key, code)
				}
			}
		}
		if !hasOK {
			t.Errorf("%s: no 2xx response documented", key)
		}
		if op.Responses.Status(http.StatusInternalServerError) == nil {
			t.Errorf("%s: 500 not documented", key)
		}
		wantBody := (rt.Method == http.MethodPost || rt.Method == http.MethodPut) && !bodiless[key]
		if (op.RequestBody != nil) != wantBody {
			t.Errorf("%s: request body documented = %v, want %v", key, op.RequestBody != nil, wantBody)
		}
		if wantBody {
			for _, code := range []int{400, 422} {
				// A login is refused with 401, never 422.
				if code == 422 && key == "POST /api/v1/session" {
					continue
				}
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: %d not documented for a route with a body", key, code)
				}
			}
		}
		if rt.Auth == api.Public {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s: public, so security should be []", key)
			}
		} else {
			if op.Security != nil {
				t.Errorf("%s: needs a login, so should keep the top-level security", key)
			}
			// Not logged in; a restricted account, a missing CSRF token
			// or a restricted user's token.
			for _, code := range []int{401, 403} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: %d not documented for a route that needs a login", key, code)
				}
			}
		}
		if strings.Contains(rt.Path, "{id}") && op.Responses.Status(http.StatusNotFound) == nil {
			t.Errorf("%s: 404 not documented for a route with an id", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if key := method + " " + path; !inRoutes[key] {
				t.Errorf("%s: documented but not in Routes (stale)", key)
			}
		}
	}
	for _, name := range []string{"Error", "Child", "Guardian", "Elder", "School", "Class", "Region", "RegionDetail",
		"HistoryEntry", "ChildList", "ElderList", "SchoolList", "RegionList", "ChildInput", "ChildUpdate", "ElderInput",
		"ElderUpdate", "SchoolInput", "SchoolUpdate", "ClassInput", "ArchiveInput", "RestoreInput",
		"Me", "User", "UserList", "UserInput", "UserUpdate", "LoginInput", "PasswordChange", "TOTPEnrolment", "TOTPConfirm",
		"Token", "TokenList", "TokenInput", "AuditEntry", "AuditChange", "AuditList"} {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			t.Errorf("component schema %s missing", name)
			continue
		}
		if s.Value.AdditionalProperties.Has == nil || *s.Value.AdditionalProperties.Has {
			t.Errorf("component schema %s should set additionalProperties: false", name)
		}
	}
	child := doc.Components.Schemas["Child"].Value
	for _, p := range []string{"id", "version", "left_behind", "left_behind_reason", "categories", "classified_on",
		"archived", "created_at", "updated_at", "masked"} {
		if s := child.Properties[p]; s == nil || !s.Value.ReadOnly {
			t.Errorf("Child.%s should be readOnly", p)
		}
	}
	user := doc.Components.Schemas["User"].Value
	for _, p := range []string{"id", "version", "must_change_password", "totp_enabled", "created_at", "updated_at"} {
		if s := user.Properties[p]; s == nil || !s.Value.ReadOnly {
			t.Errorf("User.%s should be readOnly", p)
		}
	}
	// The enums follow the code.
	enum := func(s *openapi3.Schema) []string {
		var out []string
		for _, v := range s.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	var labels []string
	for _, r := range accounts.Roles {
		labels = append(labels, accounts.RoleLabel(r))
	}
	actions := []string{audit.ActionCreate, audit.ActionUpdate, audit.ActionArchive, audit.ActionRestore, audit.ActionViewSensitive,
		audit.ActionExport, audit.ActionLogin, audit.ActionLoginFailed, audit.ActionLogout, audit.ActionLockout, audit.ActionUnlock,
		audit.ActionPassword, audit.ActionTOTP, audit.ActionTokenCreate, audit.ActionTokenRevoke}
	for _, c := range []struct {
		where string
		got   *openapi3.Schema
		want  []string
	}{
		{"User.roles", user.Properties["roles"].Value.Items.Value, accounts.Roles},
		{"UserInput.roles", doc.Components.Schemas["UserInput"].Value.Properties["roles"].Value.Items.Value, accounts.Roles},
		{"UserUpdate.roles", doc.Components.Schemas["UserUpdate"].Value.Properties["roles"].Value.Items.Value, accounts.Roles},
		{"Me.roles", doc.Components.Schemas["Me"].Value.Properties["roles"].Value.Items.Value, accounts.Roles},
		{"Me.role_labels", doc.Components.Schemas["Me"].Value.Properties["role_labels"].Value.Items.Value, labels},
		{"User.org_kind", user.Properties["org_kind"].Value, accounts.OrgKinds},
		{"AuditEntry.action", doc.Components.Schemas["AuditEntry"].Value.Properties["action"].Value, actions},
		{"GET /api/v1/audit action", doc.Paths.Value("/api/v1/audit").Get.Parameters.GetByInAndName("query", "action").Schema.Value, actions},
	} {
		if !slices.Equal(enum(c.got), c.want) {
			t.Errorf("%s: enum %v, want %v", c.where, enum(c.got), c.want)
		}
	}
}

// TestResponsesMatchSchema drives every route through the real server —
// successes and their main errors — and checks every request and response
// against the OpenAPI document.
func TestResponsesMatchSchema(t *testing.T) {
	e := newEnv(t)
	e.check = newChecker(t)
	const S = asSystem

	// Document.
	r := e.expect(200, S, "GET", "/api/v1/openapi.json", nil)
	if !bytes.Equal(r.Body, api.OpenAPI()) {
		t.Error("GET /api/v1/openapi.json does not serve the embedded document")
	}

	// Regions.
	r = e.expect(200, S, "GET", "/api/v1/regions/"+wencang, nil)
	if m := r.JSON(t); m["name"] != "文沧村民委员会" || m["level"] != float64(5) {
		t.Errorf("region %s: %s", wencang, r.Body)
	}
	mustContain(t, "path of 文沧村", string(r.Body), "昌宁县")
	e.expect(200, S, "GET", "/api/v1/regions/0", nil)
	e.expect(200, S, "GET", "/api/v1/regions/5305", nil)
	e.expect(404, S, "GET", "/api/v1/regions/539999000000", nil)
	e.expect(404, S, "GET", "/api/v1/regions/12x", nil)
	r = e.expect(200, S, "GET", "/api/v1/regions/"+wencang+"/children", nil)
	if string(bytes.TrimSpace(r.Body)) != `{"items":[]}` {
		t.Errorf("children of a village: %s", r.Body)
	}
	r = e.expect(200, S, "GET", "/api/v1/regions/0/children", nil)
	var provinces struct{ Items []map[string]any }
	r.Decode(t, &provinces)
	if len(provinces.Items) < 31 {
		t.Errorf("root has %d children, want the provinces", len(provinces.Items))
	}
	e.expect(200, S, "GET", "/api/v1/regions/530524/children", nil)
	e.expect(404, S, "GET", "/api/v1/regions/539999000000/children", nil)

	// Schools and classes.
	school := map[string]any{"name": "文沧完小", "kind": "primary", "region_code": "530524107", "address": "大田坝镇文沧村", "phone": "0875-6543210"}
	r = e.expect(201, S, "POST", "/api/v1/schools", school)
	schoolID := id(t, r)
	e.expect(409, S, "POST", "/api/v1/schools", school)
	e.expect(422, S, "POST", "/api/v1/schools", with(school, "kind", "university", "name", "另一所"))
	e.expect(400, S, "POST", "/api/v1/schools", raw(`{"name":`))
	e.expect(400, S, "POST", "/api/v1/schools", with(school, "principal", "张校长"))
	e.expect(200, S, "GET", "/api/v1/schools", nil)
	r = e.expect(200, S, "GET", "/api/v1/schools?"+url.Values{"region": {"5305"}, "q": {"文沧"}, "limit": {"10"}, "offset": {"0"}}.Encode(), nil)
	if total(t, r) != 1 {
		t.Errorf("school list: %s", r.Body)
	}
	e.expect(422, S, "GET", "/api/v1/schools?limit=-1", nil)
	e.expect(422, S, "GET", "/api/v1/schools?region=abc", nil)
	e.expect(200, S, "GET", "/api/v1/schools/"+schoolID, nil)
	e.expect(404, S, "GET", "/api/v1/schools/"+unknownID, nil)
	e.expect(404, S, "GET", "/api/v1/schools/not-an-id", nil)
	r = e.expect(200, S, "PUT", "/api/v1/schools/"+schoolID, with(school, "version", 1, "address", "文沧村委会旁"))
	if version(t, r) != 2 {
		t.Errorf("school version after update: %s", r.Body)
	}
	e.expect(409, S, "PUT", "/api/v1/schools/"+schoolID, with(school, "version", 1))
	e.expect(422, S, "PUT", "/api/v1/schools/"+schoolID, school) // no version
	e.expect(400, S, "PUT", "/api/v1/schools/"+schoolID, raw(`{"version":"2"}`))
	e.expect(404, S, "PUT", "/api/v1/schools/"+unknownID, with(school, "version", 1))
	r = e.expect(201, S, "POST", "/api/v1/schools/"+schoolID+"/classes", map[string]any{"grade": 3, "name": "1班"})
	classID := id(t, r)
	e.expect(409, S, "POST", "/api/v1/schools/"+schoolID+"/classes", map[string]any{"grade": 3, "name": "1班"})
	e.expect(422, S, "POST", "/api/v1/schools/"+schoolID+"/classes", map[string]any{"grade": 13, "name": ""})
	e.expect(400, S, "POST", "/api/v1/schools/"+schoolID+"/classes", raw(`[`))
	e.expect(404, S, "POST", "/api/v1/schools/"+unknownID+"/classes", map[string]any{"grade": 1, "name": "1班"})
	r = e.expect(200, S, "GET", "/api/v1/schools/"+schoolID, nil)
	if !strings.Contains(string(r.Body), classID) {
		t.Errorf("school does not list its class: %s", r.Body)
	}

	// Children.
	in := with(childInput(wencang, 1, "张小明"), "school_id", schoolID, "grade", 3, "class_id", classID,
		"health_flags", []string{"malnutrition"}, "difficulty", []string{"poverty"}, "disability", "",
		"guardian_id_number", idcard.Generate("530524", yearsAgo(60), 7, "F"), "guardian_entrusted", true, "guardian_entrusted_on", "2024-09-01", "notes", "测试")
	r = e.expect(201, S, "POST", "/api/v1/children", in)
	childID := id(t, r)
	e.expect(409, S, "POST", "/api/v1/children", in)
	e.expect(422, S, "POST", "/api/v1/children", with(in, "id_number", "", "name", ""))
	e.expect(400, S, "POST", "/api/v1/children", raw(`{"name": "张"`))
	e.expect(400, S, "POST", "/api/v1/children", with(in, "left_behind", true))
	// A second child, for list filters, and one outside the scoped county.
	e.expect(201, S, "POST", "/api/v1/children", with(childInput(wencang, 2, "李小红"), "sex", "F",
		"id_number", idcard.Generate("530524", yearsAgo(8), 2, "F"), "hukou", "urban", "migrant", true))
	far := otherCountyVillage(t, e.app)
	r = e.expect(201, S, "POST", "/api/v1/children", childInput(far, 3, "王远方"))
	farID := id(t, r)

	e.expect(200, S, "GET", "/api/v1/children/"+childID, nil)
	r = e.expect(200, S, "GET", "/api/v1/children/"+childID+"?reveal=id_number", nil)
	mustContain(t, "revealed child", string(r.Body), in["id_number"].(string))
	e.expect(422, S, "GET", "/api/v1/children/"+childID+"?reveal=all", nil)
	e.expect(200, asScoped, "GET", "/api/v1/children/"+childID, nil)
	e.expect(404, S, "GET", "/api/v1/children/"+unknownID, nil)
	e.expect(404, asScoped, "GET", "/api/v1/children/"+farID, nil)
	e.expect(200, S, "GET", "/api/v1/children", nil)
	e.expect(200, asScoped, "GET", "/api/v1/children", nil)
	q := url.Values{"region": {"530524"}, "school_id": {schoolID}, "class_id": {classID}, "category": {"left_behind"},
		"sex": {"M"}, "age_min": {"5"}, "age_max": {"10"}, "q": {"小明"}, "status": {"active"}, "sort": {"birth_date"},
		"desc": {"true"}, "limit": {"10"}, "offset": {"0"}}
	r = e.expect(200, S, "GET", "/api/v1/children?"+q.Encode(), nil)
	if total(t, r) != 1 {
		t.Errorf("filtered list: %s", r.Body)
	}
	for _, cat := range []string{"difficulty", "migrant", "not_left_behind"} {
		e.expect(200, S, "GET", "/api/v1/children?category="+cat, nil)
	}
	for _, sort := range []string{"name", "updated_at", "village"} {
		e.expect(200, S, "GET", "/api/v1/children?status=all&sort="+sort, nil)
	}
	e.expect(200, S, "GET", "/api/v1/children?q=0017&offset=100", nil)
	e.expect(422, S, "GET", "/api/v1/children?category=orphan", nil)
	e.expect(422, asScoped, "GET", "/api/v1/children?category=difficulty", nil)
	e.expect(422, S, "GET", "/api/v1/children?age_min=x&sort=age", nil)

	upd := with(in, "version", 1, "mother_status", "home", "mother_away_place", "")
	r = e.expect(200, S, "PUT", "/api/v1/children/"+childID, upd)
	if m := r.JSON(t); m["left_behind"] != false || version(t, r) != 2 {
		t.Errorf("after update: %s", r.Body)
	}
	e.expect(409, S, "PUT", "/api/v1/children/"+childID, upd)
	e.expect(422, S, "PUT", "/api/v1/children/"+childID, with(upd, "version", 2, "sex", "X"))
	e.expect(400, S, "PUT", "/api/v1/children/"+childID, raw(`{"version": 2,}`))
	e.expect(404, S, "PUT", "/api/v1/children/"+unknownID, upd)
	e.expect(404, asScoped, "PUT", "/api/v1/children/"+farID, with(childInput(wencang, 3, "王远方"), "version", 1))

	e.expect(409, S, "POST", "/api/v1/children/"+childID+"/archive", map[string]any{"version": 1, "reason": "迁出"})
	e.expect(422, S, "POST", "/api/v1/children/"+childID+"/archive", map[string]any{"version": 2, "reason": ""})
	e.expect(400, S, "POST", "/api/v1/children/"+childID+"/archive", raw(`{"version": 2, "why": "迁出"}`))
	e.expect(404, S, "POST", "/api/v1/children/"+unknownID+"/archive", map[string]any{"version": 1, "reason": "迁出"})
	e.expect(404, asScoped, "POST", "/api/v1/children/"+farID+"/archive", map[string]any{"version": 1, "reason": "迁出"})
	r = e.expect(200, S, "POST", "/api/v1/children/"+childID+"/archive", map[string]any{"version": 2, "reason": "迁出"})
	if m := r.JSON(t); m["archived"] != true || m["archive_reason"] != "迁出" {
		t.Errorf("after archive: %s", r.Body)
	}
	e.expect(422, S, "POST", "/api/v1/children/"+childID+"/archive", map[string]any{"version": 3, "reason": "迁出"})
	e.expect(422, S, "PUT", "/api/v1/children/"+childID, with(upd, "version", 3))
	e.expect(200, S, "GET", "/api/v1/children?status=archived", nil)

	e.expect(409, S, "POST", "/api/v1/children/"+childID+"/restore", map[string]any{"version": 2})
	e.expect(400, S, "POST", "/api/v1/children/"+childID+"/restore", raw(`nonsense`))
	e.expect(404, S, "POST", "/api/v1/children/"+unknownID+"/restore", map[string]any{"version": 1})
	r = e.expect(200, S, "POST", "/api/v1/children/"+childID+"/restore", map[string]any{"version": 3})
	if m := r.JSON(t); m["archived"] != false || version(t, r) != 4 {
		t.Errorf("after restore: %s", r.Body)
	}
	e.expect(422, S, "POST", "/api/v1/children/"+childID+"/restore", map[string]any{"version": 4})

	r = e.expect(200, S, "GET", "/api/v1/children/"+childID+"/history", nil)
	var hist struct{ Items []map[string]any }
	r.Decode(t, &hist)
	if len(hist.Items) != 2 {
		t.Errorf("history: want the registration and the change on update: %s", r.Body)
	}
	e.expect(200, asScoped, "GET", "/api/v1/children/"+childID+"/history", nil)
	e.expect(404, S, "GET", "/api/v1/children/"+unknownID+"/history", nil)
	e.expect(404, asScoped, "GET", "/api/v1/children/"+farID+"/history", nil)

	// Elders.
	ein := elderInput(wencang, 10, "赵奶奶")
	r = e.expect(201, S, "POST", "/api/v1/elders", ein)
	elderID := id(t, r)
	otherElder := id(t, e.expect(201, S, "POST", "/api/v1/elders", elderInput(far, 11, "钱奶奶")))
	e.expect(409, S, "POST", "/api/v1/elders", ein)
	e.expect(422, S, "POST", "/api/v1/elders", with(ein, "living", "nomad", "birth_date", yearsAgo(30).Format("2006-01-02")))
	e.expect(400, S, "POST", "/api/v1/elders", raw(`{"name": 7}`))
	e.expect(200, S, "GET", "/api/v1/elders/"+elderID, nil)
	r = e.expect(200, S, "GET", "/api/v1/elders/"+elderID+"?reveal=id_number", nil)
	mustContain(t, "revealed elder", string(r.Body), ein["id_number"].(string))
	e.expect(422, S, "GET", "/api/v1/elders/"+elderID+"?reveal=yes", nil)
	e.expect(200, asScoped, "GET", "/api/v1/elders/"+elderID, nil)
	e.expect(404, S, "GET", "/api/v1/elders/"+unknownID, nil)
	e.expect(200, S, "GET", "/api/v1/elders", nil)
	r = e.expect(200, S, "GET", "/api/v1/elders?"+url.Values{"region": {"530524107"}, "living": {"alone"}, "q": {"赵"},
		"status": {"active"}, "limit": {"5"}, "offset": {"0"}}.Encode(), nil)
	if total(t, r) != 1 {
		t.Errorf("filtered elders: %s", r.Body)
	}
	e.expect(422, S, "GET", "/api/v1/elders?living=nomad", nil)
	r = e.expect(200, S, "PUT", "/api/v1/elders/"+elderID, with(ein, "version", 1, "living", "grandchildren"))
	if version(t, r) != 2 {
		t.Errorf("elder after update: %s", r.Body)
	}
	e.expect(409, S, "PUT", "/api/v1/elders/"+elderID, with(ein, "version", 1))
	e.expect(422, S, "PUT", "/api/v1/elders/"+elderID, with(ein, "version", 2, "children_away", -1))
	e.expect(400, S, "PUT", "/api/v1/elders/"+elderID, raw(`{"version": 2, "age": 72}`))
	e.expect(404, S, "PUT", "/api/v1/elders/"+unknownID, with(ein, "version", 1))
	e.expect(409, S, "POST", "/api/v1/elders/"+elderID+"/archive", map[string]any{"version": 1, "reason": "去世"})
	e.expect(422, S, "POST", "/api/v1/elders/"+elderID+"/archive", map[string]any{"version": 2})
	e.expect(400, S, "POST", "/api/v1/elders/"+elderID+"/archive", raw(``))
	e.expect(404, S, "POST", "/api/v1/elders/"+unknownID+"/archive", map[string]any{"version": 1, "reason": "去世"})
	e.expect(200, S, "POST", "/api/v1/elders/"+elderID+"/archive", map[string]any{"version": 2, "reason": "去世"})
	e.expect(409, S, "POST", "/api/v1/elders/"+elderID+"/restore", map[string]any{"version": 2})
	e.expect(400, S, "POST", "/api/v1/elders/"+elderID+"/restore", raw(`{"version": 3, "reason": 1}`))
	e.expect(404, S, "POST", "/api/v1/elders/"+unknownID+"/restore", map[string]any{"version": 1})
	e.expect(404, asScoped, "POST", "/api/v1/elders/"+otherElder+"/restore", map[string]any{"version": 1})
	if r = e.expect(200, S, "POST", "/api/v1/elders/"+elderID+"/restore", map[string]any{"version": 3}); version(t, r) != 4 || r.JSON(t)["archived"] != false {
		t.Errorf("elder after restore: %s", r.Body)
	}
	e.expect(422, S, "POST", "/api/v1/elders/"+elderID+"/restore", map[string]any{"version": 4})
	e.expect(200, S, "POST", "/api/v1/elders/"+elderID+"/archive", map[string]any{"version": 4, "reason": "去世"})
	e.expect(200, S, "GET", "/api/v1/elders?status=all", nil)

	// Census files: templates, imports, reports, exports.
	driveCensusFileRoutes(t, e)

	// The care network.
	driveCareRoutes(t, e)

	// Volunteers, social organisations, service hours and activities.
	driveVolunteerRoutes(t, e)

	// Care services: the menu, needs, one-to-one.
	driveServiceRoutes(t, e)

	// The population table behind the incidence rate.
	drivePopulationRoutes(t, e)

	// Follow-ups, tasks, schedule rules and notifications.
	driveFollowupRoutes(t, e)

	// The dashboard and its workbook.
	driveDashboardRoutes(t, e)

	// Logging in, the caller's own account, users and the audit log.
	driveAccountRoutes(t, e)

	// Unknown API path: the catch-all gives the error shape.
	unchecked := *e
	unchecked.check = nil
	r = unchecked.do(S, "GET", "/api/v1/nothing", nil)
	if r.Status != 404 || r.Err(t).Error.Code != "not_found" {
		t.Errorf("unknown path: %d %s", r.Status, r.Body)
	}

	// 401 on every route that asks who is calling, 403 on every census
	// write by a read-only viewer.
	for _, rt := range api.Routes {
		if rt.Auth == api.Public {
			continue
		}
		path, body := routeRequest(rt)
		r := e.expect(401, asAnon, rt.Method, path, body)
		if c := r.Err(t).Error.Code; c != "unauthorized" {
			t.Errorf("%s %s anonymous: code %q", rt.Method, rt.Path, c)
		}
		if rt.Method == "GET" || !isCensus(rt.Path) {
			continue
		}
		path = strings.NewReplacer("{id}", writeTarget(rt.Path, schoolID, childID, elderID)).Replace(rt.Path)
		r = e.expect(403, asReadOnly, rt.Method, path, body)
		if c := r.Err(t).Error.Code; c != "forbidden" {
			t.Errorf("%s %s read-only: code %q", rt.Method, rt.Path, c)
		}
	}

	// A server error: the database is gone.
	broken := newEnv(t)
	broken.check, broken.allow500 = e.check, true
	broken.app.DB.Close()
	r = broken.expect(500, S, "GET", "/api/v1/children", nil)
	if er := r.Err(t); er.Error.Code != "internal" || er.Error.Reference == "" || !strings.Contains(er.Error.Message, er.Error.Reference) {
		t.Errorf("500 body: %s", r.Body)
	}

	// Coverage: every route answered with success, and every documented
	// status but 500 was seen and checked.
	doc, _ := loadSpec(t)
	for _, rt := range api.Routes {
		key := rt.Method + " " + rt.Path
		seen := e.check.statuses(key)
		op := doc.Paths.Value(rt.Path).GetOperation(rt.Method)
		var missing []string
		for code := range op.Responses.Map() {
			n, err := strconv.Atoi(code)
			if err != nil || n == 500 {
				continue
			}
			if !slices.Contains(seen, n) {
				missing = append(missing, code)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: documented statuses never exercised: %v (seen %v)", key, missing, seen)
		}
		for _, s := range seen {
			if op.Responses.Status(s) == nil {
				t.Errorf("%s: status %d seen but not documented", key, s)
			}
		}
	}
	if !slices.Contains(e.check.statuses("GET /api/v1/children"), 500) {
		t.Error("the 500 response was not checked")
	}
}

// writeBody returns a well-formed body for a write route: enough to get
// past decoding (and the version check) to the permission check.
func writeBody(path string) any {
	switch {
	case strings.HasSuffix(path, "/team"):
		return map[string]any{"role": "neighbour", "name": "张大妈"}
	case strings.HasSuffix(path, "/end"):
		return map[string]any{"reason": "结束"}
	case strings.HasSuffix(path, "/care-teams/bulk"):
		return map[string]any{"role": "neighbour", "name": "张大妈", "child_ids": []string{unknownID}}
	case strings.HasSuffix(path, "/pairings"):
		return map[string]any{"child_id": unknownID, "mentor_id": unknownID, "kind": "volunteer"}
	case strings.HasSuffix(path, "/positions"):
		return map[string]any{"kind": "village_proxy", "subject": wencang, "name": "张大妈"}
	case strings.HasSuffix(path, "/classes"):
		return map[string]any{"grade": 1, "name": "2班"}
	case strings.HasSuffix(path, "/archive"):
		return map[string]any{"version": 1, "reason": "迁出"}
	case strings.HasSuffix(path, "/restore"):
		return map[string]any{"version": 1}
	case !strings.Contains(path, "{id}"):
		return map[string]any{} // a create: no version
	}
	return map[string]any{"version": 1}
}

// writeTarget returns an existing record in the read-only viewer's county
// for a census write route, so that only the permission stands in the way.
func writeTarget(path, school, child, elder string) string {
	switch {
	case strings.HasPrefix(path, "/api/v1/schools"):
		return school
	case strings.HasPrefix(path, "/api/v1/children"):
		return child
	case strings.HasPrefix(path, "/api/v1/elders"):
		return elder
	}
	panic(fmt.Sprintf("no write target for %s", path))
}

// isCensus reports whether path is a route of schools, children or elders.
func isCensus(path string) bool {
	for _, p := range []string{"/api/v1/schools", "/api/v1/children", "/api/v1/elders"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
