package followup_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/schools"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// Places of the fixture.
const (
	county    = "530524000000" // 昌宁县
	townA     = "530524101000" // 田园镇
	villageA1 = "530524101001"
	otherCity = "530102000000" // 五华区
)

// fixture is a guanai with a school, users of each kind and a clock.
type fixture struct {
	t     *testing.T
	a     *app.App
	clock *apptest.Clock
	ctx   context.Context
	seq   int

	school         schools.School
	classA, classB schools.Class
	officer        access.Viewer
	users          map[string]accounts.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &apptest.Clock{T: time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, a: apptest.NewAt(t, clock.Now), clock: clock, ctx: context.Background(), users: map[string]accounts.User{}}
	sys := access.System()
	var err error
	if f.school, err = f.a.Schools.Create(f.ctx, sys, schools.Input{Name: "田园镇中心小学", Kind: "primary", RegionCode: townA}); err != nil {
		t.Fatal(err)
	}
	if f.classA, err = f.a.Schools.AddClass(f.ctx, sys, f.school.ID, 3, "一班"); err != nil {
		t.Fatal(err)
	}
	if f.classB, err = f.a.Schools.AddClass(f.ctx, sys, f.school.ID, 3, "二班"); err != nil {
		t.Fatal(err)
	}
	f.officer = f.viewer("officer.cn")
	return f
}

// user creates a user once; later calls return it.
func (f *fixture) user(username, region, school, class string, roles ...string) accounts.User {
	f.t.Helper()
	if u, ok := f.users[username]; ok {
		return u
	}
	f.seq++
	u, err := f.a.Accounts.CreateWithPassword(f.ctx, accounts.Input{Username: username, Name: "用户" + username, Phone: fmt.Sprintf("139%08d", f.seq),
		RegionCode: region, SchoolID: school, ClassID: class, Roles: roles, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	f.users[username] = u
	return u
}

// viewer returns the viewer of one of the fixture's named users.
func (f *fixture) viewer(name string) access.Viewer {
	f.t.Helper()
	var u accounts.User
	switch name {
	case "officer.cn":
		u = f.user(name, county, "", "", "officer")
	case "leader.cn":
		u = f.user(name, county, "", "", "leader")
	case "leader.town":
		u = f.user(name, townA, "", "", "leader")
	case "cadre.village":
		u = f.user(name, villageA1, "", "", "leader")
	case "cadre.town":
		u = f.user(name, townA, "", "", "leader")
	case "counsellor":
		u = f.user(name, county, "", "", "counsellor")
	case "social.worker":
		u = f.user(name, county, "", "", "social_worker")
	case "teacher.a":
		u = f.user(name, townA, f.school.ID, f.classA.ID, "teacher")
	case "teacher.b":
		u = f.user(name, townA, f.school.ID, f.classB.ID, "teacher")
	case "principal":
		u = f.user(name, townA, f.school.ID, "", "principal")
	case "mentor":
		u = f.user(name, county, "", "", "mentor")
	case "officer.km":
		u = f.user(name, otherCity, "", "", "officer")
	case "sysadmin":
		u = f.user(name, "", "", "", "sysadmin")
	default:
		f.t.Fatalf("no user %s", name)
	}
	return accounts.ViewerFor(u, "127.0.0.1")
}

// child registers a left-behind child in village A1, class A.
func (f *fixture) child() children.Child {
	f.t.Helper()
	f.seq++
	birth := time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq)
	c, err := f.a.Children.Create(f.ctx, access.System(), children.Input{IDNumber: idcard.Generate(villageA1[:6], birth, f.seq%500, "F"),
		Name: fmt.Sprintf("儿童%d", f.seq), Sex: "F", BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural",
		VillageCode: villageA1, SchoolID: f.school.ID, ClassID: f.classA.ID, Grade: 3, FatherStatus: "away", MotherStatus: "away",
		GuardianName: "祖母", GuardianRelation: "祖母", GuardianPhone: "13800001111"})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// assign puts a user on a child's care team from a date.
func (f *fixture) assign(childID, role, username, from string) {
	f.t.Helper()
	if _, err := f.a.Care.Assign(f.ctx, access.System(), childID, care.AssignInput{Role: role, UserID: f.users[username].ID, From: from}); err != nil {
		f.t.Fatalf("assign %s: %v %v", role, err, errs.As(err).Fields)
	}
}

// lead makes a user the accountable leader of a region node.
func (f *fixture) lead(code, username string) {
	f.t.Helper()
	if _, err := f.a.Care.SetPosition(f.ctx, access.System(), care.PositionInput{Kind: care.PositionLeader, Subject: code, UserID: f.users[username].ID}); err != nil {
		f.t.Fatalf("lead %s: %v %v", code, err, errs.As(err).Fields)
	}
}

// day sets the clock to a calendar date (10:00 in China).
func (f *fixture) day(s string) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock.T = d.Add(2 * time.Hour)
}
