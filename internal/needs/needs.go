// Package needs is the needs list (清单式服务): a need raised for a child —
// from a follow-up visit or directly — is matched to a menu service or a
// volunteer, delivered, and closed with an outcome; every transition is
// kept as an event. Open needs are counted per region node and by age band
// (tally domain "needs"). The package also keeps one-to-one matches
// (一对一): a standing volunteer–child match built on a care pairing, with
// its own service log.
//
// Every read is filtered by the viewer's scope in SQL; every write is
// audited in its transaction.
package needs

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Need statuses. open → matched → delivered → closed; open or matched →
// cancelled; matched → open (unmatched).
const (
	StatusOpen      = "open"      // 待匹配
	StatusMatched   = "matched"   // 已匹配
	StatusDelivered = "delivered" // 已服务
	StatusClosed    = "closed"    // 已关闭
	StatusCancelled = "cancelled" // 已取消
)

// Statuses lists the statuses in lifecycle order.
var Statuses = []string{StatusOpen, StatusMatched, StatusDelivered, StatusClosed, StatusCancelled}

// StatusLabel returns a status in Chinese.
func StatusLabel(s string) string {
	switch s {
	case StatusOpen:
		return "待匹配"
	case StatusMatched:
		return "已匹配"
	case StatusDelivered:
		return "已服务"
	case StatusClosed:
		return "已关闭"
	case StatusCancelled:
		return "已取消"
	}
	return s
}

// IsOpen says whether a need in status s is still open (counted among the
// open needs): not closed and not cancelled.
func IsOpen(s string) bool { return s == StatusOpen || s == StatusMatched || s == StatusDelivered }

// Sources of a need.
const (
	SourceFollowup = "followup" // 随访发现
	SourceDirect   = "direct"   // 直接登记
)

// SourceLabel returns a source in Chinese.
func SourceLabel(s string) string {
	switch s {
	case SourceFollowup:
		return "随访发现"
	case SourceDirect:
		return "直接登记"
	}
	return s
}

// Age bands, by the child's age when the need was raised.
const (
	BandPreschool = "0-5"   // 学龄前
	BandPrimary   = "6-11"  // 小学学龄
	BandJunior    = "12-14" // 初中学龄
	BandSenior    = "15+"   // 高中学龄及以上
)

// AgeBands lists the age bands, youngest first.
var AgeBands = []string{BandPreschool, BandPrimary, BandJunior, BandSenior}

// BandLabel returns an age band in Chinese.
func BandLabel(b string) string {
	switch b {
	case BandPreschool:
		return "0–5岁"
	case BandPrimary:
		return "6–11岁"
	case BandJunior:
		return "12–14岁"
	case BandSenior:
		return "15岁及以上"
	}
	return b
}

// BandOf returns the age band of a child born on birth, at day at.
func BandOf(birth, at time.Time) string {
	switch a := person.Age(birth, at); {
	case a <= 5:
		return BandPreschool
	case a <= 11:
		return BandPrimary
	case a <= 14:
		return BandJunior
	}
	return BandSenior
}

// How the audit log names needs records.
const (
	RecordNeed     = "need"
	RecordService  = "service"
	RecordMatch    = "one_to_one"
	RecordMatchLog = "one_to_one_log"
)

// Tally domain and keys: the number of open needs per region node
// (KeyOpen), by age band (KeyOpen + "." + band) and by kind
// (KeyOpen + ".kind." + kind); the needs closed (KeyClosed); and the needs
// raised in each month (RaisedKey), all at the need's village.
const (
	Domain  = "needs"
	KeyOpen = Domain + ".open"
	// KeyClosed counts the needs closed (status closed; not cancelled).
	KeyClosed = Domain + ".closed"
	// RaisedPrefix + a month 'YYYY-MM' (RaisedKey).
	RaisedPrefix = Domain + ".raised."
)

// BandKey is the counter key of open needs in an age band.
func BandKey(band string) string { return KeyOpen + ".band." + band }

// KindKey is the counter key of open needs of a kind.
func KindKey(kind string) string { return KeyOpen + ".kind." + kind }

// RaisedKey is the counter key of the needs raised in month ('YYYY-MM',
// the month in China of the day the need was raised), whatever their
// status since. Month keys sort as their months do (tally.Sum).
func RaisedKey(month string) string { return RaisedPrefix + month }

func keysOf(band, kind string) []string { return []string{KeyOpen, BandKey(band), KindKey(kind)} }

// statusKeys returns the keys a need in status counts towards, besides
// the month it was raised in.
func statusKeys(status, band, kind string) []string {
	switch {
	case IsOpen(status):
		return keysOf(band, kind)
	case status == StatusClosed:
		return []string{KeyClosed}
	}
	return nil
}

// tallyVersion is the needs' counting version (see tally.Rebuilder): 2
// added KeyClosed and RaisedKey.
const tallyVersion = 2

// Rebuilder recounts the needs' counters.
func Rebuilder() tally.Rebuilder {
	return tally.Rebuilder{Domain: Domain, Version: tallyVersion, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
		rows, err := tx.QueryContext(ctx, `SELECT village_code, age_band, kind, COUNT(*) FROM needs
			WHERE status IN (?, ?, ?) GROUP BY village_code, age_band, kind`, StatusOpen, StatusMatched, StatusDelivered)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var village, band, kind string
			var n int
			if err := rows.Scan(&village, &band, &kind, &n); err != nil {
				return err
			}
			d.Add(village, n, keysOf(band, kind)...)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		month := tx.Dialect().ChinaMonth("created_at")
		rows, err = tx.QueryContext(ctx, `SELECT village_code, `+month+`, SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), COUNT(*)
			FROM needs GROUP BY village_code, `+month, StatusClosed)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var village, m string
			var closed, n int
			if err := rows.Scan(&village, &m, &closed, &n); err != nil {
				return err
			}
			d.Add(village, closed, KeyClosed)
			d.Add(village, n, RaisedKey(m))
		}
		return rows.Err()
	}}
}

// --- children as needs sees them

type child struct {
	ID, Name, VillageCode string
	BirthDate             time.Time
	Archived              bool
}

// childScope limits children (alias c) to v's view: their scope, or a
// mentor's current pairings.
func childScope(v access.Viewer) (string, []any) {
	if v.PairedWith != "" && !v.Nobody {
		return `EXISTS (SELECT 1 FROM pairings pw WHERE pw.child_id = c.id AND pw.mentor_id = ? AND pw.to_on IS NULL)`, []any{v.PairedWith}
	}
	return v.Where("c.village_code", "c.school_id", "c.class_id")
}

var errChildNotFound = errs.New(errs.NotFound, "未找到该儿童的记录")

func readChild(ctx context.Context, q storage.Querier, v access.Viewer, id string) (child, error) {
	if _, err := uuid.Parse(id); err != nil {
		return child{}, errChildNotFound
	}
	where, args := childScope(v)
	var c child
	var archived time.Time
	err := q.QueryRowContext(ctx, `SELECT c.id, c.name, c.village_code, c.birth_date, c.archived_at FROM children c WHERE c.id = ? AND `+where,
		append([]any{id}, args...)...).Scan(&c.ID, &c.Name, &c.VillageCode, storage.Date{T: &c.BirthDate}, storage.Time{T: &archived})
	if errors.Is(err, sql.ErrNoRows) {
		return child{}, errChildNotFound
	}
	c.Archived = !archived.IsZero()
	return c, errs.Wrap(err, "needs: child")
}

// Raise records a need for a child in v's view, inside tx, counts it among
// the open needs and audits it; it returns the need's id. source is
// SourceFollowup (followupID names the follow-up) or SourceDirect. It
// refuses (errs.Invalid) a kind not on the menu's list, a description
// longer than 500 characters, an unknown source, an archived child;
// (errs.NotFound) a child outside v's view.
func Raise(ctx context.Context, tx *storage.Tx, v access.Viewer, childID, kind, description, source, followupID string) (string, error) {
	c, err := readChild(ctx, tx, v, strings.TrimSpace(childID))
	if err != nil {
		return "", err
	}
	if c.Archived {
		return "", errs.New(errs.Invalid, "该儿童的记录已归档，不能再登记需求")
	}
	fe := errs.FieldErrors{}
	kind = strings.TrimSpace(kind)
	if !slices.Contains(menu.Kinds, kind) {
		fe.Addf("kind", "需求类型“%s”无效：应为%s之一", kind, menu.KindsText())
	}
	desc := person.CheckText(fe, "description", "需求说明", description, 500)
	followupID = strings.TrimSpace(followupID)
	switch source {
	case SourceFollowup:
		if followupID == "" {
			fe.Add("followup_id", "随访发现的需求须注明随访记录")
		}
	case SourceDirect:
		followupID = ""
	default:
		fe.Addf("source", "需求来源“%s”无效：应为随访发现或直接登记", source)
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	today := person.Today(tx.Now)
	band := BandOf(c.BirthDate, today)
	id := newID()
	_, err = tx.ExecContext(ctx, `INSERT INTO needs (id, child_id, village_code, age_band, kind, description, source, followup_id, status,
		service_id, volunteer_id, matched_name, delivered_on, outcome, raised_by, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '', NULL, '', ?, 1, ?, ?)`,
		id, c.ID, c.VillageCode, band, kind, desc, source, nullStr(followupID), StatusOpen, v.UserID, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
	if err != nil {
		return "", errs.Wrap(err, "needs: raise")
	}
	if err := addEvent(ctx, tx, v, id, "", StatusOpen, SourceLabel(source)); err != nil {
		return "", err
	}
	d := tally.NewDelta()
	d.Add(c.VillageCode, 1, append(statusKeys(StatusOpen, band, kind), RaisedKey(today.Format("2006-01")))...)
	if err := tally.Apply(ctx, tx, d); err != nil {
		return "", err
	}
	err = audit.Record(ctx, tx, v, audit.Entry{Action: "create", RecordType: RecordNeed, RecordID: id,
		Changes: audit.Diff(needNames, nil, map[string]string{"child_id": c.ID, "kind": kind, "description": desc, "source": source, "followup_id": followupID, "status": StatusOpen}, nil)})
	return id, errs.Wrap(err, "needs: audit")
}

var needNames = []string{"child_id", "kind", "description", "source", "followup_id", "status", "service_id", "volunteer_id", "matched_name", "delivered_on", "outcome"}

func addEvent(ctx context.Context, tx *storage.Tx, v access.Viewer, needID, from, to, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO need_events (id, need_id, at, from_status, to_status, user_id, user_name, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), needID, storage.TimeArg(tx.Now), from, to, v.UserID, v.Name, note)
	return errs.Wrap(err, "needs: event")
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}
