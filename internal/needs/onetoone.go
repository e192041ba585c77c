package needs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// OneToOne is a standing one-to-one match (一对一) of a volunteer with a
// child, built on a current care pairing of kind volunteer, with its
// service log when read alone.
type OneToOne struct {
	ID         string     `json:"id"`
	PairingID  string     `json:"pairing_id"`
	ChildID    string     `json:"child_id"`
	ChildName  string     `json:"child_name"`
	MentorID   string     `json:"mentor_id"`
	MentorName string     `json:"mentor_name"`
	Goal       string     `json:"goal"`
	From       string     `json:"from"`
	To         string     `json:"to"`
	EndReason  string     `json:"end_reason"`
	Minutes    int        `json:"minutes"`
	Version    int        `json:"version"`
	Log        []LogEntry `json:"log,omitempty"`
}

// Hours returns the logged time in hours, as text ("1.5").
func (m OneToOne) Hours() string { return HoursText(m.Minutes) }

// LogEntry is one service given in a one-to-one match.
type LogEntry struct {
	ID           string `json:"id"`
	ServedOn     string `json:"served_on"`
	What         string `json:"what"`
	Minutes      int    `json:"minutes"`
	RecorderName string `json:"recorder_name"`
}

// Hours returns the entry's time in hours, as text.
func (e LogEntry) Hours() string { return HoursText(e.Minutes) }

// HoursText writes minutes as hours ("1.5").
func HoursText(min int) string {
	return strconv.FormatFloat(float64(min)/60, 'f', -1, 64)
}

// OneToOneInput starts a one-to-one match on a pairing. From defaults to
// today.
type OneToOneInput struct {
	PairingID string `json:"pairing_id"`
	Goal      string `json:"goal"`
	From      string `json:"from"`
}

// LogInput is one service given: the day (default today), what was done
// and for how many hours (0.5 steps are fine; more than 0, at most 24 in a
// day for the match).
type LogInput struct {
	ServedOn string  `json:"served_on"`
	What     string  `json:"what"`
	Hours    float64 `json:"hours"`
}

const matchCols = `m.id, m.pairing_id, m.child_id, c.name, m.mentor_id, u.name, m.goal, m.from_on, m.to_on, m.end_reason, m.version,
	(SELECT COALESCE(SUM(l.minutes), 0) FROM one_to_one_logs l WHERE l.match_id = m.id)`

const matchFrom = ` FROM one_to_one m JOIN children c ON c.id = m.child_id JOIN users u ON u.id = m.mentor_id`

func scanMatch(sc interface{ Scan(...any) error }) (OneToOne, error) {
	var m OneToOne
	var from, to time.Time
	err := sc.Scan(&m.ID, &m.PairingID, &m.ChildID, &m.ChildName, &m.MentorID, &m.MentorName, &m.Goal, storage.Date{T: &from}, storage.Date{T: &to},
		&m.EndReason, &m.Version, &m.Minutes)
	m.From, m.To = dateText(from), dateText(to)
	return m, err
}

// matchScope limits one-to-one matches (alias m, children c) to v's view:
// the children in their scope; a mentor, their own matches.
func matchScope(v access.Viewer) (string, []any) {
	if v.PairedWith != "" && !v.Nobody {
		return "m.mentor_id = ?", []any{v.PairedWith}
	}
	return v.Where("c.village_code", "c.school_id", "c.class_id")
}

// OneToOneFilter selects matches: of a child, of a mentor; current only
// unless All.
type OneToOneFilter struct {
	ChildID  string
	MentorID string
	All      bool
}

// OneToOnes returns the matches in v's view matching f, newest first.
func (s *Store) OneToOnes(ctx context.Context, v access.Viewer, f OneToOneFilter) ([]OneToOne, error) {
	where, args := matchScope(v)
	if f.ChildID != "" {
		where += " AND m.child_id = ?"
		args = append(args, f.ChildID)
	}
	if f.MentorID != "" {
		where += " AND m.mentor_id = ?"
		args = append(args, f.MentorID)
	}
	if !f.All {
		where += " AND m.to_on IS NULL"
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+matchCols+matchFrom+` WHERE `+where+` ORDER BY m.from_on DESC, m.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "needs: one-to-one")
	}
	defer rows.Close()
	out := []OneToOne{}
	for rows.Next() {
		m, err := scanMatch(rows)
		if err != nil {
			return nil, errs.Wrap(err, "needs: one-to-one")
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "needs: one-to-one")
}

var errMatchNotFound = errs.New(errs.NotFound, "未找到该一对一帮扶")

func (s *Store) oneToOne(ctx context.Context, q storage.Querier, v access.Viewer, id string) (OneToOne, error) {
	if _, err := uuid.Parse(id); err != nil {
		return OneToOne{}, errMatchNotFound
	}
	where, args := matchScope(v)
	m, err := scanMatch(q.QueryRowContext(ctx, `SELECT `+matchCols+matchFrom+` WHERE m.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return OneToOne{}, errMatchNotFound
	}
	return m, errs.Wrap(err, "needs: one-to-one")
}

// OneToOne returns one match in v's view with its service log, newest
// first.
func (s *Store) OneToOne(ctx context.Context, v access.Viewer, id string) (OneToOne, error) {
	q := s.db.Reader()
	m, err := s.oneToOne(ctx, q, v, id)
	if err != nil {
		return OneToOne{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.served_on, l.what, l.minutes, COALESCE(u.name, '') FROM one_to_one_logs l
		LEFT JOIN users u ON u.id = l.recorded_by WHERE l.match_id = ? ORDER BY l.served_on DESC, l.id DESC`, m.ID)
	if err != nil {
		return OneToOne{}, errs.Wrap(err, "needs: one-to-one log")
	}
	defer rows.Close()
	m.Log = []LogEntry{}
	for rows.Next() {
		var e LogEntry
		var on time.Time
		if err := rows.Scan(&e.ID, storage.Date{T: &on}, &e.What, &e.Minutes, &e.RecorderName); err != nil {
			return OneToOne{}, errs.Wrap(err, "needs: one-to-one log")
		}
		e.ServedOn = dateText(on)
		m.Log = append(m.Log, e)
	}
	return m, errs.Wrap(rows.Err(), "needs: one-to-one log")
}

var errMatchWrite = errs.New(errs.Forbidden, "您无权建立或结束一对一帮扶")

// StartOneToOne makes a pairing of kind volunteer, current and of a child
// in v's view, a standing one-to-one match, and audits it. Region writers
// (officers) may. It refuses (errs.Invalid) a pairing of another kind or
// ended, a start date in the future or before the pairing's;
// (errs.Conflict) a pairing that already has a current match.
func (s *Store) StartOneToOne(ctx context.Context, v access.Viewer, in OneToOneInput) (OneToOne, error) {
	if !v.CanWriteRegion() || v.PairedWith != "" {
		return OneToOne{}, errMatchWrite
	}
	var id string
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		pid := strings.TrimSpace(in.PairingID)
		if _, err := uuid.Parse(pid); err != nil {
			return errs.New(errs.NotFound, "未找到该结对")
		}
		where, args := childScope(v)
		var childID, mentorID, kind string
		var from, to time.Time
		err := tx.QueryRowContext(ctx, `SELECT p.child_id, p.mentor_id, p.kind, p.from_on, p.to_on FROM pairings p JOIN children c ON c.id = p.child_id
			WHERE p.id = ? AND `+where, append([]any{pid}, args...)...).Scan(&childID, &mentorID, &kind, storage.Date{T: &from}, storage.Date{T: &to})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "未找到该结对")
		}
		if err != nil {
			return errs.Wrap(err, "needs: pairing")
		}
		fe := errs.FieldErrors{}
		switch {
		case kind != "volunteer":
			fe.Add("pairing_id", "只有志愿者结对才能建立一对一帮扶")
		case !to.IsZero():
			fe.Add("pairing_id", "该结对已结束，不能建立一对一帮扶")
		}
		today := person.Today(tx.Now)
		start := today
		if strings.TrimSpace(in.From) != "" {
			d, ok := person.ParseDate(in.From)
			switch {
			case !ok:
				fe.Addf("from", "开始日期“%s”不是有效的日期（应为 2006-01-02 格式）", in.From)
			case d.After(today):
				fe.Add("from", "开始日期不能晚于今天")
			case d.Before(from):
				fe.Addf("from", "开始日期不能早于结对开始日期 %s", dateText(from))
			default:
				start = d
			}
		}
		goal := person.CheckText(fe, "goal", "帮扶目标", in.Goal, 300)
		if err := fe.Err(); err != nil {
			return err
		}
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM one_to_one WHERE pairing_id = ? AND to_on IS NULL`, pid).Scan(&dup); err != nil {
			return errs.Wrap(err, "needs: one-to-one")
		}
		if dup > 0 {
			return errs.New(errs.Conflict, "该结对已有进行中的一对一帮扶")
		}
		id = newID()
		_, err = tx.ExecContext(ctx, `INSERT INTO one_to_one (id, pairing_id, child_id, mentor_id, goal, from_on, to_on, end_reason, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, NULL, '', 1, ?, ?)`, id, pid, childID, mentorID, goal, storage.DateArg(start), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if storage.IsUnique(err, "one_to_one_current") {
			return errs.New(errs.Conflict, "该结对已有进行中的一对一帮扶")
		}
		if err != nil {
			return errs.Wrap(err, "needs: one-to-one")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: "create", RecordType: RecordMatch, RecordID: id,
			Changes: audit.Diff([]string{"pairing_id", "child_id", "mentor_id", "goal", "from"}, nil,
				map[string]string{"pairing_id": pid, "child_id": childID, "mentor_id": mentorID, "goal": goal, "from": dateText(start)}, nil)})
	})
	if err != nil {
		return OneToOne{}, err
	}
	return s.OneToOne(ctx, v, id)
}

// EndOneToOne ends a current match with a reason and audits it.
func (s *Store) EndOneToOne(ctx context.Context, v access.Viewer, id string, version int, reason string) (OneToOne, error) {
	if !v.CanWriteRegion() || v.PairedWith != "" {
		return OneToOne{}, errMatchWrite
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		m, err := s.oneToOne(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if m.To != "" {
			return errs.New(errs.Conflict, "该一对一帮扶已结束")
		}
		if m.Version != version {
			return errs.New(errs.Conflict, menu.ErrStale)
		}
		fe := errs.FieldErrors{}
		reason = person.CheckText(fe, "reason", "结束原因", strings.TrimSpace(reason), 200)
		if reason == "" && fe["reason"] == "" {
			fe.Add("reason", "请填写结束原因")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		today := dateText(person.Today(tx.Now))
		if _, err := tx.ExecContext(ctx, `UPDATE one_to_one SET to_on = ?, end_reason = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			storage.DateArg(person.Today(tx.Now)), reason, storage.TimeArg(tx.Now), m.ID); err != nil {
			return errs.Wrap(err, "needs: one-to-one")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordMatch, RecordID: m.ID,
			Changes: []audit.Change{{Field: "to", New: today}, {Field: "end_reason", New: reason}}})
	})
	if err != nil {
		return OneToOne{}, err
	}
	return s.OneToOne(ctx, v, id)
}

var errLogWrite = errs.New(errs.Forbidden, "只有该一对一帮扶的志愿者本人或儿童主任可以登记服务记录")

// LogService adds a service to a current match's log and audits it: the
// match's volunteer themselves (a mentor) or a region writer in scope. It
// refuses (errs.Invalid) a day in the future or before the match, hours
// not above 0, or more than 24 hours in a day for the match, an empty
// description.
func (s *Store) LogService(ctx context.Context, v access.Viewer, id string, in LogInput) (OneToOne, error) {
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		m, err := s.oneToOne(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !(v.PairedWith != "" && v.PairedWith == m.MentorID) && !(v.CanWriteRegion() && v.PairedWith == "") {
			return errLogWrite
		}
		if m.To != "" {
			return errs.New(errs.Conflict, "该一对一帮扶已结束，不能再登记服务记录")
		}
		fe := errs.FieldErrors{}
		today := person.Today(tx.Now)
		on := today
		if strings.TrimSpace(in.ServedOn) != "" {
			d, ok := person.ParseDate(in.ServedOn)
			switch {
			case !ok:
				fe.Addf("served_on", "服务日期“%s”不是有效的日期（应为 2006-01-02 格式）", in.ServedOn)
			case d.After(today):
				fe.Add("served_on", "服务日期不能晚于今天")
			case dateText(d) < m.From:
				fe.Addf("served_on", "服务日期不能早于一对一帮扶开始日期 %s", m.From)
			default:
				on = d
			}
		}
		what := person.CheckText(fe, "what", "服务内容", strings.TrimSpace(in.What), 300)
		if what == "" && fe["what"] == "" {
			fe.Add("what", "请填写服务内容")
		}
		minutes := int(math.Round(in.Hours * 60))
		switch {
		case math.IsNaN(in.Hours) || in.Hours <= 0 || minutes <= 0:
			fe.Add("hours", "服务时长必须大于0小时")
		case in.Hours > 24:
			fe.Add("hours", "服务时长不能超过24小时")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		var day int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM one_to_one_logs WHERE match_id = ? AND served_on = ?`,
			m.ID, storage.DateArg(on)).Scan(&day); err != nil {
			return errs.Wrap(err, "needs: one-to-one log")
		}
		if day+minutes > 24*60 {
			return errs.FieldErrors{"hours": fmt.Sprintf("%s 已登记%s小时，再加%s小时将超过一天24小时", dateText(on), HoursText(day), HoursText(minutes))}.Err()
		}
		lid := newID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO one_to_one_logs (id, match_id, served_on, what, minutes, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			lid, m.ID, storage.DateArg(on), what, minutes, v.UserID, storage.TimeArg(tx.Now)); err != nil {
			return errs.Wrap(err, "needs: one-to-one log")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: "create", RecordType: RecordMatchLog, RecordID: lid,
			Changes: []audit.Change{{Field: "match_id", New: m.ID}, {Field: "served_on", New: dateText(on)}, {Field: "what", New: what}, {Field: "minutes", New: strconv.Itoa(minutes)}}})
	})
	if err != nil {
		return OneToOne{}, err
	}
	return s.OneToOne(ctx, v, id)
}
