package matrix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/authn"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/idcard"
	"guanai/internal/schools"
	"guanai/internal/testdb"
	"guanai/internal/web"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// roles is the column order of every expectation row.
var roles = []string{"leader", "officer", "principal", "teacher", "social_worker", "mentor", "counsellor", "sysadmin", "secadmin", "auditor"}

const (
	county   = "530524000000" // 昌宁县: every role user's region
	township = "530524107000" // 大田坝镇
	village  = "530524107202" // 文沧村民委员会
)

// world is the fixture: a record of each type inside 昌宁县 and one in
// another county, users of every role, and a logged-in client per role.
type world struct {
	a       *app.App
	clock   *apptest.Clock
	srv     *httptest.Server
	ids     map[string]string // placeholder → id
	clients map[string]*client
	seq     int
}

type client struct {
	http *http.Client
	csrf string
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	clock := &apptest.Clock{T: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	sys := access.System()
	w := &world{a: a, clock: clock, ids: map[string]string{}, clients: map[string]*client{}}

	kunmingTown, err := a.Regions.Children(ctx, "530102000000") // 五华区's townships
	if err != nil || len(kunmingTown) == 0 {
		t.Fatalf("kunming: %v", err)
	}
	kunmingVillages, err := a.Regions.Children(ctx, kunmingTown[0].Code)
	if err != nil || len(kunmingVillages) == 0 {
		t.Fatalf("kunming villages: %v", err)
	}
	otherVillage := kunmingVillages[0].Code
	w.ids["otherVillage"], w.ids["village"] = otherVillage, village

	mustSchool := func(name, region string) schools.School {
		s, err := a.Schools.Create(ctx, sys, schools.Input{Name: name, Kind: "primary", RegionCode: region})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sIn, sOut := mustSchool("大田坝镇中心小学", township), mustSchool("华山小学", kunmingTown[0].Code)
	cIn, err := a.Schools.AddClass(ctx, sys, sIn.ID, 3, "一班")
	if err != nil {
		t.Fatal(err)
	}
	cOut, err := a.Schools.AddClass(ctx, sys, sOut.ID, 3, "一班")
	if err != nil {
		t.Fatal(err)
	}
	w.ids["schoolIn"], w.ids["schoolOut"], w.ids["classIn"], w.ids["classOut"] = sIn.ID, sOut.ID, cIn.ID, cOut.ID

	mustChild := func(v, school, class string) string {
		c, err := a.Children.Create(ctx, sys, w.childInput(v, school, class))
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	w.ids["childIn"] = mustChild(village, sIn.ID, cIn.ID)
	w.ids["childOut"] = mustChild(otherVillage, sOut.ID, cOut.ID)
	mustElder := func(v string) string {
		e, err := a.Elders.Create(ctx, sys, w.elderInput(v))
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	w.ids["elderIn"], w.ids["elderOut"] = mustElder(village), mustElder(otherVillage)

	// Users: one per role in 昌宁县, and an out-of-scope officer in 昆明.
	for _, r := range roles {
		in := accounts.Input{Username: "u." + r, Name: "用户" + r, RegionCode: county, Roles: []string{r}, Active: true, Password: "Matrix#Pass9"}
		if r == "principal" || r == "teacher" {
			in.SchoolID = sIn.ID
		}
		if r == "teacher" {
			in.ClassID = cIn.ID
		}
		u, err := a.Accounts.CreateWithPassword(ctx, in, false)
		if err != nil {
			t.Fatalf("user %s: %v", r, err)
		}
		w.ids["user."+r] = u.ID
	}
	out, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "u.kunming", Name: "昆明督导员", RegionCode: "530102000000",
		Roles: []string{"officer"}, Active: true, Password: "Matrix#Pass9"}, false)
	if err != nil {
		t.Fatal(err)
	}
	w.ids["userIn"], w.ids["userOut"] = w.ids["user.officer"], out.ID

	auth := &authn.Authenticator{Accounts: a.Accounts}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a, auth.Identify, nil))
	mux.Handle("/", web.New(a, auth, nil))
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	for _, r := range roles {
		w.clients[r] = w.login(t, "u."+r)
	}
	return w
}

func (w *world) childInput(v, school, class string) children.Input {
	w.seq++
	birth := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.seq)
	return children.Input{IDNumber: idcard.Generate(v[:6], birth, w.seq%500, "M"), Name: fmt.Sprintf("测试儿童%d", w.seq), Sex: "M",
		BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural", VillageCode: v, SchoolID: school, ClassID: class, Grade: 3,
		FatherStatus: "away", MotherStatus: "away"}
}

func (w *world) elderInput(v string) elders.Input {
	w.seq++
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.seq)
	return elders.Input{IDNumber: idcard.Generate(v[:6], birth, w.seq%500, "F"), Name: fmt.Sprintf("测试老人%d", w.seq), Sex: "F",
		BirthDate: birth.Format("2006-01-02"), VillageCode: v, Living: "alone"}
}

// login logs a user in through the API, enrolling a TOTP factor first for
// the roles that need one.
func (w *world) login(t *testing.T, username string) *client {
	t.Helper()
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	c := &client{http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	creds := map[string]string{"username": username, "password": "Matrix#Pass9"}
	u, err := w.a.Accounts.List(ctx, access.System(), accounts.Filter{})
	_ = u
	if err != nil {
		t.Fatal(err)
	}
	role := strings.TrimPrefix(username, "u.")
	if accounts.TOTPRequired([]string{role}) {
		v := access.Viewer{UserID: w.ids["user."+role], Username: username}
		e, err := w.a.Accounts.BeginTOTP(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(e.Secret, w.clock.T)
		if err := w.a.Accounts.ConfirmTOTP(ctx, v, code); err != nil {
			t.Fatal(err)
		}
		w.clock.T = w.clock.T.Add(31 * time.Second)
		creds["totp"], _ = totp.GenerateCode(e.Secret, w.clock.T)
	}
	b, _ := json.Marshal(creds)
	resp, err := c.http.Post(w.srv.URL+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct {
		CSRFToken  string `json:"csrf_token"`
		Restricted bool   `json:"restricted"`
	}
	json.NewDecoder(resp.Body).Decode(&me)
	if resp.StatusCode != 200 || me.CSRFToken == "" || me.Restricted {
		t.Fatalf("login %s: %d %+v", username, resp.StatusCode, me)
	}
	c.csrf = me.CSRFToken
	return c
}

// do sends a request as a role; body may be nil, a url.Values (an HTML
// form) or anything JSON-encodable.
func (w *world) do(t *testing.T, role, method, path string, body any) (int, []byte) {
	t.Helper()
	c := w.clients[role]
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		b.Set("csrf_token", c.csrf)
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, _ := http.NewRequest(method, w.srv.URL+path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// expect parses "200 404 …" (one per role, in roles order; "*" repeats
// the previous code to the end).
func expect(s string) []int {
	f := strings.Fields(s)
	out := make([]int, len(roles))
	for i := range roles {
		if i < len(f) && f[i] != "*" {
			fmt.Sscan(f[i], &out[i])
		} else if i > 0 && (i >= len(f) || f[i] == "*") {
			out[i] = out[i-1]
		}
	}
	return out
}

// row is one line of the access table: a request and, per role, the
// expected status.
type row struct {
	method, path string // path may hold {placeholders} from world.ids
	// body builds the request body (nil for none).
	body func(t *testing.T, w *world) any
	want string
}

func (w *world) version(t *testing.T, kind, id string) int {
	ctx := context.Background()
	sys := access.System()
	var v int
	var err error
	switch kind {
	case "child":
		var c children.Child
		c, err = w.a.Children.Get(ctx, sys, id)
		v = c.Version
	case "elder":
		var e elders.Elder
		e, err = w.a.Elders.Get(ctx, sys, id)
		v = e.Version
	case "school":
		var s schools.School
		s, err = w.a.Schools.Get(ctx, sys, id)
		v = s.Version
	case "user":
		var u accounts.User
		u, err = w.a.Accounts.Get(ctx, access.Viewer{Roles: []string{"sysadmin"}}, id)
		v = u.Version
	}
	if err != nil {
		t.Fatalf("version of %s %s: %v", kind, id, err)
	}
	return v
}

// withVersion merges {"version": v} into a JSON body.
func withVersion(v int, body any) map[string]any {
	b, _ := json.Marshal(body)
	m := map[string]any{}
	json.Unmarshal(b, &m)
	m["version"] = v
	return m
}

func childBody(village, school, class string) func(*testing.T, *world) any {
	return func(t *testing.T, w *world) any { return w.childInput(w.ids[village], w.ids[school], w.ids[class]) }
}

func versioned(kind, id string, body func(*testing.T, *world) any) func(*testing.T, *world) any {
	return func(t *testing.T, w *world) any {
		var b any = map[string]any{}
		if body != nil {
			b = body(t, w)
		}
		return withVersion(w.version(t, kind, w.ids[id]), b)
	}
}

func fixed(v any) func(*testing.T, *world) any { return func(*testing.T, *world) any { return v } }

// table is the whole expectation, one row per route and record. Columns:
//
//	leader officer principal teacher social_worker mentor counsellor sysadmin secadmin auditor
//
// ("*" repeats the previous column to the end). The rules it encodes:
// out-of-scope records answer 404 to everyone who could otherwise reach
// them; roles that may not write get 403 before anything is looked up (so a
// 403 reveals nothing about existence); mentors (no pairings yet) and the
// three administrative roles see no census records; school staff see their
// school (teachers their class) and never elders; accounts are read by
// sysadmin and secadmin within their subtree; only auditors read the log.
func table() []row {
	schoolBody := func(region string) func(*testing.T, *world) any {
		return func(t *testing.T, w *world) any {
			w.seq++
			return schools.Input{Name: fmt.Sprintf("测试学校%d", w.seq), Kind: "primary", RegionCode: region}
		}
	}
	userBody := func(region string) func(*testing.T, *world) any {
		return func(t *testing.T, w *world) any {
			w.seq++
			return accounts.Input{Username: fmt.Sprintf("new.user%d", w.seq), Name: "新用户", RegionCode: region, Roles: []string{"leader"}, Active: true, Password: "Matrix#Pass9"}
		}
	}
	userEdit := func(t *testing.T, w *world) any {
		return accounts.Input{Name: "改名用户", RegionCode: township, Roles: []string{"leader"}, Active: true}
	}
	elderBody := func(v string) func(*testing.T, *world) any {
		return func(t *testing.T, w *world) any { return w.elderInput(w.ids[v]) }
	}
	return []row{
		{"GET", "/api/v1/openapi.json", nil, "200 *"},
		{"GET", "/api/v1/me", nil, "200 *"},
		{"GET", "/api/v1/regions/530524107202", nil, "200 *"},
		{"GET", "/api/v1/regions/530524107000/children", nil, "200 *"},

		{"GET", "/api/v1/schools", nil, "200 *"},
		{"POST", "/api/v1/schools", schoolBody(township), "403 201 403 *"},
		{"POST", "/api/v1/schools", schoolBody("530102000000"), "403 422 403 *"},
		{"GET", "/api/v1/schools/{schoolIn}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/schools/{schoolOut}", nil, "404 *"},
		{"PUT", "/api/v1/schools/{schoolIn}", versioned("school", "schoolIn", fixed(schools.Input{Name: "大田坝镇中心小学", Kind: "primary", RegionCode: township})), "403 200 200 403 *"},
		{"PUT", "/api/v1/schools/{schoolOut}", versioned("school", "schoolOut", fixed(schools.Input{Name: "华山小学", Kind: "primary", RegionCode: township})), "403 404 404 403 *"},
		{"POST", "/api/v1/schools/{schoolIn}/classes", func(t *testing.T, w *world) any {
			w.seq++
			return map[string]any{"grade": 4, "name": fmt.Sprintf("%d班", w.seq)}
		}, "403 201 201 403 *"},
		{"POST", "/api/v1/schools/{schoolOut}/classes", fixed(map[string]any{"grade": 4, "name": "五班"}), "403 404 404 403 *"},

		{"GET", "/api/v1/children", nil, "200 *"},
		{"POST", "/api/v1/children", childBody("village", "schoolIn", "classIn"), "403 201 201 201 403 *"},
		{"POST", "/api/v1/children", childBody("otherVillage", "schoolOut", "classOut"), "403 422 422 422 403 *"},
		{"GET", "/api/v1/children/{childIn}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/children/{childOut}", nil, "404 *"},
		{"GET", "/api/v1/children/{childIn}/history", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/children/{childOut}/history", nil, "404 *"},
		{"PUT", "/api/v1/children/{childIn}", versioned("child", "childIn", func(t *testing.T, w *world) any {
			c, _ := w.a.Children.GetRevealed(context.Background(), access.System(), w.ids["childIn"])
			return inputOf(c)
		}), "403 200 200 200 403 *"},
		{"PUT", "/api/v1/children/{childOut}", versioned("child", "childOut", childBody("otherVillage", "schoolOut", "classOut")), "403 404 404 404 403 *"},
		{"POST", "/api/v1/children/{childIn}/archive", versioned("child", "childIn", fixed(map[string]any{"reason": "矩阵测试"})), "403 200 200 200 403 *"},
		{"POST", "/api/v1/children/{childIn}/restore", versioned("child", "childIn", nil), "403 200 200 200 403 *"},
		{"POST", "/api/v1/children/{childOut}/archive", versioned("child", "childOut", fixed(map[string]any{"reason": "矩阵测试"})), "403 404 404 404 403 *"},
		{"POST", "/api/v1/children/{childOut}/restore", versioned("child", "childOut", nil), "403 404 404 404 403 *"},

		{"GET", "/api/v1/elders", nil, "200 *"},
		{"POST", "/api/v1/elders", elderBody("village"), "403 201 403 *"},
		{"POST", "/api/v1/elders", elderBody("otherVillage"), "403 422 403 *"},
		{"GET", "/api/v1/elders/{elderIn}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/elders/{elderOut}", nil, "404 *"},
		{"PUT", "/api/v1/elders/{elderIn}", versioned("elder", "elderIn", func(t *testing.T, w *world) any {
			e, _ := w.a.Elders.GetRevealed(context.Background(), access.System(), w.ids["elderIn"])
			return elders.Input{IDNumber: e.IDNumber, Name: e.Name, Sex: e.Sex, BirthDate: e.BirthDate.Format("2006-01-02"), VillageCode: e.VillageCode, Living: "spouse"}
		}), "403 200 403 *"},
		{"PUT", "/api/v1/elders/{elderOut}", versioned("elder", "elderOut", elderBody("otherVillage")), "403 404 403 *"},
		{"POST", "/api/v1/elders/{elderIn}/archive", versioned("elder", "elderIn", fixed(map[string]any{"reason": "矩阵测试"})), "403 200 403 *"},
		{"POST", "/api/v1/elders/{elderOut}/archive", versioned("elder", "elderOut", fixed(map[string]any{"reason": "矩阵测试"})), "403 404 403 *"},

		{"GET", "/api/v1/users", nil, "200 *"},
		{"POST", "/api/v1/users", userBody(township), "403 403 403 403 403 403 403 201 403 403"},
		{"POST", "/api/v1/users", userBody("530102000000"), "403 403 403 403 403 403 403 422 403 403"},
		{"GET", "/api/v1/users/{userIn}", nil, "404 404 404 404 404 404 404 200 200 404"},
		{"GET", "/api/v1/users/{userOut}", nil, "404 *"},
		{"PUT", "/api/v1/users/{userIn}", versioned("user", "userIn", userEdit), "404 404 404 404 404 404 404 200 403 404"},
		{"PUT", "/api/v1/users/{userOut}", versioned("user", "userOut", userEdit), "404 *"},
		{"POST", "/api/v1/users/{userIn}/unlock", nil, "404 404 404 404 404 404 404 204 204 404"},
		{"POST", "/api/v1/users/{userOut}/unlock", nil, "404 *"},
		{"POST", "/api/v1/users/{userIn}/reset-totp", nil, "404 404 404 404 404 404 404 204 204 404"},
		{"POST", "/api/v1/users/{userOut}/reset-totp", nil, "404 *"},

		{"GET", "/api/v1/audit", nil, "403 403 403 403 403 403 403 403 403 200"},
		{"GET", "/api/v1/me/tokens", nil, "200 *"},
		{"POST", "/api/v1/me/tokens", fixed(map[string]any{"name": "矩阵"}), "201 *"},
		{"DELETE", "/api/v1/me/tokens/{otherToken}", nil, "404 *"},
		{"PUT", "/api/v1/me/password", fixed(map[string]any{"current_password": "wrong", "new_password": "Another#Pass9"}), "422 *"},
		{"POST", "/api/v1/me/totp", nil, "200 *"},
		{"POST", "/api/v1/me/totp/confirm", fixed(map[string]any{"code": "000000"}), "422 *"},

		// The dashboard: the caller's own (school staff: their school), a
		// node or school in scope, and nothing outside it or above it.
		{"GET", "/api/v1/dashboard", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard?region=" + township, nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard?region={village}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard?region={otherVillage}", nil, "404 *"},
		{"GET", "/api/v1/dashboard?region=530500000000", nil, "404 *"},
		{"GET", "/api/v1/dashboard?school={schoolIn}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard?school={schoolOut}", nil, "404 *"},
		{"GET", "/api/v1/dashboard/export", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard/export?region=" + township, nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/dashboard/export?region={otherVillage}", nil, "404 *"},
		{"GET", "/api/v1/dashboard/export?school={schoolOut}", nil, "404 *"},

		// HTML pages (forms post url-encoded with the csrf_token field).
		{"GET", "/", nil, "200 *"},
		{"GET", "/account", nil, "200 *"},
		{"POST", "/account/password", fixed(url.Values{"current_password": {"wrong"}, "new_password": {"Another#Pass9"}, "repeat_password": {"Another#Pass9"}}), "422 *"},
		{"POST", "/account/tokens", fixed(url.Values{"name": {"网页令牌"}}), "200 *"},
		{"POST", "/account/tokens/{otherToken}/revoke", fixed(url.Values{}), "404 *"},
		{"GET", "/users", nil, "404 404 404 404 404 404 404 200 200 404"},
		{"GET", "/users/new", nil, "404 404 404 404 404 404 404 200 404 404"},
		{"POST", "/users/new", userForm(township, true), "404 404 404 404 404 404 404 303 404 404"},
		{"POST", "/users/new", userForm("530102000000", true), "404 404 404 404 404 404 404 422 404 404"},
		{"GET", "/users/{userIn}", nil, "404 404 404 404 404 404 404 200 200 404"},
		{"GET", "/users/{userOut}", nil, "404 *"},
		{"POST", "/users/{userIn}", versionedForm("userIn", userForm(township, false)), "404 404 404 404 404 404 404 303 404 404"},
		{"POST", "/users/{userOut}", versionedForm("userOut", userForm(township, false)), "404 *"},
		{"POST", "/users/{userIn}/unlock", fixed(url.Values{}), "404 404 404 404 404 404 404 303 303 404"},
		{"POST", "/users/{userOut}/unlock", fixed(url.Values{}), "404 *"},
		{"POST", "/users/{userIn}/reset-totp", fixed(url.Values{}), "404 404 404 404 404 404 404 303 303 404"},
		{"POST", "/users/{userOut}/reset-totp", fixed(url.Values{}), "404 *"},
		{"GET", "/audit", nil, "404 404 404 404 404 404 404 404 404 200"},
		{"GET", "/dashboard", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/dashboard?region={village}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/dashboard?region={otherVillage}", nil, "404 *"},
		{"GET", "/dashboard?region=530500000000", nil, "404 *"},
		{"GET", "/dashboard?school={schoolIn}", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/dashboard?school={schoolOut}", nil, "404 *"},
		{"GET", "/dashboard/export.xlsx", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/dashboard/export.xlsx?region={otherVillage}", nil, "404 *"},
		{"GET", "/no/such/page", nil, "404 *"},
	}
}

// userForm is the HTML user form; creating adds a fresh username and a
// password.
func userForm(region string, creating bool) func(*testing.T, *world) any {
	return func(t *testing.T, w *world) any {
		f := url.Values{"name": {"表单用户"}, "region_code": {region}, "roles": {"leader"}, "active": {"on"}}
		if creating {
			w.seq++
			f.Set("username", fmt.Sprintf("form.user%d", w.seq))
			f.Set("password", "Matrix#Pass9")
		}
		return f
	}
}

func versionedForm(id string, body func(*testing.T, *world) any) func(*testing.T, *world) any {
	return func(t *testing.T, w *world) any {
		f := body(t, w).(url.Values)
		f.Set("version", fmt.Sprint(w.version(t, "user", w.ids[id])))
		return f
	}
}

func inputOf(c children.Child) children.Input {
	return children.Input{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: c.BirthDate.Format("2006-01-02"), Ethnicity: c.Ethnicity,
		Hukou: c.Hukou, VillageCode: c.VillageCode, SchoolID: c.SchoolID, Grade: c.Grade, ClassID: c.ClassID,
		FatherStatus: c.FatherStatus, MotherStatus: c.MotherStatus, Notes: "矩阵测试修改"}
}

// TestRoleRouteRecordMatrix runs every row of the table for every role and
// counts mismatches; the expected count is zero.
func TestRoleRouteRecordMatrix(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	// A token belonging to someone else, which nobody else may revoke.
	other := access.Viewer{UserID: w.ids["userOut"], Username: "u.kunming"}
	tok, _, err := w.a.Accounts.CreateToken(ctx, other, "他人的令牌")
	if err != nil {
		t.Fatal(err)
	}
	w.ids["otherToken"] = tok.ID
	// A user in scope that is none of the role users.
	plain, err := w.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "u.plain", Name: "镇领导", RegionCode: township, Roles: []string{"leader"}, Active: true, Password: "Matrix#Pass9"}, false)
	if err != nil {
		t.Fatal(err)
	}
	w.ids["userIn"] = plain.ID

	mismatches, checked := 0, 0
	for ri, role := range roles {
		for _, r := range table() {
			path := r.path
			for k, v := range w.ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
			}
			var body any
			if r.body != nil {
				body = r.body(t, w)
			}
			want := expect(r.want)[ri]
			got, out := w.do(t, role, r.method, path, body)
			checked++
			if got != want {
				mismatches++
				t.Errorf("%-13s %-6s %-45s got %d, want %d: %.200s", role, r.method, r.path, got, want, out)
			}
		}
	}
	t.Logf("%d role × route × record checks, %d mismatches", checked, mismatches)
}

// TestListsNeverLeak checks every list as every role: no out-of-scope
// record is listed, and the totals count only what the role may see.
func TestListsNeverLeak(t *testing.T) {
	w := setup(t)
	forbidden := []string{w.ids["childOut"], w.ids["elderOut"], w.ids["schoolOut"], w.ids["userOut"]}
	lists := []struct {
		path string
		// visible: the ids this role must see (and the total it must report)
		visible func(role string) []string
	}{
		{"/api/v1/children?limit=500", func(role string) []string {
			switch role {
			case "leader", "officer", "principal", "teacher", "social_worker", "counsellor":
				return []string{w.ids["childIn"]}
			}
			return nil
		}},
		{"/api/v1/children?limit=500&region=530102", func(string) []string { return nil }},
		{"/api/v1/children?limit=500&q=测试儿童", func(role string) []string {
			switch role {
			case "leader", "officer", "principal", "teacher", "social_worker", "counsellor":
				return []string{w.ids["childIn"]}
			}
			return nil
		}},
		{"/api/v1/elders?limit=500", func(role string) []string {
			switch role {
			case "leader", "officer", "social_worker", "counsellor":
				return []string{w.ids["elderIn"]}
			}
			return nil
		}},
		{"/api/v1/schools?limit=500", func(role string) []string {
			switch role {
			case "leader", "officer", "principal", "teacher", "social_worker", "counsellor":
				return []string{w.ids["schoolIn"]}
			}
			return nil
		}},
		{"/api/v1/users?limit=500", func(role string) []string {
			switch role {
			case "sysadmin", "secadmin":
				ids := []string{}
				for _, r := range roles {
					ids = append(ids, w.ids["user."+r])
				}
				return ids
			}
			return []string{w.ids["user."+role]}
		}},
	}
	// The overview's counts are lists too: they count only what the role
	// may see.
	counts := map[string][3]int{ // children, elders, schools
		"leader": {1, 1, 1}, "officer": {1, 1, 1}, "principal": {1, 0, 1}, "teacher": {1, 0, 1}, "social_worker": {1, 1, 1},
		"counsellor": {1, 1, 1},
	}
	for _, role := range roles {
		code, body := w.do(t, role, "GET", "/", nil)
		if code != 200 {
			t.Fatalf("%s /: %d", role, code)
		}
		want := counts[role]
		for i, label := range []string{"在册儿童", "留守老人", "学校"} {
			if tag := fmt.Sprintf("<dt>%s</dt><dd>%d</dd>", label, want[i]); !strings.Contains(string(body), tag) {
				t.Errorf("%s overview: want %s", role, tag)
			}
		}
	}
	for _, role := range roles {
		for _, l := range lists {
			code, body := w.do(t, role, "GET", l.path, nil)
			if code != 200 {
				t.Errorf("%s %s: %d", role, l.path, code)
				continue
			}
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				Total int `json:"total"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, it := range page.Items {
				got[it.ID] = true
			}
			for _, f := range forbidden {
				if got[f] {
					t.Errorf("%s %s lists out-of-scope record %s", role, l.path, f)
				}
			}
			want := l.visible(role)
			if page.Total != len(want) || len(page.Items) != len(want) {
				t.Errorf("%s %s: total %d, %d items; want %d", role, l.path, page.Total, len(page.Items), len(want))
			}
			for _, id := range want {
				if !got[id] {
					t.Errorf("%s %s misses %s", role, l.path, id)
				}
			}
		}
	}
}
