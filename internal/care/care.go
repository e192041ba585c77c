// Package care is the care network around each left-behind child: the
// six-person care team (挂包队伍), the mentors paired with the child (结对),
// the proxy parents that follow from positions (a school's principal, a
// class's homeroom teacher, a village's out-of-school chief proxy parent),
// the accountable leader of each of the five levels, the responsibility
// chain that puts them together for one child, and the gaps by region:
// which children still lack any of them.
//
// Every read is filtered by the viewer's scope in SQL; every write is
// audited in its own transaction. A mentor (access.Viewer.PairedWith) reads
// only the children paired with them and only the fields DESIGN.md §4
// allows.
package care

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
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// The six roles of a care team, in display order; bit i of a child's
// care_gaps column stands for TeamRoles[i].
const (
	RoleCountyCadre   = "county_cadre"   // 县级干部
	RoleTownshipCadre = "township_cadre" // 乡镇干部
	RoleVillageCadre  = "village_cadre"  // 村干部
	RoleTeacher       = "teacher"        // 学校教师
	RoleGuardian      = "guardian"       // 受委托监护人
	RoleNeighbour     = "neighbour"      // 爱心邻居
)

// TeamRoles lists the team roles in display order.
var TeamRoles = []string{RoleCountyCadre, RoleTownshipCadre, RoleVillageCadre, RoleTeacher, RoleGuardian, RoleNeighbour}

// RoleLabel returns a team role in Chinese.
func RoleLabel(role string) string {
	switch role {
	case RoleCountyCadre:
		return "县级干部"
	case RoleTownshipCadre:
		return "乡镇干部"
	case RoleVillageCadre:
		return "村干部"
	case RoleTeacher:
		return "学校教师"
	case RoleGuardian:
		return "受委托监护人"
	case RoleNeighbour:
		return "爱心邻居"
	}
	return role
}

// Pairing kinds.
const (
	KindCadre        = "cadre"        // 干部
	KindEntrepreneur = "entrepreneur" // 青年企业家
	KindVolunteer    = "volunteer"    // 志愿者
)

// PairingKinds lists the pairing kinds in display order.
var PairingKinds = []string{KindCadre, KindEntrepreneur, KindVolunteer}

// KindLabel returns a pairing kind in Chinese.
func KindLabel(kind string) string {
	switch kind {
	case KindCadre:
		return "干部"
	case KindEntrepreneur:
		return "青年企业家"
	case KindVolunteer:
		return "志愿者"
	}
	return kind
}

// Position kinds. A position is held by one person at a time, of a
// subject: a school (its id), a class (its id), a village or any region
// node (its 12-digit code).
const (
	PositionPrincipal    = "principal"     // 校内总代理家长: a school's principal
	PositionHomeroom     = "homeroom"      // 校内代理家长: a class's homeroom teacher
	PositionVillageProxy = "village_proxy" // 校外总代理家长: a village's chief proxy parent
	PositionLeader       = "leader"        // 书记: the accountable leader of a region node
)

// PositionKinds lists the position kinds.
var PositionKinds = []string{PositionPrincipal, PositionHomeroom, PositionVillageProxy, PositionLeader}

// PositionLabel returns a position kind in Chinese.
func PositionLabel(kind string) string {
	switch kind {
	case PositionPrincipal:
		return "校内总代理家长"
	case PositionHomeroom:
		return "校内代理家长"
	case PositionVillageProxy:
		return "校外总代理家长"
	case PositionLeader:
		return "责任书记"
	}
	return kind
}

// How the audit log names care records.
const (
	RecordMember   = "care_member"
	RecordPairing  = "pairing"
	RecordPosition = "care_position"
)

// Person is who holds a place: a guanai user (UserID set; name and phone
// from the account) or a person who is not a user.
type Person struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	// Phone is "" when the viewer may not contact this person.
	Phone string `json:"phone"`
	// Relation is the person's relation to the child (guardians and
	// neighbours).
	Relation string `json:"relation"`
}

// Limits bounds the current pairings of one mentor: past Soft a pairing
// is made with a warning, at Hard it is refused.
type Limits struct {
	Soft int `json:"soft"`
	Hard int `json:"hard"`
}

// DefaultLimits are the pairing limits unless configured.
func DefaultLimits() Limits { return Limits{Soft: 5, Hard: 10} }

// Store reads and writes the care network.
type Store struct {
	db      *storage.DB
	regions *regions.Store
	limits  Limits
	// teamHook: see OnTeamChange.
	teamHook children.Hook
}

// OnTeamChange registers h, called in the transaction of every change to
// a child's care team (an assignment, a reassignment, a term ended) with
// the child's id, after the change's audit entries (see
// children.Store.OnScheduleChange): package followup's schedule reads the
// team. Call it before the store is used.
func (s *Store) OnTeamChange(h children.Hook) { s.teamHook = h }

// teamChanged refreshes a child's care gaps after its team changed and
// runs the registered hook, in tx.
func (s *Store) teamChanged(ctx context.Context, tx *storage.Tx, childID string) error {
	if err := s.refreshGaps(ctx, tx, childID); err != nil {
		return err
	}
	if s.teamHook == nil {
		return nil
	}
	return s.teamHook(ctx, tx, childID)
}

// NewStore returns a care store; zero limits take DefaultLimits, a hard
// limit below the soft one is raised to it.
func NewStore(db *storage.DB, r *regions.Store, lim Limits) *Store {
	d := DefaultLimits()
	if lim.Soft <= 0 {
		lim.Soft = d.Soft
	}
	if lim.Hard <= 0 {
		lim.Hard = max(d.Hard, lim.Soft)
	}
	if lim.Hard < lim.Soft {
		lim.Hard = lim.Soft
	}
	return &Store{db: db, regions: r, limits: lim}
}

// Limits returns the pairing limits in force.
func (s *Store) Limits() Limits { return s.limits }

// --- children as care sees them

// child is what care reads of a child.
type child struct {
	ID, Name, Sex, VillageCode string
	SchoolID, ClassID          string
	Grade                      int
	BirthDate                  time.Time
	GuardianName               string
	GuardianRelation           string
	GuardianPhone              string
	LeftBehind, Archived       bool
	Gaps                       int
}

const childCols = `c.id, c.name, c.sex, c.village_code, c.school_id, c.class_id, c.grade, c.birth_date,
	c.guardian_name, c.guardian_relation, c.guardian_phone, c.left_behind, c.archived_at, c.care_gaps`

func scanChild(sc interface{ Scan(...any) error }) (child, error) {
	var c child
	var school, class sql.NullString
	var grade sql.NullInt64
	var archived time.Time
	err := sc.Scan(&c.ID, &c.Name, &c.Sex, &c.VillageCode, &school, &class, &grade, storage.Date{T: &c.BirthDate},
		&c.GuardianName, &c.GuardianRelation, &c.GuardianPhone, &c.LeftBehind, storage.Time{T: &archived}, &c.Gaps)
	c.SchoolID, c.ClassID, c.Grade, c.Archived = school.String, class.String, int(grade.Int64), !archived.IsZero()
	return c, err
}

// childScope returns the condition limiting children (alias c) to v's
// view: their scope, or a mentor's current pairings.
func childScope(v access.Viewer) (string, []any) {
	if v.PairedWith != "" && !v.Nobody {
		return `EXISTS (SELECT 1 FROM pairings pw WHERE pw.child_id = c.id AND pw.mentor_id = ? AND pw.to_on IS NULL)`, []any{v.PairedWith}
	}
	return v.Where("c.village_code", "c.school_id", "c.class_id")
}

var errChildNotFound = errs.New(errs.NotFound, "未找到该儿童的记录")

// child reads one child in v's view; unknown and out-of-view ids both give
// errs.NotFound.
func (s *Store) child(ctx context.Context, q storage.Querier, v access.Viewer, id string) (child, error) {
	if _, err := uuid.Parse(id); err != nil {
		return child{}, errChildNotFound
	}
	where, args := childScope(v)
	c, err := scanChild(q.QueryRowContext(ctx, `SELECT `+childCols+` FROM children c WHERE c.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return child{}, errChildNotFound
	}
	return c, errs.Wrap(err, "care: child")
}

// --- users as care sees them

// user is what care reads of an account it assigns.
type user struct {
	ID, Name, Phone, RegionCode string
	SchoolID, ClassID           string
	Active                      bool
	Roles                       []string
}

func (s *Store) user(ctx context.Context, q storage.Querier, id string) (user, bool, error) {
	if _, err := uuid.Parse(id); err != nil {
		return user{}, false, nil
	}
	var u user
	var school, class sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, name, phone, region_code, school_id, class_id, active FROM users WHERE id = ?`, id).
		Scan(&u.ID, &u.Name, &u.Phone, &u.RegionCode, &school, &class, &u.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return user{}, false, nil
	}
	if err != nil {
		return user{}, false, errs.Wrap(err, "care: user")
	}
	u.SchoolID, u.ClassID = school.String, class.String
	rows, err := q.QueryContext(ctx, `SELECT role FROM user_roles WHERE user_id = ? ORDER BY role`, id)
	if err != nil {
		return user{}, false, errs.Wrap(err, "care: user roles")
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return user{}, false, errs.Wrap(err, "care: user roles")
		}
		u.Roles = append(u.Roles, r)
	}
	return u, true, errs.Wrap(rows.Err(), "care: user roles")
}

func (u user) has(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// covers reports whether the user's region subtree holds code.
func (u user) covers(code string) bool {
	lo, hi := regions.Range(u.RegionCode)
	return code >= lo && code < hi
}

// --- small helpers

// dateOf checks a calendar date typed by a user: "" gives def; a date
// after today is refused.
func dateOf(fe errs.FieldErrors, field, label, s string, def, today time.Time) time.Time {
	if strings.TrimSpace(s) == "" {
		return def
	}
	d, ok := person.ParseDate(s)
	if !ok {
		fe.Addf(field, "%s“%s”不是有效的日期（应为 2006-01-02 格式）", label, s)
		return def
	}
	if d.After(today) {
		fe.Addf(field, "%s不能晚于今天", label)
	}
	if d.Year() < 1950 {
		fe.Addf(field, "%s无效", label)
	}
	return d
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storage.DateLayout)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lockKey returns an advisory-lock key for a name (a mentor's pairings).
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

var errWrite = errs.New(errs.Forbidden, "您无权维护关爱队伍、结对和代理家长信息")

// mayWrite says whether v may write the care network of a region (teams,
// pairings, village proxies, leaders): region writers (officers).
func mayWrite(v access.Viewer) bool { return v.CanWriteRegion() && v.PairedWith == "" }

// contacts says which phone numbers v may see in a child's network.
type contacts struct {
	all     bool // officials of the region: everyone
	network bool // school staff, social workers, counsellors: team, proxies, mentors, village and township leaders
	mentor  bool // a mentor: the guardian, the village cadre, the proxies
}

func contactsOf(v access.Viewer) contacts {
	switch {
	case v.Nobody:
		return contacts{}
	case v.PairedWith != "":
		return contacts{mentor: true}
	case slices.Contains(v.Roles, "leader") || slices.Contains(v.Roles, "officer") || v.UserID == "":
		return contacts{all: true}
	}
	return contacts{network: true}
}

func (c contacts) member(role string) bool {
	return c.all || c.network || (c.mentor && (role == RoleGuardian || role == RoleVillageCadre))
}
func (c contacts) proxy() bool   { return c.all || c.network || c.mentor }
func (c contacts) mentors() bool { return c.all || c.network }
func (c contacts) leader(level regions.Level) bool {
	return c.all || (c.network && level >= regions.Township)
}
