package needs

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/menu"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// Need is one need on the list, with its history when read alone.
type Need struct {
	ID           string  `json:"id"`
	ChildID      string  `json:"child_id"`
	ChildName    string  `json:"child_name"`
	VillageCode  string  `json:"village_code"`
	AgeBand      string  `json:"age_band"`
	AgeBandLabel string  `json:"age_band_label"`
	Kind         string  `json:"kind"`
	KindLabel    string  `json:"kind_label"`
	Description  string  `json:"description"`
	Source       string  `json:"source"`
	SourceLabel  string  `json:"source_label"`
	FollowupID   string  `json:"followup_id"`
	Status       string  `json:"status"`
	StatusLabel  string  `json:"status_label"`
	ServiceID    string  `json:"service_id"`
	VolunteerID  string  `json:"volunteer_id"`
	MatchedName  string  `json:"matched_name"`
	DeliveredOn  string  `json:"delivered_on"`
	Outcome      string  `json:"outcome"`
	RaisedAt     string  `json:"raised_at"`
	Version      int     `json:"version"`
	Events       []Event `json:"events,omitempty"`
}

// Event is one transition of a need.
type Event struct {
	At        string `json:"at"`
	From      string `json:"from"`
	To        string `json:"to"`
	ToLabel   string `json:"to_label"`
	UserName  string `json:"user_name"`
	Note      string `json:"note"`
	FromLabel string `json:"from_label"`
}

// Filter selects needs: in a region's subtree, of a status (or Open: every
// open status), age band, kind, child. Limit 0 means 200.
type Filter struct {
	Region  string
	Status  string
	Open    bool
	AgeBand string
	Kind    string
	ChildID string
	Limit   int
	Offset  int
}

// Store reads the needs list and moves needs through their lifecycle.
type Store struct {
	db      *storage.DB
	regions *regions.Store
	menu    *menu.Store
}

// NewStore returns a needs store.
func NewStore(db *storage.DB, r *regions.Store, m *menu.Store) *Store {
	return &Store{db: db, regions: r, menu: m}
}

const needCols = `n.id, n.child_id, c.name, n.village_code, n.age_band, n.kind, n.description, n.source, n.followup_id, n.status,
	n.service_id, n.volunteer_id, n.matched_name, n.delivered_on, n.outcome, n.created_at, n.version`

func scanNeed(sc interface{ Scan(...any) error }) (Need, error) {
	var n Need
	var fid, sid, vid sql.NullString
	var delivered, at time.Time
	err := sc.Scan(&n.ID, &n.ChildID, &n.ChildName, &n.VillageCode, &n.AgeBand, &n.Kind, &n.Description, &n.Source, &fid, &n.Status,
		&sid, &vid, &n.MatchedName, storage.Date{T: &delivered}, &n.Outcome, storage.Time{T: &at}, &n.Version)
	n.FollowupID, n.ServiceID, n.VolunteerID = fid.String, sid.String, vid.String
	n.DeliveredOn = dateText(delivered)
	if !at.IsZero() {
		n.RaisedAt = at.In(person.China).Format("2006-01-02 15:04")
	}
	n.AgeBandLabel, n.KindLabel, n.SourceLabel, n.StatusLabel = BandLabel(n.AgeBand), menu.KindLabel(n.Kind), SourceLabel(n.Source), StatusLabel(n.Status)
	return n, err
}

func (f Filter) where(v access.Viewer) (string, []any, error) {
	where, args := childScope(v)
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			return "", nil, err
		}
		lo, hi := regions.Range(code)
		where += " AND n.village_code >= ? AND n.village_code < ?"
		args = append(args, lo, hi)
	}
	switch {
	case f.Status != "":
		if !slices.Contains(Statuses, f.Status) {
			return "", nil, errs.Newf(errs.Invalid, "需求状态“%s”无效", f.Status)
		}
		where += " AND n.status = ?"
		args = append(args, f.Status)
	case f.Open:
		where += " AND n.status IN (?, ?, ?)"
		args = append(args, StatusOpen, StatusMatched, StatusDelivered)
	}
	if f.AgeBand != "" {
		if !slices.Contains(AgeBands, f.AgeBand) {
			return "", nil, errs.Newf(errs.Invalid, "年龄段“%s”无效", f.AgeBand)
		}
		where += " AND n.age_band = ?"
		args = append(args, f.AgeBand)
	}
	if f.Kind != "" {
		if !slices.Contains(menu.Kinds, f.Kind) {
			return "", nil, errs.Newf(errs.Invalid, "需求类型“%s”无效", f.Kind)
		}
		where += " AND n.kind = ?"
		args = append(args, f.Kind)
	}
	if f.ChildID != "" {
		where += " AND n.child_id = ?"
		args = append(args, f.ChildID)
	}
	return where, args, nil
}

// List returns the needs in v's view matching f, newest first, and how
// many match in all.
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) ([]Need, int, error) {
	where, args, err := f.where(v)
	if err != nil {
		return nil, 0, err
	}
	q := s.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM needs n JOIN children c ON c.id = n.child_id WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, errs.Wrap(err, "needs: count")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := q.QueryContext(ctx, `SELECT `+needCols+` FROM needs n JOIN children c ON c.id = n.child_id WHERE `+where+
		` ORDER BY n.created_at DESC, n.id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "needs: list")
	}
	defer rows.Close()
	out := []Need{}
	for rows.Next() {
		n, err := scanNeed(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "needs: list")
		}
		out = append(out, n)
	}
	return out, total, errs.Wrap(rows.Err(), "needs: list")
}

var errNotFound = errs.New(errs.NotFound, "未找到该需求")

func (s *Store) get(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Need, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Need{}, errNotFound
	}
	where, args := childScope(v)
	n, err := scanNeed(q.QueryRowContext(ctx, `SELECT `+needCols+` FROM needs n JOIN children c ON c.id = n.child_id WHERE n.id = ? AND `+where,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Need{}, errNotFound
	}
	return n, errs.Wrap(err, "needs: get")
}

// Get returns one need in v's view with its history.
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (Need, error) {
	q := s.db.Reader()
	n, err := s.get(ctx, q, v, id)
	if err != nil {
		return Need{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT at, from_status, to_status, user_name, note FROM need_events WHERE need_id = ? ORDER BY at, id`, n.ID)
	if err != nil {
		return Need{}, errs.Wrap(err, "needs: events")
	}
	defer rows.Close()
	n.Events = []Event{}
	for rows.Next() {
		var e Event
		var at time.Time
		if err := rows.Scan(storage.Time{T: &at}, &e.From, &e.To, &e.UserName, &e.Note); err != nil {
			return Need{}, errs.Wrap(err, "needs: events")
		}
		e.At = at.In(person.China).Format("2006-01-02 15:04")
		e.FromLabel, e.ToLabel = StatusLabel(e.From), StatusLabel(e.To)
		n.Events = append(n.Events, e)
	}
	return n, errs.Wrap(rows.Err(), "needs: events")
}

// Input is a need raised directly.
type Input struct {
	ChildID     string `json:"child_id"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

// Create raises a need directly (source "direct") for a child in v's view.
func (s *Store) Create(ctx context.Context, v access.Viewer, in Input) (Need, error) {
	var id string
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		var err error
		id, err = Raise(ctx, tx, v, in.ChildID, in.Kind, in.Description, SourceDirect, "")
		return err
	})
	if err != nil {
		return Need{}, err
	}
	return s.Get(ctx, v, id)
}

// Actions on a need.
const (
	ActMatch   = "match"   // open → matched: to a service (ServiceID) or a volunteer (VolunteerID)
	ActUnmatch = "unmatch" // matched → open, with a reason (Note)
	ActDeliver = "deliver" // matched → delivered, on a day (On, default today)
	ActClose   = "close"   // delivered → closed, with an outcome (Note)
	ActCancel  = "cancel"  // open or matched → cancelled, with a reason (Note)
)

// Actions lists the actions, the ones that move a need forward first.
var Actions = []string{ActMatch, ActDeliver, ActClose, ActUnmatch, ActCancel}

// ActionLabel returns an action in Chinese.
func ActionLabel(a string) string {
	switch a {
	case ActMatch:
		return "匹配服务"
	case ActUnmatch:
		return "取消匹配"
	case ActDeliver:
		return "登记已服务"
	case ActClose:
		return "关闭"
	case ActCancel:
		return "撤销需求"
	}
	return a
}

// transitions: for each action, the statuses it may start from and the
// status it leads to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	ActMatch:   {[]string{StatusOpen}, StatusMatched},
	ActUnmatch: {[]string{StatusMatched}, StatusOpen},
	ActDeliver: {[]string{StatusMatched}, StatusDelivered},
	ActClose:   {[]string{StatusDelivered}, StatusClosed},
	ActCancel:  {[]string{StatusOpen, StatusMatched}, StatusCancelled},
}

// Allowed returns the actions open to a need in status s.
func Allowed(status string) []string {
	var out []string
	for _, a := range Actions {
		if slices.Contains(transitions[a].from, status) {
			out = append(out, a)
		}
	}
	return out
}

// Action moves a need. Version is the version the user read.
type Action struct {
	Action      string `json:"action"`
	ServiceID   string `json:"service_id"`
	VolunteerID string `json:"volunteer_id"`
	On          string `json:"on"`
	Note        string `json:"note"`
	Version     int    `json:"version"`
}

// MayManage says whether v may move needs through their lifecycle (match,
// deliver, close, cancel): census writers (officers, principals,
// teachers) and social workers, for needs of children in their view.
func MayManage(v access.Viewer) bool {
	return !v.Nobody && v.PairedWith == "" && (v.CanWrite || slices.Contains(v.Roles, "social_worker"))
}

var errManage = errs.New(errs.Forbidden, "您无权处理需求清单")

// Act applies an action to a need in v's view and audits it. It refuses
// (errs.Conflict) an action the need's status does not allow, naming both,
// and a stale version; (errs.Invalid) a match to a service not offered in
// the child's region, not running today, or a volunteer outside it, a
// close without an outcome, a cancel or unmatch without a reason, a
// delivery date in the future; (errs.Conflict) a match to a service at
// its capacity.
func (s *Store) Act(ctx context.Context, v access.Viewer, id string, a Action) (Need, error) {
	if !MayManage(v) {
		return Need{}, errManage
	}
	t, ok := transitions[a.Action]
	if !ok {
		return Need{}, errs.Newf(errs.Invalid, "操作“%s”无效", a.Action)
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !slices.Contains(t.from, cur.Status) {
			return errs.Newf(errs.Conflict, "需求当前为“%s”，不能%s", cur.Status2(), ActionLabel(a.Action))
		}
		if cur.Version != a.Version {
			return errs.New(errs.Conflict, menu.ErrStale)
		}
		today := person.Today(tx.Now)
		fe := errs.FieldErrors{}
		next := cur
		next.Status = t.to
		note := person.CheckText(fe, "note", "说明", a.Note, 500)
		switch a.Action {
		case ActMatch:
			if err := s.match(ctx, tx, v, cur, a, today, fe, &next); err != nil {
				return err
			}
		case ActUnmatch, ActCancel:
			if strings.TrimSpace(note) == "" {
				fe.Add("note", "请填写原因")
			}
			if a.Action == ActUnmatch {
				next.ServiceID, next.VolunteerID, next.MatchedName = "", "", ""
			}
		case ActDeliver:
			on := today
			if strings.TrimSpace(a.On) != "" {
				d, ok := person.ParseDate(a.On)
				switch {
				case !ok:
					fe.Addf("on", "服务日期“%s”不是有效的日期（应为 2006-01-02 格式）", a.On)
				case d.After(today):
					fe.Add("on", "服务日期不能晚于今天")
				default:
					on = d
				}
			}
			next.DeliveredOn = dateText(on)
		case ActClose:
			if strings.TrimSpace(note) == "" {
				fe.Add("note", "请填写服务结果")
			}
			next.Outcome = note
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if a.Action == ActCancel {
			next.Outcome = note
		}
		var delivered any
		if next.DeliveredOn != "" {
			d, _ := person.ParseDate(next.DeliveredOn)
			delivered = storage.DateArg(d)
		}
		res, err := tx.ExecContext(ctx, `UPDATE needs SET status = ?, service_id = ?, volunteer_id = ?, matched_name = ?, delivered_on = ?, outcome = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			next.Status, nullStr(next.ServiceID), nullStr(next.VolunteerID), next.MatchedName, delivered, next.Outcome,
			storage.TimeArg(tx.Now), cur.ID, cur.Version)
		if err != nil {
			return errs.Wrap(err, "needs: act")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, menu.ErrStale)
		}
		evNote := note
		if a.Action == ActMatch {
			evNote = strings.TrimSpace(next.MatchedName + " " + note)
		}
		if err := addEvent(ctx, tx, v, cur.ID, cur.Status, next.Status, evNote); err != nil {
			return err
		}
		d := tally.NewDelta()
		d.Move(cur.VillageCode, statusKeys(cur.Status, cur.AgeBand, cur.Kind), cur.VillageCode, statusKeys(next.Status, cur.AgeBand, cur.Kind))
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordNeed, RecordID: cur.ID,
			Changes: audit.Diff(needNames, cur.values(), next.values(), nil), Note: a.Action + ": " + note})
	})
	if err != nil {
		return Need{}, err
	}
	return s.Get(ctx, v, id)
}

// Status2 returns the need's status in Chinese.
func (n Need) Status2() string { return StatusLabel(n.Status) }

func (n Need) values() map[string]string {
	return map[string]string{"child_id": n.ChildID, "kind": n.Kind, "description": n.Description, "source": n.Source, "followup_id": n.FollowupID,
		"status": n.Status, "service_id": n.ServiceID, "volunteer_id": n.VolunteerID, "matched_name": n.MatchedName, "delivered_on": n.DeliveredOn, "outcome": n.Outcome}
}

// match checks a match to a service or a volunteer and fills next.
func (s *Store) match(ctx context.Context, tx *storage.Tx, v access.Viewer, cur Need, a Action, today time.Time, fe errs.FieldErrors, next *Need) error {
	sid, vid := strings.TrimSpace(a.ServiceID), strings.TrimSpace(a.VolunteerID)
	switch {
	case sid == "" && vid == "":
		fe.Add("service_id", "请选择服务菜单中的服务或志愿者")
		return nil
	case sid != "" && vid != "":
		fe.Add("service_id", "服务和志愿者只能选择一项")
		return nil
	case vid != "":
		name, region, ok, err := volunteer(ctx, tx, vid)
		if err != nil {
			return err
		}
		lo, hi := regions.Range(region)
		switch {
		case !ok:
			fe.Add("volunteer_id", "未找到该志愿者")
		case !(cur.VillageCode >= lo && cur.VillageCode < hi):
			fe.Addf("volunteer_id", "志愿者“%s”不在该儿童所在地区服务", name)
		default:
			next.VolunteerID, next.MatchedName = vid, "志愿者 "+name
		}
		return nil
	}
	// One service's matches are counted and made one at a time.
	if err := tx.Serialize(ctx, lockKey("service:"+sid)); err != nil {
		return errs.Wrap(err, "needs: match")
	}
	svc, err := s.menu.ForUpdate(ctx, tx, v, sid)
	if errs.Is(err, errs.NotFound) {
		fe.Add("service_id", "未找到该服务")
		return nil
	}
	if err != nil {
		return err
	}
	day := dateText(today)
	switch {
	case !svc.Covers(cur.VillageCode):
		fe.Addf("service_id", "服务“%s”不在该儿童所在地区提供", svc.Name)
	case !svc.Current(day):
		fe.Addf("service_id", "服务“%s”已下架或不在服务期内", svc.Name)
	case svc.InUse >= svc.Capacity:
		return errs.Newf(errs.Conflict, "服务“%s”已满额（容量%d，正在服务%d），不能再匹配", svc.Name, svc.Capacity, svc.InUse)
	}
	next.ServiceID, next.MatchedName = svc.ID, svc.Name
	return nil
}

// volunteer reads a volunteer of the registry (package volunteer's table):
// name and region, when they exist and are not archived.
func volunteer(ctx context.Context, q storage.Querier, id string) (name, region string, ok bool, err error) {
	if _, err := uuid.Parse(id); err != nil {
		return "", "", false, nil
	}
	err = q.QueryRowContext(ctx, `SELECT name, region_code FROM volunteers WHERE id = ? AND archived_at IS NULL`, id).Scan(&name, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, errs.Wrap(err, "needs: volunteer")
	}
	return name, region, true, nil
}

// lockKey returns an advisory-lock key for a name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storage.DateLayout)
}
