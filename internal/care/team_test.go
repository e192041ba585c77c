package care_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
)

// TestAssignRules checks who may hold which role for which child, and
// what a refusal says.
func TestAssignRules(t *testing.T) {
	f := newFixture(t)
	kid := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	far := f.child(otherVill, "", "")
	outsider := f.user("cadre.kunming", otherTown, "officer")
	inactive := f.user("cadre.gone", county, "leader")
	in := f.a.Accounts
	u, _ := in.Get(f.ctx, access.Viewer{Roles: []string{"sysadmin"}}, inactive.ID)
	upd := accountsInput(u)
	upd.Active = false
	if _, err := in.Update(f.ctx, access.Viewer{Roles: []string{"sysadmin"}}, u.ID, u.Version, upd); err != nil {
		t.Fatal(err)
	}
	teacherV := f.viewer(f.teacherA1)
	for _, c := range []struct {
		name   string
		v      access.Viewer
		child  string
		in     care.AssignInput
		code   errs.Code
		field  string // the field the message is beside ("" for the message)
		phrase string // part of the message
	}{
		{"county cadre", f.officer, kid.ID, care.AssignInput{Role: care.RoleCountyCadre, UserID: f.countyCadre.ID}, "", "", ""},
		{"second county cadre", f.officer, kid.ID, care.AssignInput{Role: care.RoleCountyCadre, UserID: f.user("cadre.county2", county, "officer").ID}, errs.Conflict, "", "已由"},
		{"township cadre at county level", f.officer, kid.ID, care.AssignInput{Role: care.RoleTownshipCadre, UserID: f.countyCadre.ID}, errs.Invalid, "user_id", "乡级"},
		{"township cadre", f.officer, kid.ID, care.AssignInput{Role: care.RoleTownshipCadre, UserID: f.townCadreA.ID}, "", "", ""},
		{"village cadre out of scope", f.officer, kid.ID, care.AssignInput{Role: care.RoleVillageCadre, UserID: outsider.ID}, errs.Invalid, "user_id", "不在该儿童所在地的范围内"},
		{"mentor as village cadre", f.officer, kid.ID, care.AssignInput{Role: care.RoleVillageCadre, UserID: f.mentor.ID}, errs.Invalid, "user_id", "不是干部账号"},
		{"inactive user", f.officer, kid.ID, care.AssignInput{Role: care.RoleVillageCadre, UserID: inactive.ID}, errs.Invalid, "user_id", "已停用"},
		{"village cadre", f.officer, kid.ID, care.AssignInput{Role: care.RoleVillageCadre, UserID: f.villageCadreA1.ID}, "", "", ""},
		{"teacher of another school", f.officer, kid.ID, care.AssignInput{Role: care.RoleTeacher, UserID: f.userIn("teacher.b", county, f.schoolB.ID, f.classB1.ID, "teacher").ID}, errs.Invalid, "user_id", "不在该儿童就读的学校"},
		{"teacher", f.officer, kid.ID, care.AssignInput{Role: care.RoleTeacher, UserID: f.teacherA1.ID}, "", "", ""},
		{"guardian without relation", f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Phone: "13900002222"}, errs.Invalid, "relation", "关系"},
		{"guardian bad phone", f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Phone: "12345", Relation: "祖母"}, errs.Invalid, "phone", "格式不正确"},
		{"guardian future start", f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Relation: "祖母", From: "2099-01-01"}, errs.Invalid, "from", "不能晚于今天"},
		{"guardian bad date", f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Relation: "祖母", From: "2026-02-30"}, errs.Invalid, "from", "不是有效的日期"},
		{"guardian", f.officer, kid.ID, care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Phone: "13900002222", Relation: "祖母", From: "2026-09-01"}, "", "", ""},
		{"unknown role", f.officer, kid.ID, care.AssignInput{Role: "driver", Name: "王"}, errs.Invalid, "role", "无效"},
		{"no name", f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour}, errs.Invalid, "name", "不能为空"},
		{"teacher may not assign", teacherV, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈"}, errs.Forbidden, "", "无权"},
		{"mentor may not assign", f.viewer(f.mentor), kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈"}, errs.Forbidden, "", "无权"},
		{"child out of scope", f.officer, far.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈"}, errs.NotFound, "", "未找到"},
		{"no such child", f.officer, "not-a-uuid", care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈"}, errs.NotFound, "", "未找到"},
		{"neighbour", f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈", Relation: "邻居"}, "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := f.a.Care.Assign(f.ctx, c.v, c.child, c.in)
			if got := errs.CodeOf(err); got != c.code {
				t.Fatalf("code %q, want %q: %v", got, c.code, err)
			}
			if err != nil {
				e := errs.As(err)
				msg := e.Message
				if c.field != "" {
					msg = e.Fields[c.field]
				}
				if !strings.Contains(msg, c.phrase) {
					t.Errorf("message %q (fields %v), want it to say %q", msg, e.Fields, c.phrase)
				}
				return
			}
			if m.Role != c.in.Role || m.To != "" || m.ID == "" {
				t.Errorf("member %+v", m)
			}
		})
	}
	team, err := f.a.Care.Team(f.ctx, f.officer, kid.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(team.Missing) != 0 || len(team.Current) != 6 {
		t.Errorf("full team: missing %v, %d slots", team.Missing, len(team.Current))
	}
	for _, sl := range team.Current {
		if sl.Member == nil {
			t.Errorf("slot %s empty", sl.Role)
		}
	}
}

// TestRoleHistory checks one holder per role at a time, reassignment with
// the history kept, and ending.
func TestRoleHistory(t *testing.T) {
	f := newFixture(t)
	kid := f.child(villageA1, f.schoolA.ID, f.classA1.ID)
	s := f.a.Care
	first, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈", From: "2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	// The same person again changes nothing.
	again, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "张大妈", From: "2026-03-01"})
	if err != nil || again.ID != first.ID {
		t.Fatalf("same holder: %v %+v", err, again)
	}
	// A second holder is refused while the first holds the role…
	if _, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "李大爷"}); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second holder: %v", err)
	}
	// …but may replace them, not before their first day.
	if _, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "李大爷", From: "2025-12-01", Replace: true}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("replace before the first day: %v", err)
	}
	f.clock.T = f.clock.T.Add(24 * time.Hour)
	second, err := s.Assign(f.ctx, f.officer, kid.ID, care.AssignInput{Role: care.RoleNeighbour, Name: "李大爷", From: "2026-11-15", Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	team, err := s.Team(f.ctx, f.officer, kid.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(team.History) != 2 || team.History[0].ID != second.ID || team.History[1].ID != first.ID {
		t.Fatalf("history %+v", team.History)
	}
	if old := team.History[1]; old.To != "2026-11-15" || !strings.Contains(old.EndReason, "李大爷") {
		t.Errorf("first holding ended %q (%q)", old.To, old.EndReason)
	}
	// Ending leaves the role missing; ending twice is refused.
	if _, err := s.EndMember(f.ctx, f.officer, second.ID, care.EndInput{To: "2026-11-01"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("end before the start: %v", err)
	}
	ended, err := s.EndMember(f.ctx, f.officer, second.ID, care.EndInput{Reason: "搬家"})
	if err != nil || ended.To != "2026-11-30" {
		t.Fatalf("end: %v %+v", err, ended)
	}
	if _, err := s.EndMember(f.ctx, f.officer, second.ID, care.EndInput{}); !errs.Is(err, errs.Conflict) {
		t.Errorf("end twice: %v", err)
	}
	if _, err := s.EndMember(f.ctx, f.viewer(f.otherMentor), second.ID, care.EndInput{}); !errs.Is(err, errs.Forbidden) {
		t.Errorf("mentor ends: %v", err)
	}
	team, _ = s.Team(f.ctx, f.officer, kid.ID)
	if !slices.Contains(team.Missing, care.RoleNeighbour) || len(team.History) != 2 {
		t.Errorf("after end: missing %v, %d in history", team.Missing, len(team.History))
	}
	// Every write is in the audit log.
	page, err := audit.Search(f.ctx, f.a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: care.RecordMember, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	// create first, update (end) first + create second, update (end) second
	if page.Total != 4 || strings.Count(strings.Join(actions, ","), "create") != 2 {
		t.Errorf("audit: %d entries %v", page.Total, actions)
	}
}
