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
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/schools"
	"guanai/internal/storage"
)

// Pairing is a mentor paired with a child (结对), current (To "") or past.
type Pairing struct {
	ID          string `json:"id"`
	ChildID     string `json:"child_id"`
	ChildName   string `json:"child_name"`
	MentorID    string `json:"mentor_id"`
	MentorName  string `json:"mentor_name"`
	MentorPhone string `json:"mentor_phone"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	From        string `json:"from"`
	To          string `json:"to"`
	Note        string `json:"note"`
	EndReason   string `json:"end_reason"`
}

// PairingInput pairs a mentor (a user with the mentor role, or a cadre: a
// leader or officer) with a child. From defaults to today.
type PairingInput struct {
	ChildID  string `json:"child_id"`
	MentorID string `json:"mentor_id"`
	Kind     string `json:"kind"`
	From     string `json:"from"`
	Note     string `json:"note"`
}

// PairResult is a pairing made, with a warning when the mentor now has
// more children than the soft limit.
type PairResult struct {
	Pairing Pairing `json:"pairing"`
	Warning string  `json:"warning"`
}

// PairingFilter selects pairings: of a child, of a mentor; current only
// unless All.
type PairingFilter struct {
	ChildID  string
	MentorID string
	All      bool
}

const pairingCols = `p.id, p.child_id, c.name, p.mentor_id, u.name, u.phone, p.kind, p.from_on, p.to_on, p.note, p.end_reason`

const pairingFrom = ` FROM pairings p JOIN children c ON c.id = p.child_id JOIN users u ON u.id = p.mentor_id`

func scanPairing(sc interface{ Scan(...any) error }) (Pairing, error) {
	var p Pairing
	var from, to time.Time
	err := sc.Scan(&p.ID, &p.ChildID, &p.ChildName, &p.MentorID, &p.MentorName, &p.MentorPhone, &p.Kind, storage.Date{T: &from}, storage.Date{T: &to}, &p.Note, &p.EndReason)
	p.From, p.To, p.KindLabel = dateText(from), dateText(to), KindLabel(p.Kind)
	return p, err
}

var pairingNames = []string{"child_id", "mentor_id", "kind", "from", "to", "note", "end_reason"}

func pairingValues(p Pairing) map[string]string {
	return map[string]string{"child_id": p.ChildID, "mentor_id": p.MentorID, "kind": p.Kind, "from": p.From, "to": p.To, "note": p.Note, "end_reason": p.EndReason}
}

// Pair pairs a mentor with a child in v's scope and audits it. It refuses
// (errs.Invalid) a user who is neither a mentor nor a cadre, a mentor
// whose region does not hold the child's village, an inactive user, a bad
// kind or date; (errs.Conflict) a pair already current, or a mentor at the
// hard limit of current pairings. Past the soft limit the pairing is made
// and the result carries a warning.
func (s *Store) Pair(ctx context.Context, v access.Viewer, in PairingInput) (PairResult, error) {
	if !mayWrite(v) {
		return PairResult{}, errWrite
	}
	var out PairResult
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		c, err := s.child(ctx, tx, v, strings.TrimSpace(in.ChildID))
		if err != nil {
			return err
		}
		if c.Archived {
			return errs.New(errs.Invalid, "该儿童的记录已归档，不能再结对")
		}
		today := person.Today(tx.Now)
		fe := errs.FieldErrors{}
		if !slices.Contains(PairingKinds, in.Kind) {
			fe.Addf("kind", "结对类型“%s”无效：应为干部、青年企业家或志愿者", in.Kind)
		}
		from := dateOf(fe, "from", "开始日期", in.From, today, today)
		note := person.CheckText(fe, "note", "备注", in.Note, 200)
		u, ok, err := s.user(ctx, tx, strings.TrimSpace(in.MentorID))
		if err != nil {
			return err
		}
		switch {
		case !ok:
			fe.Add("mentor_id", "未找到该用户")
		case !u.Active:
			fe.Addf("mentor_id", "用户“%s”已停用，不能结对", u.Name)
		case !u.has("mentor", "leader", "officer"):
			fe.Addf("mentor_id", "用户“%s”不是结对帮扶人或干部账号，不能结对", u.Name)
		case !u.covers(c.VillageCode):
			where, _ := s.regions.PathString(ctx, u.RegionCode)
			fe.Addf("mentor_id", "用户“%s”属于%s，不在该儿童所在地的范围内，不能与其结对", u.Name, where)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		// One mentor's pairings are counted and made one at a time.
		if err := tx.Serialize(ctx, lockKey("pairings:"+u.ID)); err != nil {
			return errs.Wrap(err, "care: pair")
		}
		var n, dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN child_id = ? THEN 1 ELSE 0 END), 0) FROM pairings WHERE mentor_id = ? AND to_on IS NULL`,
			c.ID, u.ID).Scan(&n, &dup); err != nil {
			return errs.Wrap(err, "care: pair")
		}
		if dup > 0 {
			return errs.Newf(errs.Conflict, "%s已与%s结对", u.Name, c.Name)
		}
		if n >= s.limits.Hard {
			return errs.Newf(errs.Conflict, "%s已结对%d名儿童，达到每人最多%d名的上限，不能再结对", u.Name, n, s.limits.Hard)
		}
		p := Pairing{ID: newID(), ChildID: c.ID, ChildName: c.Name, MentorID: u.ID, MentorName: u.Name, MentorPhone: u.Phone,
			Kind: in.Kind, KindLabel: KindLabel(in.Kind), From: dateText(from), Note: note}
		_, err = tx.ExecContext(ctx, `INSERT INTO pairings (id, child_id, mentor_id, kind, from_on, to_on, note, end_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, NULL, ?, '', ?, ?)`, p.ID, p.ChildID, p.MentorID, p.Kind, storage.DateArg(from), p.Note, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if storage.IsUnique(err, "") {
			return errs.Newf(errs.Conflict, "%s已与%s结对", u.Name, c.Name)
		}
		if err != nil {
			return errs.Wrap(err, "care: pair")
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordPairing, RecordID: p.ID,
			Changes: audit.Diff(pairingNames, nil, pairingValues(p), nil)}); err != nil {
			return err
		}
		out.Pairing = p
		if n+1 > s.limits.Soft {
			out.Warning = fmt.Sprintf("%s现已结对%d名儿童，超过建议的每人%d名", u.Name, n+1, s.limits.Soft)
		}
		return s.refreshGaps(ctx, tx, c.ID)
	})
	if err != nil {
		return PairResult{}, err
	}
	return out, nil
}

// EndPairing ends a current pairing and audits it; To lies between the
// pairing's first day and today.
func (s *Store) EndPairing(ctx context.Context, v access.Viewer, id string, in EndInput) (Pairing, error) {
	if !mayWrite(v) {
		return Pairing{}, errWrite
	}
	notFound := errs.New(errs.NotFound, "未找到该结对记录")
	var out Pairing
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		p, err := scanPairing(tx.QueryRowContext(ctx, `SELECT `+pairingCols+pairingFrom+` WHERE p.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return errs.Wrap(err, "care: pairing")
		}
		if _, err := s.child(ctx, tx, v, p.ChildID); err != nil {
			return notFound
		}
		if p.To != "" {
			return errs.New(errs.Conflict, "该结对已经结束")
		}
		today := person.Today(tx.Now)
		fe := errs.FieldErrors{}
		to := dateOf(fe, "to", "结束日期", in.To, today, today)
		if dateText(to) < p.From {
			fe.Addf("to", "结束日期不能早于开始日期%s", p.From)
		}
		reason := person.CheckText(fe, "reason", "结束原因", in.Reason, 200)
		if err := fe.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pairings SET to_on = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
			storage.DateArg(to), reason, storage.TimeArg(tx.Now), p.ID); err != nil {
			return errs.Wrap(err, "care: end pairing")
		}
		after := p
		after.To, after.EndReason = dateText(to), reason
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordPairing, RecordID: p.ID,
			Changes: audit.Diff(pairingNames, pairingValues(p), pairingValues(after), nil)}); err != nil {
			return err
		}
		out = after
		return s.refreshGaps(ctx, tx, p.ChildID)
	})
	return out, err
}

// Pairings lists the pairings of the children in v's view that match f,
// newest first. A mentor sees their own pairings only.
func (s *Store) Pairings(ctx context.Context, v access.Viewer, f PairingFilter) ([]Pairing, error) {
	where, args := childScope(v)
	conds := []string{where}
	if v.PairedWith != "" {
		conds, args = append(conds, "p.mentor_id = ?"), append(args, v.PairedWith)
	}
	if f.ChildID != "" {
		conds, args = append(conds, "p.child_id = ?"), append(args, f.ChildID)
	}
	if f.MentorID != "" {
		conds, args = append(conds, "p.mentor_id = ?"), append(args, f.MentorID)
	}
	if !f.All {
		conds = append(conds, "p.to_on IS NULL")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+pairingCols+pairingFrom+` WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY p.from_on DESC, p.id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "care: pairings")
	}
	defer rows.Close()
	cs := contactsOf(v)
	out := []Pairing{}
	for rows.Next() {
		p, err := scanPairing(rows)
		if err != nil {
			return nil, errs.Wrap(err, "care: pairings")
		}
		if !cs.mentors() && p.MentorID != v.UserID {
			p.MentorPhone = ""
		}
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "care: pairings")
}

// Mentee is what a mentor sees of a child paired with them: never ID
// numbers, health, disability, difficulty categories or the parents'
// phone numbers.
type Mentee struct {
	ChildID          string `json:"child_id"`
	Name             string `json:"name"`
	Sex              string `json:"sex"`
	Age              int    `json:"age"`
	Grade            int    `json:"grade"`
	GradeLabel       string `json:"grade_label"`
	VillageCode      string `json:"village_code"`
	Place            string `json:"place"`
	SchoolName       string `json:"school_name"`
	ClassName        string `json:"class_name"`
	GuardianName     string `json:"guardian_name"`
	GuardianRelation string `json:"guardian_relation"`
	GuardianPhone    string `json:"guardian_phone"`
	PairingID        string `json:"pairing_id"`
	Kind             string `json:"kind"`
	KindLabel        string `json:"kind_label"`
	From             string `json:"from"`
}

// MyChildren returns the children currently paired with the viewer (any
// user: a cadre paired with children sees them here too), with only the
// fields a mentor may see, ordered by name.
func (s *Store) MyChildren(ctx context.Context, v access.Viewer) ([]Mentee, error) {
	out := []Mentee{}
	if v.UserID == "" || v.Nobody {
		return out, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT c.id, c.name, c.sex, c.birth_date, c.grade, c.village_code,
		COALESCE(sc.name, ''), COALESCE(cl.name, ''), c.guardian_name, c.guardian_relation, c.guardian_phone, p.id, p.kind, p.from_on
		FROM pairings p JOIN children c ON c.id = p.child_id
		LEFT JOIN schools sc ON sc.id = c.school_id LEFT JOIN school_classes cl ON cl.id = c.class_id
		WHERE p.mentor_id = ? AND p.to_on IS NULL AND c.archived_at IS NULL ORDER BY c.name, c.id`, v.UserID)
	if err != nil {
		return nil, errs.Wrap(err, "care: my children")
	}
	defer rows.Close()
	now := person.Today(s.db.Now())
	for rows.Next() {
		var m Mentee
		var birth, from time.Time
		var grade sql.NullInt64
		if err := rows.Scan(&m.ChildID, &m.Name, &m.Sex, storage.Date{T: &birth}, &grade, &m.VillageCode, &m.SchoolName, &m.ClassName,
			&m.GuardianName, &m.GuardianRelation, &m.GuardianPhone, &m.PairingID, &m.Kind, storage.Date{T: &from}); err != nil {
			return nil, errs.Wrap(err, "care: my children")
		}
		m.Age, m.Grade, m.From, m.KindLabel = person.Age(birth, now), int(grade.Int64), dateText(from), KindLabel(m.Kind)
		if grade.Valid {
			m.GradeLabel = schools.GradeLabel(m.Grade)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "care: my children")
	}
	for i := range out {
		out[i].Place, _ = s.regions.PathString(ctx, out[i].VillageCode)
	}
	return out, nil
}
