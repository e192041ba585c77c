package care_test

import (
	"testing"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/errs"
)

// proxies returns a child's three proxy holders' names by kind ("" none).
func (f *fixture) proxies(v access.Viewer, id string) map[string]string {
	f.t.Helper()
	ch, err := f.a.Care.Chain(f.ctx, v, id)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range ch.Proxies {
		out[p.Kind] = ""
		if p.Holder != nil {
			out[p.Kind] = p.Holder.Name
		}
	}
	return out
}

func (f *fixture) setPosition(v access.Viewer, in care.PositionInput) care.Position {
	f.t.Helper()
	p, err := f.a.Care.SetPosition(f.ctx, v, in)
	if err != nil {
		f.t.Fatalf("set %s: %v", in.Kind, err)
	}
	return p
}

// TestProxyDerivation checks that a child's proxies follow the positions
// of its school, class and village at once: when a position changes hands
// and when the child moves.
func TestProxyDerivation(t *testing.T) {
	f := newFixture(t)
	kid := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	teacherA2 := f.userIn("teacher.a2", townA, f.schoolA.ID, f.classA2.ID, "teacher")
	principalB := f.userIn("principal.b", townB, f.schoolB.ID, "", "principal")
	want := func(step string, p map[string]string) {
		t.Helper()
		got := f.proxies(f.officer, kid.ID)
		for k, n := range p {
			if got[k] != n {
				t.Errorf("%s: %s is %q, want %q", step, k, got[k], n)
			}
		}
	}
	want("nothing set", map[string]string{care.PositionPrincipal: "", care.PositionHomeroom: "", care.PositionVillageProxy: ""})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolA.ID, UserID: f.principalA.ID})
	// A principal keeps the homeroom teachers of their own school.
	f.setPosition(f.viewer(f.principalA), care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classA1.ID, UserID: f.teacherA1.ID})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classA2.ID, UserID: teacherA2.ID})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionVillageProxy, Subject: villageA1, Name: "杨红梅", Phone: "13700001234", Title: "村妇联主席"})
	want("positions set", map[string]string{care.PositionPrincipal: f.principalA.Name, care.PositionHomeroom: f.teacherA1.Name, care.PositionVillageProxy: "杨红梅"})

	// The class gets a new homeroom teacher: the child's proxy follows.
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classA1.ID, UserID: teacherA2.ID})
	want("new homeroom teacher", map[string]string{care.PositionHomeroom: teacherA2.Name})

	// The child changes class, then school and village.
	f.move(kid.ID, villageA1, f.schoolA.ID, f.classA2.ID)
	want("moved class", map[string]string{care.PositionHomeroom: teacherA2.Name, care.PositionPrincipal: f.principalA.Name})
	f.move(kid.ID, villageB1, f.schoolB.ID, f.classB1.ID)
	want("moved school and village", map[string]string{care.PositionPrincipal: "", care.PositionHomeroom: "", care.PositionVillageProxy: ""})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolB.ID, UserID: principalB.ID})
	want("school B principal", map[string]string{care.PositionPrincipal: principalB.Name})
	f.move(kid.ID, villageA1, "", "")
	want("left school", map[string]string{care.PositionPrincipal: "", care.PositionHomeroom: "", care.PositionVillageProxy: "杨红梅"})

	// History: class A1 has had two homeroom teachers.
	hist, err := f.a.Care.Positions(f.ctx, f.officer, care.PositionFilter{Kind: care.PositionHomeroom, Subject: f.classA1.ID, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].To != "" || hist[1].To == "" || hist[0].UserID != teacherA2.ID {
		t.Errorf("homeroom history %+v", hist)
	}
	cur, _ := f.a.Care.Positions(f.ctx, f.officer, care.PositionFilter{Kind: care.PositionHomeroom})
	if len(cur) != 2 {
		t.Errorf("%d current homeroom positions, want 2", len(cur))
	}
	// Ending the village proxy's term leaves the village without one.
	vp, _ := f.a.Care.Positions(f.ctx, f.officer, care.PositionFilter{Kind: care.PositionVillageProxy, Subject: villageA1})
	if len(vp) != 1 {
		t.Fatalf("village proxies %+v", vp)
	}
	if _, err := f.a.Care.EndPosition(f.ctx, f.officer, vp[0].ID, care.EndInput{Reason: "换届"}); err != nil {
		t.Fatal(err)
	}
	want("village proxy ended", map[string]string{care.PositionVillageProxy: ""})
}

// TestPositionRules checks who may hold and set positions.
func TestPositionRules(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("officer.km", otherCity, "officer")
	for _, c := range []struct {
		name string
		v    access.Viewer
		in   care.PositionInput
		code errs.Code
	}{
		{"principal of the school", f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolA.ID, UserID: f.principalA.ID}, ""},
		{"teacher as principal", f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolA.ID, UserID: f.teacherA1.ID}, errs.Invalid},
		{"principal of another school", f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolB.ID, UserID: f.principalA.ID}, errs.Invalid},
		{"principal sets own post", f.viewer(f.principalA), care.PositionInput{Kind: care.PositionPrincipal, Subject: f.schoolA.ID, UserID: f.principalA.ID}, errs.Forbidden},
		{"principal sets another school's class", f.viewer(f.principalA), care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classB1.ID, Name: "王老师"}, errs.NotFound},
		{"teacher sets a class", f.viewer(f.teacherA1), care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classA1.ID, Name: "王老师"}, errs.Forbidden},
		{"leader (read only)", f.leader, care.PositionInput{Kind: care.PositionLeader, Subject: county, UserID: f.countyCadre.ID}, errs.Forbidden},
		{"county leader", f.officer, care.PositionInput{Kind: care.PositionLeader, Subject: county, UserID: f.countyCadre.ID, Title: "县委书记"}, ""},
		{"town cadre as county leader", f.officer, care.PositionInput{Kind: care.PositionLeader, Subject: county, UserID: f.townCadreA.ID}, errs.Invalid},
		{"province leader out of scope", f.officer, care.PositionInput{Kind: care.PositionLeader, Subject: changningP, Name: "王书记"}, errs.NotFound},
		{"out-of-scope officer", f.viewer(outsider), care.PositionInput{Kind: care.PositionVillageProxy, Subject: villageA1, Name: "杨红梅"}, errs.NotFound},
		{"village proxy on a township", f.officer, care.PositionInput{Kind: care.PositionVillageProxy, Subject: townA, Name: "杨红梅"}, errs.Invalid},
		{"mentor as village proxy", f.officer, care.PositionInput{Kind: care.PositionVillageProxy, Subject: villageA1, UserID: f.mentor.ID}, errs.Invalid},
		{"bad kind", f.officer, care.PositionInput{Kind: "mayor", Subject: villageA1, Name: "王"}, errs.Invalid},
		{"bad subject", f.officer, care.PositionInput{Kind: care.PositionPrincipal, Subject: "x'; DROP TABLE", Name: "王"}, errs.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.a.Care.SetPosition(f.ctx, c.v, c.in)
			if got := errs.CodeOf(err); got != c.code {
				t.Errorf("code %q, want %q: %v", got, c.code, err)
			}
		})
	}
}

// TestChain checks the responsibility chain: five leaders from the
// province down, the team, the proxies, the mentors, and whose phone
// numbers each viewer sees.
func TestChain(t *testing.T) {
	f := newFixture(t)
	kid := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	s := f.a.Care
	sys := access.System()
	f.setPosition(sys, care.PositionInput{Kind: care.PositionLeader, Subject: changningP, Name: "省委书记甲", Phone: "087100000001"})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionLeader, Subject: county, UserID: f.countyCadre.ID})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionLeader, Subject: villageA1, UserID: f.villageCadreA1.ID})
	f.setPosition(f.officer, care.PositionInput{Kind: care.PositionHomeroom, Subject: f.classA1.ID, UserID: f.teacherA1.ID})
	if _, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleCountyCadre, UserID: f.countyCadre.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Phone: "13900002222", Relation: "祖母"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pair(f.ctx, f.officer, care.PairingInput{ChildID: kid.ID, MentorID: f.mentor.ID, Kind: care.KindEntrepreneur}); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Chain(f.ctx, f.officer, kid.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Leaders) != 5 || ch.Leaders[0].RegionCode != changningP || ch.Leaders[4].RegionCode != villageA1 {
		t.Fatalf("leaders %+v", ch.Leaders)
	}
	held := map[int]string{}
	for _, l := range ch.Leaders {
		if l.Holder != nil {
			held[l.Level] = l.Holder.Name
		}
	}
	if held[1] != "省委书记甲" || held[3] != f.countyCadre.Name || held[5] != f.villageCadreA1.Name || held[2] != "" || held[4] != "" {
		t.Errorf("leaders held %v", held)
	}
	if len(ch.Team) != 6 || ch.Team[0].Member == nil || ch.Team[4].Member == nil || ch.Team[1].Member != nil {
		t.Errorf("team %+v", ch.Team)
	}
	if len(ch.Proxies) != 3 || ch.Proxies[1].Holder == nil || ch.Proxies[1].Holder.Name != f.teacherA1.Name || ch.Proxies[0].Holder != nil {
		t.Errorf("proxies %+v", ch.Proxies)
	}
	if len(ch.Mentors) != 1 || ch.Mentors[0].MentorID != f.mentor.ID {
		t.Errorf("mentors %+v", ch.Mentors)
	}

	// Whose phones each viewer sees.
	phones := func(v access.Viewer) (province, county, guardian, countyCadre, homeroom, mentor bool) {
		t.Helper()
		ch, err := s.Chain(f.ctx, v, kid.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ch.Leaders[0].Holder.Phone != "", ch.Leaders[2].Holder.Phone != "", ch.Team[4].Member.Phone != "",
			ch.Team[0].Member.Phone != "", ch.Proxies[1].Holder.Phone != "", len(ch.Mentors) > 0 && ch.Mentors[0].MentorPhone != ""
	}
	for _, c := range []struct {
		name string
		v    access.Viewer
		want [6]bool
	}{
		{"officer", f.officer, [6]bool{true, true, true, true, true, true}},
		{"teacher", f.viewer(f.teacherA1), [6]bool{false, false, true, true, true, true}},
		{"mentor", f.viewer(f.mentor), [6]bool{false, false, true, false, true, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b, cc, d, e, g := phones(c.v)
			if got := [6]bool{a, b, cc, d, e, g}; got != c.want {
				t.Errorf("phones shown (province, county, guardian, county cadre, homeroom, mentor) %v, want %v", got, c.want)
			}
		})
	}
	// Out of scope: 404 alike.
	if _, err := s.Chain(f.ctx, f.viewer(f.otherMentor), kid.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("unpaired mentor: %v", err)
	}
	if _, err := s.Chain(f.ctx, f.viewer(f.userIn("teacher.b", townB, f.schoolB.ID, f.classB1.ID, "teacher")), kid.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("teacher of another school: %v", err)
	}
}
