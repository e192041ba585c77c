package care_test

import (
	"encoding/json"
	"strings"
	"testing"

	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/errs"
)

// TestPairingLimits checks the soft limit's warning, the hard limit's
// refusal and who may be paired.
func TestPairingLimits(t *testing.T) {
	f := newFixture(t)
	s := care.NewStore(f.a.DB, f.a.Regions, care.Limits{Soft: 2, Hard: 3})
	var kids []children.Child
	for range 4 {
		kids = append(kids, f.child(villageA2, "", ""))
	}
	for i, want := range []struct {
		code    errs.Code
		warning bool
	}{{"", false}, {"", false}, {"", true}, {errs.Conflict, false}} {
		r, err := s.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kids[i].ID, MentorID: f.mentor.ID, Kind: care.KindVolunteer})
		if got := errs.CodeOf(err); got != want.code {
			t.Fatalf("pairing %d: code %q, want %q: %v", i+1, got, want.code, err)
		}
		if (r.Warning != "") != want.warning {
			t.Errorf("pairing %d: warning %q", i+1, r.Warning)
		}
		if err != nil && !strings.Contains(errs.As(err).Message, "上限") {
			t.Errorf("hard limit message %q", errs.As(err).Message)
		}
	}
	// Ending one makes room again.
	ps, err := s.Pairings(f.ctx, f.officer, care.PairingFilter{MentorID: f.mentor.ID})
	if err != nil || len(ps) != 3 {
		t.Fatalf("pairings %d %v", len(ps), err)
	}
	if _, err := s.EndPairing(f.ctx, f.officer, ps[0].ID, care.EndInput{Reason: "毕业"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kids[3].ID, MentorID: f.mentor.ID, Kind: care.KindVolunteer}); err != nil {
		t.Errorf("after ending one: %v", err)
	}
	all, _ := s.Pairings(f.ctx, f.officer, care.PairingFilter{MentorID: f.mentor.ID, All: true})
	if len(all) != 4 {
		t.Errorf("%d pairings with history, want 4", len(all))
	}
	for _, c := range []struct {
		name   string
		in     care.PairingInput
		code   errs.Code
		phrase string
	}{
		{"twice", care.PairingInput{ChildID: kids[3].ID, MentorID: f.mentor.ID, Kind: care.KindVolunteer}, errs.Conflict, "已与"},
		{"teacher as mentor", care.PairingInput{ChildID: kids[0].ID, MentorID: f.teacherA1.ID, Kind: care.KindVolunteer}, errs.Invalid, "不是结对帮扶人或干部"},
		{"mentor of another city", care.PairingInput{ChildID: kids[0].ID, MentorID: f.otherMentor.ID, Kind: care.KindVolunteer}, errs.Invalid, "不在该儿童所在地的范围内"},
		{"cadre", care.PairingInput{ChildID: kids[0].ID, MentorID: f.countyCadre.ID, Kind: care.KindCadre}, "", ""},
		{"bad kind", care.PairingInput{ChildID: kids[1].ID, MentorID: f.countyCadre.ID, Kind: "friend"}, errs.Invalid, "结对类型"},
		{"no child", care.PairingInput{ChildID: "", MentorID: f.countyCadre.ID, Kind: care.KindCadre}, errs.NotFound, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Pair(f.ctx, f.officer, c.in)
			if got := errs.CodeOf(err); got != c.code {
				t.Fatalf("code %q, want %q: %v", got, c.code, err)
			}
			if err != nil {
				e := errs.As(err)
				if !strings.Contains(e.Message+e.Fields["mentor_id"]+e.Fields["kind"], c.phrase) {
					t.Errorf("message %q %v, want %q", e.Message, e.Fields, c.phrase)
				}
			}
		})
	}
}

// TestMentorView checks what a mentor sees: their paired children only,
// through care, without ID numbers or health detail; nothing in the
// census lists.
func TestMentorView(t *testing.T) {
	f := newFixture(t)
	paired := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	other := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	if _, err := f.a.Care.Pair(f.ctx, f.officer, care.PairingInput{ChildID: paired.ID, MentorID: f.mentor.ID, Kind: care.KindEntrepreneur}); err != nil {
		t.Fatal(err)
	}
	mv := f.viewer(f.mentor)
	mine, err := f.a.Care.MyChildren(f.ctx, mv)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 1 || mine[0].ChildID != paired.ID || mine[0].SchoolName != f.schoolA.Name || mine[0].GuardianPhone == "" || mine[0].Age != 11 {
		t.Fatalf("my children %+v", mine)
	}
	// The JSON of the view has no field that could carry an ID number or
	// health detail.
	b, _ := json.Marshal(mine[0])
	for _, bad := range []string{"id_number", "health", "disability", "difficulty", "father_phone", "mother_phone", paired.IDNumber[:6] + "2015"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("mentor's view carries %q: %s", bad, b)
		}
	}
	if _, err := f.a.Care.Chain(f.ctx, mv, paired.ID); err != nil {
		t.Errorf("chain of a paired child: %v", err)
	}
	if _, err := f.a.Care.Chain(f.ctx, mv, other.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("chain of an unpaired child: %v", err)
	}
	if _, err := f.a.Care.Gaps(f.ctx, mv, county); !errs.Is(err, errs.NotFound) {
		t.Errorf("gaps as a mentor: %v", err)
	}
	// The census itself stays closed to the mentor.
	if _, err := f.a.Children.Get(f.ctx, mv, paired.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("census record as a mentor: %v", err)
	}
	if p, err := f.a.Children.List(f.ctx, mv, children.Filter{}); err != nil || p.Total != 0 {
		t.Errorf("census list as a mentor: %d %v", p.Total, err)
	}
	// Another mentor sees nothing; an ended pairing closes the view.
	if mine, _ := f.a.Care.MyChildren(f.ctx, f.viewer(f.otherMentor)); len(mine) != 0 {
		t.Errorf("other mentor sees %d", len(mine))
	}
	ps, _ := f.a.Care.Pairings(f.ctx, mv, care.PairingFilter{})
	if len(ps) != 1 {
		t.Fatalf("mentor's pairings %+v", ps)
	}
	if _, err := f.a.Care.EndPairing(f.ctx, f.officer, ps[0].ID, care.EndInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Care.Chain(f.ctx, mv, paired.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("chain after the pairing ended: %v", err)
	}
	if mine, _ := f.a.Care.MyChildren(f.ctx, mv); len(mine) != 0 {
		t.Errorf("after the pairing ended the mentor sees %d", len(mine))
	}
}
