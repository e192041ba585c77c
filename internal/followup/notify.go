package followup

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// Notification kinds.
const (
	KindUrgent = "followup_urgent" // 随访发现紧急情况
)

// Notification is one in-app message to a user.
type Notification struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	ChildID    string    `json:"child_id"`
	FollowupID string    `json:"followup_id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	Read       bool      `json:"read"`
}

// NotificationPage is one page of a user's notifications.
type NotificationPage struct {
	Items  []Notification `json:"items"`
	Unread int            `json:"unread"`
	Total  int            `json:"total"`
}

// notifyUrgent tells every user in the child's chain but the recorder —
// the current team members who are users, the paired mentors, the proxy
// parents of the child's school, class and village, and the leaders of
// the five levels — that a follow-up rated a dimension urgent. The
// message names the dimensions, never the notes.
func notifyUrgent(ctx context.Context, tx *storage.Tx, f Followup) error {
	var school, class string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(school_id, ''), COALESCE(class_id, '') FROM children WHERE id = ?`, f.ChildID).Scan(&school, &class); err != nil {
		return errs.Wrap(err, "followup: notify")
	}
	path := []any{}
	for code := f.VillageCode; code != ""; code = regions.ParentOf(code) {
		path = append(path, code)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(path)), ", ")
	args := []any{f.ChildID, f.ChildID, care.PositionLeader}
	args = append(args, path...)
	args = append(args, care.PositionVillageProxy, f.VillageCode, care.PositionPrincipal, school, care.PositionHomeroom, class)
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM care_members WHERE child_id = ? AND to_on IS NULL AND user_id IS NOT NULL
		UNION SELECT mentor_id FROM pairings WHERE child_id = ? AND to_on IS NULL
		UNION SELECT user_id FROM care_positions WHERE to_on IS NULL AND user_id IS NOT NULL AND ((kind = ? AND subject IN (`+marks+`))
			OR (kind = ? AND subject = ?) OR (kind = ? AND subject = ?) OR (kind = ? AND subject = ?))`, args...)
	if err != nil {
		return errs.Wrap(err, "followup: chain users")
	}
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return errs.Wrap(err, "followup: chain users")
		}
		if u != f.UserID {
			users = append(users, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "followup: chain users")
	}
	var dims []string
	for _, d := range f.Dimensions {
		if d.Rating == RatingUrgent {
			dims = append(dims, d.Label)
		}
	}
	title := "紧急：" + f.ChildName + "的随访发现紧急情况"
	body := f.UserName + "于 " + f.VisitedOn + " " + f.MethodLabel + "，" + strings.Join(dims, "、") + "评为紧急。"
	for _, u := range users {
		_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, kind, child_id, followup_id, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			uuid.Must(uuid.NewV7()).String(), u, KindUrgent, f.ChildID, f.ID, title, body, storage.TimeArg(tx.Now))
		if err != nil {
			return errs.Wrap(err, "followup: notify")
		}
	}
	return nil
}

// Notifications returns v's own notifications, newest first (at most
// limit, default 50), with the unread count.
func (s *Store) Notifications(ctx context.Context, v access.Viewer, unreadOnly bool, limit int) (NotificationPage, error) {
	out := NotificationPage{Items: []Notification{}}
	if v.UserID == "" {
		return out, nil
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.db.Reader()
	cond := ""
	if unreadOnly {
		cond = " AND read_at IS NULL"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, kind, COALESCE(child_id, ''), COALESCE(followup_id, ''), title, body, created_at, read_at, COUNT(*) OVER ()
		FROM notifications WHERE user_id = ?`+cond+` ORDER BY created_at DESC, id DESC LIMIT ?`, v.UserID, limit)
	if err != nil {
		return out, errs.Wrap(err, "followup: notifications")
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var read time.Time
		if err := rows.Scan(&n.ID, &n.Kind, &n.ChildID, &n.FollowupID, &n.Title, &n.Body, storage.Time{T: &n.CreatedAt}, storage.Time{T: &read}, &out.Total); err != nil {
			return out, errs.Wrap(err, "followup: notifications")
		}
		n.Read = !read.IsZero()
		out.Items = append(out.Items, n)
	}
	if err := rows.Err(); err != nil {
		return out, errs.Wrap(err, "followup: notifications")
	}
	out.Unread, err = s.Unread(ctx, v)
	return out, err
}

// Unread returns how many of v's notifications are unread.
func (s *Store) Unread(ctx context.Context, v access.Viewer) (int, error) {
	if v.UserID == "" {
		return 0, nil
	}
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, v.UserID).Scan(&n)
	return n, errs.Wrap(err, "followup: unread")
}

// MarkRead marks one of v's notifications read (id "" marks them all);
// another user's notification gives errs.NotFound.
func (s *Store) MarkRead(ctx context.Context, v access.Viewer, id string) error {
	if v.UserID == "" {
		return errs.New(errs.NotFound, "未找到该通知")
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		if id == "" {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, storage.TimeArg(tx.Now), v.UserID)
			return errs.Wrap(err, "followup: mark read")
		}
		if _, err := uuid.Parse(id); err != nil {
			return errs.New(errs.NotFound, "未找到该通知")
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`, storage.TimeArg(tx.Now), id, v.UserID)
		if err != nil {
			return errs.Wrap(err, "followup: mark read")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "未找到该通知")
		}
		return nil
	})
}
