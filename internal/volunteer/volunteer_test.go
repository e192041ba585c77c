package volunteer_test

import (
	"strings"
	"testing"

	"guanai/internal/errs"
	"guanai/internal/tally"
	"guanai/internal/volunteer"
)

func TestCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true}, // the standard's own example
		{"91350100M000100Y44", false},
		{creditCode("52530524MJ000001"), true},
		{"91350100M000100Y4", false},   // 17 characters
		{"91350100M000100Y433", false}, // 19
		{"91350100I000100Y43", false},  // I is not used
		{"913501O0M000100Y43", false},  // region part must be digits
		{"91350100m000100y43", false},  // lower case (forms upper-case first)
		{"", false},
	} {
		if got := volunteer.ValidCreditCode(tc.code); got != tc.ok {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", tc.code, got, tc.ok)
		}
	}
}

func TestOrgsAndVolunteers(t *testing.T) {
	f := newFixture(t)
	// Bad credit codes are refused naming the field and reason; lower case is accepted.
	_, err := f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "某组织", CreditCode: "91350100M000100Y44", Region: county})
	wantField(t, "check char", err, "credit_code", "校验码不符")
	_, err = f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "某组织", CreditCode: "91350100M000100Y4", Region: county})
	wantField(t, "length", err, "credit_code", "18位")
	o, err := f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "某组织", CreditCode: "91350100m000100y43", Region: townA})
	if err != nil || o.CreditCode != "91350100M000100Y43" {
		t.Fatalf("lower case: %+v %v", o, err)
	}
	_, err = f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "又一组织", CreditCode: "91350100M000100Y43", Region: townA})
	wantCode(t, "duplicate", err, errs.Conflict)
	_, err = f.s.CreateOrg(f.ctx, f.officer, volunteer.OrgInput{Name: "某组织", CreditCode: creditCode("52530102MJ000002"), Region: otherCity})
	wantField(t, "out of scope region", err, "region_code", "不在您的管辖范围内")
	_, err = f.s.CreateOrg(f.ctx, f.leader, volunteer.OrgInput{Name: "某组织", CreditCode: creditCode("52530102MJ000003"), Region: county})
	wantCode(t, "leader writes", err, errs.Forbidden)
	_, err = f.s.CreateVolunteer(f.ctx, f.officer, volunteer.VolunteerInput{Name: "", Region: county, Skills: []string{"flying"}, Phone: "123"})
	if e := errs.As(err); e.Fields["name"] == "" || e.Fields["skills"] == "" || e.Fields["phone"] == "" {
		t.Errorf("bad volunteer: %v %v", err, e.Fields)
	}
	_, err = f.s.CreateVolunteer(f.ctx, f.officer, volunteer.VolunteerInput{Name: "重复", Region: county, UserID: f.volUser.UserID})
	wantCode(t, "user linked twice", err, errs.Conflict)

	// Scope: Kunming sees none of it; the town officer sees their town's volunteer only.
	if _, err := f.s.Volunteer(f.ctx, f.kunming, f.linked.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("kunming reads a volunteer: %v", err)
	}
	if _, err := f.s.Org(f.ctx, f.kunming, f.org.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("kunming reads an org: %v", err)
	}
	list, _ := f.s.Volunteers(f.ctx, f.townOfficerA, volunteer.VolunteerFilter{})
	if len(list) != 1 || list[0].ID != f.linked.ID {
		t.Errorf("town A volunteers: %+v", list)
	}
	// A volunteer who is a user sees themselves; the organiser their organisation's.
	if me, ok, _ := f.s.Me(f.ctx, f.volUser); !ok || me.ID != f.linked.ID {
		t.Errorf("me: %+v %v", me, ok)
	}
	list, _ = f.s.Volunteers(f.ctx, f.organiser, volunteer.VolunteerFilter{})
	if len(list) != 1 || list[0].ID != f.member.ID {
		t.Errorf("organiser's volunteers: %+v", list)
	}
	// Updates check the version and are audited; archive hides from lists.
	in := volunteer.VolunteerInput{Name: "王志愿", Region: townB, Phone: "13700000002", Archived: true}
	if _, err := f.s.UpdateVolunteer(f.ctx, f.officer, f.plain.ID, f.plain.Version+1, in); !errs.Is(err, errs.Conflict) {
		t.Errorf("stale version: %v", err)
	}
	if _, err := f.s.UpdateVolunteer(f.ctx, f.townOfficerA, f.plain.ID, f.plain.Version, in); !errs.Is(err, errs.NotFound) {
		t.Errorf("town A updates town B's volunteer: %v", err)
	}
	if _, err := f.s.UpdateVolunteer(f.ctx, f.officer, f.plain.ID, f.plain.Version, in); err != nil {
		t.Fatal(err)
	}
	list, _ = f.s.Volunteers(f.ctx, f.officer, volunteer.VolunteerFilter{})
	if len(list) != 2 {
		t.Errorf("after archive: %d volunteers", len(list))
	}
	if n := f.auditCount(volunteer.RecordVolunteer); n != 4 {
		t.Errorf("volunteer audit entries: %d", n)
	}
	if n := f.auditCount(volunteer.RecordOrg); n != 2 {
		t.Errorf("org audit entries: %d", n)
	}
}

func TestHoursConfirmation(t *testing.T) {
	f := newFixture(t)
	r := f.record(f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "2.5", Content: "课业辅导"})
	if r.Status != volunteer.StatusRecorded || r.Minutes != 150 || r.Region != townA || r.ServedOn != "2026-11-29" || r.RecordedBy != f.officer.UserID {
		t.Fatalf("recorded: %+v", r)
	}
	// Who may do what.
	if _, err := f.s.Service(f.ctx, f.otherUser, r.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("another mentor reads it: %v", err)
	}
	if _, err := f.s.Service(f.ctx, f.kunming, r.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("kunming reads it: %v", err)
	}
	mine, err := f.s.Service(f.ctx, f.volUser, r.ID)
	if err != nil || !mine.MayAnswer || mine.MayCorrect {
		t.Fatalf("volunteer reads own record: %+v %v", mine, err)
	}
	_, err = f.s.AnswerService(f.ctx, f.officer, r.ID, r.Version, volunteer.AnswerInput{Confirm: true})
	wantCode(t, "recorder confirms", err, errs.Forbidden)
	_, err = f.s.RecordService(f.ctx, f.volUser, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "1", Content: "自己记"})
	wantCode(t, "volunteer records own", err, errs.Forbidden)
	_, err = f.s.RecordService(f.ctx, f.leader, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "1", Content: "领导记"})
	wantCode(t, "leader records", err, errs.Forbidden)
	_, err = f.s.AnswerService(f.ctx, f.volUser, r.ID, r.Version+1, volunteer.AnswerInput{Confirm: true})
	wantCode(t, "stale answer", err, errs.Conflict)
	c, err := f.s.AnswerService(f.ctx, f.volUser, r.ID, r.Version, volunteer.AnswerInput{Confirm: true})
	if err != nil || c.Status != volunteer.StatusConfirmed {
		t.Fatalf("confirm: %+v %v", c, err)
	}
	_, err = f.s.AnswerService(f.ctx, f.volUser, r.ID, c.Version, volunteer.AnswerInput{Reason: "不对"})
	wantCode(t, "dispute after confirm", err, errs.Conflict)
	_, err = f.s.CorrectService(f.ctx, f.officer, r.ID, c.Version, volunteer.ServiceInput{Hours: "3", Content: "课业辅导"})
	wantCode(t, "correct confirmed", err, errs.Conflict)

	// A dispute needs a reason; the recorder corrects; it waits again.
	d := f.record(f.worker, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "4", Content: "陪伴", ServedOn: "2026-11-20"})
	_, err = f.s.AnswerService(f.ctx, f.volUser, d.ID, d.Version, volunteer.AnswerInput{})
	wantField(t, "dispute without reason", err, "reason", "异议理由不能为空")
	d, err = f.s.AnswerService(f.ctx, f.volUser, d.ID, d.Version, volunteer.AnswerInput{Reason: "实际只有2小时"})
	if err != nil || d.Status != volunteer.StatusDisputed {
		t.Fatalf("dispute: %+v %v", d, err)
	}
	_, err = f.s.CorrectService(f.ctx, f.otherUser, d.ID, d.Version, volunteer.ServiceInput{Hours: "2", Content: "陪伴"})
	wantCode(t, "stranger corrects", err, errs.NotFound)
	d, err = f.s.CorrectService(f.ctx, f.worker, d.ID, d.Version, volunteer.ServiceInput{Hours: "2", Content: "陪伴", ServedOn: "2026-11-20"})
	if err != nil || d.Status != volunteer.StatusRecorded || d.Minutes != 120 || d.DisputeReason != "" {
		t.Fatalf("correct: %+v %v", d, err)
	}

	// The organisation's organiser records for its own volunteers only.
	m := f.record(f.organiser, volunteer.ServiceInput{VolunteerID: f.member.ID, Hours: "1", Content: "社工服务", Region: townB})
	if m.OrgID != f.org.ID {
		t.Errorf("organiser's record has org %q", m.OrgID)
	}
	_, err = f.s.RecordService(f.ctx, f.organiser, volunteer.ServiceInput{VolunteerID: f.plain.ID, Hours: "1", Content: "x"})
	wantField(t, "organiser records another's volunteer", err, "volunteer_id", "未找到该志愿者")

	list, _ := f.s.Services(f.ctx, f.volUser, volunteer.ServiceFilter{})
	if len(list) != 2 {
		t.Errorf("volunteer sees %d records", len(list))
	}
	list, _ = f.s.Services(f.ctx, f.townOfficerA, volunteer.ServiceFilter{})
	if len(list) != 2 {
		t.Errorf("town A sees %d records", len(list))
	}
	if n := f.auditCount(volunteer.RecordService); n != 6 {
		t.Errorf("service audit entries: %d", n)
	}
	got, _ := tally.Get(f.ctx, f.a.DB.Reader(), county, volunteer.HoursKey("2026-11"))
	if got[volunteer.HoursKey("2026-11")] != 150+120+60 {
		t.Errorf("county minutes: %v", got)
	}
	apptestCheck(t, f)
}

func TestHoursPerDay(t *testing.T) {
	f := newFixture(t)
	first := f.record(f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "20", Content: "夏令营", ServedOn: "2026-11-28"})
	for _, tc := range []struct {
		hours, on, want string
	}{
		{"5", "2026-11-28", "超过每天24小时"},
		{"0", "", "必须大于0"},
		{"-1", "", "必须大于0"},
		{"25", "", "不能超过24小时"},
		{"1.234", "", "最多两位小数"},
		{"两小时", "", "无效"},
		{"", "", "不能为空"},
		{"1", "2026-12-01", "不能晚于今天"},
	} {
		_, err := f.s.RecordService(f.ctx, f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: tc.hours, Content: "x", ServedOn: tc.on})
		field := "hours"
		if tc.on == "2026-12-01" {
			field = "served_on"
		}
		wantField(t, tc.hours+" "+tc.on, err, field, tc.want)
	}
	// Across recorders, too; 4 more hours fit exactly; another day is free.
	f.record(f.worker, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "4", Content: "x", ServedOn: "2026-11-28"})
	_, err := f.s.RecordService(f.ctx, f.worker, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "0.25", Content: "x", ServedOn: "2026-11-28"})
	wantField(t, "24.25 hours", err, "hours", "24")
	f.record(f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "8", Content: "x", ServedOn: "2026-11-27"})
	// A disputed record no longer fills the day.
	if _, err := f.s.AnswerService(f.ctx, f.volUser, first.ID, first.Version, volunteer.AnswerInput{Reason: "没有这么久"}); err != nil {
		t.Fatal(err)
	}
	f.record(f.officer, volunteer.ServiceInput{VolunteerID: f.linked.ID, Hours: "6", Content: "x", ServedOn: "2026-11-28"})
	// Correcting the disputed record back to 20 hours is checked against the day.
	_, err = f.s.CorrectService(f.ctx, f.officer, first.ID, first.Version+1, volunteer.ServiceInput{Hours: "20", Content: "夏令营", ServedOn: "2026-11-28"})
	if e := errs.As(err); err == nil || !strings.Contains(e.Fields["hours"], "24") {
		t.Errorf("correct over 24: %v %v", err, e.Fields)
	}
	apptestCheck(t, f)
}
