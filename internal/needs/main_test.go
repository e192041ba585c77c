package needs_test

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
	"guanai/internal/children"
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
	villageA2 = "530524101002"
	townB     = "530524102000" // 漭水镇
	villageB1 = "530524102201"
	otherCity = "530102000000" // 五华区
	otherVill = "530102001001"
)

type fixture struct {
	t     *testing.T
	a     *app.App
	clock *apptest.Clock
	ctx   context.Context
	seq   int

	schoolA           schools.School
	classA1           schools.Class
	officer, leader   access.Viewer
	townOfficerA      access.Viewer
	otherOfficer      access.Viewer
	socialWorker      access.Viewer
	counsellor        access.Viewer
	teacherA1         access.Viewer
	mentor, mentor2   accounts.User
	auditor           access.Viewer
	mentorV, mentor2V access.Viewer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &apptest.Clock{T: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, a: apptest.NewAt(t, clock.Now), clock: clock, ctx: context.Background()}
	sys := access.System()
	var err error
	if f.schoolA, err = f.a.Schools.Create(f.ctx, sys, schools.Input{Name: "田园镇中心小学", Kind: "primary", RegionCode: townA}); err != nil {
		t.Fatal(err)
	}
	if f.classA1, err = f.a.Schools.AddClass(f.ctx, sys, f.schoolA.ID, 3, "一班"); err != nil {
		t.Fatal(err)
	}
	f.officer = f.viewer(f.user("officer.cn", county, "", "", "officer"))
	f.leader = f.viewer(f.user("leader.cn", county, "", "", "leader"))
	f.townOfficerA = f.viewer(f.user("officer.town.a", townA, "", "", "officer"))
	f.otherOfficer = f.viewer(f.user("officer.kunming", otherCity, "", "", "officer"))
	f.socialWorker = f.viewer(f.user("sw.cn", county, "", "", "social_worker"))
	f.counsellor = f.viewer(f.user("counsellor.cn", county, "", "", "counsellor"))
	f.teacherA1 = f.viewer(f.user("teacher.a1", townA, f.schoolA.ID, f.classA1.ID, "teacher"))
	f.auditor = f.viewer(f.user("auditor.cn", county, "", "", "auditor"))
	f.mentor = f.user("mentor.one", county, "", "", "mentor")
	f.mentor2 = f.user("mentor.two", county, "", "", "mentor")
	f.mentorV, f.mentor2V = f.viewer(f.mentor), f.viewer(f.mentor2)
	return f
}

func (f *fixture) user(username, region, school, class string, roles ...string) accounts.User {
	f.t.Helper()
	f.seq++
	u, err := f.a.Accounts.CreateWithPassword(f.ctx, accounts.Input{Username: username, Name: "用户" + username, Phone: fmt.Sprintf("139%08d", f.seq),
		RegionCode: region, SchoolID: school, ClassID: class, Roles: roles, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	return u
}

func (f *fixture) viewer(u accounts.User) access.Viewer { return accounts.ViewerFor(u, "127.0.0.1") }

// child registers a left-behind child born on birth in a village (and,
// when school is set, in class A1).
func (f *fixture) child(village string, birth time.Time, inClass bool) children.Child {
	f.t.Helper()
	f.seq++
	school, class, grade := "", "", 0
	if inClass {
		school, class, grade = f.schoolA.ID, f.classA1.ID, 3
	}
	c, err := f.a.Children.Create(f.ctx, access.System(), children.Input{IDNumber: idcard.Generate(village[:6], birth, f.seq%500, "F"),
		Name: fmt.Sprintf("儿童%d", f.seq), Sex: "F", BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural",
		VillageCode: village, SchoolID: school, ClassID: class, Grade: grade, FatherStatus: "away", MotherStatus: "away",
		GuardianName: "祖母", GuardianRelation: "祖母", GuardianPhone: "13800001111"})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// kid is a child of 9 in a village.
func (f *fixture) kid(village string) children.Child {
	return f.child(village, time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), false)
}
