// Package audit keeps guanai's append-only, hash-chained audit log: every
// change to a record, every login, logout, lockout and export, and every
// view of a sensitive field, written in the same transaction as what it
// records. Any edit or deletion of an entry breaks the chain and is found
// by Verify.
package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/storage"
)

// Actions recorded in the log.
const (
	ActionCreate        = "create"
	ActionUpdate        = "update"
	ActionArchive       = "archive"
	ActionRestore       = "restore"
	ActionViewSensitive = "view_sensitive"
	ActionExport        = "export"
	ActionLogin         = "login"
	ActionLoginFailed   = "login_failed"
	ActionLogout        = "logout"
	ActionLockout       = "lockout"
	ActionUnlock        = "unlock"
	ActionPassword      = "password_change"
	ActionTOTP          = "totp_change"
	ActionTokenCreate   = "token_create"
	ActionTokenRevoke   = "token_revoke"
	// ActionPurge is written by Purge, by the system, with the note
	// "purged:FROM-THROUGH" naming the range of seqs it deleted.
	ActionPurge = "purge"
)

// Actions lists every action, for validating searches.
var Actions = []string{ActionCreate, ActionUpdate, ActionArchive, ActionRestore, ActionViewSensitive, ActionExport, ActionLogin,
	ActionLoginFailed, ActionLogout, ActionLockout, ActionUnlock, ActionPassword, ActionTOTP, ActionTokenCreate, ActionTokenRevoke, ActionPurge}

// Retention is how long entries are kept before they may be purged.
const Retention = 184 * 24 * time.Hour

// lockKey serialises writers of the chain on PostgreSQL.
const lockKey = 7243002

// genesis is the prev_hash of the first entry.
var genesis = strings.Repeat("0", 64)

// Change is one field's old and new value (sensitive values masked by the
// caller).
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Entry is one audit record.
type Entry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	UserID     string    `json:"user_id"`
	Username   string    `json:"username"`
	IP         string    `json:"ip"`
	Action     string    `json:"action"`
	RecordType string    `json:"record_type"`
	RecordID   string    `json:"record_id"`
	// Changes lists changed fields, old → new.
	Changes []Change `json:"changes"`
	// Note is free text (e.g. why a login failed, which fields were viewed).
	Note     string `json:"note"`
	PrevHash string `json:"-"`
	Hash     string `json:"-"`
}

type detail struct {
	Changes []Change `json:"c,omitempty"`
	Note    string   `json:"n,omitempty"`
}

// Record appends an entry for what v did, inside tx — so the entry exists
// if and only if the change it records is committed.
func Record(ctx context.Context, tx *storage.Tx, v access.Viewer, e Entry) error {
	if err := tx.Serialize(ctx, lockKey); err != nil {
		return err
	}
	var prevSeq int64
	prev := genesis
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: last entry: %w", err)
	}
	e.Seq, e.At, e.PrevHash = prevSeq+1, tx.Now.Truncate(time.Microsecond), prev
	// The entry's own user, when given, wins over the viewer's: a failed
	// login names the username tried, with no user id.
	if e.UserID == "" && e.Username == "" {
		e.UserID, e.Username = v.UserID, v.Username
	}
	if e.IP == "" {
		e.IP = v.IP
	}
	d, err := encodeDetail(e)
	if err != nil {
		return err
	}
	e.Hash = hashOf(e, d)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, user_id, username, ip, action, record_type, record_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, storage.TimeArg(e.At), e.UserID, e.Username, e.IP, e.Action, e.RecordType, e.RecordID, d, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// Log appends an entry in a transaction of its own (for events with no
// other write, such as a failed login).
func Log(ctx context.Context, db *storage.DB, v access.Viewer, e Entry) error {
	return db.Write(ctx, func(tx *storage.Tx) error { return Record(ctx, tx, v, e) })
}

func encodeDetail(e Entry) (string, error) {
	if len(e.Changes) == 0 && e.Note == "" {
		return "", nil
	}
	b, err := json.Marshal(detail{Changes: e.Changes, Note: e.Note})
	return string(b), err
}

// hashOf chains an entry to its predecessor: SHA-256 over the previous
// hash and every stored field.
func hashOf(e Entry, d string) string {
	h := sha256.New()
	for _, s := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(storage.TimeLayout), e.UserID, e.Username, e.IP,
		e.Action, e.RecordType, e.RecordID, d} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is a break in the chain found by Verify.
type Problem struct {
	Seq    int64
	Reason string
}

// Verify walks the whole log in order and reports every entry whose hash
// does not match its content or whose link to its predecessor is broken
// (an entry edited, inserted or deleted). The oldest remaining entry is the
// anchor when Purge has recorded deleting every entry before it; entries
// missing before the anchor without such a record are reported as deleted.
// Removing the newest entries cannot be seen from the log alone: compare
// the count and last hash with a copy kept elsewhere for that.
func Verify(ctx context.Context, db *storage.DB) (checked int, problems []Problem, err error) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT seq, at, user_id, username, ip, action, record_type, record_id, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var prevSeq, firstSeq, purgedThrough int64
	var prevHash string
	for rows.Next() {
		var e Entry
		var d string
		if err := rows.Scan(&e.Seq, storage.Time{T: &e.At}, &e.UserID, &e.Username, &e.IP, &e.Action, &e.RecordType, &e.RecordID, &d, &e.PrevHash, &e.Hash); err != nil {
			return checked, problems, err
		}
		if checked == 0 {
			firstSeq = e.Seq
		}
		if e.Action == ActionPurge {
			if _, through, ok := purgedRange(d); ok {
				purgedThrough = max(purgedThrough, through)
			}
		}
		if checked > 0 {
			if e.Seq != prevSeq+1 {
				problems = append(problems, Problem{e.Seq, fmt.Sprintf("第%d条之前缺少%d条记录（被删除）", e.Seq, e.Seq-prevSeq-1)})
			}
			if e.PrevHash != prevHash {
				problems = append(problems, Problem{e.Seq, fmt.Sprintf("第%d条与前一条的链接不符", e.Seq)})
			}
		} else if e.Seq == 1 && e.PrevHash != genesis {
			problems = append(problems, Problem{e.Seq, "第1条的起始哈希不符"})
		}
		if got := hashOf(e, d); got != e.Hash {
			problems = append(problems, Problem{e.Seq, fmt.Sprintf("第%d条的内容与哈希不符（被修改）", e.Seq)})
		}
		prevSeq, prevHash = e.Seq, e.Hash
		checked++
	}
	if err := rows.Err(); err != nil {
		return checked, problems, err
	}
	if firstSeq > 1 && purgedThrough < firstSeq-1 {
		problems = append(problems, Problem{firstSeq, fmt.Sprintf("第%d条之前缺少%d条记录（被删除，且没有清理记录）", firstSeq, firstSeq-1-purgedThrough)})
		slices.SortStableFunc(problems, func(a, b Problem) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	return checked, problems, nil
}

// purgeNote is the note of a purge entry.
func purgeNote(from, through int64) string { return fmt.Sprintf("purged:%d-%d", from, through) }

// purgedRange reads the range of seqs a purge entry's detail names.
func purgedRange(d string) (from, through int64, ok bool) {
	var dd detail
	if json.Unmarshal([]byte(d), &dd) != nil {
		return 0, 0, false
	}
	a, b, found := strings.Cut(strings.TrimPrefix(dd.Note, "purged:"), "-")
	if !found || !strings.HasPrefix(dd.Note, "purged:") {
		return 0, 0, false
	}
	from, err1 := strconv.ParseInt(a, 10, 64)
	through, err2 := strconv.ParseInt(b, 10, 64)
	return from, through, err1 == nil && err2 == nil
}

// Filter selects entries for the auditor.
type Filter struct {
	UserID     string
	Username   string
	Action     string
	RecordType string
	RecordID   string
	From, To   time.Time // half-open [From, To)
	Limit      int
	Offset     int
}

// Page is one page of entries, newest first.
type Page struct {
	Entries []Entry `json:"items"`
	Total   int     `json:"total"`
	Limit   int     `json:"limit"`
	Offset  int     `json:"offset"`
}

// MayRead reports whether v may read the audit log: auditors only.
func MayRead(v access.Viewer) bool {
	for _, r := range v.Roles {
		if r == "auditor" {
			return true
		}
	}
	return false
}

// Search returns entries matching f, newest first. Only auditors may
// search; others get errs.Forbidden.
func Search(ctx context.Context, db *storage.DB, v access.Viewer, f Filter) (Page, error) {
	if !MayRead(v) {
		return Page{}, errs.New(errs.Forbidden, "只有审计员可以查看审计日志")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit, f.Offset = min(f.Limit, 500), max(f.Offset, 0)
	conds, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { conds, args = append(conds, cond), append(args, arg) }
	if f.UserID != "" {
		add("user_id = ?", f.UserID)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.Action != "" {
		if !slices.Contains(Actions, f.Action) {
			return Page{}, errs.FieldErrors{"action": "操作类型“" + f.Action + "”无效"}.Err()
		}
		add("action = ?", f.Action)
	}
	if f.RecordType != "" {
		add("record_type = ?", f.RecordType)
	}
	if f.RecordID != "" {
		add("record_id = ?", f.RecordID)
	}
	if !f.From.IsZero() {
		add("at >= ?", storage.TimeArg(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", storage.TimeArg(f.To))
	}
	where := strings.Join(conds, " AND ")
	p := Page{Entries: []Entry{}, Limit: f.Limit, Offset: f.Offset}
	q := db.Reader()
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+where, args...).Scan(&p.Total); err != nil {
		return Page{}, errs.Wrap(err, "audit search")
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, at, user_id, username, ip, action, record_type, record_id, detail FROM audit_log WHERE `+where+
		` ORDER BY seq DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrap(err, "audit search")
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		var d string
		if err := rows.Scan(&e.Seq, storage.Time{T: &e.At}, &e.UserID, &e.Username, &e.IP, &e.Action, &e.RecordType, &e.RecordID, &d); err != nil {
			return Page{}, errs.Wrap(err, "audit search")
		}
		e.Changes = []Change{}
		if d != "" {
			var dd detail
			if err := json.Unmarshal([]byte(d), &dd); err == nil {
				if dd.Changes != nil {
					e.Changes = dd.Changes
				}
				e.Note = dd.Note
			}
		}
		p.Entries = append(p.Entries, e)
	}
	return p, errs.Wrap(rows.Err(), "audit search")
}

// Purge deletes the entries older than the retention period and returns
// how many went. It deletes only the oldest run of the log — every entry
// before the first one still within the retention period — so what is
// left stays one unbroken chain, and it records what it deleted as an
// entry of its own (action purge, note "purged:FROM-THROUGH"), which is
// what lets Verify tell a purge from a deletion. The database refuses to
// delete younger entries.
func Purge(ctx context.Context, db *storage.DB) (int64, error) {
	var n int64
	err := db.Write(ctx, func(tx *storage.Tx) error {
		if err := tx.Serialize(ctx, lockKey); err != nil {
			return err
		}
		cutoff := storage.TimeArg(tx.Now.Add(-Retention - time.Hour))
		var first, last, keep sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM audit_log`).Scan(&first, &last); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_log WHERE at >= ?`, cutoff).Scan(&keep); err != nil {
			return err
		}
		through := last.Int64
		if keep.Valid {
			through = keep.Int64 - 1
		}
		if !first.Valid || through < first.Int64 {
			return nil
		}
		// The purge's own entry goes first, while the chain it links to
		// is still there.
		if err := Record(ctx, tx, access.System(), Entry{Action: ActionPurge, Note: purgeNote(first.Int64, through)}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq <= ?`, through)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Diff lists the fields whose values differ between old and new, in the
// order of names; values of fields in masked are replaced by "***".
func Diff(names []string, old, new map[string]string, masked map[string]bool) []Change {
	var out []Change
	for _, n := range names {
		o, w := old[n], new[n]
		if o == w {
			continue
		}
		if masked[n] {
			o, w = maskValue(o), maskValue(w)
		}
		out = append(out, Change{Field: n, Old: o, New: w})
	}
	return out
}

func maskValue(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}
