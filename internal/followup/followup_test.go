package followup_test

import (
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/followup"
	"guanai/internal/tally"
)

func date(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestAddMonths checks month ends and leap years.
func TestAddMonths(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2027-01-31", 1, "2027-02-28"},
		{"2028-01-31", 1, "2028-02-29"}, // leap year
		{"2100-01-31", 1, "2100-02-28"}, // a century is not a leap year
		{"2000-01-31", 1, "2000-02-29"}, // unless divisible by 400
		{"2026-03-31", 1, "2026-04-30"},
		{"2026-08-31", 1, "2026-09-30"},
		{"2026-12-31", 1, "2027-01-31"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2028-02-29", 12, "2029-02-28"},
		{"2026-01-15", 1, "2026-02-15"},
		{"2026-05-31", -1, "2026-04-30"},
		{"2028-03-31", -1, "2028-02-29"},
	} {
		if got := followup.AddMonths(date(c.from), c.n).Format("2006-01-02"); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

// TestRuleNext checks the due date of each unit, and LatestBase against a
// brute-force search over four years of days (month ends and 29 February
// among them).
func TestRuleNext(t *testing.T) {
	for _, c := range []struct {
		rule followup.Rule
		from string
		want string
	}{
		{followup.Rule{Every: 1, Unit: followup.UnitMonth}, "2027-01-31", "2027-02-28"},
		{followup.Rule{Every: 1, Unit: followup.UnitMonth}, "2028-01-31", "2028-02-29"},
		{followup.Rule{Every: 3, Unit: followup.UnitMonth}, "2027-11-30", "2028-02-29"},
		{followup.Rule{Every: 2, Unit: followup.UnitWeek}, "2028-02-20", "2028-03-05"},
		{followup.Rule{Every: 2, Unit: followup.UnitWeek}, "2027-02-20", "2027-03-06"},
		{followup.Rule{Every: 10, Unit: followup.UnitDay}, "2028-02-25", "2028-03-06"},
	} {
		if got := c.rule.Next(date(c.from)).Format("2006-01-02"); got != c.want {
			t.Errorf("%d %s after %s = %s, want %s", c.rule.Every, c.rule.Unit, c.from, got, c.want)
		}
	}
	for _, r := range []followup.Rule{{Every: 1, Unit: followup.UnitMonth}, {Every: 3, Unit: followup.UnitMonth}, {Every: 2, Unit: followup.UnitWeek}, {Every: 5, Unit: followup.UnitDay}} {
		for d := date("2027-01-01"); d.Before(date("2029-01-01")); d = d.AddDate(0, 0, 1) {
			got := r.LatestBase(d)
			if r.Next(got).After(d) || !r.Next(got.AddDate(0, 0, 1)).After(d) {
				t.Fatalf("%d %s: LatestBase(%s) = %s; Next = %s, Next of the day after = %s", r.Every, r.Unit, d.Format("2006-01-02"),
					got.Format("2006-01-02"), r.Next(got).Format("2006-01-02"), r.Next(got.AddDate(0, 0, 1)).Format("2006-01-02"))
			}
		}
	}
}

// TestRecordRules checks who may record a follow-up of which child and
// what bad input gets.
func TestRecordRules(t *testing.T) {
	f := newFixture(t)
	c := f.child()
	f.viewer("cadre.village")
	f.viewer("teacher.b")
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "")
	f.assign(c.ID, care.RoleTeacher, "teacher.b", "") // teaches another class: out of her census scope, but in the network
	for _, tc := range []struct {
		name   string
		viewer string
		in     followup.Input
		code   errs.Code
		field  string
	}{
		{"team member (leader role)", "cadre.village", followup.Input{}, "", ""},
		{"team teacher of another class", "teacher.b", followup.Input{}, "", ""},
		{"officer in scope", "officer.cn", followup.Input{Method: followup.MethodPhone}, "", ""},
		{"counsellor in scope", "counsellor", followup.Input{}, "", ""},
		{"social worker in scope", "social.worker", followup.Input{}, "", ""},
		{"leader not in the network", "leader.cn", followup.Input{}, errs.Forbidden, ""},
		{"principal not in the network", "principal", followup.Input{}, errs.Forbidden, ""},
		{"teacher of the class, not in the network", "teacher.a", followup.Input{}, errs.Forbidden, ""},
		{"mentor not paired", "mentor", followup.Input{}, errs.NotFound, ""},
		{"officer out of scope", "officer.km", followup.Input{}, errs.NotFound, ""},
		{"administrator", "sysadmin", followup.Input{}, errs.NotFound, ""},
		{"future date", "cadre.village", followup.Input{VisitedOn: "2026-01-11"}, errs.Invalid, "visited_on"},
		{"bad date", "cadre.village", followup.Input{VisitedOn: "2026-02-30"}, errs.Invalid, "visited_on"},
		{"bad method", "cadre.village", followup.Input{Method: "letter"}, errs.Invalid, "method"},
		{"bad rating", "cadre.village", followup.Input{Ratings: map[string]string{"psych": "bad"}}, errs.Invalid, "ratings.psych"},
		{"unknown dimension", "cadre.village", followup.Input{Ratings: map[string]string{"money": "good"}}, errs.Invalid, "ratings.money"},
		{"next date in the past", "cadre.village", followup.Input{NextOn: "2026-01-01"}, errs.Invalid, "next_on"},
		{"need without a kind", "cadre.village", followup.Input{Needs: []followup.NeedInput{{Description: "缺课本"}}}, errs.Invalid, "needs.0.kind"},
		{"need of an unknown kind", "cadre.village", followup.Input{Needs: []followup.NeedInput{{Kind: "cash"}}}, errs.Invalid, "needs.0.kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.ChildID = c.ID
			fu, err := f.a.Followups.Record(f.ctx, f.viewer(tc.viewer), in)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v %v", err, errs.As(err).Fields)
				}
				if fu.VisitedOn != "2026-01-10" || len(fu.Dimensions) != 5 || fu.Dimensions[0].Rating != followup.RatingGood {
					t.Errorf("defaults not applied: %+v", fu)
				}
				return
			}
			if errs.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if e := errs.As(err); e.Message == "" && len(e.Fields) == 0 {
				t.Errorf("no reason given: %v", err)
			}
			if tc.field != "" && errs.As(err).Fields[tc.field] == "" {
				t.Errorf("no message for %s: %v", tc.field, errs.As(err).Fields)
			}
		})
	}
	// The village cadre's follow-up carries the role and the next date
	// by the rule (monthly for a left-behind child).
	page, err := f.a.Followups.List(f.ctx, f.officer, followup.Filter{ChildID: c.ID, Mine: false})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 5 {
		t.Fatalf("%d follow-ups, want 5", page.Total)
	}
	var byCadre followup.Followup
	for _, it := range page.Items {
		if it.UserID == f.users["cadre.village"].ID {
			byCadre = it
		}
	}
	if byCadre.CareRole != care.RoleVillageCadre || byCadre.NextOn != "2026-02-10" {
		t.Errorf("village cadre's follow-up: role %q next %q", byCadre.CareRole, byCadre.NextOn)
	}
	// The five are counted on their day at the child's village and up,
	// refusals not at all; a follow-up of an earlier day counts on its day.
	if _, err := f.a.Followups.Record(f.ctx, f.officer, followup.Input{ChildID: c.ID, VisitedOn: "2025-12-31"}); err != nil {
		t.Fatal(err)
	}
	day, err := tally.Get(f.ctx, f.a.DB.Reader(), c.VillageCode, followup.DayKey("2026-01-10"), followup.DayKey("2025-12-31"))
	if err != nil || day[followup.DayKey("2026-01-10")] != 5 || day[followup.DayKey("2025-12-31")] != 1 {
		t.Errorf("follow-ups by day: %v %v", day, err)
	}
	for _, span := range []struct {
		from, to string
		want     int
	}{{"2026-01-01", "2026-01-11", 5}, {"2025-12-01", "2026-01-11", 6}, {"2025-12-01", "2026-01-10", 1}} {
		if n, err := tally.Sum(f.ctx, f.a.DB.Reader(), "", followup.DayKey(span.from), followup.DayKey(span.to)); err != nil || n != span.want {
			t.Errorf("follow-ups %s to %s: %d %v, want %d", span.from, span.to, n, err, span.want)
		}
	}
	if followup.DayKey("2026-01-10") != "followups.day.2026-01-10" || followup.DayPrefix != "followups.day." {
		t.Error("key names changed")
	}
	apptest.CheckTallies(t, f.a)
	// Each recorded follow-up is audited.
	entries, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: followup.RecordFollowup})
	if err != nil {
		t.Fatal(err)
	}
	if entries.Total != 6 {
		t.Errorf("%d audit entries, want 6", entries.Total)
	}
	// Out of scope: the Kunming officer does not see the list either.
	if p, _ := f.a.Followups.List(f.ctx, f.viewer("officer.km"), followup.Filter{}); p.Total != 0 {
		t.Errorf("out-of-scope officer sees %d follow-ups", p.Total)
	}
	// The team teacher of another class sees her own follow-up only.
	if p, _ := f.a.Followups.List(f.ctx, f.viewer("teacher.b"), followup.Filter{}); p.Total != 1 {
		t.Errorf("team teacher sees %d follow-ups, want her own 1", p.Total)
	}
}

// TestPsychologyNote checks who reads the psychology note.
func TestPsychologyNote(t *testing.T) {
	f := newFixture(t)
	c := f.child()
	f.viewer("cadre.village")
	f.viewer("mentor")
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "")
	if _, err := f.a.Care.Pair(f.ctx, access.System(), care.PairingInput{ChildID: c.ID, MentorID: f.users["mentor"].ID, Kind: care.KindVolunteer}); err != nil {
		t.Fatal(err)
	}
	fu, err := f.a.Followups.Record(f.ctx, f.viewer("cadre.village"), followup.Input{ChildID: c.ID,
		Ratings: map[string]string{"psych": "attention"}, Notes: map[string]string{"psych": "想念父母，夜里哭", "study": "数学进步"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		viewer string
		sees   bool
	}{
		{"cadre.village", true}, // the recorder
		{"officer.cn", true},
		{"counsellor", true},
		{"social.worker", true},
		{"leader.cn", false},
		{"principal", false},
		{"teacher.a", false},
		{"mentor", false},
	} {
		got, err := f.a.Followups.Get(f.ctx, f.viewer(tc.viewer), fu.ID)
		if err != nil {
			t.Fatalf("%s: %v", tc.viewer, err)
		}
		psych, study := got.Dimensions[2], got.Dimensions[0]
		if psych.Key != followup.DimPsych || psych.Rating != followup.RatingAttention {
			t.Fatalf("%s: psychology dimension %+v", tc.viewer, psych)
		}
		if (psych.Note != "") != tc.sees || psych.NoteHidden == tc.sees {
			t.Errorf("%s: psychology note %q hidden %v, want seen %v", tc.viewer, psych.Note, psych.NoteHidden, tc.sees)
		}
		if study.Note != "数学进步" {
			t.Errorf("%s: study note %q", tc.viewer, study.Note)
		}
	}
	if _, err := f.a.Followups.Get(f.ctx, f.viewer("officer.km"), fu.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("out-of-scope Get: %v", err)
	}
}

// TestUrgentNotifiesChainAndRaisesNeeds: an urgent rating notifies every
// user of the chain but the recorder, and the needs become needs-list
// items.
func TestUrgentNotifiesChainAndRaisesNeeds(t *testing.T) {
	f := newFixture(t)
	c := f.child()
	f.viewer("cadre.village")
	f.viewer("cadre.town")
	f.viewer("leader.town")
	f.viewer("mentor")
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "")
	f.assign(c.ID, care.RoleTownshipCadre, "cadre.town", "")
	f.lead(townA, "leader.town")
	if _, err := f.a.Care.Pair(f.ctx, access.System(), care.PairingInput{ChildID: c.ID, MentorID: f.users["mentor"].ID, Kind: care.KindVolunteer}); err != nil {
		t.Fatal(err)
	}
	fu, err := f.a.Followups.Record(f.ctx, f.viewer("cadre.village"), followup.Input{ChildID: c.ID, Method: followup.MethodHomeVisit,
		Ratings: map[string]string{"health": "urgent"}, Notes: map[string]string{"psych": "秘密"},
		Needs: []followup.NeedInput{{Kind: "health_check", Description: "牙痛，需要看牙医"}}})
	if err != nil {
		t.Fatalf("%v %v", err, errs.As(err).Fields)
	}
	if !fu.Urgent || len(fu.NeedIDs) != 1 {
		t.Fatalf("urgent %v needs %v", fu.Urgent, fu.NeedIDs)
	}
	for _, tc := range []struct {
		viewer string
		want   int
	}{{"cadre.town", 1}, {"leader.town", 1}, {"mentor", 1}, {"cadre.village", 0}, {"officer.cn", 0}} {
		page, err := f.a.Followups.Notifications(f.ctx, f.viewer(tc.viewer), false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if page.Unread != tc.want || len(page.Items) != tc.want {
			t.Errorf("%s: %d unread, %d items; want %d", tc.viewer, page.Unread, len(page.Items), tc.want)
			continue
		}
		if tc.want > 0 {
			n := page.Items[0]
			if n.FollowupID != fu.ID || n.ChildID != c.ID || n.Read {
				t.Errorf("%s: notification %+v", tc.viewer, n)
			}
			if contains(n.Title+n.Body, "秘密") {
				t.Errorf("%s: the notification carries a note: %s", tc.viewer, n.Body)
			}
		}
	}
	town := f.viewer("cadre.town")
	page, _ := f.a.Followups.Notifications(f.ctx, town, false, 0)
	if err := f.a.Followups.MarkRead(f.ctx, f.viewer("leader.town"), page.Items[0].ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("marking another user's notification: %v", err)
	}
	if err := f.a.Followups.MarkRead(f.ctx, town, page.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.a.Followups.Unread(f.ctx, town); n != 0 {
		t.Errorf("%d unread after reading", n)
	}
	got, err := f.a.Followups.Get(f.ctx, f.officer, fu.ID)
	if err != nil || len(got.NeedIDs) != 1 || got.NeedIDs[0] != fu.NeedIDs[0] {
		t.Errorf("need of the follow-up: %v %v", got.NeedIDs, err)
	}
	// A need kind that does not exist leaves nothing behind.
	_, err = f.a.Followups.Record(f.ctx, f.viewer("cadre.village"), followup.Input{ChildID: c.ID, Ratings: map[string]string{"health": "urgent"},
		Needs: []followup.NeedInput{{Kind: "cash"}}})
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad need: %v", err)
	}
	if p, _ := f.a.Followups.List(f.ctx, f.officer, followup.Filter{ChildID: c.ID}); p.Total != 1 {
		t.Errorf("%d follow-ups after a refused one, want 1", p.Total)
	}
	if n, _ := f.a.Followups.Unread(f.ctx, f.viewer("mentor")); n != 1 {
		t.Errorf("mentor has %d unread after a refused follow-up, want 1", n)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestEscalation walks a fixed clock through a village cadre's monthly
// visit: due soon, overdue, escalated to the township after 7 days and to
// the county after 30, and cleared by a visit.
func TestEscalation(t *testing.T) {
	f := newFixture(t)
	f.day("2027-01-31")
	c := f.child()
	f.viewer("cadre.village")
	f.viewer("leader.town")
	f.viewer("leader.cn")
	f.assign(c.ID, care.RoleVillageCadre, "cadre.village", "2027-01-31")
	f.lead(townA, "leader.town")
	// leader.cn is a leader whose scope is the county: the county's
	// escalations reach them without a position.
	check := func(day string, own, town, cnty string) {
		t.Helper()
		f.day(day)
		for _, tc := range []struct{ viewer, want string }{{"cadre.village", own}, {"leader.town", town}, {"leader.cn", cnty}} {
			list, err := f.a.Followups.Tasks(f.ctx, f.viewer(tc.viewer))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, it := range list.Items {
				if it.ChildID == c.ID {
					got = it.Status + "@" + it.DueOn
					if it.Level != "" {
						got = it.Level + ":" + got
					}
				}
			}
			if got != tc.want {
				t.Errorf("%s, %s: task %q, want %q", day, tc.viewer, got, tc.want)
			}
		}
	}
	// Assigned on 31 January 2027: due 28 February (not 3 March).
	check("2027-02-20", "", "", "")
	check("2027-02-21", "due_soon@2027-02-28", "", "")
	check("2027-02-28", "due_soon@2027-02-28", "", "")
	check("2027-03-01", "overdue@2027-02-28", "", "")
	check("2027-03-06", "overdue@2027-02-28", "", "")
	check("2027-03-07", "overdue@2027-02-28", "township:overdue@2027-02-28", "")
	check("2027-03-29", "overdue@2027-02-28", "township:overdue@2027-02-28", "")
	check("2027-03-30", "overdue@2027-02-28", "township:overdue@2027-02-28", "county:overdue@2027-02-28")
	// A visit by someone else (an officer) does not count for the village
	// cadre's role; the cadre's own does, from its date.
	if _, err := f.a.Followups.Record(f.ctx, f.officer, followup.Input{ChildID: c.ID}); err != nil {
		t.Fatal(err)
	}
	check("2027-03-30", "overdue@2027-02-28", "township:overdue@2027-02-28", "county:overdue@2027-02-28")
	if _, err := f.a.Followups.Record(f.ctx, f.viewer("cadre.village"), followup.Input{ChildID: c.ID, VisitedOn: "2027-03-29"}); err != nil {
		t.Fatal(err)
	}
	check("2027-03-30", "", "", "")
	check("2027-04-22", "due_soon@2027-04-29", "", "")
	// The rules are configurable: fortnightly visits, escalated after 2
	// and 5 days.
	if _, err := f.a.Followups.SaveRule(f.ctx, f.viewer("leader.cn"), followup.RuleInput{CareRole: care.RoleVillageCadre, Category: followup.CategoryLeftBehind,
		Every: 2, Unit: followup.UnitWeek, TownshipDays: 2, CountyDays: 5}); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("a leader changes the rules: %v", err)
	}
	_, err := f.a.Followups.SaveRule(f.ctx, f.officer, followup.RuleInput{CareRole: care.RoleVillageCadre, Category: followup.CategoryLeftBehind,
		Every: 2, Unit: followup.UnitWeek, TownshipDays: 5, CountyDays: 2})
	if !errs.Is(err, errs.Invalid) || errs.As(err).Fields["county_days"] == "" {
		t.Fatalf("county before township: %v", err)
	}
	if _, err := f.a.Followups.SaveRule(f.ctx, f.officer, followup.RuleInput{CareRole: care.RoleVillageCadre, Category: followup.CategoryLeftBehind,
		Every: 2, Unit: followup.UnitWeek, TownshipDays: 2, CountyDays: 5}); err != nil {
		t.Fatal(err)
	}
	check("2027-04-12", "due_soon@2027-04-12", "", "")
	check("2027-04-14", "overdue@2027-04-12", "township:overdue@2027-04-12", "")
	check("2027-04-17", "overdue@2027-04-12", "township:overdue@2027-04-12", "county:overdue@2027-04-12")
	entries, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: followup.RecordRule})
	if err != nil || entries.Total != 1 {
		t.Errorf("rule audit entries: %d %v", entries.Total, err)
	}
	rules, _ := f.a.Followups.Rules(f.ctx, f.officer)
	if len(rules) != 3 || rules[0].CareRole != care.RoleTownshipCadre && rules[0].CareRole != care.RoleVillageCadre {
		t.Errorf("rules: %+v", rules)
	}
}
