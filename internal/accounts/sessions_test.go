package accounts_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guanai/internal/accounts"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/storage"
)

func TestLoginMessages(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	sess, lu, err := f.login(" li.wei ", goodPassword, "")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if lu.ID != u.ID || sess.UserID != u.ID || !sess.CreatedAt.Equal(t0) || lu.Restricted() {
		t.Errorf("login: session %+v, user %+v", sess, lu)
	}
	if s2 := f.mustLogin("li.wei", goodPassword, ""); s2.ID == sess.ID || s2.CSRFToken == sess.CSRFToken {
		t.Error("two logins share a session id or CSRF token")
	}
	// A wrong password and an unknown user: the same answer.
	_, _, errWrong := f.login("li.wei", "Wrong-pw-1", "")
	_, _, errUnknown := f.login("no.such.user", "Wrong-pw-1", "")
	_, _, errEmpty := f.login("", "", "")
	for what, err := range map[string]error{"wrong password": errWrong, "unknown user": errUnknown, "empty": errEmpty} {
		e := wantErr(t, what, err, errs.Unauthorized, accounts.MsgBadCredentials)
		if e.Message != accounts.MsgBadCredentials || len(e.Fields) != 0 {
			t.Errorf("%s: %q %v, want exactly %q", what, e.Message, e.Fields, accounts.MsgBadCredentials)
		}
	}
	// Both are audited; the unknown one with the username tried.
	es := f.auditEntries("login_failed", "")
	if len(es) != 3 {
		t.Fatalf("%d login_failed entries, want 3: %+v", len(es), es)
	}
	if e := es[0]; e.UserID != u.ID || e.Username != "li.wei" || e.IP != ip || e.RecordID != u.ID || e.Note != "密码错误" {
		t.Errorf("wrong password audited as %+v", e)
	}
	if e := es[1]; e.UserID != "" || e.Username != "no.such.user" || e.IP != ip || e.Note != "用户不存在" {
		t.Errorf("unknown user audited as %+v", e)
	}
	if n := len(f.auditEntries("login", u.ID)); n != 2 {
		t.Errorf("%d login entries, want 2", n)
	}

	// A disabled account: the same answer as a wrong password, even with the
	// right one.
	d := f.userWith(accounts.Input{Username: "zhao.liu", Name: "赵六", RegionCode: changning, Roles: []string{accounts.RoleLeader}, Active: false, Password: goodPassword})
	_, _, err = f.login(d.Username, goodPassword, "")
	if e := wantErr(t, "disabled user", err, errs.Unauthorized, ""); e.Message != accounts.MsgBadCredentials {
		t.Errorf("disabled user: %q, want %q", e.Message, accounts.MsgBadCredentials)
	}
}

func TestLockout(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", "", accounts.RoleOfficer)
	sec := f.user("sec.all", "", accounts.RoleSecadmin)

	// Failures must be consecutive: a success starts the count again.
	for range 4 {
		f.login("li.wei", "Wrong-pw-1", "")
	}
	open := f.mustLogin("li.wei", goodPassword, "")
	for i := range 4 {
		_, _, err := f.login("li.wei", "Wrong-pw-1", "")
		if e := wantErr(t, fmt.Sprintf("failure %d", i+1), err, errs.Unauthorized, ""); e.Message != accounts.MsgBadCredentials {
			t.Fatalf("failure %d: %q", i+1, e.Message)
		}
	}
	// The fifth in a row locks the account for 15 minutes; the message says
	// until when, in China's time.
	f.advance(time.Minute)
	lockedAt := f.clock.T
	until := lockedAt.Add(15 * time.Minute).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	if until != "2026-03-02 09:16" {
		t.Fatalf("test clock: %s", until)
	}
	if !f.alive(open) {
		t.Fatal("failures ended the session before the lockout")
	}
	_, _, err := f.login("li.wei", "Wrong-pw-1", "")
	wantErr(t, "fifth failure", err, errs.Unauthorized, "账号因连续登录失败已被锁定，将于 2026-03-02 09:16 自动解锁")
	// The lockout ends the account's sessions.
	if f.alive(open) {
		t.Error("a session outlives the lockout")
	}

	// Locked: the right password is refused too, until the time is up.
	_, _, err = f.login("li.wei", goodPassword, "")
	wantErr(t, "right password while locked", err, errs.Unauthorized, "将于 2026-03-02 09:16 自动解锁")
	f.advance(15*time.Minute - time.Second)
	_, _, err = f.login("li.wei", goodPassword, "")
	wantErr(t, "right password a second before", err, errs.Unauthorized, "已被锁定")
	f.advance(time.Second)
	f.mustLogin("li.wei", goodPassword, "")

	// The log: five failures in a row with the password, the lockout with its
	// time, and the refusal while locked.
	var notes []string
	for _, e := range f.auditEntries("login_failed", u.ID) {
		notes = append(notes, e.Note)
	}
	if got := strings.Join(notes, ","); got != strings.Repeat("密码错误,", 8)+"密码错误,账号已锁定,账号已锁定" {
		t.Errorf("login_failed notes: %s", got)
	}
	lock := f.auditEntries("lockout", u.ID)
	if len(lock) != 1 || !lock[0].At.Equal(lockedAt) || !strings.HasPrefix(lock[0].Note, "连续5次") ||
		!strings.HasSuffix(lock[0].Note, "锁定至2026-03-02 09:16") || lock[0].Username != "li.wei" {
		t.Errorf("lockout entries: %+v", lock)
	}

	// Locked again; the security administrator unlocks it at once.
	for range 5 {
		f.login("li.wei", "Wrong-pw-1", "")
	}
	_, _, err = f.login("li.wei", goodPassword, "")
	wantErr(t, "locked again", err, errs.Unauthorized, "已被锁定")
	if err := f.s.Unlock(f.ctx, accounts.ViewerFor(sec, ip), u.ID); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	f.mustLogin("li.wei", goodPassword, "")
	if es := f.auditEntries("unlock", u.ID); len(es) != 1 || es[0].UserID != sec.ID {
		t.Errorf("unlock entries: %+v", es)
	}
	if n := len(f.auditEntries("lockout", u.ID)); n != 2 {
		t.Errorf("%d lockout entries, want 2", n)
	}
	// After an unlock the count starts again.
	for range 4 {
		f.login("li.wei", "Wrong-pw-1", "")
	}
	f.mustLogin("li.wei", goodPassword, "")
}

// TestChangePasswordGuessing: guessing the current password through
// ChangePassword counts like failed logins.
func TestChangePasswordGuessing(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	a := f.mustLogin("li.wei", goodPassword, "")
	b := f.mustLogin("li.wei", goodPassword, "")
	v := accounts.ViewerFor(u, ip)
	f.login("li.wei", "Wrong-pw-1", "")
	for i := range 3 {
		err := f.s.ChangePassword(f.ctx, v, a.ID, fmt.Sprintf("Guess-%d-pw", i), "Nw8$changed-pw")
		wantField(t, fmt.Sprintf("guess %d", i+1), err, "current_password", "当前密码不正确")
	}
	if !f.alive(a) || !f.alive(b) {
		t.Fatal("sessions ended before the fifth failure")
	}
	err := f.s.ChangePassword(f.ctx, v, a.ID, "Guess-4-pw", "Nw8$changed-pw")
	wantErr(t, "fifth failure", err, errs.Unauthorized, "账号因连续登录失败已被锁定，将于 2026-03-02 09:15 自动解锁")
	if f.alive(a) || f.alive(b) {
		t.Error("sessions outlive the lockout")
	}
	_, _, err = f.login("li.wei", goodPassword, "")
	wantErr(t, "login while locked", err, errs.Unauthorized, "已被锁定")
	var notes []string
	for _, e := range f.auditEntries("login_failed", u.ID) {
		notes = append(notes, e.Note)
	}
	if len(notes) != 6 || notes[1] != "修改密码时当前密码错误" {
		t.Errorf("login_failed notes: %v", notes)
	}
	f.advance(15 * time.Minute)
	f.mustLogin("li.wei", goodPassword, "")
}

// TestChangePasswordResetsFailures: the right current password, like a
// successful login, ends a run of failures.
func TestChangePasswordResetsFailures(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	c := f.mustLogin("li.wei", goodPassword, "")
	v := accounts.ViewerFor(u, ip)
	for range 4 {
		f.s.ChangePassword(f.ctx, v, c.ID, "Guess-x-pw", "Nw8$changed-pw")
	}
	if err := f.s.ChangePassword(f.ctx, v, c.ID, goodPassword, "Nw8$changed-pw"); err != nil {
		t.Fatal(err)
	}
	f.login("li.wei", "Wrong-pw-1", "")
	f.mustLogin("li.wei", "Nw8$changed-pw", "")
}

func TestLockoutPolicy(t *testing.T) {
	f := newFixture(t)
	p := accounts.DefaultPolicy()
	p.MaxFailures, p.LockFor = 2, time.Hour
	f.withPolicy(p)
	f.user("li.wei", changning, accounts.RoleOfficer)
	f.login("li.wei", "Wrong-pw-1", "")
	_, _, err := f.login("li.wei", "Wrong-pw-1", "")
	wantErr(t, "second failure", err, errs.Unauthorized, "将于 2026-03-02 10:00 自动解锁")
	f.advance(59 * time.Minute)
	_, _, err = f.login("li.wei", goodPassword, "")
	wantErr(t, "within the hour", err, errs.Unauthorized, "已被锁定")
	f.advance(time.Minute)
	f.mustLogin("li.wei", goodPassword, "")
}

func TestDefaultPolicy(t *testing.T) {
	p := accounts.DefaultPolicy()
	want := accounts.Policy{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, MaxFailures: 5, LockFor: 15 * time.Minute, LoginPerMinute: 20}
	if p != want {
		t.Errorf("DefaultPolicy() = %+v, want %+v", p, want)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	p := accounts.DefaultPolicy()
	p.LoginPerMinute = 3
	f.withPolicy(p)
	f.user("li.wei", changning, accounts.RoleOfficer)
	from := func(addr, pw string) error {
		_, _, err := f.s.Login(f.ctx, accounts.Credentials{Username: "li.wei", Password: pw}, addr, "")
		return err
	}
	// Three attempts a minute from one address, whatever their outcome.
	if err := from("10.0.0.1", goodPassword); err != nil {
		t.Fatal(err)
	}
	f.advance(10 * time.Second)
	for i := range 2 {
		wantErr(t, fmt.Sprintf("attempt %d", i+2), from("10.0.0.1", "Wrong-pw-1"), errs.Unauthorized, accounts.MsgBadCredentials)
	}
	f.advance(40 * time.Second)
	for _, pw := range []string{goodPassword, "Wrong-pw-1", goodPassword} {
		e := wantErr(t, "fourth attempt", from("10.0.0.1", pw), errs.Unauthorized, accounts.MsgRateLimited)
		if e.Message != accounts.MsgRateLimited {
			t.Errorf("rate limited: %q", e.Message)
		}
	}
	// Another address is not affected; nor is the account locked by the
	// refused attempts.
	if err := from("10.0.0.2", goodPassword); err != nil {
		t.Errorf("another address: %v", err)
	}
	// A minute after the first attempt, one more is allowed; a minute after
	// the next two, two more.
	f.advance(10 * time.Second)
	if err := from("10.0.0.1", goodPassword); err != nil {
		t.Errorf("a minute after the first attempt: %v", err)
	}
	wantErr(t, "then again", from("10.0.0.1", goodPassword), errs.Unauthorized, accounts.MsgRateLimited)
	f.advance(10 * time.Second)
	for i := range 2 {
		if err := from("10.0.0.1", goodPassword); err != nil {
			t.Errorf("a minute later, attempt %d: %v", i+1, err)
		}
	}
	// Refused attempts are not failures of the account: three counted and
	// three refused would lock it at five.
	f.advance(time.Minute)
	for range 3 {
		wantErr(t, "counted", from("10.0.0.4", "Wrong-pw-1"), errs.Unauthorized, accounts.MsgBadCredentials)
	}
	for range 3 {
		wantErr(t, "refused", from("10.0.0.4", "Wrong-pw-1"), errs.Unauthorized, accounts.MsgRateLimited)
	}
	if err := from("10.0.0.5", goodPassword); err != nil {
		t.Errorf("after 3 counted failures and 3 refused attempts: %v", err)
	}
}

// code returns the TOTP code of secret at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otherCode returns a six-digit code that is not c.
func otherCode(c string) string {
	b := []byte(c)
	b[5] = '0' + (b[5]-'0'+1)%10
	return string(b)
}

// enrol enrols u's second factor and returns the secret.
func (f *fixture) enrol(u accounts.User) string {
	f.t.Helper()
	v := accounts.ViewerFor(u, ip)
	e, err := f.s.BeginTOTP(f.ctx, v)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.s.ConfirmTOTP(f.ctx, v, code(f.t, e.Secret, f.clock.T)); err != nil {
		f.t.Fatalf("confirm TOTP: %v", err)
	}
	return e.Secret
}

func TestTOTP(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	v := accounts.ViewerFor(u, ip)

	wantField(t, "confirm before begin", f.s.ConfirmTOTP(f.ctx, v, "123456"), "totp", "请先生成二维码")
	e, err := f.s.BeginTOTP(f.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if e.Secret == "" || !strings.HasPrefix(e.URL, "otpauth://totp/guanai:li.wei?") || !strings.Contains(e.URL, "secret="+e.Secret) ||
		!strings.HasPrefix(e.QRCode, "data:image/png;base64,") {
		t.Errorf("enrolment: %+v", e)
	}
	// Not yet confirmed: logging in needs no code.
	f.mustLogin("li.wei", goodPassword, "")
	now := code(t, e.Secret, f.clock.T)
	wantField(t, "confirm with a wrong code", f.s.ConfirmTOTP(f.ctx, v, otherCode(now)), "totp", "动态验证码不正确")
	if err := f.s.ConfirmTOTP(f.ctx, v, " "+now+" "); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if es := f.auditEntries("totp_change", u.ID); len(es) != 1 || es[0].Note != "启用动态验证码" {
		t.Errorf("audit of the enrolment: %+v", es)
	}

	// Enabled: no code, a wrong code, the code already used to confirm.
	_, _, err = f.login("li.wei", goodPassword, "")
	if e := wantErr(t, "no code", err, errs.Unauthorized, accounts.MsgTOTPNeeded); e.Fields["totp"] != accounts.MsgTOTPNeeded {
		t.Errorf("no code: fields %v", e.Fields)
	}
	_, _, err = f.login("li.wei", "Wrong-pw-1", "")
	wantErr(t, "wrong password, no code", err, errs.Unauthorized, accounts.MsgBadCredentials)
	_, _, err = f.login("li.wei", goodPassword, otherCode(now))
	wantErr(t, "wrong code", err, errs.Unauthorized, accounts.MsgTOTPWrong)
	_, _, err = f.login("li.wei", goodPassword, now)
	wantErr(t, "the code used to confirm", err, errs.Unauthorized, accounts.MsgTOTPWrong)

	// The next period's code works, once.
	f.advance(30 * time.Second)
	next := code(t, e.Secret, f.clock.T)
	_, lu, err := f.login("li.wei", goodPassword, next)
	if err != nil {
		t.Fatalf("right code: %v", err)
	}
	if !lu.TOTPEnabled {
		t.Error("user after login: TOTP not enabled")
	}
	_, _, err = f.login("li.wei", goodPassword, next)
	wantErr(t, "the same code again", err, errs.Unauthorized, accounts.MsgTOTPWrong)
	// A phone a period ahead or behind is tolerated; two are not.
	f.advance(90 * time.Second)
	f.mustLogin("li.wei", goodPassword, code(t, e.Secret, f.clock.T.Add(30*time.Second)))
	f.advance(90 * time.Second)
	f.mustLogin("li.wei", goodPassword, code(t, e.Secret, f.clock.T.Add(-30*time.Second)))
	f.advance(60 * time.Second)
	_, _, err = f.login("li.wei", goodPassword, code(t, e.Secret, f.clock.T.Add(-60*time.Second)))
	wantErr(t, "a code two periods old", err, errs.Unauthorized, accounts.MsgTOTPWrong)

	// A wrong code is a login failure: five in a row lock the account.
	f.advance(time.Minute)
	f.mustLogin("li.wei", goodPassword, code(t, e.Secret, f.clock.T))
	for i := range 4 {
		_, _, err = f.login("li.wei", goodPassword, "000000x")
		wantErr(t, fmt.Sprintf("wrong code %d", i+1), err, errs.Unauthorized, accounts.MsgTOTPWrong)
	}
	_, _, err = f.login("li.wei", goodPassword, "000000x")
	wantErr(t, "fifth wrong code", err, errs.Unauthorized, "账号因连续登录失败已被锁定")
	// Re-enrolling: the old secret holds until the new one is confirmed.
	f.advance(15 * time.Minute)
	e2, err := f.s.BeginTOTP(f.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	f.mustLogin("li.wei", goodPassword, code(t, e.Secret, f.clock.T))
	f.advance(30 * time.Second)
	if err := f.s.ConfirmTOTP(f.ctx, v, code(t, e2.Secret, f.clock.T)); err != nil {
		t.Fatal(err)
	}
	f.advance(30 * time.Second)
	_, _, err = f.login("li.wei", goodPassword, code(t, e.Secret, f.clock.T))
	wantErr(t, "the old secret", err, errs.Unauthorized, accounts.MsgTOTPWrong)
	f.mustLogin("li.wei", goodPassword, code(t, e2.Secret, f.clock.T))
}

func TestResetTOTP(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", "", accounts.RoleOfficer)
	sec := f.user("sec.all", "", accounts.RoleSecadmin)
	secret := f.enrol(u)
	f.advance(30 * time.Second)
	sess := f.mustLogin("li.wei", goodPassword, code(t, secret, f.clock.T))
	if err := f.s.ResetTOTP(f.ctx, accounts.ViewerFor(sec, ip), u.ID); err != nil {
		t.Fatal(err)
	}
	if f.alive(sess) {
		t.Error("the session outlives the reset of the second factor")
	}
	_, lu, err := f.login("li.wei", goodPassword, "")
	if err != nil || lu.TOTPEnabled {
		t.Errorf("after reset: %v, TOTP enabled %v", err, lu.TOTPEnabled)
	}
	if es := f.auditEntries("totp_change", u.ID); len(es) != 2 || es[1].Note != "重置动态验证码" || es[1].UserID != sec.ID {
		t.Errorf("audit: %+v", es)
	}
	wantErr(t, "reset an unknown user", f.s.ResetTOTP(f.ctx, accounts.ViewerFor(sec, ip), "0190a5d0-0000-7000-8000-000000000009"), errs.NotFound, "")
}

// TestAdminsMustEnrol: a system administrator without a second factor can
// log in, but is restricted until enrolled; so is anyone who must change
// their password.
func TestAdminsMustEnrol(t *testing.T) {
	f := newFixture(t)
	for _, role := range accounts.AdminRoles {
		t.Run(role, func(t *testing.T) {
			u := f.user("x."+role, "", role)
			sess, lu, err := f.login(u.Username, goodPassword, "")
			if err != nil {
				t.Fatalf("login without a second factor: %v", err)
			}
			if !lu.Restricted() {
				t.Error("not restricted before enrolling")
			}
			secret := f.enrol(lu)
			_, au, err := f.s.Authenticate(f.ctx, sess.ID)
			if err != nil || au.Restricted() || !au.TOTPEnabled {
				t.Errorf("the same session after enrolling: %v, restricted %v", err, au.Restricted())
			}
			f.advance(30 * time.Second)
			_, _, err = f.login(u.Username, goodPassword, "")
			wantErr(t, "login without a code after enrolling", err, errs.Unauthorized, accounts.MsgTOTPNeeded)
			f.mustLogin(u.Username, goodPassword, code(t, secret, f.clock.T))
		})
	}
	t.Run("must change password", func(t *testing.T) {
		u, err := f.s.CreateWithPassword(f.ctx, accounts.Input{Username: "new.officer", Name: "新干部", RegionCode: changning,
			Roles: []string{accounts.RoleOfficer}, Active: true, Password: goodPassword}, true)
		if err != nil {
			t.Fatal(err)
		}
		sess, lu, err := f.login(u.Username, goodPassword, "")
		if err != nil || !lu.Restricted() || !lu.MustChangePassword {
			t.Fatalf("login: %v, user %+v", err, lu)
		}
		if err := f.s.ChangePassword(f.ctx, accounts.ViewerFor(lu, ip), sess.ID, goodPassword, "Nw8$changed-pw"); err != nil {
			t.Fatal(err)
		}
		_, au, err := f.s.Authenticate(f.ctx, sess.ID)
		if err != nil || au.Restricted() || au.MustChangePassword {
			t.Errorf("after changing the password: %v, %+v", err, au)
		}
	})
}

func TestSessions(t *testing.T) {
	f := newFixture(t)
	admin := f.user("admin.all", "", accounts.RoleSysadmin)
	av := accounts.ViewerFor(admin, ip)

	t.Run("idle", func(t *testing.T) {
		f.user("idle.user", "", accounts.RoleLeader)
		a := f.mustLogin("idle.user", goodPassword, "")
		b := f.mustLogin("idle.user", goodPassword, "")
		f.advance(20 * time.Minute)
		if !f.alive(b) {
			t.Fatal("b after 20 minutes")
		}
		f.advance(10 * time.Minute)
		if !f.alive(a) {
			t.Error("a after exactly 30 idle minutes")
		}
		f.advance(time.Second)
		// b was used 10 minutes ago (a just now: the exactly-30 check touched it).
		if !f.alive(b) {
			t.Error("b 10 minutes after use")
		}
		f.advance(30*time.Minute + time.Second)
		if f.alive(a) || f.alive(b) {
			t.Error("sessions alive after 30 idle minutes")
		}
		_, _, err := f.s.Authenticate(f.ctx, a.ID)
		wantErr(t, "after expiry", err, errs.Unauthorized, "请先登录") // the expired session is gone
	})

	t.Run("absolute", func(t *testing.T) {
		f.user("busy.user", "", accounts.RoleLeader)
		s := f.mustLogin("busy.user", goodPassword, "")
		for i := 1; i <= 36; i++ {
			f.advance(20 * time.Minute)
			if !f.alive(s) {
				t.Fatalf("session ended after %v of activity", time.Duration(i)*20*time.Minute)
			}
		}
		f.advance(20 * time.Minute)
		_, _, err := f.s.Authenticate(f.ctx, s.ID)
		wantErr(t, "after 12 h 20 min", err, errs.Unauthorized, "登录已过期，请重新登录")
	})

	t.Run("logout", func(t *testing.T) {
		u := f.user("logout.user", "", accounts.RoleLeader)
		a := f.mustLogin("logout.user", goodPassword, "")
		b := f.mustLogin("logout.user", goodPassword, "")
		if err := f.s.Logout(f.ctx, a.ID, ip); err != nil {
			t.Fatal(err)
		}
		if f.alive(a) || !f.alive(b) {
			t.Errorf("after logging out a: a alive %v, b alive %v", f.alive(a), f.alive(b))
		}
		if err := f.s.Logout(f.ctx, a.ID, ip); err != nil {
			t.Errorf("logging out twice: %v", err)
		}
		if es := f.auditEntries("logout", u.ID); len(es) != 1 || es[0].UserID != u.ID {
			t.Errorf("logout entries: %+v", es)
		}
		_, _, err := f.s.Authenticate(f.ctx, "")
		wantErr(t, "no session id", err, errs.Unauthorized, "请先登录")
		_, _, err = f.s.Authenticate(f.ctx, "made-up")
		wantErr(t, "a made-up session id", err, errs.Unauthorized, "请先登录")
	})

	// Changes by the administrator that end every session of the user.
	for _, c := range []struct {
		name string
		mod  func(*accounts.Input)
	}{
		{"disable", func(in *accounts.Input) { in.Active = false }},
		{"roles", func(in *accounts.Input) { in.Roles = []string{accounts.RoleOfficer} }},
		{"region", func(in *accounts.Input) { in.RegionCode = changning }},
		{"password", func(in *accounts.Input) { in.Password = "Nw8$reset-pw" }},
	} {
		t.Run("admin changes "+c.name, func(t *testing.T) {
			u := f.user("changed."+c.name, "", accounts.RoleLeader)
			a := f.mustLogin(u.Username, goodPassword, "")
			b := f.mustLogin(u.Username, goodPassword, "")
			in := inputOf(u)
			c.mod(&in)
			if _, err := f.s.Update(f.ctx, av, u.ID, u.Version, in); err != nil {
				t.Fatalf("update: %v (%v)", err, errs.As(err).Fields)
			}
			if f.alive(a) || f.alive(b) {
				t.Errorf("sessions alive after the change: %v, %v", f.alive(a), f.alive(b))
			}
		})
	}
	t.Run("admin changes the name only", func(t *testing.T) {
		u := f.user("renamed", "", accounts.RoleLeader)
		a := f.mustLogin(u.Username, goodPassword, "")
		in := inputOf(u)
		in.Name, in.Phone = "改名", "13800000002"
		if _, err := f.s.Update(f.ctx, av, u.ID, u.Version, in); err != nil {
			t.Fatal(err)
		}
		if !f.alive(a) {
			t.Error("a change of name ended the session")
		}
	})
	t.Run("disabled while logged in", func(t *testing.T) {
		// Even if the sessions were not deleted, a disabled user's session
		// does not authenticate.
		u := f.user("disabled.user", "", accounts.RoleLeader)
		a := f.mustLogin(u.Username, goodPassword, "")
		if _, err := f.app.DB.SQL().ExecContext(f.ctx, `UPDATE users SET active = false WHERE id = `+f.placeholder(), u.ID); err != nil {
			t.Fatal(err)
		}
		if f.alive(a) {
			t.Error("a disabled user's session authenticates")
		}
	})

	t.Run("password change", func(t *testing.T) {
		u := f.user("pw.user", "", accounts.RoleLeader)
		a := f.mustLogin(u.Username, goodPassword, "")
		b := f.mustLogin(u.Username, goodPassword, "")
		c := f.mustLogin(u.Username, goodPassword, "")
		v := accounts.ViewerFor(u, ip)
		wantField(t, "wrong current password", f.s.ChangePassword(f.ctx, v, a.ID, "Wrong-pw-1", "Nw8$changed-pw"), "current_password", "当前密码不正确")
		wantField(t, "weak new password", f.s.ChangePassword(f.ctx, v, a.ID, goodPassword, "woaini1314"), "new_password", "至少3类")
		wantField(t, "same password", f.s.ChangePassword(f.ctx, v, a.ID, goodPassword, goodPassword), "new_password", "新密码不能与当前密码相同")
		if !f.alive(b) {
			t.Fatal("a refused change ended a session")
		}
		if err := f.s.ChangePassword(f.ctx, v, a.ID, goodPassword, "Nw8$changed-pw"); err != nil {
			t.Fatal(err)
		}
		if !f.alive(a) || f.alive(b) || f.alive(c) {
			t.Errorf("after the change: current alive %v, others %v %v", f.alive(a), f.alive(b), f.alive(c))
		}
		if _, _, err := f.login(u.Username, goodPassword, ""); err == nil {
			t.Error("the old password still works")
		}
		f.mustLogin(u.Username, "Nw8$changed-pw", "")
		if es := f.auditEntries("password_change", u.ID); len(es) != 1 {
			t.Errorf("password_change entries: %+v", es)
		}
	})
}

// placeholder is the first bind parameter in the engine's own SQL.
func (f *fixture) placeholder() string {
	if f.app.DB.Dialect() == storage.Postgres {
		return "$1"
	}
	return "?"
}

func TestTokens(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	other := f.user("wang.fang", changning, accounts.RoleOfficer)
	v := accounts.ViewerFor(u, ip)

	_, _, err := f.s.CreateToken(f.ctx, v, "  ")
	wantField(t, "no name", err, "name", "请为令牌命名")
	_, _, err = f.s.CreateToken(f.ctx, v, strings.Repeat("名", 41))
	wantField(t, "long name", err, "name", "不能超过40个字")

	tok, secret, err := f.s.CreateToken(f.ctx, v, " 数据导出脚本 ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "gat_") || len(secret) != 44 || tok.Name != "数据导出脚本" || tok.Revoked || tok.ID == "" {
		t.Errorf("token %+v, secret %q", tok, secret)
	}
	tu, err := f.s.AuthenticateToken(f.ctx, secret)
	if err != nil || tu.ID != u.ID {
		t.Fatalf("authenticate the token: %v, user %s", err, tu.Username)
	}
	if got, want := accounts.ViewerFor(tu, ip), v; got.Region != want.Region || got.May != want.May || got.CanWrite != want.CanWrite {
		t.Errorf("the token's viewer %+v differs from the user's %+v", got, want)
	}
	for _, bad := range []string{"", "gat_", secret + "x", strings.ToUpper(secret)} {
		_, err := f.s.AuthenticateToken(f.ctx, bad)
		wantErr(t, "token "+bad, err, errs.Unauthorized, "访问令牌无效或已撤销")
	}
	// The list shows it, without the secret, with when it was last used.
	ts, err := f.s.Tokens(f.ctx, v)
	if err != nil || len(ts) != 1 || ts[0].ID != tok.ID || ts[0].Revoked || !ts[0].LastUsed.Equal(t0) {
		t.Fatalf("tokens: %v %+v", err, ts)
	}
	if ts, _ := f.s.Tokens(f.ctx, accounts.ViewerFor(other, ip)); len(ts) != 0 {
		t.Errorf("another user's tokens: %+v", ts)
	}
	// Only its owner revokes it.
	wantErr(t, "revoke another user's token", f.s.RevokeToken(f.ctx, accounts.ViewerFor(other, ip), tok.ID), errs.NotFound, "未找到该令牌")
	wantErr(t, "revoke an unknown token", f.s.RevokeToken(f.ctx, v, "0190a5d0-0000-7000-8000-000000000009"), errs.NotFound, "未找到该令牌")
	if err := f.s.RevokeToken(f.ctx, v, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.AuthenticateToken(f.ctx, secret)
	wantErr(t, "revoked token", err, errs.Unauthorized, "访问令牌无效或已撤销")
	wantErr(t, "revoke twice", f.s.RevokeToken(f.ctx, v, tok.ID), errs.NotFound, "未找到该令牌")
	if ts, _ := f.s.Tokens(f.ctx, v); len(ts) != 1 || !ts[0].Revoked {
		t.Errorf("tokens after revoking: %+v", ts)
	}
	if n := len(f.auditEntries("token_create", tok.ID)); n != 1 {
		t.Errorf("%d token_create entries", n)
	}
	if n := len(f.auditEntries("token_revoke", tok.ID)); n != 1 {
		t.Errorf("%d token_revoke entries", n)
	}

	// A disabled user's token is refused.
	national := f.user("zhao.liu", "", accounts.RoleLeader)
	admin := f.user("admin.all", "", accounts.RoleSysadmin)
	_, s2, err := f.s.CreateToken(f.ctx, accounts.ViewerFor(national, ip), "报表")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AuthenticateToken(f.ctx, s2); err != nil {
		t.Fatal(err)
	}
	in := inputOf(national)
	in.Active = false
	if _, err := f.s.Update(f.ctx, accounts.ViewerFor(admin, ip), national.ID, national.Version, in); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.AuthenticateToken(f.ctx, s2)
	wantErr(t, "disabled user's token", err, errs.Unauthorized, "访问令牌无效或已撤销")
}

// TestAuditChain: everything above leaves a verifiable log.
func TestAuditChain(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	f.login("li.wei", "Wrong-pw-1", "")
	f.login("nobody", "Wrong-pw-1", "")
	s := f.mustLogin("li.wei", goodPassword, "")
	f.s.CreateToken(f.ctx, accounts.ViewerFor(u, ip), "脚本")
	f.s.Logout(f.ctx, s.ID, ip)
	n, problems, err := audit.Verify(f.ctx, f.app.DB)
	if err != nil || len(problems) != 0 || n < 6 {
		t.Errorf("verify: %d entries, %v, %v", n, problems, err)
	}
}

// Tokens do not outlive an administrator's password reset, and do not work
// while the account is locked.
func TestTokensAfterResetAndLockout(t *testing.T) {
	f := newFixture(t)
	u := f.user("li.wei", changning, accounts.RoleOfficer)
	admin := f.user("admin.cn", changning, accounts.RoleSysadmin)
	v := accounts.ViewerFor(u, ip)
	_, secret, err := f.s.CreateToken(f.ctx, v, "脚本")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.login("li.wei", "wrong-password", "")
	}
	_, err = f.s.AuthenticateToken(f.ctx, secret)
	wantErr(t, "token while locked", err, errs.Unauthorized, "已被锁定")
	f.advance(16 * time.Minute)
	if _, err := f.s.AuthenticateToken(f.ctx, secret); err != nil {
		t.Fatalf("token after the lock ended: %v", err)
	}
	cur, _ := f.s.Get(f.ctx, accounts.ViewerFor(admin, ip), u.ID)
	if _, err := f.s.Update(f.ctx, accounts.ViewerFor(admin, ip), u.ID, cur.Version, accounts.Input{Name: cur.Name, RegionCode: cur.RegionCode,
		Roles: cur.Roles, Active: true, Password: "Nw8$reset-pw"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.AuthenticateToken(f.ctx, secret)
	wantErr(t, "token after a password reset", err, errs.Unauthorized, "访问令牌无效或已撤销")
}

// Usernames are case-insensitive: one account per name, whatever the case.
func TestUsernameCase(t *testing.T) {
	f := newFixture(t)
	f.user("Li.Wei", changning, accounts.RoleOfficer)
	_, err := f.s.CreateWithPassword(f.ctx, accounts.Input{Username: "li.wei", Name: "李伟", RegionCode: changning,
		Roles: []string{accounts.RoleOfficer}, Active: true, Password: goodPassword}, false)
	wantErr(t, "same name, other case", err, errs.Conflict, "用户名已被使用")
	if _, _, err := f.login("LI.WEI", goodPassword, ""); err != nil {
		t.Fatalf("login in another case: %v", err)
	}
}
