package care

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Member is one holding of a team role for a child, current (To "") or
// past.
type Member struct {
	ID        string `json:"id"`
	ChildID   string `json:"child_id"`
	Role      string `json:"role"`
	RoleLabel string `json:"role_label"`
	Person
	From      string `json:"from"`
	To        string `json:"to"`
	EndReason string `json:"end_reason"`
}

// Current reports whether the holding has not ended.
func (m Member) Current() bool { return m.To == "" }

// Slot is one of the six roles of a team with its current holder (nil:
// nobody).
type Slot struct {
	Role      string  `json:"role"`
	RoleLabel string  `json:"role_label"`
	Member    *Member `json:"member"`
}

// Team is a child's care team: the six slots, the roles nobody holds, and
// every holding there has been, newest first.
type Team struct {
	ChildID   string   `json:"child_id"`
	ChildName string   `json:"child_name"`
	Current   []Slot   `json:"current"`
	Missing   []string `json:"missing"`
	History   []Member `json:"history"`
}

// AssignInput says who is to hold a role: a user (UserID), or a person
// who is not a user (Name, Phone, Relation). From defaults to today.
// Replace ends the current holder first (a reassignment); without it a
// filled role is refused.
type AssignInput struct {
	Role     string `json:"role"`
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Relation string `json:"relation"`
	From     string `json:"from"`
	Replace  bool   `json:"replace"`
}

// EndInput ends a holding: To defaults to today.
type EndInput struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

const memberCols = `m.id, m.child_id, m.role, m.user_id, m.name, m.phone, m.relation, m.from_on, m.to_on, m.end_reason`

func scanMember(sc interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var uid sql.NullString
	var from, to time.Time
	err := sc.Scan(&m.ID, &m.ChildID, &m.Role, &uid, &m.Name, &m.Phone, &m.Relation, storage.Date{T: &from}, storage.Date{T: &to}, &m.EndReason)
	m.UserID, m.From, m.To, m.RoleLabel = uid.String, dateText(from), dateText(to), RoleLabel(m.Role)
	return m, err
}

func (c contacts) hideMember(m *Member) {
	if !c.member(m.Role) {
		m.Phone = ""
	}
}

// Team returns a child's care team as v sees it (phone numbers only of
// those v may contact). Out-of-view children give errs.NotFound.
func (s *Store) Team(ctx context.Context, v access.Viewer, childID string) (Team, error) {
	q := s.db.Reader()
	c, err := s.child(ctx, q, v, childID)
	if err != nil {
		return Team{}, err
	}
	return s.team(ctx, q, contactsOf(v), c)
}

func (s *Store) team(ctx context.Context, q storage.Querier, cs contacts, c child) (Team, error) {
	t := Team{ChildID: c.ID, ChildName: c.Name, Missing: []string{}, History: []Member{}}
	rows, err := q.QueryContext(ctx, `SELECT `+memberCols+` FROM care_members m WHERE m.child_id = ? ORDER BY m.from_on DESC, m.created_at DESC, m.id DESC`, c.ID)
	if err != nil {
		return Team{}, errs.Wrap(err, "care: team")
	}
	defer rows.Close()
	current := map[string]Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return Team{}, errs.Wrap(err, "care: team")
		}
		cs.hideMember(&m)
		t.History = append(t.History, m)
		if m.Current() {
			current[m.Role] = m
		}
	}
	if err := rows.Err(); err != nil {
		return Team{}, errs.Wrap(err, "care: team")
	}
	for _, r := range TeamRoles {
		sl := Slot{Role: r, RoleLabel: RoleLabel(r)}
		if m, ok := current[r]; ok {
			sl.Member = &m
		} else {
			t.Missing = append(t.Missing, r)
		}
		t.Current = append(t.Current, sl)
	}
	return t, nil
}

// Assign gives a child's role to a person, inside v's scope, and audits
// it. It refuses (errs.Invalid, with the reason beside the field) a user
// out of the child's region, a user whose roles do not fit the team role,
// an inactive user and bad dates; (errs.Conflict) a role already held by
// someone else unless in.Replace — then the holder's term ends on the new
// one's first day. Assigning the current holder again changes nothing.
func (s *Store) Assign(ctx context.Context, v access.Viewer, childID string, in AssignInput) (Member, error) {
	if !mayWrite(v) {
		return Member{}, errWrite
	}
	var m Member
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		c, err := s.child(ctx, tx, v, childID)
		if err != nil {
			return err
		}
		m, _, err = s.assign(ctx, tx, v, c, in)
		return err
	})
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// Outcomes of an assignment.
const (
	OutcomeAssigned   = "assigned"
	OutcomeReassigned = "reassigned"
	OutcomeUnchanged  = "unchanged"
	OutcomeRefused    = "refused"
)

// holder is a checked assignee.
type holder struct {
	Person
	from time.Time
}

// checkAssignee validates in for child c: the role, the person and their
// fit, the date. It reads through q only.
func (s *Store) checkAssignee(ctx context.Context, q storage.Querier, c child, in AssignInput, today time.Time) (holder, error) {
	fe := errs.FieldErrors{}
	var h holder
	if c.Archived {
		return h, errs.New(errs.Invalid, "该儿童的记录已归档，不能再分配关爱队伍成员")
	}
	if !slices.Contains(TeamRoles, in.Role) {
		fe.Addf("role", "角色“%s”无效：应为县级干部、乡镇干部、村干部、学校教师、受委托监护人或爱心邻居之一", in.Role)
	}
	h.from = dateOf(fe, "from", "开始日期", in.From, today, today)
	if in.UserID != "" {
		u, ok, err := s.user(ctx, q, strings.TrimSpace(in.UserID))
		if err != nil {
			return h, err
		}
		switch {
		case !ok:
			fe.Add("user_id", "未找到该用户")
		case !u.Active:
			fe.Addf("user_id", "用户“%s”已停用，不能担任关爱队伍成员", u.Name)
		default:
			if msg := s.fit(ctx, u, c, in.Role); msg != "" {
				fe.Add("user_id", msg)
			}
			h.Person = Person{UserID: u.ID, Name: u.Name, Phone: u.Phone}
			h.Relation = person.CheckText(fe, "relation", "与儿童关系", in.Relation, 20)
		}
	} else {
		h.Name = person.CheckName(fe, "name", "成员姓名", in.Name)
		h.Phone = person.CheckPhone(fe, "phone", "联系电话", in.Phone)
		h.Relation = person.CheckText(fe, "relation", "与儿童关系", in.Relation, 20)
		if in.Role == RoleGuardian && h.Relation == "" {
			fe.Add("relation", "请填写受委托监护人与儿童的关系")
		}
	}
	return h, fe.Err()
}

// fit says why user u may not hold role for child c ("" when they may).
func (s *Store) fit(ctx context.Context, u user, c child, role string) string {
	if !u.covers(c.VillageCode) {
		where, _ := s.regions.PathString(ctx, u.RegionCode)
		return fmt.Sprintf("用户“%s”属于%s，不在该儿童所在地的范围内，不能担任其关爱队伍成员", u.Name, where)
	}
	level := map[string]regions.Level{RoleCountyCadre: regions.County, RoleTownshipCadre: regions.Township, RoleVillageCadre: regions.Village}
	switch role {
	case RoleCountyCadre, RoleTownshipCadre, RoleVillageCadre:
		if !u.has("leader", "officer") {
			return fmt.Sprintf("用户“%s”不是干部账号（书记/负责领导或儿童主任/督导员），不能担任%s", u.Name, RoleLabel(role))
		}
		if regions.LevelOf(u.RegionCode) != level[role] {
			return fmt.Sprintf("%s应由该儿童所在%s的干部担任，用户“%s”不是%s干部", RoleLabel(role), level[role].Name(), u.Name, level[role].Name())
		}
	case RoleTeacher:
		if !u.has("teacher", "principal") {
			return fmt.Sprintf("用户“%s”不是教师或校长账号，不能担任学校教师", u.Name)
		}
		if c.SchoolID == "" || u.SchoolID != c.SchoolID {
			return fmt.Sprintf("用户“%s”不在该儿童就读的学校任教，不能担任其学校教师", u.Name)
		}
	}
	return ""
}

// sameHolder reports whether a current member is the person h.
func sameHolder(m Member, h holder) bool {
	if m.UserID != "" || h.UserID != "" {
		return m.UserID == h.UserID
	}
	return m.Name == h.Name && m.Phone == h.Phone && m.Relation == h.Relation
}

func (s *Store) currentMember(ctx context.Context, q storage.Querier, childID, role string) (Member, bool, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberCols+` FROM care_members m WHERE m.child_id = ? AND m.role = ? AND m.to_on IS NULL`, childID, role))
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, false, nil
	}
	if err != nil {
		return Member{}, false, errs.Wrap(err, "care: current member")
	}
	return m, true, nil
}

func filled(c child, m Member) error {
	return errs.Newf(errs.Conflict, "%s的“%s”已由%s担任（自%s起）：同一角色同一时间只能有一人，如需更换请选择“替换现任”",
		c.Name, RoleLabel(m.Role), m.Name, m.From)
}

var memberNames = []string{"child_id", "role", "user_id", "name", "phone", "relation", "from", "to", "end_reason"}

func memberValues(m Member) map[string]string {
	return map[string]string{"child_id": m.ChildID, "role": m.Role, "user_id": m.UserID, "name": m.Name, "phone": m.Phone,
		"relation": m.Relation, "from": m.From, "to": m.To, "end_reason": m.EndReason}
}

// assign checks and writes one assignment in tx and returns the member
// now holding the role and the outcome.
func (s *Store) assign(ctx context.Context, tx *storage.Tx, v access.Viewer, c child, in AssignInput) (Member, string, error) {
	today := person.Today(tx.Now)
	h, err := s.checkAssignee(ctx, tx, c, in, today)
	if err != nil {
		return Member{}, OutcomeRefused, err
	}
	cur, held, err := s.currentMember(ctx, tx, c.ID, in.Role)
	if err != nil {
		return Member{}, "", err
	}
	outcome := OutcomeAssigned
	if held {
		if sameHolder(cur, h) {
			return cur, OutcomeUnchanged, nil
		}
		if !in.Replace {
			return Member{}, OutcomeRefused, filled(c, cur)
		}
		if dateText(h.from) < cur.From {
			return Member{}, OutcomeRefused, errs.FieldErrors{"from": fmt.Sprintf("开始日期不能早于现任%s的开始日期%s", cur.Name, cur.From)}.Err()
		}
		if err := s.endMember(ctx, tx, v, cur, h.from, "更换为"+h.Name); err != nil {
			return Member{}, "", err
		}
		outcome = OutcomeReassigned
	}
	m := Member{ID: newID(), ChildID: c.ID, Role: in.Role, RoleLabel: RoleLabel(in.Role), Person: h.Person, From: dateText(h.from)}
	_, err = tx.ExecContext(ctx, `INSERT INTO care_members (id, child_id, role, user_id, name, phone, relation, from_on, to_on, end_reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?)`, m.ID, m.ChildID, m.Role, nullStr(m.UserID), m.Name, m.Phone, m.Relation,
		storage.DateArg(h.from), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
	if storage.IsUnique(err, "") {
		cur, _, _ := s.currentMember(ctx, tx, c.ID, in.Role)
		return Member{}, OutcomeRefused, filled(c, cur)
	}
	if err != nil {
		return Member{}, "", errs.Wrap(err, "care: assign")
	}
	if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordMember, RecordID: m.ID,
		Changes: audit.Diff(memberNames, nil, memberValues(m), map[string]bool{"phone": true})}); err != nil {
		return Member{}, "", err
	}
	if err := s.teamChanged(ctx, tx, c.ID); err != nil {
		return Member{}, "", err
	}
	return m, outcome, nil
}

// endMember ends a current holding on day to (audited).
func (s *Store) endMember(ctx context.Context, tx *storage.Tx, v access.Viewer, m Member, to time.Time, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE care_members SET to_on = ?, end_reason = ?, updated_at = ? WHERE id = ? AND to_on IS NULL`,
		storage.DateArg(to), reason, storage.TimeArg(tx.Now), m.ID)
	if err != nil {
		return errs.Wrap(err, "care: end member")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "该成员的任期已结束，请刷新后查看")
	}
	after := m
	after.To, after.EndReason = dateText(to), reason
	return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordMember, RecordID: m.ID,
		Changes: audit.Diff(memberNames, memberValues(m), memberValues(after), nil)})
}

// EndMember ends a current holding of a team role (the role is then
// missing until someone else is assigned) and audits it. To must lie
// between the holding's first day and today.
func (s *Store) EndMember(ctx context.Context, v access.Viewer, memberID string, in EndInput) (Member, error) {
	if !mayWrite(v) {
		return Member{}, errWrite
	}
	notFound := errs.New(errs.NotFound, "未找到该关爱队伍成员")
	var out Member
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		m, err := scanMember(tx.QueryRowContext(ctx, `SELECT `+memberCols+` FROM care_members m WHERE m.id = ?`, memberID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return errs.Wrap(err, "care: member")
		}
		if _, err := s.child(ctx, tx, v, m.ChildID); err != nil {
			return notFound
		}
		if !m.Current() {
			return errs.New(errs.Conflict, "该成员的任期已经结束")
		}
		today := person.Today(tx.Now)
		fe := errs.FieldErrors{}
		to := dateOf(fe, "to", "结束日期", in.To, today, today)
		if dateText(to) < m.From {
			fe.Addf("to", "结束日期不能早于开始日期%s", m.From)
		}
		reason := person.CheckText(fe, "reason", "结束原因", in.Reason, 200)
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.endMember(ctx, tx, v, m, to, reason); err != nil {
			return err
		}
		m.To, m.EndReason = dateText(to), reason
		out = m
		return s.teamChanged(ctx, tx, m.ChildID)
	})
	return out, err
}

// gap bits of children.care_gaps beyond the team roles'.
const (
	bitPairing = 1 << 6
	teamBits   = 1<<6 - 1
	allBits    = teamBits | bitPairing
)

// roleBit returns the care_gaps bit of a team role.
func roleBit(role string) int { return 1 << slices.Index(TeamRoles, role) }

// refreshGaps recomputes a child's care_gaps from its current team and
// pairings, inside tx.
func (s *Store) refreshGaps(ctx context.Context, tx *storage.Tx, childID string) error {
	mask := allBits
	rows, err := tx.QueryContext(ctx, `SELECT role FROM care_members WHERE child_id = ? AND to_on IS NULL`, childID)
	if err != nil {
		return errs.Wrap(err, "care: gaps")
	}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return errs.Wrap(err, "care: gaps")
		}
		if slices.Contains(TeamRoles, r) {
			mask &^= roleBit(r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "care: gaps")
	}
	var paired int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pairings WHERE child_id = ? AND to_on IS NULL`, childID).Scan(&paired); err != nil {
		return errs.Wrap(err, "care: gaps")
	}
	if paired > 0 {
		mask &^= bitPairing
	}
	return s.setGaps(ctx, tx, childID, mask)
}

// setGaps stores a child's care_gaps and moves the child's counters
// (package tally) from the old gaps' keys to the new ones, in tx. The
// child's version goes up, so that a census write that read the child
// before (and counted it with the old gaps) fails its version check
// instead of committing stale counters.
func (s *Store) setGaps(ctx context.Context, tx *storage.Tx, childID string, mask int) error {
	var village string
	var school, class sql.NullString
	var lb, archived bool
	var old, version int
	err := tx.QueryRowContext(ctx, `SELECT village_code, school_id, class_id, left_behind, archived_at IS NOT NULL, care_gaps, version FROM children WHERE id = ?`,
		childID).Scan(&village, &school, &class, &lb, &archived, &old, &version)
	if err != nil {
		return errs.Wrap(err, "care: set gaps")
	}
	if old == mask {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE children SET care_gaps = ?, version = version + 1 WHERE id = ? AND version = ?`, mask, childID, version)
	if err != nil {
		return errs.Wrap(err, "care: set gaps")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "该儿童的记录刚刚被他人修改，请重试")
	}
	if archived || !lb {
		return nil
	}
	d := tally.NewDelta()
	d.Move(village, children.CareTallyKeys(school.String, class.String, old), village, children.CareTallyKeys(school.String, class.String, mask))
	return tally.Apply(ctx, tx, d)
}
