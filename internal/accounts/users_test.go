package accounts_test

import (
	"slices"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/errs"
	"guanai/internal/schools"
)

func TestBootstrap(t *testing.T) {
	t.Run("no users: one administrator", func(t *testing.T) {
		f := newFixture(t)
		name, pw, err := f.s.Bootstrap(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if name != "admin" || pw == "" {
			t.Fatalf("Bootstrap = %q, %q", name, pw)
		}
		if err := accounts.CheckPolicy("password", name, pw); err != nil {
			t.Errorf("the one-time password %q breaks the policy: %v", pw, err)
		}
		if n := f.countUsers(); n != 1 {
			t.Fatalf("%d users after Bootstrap, want 1", n)
		}
		_, u, err := f.login(name, pw, "")
		if err != nil {
			t.Fatalf("log in with the one-time password: %v", err)
		}
		if !slices.Equal(u.Roles, []string{accounts.RoleSysadmin}) || !u.MustChangePassword || !u.Active || u.RegionCode != "" || u.TOTPEnabled {
			t.Errorf("bootstrap administrator: %+v", u)
		}
		if !u.Restricted() {
			t.Error("the bootstrap administrator is not restricted before changing the password and enrolling TOTP")
		}
		// Again: nothing.
		name, pw, err = f.s.Bootstrap(f.ctx)
		if err != nil || name != "" || pw != "" {
			t.Errorf("second Bootstrap = %q, %q, %v; want nothing", name, pw, err)
		}
		if n := f.countUsers(); n != 1 {
			t.Errorf("%d users after the second Bootstrap, want 1", n)
		}
	})
	t.Run("users exist: nothing", func(t *testing.T) {
		f := newFixture(t)
		f.user("li.wei", changning, accounts.RoleOfficer)
		name, pw, err := f.s.Bootstrap(f.ctx)
		if err != nil || name != "" || pw != "" {
			t.Errorf("Bootstrap = %q, %q, %v; want nothing", name, pw, err)
		}
		if n := f.countUsers(); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
}

func (f *fixture) countUsers() int {
	f.t.Helper()
	var n int
	if err := f.app.DB.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestCreateValidation checks what CreateWithPassword (and Create) refuse.
func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	base := accounts.Input{Username: "wang.fang", Name: "王芳", RegionCode: changning, Roles: []string{accounts.RoleOfficer}, Active: true, Password: goodPassword}
	f.userWith(base)
	for _, c := range []struct {
		name  string
		mod   func(*accounts.Input)
		field string
		msg   string
		code  errs.Code
	}{
		{"duplicate username", func(in *accounts.Input) {}, "username", "用户名已被使用", errs.Conflict},
		{"bad username", func(in *accounts.Input) { in.Username = "王芳" }, "username", "用户名应为3–32位", errs.Invalid},
		{"short username", func(in *accounts.Input) { in.Username = "wf" }, "username", "用户名应为3–32位", errs.Invalid},
		{"no name", func(in *accounts.Input) { in.Username, in.Name = "wf2", " " }, "name", "姓名不能为空", errs.Invalid},
		{"bad phone", func(in *accounts.Input) { in.Username, in.Phone = "wf3", "12345" }, "phone", "手机号格式不正确", errs.Invalid},
		{"bad org kind", func(in *accounts.Input) { in.Username, in.OrgKind = "wf4", "church" }, "org_kind", "所属单位类型无效", errs.Invalid},
		{"bad region", func(in *accounts.Input) { in.Username, in.RegionCode = "wf5", "53052" }, "region_code", "无效", errs.Invalid},
		{"unknown region", func(in *accounts.Input) { in.Username, in.RegionCode = "wf6", "539999000000" }, "region_code", "不存在", errs.Invalid},
		{"principal without a school", func(in *accounts.Input) { in.Username, in.Roles = "wf7", []string{accounts.RolePrincipal} }, "school_id", "校长和教师必须指定学校", errs.Invalid},
		{"teacher without a class", func(in *accounts.Input) { in.Username, in.Roles = "wf8", []string{accounts.RoleTeacher} }, "class_id", "教师必须指定班级", errs.Invalid},
		{"unknown school", func(in *accounts.Input) {
			in.Username, in.Roles, in.SchoolID = "wf9", []string{accounts.RolePrincipal}, "0190a5d0-0000-7000-8000-000000000001"
		}, "school_id", "学校不存在或不在您的管辖范围内", errs.Invalid},
		{"no password", func(in *accounts.Input) { in.Username, in.Password = "wf10", "" }, "password", "请设置初始密码", errs.Invalid},
		{"weak password", func(in *accounts.Input) { in.Username, in.Password = "wf11", "Password1!" }, "password", "密码过于常见", errs.Invalid},
		{"password with the username", func(in *accounts.Input) { in.Username, in.Password = "wf12", "Wf12-Wf12-x" }, "password", "密码不能包含用户名", errs.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := base
			in.Roles = append([]string(nil), base.Roles...)
			c.mod(&in)
			_, err := f.s.CreateWithPassword(f.ctx, in, true)
			e := wantErr(t, "create", err, c.code, "")
			if e.Fields[c.field] == "" || !strings.Contains(e.Fields[c.field], c.msg) {
				t.Errorf("fields %v, want %s: %q", e.Fields, c.field, c.msg)
			}
		})
	}
	if n := f.countUsers(); n != 1 {
		t.Errorf("%d users after refused creations, want 1", n)
	}

	// A principal and a teacher with their school and class.
	sch, err := f.app.Schools.Create(f.ctx, access.System(), schools.Input{Name: "文沧完小", Kind: "primary", RegionCode: "530524107"})
	if err != nil {
		t.Fatal(err)
	}
	cls, err := f.app.Schools.AddClass(f.ctx, access.System(), sch.ID, 3, "1班")
	if err != nil {
		t.Fatal(err)
	}
	p := f.userWith(accounts.Input{Username: "principal.1", Name: "赵校长", RegionCode: changning, Roles: []string{accounts.RolePrincipal}, SchoolID: sch.ID, Active: true, Password: goodPassword})
	if p.SchoolID != sch.ID || p.ClassID != "" {
		t.Errorf("principal: %+v", p)
	}
	tc := f.userWith(accounts.Input{Username: "teacher.1", Name: "钱老师", RegionCode: changning, Roles: []string{accounts.RoleTeacher}, SchoolID: sch.ID, ClassID: cls.ID, Active: true, Password: goodPassword})
	if v := accounts.ViewerFor(tc, ""); v.SchoolID != sch.ID || v.ClassID != cls.ID || v.Nobody {
		t.Errorf("teacher's viewer: %+v", v)
	}
	// The school must lie in the user's region.
	_, err = f.s.CreateWithPassword(f.ctx, accounts.Input{Username: "principal.2", Name: "孙校长", RegionCode: wuhua, Roles: []string{accounts.RolePrincipal},
		SchoolID: sch.ID, Active: true, Password: goodPassword}, true)
	wantField(t, "principal of a school outside the region", err, "school_id", "学校不存在或不在您的管辖范围内")
}

// TestUserScope: administrators read the accounts of their region subtree,
// everyone else only their own; out of scope is not found.
func TestUserScope(t *testing.T) {
	f := newFixture(t)
	admin := f.user("admin.cn", changning, accounts.RoleSysadmin)
	sec := f.user("sec.cn", changning, accounts.RoleSecadmin)
	officer := f.user("officer.cn", wencang, accounts.RoleOfficer)
	far := f.user("officer.wh", wuhua, accounts.RoleOfficer)
	national := f.user("admin.all", "", accounts.RoleSysadmin)
	aud := f.user("auditor.cn", changning, accounts.RoleAuditor)

	list := func(v access.Viewer, flt accounts.Filter) []string {
		t.Helper()
		p, err := f.s.List(f.ctx, v, flt)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range p.Users {
			names = append(names, u.Username)
		}
		if p.Total != len(names) {
			t.Errorf("total %d, %d users", p.Total, len(names))
		}
		return names
	}
	for _, c := range []struct {
		who  accounts.User
		flt  accounts.Filter
		want []string
	}{
		// Ordered by region, then username.
		{admin, accounts.Filter{}, []string{"admin.cn", "auditor.cn", "sec.cn", "officer.cn"}},
		{sec, accounts.Filter{}, []string{"admin.cn", "auditor.cn", "sec.cn", "officer.cn"}},
		{national, accounts.Filter{Region: "5305"}, []string{"admin.cn", "auditor.cn", "sec.cn", "officer.cn"}},
		{national, accounts.Filter{Role: accounts.RoleOfficer}, []string{"officer.wh", "officer.cn"}},
		{national, accounts.Filter{Query: "officer"}, []string{"officer.wh", "officer.cn"}},
		{national, accounts.Filter{Query: "测试sec"}, []string{"sec.cn"}},
		{admin, accounts.Filter{Region: "530102"}, nil},
		{officer, accounts.Filter{}, []string{"officer.cn"}},
		{aud, accounts.Filter{}, []string{"auditor.cn"}},
	} {
		got := list(accounts.ViewerFor(c.who, ip), c.flt)
		if !equalStrings(got, c.want) {
			t.Errorf("%s lists %+v: %v, want %v", c.who.Username, c.flt, got, c.want)
		}
	}
	_, err := f.s.List(f.ctx, accounts.ViewerFor(admin, ip), accounts.Filter{Role: "pirate"})
	wantField(t, "list by an unknown role", err, "role", "角色无效")
	_, err = f.s.List(f.ctx, accounts.ViewerFor(admin, ip), accounts.Filter{Region: "12x"})
	wantField(t, "list by a bad region", err, "region", "无效")

	av := accounts.ViewerFor(admin, ip)
	if u, err := f.s.Get(f.ctx, av, officer.ID); err != nil || u.Username != "officer.cn" {
		t.Errorf("admin gets an officer of the county: %v", err)
	}
	for _, c := range []struct {
		who accounts.User
		id  string
	}{{admin, far.ID}, {admin, national.ID}, {officer, admin.ID}, {aud, officer.ID}, {admin, "not-a-uuid"}, {admin, "0190a5d0-0000-7000-8000-000000000009"}} {
		_, err := f.s.Get(f.ctx, accounts.ViewerFor(c.who, ip), c.id)
		wantErr(t, c.who.Username+" gets "+c.id, err, errs.NotFound, "未找到该用户")
	}
	if _, err := f.s.Get(f.ctx, accounts.ViewerFor(officer, ip), officer.ID); err != nil {
		t.Errorf("an officer gets themself: %v", err)
	}

	// Only system administrators create and change accounts; security
	// administrators (and system administrators) unlock and reset TOTP.
	in := accounts.Input{Username: "new.user", Name: "新用户", RegionCode: wencang, Roles: []string{accounts.RoleOfficer}, Active: true, Password: goodPassword}
	for _, who := range []accounts.User{sec, officer, aud} {
		v := accounts.ViewerFor(who, ip)
		_, err := f.s.Create(f.ctx, v, in)
		wantErr(t, who.Username+" creates", err, errs.Forbidden, "只有系统管理员可以创建用户")
		_, err = f.s.Update(f.ctx, v, officer.ID, officer.Version, inputOf(officer))
		wantErr(t, who.Username+" updates", err, errs.Forbidden, "只有系统管理员可以修改用户")
	}
	for _, who := range []accounts.User{officer, aud} {
		v := accounts.ViewerFor(who, ip)
		wantErr(t, who.Username+" unlocks", f.s.Unlock(f.ctx, v, officer.ID), errs.Forbidden, "只有安全管理员或系统管理员可以解锁账号")
		wantErr(t, who.Username+" resets TOTP", f.s.ResetTOTP(f.ctx, v, officer.ID), errs.Forbidden, "只有安全管理员或系统管理员可以重置动态验证码")
	}
	// Out of scope: not found.
	_, err = f.s.Update(f.ctx, av, far.ID, far.Version, inputOf(far))
	wantErr(t, "admin updates a user of another county", err, errs.NotFound, "未找到该用户")
	wantErr(t, "secadmin unlocks a user of another county", f.s.Unlock(f.ctx, accounts.ViewerFor(sec, ip), far.ID), errs.NotFound, "未找到该用户")
	wantErr(t, "secadmin resets TOTP of a user of another county", f.s.ResetTOTP(f.ctx, accounts.ViewerFor(sec, ip), far.ID), errs.NotFound, "未找到该用户")
	_, err = f.s.Create(f.ctx, av, func() accounts.Input { x := in; x.RegionCode = wuhua; return x }())
	wantField(t, "admin creates a user in another county", err, "region_code", "不在您的管辖范围内")
}

// TestNationalUsers: an administrator of all of China (region "") sees
// and manages the other national accounts, such as the bootstrap admin.
func TestNationalUsers(t *testing.T) {
	f := newFixture(t)
	national := f.user("admin.all", "", accounts.RoleSysadmin)
	leader := f.user("leader.all", "", accounts.RoleLeader)
	f.user("officer.cn", changning, accounts.RoleOfficer)
	v := accounts.ViewerFor(national, ip)
	p, err := f.s.List(f.ctx, v, accounts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range p.Users {
		names = append(names, u.Username)
	}
	if want := []string{"admin.all", "leader.all", "officer.cn"}; !equalStrings(names, want) || p.Total != 3 {
		t.Errorf("national admin lists %v (total %d), want %v", names, p.Total, want)
	}
	if _, err := f.s.Get(f.ctx, v, leader.ID); err != nil {
		t.Errorf("national admin gets a national leader: %v", err)
	}
	// A county administrator does not see national accounts.
	county := f.user("admin.cn", changning, accounts.RoleSysadmin)
	_, err = f.s.Get(f.ctx, accounts.ViewerFor(county, ip), leader.ID)
	wantErr(t, "county admin gets a national leader", err, errs.NotFound, "未找到该用户")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func inputOf(u accounts.User) accounts.Input {
	return accounts.Input{Username: u.Username, Name: u.Name, Phone: u.Phone, RegionCode: u.RegionCode, OrgKind: u.OrgKind, OrgName: u.OrgName,
		SchoolID: u.SchoolID, ClassID: u.ClassID, Roles: append([]string(nil), u.Roles...), Active: u.Active}
}

// TestAdminsManageTheirRegion: a system administrator creates and changes
// accounts in their region subtree, and a security administrator unlocks
// them, with the viewer ViewerFor gives them.
func TestAdminsManageTheirRegion(t *testing.T) {
	f := newFixture(t)
	admin := f.user("admin.cn", changning, accounts.RoleSysadmin)
	sec := f.user("sec.cn", changning, accounts.RoleSecadmin)
	av, sv := accounts.ViewerFor(admin, ip), accounts.ViewerFor(sec, ip)

	u, err := f.s.Create(f.ctx, av, accounts.Input{Username: "li.wei", Name: "李伟", RegionCode: "530524107", Roles: []string{accounts.RoleOfficer}, Active: true, Password: goodPassword})
	if err != nil {
		t.Fatalf("county sysadmin creates an officer in a township of the county: %v (%v)", err, errs.As(err).Fields)
	}
	if u.RegionCode != "530524107000" || !u.MustChangePassword {
		t.Errorf("created: %+v", u)
	}
	in := inputOf(u)
	in.RegionCode = wencang
	if u, err = f.s.Update(f.ctx, av, u.ID, u.Version, in); err != nil {
		t.Fatalf("county sysadmin moves the officer to a village of the county: %v", err)
	}
	if err := f.s.Unlock(f.ctx, sv, u.ID); err != nil {
		t.Errorf("county secadmin unlocks the officer: %v", err)
	}
	if err := f.s.ResetTOTP(f.ctx, sv, u.ID); err != nil {
		t.Errorf("county secadmin resets the officer's TOTP: %v", err)
	}
	// A national administrator manages users anywhere.
	national := f.user("admin.all", "", accounts.RoleSysadmin)
	if _, err := f.s.Create(f.ctx, accounts.ViewerFor(national, ip), accounts.Input{Username: "wang.wh", Name: "王五", RegionCode: wuhua,
		Roles: []string{accounts.RoleLeader}, Active: true, Password: goodPassword}); err != nil {
		t.Errorf("national sysadmin creates a user in 五华区: %v", err)
	}
}

// TestUpdate covers the rules of Update that need no region (the
// administrator and the user are national).
func TestUpdate(t *testing.T) {
	f := newFixture(t)
	admin := f.user("admin.all", "", accounts.RoleSysadmin)
	av := accounts.ViewerFor(admin, ip)
	u := f.user("li.wei", "", accounts.RoleLeader)

	in := inputOf(u)
	in.Name, in.Phone, in.OrgKind, in.OrgName = "李伟（县民政局）", "13800000001", "government", "昌宁县民政局"
	u2, err := f.s.Update(f.ctx, av, u.ID, u.Version, in)
	if err != nil {
		t.Fatalf("update: %v (%v)", err, errs.As(err).Fields)
	}
	if u2.Version != u.Version+1 || u2.Name != in.Name || u2.Phone != "13800000001" || u2.OrgName != "昌宁县民政局" || u2.Username != "li.wei" {
		t.Errorf("after update: %+v", u2)
	}
	_, err = f.s.Update(f.ctx, av, u.ID, u.Version, in)
	wantErr(t, "update with a stale version", err, errs.Conflict, "已被他人修改")
	_, err = f.s.Update(f.ctx, av, "0190a5d0-0000-7000-8000-000000000009", 1, in)
	wantErr(t, "update an unknown user", err, errs.NotFound, "未找到该用户")

	// The username stays.
	in.Username = "someone.else"
	u3, err := f.s.Update(f.ctx, av, u.ID, u2.Version, in)
	if err != nil || u3.Username != "li.wei" {
		t.Errorf("update with another username: %v, username %q", err, u3.Username)
	}
	// Separation of duties and weak passwords on update too.
	in = inputOf(u3)
	in.Roles = []string{accounts.RoleLeader, accounts.RoleAuditor}
	_, err = f.s.Update(f.ctx, av, u.ID, u3.Version, in)
	wantField(t, "update to leader+auditor", err, "roles", "三权分立")
	in = inputOf(u3)
	in.Password = "li.wei-2026X"
	_, err = f.s.Update(f.ctx, av, u.ID, u3.Version, in)
	wantField(t, "update with a password containing the username", err, "password", "密码不能包含用户名")

	// Not oneself's roles or active flag.
	self := inputOf(admin)
	self.Active = false
	_, err = f.s.Update(f.ctx, av, admin.ID, admin.Version, self)
	wantField(t, "disable oneself", err, "roles", "不能停用自己的账号或修改自己的角色")
	self = inputOf(admin)
	self.Name = "系统管理员（全国）"
	if _, err := f.s.Update(f.ctx, av, admin.ID, admin.Version, self); err != nil {
		t.Errorf("an administrator changes their own name: %v", err)
	}

	// A new password from the administrator must be changed at next login.
	in = inputOf(u3)
	in.Password = "Nw8$reset-pw"
	u4, err := f.s.Update(f.ctx, av, u.ID, u3.Version, in)
	if err != nil {
		t.Fatal(err)
	}
	if !u4.MustChangePassword {
		t.Error("a password set by the administrator need not be changed")
	}
	if _, _, err := f.login("li.wei", goodPassword, ""); err == nil {
		t.Error("the old password still works")
	}
	_, lu, err := f.login("li.wei", "Nw8$reset-pw", "")
	if err != nil || !lu.Restricted() {
		t.Errorf("login with the new password: %v, restricted %v", err, lu.Restricted())
	}

	// Every change is audited, with the password masked.
	var found bool
	for _, e := range f.auditEntries("update", u.ID) {
		for _, c := range e.Changes {
			if c.Field == "password" {
				found = true
				if c.Old != "***" || c.New != "***" {
					t.Errorf("password change in the audit log: %+v", c)
				}
			}
		}
	}
	if !found {
		t.Error("no audited password change")
	}
	if es := f.auditEntries("create", u.ID); len(es) != 1 {
		t.Errorf("%d create entries for the user, want 1", len(es))
	}
}
