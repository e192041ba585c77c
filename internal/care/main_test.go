package care_test

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
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/schools"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// Places of the fixture: two townships of 昌宁县 and one village of 昆明.
const (
	county     = "530524000000" // 昌宁县
	townA      = "530524101000" // 田园镇
	villageA1  = "530524101001"
	villageA2  = "530524101002"
	townB      = "530524102000" // 漭水镇
	villageB1  = "530524102201"
	otherCity  = "530102000000" // 五华区
	otherVill  = "530102001001"
	otherTown  = "530102001000"
	changningP = "530000000000"
)

// fixture is a guanai with schools, classes, users of each kind and a
// clock.
type fixture struct {
	t     *testing.T
	a     *app.App
	clock *apptest.Clock
	ctx   context.Context
	seq   int

	schoolA, schoolB    schools.School
	classA1, classA2    schools.Class
	classB1             schools.Class
	officer, leader     access.Viewer
	users               map[string]accounts.User // by username
	countyCadre         accounts.User
	townCadreA          accounts.User
	villageCadreA1      accounts.User
	teacherA1           accounts.User
	principalA          accounts.User
	mentor, otherMentor accounts.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &apptest.Clock{T: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
	f := &fixture{t: t, a: apptest.NewAt(t, clock.Now), clock: clock, ctx: context.Background(), users: map[string]accounts.User{}}
	sys := access.System()
	var err error
	if f.schoolA, err = f.a.Schools.Create(f.ctx, sys, schools.Input{Name: "田园镇中心小学", Kind: "primary", RegionCode: townA}); err != nil {
		t.Fatal(err)
	}
	if f.schoolB, err = f.a.Schools.Create(f.ctx, sys, schools.Input{Name: "漭水镇中心小学", Kind: "primary", RegionCode: townB}); err != nil {
		t.Fatal(err)
	}
	mustClass := func(s schools.School, grade int, name string) schools.Class {
		c, err := f.a.Schools.AddClass(f.ctx, sys, s.ID, grade, name)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.classA1, f.classA2, f.classB1 = mustClass(f.schoolA, 3, "一班"), mustClass(f.schoolA, 3, "二班"), mustClass(f.schoolB, 4, "一班")
	f.officer = f.viewer(f.user("officer.cn", county, "officer"))
	f.leader = f.viewer(f.user("leader.cn", county, "leader"))
	f.countyCadre = f.user("cadre.county", county, "leader")
	f.townCadreA = f.user("cadre.town.a", townA, "officer")
	f.villageCadreA1 = f.user("cadre.village.a1", villageA1, "officer")
	f.teacherA1 = f.userIn("teacher.a1", townA, f.schoolA.ID, f.classA1.ID, "teacher")
	f.principalA = f.userIn("principal.a", townA, f.schoolA.ID, "", "principal")
	f.mentor = f.user("mentor.one", county, "mentor")
	f.otherMentor = f.user("mentor.kunming", otherCity, "mentor")
	return f
}

func (f *fixture) user(username, region string, roles ...string) accounts.User {
	return f.userIn(username, region, "", "", roles...)
}

func (f *fixture) userIn(username, region, school, class string, roles ...string) accounts.User {
	f.t.Helper()
	f.seq++
	u, err := f.a.Accounts.CreateWithPassword(f.ctx, accounts.Input{Username: username, Name: "用户" + username, Phone: fmt.Sprintf("139%08d", f.seq),
		RegionCode: region, SchoolID: school, ClassID: class, Roles: roles, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	f.users[username] = u
	return u
}

func (f *fixture) viewer(u accounts.User) access.Viewer { return accounts.ViewerFor(u, "127.0.0.1") }

// child registers a left-behind child (both parents away) in a village,
// school and class.
func (f *fixture) child(village, school, class string) children.Child {
	f.t.Helper()
	f.seq++
	birth := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq)
	grade := 0
	switch {
	case class == f.classB1.ID:
		grade = 4
	case school != "":
		grade = 3
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

// move changes a child's village, school and class through the census
// form, as a user would.
func (f *fixture) move(id, village, school, class string) {
	f.t.Helper()
	sys := access.System()
	c, err := f.a.Children.GetRevealed(f.ctx, sys, id)
	if err != nil {
		f.t.Fatal(err)
	}
	grade := 0
	switch {
	case class == f.classB1.ID:
		grade = 4
	case school != "":
		grade = 3
	}
	in := children.Input{IDNumber: c.IDNumber, Name: c.Name, Sex: c.Sex, BirthDate: c.BirthDate.Format("2006-01-02"), Ethnicity: c.Ethnicity,
		Hukou: c.Hukou, VillageCode: village, SchoolID: school, ClassID: class, Grade: grade, FatherStatus: c.FatherStatus, MotherStatus: c.MotherStatus,
		GuardianName: c.Guardian.Name, GuardianRelation: c.Guardian.Relation, GuardianPhone: c.Guardian.Phone}
	if _, err := f.a.Children.Update(f.ctx, sys, id, c.Version, in); err != nil {
		f.t.Fatalf("move: %v %v", err, errs.As(err).Fields)
	}
}

func accountsInput(u accounts.User) accounts.Input {
	return accounts.Input{Username: u.Username, Name: u.Name, Phone: u.Phone, RegionCode: u.RegionCode, OrgKind: u.OrgKind, OrgName: u.OrgName,
		SchoolID: u.SchoolID, ClassID: u.ClassID, Roles: u.Roles, Active: u.Active}
}
