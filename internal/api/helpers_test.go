package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"guanai/internal/access"
	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/authn"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// Region codes used by the tests.
const (
	changning = "530524000000" // 昌宁县, the scoped viewer's county
	wencang   = "530524107202" // 文沧村民委员会, 大田坝镇, 昌宁县
	datianba  = "530524107000" // 大田坝镇 (a township: not a village)
)

// Viewers, chosen per request by the X-Test-Viewer header.
const (
	asSystem   = "system"   // access.System(): everything, every field
	asScoped   = "scoped"   // 昌宁县, may write, no sensitive fields
	asReadOnly = "readonly" // 昌宁县, may not write
	asAnon     = "anon"     // not logged in: the viewer func refuses
	// Administrators of 昌宁县, standing in for the real ones (made by
	// accounts.ViewerFor from logged-in users in account_test.go).
	asSysadmin = "sysadmin"
	asSecadmin = "secadmin"
	asAuditor  = "auditor"
)

var viewers = map[string]access.Viewer{
	asSystem:   access.System(),
	asScoped:   {UserID: "u-changning", Name: "昌宁县民政局", Region: changning, CanWrite: true},
	asReadOnly: {UserID: "u-reader", Name: "昌宁县审计", Region: changning},
	asSysadmin: {UserID: "u-sysadmin", Username: "sysadmin.cn", Name: "昌宁县系统管理员", Region: changning, Roles: []string{"sysadmin"}},
	asSecadmin: {UserID: "u-secadmin", Username: "secadmin.cn", Name: "昌宁县安全管理员", Region: changning, Roles: []string{"secadmin"}},
	asAuditor:  {UserID: "u-auditor", Username: "auditor.cn", Name: "昌宁县审计员", Region: changning, Roles: []string{"auditor"}},
}

// identifyFunc stands in for the session machinery: the caller names a
// viewer in a header.
func identifyFunc(r *http.Request) (authn.Identity, error) {
	v, err := viewerFunc(r)
	return authn.Identity{Viewer: v}, err
}

func viewerFunc(r *http.Request) (access.Viewer, error) {
	name := r.Header.Get("X-Test-Viewer")
	if name == "" {
		name = asSystem
	}
	v, ok := viewers[name]
	if !ok {
		return access.Viewer{}, errs.New(errs.Unauthorized, "请先登录")
	}
	return v, nil
}

// spec is the OpenAPI document, loaded and validated once.
var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPI())
		if err != nil {
			spec.err = fmt.Errorf("load: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			spec.err = fmt.Errorf("validate: %w", err)
			return
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			spec.err = fmt.Errorf("router: %w", err)
			return
		}
		spec.doc, spec.router = doc, r
	})
	if spec.err != nil {
		t.Fatalf("openapi.json: %v", spec.err)
	}
	return spec.doc, spec.router
}

// env is a real server over a fresh database.
type env struct {
	t   *testing.T
	app *app.App
	srv *httptest.Server
	// check, when set, validates every request and response against the
	// OpenAPI document and records the statuses seen.
	check *checker
	// allow500 lets responses with status 500 through (the test of the
	// error itself).
	allow500 bool
	// clock is the server's clock, for servers made by newAuthEnv.
	clock *testClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenDB(ctx, app.Config{Regions: "base", Key: vault.EncodeKey(key)}, db, nil)
	if err != nil {
		t.Fatalf("app.OpenDB: %v", err)
	}
	srv := httptest.NewServer(api.New(a, identifyFunc, nil))
	t.Cleanup(srv.Close)
	return &env{t: t, app: a, srv: srv}
}

// resp is a response read in full.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r resp) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %d: %v\n%s", r.Status, err, r.Body)
	}
}

// apiError is the error body.
type apiError struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields"`
		Reference string            `json:"reference"`
	} `json:"error"`
}

func (r resp) Err(t testing.TB) apiError {
	t.Helper()
	var e apiError
	r.Decode(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body without code or message: %s", r.Body)
	}
	return e
}

// raw is a request body sent as is.
type raw string

// do sends a request as the named viewer; body is nil, a raw string or a
// value to encode as JSON. It fails the test on a transport error.
func (e *env) do(as, method, path string, body any) resp {
	e.t.Helper()
	return e.send(method, path, body, http.Header{"X-Test-Viewer": {as}})
}

// send sends a request with the given headers; body is as for do.
func (e *env) send(method, path string, body any, header http.Header) resp {
	e.t.Helper()
	var b []byte
	switch x := body.(type) {
	case nil:
	case raw:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(x); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil && header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Body: data}
	if r.Status >= 500 && !e.allow500 {
		e.t.Errorf("%s %s: status %d: %s", method, path, r.Status, data)
	}
	if e.check != nil {
		e.check.validate(e.t, method, path, b, body != nil, header, r)
	}
	return r
}

// expect is do that fails the test unless the status is want.
func (e *env) expect(want int, as, method, path string, body any) resp {
	e.t.Helper()
	r := e.do(as, method, path, body)
	if r.Status != want {
		e.t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, as, r.Status, want, r.Body)
	}
	return r
}

// checker validates traffic against the OpenAPI document.
type checker struct {
	doc    *openapi3.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]map[int]bool // "GET /api/v1/children/{id}" → statuses
}

func newChecker(t testing.TB) *checker {
	doc, router := loadSpec(t)
	return &checker{doc: doc, router: router, seen: map[string]map[int]bool{}}
}

func (c *checker) validate(t *testing.T, method, path string, body []byte, hasBody bool, header http.Header, r resp) {
	t.Helper()
	ctx := context.Background()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	if hasBody && header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the OpenAPI document: %v", method, path, err)
		return
	}
	c.mu.Lock()
	key := method + " " + route.Path
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][r.Status] = true
	c.mu.Unlock()

	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: authenticated}}
	// Requests that should succeed (and version or duplicate conflicts,
	// which are well-formed) must be valid by the document too; requests
	// made to fail are not.
	if r.Status < 300 || r.Status == http.StatusConflict {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s (→ %d): request does not match the OpenAPI document: %v\nbody: %s", method, path, r.Status, err, body)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.Status,
		Header:                 r.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: response %d does not match the OpenAPI document: %v\nbody: %s", method, path, r.Status, err, r.Body)
	}
}

// authenticated checks that a request carries what the security scheme
// of its operation says: the session cookie, or a Bearer token. A request
// to the server with the stand-in identify func names its viewer instead.
func authenticated(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	if r.Header.Get("X-Test-Viewer") != "" {
		return nil
	}
	switch s := in.SecurityScheme; {
	case s.Type == "apiKey" && s.In == "cookie":
		_, err := r.Cookie(s.Name)
		return err
	case s.Type == "http" && s.Scheme == "bearer":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer gat_") {
			return errors.New("no Bearer token")
		}
		return nil
	}
	return fmt.Errorf("security scheme %s %s not known to the test", in.SecuritySchemeName, in.SecurityScheme.Type)
}

// statuses returns the statuses seen for an operation, sorted.
func (c *checker) statuses(key string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for s := range c.seen[key] {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// --- fixtures

// today is the calendar date in China.
func today() time.Time { return person.Today(time.Now()) }

// childBirth returns a birth date n years ago (on 8 March, so never 29 February).
func yearsAgo(n int) time.Time {
	return time.Date(today().Year()-n, 3, 8, 0, 0, 0, 0, time.UTC)
}

// childInput returns a valid child input for a left-behind boy in village,
// with ID number sequence seq.
func childInput(village string, seq int, name string) map[string]any {
	birth := yearsAgo(8)
	return map[string]any{
		"id_number":         idcard.Generate(village[:6], birth, seq, "M"),
		"name":              name,
		"sex":               "M",
		"birth_date":        birth.Format("2006-01-02"),
		"ethnicity":         "汉族",
		"hukou":             "rural",
		"village_code":      village,
		"father_status":     "away",
		"father_away_place": "广东省东莞市",
		"father_phone":      "13800000001",
		"mother_status":     "away",
		"mother_away_place": "浙江省宁波市",
		"mother_phone":      "",
		"guardian_name":     "李奶奶",
		"guardian_relation": "祖母",
		"guardian_phone":    "0875-1234567",
	}
}

// elderInput returns a valid elder input.
func elderInput(village string, seq int, name string) map[string]any {
	birth := yearsAgo(72)
	return map[string]any{
		"id_number":        idcard.Generate(village[:6], birth, seq, "F"),
		"name":             name,
		"sex":              "F",
		"birth_date":       birth.Format("2006-01-02"),
		"village_code":     village,
		"living":           "alone",
		"children_away":    2,
		"contact_name":     "王小明",
		"contact_relation": "儿子",
		"contact_phone":    "13900000002",
		"health_flags":     []string{"chronic_illness"},
	}
}

// with returns a copy of m with the given keys replaced.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// otherCountyVillage returns a village of 五华区, 昆明市: outside the scoped
// viewer's county.
func otherCountyVillage(t testing.TB, a *app.App) string {
	t.Helper()
	ctx := context.Background()
	towns, err := a.Regions.Children(ctx, "530102")
	if err != nil || len(towns) == 0 {
		t.Fatalf("townships of 五华区: %v (%d)", err, len(towns))
	}
	for _, town := range towns {
		villages, err := a.Regions.Children(ctx, town.Code)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range villages {
			if v.Level == regions.Village {
				return v.Code
			}
		}
	}
	t.Fatal("no village in 五华区")
	return ""
}

// id returns the "id" of a JSON object response.
func id(t testing.TB, r resp) string {
	t.Helper()
	s, _ := r.JSON(t)["id"].(string)
	if s == "" {
		t.Fatalf("response without id: %s", r.Body)
	}
	return s
}

// version returns the "version" of a JSON object response.
func version(t testing.TB, r resp) int {
	t.Helper()
	v, ok := r.JSON(t)["version"].(float64)
	if !ok {
		t.Fatalf("response without version: %s", r.Body)
	}
	return int(v)
}

// total returns the "total" of a list response.
func total(t testing.TB, r resp) int {
	t.Helper()
	v, ok := r.JSON(t)["total"].(float64)
	if !ok {
		t.Fatalf("list without total: %s", r.Body)
	}
	return int(v)
}

// unknownID is a well-formed id that names nothing.
const unknownID = "01890a5d-ac96-774b-bcce-b302099a8057"

func mustContain(t testing.TB, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s = %q, want it to contain %q", what, s, sub)
	}
}

// on returns e reporting to t (for subtests).
func (e *env) on(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}
