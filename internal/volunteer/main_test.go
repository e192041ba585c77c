package volunteer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/idcard"
	"guanai/internal/testdb"
	"guanai/internal/volunteer"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const (
	county    = "530524000000" // 昌宁县
	townA     = "530524101000"
	villageA1 = "530524101001"
	townB     = "530524102000"
	villageB1 = "530524102201"
	otherCity = "530102000000" // 五华区
	otherVill = "530102001001"
)

type fixture struct {
	t     *testing.T
	a     *app.App
	s     *volunteer.Store
	clock *apptest.Clock
	ctx   context.Context
	seq   int

	officer, townOfficerA, leader, worker, kunming access.Viewer
	volUser, otherUser, organiser                  access.Viewer
	org                                            volunteer.Org
	linked, plain, member                          volunteer.Volunteer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &apptest.Clock{T: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	f := &fixture{t: t, a: a, s: a.Volunteers, clock: clock, ctx: context.Background()}
	f.officer = f.viewer("officer.cn", county, "officer")
	f.townOfficerA = f.viewer("officer.town.a", townA, "officer")
	f.leader = f.viewer("leader.cn", county, "leader")
	f.worker = f.viewer("worker.cn", county, "social_worker")
	f.kunming = f.viewer("officer.km", otherCity, "officer")
	f.volUser = f.viewer("vol.user", county, "mentor")
	f.otherUser = f.viewer("other.user", county, "mentor")
	f.organiser = f.viewer("org.organiser", county, "mentor")
	var err error
	f.org, err = f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "昌宁县阳光社工服务中心", CreditCode: creditCode("52530524MJ000001"),
		Region: county, ContactName: "李四", ContactPhone: "13900001111", OrganiserID: f.organiser.UserID})
	if err != nil {
		t.Fatalf("org: %v %v", err, errs.As(err).Fields)
	}
	f.linked = f.volunteer(volunteer.VolunteerInput{Name: "张志愿", Phone: "13700000001", Region: townA, UserID: f.volUser.UserID, Skills: []string{"tutoring"}})
	f.plain = f.volunteer(volunteer.VolunteerInput{Name: "王志愿", Region: townB})
	f.member = f.volunteer(volunteer.VolunteerInput{Name: "赵社工", Region: county, OrgID: f.org.ID})
	return f
}

// creditCode completes 16 characters into an 18-character credit code
// with a valid check character ("0" in the 17th place).
func creditCode(first16 string) string {
	c, ok := volunteer.CreditCheckChar(first16 + "0")
	if !ok {
		panic(first16)
	}
	return first16 + "0" + string(c)
}

func (f *fixture) viewer(username, region string, roles ...string) access.Viewer {
	f.t.Helper()
	f.seq++
	u, err := f.a.Accounts.CreateWithPassword(f.ctx, accounts.Input{Username: username, Name: "用户" + username, Phone: fmt.Sprintf("139%08d", f.seq),
		RegionCode: region, Roles: roles, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	return accounts.ViewerFor(u, "127.0.0.1")
}

func (f *fixture) volunteer(in volunteer.VolunteerInput) volunteer.Volunteer {
	f.t.Helper()
	vo, err := f.s.CreateVolunteer(f.ctx, f.officer, in)
	if err != nil {
		f.t.Fatalf("volunteer: %v %v", err, errs.As(err).Fields)
	}
	return vo
}

func (f *fixture) child(village string) children.Child {
	f.t.Helper()
	f.seq++
	birth := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.seq)
	c, err := f.a.Children.Create(f.ctx, access.System(), children.Input{IDNumber: idcard.Generate(village[:6], birth, f.seq%500, "F"),
		Name: fmt.Sprintf("儿童%d", f.seq), Sex: "F", BirthDate: birth.Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural",
		VillageCode: village, FatherStatus: "away", MotherStatus: "away", GuardianName: "祖母", GuardianRelation: "祖母", GuardianPhone: "13800001111"})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) record(v access.Viewer, in volunteer.ServiceInput) volunteer.ServiceRecord {
	f.t.Helper()
	r, err := f.s.RecordService(f.ctx, v, in)
	if err != nil {
		f.t.Fatalf("record: %v %v", err, errs.As(err).Fields)
	}
	return r
}

func (f *fixture) auditCount(recordType string) int {
	f.t.Helper()
	page, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: recordType, Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Total
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
}

func wantField(t *testing.T, what string, err error, field, contains string) {
	t.Helper()
	e := errs.As(err)
	if err == nil || e.Code != errs.Invalid || !strings.Contains(e.Fields[field], contains) {
		t.Errorf("%s: got %v %v, want %s containing %q", what, err, e.Fields, field, contains)
	}
}

// jpeg returns n bytes that begin like a JPEG file.
func jpeg(n int) []byte {
	b := bytes.Repeat([]byte{0}, n)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}
