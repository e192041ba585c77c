package care_test

import (
	"slices"
	"testing"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/errs"
)

// TestCandidates checks that the users offered for a place are those the
// writes accept there, and only to those who may write.
func TestCandidates(t *testing.T) {
	f := newFixture(t)
	kid := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	far := f.child(otherVill, "", "")
	gone := f.user("cadre.gone", townA, "officer")
	u, _ := f.a.Accounts.Get(f.ctx, access.Viewer{Roles: []string{"sysadmin"}}, gone.ID)
	in := accountsInput(u)
	in.Active = false
	if _, err := f.a.Accounts.Update(f.ctx, access.Viewer{Roles: []string{"sysadmin"}}, u.ID, u.Version, in); err != nil {
		t.Fatal(err)
	}
	names := func(ps []care.Person) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.UserID)
		}
		slices.Sort(out)
		return out
	}
	ids := func(us ...string) []string {
		var out []string
		for _, u := range us {
			out = append(out, f.users[u].ID)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name string
		v    access.Viewer
		f    care.CandidateFilter
		want []string
		code errs.Code
	}{
		{"county cadre", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleCountyCadre}, ids("officer.cn", "leader.cn", "cadre.county"), ""},
		{"township cadre", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleTownshipCadre}, ids("cadre.town.a"), ""},
		{"village cadre", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleVillageCadre}, ids("cadre.village.a1"), ""},
		{"teacher", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleTeacher}, ids("principal.a", "teacher.a1"), ""},
		{"guardian", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleGuardian}, nil, ""},
		{"by name", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleCountyCadre, Query: "cadre.co"}, ids("cadre.county"), ""},
		{"pairing", f.officer, care.CandidateFilter{ChildID: kid.ID, Pairing: true, Query: "mentor"}, ids("mentor.one"), ""},
		{"principal", f.officer, care.CandidateFilter{Kind: care.PositionPrincipal, Subject: f.schoolA.ID}, ids("principal.a"), ""},
		{"homeroom by the principal", f.viewer(f.principalA), care.CandidateFilter{Kind: care.PositionHomeroom, Subject: f.classA1.ID}, ids("principal.a", "teacher.a1"), ""},
		{"leader", f.officer, care.CandidateFilter{Kind: care.PositionLeader, Subject: townA}, ids("cadre.town.a"), ""},
		{"child out of scope", f.officer, care.CandidateFilter{ChildID: far.ID, Role: care.RoleCountyCadre}, nil, errs.NotFound},
		{"reader", f.leader, care.CandidateFilter{ChildID: kid.ID, Role: care.RoleCountyCadre}, nil, errs.Forbidden},
		{"mentor", f.viewer(f.mentor), care.CandidateFilter{Pairing: true}, nil, errs.Forbidden},
		{"bad role", f.officer, care.CandidateFilter{ChildID: kid.ID, Role: "chef"}, nil, errs.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.a.Care.Candidates(f.ctx, c.v, c.f)
			if errs.CodeOf(err) != c.code {
				t.Fatalf("code %q, want %q: %v", errs.CodeOf(err), c.code, err)
			}
			if err == nil && !slices.Equal(names(got), c.want) {
				t.Errorf("candidates %v, want %v", names(got), c.want)
			}
			// Every candidate is accepted by the write itself.
			if c.f.Role != "" && err == nil {
				for _, p := range got {
					if _, err := f.a.Care.Assign(f.ctx, f.officer, c.f.ChildID, care.AssignInput{Role: c.f.Role, UserID: p.UserID, Replace: true}); err != nil {
						t.Errorf("candidate %s refused: %v", p.Name, err)
					}
				}
			}
		})
	}
}
