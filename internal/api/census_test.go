package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"guanai/internal/idcard"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// childJSON is the part of the child JSON the tests look at.
type childJSON struct {
	ID               string   `json:"id"`
	Version          int      `json:"version"`
	IDNumber         string   `json:"id_number"`
	Name             string   `json:"name"`
	Sex              string   `json:"sex"`
	BirthDate        string   `json:"birth_date"`
	VillageCode      string   `json:"village_code"`
	FatherStatus     string   `json:"father_status"`
	MotherStatus     string   `json:"mother_status"`
	LeftBehind       bool     `json:"left_behind"`
	LeftBehindReason string   `json:"left_behind_reason"`
	Categories       []string `json:"categories"`
	HealthFlags      []string `json:"health_flags"`
	Difficulty       []string `json:"difficulty"`
	Archived         bool     `json:"archived"`
	Masked           []string `json:"masked"`
	Guardian         struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	} `json:"guardian"`
}

func mask(n string) string { return n[:4] + strings.Repeat("*", 10) + n[14:] }

func TestChildJSON(t *testing.T) {
	e := newEnv(t)
	guardianID := idcard.Generate("530524", yearsAgo(62), 11, "F")
	in := with(childInput(wencang, 1, "张小明"), "guardian_id_number", guardianID,
		"health_flags", []string{"malnutrition"}, "difficulty", []string{"poverty"})
	number := in["id_number"].(string)
	r := e.expect(201, asSystem, "POST", "/api/v1/children", in)
	cid := id(t, r)
	if !uuidRe.MatchString(cid) {
		t.Errorf("id %q is not a UUID", cid)
	}

	tests := []struct {
		as, path           string
		idNumber, guardian string
		masked             []string
		categories         []string
		health, difficulty []string
	}{
		// The detail shows ID numbers only when asked to, to a viewer who may see them.
		{asSystem, "/api/v1/children/" + cid + "?reveal=id_number", number, guardianID, []string{},
			[]string{"left_behind", "difficulty"}, []string{"malnutrition"}, []string{"poverty"}},
		{asSystem, "/api/v1/children/" + cid, mask(number), mask(guardianID), []string{"id_number"},
			[]string{"left_behind", "difficulty"}, []string{"malnutrition"}, []string{"poverty"}},
		{asScoped, "/api/v1/children/" + cid, mask(number), mask(guardianID), []string{"id_number", "health", "difficulty"},
			[]string{"left_behind"}, []string{}, []string{}},
		{asScoped, "/api/v1/children/" + cid + "?reveal=id_number", mask(number), mask(guardianID), []string{"id_number", "health", "difficulty"},
			[]string{"left_behind"}, []string{}, []string{}},
		// Lists mask ID numbers even for a viewer who may see them.
		{asSystem, "/api/v1/children", mask(number), mask(guardianID), []string{"id_number"},
			[]string{"left_behind", "difficulty"}, []string{"malnutrition"}, []string{"poverty"}},
		{asScoped, "/api/v1/children", mask(number), mask(guardianID), []string{"id_number", "health", "difficulty"},
			[]string{"left_behind"}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.as+tt.path, func(t *testing.T) {
			r := e.on(t).expect(200, tt.as, "GET", tt.path, nil)
			var c childJSON
			if strings.HasSuffix(tt.path, "/children") {
				var list struct {
					Items []childJSON
					Total int
				}
				r.Decode(t, &list)
				if list.Total != 1 || len(list.Items) != 1 {
					t.Fatalf("list: %s", r.Body)
				}
				c = list.Items[0]
			} else {
				r.Decode(t, &c)
			}
			// Every documented field is there.
			m := r.JSON(t)
			if items, ok := m["items"].([]any); ok {
				m = items[0].(map[string]any)
			}
			for _, k := range []string{"id", "version", "id_number", "name", "sex", "birth_date", "village_code",
				"father_status", "mother_status", "left_behind", "categories", "guardian", "classified_on", "masked"} {
				if _, ok := m[k]; !ok {
					t.Errorf("child JSON lacks %q: %s", k, r.Body)
				}
			}
			if c.ID != cid || c.Version != 1 || c.Name != "张小明" || c.Sex != "M" || c.BirthDate != in["birth_date"] ||
				c.VillageCode != wencang || c.FatherStatus != "away" || c.MotherStatus != "away" || !c.LeftBehind ||
				c.LeftBehindReason != "both_away" {
				t.Errorf("child JSON: %s", r.Body)
			}
			if c.IDNumber != tt.idNumber {
				t.Errorf("id_number = %q, want %q", c.IDNumber, tt.idNumber)
			}
			if c.Guardian.IDNumber != tt.guardian {
				t.Errorf("guardian.id_number = %q, want %q", c.Guardian.IDNumber, tt.guardian)
			}
			if !slices.Equal(c.Masked, tt.masked) {
				t.Errorf("masked = %q, want %q", c.Masked, tt.masked)
			}
			if !slices.Equal(c.Categories, tt.categories) {
				t.Errorf("categories = %q, want %q", c.Categories, tt.categories)
			}
			if !slices.Equal(c.HealthFlags, tt.health) || !slices.Equal(c.Difficulty, tt.difficulty) {
				t.Errorf("health_flags = %q, difficulty = %q, want %q and %q", c.HealthFlags, c.Difficulty, tt.health, tt.difficulty)
			}
		})
	}
	if want := "5305**********"; !strings.HasPrefix(mask(number), want) || len(mask(number)) != 18 {
		t.Errorf("mask %q: want 5305 + 10 stars + last 4", mask(number))
	}
}

// TestChildClassification checks the derived fields for the main cases of
// 国发〔2016〕13号 as the API shows them.
func TestChildClassification(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name                  string
		father, mother, hukou string
		difficulty            []string
		migrant               bool
		leftBehind            bool
		reason                string
		categories            []string
	}{
		{"both away", "away", "away", "rural", nil, false, true, "both_away", []string{"left_behind"}},
		{"mother at home", "away", "home", "rural", nil, false, false, "parent_cares", []string{}},
		{"mother deceased", "away", "deceased", "rural", nil, false, true, "away_deceased", []string{"left_behind"}},
		{"father incapable", "incapable", "away", "rural", nil, false, true, "away_incapable", []string{"left_behind"}},
		{"mother unknown", "away", "unknown", "rural", nil, false, false, "parent_cares", []string{}},
		{"urban", "away", "away", "urban", nil, false, false, "urban", []string{}},
		{"difficulty and migrant", "home", "home", "rural", []string{"poverty"}, true, false, "parent_cares", []string{"difficulty", "migrant"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := with(childInput(wencang, 20+i, "儿童"+tt.name), "father_status", tt.father, "mother_status", tt.mother,
				"hukou", tt.hukou, "migrant", tt.migrant)
			if tt.difficulty != nil {
				in["difficulty"] = tt.difficulty
			}
			var c childJSON
			e.on(t).expect(201, asSystem, "POST", "/api/v1/children", in).Decode(t, &c)
			if c.LeftBehind != tt.leftBehind || c.LeftBehindReason != tt.reason || !slices.Equal(c.Categories, tt.categories) {
				t.Errorf("left_behind %v (%s) %q, want %v (%s) %q", c.LeftBehind, c.LeftBehindReason, c.Categories,
					tt.leftBehind, tt.reason, tt.categories)
			}
		})
	}
}

// childTotal is the number of children of every status the system sees.
func childTotal(t *testing.T, e *env) int {
	t.Helper()
	return total(t, e.expect(200, asSystem, "GET", "/api/v1/children?status=all", nil))
}

func TestCreateChildInvalid(t *testing.T) {
	e := newEnv(t)
	far := otherCountyVillage(t, e.app)
	good := childInput(wencang, 1, "张小明")
	number := good["id_number"].(string)
	badCheck := number[:17] + map[bool]string{true: "0", false: "1"}[number[17] != '0']
	tests := []struct {
		name   string
		as     string
		body   map[string]any
		fields map[string]string // field → part of its message
	}{
		{"bad check digit", asSystem, with(good, "id_number", badCheck), map[string]string{"id_number": "校验位"}},
		{"id number of another birth date", asSystem, with(good, "birth_date", yearsAgo(9).Format("2006-01-02")),
			map[string]string{"id_number": "出生日期"}},
		{"id number of a girl", asSystem, with(good, "sex", "F"), map[string]string{"id_number": "性别"}},
		{"unknown village", asSystem, with(good, "village_code", "530524107999"), map[string]string{"village_code": "530524107999"}},
		{"township, not a village", asSystem, with(good, "village_code", datianba), map[string]string{"village_code": "村级"}},
		{"malformed code", asSystem, with(good, "village_code", "53052X"), map[string]string{"village_code": "53052X"}},
		{"village out of scope", asScoped, with(good, "village_code", far), map[string]string{"village_code": "管辖范围"}},
		{"unknown school", asSystem, with(good, "school_id", unknownID), map[string]string{"school_id": "学校"}},
		{"class without school", asSystem, with(good, "class_id", unknownID), map[string]string{"class_id": "学校"}},
		{"adult", asSystem, with(good, "birth_date", yearsAgo(20).Format("2006-01-02"),
			"id_number", idcard.Generate("530524", yearsAgo(20), 1, "M")), map[string]string{"birth_date": "18"}},
		{"many bad fields", asSystem, map[string]any{
			"id_number":             "53052420150308123",
			"name":                  "",
			"sex":                   "X",
			"birth_date":            "2015-13-45",
			"ethnicity":             "火星族",
			"hukou":                 "moon",
			"village_code":          "",
			"grade":                 13,
			"father_status":         "gone",
			"mother_status":         "",
			"father_phone":          "12345",
			"guardian_entrusted":    true,
			"guardian_entrusted_on": "yesterday",
			"health_flags":          []string{"flu"},
			"disability":            "none",
			"difficulty":            []string{"bored"},
			"notes":                 strings.Repeat("备", 1001),
		}, map[string]string{
			"id_number": "18位", "name": "姓名", "sex": "性别", "birth_date": "2015-13-45", "ethnicity": "火星族",
			"hukou": "户籍", "village_code": "村", "grade": "年级", "father_status": "父亲", "mother_status": "母亲",
			"father_phone": "电话", "guardian_name": "监护人", "guardian_entrusted_on": "yesterday", "health_flags": "flu",
			"disability": "none", "difficulty": "bored", "notes": "1000",
		}},
	}
	before := childTotal(t, e)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.on(t).expect(422, tt.as, "POST", "/api/v1/children", tt.body)
			er := r.Err(t).Error
			if er.Code != "invalid" {
				t.Errorf("code %q, want invalid", er.Code)
			}
			for f, part := range tt.fields {
				msg, ok := er.Fields[f]
				if !ok {
					t.Errorf("fields lack %s: %s", f, r.Body)
					continue
				}
				mustContain(t, "fields."+f, msg, part)
			}
			if len(tt.fields) > 1 && len(er.Fields) != len(tt.fields) {
				t.Errorf("fields: %d, want %d: %v", len(er.Fields), len(tt.fields), er.Fields)
			}
		})
	}
	if after := childTotal(t, e); after != before {
		t.Errorf("invalid creates wrote children: total %d → %d", before, after)
	}
	// The good input still goes through.
	e.expect(201, asScoped, "POST", "/api/v1/children", good)
}

func TestMalformedBodies(t *testing.T) {
	e := newEnv(t)
	cid := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", childInput(wencang, 1, "张小明")))
	eid := id(t, e.expect(201, asSystem, "POST", "/api/v1/elders", elderInput(wencang, 2, "赵奶奶")))
	sid := id(t, e.expect(201, asSystem, "POST", "/api/v1/schools", map[string]any{"name": "文沧完小", "kind": "primary", "region_code": "530524107"}))
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/children"},
		{"PUT", "/api/v1/children/" + cid},
		{"POST", "/api/v1/children/" + cid + "/archive"},
		{"POST", "/api/v1/children/" + cid + "/restore"},
		{"POST", "/api/v1/elders"},
		{"PUT", "/api/v1/elders/" + eid},
		{"POST", "/api/v1/elders/" + eid + "/archive"},
		{"POST", "/api/v1/schools"},
		{"PUT", "/api/v1/schools/" + sid},
		{"POST", "/api/v1/schools/" + sid + "/classes"},
	}
	bodies := []struct {
		name, body string
		field      string // the field the error names, if any
	}{
		{"empty", "", ""},
		{"truncated", `{"name": "张`, ""},
		{"not JSON", `name=张小明`, ""},
		{"trailing comma", `{"name": "张小明",}`, ""},
		{"two objects", `{} {}`, ""},
		{"trailing garbage", `{} x`, ""},
		{"unknown field", `{"nickname": "明明"}`, "nickname"},
		{"wrong type", `{"name": ["张"]}`, "name"},
		{"fraction for an integer", `{"version": 1.5, "grade": 1.5}`, ""},
		{"array", `[]`, ""},
		{"string", `"张小明"`, ""},
	}
	for _, rt := range routes {
		for _, b := range bodies {
			t.Run(rt.method+rt.path+"/"+b.name, func(t *testing.T) {
				r := e.on(t).do(asSystem, rt.method, rt.path, raw(b.body))
				if r.Status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				er := r.Err(t).Error
				if er.Code != "bad_request" {
					t.Errorf("code %q, want bad_request", er.Code)
				}
				// PUT bodies embed the input; their type errors name the
				// field wrongly (see TestKnownBugs).
				if b.field != "" && (rt.method == "POST" || b.name != "wrong type") {
					if _, ok := er.Fields[b.field]; !ok {
						t.Errorf("fields should name %s: %s", b.field, r.Body)
					}
					mustContain(t, "message", er.Message, b.field)
				}
			})
		}
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/children", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("text/plain body: status %d, want 400", res.StatusCode)
	}
	big := `{"notes": "` + strings.Repeat("长", 1<<19) + `"}`
	r := e.do(asSystem, "POST", "/api/v1/children", raw(big))
	if r.Status != http.StatusBadRequest {
		t.Errorf("body over 1 MiB: status %d, want 400: %.200s", r.Status, r.Body)
	}
	// Nothing was written or changed.
	if n := childTotal(t, e); n != 1 {
		t.Errorf("children: %d, want 1", n)
	}
	for _, p := range []string{"/api/v1/children/" + cid, "/api/v1/elders/" + eid, "/api/v1/schools/" + sid} {
		if v := version(t, e.expect(200, asSystem, "GET", p, nil)); v != 1 {
			t.Errorf("%s: version %d after bad requests, want 1", p, v)
		}
	}
}

func TestBadQueryParameters(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ path, field string }{
		{"/api/v1/children?limit=-1", "limit"},
		{"/api/v1/children?offset=x", "offset"},
		{"/api/v1/children?age_min=-2", "age_min"},
		{"/api/v1/children?age_max=ten", "age_max"},
		{"/api/v1/children?desc=maybe", "desc"},
		{"/api/v1/children?category=orphan", "category"},
		{"/api/v1/children?status=gone", "status"},
		{"/api/v1/children?sort=age", "sort"},
		{"/api/v1/children?sex=X", "sex"},
		{"/api/v1/children?region=abc", "region"},
		{"/api/v1/elders?living=nomad", "living"},
		{"/api/v1/elders?status=gone", "status"},
		{"/api/v1/elders?region=12345", "region"},
		{"/api/v1/elders?limit=x", "limit"},
		{"/api/v1/schools?region=abc", "region"},
		{"/api/v1/schools?offset=-3", "offset"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.on(t).expect(422, asSystem, "GET", tt.path, nil)
			if er := r.Err(t).Error; er.Code != "invalid" || er.Fields[tt.field] == "" {
				t.Errorf("want fields.%s: %s", tt.field, r.Body)
			}
		})
	}
}

func TestDuplicateIDNumber(t *testing.T) {
	e := newEnv(t)
	first := childInput(wencang, 1, "张小明")
	e.expect(201, asSystem, "POST", "/api/v1/children", first)
	before := childTotal(t, e)
	for _, as := range []string{asSystem, asScoped} {
		r := e.expect(409, as, "POST", "/api/v1/children", with(first, "name", "张小明二"))
		er := r.Err(t).Error
		if er.Code != "conflict" {
			t.Errorf("code %q, want conflict", er.Code)
		}
		mustContain(t, "message", er.Message, "昌宁县")
		mustContain(t, "message", er.Message, "文沧村")
		mustContain(t, "fields.id_number", er.Fields["id_number"], "昌宁县")
	}
	if n := childTotal(t, e); n != before {
		t.Errorf("duplicate wrote a child: %d → %d", before, n)
	}
	// Changing another child's number to the registered one is refused too,
	// and leaves it as it was.
	second := childInput(wencang, 2, "李小刚")
	sid := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", second))
	r := e.expect(409, asSystem, "PUT", "/api/v1/children/"+sid, with(second, "version", 1, "id_number", first["id_number"]))
	mustContain(t, "message", r.Err(t).Error.Message, "昌宁县")
	var c childJSON
	e.expect(200, asSystem, "GET", "/api/v1/children/"+sid+"?reveal=id_number", nil).Decode(t, &c)
	if c.Version != 1 || c.IDNumber != second["id_number"] {
		t.Errorf("after refused update: version %d, id_number %s", c.Version, c.IDNumber)
	}
	// Archived records still hold their number.
	e.expect(200, asSystem, "POST", "/api/v1/children/"+sid+"/archive", map[string]any{"version": 1, "reason": "迁出"})
	r = e.expect(409, asSystem, "POST", "/api/v1/children", with(second, "name", "李小刚二"))
	mustContain(t, "message", r.Err(t).Error.Message, "归档")

	elder := elderInput(wencang, 3, "赵奶奶")
	e.expect(201, asSystem, "POST", "/api/v1/elders", elder)
	r = e.expect(409, asScoped, "POST", "/api/v1/elders", with(elder, "name", "赵婆婆"))
	mustContain(t, "message", r.Err(t).Error.Message, "昌宁县")
}

func TestStaleVersion(t *testing.T) {
	e := newEnv(t)
	school := map[string]any{"name": "文沧完小", "kind": "primary", "region_code": "530524107"}
	tests := []struct {
		name        string
		create      map[string]any
		collection  string
		first, late map[string]any // two edits made from version 1
		field       string         // a field the edits set differently
	}{
		{"child", childInput(wencang, 1, "张小明"), "/api/v1/children",
			map[string]any{"name": "张晓明"}, map[string]any{"name": "张小名"}, "name"},
		{"elder", elderInput(wencang, 2, "赵奶奶"), "/api/v1/elders",
			map[string]any{"living": "spouse"}, map[string]any{"living": "other"}, "living"},
		{"school", school, "/api/v1/schools",
			map[string]any{"address": "文沧村1号"}, map[string]any{"address": "文沧村2号"}, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.on(t)
			rid := id(t, e.expect(201, asSystem, "POST", tt.collection, tt.create))
			path := tt.collection + "/" + rid
			edit := func(changes map[string]any, version int) map[string]any {
				b := with(tt.create, "version", version)
				for k, v := range changes {
					b[k] = v
				}
				return b
			}
			r := e.expect(200, asScoped, "PUT", path, edit(tt.first, 1))
			if version(t, r) != 2 {
				t.Fatalf("version after the first edit: %s", r.Body)
			}
			r = e.expect(409, asScoped, "PUT", path, edit(tt.late, 1))
			if er := r.Err(t).Error; er.Code != "conflict" || !strings.Contains(er.Message, "修改") {
				t.Errorf("stale edit: %s", r.Body)
			}
			cur := e.expect(200, asSystem, "GET", path, nil).JSON(t)
			if cur["version"] != float64(2) || cur[tt.field] != tt.first[tt.field] {
				t.Errorf("after the stale edit: version %v, %s %v; want 2, %v", cur["version"], tt.field, cur[tt.field], tt.first[tt.field])
			}
			if tt.name == "school" {
				return
			}
			r = e.expect(409, asScoped, "POST", path+"/archive", map[string]any{"version": 1, "reason": "迁出"})
			if r.Err(t).Error.Code != "conflict" {
				t.Errorf("stale archive: %s", r.Body)
			}
			cur = e.expect(200, asSystem, "GET", path, nil).JSON(t)
			if cur["version"] != float64(2) || cur["archived"] != false {
				t.Errorf("after the stale archive: %v", cur)
			}
		})
	}
}

func TestOutOfScope(t *testing.T) {
	e := newEnv(t)
	far := otherCountyVillage(t, e.app)
	near := childInput(wencang, 1, "张小明")
	farIn := childInput(far, 2, "王远方")
	nearID := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", near))
	farID := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", farIn))
	farArchived := id(t, e.expect(201, asSystem, "POST", "/api/v1/children", childInput(far, 3, "王远行")))
	e.expect(200, asSystem, "POST", "/api/v1/children/"+farArchived+"/archive", map[string]any{"version": 1, "reason": "迁出"})
	farElder := id(t, e.expect(201, asSystem, "POST", "/api/v1/elders", elderInput(far, 4, "钱奶奶")))
	e.expect(201, asSystem, "POST", "/api/v1/elders", elderInput(wencang, 5, "赵奶奶"))
	farSchool := id(t, e.expect(201, asSystem, "POST", "/api/v1/schools", map[string]any{"name": "翠湖小学", "kind": "primary", "region_code": far[:9]}))
	e.expect(201, asSystem, "POST", "/api/v1/schools", map[string]any{"name": "文沧完小", "kind": "primary", "region_code": "530524107"})

	notFound := e.expect(404, asScoped, "GET", "/api/v1/children/"+unknownID, nil).Err(t).Error.Message
	requests := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/children/" + farID, nil},
		{"PUT", "/api/v1/children/" + farID, with(farIn, "version", 1, "name", "王近处")},
		{"PUT", "/api/v1/children/" + farID, with(near, "version", 1, "id_number", farIn["id_number"])},
		{"POST", "/api/v1/children/" + farID + "/archive", map[string]any{"version": 1, "reason": "迁出"}},
		{"POST", "/api/v1/children/" + farArchived + "/restore", map[string]any{"version": 2}},
		{"GET", "/api/v1/children/" + farID + "/history", nil},
		{"GET", "/api/v1/elders/" + farElder, nil},
		{"PUT", "/api/v1/elders/" + farElder, with(elderInput(far, 4, "钱奶奶"), "version", 1)},
		{"POST", "/api/v1/elders/" + farElder + "/archive", map[string]any{"version": 1, "reason": "去世"}},
		{"GET", "/api/v1/schools/" + farSchool, nil},
		{"PUT", "/api/v1/schools/" + farSchool, map[string]any{"version": 1, "name": "翠湖小学", "kind": "primary", "region_code": "530524107"}},
		{"POST", "/api/v1/schools/" + farSchool + "/classes", map[string]any{"grade": 1, "name": "1班"}},
	}
	for _, rq := range requests {
		t.Run(rq.method+rq.path, func(t *testing.T) {
			r := e.on(t).expect(404, asScoped, rq.method, rq.path, rq.body)
			er := r.Err(t).Error
			if er.Code != "not_found" {
				t.Errorf("code %q", er.Code)
			}
			if strings.HasPrefix(rq.path, "/api/v1/children/") && er.Message != notFound {
				t.Errorf("message %q differs from an unknown id's %q", er.Message, notFound)
			}
		})
	}
	// Nothing outside the scope changed.
	for _, p := range []string{"/api/v1/children/" + farID, "/api/v1/elders/" + farElder, "/api/v1/schools/" + farSchool} {
		if v := version(t, e.expect(200, asSystem, "GET", p, nil)); v != 1 {
			t.Errorf("%s: version %d, want 1", p, v)
		}
	}
	if v := version(t, e.expect(200, asSystem, "GET", "/api/v1/children/"+farArchived, nil)); v != 2 {
		t.Errorf("archived child: version %d, want 2", v)
	}
	// Placing a child in an out-of-scope school is refused like an unknown one.
	r := e.expect(422, asScoped, "POST", "/api/v1/children", with(childInput(wencang, 6, "孙小小"), "school_id", farSchool))
	if r.Err(t).Error.Fields["school_id"] == "" {
		t.Errorf("out-of-scope school: %s", r.Body)
	}

	// Lists and totals hold only what is in scope.
	lists := []struct {
		path      string
		asScoped  int
		asSystem  int
		forbidden string
	}{
		{"/api/v1/children", 1, 2, farID},
		{"/api/v1/children?status=all", 1, 3, farID},
		{"/api/v1/children?status=archived", 0, 1, farArchived},
		{"/api/v1/children?region=5301", 0, 1, farID},
		{"/api/v1/children?region=" + far, 0, 1, farID},
		{"/api/v1/children?q=" + url.QueryEscape("王远方"), 0, 1, farID},
		{"/api/v1/children?q=" + farIn["id_number"].(string)[14:], 0, 1, farID},
		{"/api/v1/children?category=left_behind&status=all", 1, 3, farID},
		{"/api/v1/children?offset=10", 1, 2, farID},
		{"/api/v1/elders?status=all", 1, 2, farElder},
		{"/api/v1/elders?region=5301", 0, 1, farElder},
		{"/api/v1/schools", 1, 2, farSchool},
		{"/api/v1/schools?region=5301", 0, 1, farSchool},
	}
	for _, l := range lists {
		t.Run("list "+l.path, func(t *testing.T) {
			e := e.on(t)
			r := e.expect(200, asScoped, "GET", l.path, nil)
			if n := total(t, r); n != l.asScoped {
				t.Errorf("scoped total %d, want %d: %s", n, l.asScoped, r.Body)
			}
			if strings.Contains(string(r.Body), l.forbidden) {
				t.Errorf("scoped list holds the out-of-scope record %s", l.forbidden)
			}
			if strings.Contains(l.path, "offset=") && !strings.Contains(l.path, "/children") {
				return
			}
			if n := total(t, e.expect(200, asSystem, "GET", l.path, nil)); n != l.asSystem {
				t.Errorf("system total %d, want %d", n, l.asSystem)
			}
		})
	}
	_ = nearID
}
