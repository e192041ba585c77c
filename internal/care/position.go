package care

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
)

// Position is one holding of a position (a school's principal, a class's
// homeroom teacher, a village's chief proxy parent, a region node's
// accountable leader), current (To "") or past. The proxy parents of a
// child are not stored: they follow from the positions of the child's
// school, class and village at the time of reading.
type Position struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	Subject     string `json:"subject"`
	SubjectName string `json:"subject_name"`
	RegionCode  string `json:"region_code"`
	Person
	Title     string `json:"title"`
	From      string `json:"from"`
	To        string `json:"to"`
	EndReason string `json:"end_reason"`
}

// PositionInput gives a position to a user (UserID) or a person who is not
// a user (Name, Phone); Title is e.g. 党委书记. From defaults to today. The
// current holder, if any, ends the day before.
type PositionInput struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	UserID  string `json:"user_id"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Title   string `json:"title"`
	From    string `json:"from"`
}

// PositionFilter selects positions: by kind, subject, or region subtree
// (where the subject lies); current only unless All.
type PositionFilter struct {
	Kind    string
	Subject string
	Region  string
	All     bool
}

const positionCols = `p.id, p.kind, p.subject, p.region_code, p.user_id, p.name, p.phone, p.title, p.from_on, p.to_on, p.end_reason`

func scanPosition(sc interface{ Scan(...any) error }) (Position, error) {
	var p Position
	var uid sql.NullString
	var from, to time.Time
	err := sc.Scan(&p.ID, &p.Kind, &p.Subject, &p.RegionCode, &uid, &p.Name, &p.Phone, &p.Title, storage.Date{T: &from}, storage.Date{T: &to}, &p.EndReason)
	p.UserID, p.From, p.To, p.KindLabel = uid.String, dateText(from), dateText(to), PositionLabel(p.Kind)
	return p, err
}

var positionNames = []string{"kind", "subject", "user_id", "name", "phone", "title", "from", "to", "end_reason"}

func positionValues(p Position) map[string]string {
	return map[string]string{"kind": p.Kind, "subject": p.Subject, "user_id": p.UserID, "name": p.Name, "phone": p.Phone,
		"title": p.Title, "from": p.From, "to": p.To, "end_reason": p.EndReason}
}

// subject is a position's subject resolved: its name, the region it lies
// in and, for schools and classes, the school.
type subject struct {
	code, name, region, schoolID string
}

var errSubject = errs.New(errs.NotFound, "未找到该学校、班级或行政区划")

// subject resolves a position's subject in v's scope (school staff: their
// own school only).
func (s *Store) subject(ctx context.Context, q storage.Querier, v access.Viewer, kind, code string) (subject, error) {
	code = strings.TrimSpace(code)
	switch kind {
	case PositionPrincipal, PositionHomeroom:
		if _, err := uuid.Parse(code); err != nil {
			return subject{}, errSubject
		}
		where, args := v.Where("sc.region_code", "sc.id", "")
		var sub subject
		var err error
		if kind == PositionPrincipal {
			err = q.QueryRowContext(ctx, `SELECT sc.id, sc.name, sc.region_code, sc.id FROM schools sc WHERE sc.id = ? AND `+where,
				append([]any{code}, args...)...).Scan(&sub.code, &sub.name, &sub.region, &sub.schoolID)
		} else {
			var grade int
			var cls string
			err = q.QueryRowContext(ctx, `SELECT cl.id, sc.name, cl.grade, cl.name, sc.region_code, sc.id FROM school_classes cl JOIN schools sc ON sc.id = cl.school_id
				WHERE cl.id = ? AND `+where, append([]any{code}, args...)...).Scan(&sub.code, &sub.name, &grade, &cls, &sub.region, &sub.schoolID)
			sub.name = sub.name + " " + schools.GradeLabel(grade) + cls
		}
		if errors.Is(err, sql.ErrNoRows) {
			return subject{}, errSubject
		}
		return sub, errs.Wrap(err, "care: subject")
	case PositionVillageProxy, PositionLeader:
		c, err := regions.Normalize(code)
		if err != nil || c == regions.Root || !v.InRegion(c) || v.SchoolID != "" {
			return subject{}, errSubject
		}
		r, err := s.regions.Get(ctx, c)
		if err != nil {
			return subject{}, errSubject
		}
		if kind == PositionVillageProxy && r.Level != regions.Village {
			return subject{}, errs.FieldErrors{"subject": "校外总代理家长按村（社区）设立：请选择村级行政区划"}.Err()
		}
		path, _ := s.regions.PathString(ctx, c)
		return subject{code: c, name: path, region: c}, nil
	}
	return subject{}, errs.FieldErrors{"kind": fmt.Sprintf("职务类型“%s”无效", kind)}.Err()
}

// mayHold says why user u may not hold a position of kind over sub.
func mayHold(u user, kind string, sub subject) string {
	if !u.covers(sub.region) {
		return fmt.Sprintf("用户“%s”不在“%s”所在地的范围内", u.Name, sub.name)
	}
	switch kind {
	case PositionPrincipal:
		if !u.has("principal") || u.SchoolID != sub.schoolID {
			return fmt.Sprintf("校内总代理家长由本校校长担任：用户“%s”不是该校的校长账号", u.Name)
		}
	case PositionHomeroom:
		if !u.has("teacher", "principal") || u.SchoolID != sub.schoolID {
			return fmt.Sprintf("校内代理家长由班主任担任：用户“%s”不是该校的教师账号", u.Name)
		}
	case PositionVillageProxy, PositionLeader:
		if !u.has("leader", "officer") {
			return fmt.Sprintf("用户“%s”不是干部账号（书记/负责领导或儿童主任/督导员）", u.Name)
		}
		if kind == PositionLeader && u.RegionCode != sub.code {
			return fmt.Sprintf("用户“%s”不属于该级行政区划，不能担任其责任书记", u.Name)
		}
	}
	return ""
}

// mayWritePosition says whether v may set positions of kind: principals
// and homeroom teachers by region writers and, within their school,
// principals; village proxies and leaders by region writers.
func mayWritePosition(v access.Viewer, kind string) bool {
	if v.PairedWith != "" || v.Nobody || !v.CanWrite {
		return false
	}
	switch kind {
	case PositionHomeroom, PositionPrincipal:
		return v.CanWriteSchool()
	}
	return v.CanWriteRegion()
}

// SetPosition gives a position to a person and audits it; the current
// holder's term ends on the new one's first day. Every child whose school,
// class or village the position is of has the new proxy parent at once
// (proxies are read from positions, never copied). It refuses
// (errs.NotFound) a subject out of v's scope, (errs.Invalid) a user whose
// roles or region do not fit — a principal for a school's chief proxy, a
// teacher of the school for a class, a cadre for a village or a leader of
// the node itself.
func (s *Store) SetPosition(ctx context.Context, v access.Viewer, in PositionInput) (Position, error) {
	if !slices.Contains(PositionKinds, in.Kind) {
		return Position{}, errs.FieldErrors{"kind": fmt.Sprintf("职务类型“%s”无效", in.Kind)}.Err()
	}
	if !mayWritePosition(v, in.Kind) {
		return Position{}, errWrite
	}
	var out Position
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		sub, err := s.subject(ctx, tx, v, in.Kind, in.Subject)
		if err != nil {
			return err
		}
		if in.Kind == PositionPrincipal && v.SchoolID != "" && !slices.Contains(v.Roles, "officer") {
			// A principal keeps the homeroom teachers of their school, not their own post.
			return errs.New(errs.Forbidden, "校内总代理家长由教育部门或儿童督导员设定")
		}
		today := person.Today(tx.Now)
		fe := errs.FieldErrors{}
		from := dateOf(fe, "from", "开始日期", in.From, today, today)
		p := Position{ID: newID(), Kind: in.Kind, KindLabel: PositionLabel(in.Kind), Subject: sub.code, SubjectName: sub.name, RegionCode: sub.region, From: dateText(from)}
		p.Title = person.CheckText(fe, "title", "职务", in.Title, 30)
		if in.UserID != "" {
			u, ok, err := s.user(ctx, tx, strings.TrimSpace(in.UserID))
			if err != nil {
				return err
			}
			switch {
			case !ok:
				fe.Add("user_id", "未找到该用户")
			case !u.Active:
				fe.Addf("user_id", "用户“%s”已停用", u.Name)
			default:
				if msg := mayHold(u, in.Kind, sub); msg != "" {
					fe.Add("user_id", msg)
				}
				p.Person = Person{UserID: u.ID, Name: u.Name, Phone: u.Phone}
			}
		} else {
			p.Name = person.CheckName(fe, "name", "姓名", in.Name)
			p.Phone = person.CheckPhone(fe, "phone", "联系电话", in.Phone)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		cur, held, err := s.currentPosition(ctx, tx, in.Kind, sub.code)
		if err != nil {
			return err
		}
		if held {
			if (cur.UserID != "" && cur.UserID == p.UserID) || (cur.UserID == "" && p.UserID == "" && cur.Name == p.Name && cur.Phone == p.Phone) {
				if cur.Title != p.Title {
					return errs.New(errs.Conflict, "此人已担任该职务")
				}
				out = cur
				return nil
			}
			if p.From < cur.From {
				return errs.FieldErrors{"from": fmt.Sprintf("开始日期不能早于现任%s的开始日期%s", cur.Name, cur.From)}.Err()
			}
			if err := s.endPosition(ctx, tx, v, cur, from, "由"+p.Name+"接任"); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO care_positions (id, kind, subject, region_code, user_id, name, phone, title, from_on, to_on, end_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?)`, p.ID, p.Kind, p.Subject, p.RegionCode, nullStr(p.UserID), p.Name, p.Phone, p.Title,
			storage.DateArg(from), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if storage.IsUnique(err, "") {
			return errs.New(errs.Conflict, "该职务刚刚已由他人设定，请刷新后重试")
		}
		if err != nil {
			return errs.Wrap(err, "care: set position")
		}
		out = p
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordPosition, RecordID: p.ID,
			Changes: audit.Diff(positionNames, nil, positionValues(p), map[string]bool{"phone": true})})
	})
	return out, err
}

func (s *Store) currentPosition(ctx context.Context, q storage.Querier, kind, subject string) (Position, bool, error) {
	p, err := scanPosition(q.QueryRowContext(ctx, `SELECT `+positionCols+` FROM care_positions p WHERE p.kind = ? AND p.subject = ? AND p.to_on IS NULL`, kind, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return Position{}, false, nil
	}
	return p, err == nil, errs.Wrap(err, "care: current position")
}

func (s *Store) endPosition(ctx context.Context, tx *storage.Tx, v access.Viewer, p Position, to time.Time, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE care_positions SET to_on = ?, end_reason = ?, updated_at = ? WHERE id = ? AND to_on IS NULL`,
		storage.DateArg(to), reason, storage.TimeArg(tx.Now), p.ID)
	if err != nil {
		return errs.Wrap(err, "care: end position")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "该职务的任期已结束，请刷新后查看")
	}
	after := p
	after.To, after.EndReason = dateText(to), reason
	return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordPosition, RecordID: p.ID,
		Changes: audit.Diff(positionNames, positionValues(p), positionValues(after), nil)})
}

// EndPosition ends a current holding of a position (the position is then
// vacant) and audits it.
func (s *Store) EndPosition(ctx context.Context, v access.Viewer, id string, in EndInput) (Position, error) {
	notFound := errs.New(errs.NotFound, "未找到该职务记录")
	var out Position
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		p, err := scanPosition(tx.QueryRowContext(ctx, `SELECT `+positionCols+` FROM care_positions p WHERE p.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return errs.Wrap(err, "care: position")
		}
		if !mayWritePosition(v, p.Kind) {
			return errWrite
		}
		if _, err := s.subject(ctx, tx, v, p.Kind, p.Subject); err != nil {
			return notFound
		}
		if p.Kind == PositionPrincipal && v.SchoolID != "" && !slices.Contains(v.Roles, "officer") {
			return errs.New(errs.Forbidden, "校内总代理家长由教育部门或儿童督导员设定")
		}
		if p.To != "" {
			return errs.New(errs.Conflict, "该职务的任期已经结束")
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
		if err := s.endPosition(ctx, tx, v, p, to, reason); err != nil {
			return err
		}
		p.To, p.EndReason = dateText(to), reason
		out = p
		return nil
	})
	return out, err
}

// Positions lists the positions matching f whose subject lies in v's
// scope (school staff: their school's), newest first; the names of the
// subjects are filled in.
func (s *Store) Positions(ctx context.Context, v access.Viewer, f PositionFilter) ([]Position, error) {
	if v.PairedWith != "" {
		return []Position{}, nil
	}
	where, args := v.Where("p.region_code", "", "")
	if v.SchoolID != "" && !v.Nobody {
		// School staff: their school's positions only.
		where = `p.region_code >= ? AND p.region_code < ? AND (p.subject = ? OR p.subject IN (SELECT id FROM school_classes WHERE school_id = ?))`
		lo, hi := v.RegionRange()
		args = []any{lo, hi, v.SchoolID, v.SchoolID}
	}
	conds := []string{where}
	fe := errs.FieldErrors{}
	if f.Kind != "" {
		if !slices.Contains(PositionKinds, f.Kind) {
			fe.Addf("kind", "职务类型“%s”无效", f.Kind)
		}
		conds, args = append(conds, "p.kind = ?"), append(args, f.Kind)
	}
	if f.Subject != "" {
		subj := f.Subject
		if c, err := regions.Normalize(subj); err == nil && c != "" {
			subj = c
		}
		conds, args = append(conds, "p.subject = ?"), append(args, subj)
	}
	if f.Region != "" {
		c, err := regions.Normalize(f.Region)
		if err != nil {
			fe.Add("region", errs.As(err).Message)
		} else {
			lo, hi := regions.Range(c)
			conds, args = append(conds, "p.region_code >= ? AND p.region_code < ?"), append(args, lo, hi)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if !f.All {
		conds = append(conds, "p.to_on IS NULL")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+positionCols+` FROM care_positions p WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY p.region_code, p.kind, p.subject, p.from_on DESC, p.id DESC LIMIT 2000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "care: positions")
	}
	out := []Position{}
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "care: positions")
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "care: positions")
	}
	cs := contactsOf(v)
	for i := range out {
		out[i].SubjectName = s.subjectName(ctx, out[i])
		if !cs.positionPhone(out[i]) {
			out[i].Phone = ""
		}
	}
	return out, nil
}

// positionPhone says whether a position holder's phone is shown.
func (c contacts) positionPhone(p Position) bool {
	if p.Kind == PositionLeader {
		return c.leader(regions.LevelOf(p.Subject))
	}
	return c.proxy()
}

// subjectName names a position's subject for display.
func (s *Store) subjectName(ctx context.Context, p Position) string {
	q := s.db.Reader()
	switch p.Kind {
	case PositionPrincipal:
		var n string
		q.QueryRowContext(ctx, `SELECT name FROM schools WHERE id = ?`, p.Subject).Scan(&n)
		return n
	case PositionHomeroom:
		var n, cls string
		var grade int
		q.QueryRowContext(ctx, `SELECT sc.name, cl.grade, cl.name FROM school_classes cl JOIN schools sc ON sc.id = cl.school_id WHERE cl.id = ?`, p.Subject).Scan(&n, &grade, &cls)
		return n + " " + schools.GradeLabel(grade) + cls
	}
	n, _ := s.regions.PathString(ctx, p.Subject)
	return n
}
