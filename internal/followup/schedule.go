package followup

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/storage"
)

// Child categories a rule applies to.
const (
	CategoryLeftBehind = "left_behind" // 留守儿童
	CategoryDifficulty = "difficulty"  // 困境儿童
)

// Categories lists the categories in display order.
var Categories = []string{CategoryLeftBehind, CategoryDifficulty}

// CategoryLabel returns a category in Chinese.
func CategoryLabel(c string) string {
	switch c {
	case CategoryLeftBehind:
		return "留守儿童"
	case CategoryDifficulty:
		return "困境儿童"
	}
	return c
}

// Interval units.
const (
	UnitDay   = "day"
	UnitWeek  = "week"
	UnitMonth = "month"
)

// Units lists the units.
var Units = []string{UnitDay, UnitWeek, UnitMonth}

// UnitLabel returns a unit in Chinese.
func UnitLabel(u string) string {
	switch u {
	case UnitDay:
		return "天"
	case UnitWeek:
		return "周"
	case UnitMonth:
		return "个月"
	}
	return u
}

// RecordRule is how the audit log names schedule rules.
const RecordRule = "followup_rule"

// Rule says how often holders of a care role visit children of a
// category, and after how many days overdue an unmade visit escalates to
// the township, then the county.
type Rule struct {
	ID            string    `json:"id"`
	CareRole      string    `json:"care_role"`
	CareRoleLabel string    `json:"care_role_label"`
	Category      string    `json:"category"`
	CategoryLabel string    `json:"category_label"`
	Every         int       `json:"every"`
	Unit          string    `json:"unit"`
	UnitLabel     string    `json:"unit_label"`
	TownshipDays  int       `json:"township_days"`
	CountyDays    int       `json:"county_days"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// RuleInput is a rule as typed.
type RuleInput struct {
	CareRole     string `json:"care_role"`
	Category     string `json:"category"`
	Every        int    `json:"every"`
	Unit         string `json:"unit"`
	TownshipDays int    `json:"township_days"`
	CountyDays   int    `json:"county_days"`
}

// AddMonths returns d plus n calendar months, kept inside the target
// month: 31 January + 1 month is 28 February (29 in a leap year).
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(day, last)-1)
}

// Next returns the date the next visit is due after one on d.
func (r Rule) Next(d time.Time) time.Time {
	switch r.Unit {
	case UnitDay:
		return d.AddDate(0, 0, r.Every)
	case UnitWeek:
		return d.AddDate(0, 0, 7*r.Every)
	}
	return AddMonths(d, r.Every)
}

// LatestBase returns the latest date b whose next visit (r.Next(b)) falls
// on or before t: a child last visited on or before it is due by t.
// AddMonths is monotonic but not invertible (it clamps to the month's
// end), so the answer is found from an estimate by stepping.
func (r Rule) LatestBase(t time.Time) time.Time {
	var b time.Time
	switch r.Unit {
	case UnitDay:
		return t.AddDate(0, 0, -r.Every)
	case UnitWeek:
		return t.AddDate(0, 0, -7*r.Every)
	default:
		b = AddMonths(t, -r.Every)
	}
	for !r.Next(b).After(t) {
		b = b.AddDate(0, 0, 1)
	}
	for r.Next(b).After(t) {
		b = b.AddDate(0, 0, -1)
	}
	return b
}

func (r RuleInput) validate() error {
	fe := errs.FieldErrors{}
	if !slices.Contains(care.TeamRoles, r.CareRole) {
		fe.Addf("care_role", "关爱角色“%s”无效", r.CareRole)
	}
	if !slices.Contains(Categories, r.Category) {
		fe.Addf("category", "儿童类别“%s”无效（应为留守儿童或困境儿童）", r.Category)
	}
	if !slices.Contains(Units, r.Unit) {
		fe.Addf("unit", "周期单位“%s”无效（应为天、周或月）", r.Unit)
	}
	if r.Every < 1 || r.Every > 366 || (r.Unit == UnitMonth && r.Every > 12) || (r.Unit == UnitWeek && r.Every > 52) {
		fe.Add("every", "随访周期应为 1 天到 12 个月之间")
	}
	if r.TownshipDays < 1 || r.TownshipDays > 365 {
		fe.Add("township_days", "逾期上报乡镇的天数应在 1 到 365 之间")
	}
	if r.CountyDays < 1 || r.CountyDays > 365 {
		fe.Add("county_days", "逾期上报县级的天数应在 1 到 365 之间")
	} else if r.CountyDays < r.TownshipDays {
		fe.Add("county_days", "逾期上报县级的天数不能少于上报乡镇的天数")
	}
	return fe.Err()
}

// MayEditRules reports whether v may change the schedule rules: an officer
// whose scope is a whole region, or a system administrator.
func MayEditRules(v access.Viewer) bool {
	return slices.Contains(v.Roles, "sysadmin") || (slices.Contains(v.Roles, "officer") && v.CanWriteRegion())
}

var errRules = errs.New(errs.Forbidden, "只有儿童主任/督导员或系统管理员可以修改随访周期规则")

const ruleCols = `id, care_role, category, every, unit, township_days, county_days, updated_at`

func scanRule(sc interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	err := sc.Scan(&r.ID, &r.CareRole, &r.Category, &r.Every, &r.Unit, &r.TownshipDays, &r.CountyDays, storage.Time{T: &r.UpdatedAt})
	r.CareRoleLabel, r.CategoryLabel, r.UnitLabel = care.RoleLabel(r.CareRole), CategoryLabel(r.Category), UnitLabel(r.Unit)
	return r, err
}

func (s *Store) rules(ctx context.Context, q storage.Querier) ([]Rule, error) {
	return readRules(ctx, q)
}

// readRules returns the schedule rules through q, by care role.
func readRules(ctx context.Context, q storage.Querier) ([]Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleCols+` FROM followup_rules ORDER BY care_role, category`)
	if err != nil {
		return nil, errs.Wrap(err, "followup: rules")
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, errs.Wrap(err, "followup: rules")
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Rule) int {
		return slices.Index(care.TeamRoles, a.CareRole) - slices.Index(care.TeamRoles, b.CareRole)
	})
	return out, errs.Wrap(rows.Err(), "followup: rules")
}

// Rules returns the schedule rules, by care role. Every signed-in viewer
// may read them.
func (s *Store) Rules(ctx context.Context, v access.Viewer) ([]Rule, error) {
	return s.rules(ctx, s.db.Reader())
}

// SaveRule creates or replaces the rule of in's care role and category,
// audited. Every child's earliest due visit is recomputed in the same
// transaction (RebuildDue: a rule can move any child, and rules change
// rarely, by an administrator). errs.Forbidden unless MayEditRules(v), errs.Invalid with Fields
// for bad input.
func (s *Store) SaveRule(ctx context.Context, v access.Viewer, in RuleInput) (Rule, error) {
	if !MayEditRules(v) {
		return Rule{}, errRules
	}
	in.CareRole, in.Category, in.Unit = strings.TrimSpace(in.CareRole), strings.TrimSpace(in.Category), strings.TrimSpace(in.Unit)
	if err := in.validate(); err != nil {
		return Rule{}, err
	}
	var out Rule
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := scanRule(tx.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM followup_rules WHERE care_role = ? AND category = ?`, in.CareRole, in.Category))
		action := audit.ActionUpdate
		if err != nil {
			old, action = Rule{ID: uuid.Must(uuid.NewV7()).String()}, audit.ActionCreate
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO followup_rules (`+ruleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (care_role, category) DO UPDATE SET every = excluded.every, unit = excluded.unit,
			township_days = excluded.township_days, county_days = excluded.county_days, updated_at = excluded.updated_at`,
			old.ID, in.CareRole, in.Category, in.Every, in.Unit, in.TownshipDays, in.CountyDays, storage.TimeArg(tx.Now))
		if err != nil {
			return errs.Wrap(err, "followup: save rule")
		}
		out = Rule{ID: old.ID, CareRole: in.CareRole, CareRoleLabel: care.RoleLabel(in.CareRole), Category: in.Category, CategoryLabel: CategoryLabel(in.Category),
			Every: in.Every, Unit: in.Unit, UnitLabel: UnitLabel(in.Unit), TownshipDays: in.TownshipDays, CountyDays: in.CountyDays, UpdatedAt: tx.Now}
		ch := audit.Diff([]string{"care_role", "category", "every", "unit", "township_days", "county_days"}, old.fields(), out.fields(), nil)
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordRule, RecordID: out.ID, Changes: ch}); err != nil {
			return err
		}
		return RebuildDue(ctx, tx)
	})
	return out, err
}

// DeleteRule removes a rule, audited, and recomputes every child's
// earliest due visit in the same transaction (as SaveRule).
func (s *Store) DeleteRule(ctx context.Context, v access.Viewer, id string) error {
	if !MayEditRules(v) {
		return errRules
	}
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := scanRule(tx.QueryRowContext(ctx, `SELECT `+ruleCols+` FROM followup_rules WHERE id = ?`, id))
		if err != nil {
			return errs.New(errs.NotFound, "未找到该随访周期规则")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM followup_rules WHERE id = ?`, id); err != nil {
			return errs.Wrap(err, "followup: delete rule")
		}
		ch := audit.Diff([]string{"care_role", "category", "every", "unit", "township_days", "county_days"}, old.fields(), Rule{}.fields(), nil)
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionArchive, Note: "删除规则", RecordType: RecordRule, RecordID: id, Changes: ch}); err != nil {
			return err
		}
		return RebuildDue(ctx, tx)
	})
}

func (r Rule) fields() map[string]string {
	if r.CareRole == "" {
		return map[string]string{}
	}
	return map[string]string{"care_role": r.CareRole, "category": r.Category, "every": itoa(r.Every), "unit": r.Unit,
		"township_days": itoa(r.TownshipDays), "county_days": itoa(r.CountyDays)}
}

// applies says whether a rule's category holds for a child.
func (r Rule) applies(c child) bool {
	switch r.Category {
	case CategoryLeftBehind:
		return c.LeftBehind
	case CategoryDifficulty:
		return c.Difficulty != ""
	}
	return false
}

// strictest returns the rule for a care role that applies to a child and
// asks the most frequent visits.
func strictest(rules []Rule, role string, c child) (Rule, bool) {
	var best Rule
	found := false
	base := time.Date(2001, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, r := range rules {
		if r.CareRole != role || !r.applies(c) {
			continue
		}
		if !found || r.Next(base).Before(best.Next(base)) {
			best, found = r, true
		}
	}
	return best, found
}
