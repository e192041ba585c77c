package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/idcard"
	"guanai/internal/schools"
)

// More region codes used by the census tests.
const (
	wencang      = "530524107202" // 文沧村民委员会, 大田坝镇
	baoshan      = "530500000000" // 保山市, the prefecture above 昌宁县
	datianbaName = "大田坝镇"
)

// Distinctive names of the records planted outside 昌宁县: no page any
// role of 昌宁县 opens may show them.
const (
	outChildName  = "越界儿童甲"
	outElderName  = "越界老人乙"
	outSchoolName = "越界学校丙"
)

// census is a fixture: a school with a class, children and an elder in
// 昌宁县, and a child, elder and school in 昆明 that nobody of 昌宁县 may
// see.
type census struct {
	e                     *env
	school, outSchool     schools.School
	class                 schools.Class
	child, outChild       children.Child
	elder, outElder       elders.Elder
	otherVillage, outTown string
	seq                   int
}

func newCensus(t *testing.T) *census {
	t.Helper()
	e := newEnv(t)
	sys := access.System()
	towns, err := e.a.Regions.Children(ctx, kunming)
	if err != nil || len(towns) == 0 {
		t.Fatalf("kunming townships: %v", err)
	}
	villages, err := e.a.Regions.Children(ctx, towns[0].Code)
	if err != nil || len(villages) == 0 {
		t.Fatalf("kunming villages: %v", err)
	}
	c := &census{e: e, otherVillage: villages[0].Code, outTown: towns[0].Code}
	c.school, err = e.a.Schools.Create(ctx, sys, schools.Input{Name: "大田坝镇中心小学", Kind: "primary", RegionCode: datianba})
	if err != nil {
		t.Fatal(err)
	}
	c.class, err = e.a.Schools.AddClass(ctx, sys, c.school.ID, 3, "一班")
	if err != nil {
		t.Fatal(err)
	}
	c.outSchool, err = e.a.Schools.Create(ctx, sys, schools.Input{Name: outSchoolName, Kind: "primary", RegionCode: towns[0].Code})
	if err != nil {
		t.Fatal(err)
	}
	in := c.childInput("李小明", wencang)
	in.SchoolID, in.ClassID, in.Grade = c.school.ID, c.class.ID, 3
	in.HealthFlags, in.Difficulty = []string{"malnutrition"}, []string{"poverty"}
	in.GuardianName, in.GuardianRelation, in.GuardianIDNumber = "李奶奶", "祖母", idcard.Generate("530524", time.Date(1958, 5, 1, 0, 0, 0, 0, time.UTC), 7, "F")
	c.child = c.mustChild(in)
	c.outChild = c.mustChild(c.childInput(outChildName, c.otherVillage))
	c.elder = c.mustElder("王大爷", wencang)
	c.outElder = c.mustElder(outElderName, c.otherVillage)
	return c
}

// childInput is a valid left-behind child of village.
func (c *census) childInput(name, village string) children.Input {
	c.seq++
	birth := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, c.seq)
	return children.Input{IDNumber: idcard.Generate(village[:6], birth, c.seq%500, "M"), Name: name, Sex: "M",
		BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural", VillageCode: village,
		FatherStatus: children.ParentAway, MotherStatus: children.ParentAway}
}

func (c *census) mustChild(in children.Input) children.Child {
	c.e.t.Helper()
	ch, err := c.e.a.Children.Create(ctx, access.System(), in)
	if err != nil {
		c.e.t.Fatalf("child %s: %v", in.Name, err)
	}
	// What a write returns is masked; the fixture keeps the full numbers.
	ch.IDNumber, ch.Guardian.IDNumber = in.IDNumber, in.GuardianIDNumber
	return ch
}

func (c *census) mustElder(name, village string) elders.Elder {
	c.e.t.Helper()
	c.seq++
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, c.seq)
	id := idcard.Generate(village[:6], birth, c.seq%500, "F")
	el, err := c.e.a.Elders.Create(ctx, access.System(), elders.Input{IDNumber: id,
		Name: name, Sex: "F", BirthDate: birth.Format("2006-01-02"), VillageCode: village, Living: "alone", HealthFlags: []string{"dementia"}})
	if err != nil {
		c.e.t.Fatalf("elder %s: %v", name, err)
	}
	el.IDNumber = id
	return el
}

// as logs in a user of 昌宁县 with role (school staff in the fixture's
// school and class; administrators with a second factor).
func (c *census) as(role string) *client {
	c.e.t.Helper()
	in := accounts.Input{Username: "cn." + role, Name: "昌宁" + accounts.RoleLabel(role), RegionCode: changning, Roles: []string{role},
		Active: true, Password: password}
	if role == accounts.RolePrincipal || role == accounts.RoleTeacher {
		in.SchoolID = c.school.ID
	}
	if role == accounts.RoleTeacher {
		in.ClassID = c.class.ID
	}
	u, err := c.e.a.Accounts.CreateWithPassword(ctx, in, false)
	if err != nil {
		c.e.t.Fatalf("user %s: %v", role, err)
	}
	if accounts.TOTPRequired(u.Roles) {
		c.e.enrol(u)
	}
	return c.e.client().mustLogin(u.Username)
}

// childForm is the create form filled in as a person would, from in.
func childForm(in children.Input) url.Values {
	f := url.Values{"id_number": {in.IDNumber}, "name": {in.Name}, "sex": {in.Sex}, "birth_date": {in.BirthDate},
		"ethnicity": {in.Ethnicity}, "hukou": {in.Hukou}, "village_code": {in.VillageCode}, "school_id": {in.SchoolID},
		"class_id": {in.ClassID}, "father_status": {string(in.FatherStatus)}, "mother_status": {string(in.MotherStatus)},
		"father_away_place": {in.FatherAwayPlace}, "guardian_name": {in.GuardianName}, "notes": {in.Notes}}
	if in.SchoolID != "" {
		f.Set("grade", fmt.Sprint(in.Grade))
	}
	for _, h := range in.HealthFlags {
		f.Add("health_flags", h)
	}
	for _, d := range in.Difficulty {
		f.Add("difficulty", d)
	}
	return f
}

// wrongCheckDigit returns id with its last character changed.
func wrongCheckDigit(id string) string {
	last := id[17]
	next := byte('0')
	if last == '0' {
		next = '1'
	}
	return id[:17] + string(next)
}

// hx sends an htmx request for part of a page.
func (c *client) hx(path, target string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.srv.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return c.do(req)
}

// cardNames returns the names on the cards of a list.
func cardNames(p page, list string) []string {
	var out []string
	for _, a := range sel(p.doc, "#"+list+" li.card a.card-title") {
		out = append(out, text(a))
	}
	return out
}

// crumbs returns the names of a breadcrumb.
func crumbs(p page, id string) []string {
	var out []string
	for _, li := range sel(p.doc, "#"+id+" li") {
		out = append(out, text(li))
	}
	return out
}

// pagerText returns the first pager's text.
func pagerText(p page) string { return text(first(p.doc, "nav.pager")) }

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func noneContains(t *testing.T, what string, body string, forbidden ...string) {
	t.Helper()
	for _, f := range forbidden {
		if strings.Contains(body, f) {
			t.Errorf("%s shows %q", what, f)
		}
	}
}
