package accounts_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
)

// TestViewerFor checks the table in ViewerFor's documentation, role by
// role, and how several roles combine.
func TestViewerFor(t *testing.T) {
	const school, class = "0190a5d0-0000-7000-8000-000000000001", "0190a5d0-0000-7000-8000-000000000002"
	all := access.Sensitive{IDNumber: true, Health: true, Difficulty: true}
	noID := access.Sensitive{Health: true, Difficulty: true}
	allMH := access.Sensitive{IDNumber: true, Health: true, Difficulty: true, MentalHealth: true}
	noIDMH := access.Sensitive{Health: true, Difficulty: true, MentalHealth: true}
	region := func(write bool, may access.Sensitive) access.Viewer {
		return access.Viewer{Region: changning, CanWrite: write, May: may}
	}
	nobody := access.Viewer{Region: changning, Nobody: true}
	for _, c := range []struct {
		name          string
		roles         []string
		school, class string
		inactive      bool
		want          access.Viewer // identity fields are filled in below
	}{
		{"leader", []string{accounts.RoleLeader}, "", "", false, region(false, all)},
		{"officer", []string{accounts.RoleOfficer}, "", "", false, region(true, allMH)},
		{"principal", []string{accounts.RolePrincipal}, school, "", false,
			access.Viewer{Region: changning, SchoolID: school, CanWrite: true, May: all}},
		{"principal without a school", []string{accounts.RolePrincipal}, "", "", false,
			access.Viewer{Region: changning, Nobody: true, CanWrite: true, May: all}},
		{"teacher", []string{accounts.RoleTeacher}, school, class, false,
			access.Viewer{Region: changning, SchoolID: school, ClassID: class, CanWrite: true, May: noID}},
		{"teacher without a class", []string{accounts.RoleTeacher}, school, "", false,
			access.Viewer{Region: changning, SchoolID: school, Nobody: true, CanWrite: true, May: noID}},
		{"social worker", []string{accounts.RoleSocialWorker}, "", "", false, region(false, noIDMH)},
		{"counsellor", []string{accounts.RoleCounsellor}, "", "", false, region(false, noIDMH)},
		{"mentor", []string{accounts.RoleMentor}, "", "", false, access.Viewer{Region: changning, PairedWith: "u1"}},
		{"sysadmin", []string{accounts.RoleSysadmin}, "", "", false, nobody},
		{"secadmin", []string{accounts.RoleSecadmin}, "", "", false, nobody},
		{"auditor", []string{accounts.RoleAuditor}, "", "", false, nobody},
		{"no role", []string{}, "", "", false, nobody},
		// Several roles: the widest scope, the union of rights.
		{"teacher and officer", []string{accounts.RoleTeacher, accounts.RoleOfficer}, school, class, false, region(true, allMH)},
		{"officer and teacher", []string{accounts.RoleOfficer, accounts.RoleTeacher}, school, class, false, region(true, allMH)},
		{"leader and teacher", []string{accounts.RoleLeader, accounts.RoleTeacher}, school, class, false, region(true, all)},
		{"teacher and leader", []string{accounts.RoleTeacher, accounts.RoleLeader}, school, class, false, region(true, all)},
		{"counsellor and principal", []string{accounts.RoleCounsellor, accounts.RolePrincipal}, school, "", false, region(true, allMH)},
		{"principal and teacher", []string{accounts.RolePrincipal, accounts.RoleTeacher}, school, class, false,
			access.Viewer{Region: changning, SchoolID: school, CanWrite: true, May: all}},
		{"teacher and principal", []string{accounts.RoleTeacher, accounts.RolePrincipal}, school, class, false,
			access.Viewer{Region: changning, SchoolID: school, CanWrite: true, May: all}},
		{"mentor and social worker", []string{accounts.RoleMentor, accounts.RoleSocialWorker}, "", "", false, region(false, noIDMH)},
		{"inactive officer", []string{accounts.RoleOfficer}, "", "", true, nobody},
		{"inactive teacher", []string{accounts.RoleTeacher}, school, class, true,
			access.Viewer{Region: changning, SchoolID: school, ClassID: class, Nobody: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := accounts.User{ID: "u1", Username: "li.wei", Name: "李伟", RegionCode: changning, SchoolID: c.school, ClassID: c.class,
				Roles: c.roles, Active: !c.inactive}
			got := accounts.ViewerFor(u, "10.1.2.3")
			want := c.want
			want.UserID, want.Username, want.Name, want.IP, want.Roles = "u1", "li.wei", "李伟", "10.1.2.3", c.roles
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ViewerFor:\n got %+v\nwant %+v", got, want)
			}
			// Whatever the fields say, a viewer that sees nobody sees nothing.
			if got.Nobody && got.InRegion(wencang) {
				t.Error("a viewer who sees nobody is in region")
			}
			// A mentor's view is their pairings only: no region, no list.
			if got.PairedWith != "" {
				if w, _ := got.Where("c.village_code", "c.school_id", "c.class_id"); got.InRegion(wencang) || w != "1 = 0" {
					t.Error("a mentor's view reaches a region or a list")
				}
			}
		})
	}
}

func TestRoleHelpers(t *testing.T) {
	if len(accounts.Roles) != 10 {
		t.Fatalf("%d roles, want 10", len(accounts.Roles))
	}
	for _, r := range accounts.Roles {
		if l := accounts.RoleLabel(r); l == r || l == "" {
			t.Errorf("role %s has no Chinese label", r)
		}
		admin := slices.Contains(accounts.AdminRoles, r)
		if accounts.TOTPRequired([]string{r}) != admin {
			t.Errorf("TOTPRequired(%s) = %v, want %v", r, !admin, admin)
		}
		v := access.Viewer{Roles: []string{r}}
		if accounts.ManagesUsers(v) != (r == accounts.RoleSysadmin) {
			t.Errorf("ManagesUsers(%s) = %v", r, accounts.ManagesUsers(v))
		}
		if accounts.UnlocksUsers(v) != (r == accounts.RoleSysadmin || r == accounts.RoleSecadmin) {
			t.Errorf("UnlocksUsers(%s) = %v", r, accounts.UnlocksUsers(v))
		}
	}
	if !accounts.TOTPRequired([]string{accounts.RoleLeader, accounts.RoleAuditor}) || accounts.TOTPRequired(nil) {
		t.Error("TOTPRequired: any admin role requires a second factor, none does not")
	}
	if !accounts.Has(accounts.Roles, accounts.RoleMentor) || accounts.Has(nil, accounts.RoleMentor) {
		t.Error("Has")
	}
	if accounts.RoleLabel("pirate") != "pirate" {
		t.Error("an unknown role is its own label")
	}
}

// TestSeparationOfDuties: no account holds two of the administrative
// roles, nor one of them with a role that reads children's data.
func TestSeparationOfDuties(t *testing.T) {
	f := newFixture(t)
	const sod = "三权分立：系统管理员、安全管理员、审计员三者互斥，且不能兼任业务角色"
	n := 0
	for _, c := range []struct {
		roles []string
		want  string // message on roles, "" when allowed
	}{
		{[]string{"sysadmin", "secadmin"}, sod},
		{[]string{"sysadmin", "auditor"}, sod},
		{[]string{"secadmin", "auditor"}, sod},
		{[]string{"auditor", "secadmin", "sysadmin"}, sod},
		{[]string{"sysadmin", "leader"}, sod},
		{[]string{"officer", "secadmin"}, sod},
		{[]string{"auditor", "mentor"}, sod},
		{[]string{"counsellor", "auditor"}, sod},
		{[]string{}, "至少选择一个角色"},
		{[]string{"pirate"}, "角色“pirate”无效"},
		{[]string{"sysadmin"}, ""},
		{[]string{"secadmin"}, ""},
		{[]string{"auditor"}, ""},
		{[]string{"leader", "officer", "social_worker", "counsellor", "mentor"}, ""},
	} {
		t.Run(strings.Join(c.roles, "+"), func(t *testing.T) {
			n++
			in := accounts.Input{Username: "user" + string(rune('a'+n)), Name: "张三", RegionCode: changning, Roles: c.roles, Active: true, Password: goodPassword}
			u, err := f.s.CreateWithPassword(f.ctx, in, true)
			if c.want != "" {
				wantField(t, "create", err, "roles", c.want)
				return
			}
			if err != nil {
				t.Fatalf("create with %v: %v", c.roles, err)
			}
			// Roles come back in the fixed order, whatever order they were given in.
			want := slices.Clone(c.roles)
			slices.SortFunc(want, func(a, b string) int { return slices.Index(accounts.Roles, a) - slices.Index(accounts.Roles, b) })
			if !slices.Equal(u.Roles, want) {
				t.Errorf("roles %v, want %v", u.Roles, want)
			}
		})
	}
}
