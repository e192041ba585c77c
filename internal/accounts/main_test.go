package accounts_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// t0 is when every test starts: 09:00 in China.
var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// goodPassword meets the policy for every username used here.
const goodPassword = "Kx7#mq2Lw9"

// Region codes used by the tests.
const (
	changning = "530524000000" // 昌宁县
	wencang   = "530524107202" // 文沧村民委员会, 昌宁县
	wuhua     = "530102000000" // 五华区, 昆明市: outside 昌宁县
)

// fixture is an account store over a fresh database, on a clock the test
// moves.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *apptest.Clock
	app   *app.App
	s     *accounts.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := &apptest.Clock{T: t0}
	a := apptest.NewAt(t, clock.Now)
	return &fixture{t: t, ctx: context.Background(), clock: clock, app: a, s: a.Accounts}
}

// withPolicy replaces the store with one using p (its own rate limiter).
func (f *fixture) withPolicy(p accounts.Policy) {
	f.s = accounts.NewStore(f.app.DB, f.app.Vault, f.app.Regions, p)
}

func (f *fixture) advance(d time.Duration) { f.clock.T = f.clock.T.Add(d) }

// user creates an active user with goodPassword that need not change it.
func (f *fixture) user(username, region string, roles ...string) accounts.User {
	f.t.Helper()
	return f.userWith(accounts.Input{Username: username, Name: "测试" + username, RegionCode: region, Roles: roles, Active: true, Password: goodPassword})
}

func (f *fixture) userWith(in accounts.Input) accounts.User {
	f.t.Helper()
	u, err := f.s.CreateWithPassword(f.ctx, in, false)
	if err != nil {
		f.t.Fatalf("create %s: %v (%v)", in.Username, err, errs.As(err).Fields)
	}
	return u
}

const ip = "10.0.0.1"

func (f *fixture) login(username, password, code string) (accounts.Session, accounts.User, error) {
	return f.s.Login(f.ctx, accounts.Credentials{Username: username, Password: password, TOTP: code}, ip, "go test")
}

func (f *fixture) mustLogin(username, password, code string) accounts.Session {
	f.t.Helper()
	sess, _, err := f.login(username, password, code)
	if err != nil {
		f.t.Fatalf("login %s: %v", username, err)
	}
	if sess.ID == "" || sess.CSRFToken == "" {
		f.t.Fatalf("login %s: session without id or CSRF token: %+v", username, sess)
	}
	return sess
}

// alive reports whether the session still authenticates.
func (f *fixture) alive(sess accounts.Session) bool {
	f.t.Helper()
	_, _, err := f.s.Authenticate(f.ctx, sess.ID)
	if err != nil && errs.CodeOf(err) != errs.Unauthorized {
		f.t.Fatalf("authenticate: %v", err)
	}
	return err == nil
}

// auditEntries returns the audit entries about a record (or all, with
// recordID ""), with action (or any, with ""), oldest first.
func (f *fixture) auditEntries(action, recordID string) []audit.Entry {
	f.t.Helper()
	p, err := audit.Search(f.ctx, f.app.DB, access.Viewer{Roles: []string{accounts.RoleAuditor}},
		audit.Filter{Action: action, RecordID: recordID, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]audit.Entry, len(p.Entries))
	for i, e := range p.Entries {
		out[len(out)-1-i] = e
	}
	return out
}

// wantErr fails the test unless err has code and its message contains msg.
func wantErr(t *testing.T, what string, err error, code errs.Code, msg string) *errs.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s %q", what, code, msg)
	}
	e := errs.As(err)
	if e.Code != code || !strings.Contains(e.Message, msg) {
		t.Fatalf("%s: %s %q (fields %v), want %s containing %q", what, e.Code, e.Message, e.Fields, code, msg)
	}
	return e
}

// wantField fails the test unless err is invalid with a message on field
// containing msg.
func wantField(t *testing.T, what string, err error, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s: %q", what, field, msg)
	}
	e := errs.As(err)
	if e.Code != errs.Invalid || !strings.Contains(e.Fields[field], msg) {
		t.Fatalf("%s: %s %q fields %v, want invalid with %s containing %q", what, e.Code, e.Message, e.Fields, field, msg)
	}
}
