package needs_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/volunteer"
)

// service puts a service on the menu in regions.
func (f *fixture) service(name string, capacity int, regions ...string) menu.Service {
	f.t.Helper()
	s, err := f.a.Menu.Create(f.ctx, f.officer, menu.Input{Name: name, Kind: menu.KindTutoring, ProviderKind: menu.ProviderOrg, ProviderName: "昌宁县阳光社工中心",
		Regions: regions, Capacity: capacity, Schedule: "每周六上午"})
	if err != nil {
		f.t.Fatalf("service %s: %v %v", name, err, errs.As(err).Fields)
	}
	return s
}

func (f *fixture) need(childID string) needs.Need {
	f.t.Helper()
	n, err := f.a.Needs.Create(f.ctx, f.officer, needs.Input{ChildID: childID, Kind: menu.KindTutoring, Description: "数学跟不上"})
	if err != nil {
		f.t.Fatalf("need: %v %v", err, errs.As(err).Fields)
	}
	return n
}

// TestLifecycle tries every action on a need in every status: the legal
// ones move it, the others are refused with a reason naming the status.
func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	svc := f.service("周末课业辅导", 100, county)
	// reach walks a new need to a status.
	reach := func(status string) needs.Need {
		n := f.need(f.kid(villageA1).ID)
		steps := map[string][]needs.Action{
			needs.StatusOpen:      nil,
			needs.StatusMatched:   {{Action: needs.ActMatch, ServiceID: svc.ID}},
			needs.StatusDelivered: {{Action: needs.ActMatch, ServiceID: svc.ID}, {Action: needs.ActDeliver}},
			needs.StatusClosed:    {{Action: needs.ActMatch, ServiceID: svc.ID}, {Action: needs.ActDeliver}, {Action: needs.ActClose, Note: "成绩提高"}},
			needs.StatusCancelled: {{Action: needs.ActCancel, Note: "已随父母外出"}},
		}[status]
		for _, a := range steps {
			a.Version = n.Version
			var err error
			if n, err = f.a.Needs.Act(f.ctx, f.officer, n.ID, a); err != nil {
				t.Fatalf("reach %s: %s: %v %v", status, a.Action, err, errs.As(err).Fields)
			}
		}
		if n.Status != status {
			t.Fatalf("reached %s, want %s", n.Status, status)
		}
		return n
	}
	legal := map[string]map[string]string{
		needs.StatusOpen:      {needs.ActMatch: needs.StatusMatched, needs.ActCancel: needs.StatusCancelled},
		needs.StatusMatched:   {needs.ActUnmatch: needs.StatusOpen, needs.ActDeliver: needs.StatusDelivered, needs.ActCancel: needs.StatusCancelled},
		needs.StatusDelivered: {needs.ActClose: needs.StatusClosed},
		needs.StatusClosed:    {},
		needs.StatusCancelled: {},
	}
	for _, from := range needs.Statuses {
		for _, act := range needs.Actions {
			t.Run(from+"/"+act, func(t *testing.T) {
				n := reach(from)
				a := needs.Action{Action: act, ServiceID: svc.ID, Note: "原因说明", Version: n.Version}
				got, err := f.a.Needs.Act(f.ctx, f.officer, n.ID, a)
				want, ok := legal[from][act]
				if slices.Contains(needs.Allowed(from), act) != ok {
					t.Errorf("Allowed(%s) = %v", from, needs.Allowed(from))
				}
				if !ok {
					if errs.CodeOf(err) != errs.Conflict || !strings.Contains(errs.As(err).Message, needs.StatusLabel(from)) {
						t.Fatalf("illegal %s from %s: %v", act, from, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal %s from %s: %v %v", act, from, err, errs.As(err).Fields)
				}
				if got.Status != want || got.Version != n.Version+1 {
					t.Errorf("%s from %s: %s v%d", act, from, got.Status, got.Version)
				}
				last := got.Events[len(got.Events)-1]
				if last.From != from || last.To != want || last.UserName == "" {
					t.Errorf("last event %+v", last)
				}
			})
		}
	}
	apptest.CheckTallies(t, f.a)
	// 25 needs raised this month (the clock's day in China), 6 of them
	// closed: reached closed for each of the five actions, and one closed
	// from delivered.
	counts, err := tally.Get(f.ctx, f.a.DB.Reader(), villageA1, needs.KeyClosed, needs.RaisedKey("2026-11"))
	if err != nil || counts[needs.KeyClosed] != 6 || counts[needs.RaisedKey("2026-11")] != 25 {
		t.Errorf("closed and raised: %v %v", counts, err)
	}
	if needs.RaisedKey("2026-11") != "needs.raised.2026-11" || needs.KeyClosed != "needs.closed" {
		t.Error("key names changed")
	}

	// Reasons and outcomes are required; a stale version is refused.
	n := reach(needs.StatusOpen)
	for _, c := range []struct {
		a     needs.Action
		code  errs.Code
		field string
	}{
		{needs.Action{Action: needs.ActCancel}, errs.Invalid, "note"},
		{needs.Action{Action: needs.ActMatch}, errs.Invalid, "service_id"},
		{needs.Action{Action: needs.ActMatch, ServiceID: svc.ID, VolunteerID: svc.ID}, errs.Invalid, "service_id"},
		{needs.Action{Action: "reopen"}, errs.Invalid, ""},
		{needs.Action{Action: needs.ActMatch, ServiceID: svc.ID, Version: 99}, errs.Conflict, ""},
	} {
		if c.a.Version == 0 {
			c.a.Version = n.Version
		}
		_, err := f.a.Needs.Act(f.ctx, f.officer, n.ID, c.a)
		if errs.CodeOf(err) != c.code || (c.field != "" && errs.As(err).Fields[c.field] == "") {
			t.Errorf("%+v: %v %v", c.a, err, errs.As(err).Fields)
		}
	}
	d := reach(needs.StatusDelivered)
	if _, err := f.a.Needs.Act(f.ctx, f.officer, d.ID, needs.Action{Action: needs.ActClose, Version: d.Version}); errs.As(err).Fields["note"] == "" {
		t.Errorf("close without outcome: %v", err)
	}
	m := reach(needs.StatusMatched)
	if _, err := f.a.Needs.Act(f.ctx, f.officer, m.ID, needs.Action{Action: needs.ActDeliver, On: "2026-12-01", Version: m.Version}); errs.As(err).Fields["on"] == "" {
		t.Errorf("delivery in the future: %v", err)
	}
}

// TestRaise checks what a need is raised with and who may raise one.
func TestRaise(t *testing.T) {
	f := newFixture(t)
	kid := f.kid(villageA1)
	classKid := f.child(villageA2, time.Date(2010, 6, 1, 0, 0, 0, 0, time.UTC), true)
	if _, err := f.a.Care.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kid.ID, MentorID: f.mentor.ID, Kind: care.KindVolunteer}); err != nil {
		t.Fatal(err)
	}
	raise := func(v access.Viewer, child, kind, source, followup string) (string, error) {
		var id string
		err := f.a.DB.Write(f.ctx, func(tx *storage.Tx) error {
			var err error
			id, err = needs.Raise(f.ctx, tx, v, child, kind, "说明", source, followup)
			return err
		})
		return id, err
	}
	for _, c := range []struct {
		name             string
		v                access.Viewer
		child, kind, src string
		followup         string
		code             errs.Code
		field            string
	}{
		{"officer direct", f.officer, kid.ID, menu.KindCounselling, needs.SourceDirect, "", "", ""},
		{"from a follow-up", f.officer, kid.ID, menu.KindHealthCheck, needs.SourceFollowup, "0190f0f0-0000-7000-8000-000000000001", "", ""},
		{"mentor of the child", f.mentorV, kid.ID, menu.KindCompanionship, needs.SourceFollowup, "0190f0f0-0000-7000-8000-000000000002", "", ""},
		{"teacher of the class", f.teacherA1, classKid.ID, menu.KindTutoring, needs.SourceDirect, "", "", ""},
		{"bad kind", f.officer, kid.ID, "shopping", needs.SourceDirect, "", errs.Invalid, "kind"},
		{"bad source", f.officer, kid.ID, menu.KindTutoring, "rumour", "", errs.Invalid, "source"},
		{"follow-up without id", f.officer, kid.ID, menu.KindTutoring, needs.SourceFollowup, "", errs.Invalid, "followup_id"},
		{"other county", f.otherOfficer, kid.ID, menu.KindTutoring, needs.SourceDirect, "", errs.NotFound, ""},
		{"other mentor", f.mentor2V, kid.ID, menu.KindTutoring, needs.SourceDirect, "", errs.NotFound, ""},
		{"teacher, not their pupil", f.teacherA1, kid.ID, menu.KindTutoring, needs.SourceDirect, "", errs.NotFound, ""},
		{"auditor", f.auditor, kid.ID, menu.KindTutoring, needs.SourceDirect, "", errs.NotFound, ""},
		{"bad child id", f.officer, "x", menu.KindTutoring, needs.SourceDirect, "", errs.NotFound, ""},
	} {
		id, err := raise(c.v, c.child, c.kind, c.src, c.followup)
		if errs.CodeOf(err) != c.code || (c.field != "" && errs.As(err).Fields[c.field] == "") {
			t.Errorf("%s: %v %v", c.name, err, errs.As(err).Fields)
			continue
		}
		if err != nil {
			continue
		}
		n, err := f.a.Needs.Get(f.ctx, f.officer, id)
		if err != nil || n.Status != needs.StatusOpen || n.Source != c.src || n.Kind != c.kind || len(n.Events) != 1 {
			t.Errorf("%s: %+v %v", c.name, n, err)
		}
		if c.child == classKid.ID && n.AgeBand != needs.BandSenior {
			t.Errorf("age band of a 16-year-old: %s", n.AgeBand)
		}
	}
	// A rolled-back follow-up leaves no need and no count.
	before, _, _ := f.a.Needs.List(f.ctx, f.officer, needs.Filter{})
	_ = f.a.DB.Write(f.ctx, func(tx *storage.Tx) error {
		if _, err := needs.Raise(f.ctx, tx, f.officer, kid.ID, menu.KindTutoring, "", needs.SourceDirect, ""); err != nil {
			t.Fatal(err)
		}
		return errs.New(errs.Invalid, "rolled back")
	})
	after, _, _ := f.a.Needs.List(f.ctx, f.officer, needs.Filter{})
	if len(after) != len(before) {
		t.Errorf("rolled back raise kept: %d → %d", len(before), len(after))
	}
	apptest.CheckTallies(t, f.a)

	// Every raise is audited.
	page, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: needs.RecordNeed, Limit: 100})
	if err != nil || page.Total != 4 {
		t.Errorf("audit: %d entries, %v", page.Total, err)
	}
}

// TestBands checks the age band a need is counted in.
func TestBands(t *testing.T) {
	at := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		birth string
		band  string
	}{
		{"2021-11-30", needs.BandPreschool}, {"2020-11-29", needs.BandPrimary}, {"2015-11-30", needs.BandPrimary},
		{"2014-11-29", needs.BandJunior}, {"2011-11-30", needs.BandJunior}, {"2011-11-29", needs.BandSenior},
	} {
		b, _ := time.Parse("2006-01-02", c.birth)
		if got := needs.BandOf(b, at); got != c.band {
			t.Errorf("born %s: %s, want %s", c.birth, got, c.band)
		}
	}
}

// TestMatching checks matching to a service: in and out of its regions,
// over its capacity, archived or ended; and to a volunteer.
func TestMatching(t *testing.T) {
	f := newFixture(t)
	town := f.service("田园镇陪伴", 2, townA)
	match := func(n needs.Need, sid string) (needs.Need, error) {
		return f.a.Needs.Act(f.ctx, f.officer, n.ID, needs.Action{Action: needs.ActMatch, ServiceID: sid, Version: n.Version})
	}
	out := f.need(f.kid(villageB1).ID)
	if _, err := match(out, town.ID); errs.As(err).Fields["service_id"] == "" || !strings.Contains(errs.As(err).Fields["service_id"], "不在该儿童所在地区") {
		t.Errorf("out of region: %v %v", err, errs.As(err).Fields)
	}
	var in []needs.Need
	for range 3 {
		in = append(in, f.need(f.kid(villageA1).ID))
	}
	for i, n := range in[:2] {
		if m, err := match(n, town.ID); err != nil || m.MatchedName != town.Name || m.ServiceID != town.ID {
			t.Fatalf("match %d: %+v %v", i, m, err)
		}
	}
	if _, err := match(in[2], town.ID); errs.CodeOf(err) != errs.Conflict || !strings.Contains(errs.As(err).Message, "已满额") {
		t.Errorf("over capacity: %v", err)
	}
	got, _ := f.a.Menu.Get(f.ctx, f.officer, town.ID)
	if got.InUse != 2 {
		t.Errorf("in use %d", got.InUse)
	}
	// Delivering one frees a place.
	n0, _ := f.a.Needs.Get(f.ctx, f.officer, in[0].ID)
	if _, err := f.a.Needs.Act(f.ctx, f.officer, n0.ID, needs.Action{Action: needs.ActDeliver, Version: n0.Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := match(in[2], town.ID); err != nil {
		t.Errorf("after a delivery: %v", err)
	}
	// A county-wide service serves every village of the county; an
	// archived or ended one serves none.
	wide := f.service("县级心理疏导", 10, county)
	if _, err := match(out, wide.ID); err != nil {
		t.Errorf("county service: %v", err)
	}
	arch, err := f.a.Menu.Archive(f.ctx, f.officer, wide.ID, wide.Version, true)
	if err != nil {
		t.Fatal(err)
	}
	n := f.need(f.kid(villageA2).ID)
	if _, err := match(n, arch.ID); errs.As(err).Fields["service_id"] == "" {
		t.Errorf("archived: %v", err)
	}
	ended, err := f.a.Menu.Create(f.ctx, f.officer, menu.Input{Name: "暑期安全教育", Kind: menu.KindSafetyEducation, ProviderKind: menu.ProviderSchool,
		ProviderID: f.schoolA.ID, Regions: []string{townA}, Capacity: 5, Start: "2026-07-01", End: "2026-08-31"})
	if err != nil {
		t.Fatal(err, errs.As(err).Fields)
	}
	if ended.ProviderName != f.schoolA.Name {
		t.Errorf("school provider name %q", ended.ProviderName)
	}
	if _, err := match(n, ended.ID); errs.As(err).Fields["service_id"] == "" {
		t.Errorf("ended: %v", err)
	}
	// A service out of the viewer's view is not found.
	kunming, err := f.a.Menu.Create(f.ctx, f.otherOfficer, menu.Input{Name: "五华区法律援助", Kind: menu.KindLegalAid, ProviderKind: menu.ProviderOrg,
		ProviderName: "五华区法律援助中心", Regions: []string{otherCity}, Capacity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := match(n, kunming.ID); errs.As(err).Fields["service_id"] != "未找到该服务" {
		t.Errorf("other city's service: %v", err)
	}
	// A volunteer of the registry serves where they are registered.
	vol, err := f.a.Volunteers.CreateVolunteer(f.ctx, f.officer, volunteer.VolunteerInput{Name: "李志愿", Region: townA})
	if err != nil {
		t.Fatal(err)
	}
	volMatch := func(n needs.Need) (needs.Need, error) {
		return f.a.Needs.Act(f.ctx, f.officer, n.ID, needs.Action{Action: needs.ActMatch, VolunteerID: vol.ID, Version: n.Version})
	}
	if m, err := volMatch(n); err != nil || m.VolunteerID != vol.ID || !strings.Contains(m.MatchedName, "李志愿") {
		t.Errorf("volunteer match: %+v %v", m, err)
	}
	if _, err := volMatch(f.need(f.kid(villageB1).ID)); errs.As(err).Fields["volunteer_id"] == "" {
		t.Errorf("volunteer of another township: %v", err)
	}
	if _, err := f.a.Needs.Act(f.ctx, f.officer, f.need(f.kid(villageA1).ID).ID, needs.Action{Action: needs.ActMatch, VolunteerID: kunming.ID, Version: 1}); errs.As(err).Fields["volunteer_id"] == "" {
		t.Errorf("unknown volunteer: %v", err)
	}
	// A provider named by its registry id takes the registry's name.
	byID, err := f.a.Menu.Create(f.ctx, f.officer, menu.Input{Name: "志愿陪伴", Kind: menu.KindCompanionship, ProviderKind: menu.ProviderVolunteer,
		ProviderID: vol.ID, Regions: []string{townA}, Capacity: 2})
	if err != nil || byID.ProviderName != "李志愿" {
		t.Errorf("volunteer provider: %+v %v", byID, err)
	}
	if _, err := f.a.Menu.Create(f.ctx, f.officer, menu.Input{Name: "组织服务", Kind: menu.KindCompanionship, ProviderKind: menu.ProviderOrg,
		ProviderID: vol.ID, Regions: []string{townA}, Capacity: 2}); errs.As(err).Fields["provider_id"] == "" {
		t.Errorf("a volunteer's id as an organisation: %v", err)
	}
	apptest.CheckTallies(t, f.a)
}

// TestScope checks who reads and who moves needs.
func TestScope(t *testing.T) {
	f := newFixture(t)
	a1 := f.need(f.kid(villageA1).ID)
	b1 := f.need(f.kid(villageB1).ID)
	pupil := f.need(f.child(villageA2, time.Date(2017, 5, 1, 0, 0, 0, 0, time.UTC), true).ID)
	ids := func(v access.Viewer, fl needs.Filter) []string {
		ns, total, err := f.a.Needs.List(f.ctx, v, fl)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(ns) {
			t.Errorf("total %d of %d", total, len(ns))
		}
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(xs ...string) []string { slices.Sort(xs); return xs }
	for _, c := range []struct {
		name string
		v    access.Viewer
		f    needs.Filter
		want []string
	}{
		{"county officer", f.officer, needs.Filter{}, sorted(a1.ID, b1.ID, pupil.ID)},
		{"leader, township A", f.leader, needs.Filter{Region: townA}, sorted(a1.ID, pupil.ID)},
		{"town officer A", f.townOfficerA, needs.Filter{}, sorted(a1.ID, pupil.ID)},
		{"teacher", f.teacherA1, needs.Filter{}, sorted(pupil.ID)},
		{"other county", f.otherOfficer, needs.Filter{}, nil},
		{"auditor", f.auditor, needs.Filter{}, nil},
		{"mentor, unpaired", f.mentorV, needs.Filter{}, nil},
		{"open, primary band", f.officer, needs.Filter{Open: true, AgeBand: needs.BandPrimary}, sorted(a1.ID, b1.ID, pupil.ID)},
		{"closed", f.officer, needs.Filter{Status: needs.StatusClosed}, nil},
		{"kind", f.officer, needs.Filter{Kind: menu.KindLegalAid}, nil},
	} {
		if got := ids(c.v, c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, _, err := f.a.Needs.List(f.ctx, f.officer, needs.Filter{Status: "lost"}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("bad status filter: %v", err)
	}
	for _, c := range []struct {
		name string
		v    access.Viewer
		code errs.Code
	}{
		{"leader reads but may not act", f.leader, errs.Forbidden},
		{"counsellor", f.counsellor, errs.Forbidden},
		{"mentor", f.mentorV, errs.Forbidden},
		{"other county", f.otherOfficer, errs.NotFound},
		{"teacher, not their pupil", f.teacherA1, errs.NotFound},
		{"social worker", f.socialWorker, ""},
	} {
		_, err := f.a.Needs.Act(f.ctx, c.v, b1.ID, needs.Action{Action: needs.ActCancel, Note: "重复登记", Version: b1.Version})
		if errs.CodeOf(err) != c.code {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := f.a.Needs.Get(f.ctx, f.otherOfficer, a1.ID); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("get out of scope: %v", err)
	}
	apptest.CheckTallies(t, f.a)
}

// TestSummary checks the open needs by region and age band against the
// list.
func TestSummary(t *testing.T) {
	f := newFixture(t)
	f.need(f.kid(villageA1).ID)
	f.need(f.kid(villageA2).ID)
	f.need(f.child(villageA2, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), true).ID)
	b := f.need(f.kid(villageB1).ID)
	if _, err := f.a.Needs.Act(f.ctx, f.officer, b.ID, needs.Action{Action: needs.ActCancel, Note: "重复", Version: b.Version}); err != nil {
		t.Fatal(err)
	}
	s, err := f.a.Needs.Summary(f.ctx, f.officer, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Total.Open != 3 || s.Total.Bands[needs.BandPrimary] != 2 || s.Total.Bands[needs.BandPreschool] != 1 {
		t.Errorf("county total %+v", s.Total)
	}
	byCode := map[string]needs.Count{}
	for _, r := range s.Rows {
		byCode[r.Code] = r
	}
	if byCode[townA].Open != 3 || byCode[townB].Open != 0 {
		t.Errorf("by township %+v", s.Rows)
	}
	// A teacher's summary counts their pupils only.
	ts, err := f.a.Needs.Summary(f.ctx, f.teacherA1, townA)
	if err != nil || ts.Total.Open != 1 {
		t.Errorf("teacher summary %+v %v", ts.Total, err)
	}
	if _, err := f.a.Needs.Summary(f.ctx, f.townOfficerA, county); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("summary above one's region: %v", err)
	}
	apptest.CheckTallies(t, f.a)
}
