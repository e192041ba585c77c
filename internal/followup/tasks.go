package followup

import (
	"context"
	"slices"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// DueSoonDays is how many days ahead a visit shows as due soon.
const DueSoonDays = 7

// MaxTasks bounds the items of a task list (the counts stay exact).
const MaxTasks = 500

// Task statuses and escalation levels.
const (
	StatusDueSoon = "due_soon" // 即将到期
	StatusOverdue = "overdue"  // 已逾期

	LevelOwn      = ""         // the holder's own visit
	LevelTownship = "township" // escalated to the township
	LevelCounty   = "county"   // escalated to the county
)

// Task is one visit a user should make or see made: a child, the care
// role whose holder owes the visit (by the schedule rules), when it was
// last made and when it is due. Level says whether it is the user's own
// visit or one escalated to them as the child's township or county
// leader.
type Task struct {
	ChildID       string `json:"child_id"`
	ChildName     string `json:"child_name"`
	VillageCode   string `json:"village_code"`
	CareRole      string `json:"care_role"`
	CareRoleLabel string `json:"care_role_label"`
	HolderID      string `json:"holder_id"`
	HolderName    string `json:"holder_name"`
	LastOn        string `json:"last_on"`
	DueOn         string `json:"due_on"`
	// DaysOverdue is today − DueOn in days; negative while not yet due.
	DaysOverdue int    `json:"days_overdue"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Level       string `json:"level"`
	LevelLabel  string `json:"level_label"`
	// RegionCode is the node a task is escalated to ("" for own tasks).
	RegionCode string `json:"region_code"`
}

// TaskList is a user's tasks, overdue first then by due date, with exact
// counts (Items holds at most MaxTasks).
type TaskList struct {
	Items     []Task `json:"items"`
	DueSoon   int    `json:"due_soon"`
	Overdue   int    `json:"overdue"`
	Escalated int    `json:"escalated"`
	Today     string `json:"today"`
}

// StatusLabel returns a status in Chinese.
func StatusLabel(s string) string {
	switch s {
	case StatusDueSoon:
		return "即将到期"
	case StatusOverdue:
		return "已逾期"
	}
	return s
}

// LevelLabel returns an escalation level in Chinese.
func LevelLabel(l string) string {
	switch l {
	case LevelTownship:
		return "逾期上报乡镇"
	case LevelCounty:
		return "逾期上报县级"
	}
	return "本人随访"
}

// obligation is one row read for a task: a child, a current holder of a
// care role, and the role's latest visit.
type obligation struct {
	c              child
	role, holderID string
	holderName     string
	from, last     time.Time
}

const obligationCols = `c.id, c.name, c.village_code, c.left_behind, c.difficulty, m.role, COALESCE(m.user_id, ''), m.name, m.from_on,
	(SELECT MAX(f.visited_on) FROM followups f WHERE f.child_id = c.id AND f.care_role = m.role)`

func scanObligation(sc interface{ Scan(...any) error }) (obligation, error) {
	var o obligation
	var last any
	err := sc.Scan(&o.c.ID, &o.c.Name, &o.c.VillageCode, &o.c.LeftBehind, &o.c.Difficulty, &o.role, &o.holderID, &o.holderName,
		storage.Date{T: &o.from}, &last)
	if err != nil {
		return o, err
	}
	// MAX over a DATE column comes back as a date on PostgreSQL, as text
	// on SQLite.
	return o, storage.Date{T: &o.last}.Scan(last)
}

// base is the date a visit is counted from: the role's latest visit, or
// the current holder's start when later (a new holder has one interval).
func (o obligation) base() time.Time {
	if o.last.After(o.from) {
		return o.last
	}
	return o.from
}

// due returns when the obligation's next visit is due: its role's
// strictest rule for the child (see strictest), counted from its base.
// ok is false when no rule applies — the obligation owes no visit. The
// task lists and the earliest-due counters (due.go) both answer by it.
func (o obligation) due(rules []Rule) (r Rule, on time.Time, ok bool) {
	if r, ok = strictest(rules, o.role, o.c); !ok {
		return r, time.Time{}, false
	}
	return r, r.Next(o.base()), true
}

// Tasks returns v's task list as of today: the visits v owes as a current
// holder of a care-team role with a schedule rule (due within DueSoonDays
// or overdue), and the visits overdue past a rule's escalation delay in
// every township or county v leads (v holds the node's leader position,
// or v is a leader or officer whose scope is that node).
func (s *Store) Tasks(ctx context.Context, v access.Viewer) (TaskList, error) {
	today := person.Today(s.db.Now())
	out := TaskList{Items: []Task{}, Today: today.Format(storage.DateLayout)}
	if v.UserID == "" || v.Nobody && v.PairedWith == "" {
		return out, nil
	}
	q := s.db.Reader()
	rules, err := s.rules(ctx, q)
	if err != nil {
		return out, err
	}
	if len(rules) == 0 {
		return out, nil
	}
	roles := []string{}
	for _, r := range rules {
		if !slices.Contains(roles, r.CareRole) {
			roles = append(roles, r.CareRole)
		}
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(roles)), ", ")
	args := []any{v.UserID}
	for _, r := range roles {
		args = append(args, r)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+obligationCols+` FROM care_members m JOIN children c ON c.id = m.child_id
		WHERE m.user_id = ? AND m.to_on IS NULL AND c.archived_at IS NULL AND m.role IN (`+marks+`)`, args...)
	if err != nil {
		return out, errs.Wrap(err, "followup: tasks")
	}
	for rows.Next() {
		o, err := scanObligation(rows)
		if err != nil {
			rows.Close()
			return out, errs.Wrap(err, "followup: tasks")
		}
		_, due, ok := o.due(rules)
		if !ok {
			continue
		}
		days := int(today.Sub(due).Hours() / 24)
		if days < -DueSoonDays {
			continue
		}
		t := o.task(due, days, LevelOwn, "")
		if t.Status == StatusOverdue {
			out.Overdue++
		} else {
			out.DueSoon++
		}
		out.Items = append(out.Items, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, errs.Wrap(err, "followup: tasks")
	}
	nodes, err := s.ledNodes(ctx, q, v)
	if err != nil {
		return out, err
	}
	for _, n := range nodes {
		items, err := s.escalated(ctx, q, rules, n, today)
		if err != nil {
			return out, err
		}
		out.Escalated += len(items)
		out.Items = append(out.Items, items...)
	}
	slices.SortStableFunc(out.Items, func(a, b Task) int {
		if a.DueOn != b.DueOn {
			return strings.Compare(a.DueOn, b.DueOn)
		}
		return strings.Compare(a.ChildName, b.ChildName)
	})
	if len(out.Items) > MaxTasks {
		out.Items = out.Items[:MaxTasks]
	}
	return out, nil
}

func (o obligation) task(due time.Time, days int, level, node string) Task {
	t := Task{ChildID: o.c.ID, ChildName: o.c.Name, VillageCode: o.c.VillageCode, CareRole: o.role, CareRoleLabel: care.RoleLabel(o.role),
		HolderID: o.holderID, HolderName: o.holderName, LastOn: dateText(o.last), DueOn: due.Format(storage.DateLayout), DaysOverdue: days,
		Status: StatusDueSoon, Level: level, LevelLabel: LevelLabel(level), RegionCode: node}
	if days > 0 {
		t.Status = StatusOverdue
	}
	t.StatusLabel = StatusLabel(t.Status)
	return t
}

// ledNodes returns the townships and counties whose escalated visits v
// sees.
func (s *Store) ledNodes(ctx context.Context, q storage.Querier, v access.Viewer) ([]string, error) {
	var nodes []string
	add := func(code string) {
		l := regions.LevelOf(code)
		if (l == regions.Township || l == regions.County) && !slices.Contains(nodes, code) {
			nodes = append(nodes, code)
		}
	}
	if v.PairedWith == "" && !v.Nobody && v.SchoolID == "" && (slices.Contains(v.Roles, "leader") || slices.Contains(v.Roles, "officer")) {
		add(v.Region)
	}
	rows, err := q.QueryContext(ctx, `SELECT subject FROM care_positions WHERE user_id = ? AND kind = ? AND to_on IS NULL`, v.UserID, care.PositionLeader)
	if err != nil {
		return nil, errs.Wrap(err, "followup: led nodes")
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, errs.Wrap(err, "followup: led nodes")
		}
		add(code)
	}
	return nodes, errs.Wrap(rows.Err(), "followup: led nodes")
}

// escalated returns the visits under a township or county node overdue by
// at least the delay of the node's level. For each rule the cut-off is a
// date: a holder who started on or before it and whose role has made no
// visit after it is overdue past the delay. The query reads the node's
// children by the village index, their team members of the rules' roles
// and, for each, one probe of followups_child for a visit after the
// latest cut-off.
func (s *Store) escalated(ctx context.Context, q storage.Querier, rules []Rule, node string, today time.Time) ([]Task, error) {
	level := LevelCounty
	if regions.LevelOf(node) == regions.Township {
		level = LevelTownship
	}
	delay := func(r Rule) int {
		if level == LevelTownship {
			return r.TownshipDays
		}
		return r.CountyDays
	}
	// One cut-off for all the rules, the latest of theirs: a superset
	// that costs one probe of followups_child per team member; the exact
	// rule of each child (its strictest) is applied below.
	var cut time.Time
	roles := []any{}
	for _, r := range rules {
		if c := r.LatestBase(today.AddDate(0, 0, -delay(r))); c.After(cut) {
			cut = c
		}
		if !slices.Contains(roles, any(r.CareRole)) {
			roles = append(roles, r.CareRole)
		}
	}
	lo, hi := regions.Range(node)
	cutText := cut.Format(storage.DateLayout)
	args := append([]any{lo, hi}, roles...)
	args = append(args, cutText, cutText)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(roles)), ", ")
	rows, err := q.QueryContext(ctx, `SELECT `+obligationCols+` FROM children c JOIN care_members m ON m.child_id = c.id AND m.to_on IS NULL
		WHERE c.village_code >= ? AND c.village_code < ? AND c.archived_at IS NULL AND m.role IN (`+marks+`) AND m.from_on <= ?
		AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.child_id = c.id AND f.care_role = m.role AND f.visited_on > ?)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "followup: escalated")
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		o, err := scanObligation(rows)
		if err != nil {
			return nil, errs.Wrap(err, "followup: escalated")
		}
		r, due, ok := o.due(rules)
		if !ok {
			continue
		}
		days := int(today.Sub(due).Hours() / 24)
		if days < delay(r) {
			continue
		}
		out = append(out, o.task(due, days, level, node))
	}
	return out, errs.Wrap(rows.Err(), "followup: escalated")
}
