package care

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// ImportRow is one row of a care-team file (package census reads the
// file): a child named by the keyed hash of its ID number, a role, and the
// person — a user by username, or a person who is not a user.
type ImportRow struct {
	// Row is the row number in the file, for "same as row N" messages.
	Row       int
	IDHash    string
	ChildName string // when given, must match the registered name
	Role      string
	Username  string
	Name      string
	Phone     string
	Relation  string
	From      string
	Replace   bool

	// Errors are the row's problems by field: id_number, name, role,
	// username, member_name, member_phone, relation, from, replace.
	Errors errs.FieldErrors
	// Outcome is what the row does (or would do): assigned, reassigned or
	// unchanged.
	Outcome string

	child  child
	userID string
}

// ImportBatch checks and writes the rows of one care-team import for one
// viewer: Check every chunk (reads only), then Write each checked chunk
// inside the import's transaction.
type ImportBatch struct {
	s    *Store
	v    access.Viewer
	now  time.Time
	seen map[string]int // child id + role → first row
	done map[string]int // outcome → rows written
}

// NewImportBatch starts an import for v: errs.Forbidden unless v may keep
// care teams.
func (s *Store) NewImportBatch(v access.Viewer, now time.Time) (*ImportBatch, error) {
	if !mayWrite(v) {
		return nil, errs.New(errs.Forbidden, "您无权导入关爱队伍信息")
	}
	return &ImportBatch{s: s, v: v, now: now, seen: map[string]int{}, done: map[string]int{}}, nil
}

// importField maps the store's field names to the file's.
var importField = map[string]string{"user_id": "username", "name": "member_name", "phone": "member_phone"}

// Check resolves and checks rows through q, in order: the child in the
// viewer's scope by ID number, the user by username, every rule of Assign,
// and the same child and role twice in the file. It writes nothing; each
// row gets its Errors and Outcome.
func (b *ImportBatch) Check(ctx context.Context, q storage.Querier, rows []*ImportRow) error {
	today := person.Today(b.now)
	where, args := childScope(b.v)
	for _, r := range rows {
		if r.Errors == nil {
			r.Errors = errs.FieldErrors{}
		}
		if r.IDHash == "" {
			continue // the ID number itself is wrong: already reported
		}
		c, err := scanChild(q.QueryRowContext(ctx, `SELECT `+childCols+` FROM children c WHERE c.id_hash = ? AND `+where, append([]any{r.IDHash}, args...)...))
		if errors.Is(err, sql.ErrNoRows) {
			r.Errors.Add("id_number", "未找到该身份证号码的儿童，或不在您的管辖范围内")
			continue
		}
		if err != nil {
			return errs.Wrap(err, "care: import child")
		}
		r.child = c
		if r.ChildName != "" && r.ChildName != c.Name {
			r.Errors.Addf("name", "姓名与登记的“%s”不一致", c.Name)
		}
		in := AssignInput{Role: r.Role, Name: r.Name, Phone: r.Phone, Relation: r.Relation, From: r.From, Replace: r.Replace}
		if r.Username != "" {
			var id string
			err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(r.Username))).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				r.Errors.Addf("username", "账号“%s”不存在", r.Username)
				continue
			}
			if err != nil {
				return errs.Wrap(err, "care: import user")
			}
			in.UserID, r.userID = id, id
		}
		key := c.ID + ":" + r.Role
		if first, dup := b.seen[key]; dup {
			r.Errors.Addf("role", "与第%d行是同一儿童的同一角色", first)
			continue
		}
		b.seen[key] = r.Row
		h, err := b.s.checkAssignee(ctx, q, c, in, today)
		if err != nil {
			e := errs.As(err)
			if e.Code == errs.Internal {
				return err
			}
			for f, m := range e.Fields {
				if g, ok := importField[f]; ok {
					f = g
				}
				r.Errors.Add(f, m)
			}
			if len(e.Fields) == 0 {
				r.Errors.Add("id_number", e.Message)
			}
			continue
		}
		cur, held, err := b.s.currentMember(ctx, q, c.ID, r.Role)
		if err != nil {
			return err
		}
		switch {
		case !held:
			r.Outcome = OutcomeAssigned
		case sameHolder(cur, h):
			r.Outcome = OutcomeUnchanged
		case !r.Replace:
			r.Errors.Add("replace", errs.As(filled(c, cur)).Message)
		case dateText(h.from) < cur.From:
			r.Errors.Addf("from", "开始日期不能早于现任%s的开始日期%s", cur.Name, cur.From)
		default:
			r.Outcome = OutcomeReassigned
		}
	}
	return nil
}

// Write applies checked rows inside tx, each as Assign would (audited).
// A row refused now (the data changed since Check) fails the whole
// import.
func (b *ImportBatch) Write(ctx context.Context, tx *storage.Tx, rows []*ImportRow) error {
	for _, r := range rows {
		in := AssignInput{Role: r.Role, UserID: r.userID, Name: r.Name, Phone: r.Phone, Relation: r.Relation, From: r.From, Replace: r.Replace}
		c, err := b.s.child(ctx, tx, b.v, r.child.ID)
		if err != nil {
			return err
		}
		_, outcome, err := b.s.assign(ctx, tx, b.v, c, in)
		if err != nil {
			return fmt.Errorf("care: import row %d: %w", r.Row, err)
		}
		b.done[outcome]++
	}
	return nil
}

// Counts returns how many rows written assigned, reassigned or left
// unchanged a role.
func (b *ImportBatch) Counts() (assigned, reassigned, unchanged int) {
	return b.done[OutcomeAssigned], b.done[OutcomeReassigned], b.done[OutcomeUnchanged]
}
