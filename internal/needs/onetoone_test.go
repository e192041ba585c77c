package needs_test

import (
	"testing"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/needs"
)

// TestOneToOne checks a one-to-one match on a volunteer pairing and its
// service log: who may log, plausible hours, scope.
func TestOneToOne(t *testing.T) {
	f := newFixture(t)
	kid := f.kid(villageA1)
	vol, err := f.a.Care.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kid.ID, MentorID: f.mentor.ID, Kind: care.KindVolunteer, From: "2026-09-01"})
	if err != nil {
		t.Fatal(err)
	}
	cadre, err := f.a.Care.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kid.ID, MentorID: f.mentor2.ID, Kind: care.KindCadre})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		v     access.Viewer
		in    needs.OneToOneInput
		code  errs.Code
		field string
	}{
		{"cadre pairing", f.officer, needs.OneToOneInput{PairingID: cadre.Pairing.ID}, errs.Invalid, "pairing_id"},
		{"before the pairing", f.officer, needs.OneToOneInput{PairingID: vol.Pairing.ID, From: "2026-08-01"}, errs.Invalid, "from"},
		{"in the future", f.officer, needs.OneToOneInput{PairingID: vol.Pairing.ID, From: "2027-01-01"}, errs.Invalid, "from"},
		{"leader", f.leader, needs.OneToOneInput{PairingID: vol.Pairing.ID}, errs.Forbidden, ""},
		{"mentor", f.mentorV, needs.OneToOneInput{PairingID: vol.Pairing.ID}, errs.Forbidden, ""},
		{"other county", f.otherOfficer, needs.OneToOneInput{PairingID: vol.Pairing.ID}, errs.NotFound, ""},
	} {
		_, err := f.a.Needs.StartOneToOne(f.ctx, c.v, c.in)
		if errs.CodeOf(err) != c.code || (c.field != "" && errs.As(err).Fields[c.field] == "") {
			t.Errorf("%s: %v %v", c.name, err, errs.As(err).Fields)
		}
	}
	m, err := f.a.Needs.StartOneToOne(f.ctx, f.officer, needs.OneToOneInput{PairingID: vol.Pairing.ID, Goal: "每周陪伴阅读", From: "2026-10-01"})
	if err != nil {
		t.Fatal(err, errs.As(err).Fields)
	}
	if _, err := f.a.Needs.StartOneToOne(f.ctx, f.officer, needs.OneToOneInput{PairingID: vol.Pairing.ID}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("second match: %v", err)
	}
	for _, c := range []struct {
		name  string
		v     access.Viewer
		in    needs.LogInput
		code  errs.Code
		field string
	}{
		{"the volunteer", f.mentorV, needs.LogInput{ServedOn: "2026-11-28", What: "陪伴阅读", Hours: 2}, "", ""},
		{"the officer", f.officer, needs.LogInput{ServedOn: "2026-11-28", What: "家访", Hours: 1.5}, "", ""},
		{"another mentor", f.mentor2V, needs.LogInput{What: "陪伴", Hours: 1}, errs.NotFound, ""},
		{"a leader", f.leader, needs.LogInput{What: "陪伴", Hours: 1}, errs.Forbidden, ""},
		{"no hours", f.mentorV, needs.LogInput{What: "陪伴"}, errs.Invalid, "hours"},
		{"negative hours", f.mentorV, needs.LogInput{What: "陪伴", Hours: -1}, errs.Invalid, "hours"},
		{"25 hours", f.mentorV, needs.LogInput{What: "陪伴", Hours: 25}, errs.Invalid, "hours"},
		{"over a day in all", f.mentorV, needs.LogInput{ServedOn: "2026-11-28", What: "陪伴", Hours: 21}, errs.Invalid, "hours"},
		{"future", f.mentorV, needs.LogInput{ServedOn: "2026-11-30", What: "陪伴", Hours: 1}, errs.Invalid, "served_on"},
		{"before the match", f.mentorV, needs.LogInput{ServedOn: "2026-09-15", What: "陪伴", Hours: 1}, errs.Invalid, "served_on"},
		{"nothing done", f.mentorV, needs.LogInput{Hours: 1}, errs.Invalid, "what"},
	} {
		_, err := f.a.Needs.LogService(f.ctx, c.v, m.ID, c.in)
		if errs.CodeOf(err) != c.code || (c.field != "" && errs.As(err).Fields[c.field] == "") {
			t.Errorf("%s: %v %v", c.name, err, errs.As(err).Fields)
		}
	}
	got, err := f.a.Needs.OneToOne(f.ctx, f.mentorV, m.ID)
	if err != nil || len(got.Log) != 2 || got.Minutes != 210 || got.Hours() != "3.5" {
		t.Fatalf("log %+v %v", got, err)
	}
	// The mentor sees their own matches; others see theirs in scope.
	for _, c := range []struct {
		name string
		v    access.Viewer
		n    int
	}{{"mentor", f.mentorV, 1}, {"other mentor", f.mentor2V, 0}, {"officer", f.officer, 1}, {"other county", f.otherOfficer, 0}, {"teacher", f.teacherA1, 0}} {
		ms, err := f.a.Needs.OneToOnes(f.ctx, c.v, needs.OneToOneFilter{})
		if err != nil || len(ms) != c.n {
			t.Errorf("%s: %d %v", c.name, len(ms), err)
		}
	}
	if _, err := f.a.Needs.EndOneToOne(f.ctx, f.officer, m.ID, m.Version, ""); errs.As(err).Fields["reason"] == "" {
		t.Errorf("end without reason: %v", err)
	}
	ended, err := f.a.Needs.EndOneToOne(f.ctx, f.officer, m.ID, m.Version, "志愿者调离")
	if err != nil || ended.To == "" {
		t.Fatal(ended, err)
	}
	if _, err := f.a.Needs.LogService(f.ctx, f.mentorV, m.ID, needs.LogInput{What: "陪伴", Hours: 1}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("log after the end: %v", err)
	}
	if _, err := f.a.Needs.StartOneToOne(f.ctx, f.officer, needs.OneToOneInput{PairingID: vol.Pairing.ID}); err != nil {
		t.Errorf("a new match after the end: %v", err)
	}
	page, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: needs.RecordMatchLog, Limit: 100})
	if err != nil || page.Total != 2 {
		t.Errorf("log audit: %d %v", page.Total, err)
	}
}

// TestMenu checks what a service is kept with and who keeps it.
func TestMenu(t *testing.T) {
	f := newFixture(t)
	ok := menu.Input{Name: "周末课业辅导", Kind: menu.KindTutoring, ProviderKind: menu.ProviderOrg, ProviderName: "阳光社工", Regions: []string{"530524101"}, Capacity: 20,
		Schedule: "每周六 9:00–11:00", Start: "2026-09-01", End: "2027-06-30"}
	for _, c := range []struct {
		name  string
		v     access.Viewer
		edit  func(*menu.Input)
		code  errs.Code
		field string
	}{
		{"fine", f.officer, func(*menu.Input) {}, "", ""},
		{"town officer, own town", f.townOfficerA, func(*menu.Input) {}, "", ""},
		{"no name", f.officer, func(in *menu.Input) { in.Name = " " }, errs.Invalid, "name"},
		{"bad kind", f.officer, func(in *menu.Input) { in.Kind = "x" }, errs.Invalid, "kind"},
		{"bad provider kind", f.officer, func(in *menu.Input) { in.ProviderKind = "shop" }, errs.Invalid, "provider_kind"},
		{"no provider", f.officer, func(in *menu.Input) { in.ProviderName = "" }, errs.Invalid, "provider_name"},
		{"unknown school", f.officer, func(in *menu.Input) {
			in.ProviderKind, in.ProviderID = menu.ProviderSchool, "0190f0f0-0000-7000-8000-000000000001"
		}, errs.Invalid, "provider_id"},
		{"no region", f.officer, func(in *menu.Input) { in.Regions = nil }, errs.Invalid, "regions"},
		{"bad region", f.officer, func(in *menu.Input) { in.Regions = []string{"12a"} }, errs.Invalid, "regions"},
		{"region out of scope", f.townOfficerA, func(in *menu.Input) { in.Regions = []string{townB} }, errs.Invalid, "regions"},
		{"zero capacity", f.officer, func(in *menu.Input) { in.Capacity = 0 }, errs.Invalid, "capacity"},
		{"end before start", f.officer, func(in *menu.Input) { in.End = "2026-08-01" }, errs.Invalid, "end"},
		{"leader", f.leader, func(*menu.Input) {}, errs.Forbidden, ""},
		{"teacher", f.teacherA1, func(*menu.Input) {}, errs.Forbidden, ""},
		{"social worker", f.socialWorker, func(*menu.Input) {}, errs.Forbidden, ""},
	} {
		in := ok
		c.edit(&in)
		_, err := f.a.Menu.Create(f.ctx, c.v, in)
		if errs.CodeOf(err) != c.code || (c.field != "" && errs.As(err).Fields[c.field] == "") {
			t.Errorf("%s: %v %v", c.name, err, errs.As(err).Fields)
		}
	}
	s, err := f.a.Menu.Create(f.ctx, f.officer, ok)
	if err != nil {
		t.Fatal(err)
	}
	if s.Region != townA || len(s.Regions) != 1 || s.Regions[0] != townA {
		t.Errorf("regions %q %v", s.Region, s.Regions)
	}
	// Visible where offered: the town, its villages, the county above it;
	// not in the other township nor elsewhere.
	for _, c := range []struct {
		name string
		v    access.Viewer
		n    int
	}{{"county", f.officer, 3}, {"town A", f.townOfficerA, 3}, {"teacher in A", f.teacherA1, 3}, {"other city", f.otherOfficer, 0}, {"auditor", f.auditor, 0}} {
		l, err := f.a.Menu.List(f.ctx, c.v, menu.Filter{})
		if err != nil || len(l) != c.n {
			t.Errorf("%s: %d %v", c.name, len(l), err)
		}
	}
	if l, _ := f.a.Menu.List(f.ctx, f.officer, menu.Filter{Region: townB}); len(l) != 0 {
		t.Errorf("town B: %d", len(l))
	}
	in := ok
	in.Capacity = 30
	up, err := f.a.Menu.Update(f.ctx, f.officer, s.ID, s.Version, in)
	if err != nil || up.Capacity != 30 || up.Version != s.Version+1 {
		t.Fatalf("update %+v %v", up, err)
	}
	if _, err := f.a.Menu.Update(f.ctx, f.officer, s.ID, s.Version, in); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("stale update: %v", err)
	}
	page, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: menu.RecordService, Limit: 100})
	if err != nil || page.Total != 4 {
		t.Errorf("audit %d %v", page.Total, err)
	}
}
