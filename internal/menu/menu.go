// Package menu is the service menu (菜单式服务): a catalogue of care
// services — tutoring, companionship, counselling, health checks, safety
// education, legal aid… — each offered by a provider (a social
// organisation, a school or a volunteer) in given regions, with a capacity
// and a schedule. Needs (package needs) are matched to its services.
package menu

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// Provider kinds.
const (
	ProviderOrg       = "org"       // 社会组织 (volunteer.Store's social_orgs)
	ProviderSchool    = "school"    // 学校
	ProviderVolunteer = "volunteer" // 志愿者 (volunteer.Store's volunteers)
)

// ProviderKinds lists the provider kinds.
var ProviderKinds = []string{ProviderOrg, ProviderSchool, ProviderVolunteer}

// ProviderLabel returns a provider kind in Chinese.
func ProviderLabel(k string) string {
	switch k {
	case ProviderOrg:
		return "社会组织"
	case ProviderSchool:
		return "学校"
	case ProviderVolunteer:
		return "志愿者"
	}
	return k
}

// RecordService is how the audit log names a menu service.
const RecordService = "service"

// ErrStale is the message of a stale-version conflict.
const ErrStale = "该记录已被他人修改，请查看最新内容后重新提交"

// Service is one service on the menu.
type Service struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	KindLabel     string   `json:"kind_label"`
	Description   string   `json:"description"`
	ProviderKind  string   `json:"provider_kind"`
	ProviderLabel string   `json:"provider_label"`
	ProviderID    string   `json:"provider_id"`
	ProviderName  string   `json:"provider_name"`
	Region        string   `json:"region"`
	Regions       []string `json:"regions"`
	RegionNames   []string `json:"region_names"`
	Capacity      int      `json:"capacity"`
	// InUse is how many needs the service serves now (matched, not yet
	// delivered).
	InUse    int    `json:"in_use"`
	Schedule string `json:"schedule"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Archived bool   `json:"archived"`
	Version  int    `json:"version"`
}

// Input is a service as a user enters it. Regions are region codes (any
// level: the service is offered in their whole subtrees); ProviderID is
// the school's, organisation's or volunteer's id when known ("" keeps the
// name only). Start defaults to today; End "" is open-ended.
type Input struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Description  string   `json:"description"`
	ProviderKind string   `json:"provider_kind"`
	ProviderID   string   `json:"provider_id"`
	ProviderName string   `json:"provider_name"`
	Regions      []string `json:"regions"`
	Capacity     int      `json:"capacity"`
	Schedule     string   `json:"schedule"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
}

// Filter selects services: offered in a region (its subtree, its
// ancestors), of a kind, with archived ones when Archived.
type Filter struct {
	Region   string
	Kind     string
	Archived bool
}

// Store reads and writes the service menu.
type Store struct {
	db      *storage.DB
	regions *regions.Store
}

// NewStore returns a menu store.
func NewStore(db *storage.DB, r *regions.Store) *Store { return &Store{db: db, regions: r} }

// lineage returns a 12-digit code and its ancestors.
func lineage(code string) []string {
	var out []string
	for c := code; c != ""; c = regions.ParentOf(c) {
		out = append(out, c)
	}
	return out
}

// coverCond is the condition that a service (alias s) is offered in a
// region node: some service region lies in its subtree or is the node or
// one of its ancestors.
func coverCond(code string) (string, []any) {
	if code == "" {
		return "1 = 1", nil
	}
	lo, hi := regions.Range(code)
	anc := lineage(code)
	cond := `EXISTS (SELECT 1 FROM service_regions sr WHERE sr.service_id = s.id AND ((sr.region_code >= ? AND sr.region_code < ?) OR sr.region_code IN (?` + strings.Repeat(", ?", len(anc)-1) + `)))`
	args := []any{lo, hi}
	for _, a := range anc {
		args = append(args, a)
	}
	return cond, args
}

// scope is the condition limiting services to v's view: those offered in
// v's region (every viewer with children to serve; a mentor their own
// region).
func scope(v access.Viewer) (string, []any) {
	if v.Nobody {
		return "1 = 0", nil
	}
	return coverCond(v.Region)
}

// mayWrite says whether v may keep the menu: region writers (officers).
func mayWrite(v access.Viewer) bool { return v.CanWriteRegion() && v.PairedWith == "" }

var errWrite = errs.New(errs.Forbidden, "您无权维护服务菜单")

const cols = `s.id, s.name, s.kind, s.description, s.provider_kind, s.provider_id, s.provider_name, s.region_code, s.capacity, s.schedule,
	s.start_on, s.end_on, s.archived_at, s.version,
	(SELECT COUNT(*) FROM needs n WHERE n.service_id = s.id AND n.status = 'matched')`

func scan(sc interface{ Scan(...any) error }) (Service, error) {
	var s Service
	var start, end, archived time.Time
	err := sc.Scan(&s.ID, &s.Name, &s.Kind, &s.Description, &s.ProviderKind, &s.ProviderID, &s.ProviderName, &s.Region, &s.Capacity, &s.Schedule,
		storage.Date{T: &start}, storage.Date{T: &end}, storage.Time{T: &archived}, &s.Version, &s.InUse)
	s.Start, s.End, s.Archived = dateText(start), dateText(end), !archived.IsZero()
	s.KindLabel, s.ProviderLabel = KindLabel(s.Kind), ProviderLabel(s.ProviderKind)
	return s, err
}

// List returns the services in v's view matching f, by name.
func (st *Store) List(ctx context.Context, v access.Viewer, f Filter) ([]Service, error) {
	where, args := scope(v)
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			return nil, err
		}
		c, a := coverCond(code)
		where += " AND " + c
		args = append(args, a...)
	}
	if f.Kind != "" {
		where += " AND s.kind = ?"
		args = append(args, f.Kind)
	}
	if !f.Archived {
		where += " AND s.archived_at IS NULL"
	}
	rows, err := st.db.Reader().QueryContext(ctx, `SELECT `+cols+` FROM services s WHERE `+where+` ORDER BY s.name, s.id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "menu: list")
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return nil, errs.Wrap(err, "menu: list")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "menu: list")
	}
	for i := range out {
		if err := st.fill(ctx, st.db.Reader(), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (st *Store) fill(ctx context.Context, q storage.Querier, s *Service) error {
	rows, err := q.QueryContext(ctx, `SELECT region_code FROM service_regions WHERE service_id = ? ORDER BY region_code`, s.ID)
	if err != nil {
		return errs.Wrap(err, "menu: regions")
	}
	defer rows.Close()
	s.Regions = nil
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return errs.Wrap(err, "menu: regions")
		}
		s.Regions = append(s.Regions, c)
	}
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "menu: regions")
	}
	s.RegionNames = make([]string, len(s.Regions))
	for i, c := range s.Regions {
		s.RegionNames[i] = c
		if p, err := st.regions.PathString(ctx, c); err == nil {
			s.RegionNames[i] = p
		}
	}
	return nil
}

var errNotFound = errs.New(errs.NotFound, "未找到该服务")

// Get returns one service in v's view.
func (st *Store) Get(ctx context.Context, v access.Viewer, id string) (Service, error) {
	return st.get(ctx, st.db.Reader(), v, id)
}

func (st *Store) get(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Service, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Service{}, errNotFound
	}
	where, args := scope(v)
	s, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM services s WHERE s.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, errNotFound
	}
	if err != nil {
		return Service{}, errs.Wrap(err, "menu: get")
	}
	return s, st.fill(ctx, q, &s)
}

// ForUpdate reads a service in v's view inside tx, for a need being
// matched to it.
func (st *Store) ForUpdate(ctx context.Context, tx *storage.Tx, v access.Viewer, id string) (Service, error) {
	return st.get(ctx, tx, v, id)
}

// Covers reports whether the service is offered where code (a village)
// lies.
func (s Service) Covers(code string) bool {
	for _, r := range s.Regions {
		lo, hi := regions.Range(r)
		if code >= lo && code < hi {
			return true
		}
	}
	return false
}

// Current reports whether the service runs on day (not archived, within
// its dates).
func (s Service) Current(day string) bool {
	return !s.Archived && s.Start <= day && (s.End == "" || s.End >= day)
}

type valid struct {
	name, kind, desc, pkind, pid, pname, schedule string
	regions                                       []string
	capacity                                      int
	start, end                                    time.Time
}

func (st *Store) validate(ctx context.Context, q storage.Querier, v access.Viewer, in Input, today time.Time) (valid, error) {
	fe := errs.FieldErrors{}
	var out valid
	out.name = strings.TrimSpace(in.Name)
	if out.name == "" {
		fe.Add("name", "请填写服务名称")
	}
	out.name = person.CheckText(fe, "name", "服务名称", out.name, 60)
	out.kind = strings.TrimSpace(in.Kind)
	if !slices.Contains(Kinds, out.kind) {
		fe.Addf("kind", "服务类型“%s”无效：应为%s之一", in.Kind, KindsText())
	}
	out.desc = person.CheckText(fe, "description", "服务说明", in.Description, 500)
	out.pkind = strings.TrimSpace(in.ProviderKind)
	if !slices.Contains(ProviderKinds, out.pkind) {
		fe.Addf("provider_kind", "提供方类型“%s”无效：应为社会组织、学校或志愿者", in.ProviderKind)
	}
	out.pid = strings.TrimSpace(in.ProviderID)
	out.pname = person.CheckText(fe, "provider_name", "提供方名称", strings.TrimSpace(in.ProviderName), 80)
	if out.pid != "" {
		if _, err := uuid.Parse(out.pid); err != nil {
			fe.Add("provider_id", "提供方编号无效")
		} else if table, what := providerTable(out.pkind); table != "" {
			// The provider's registry: schools, or package volunteer's
			// social organisations and volunteers.
			var name string
			err := q.QueryRowContext(ctx, `SELECT name FROM `+table+` WHERE id = ?`, out.pid).Scan(&name)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				fe.Addf("provider_id", "未找到该%s", what)
			case err != nil:
				return out, errs.Wrap(err, "menu: provider")
			default:
				out.pname = name
			}
		}
	}
	if out.pname == "" && fe["provider_name"] == "" {
		fe.Add("provider_name", "请填写提供方名称")
	}
	seen := map[string]bool{}
	for _, r := range in.Regions {
		if strings.TrimSpace(r) == "" {
			continue
		}
		code, err := regions.Normalize(r)
		if err != nil {
			fe.Add("regions", errs.As(err).Message)
			continue
		}
		if _, err := st.regions.Get(ctx, code); err != nil {
			fe.Addf("regions", "未找到行政区划“%s”", r)
			continue
		}
		if !v.InRegion(code) {
			fe.Addf("regions", "服务地区“%s”不在您的管辖范围内", r)
			continue
		}
		if !seen[code] {
			seen[code] = true
			out.regions = append(out.regions, code)
		}
	}
	if len(in.Regions) > 0 && len(out.regions) == 0 && fe["regions"] == "" {
		fe.Add("regions", "请至少选择一个服务地区")
	}
	if len(in.Regions) == 0 {
		fe.Add("regions", "请至少选择一个服务地区")
	}
	slices.Sort(out.regions)
	out.capacity = in.Capacity
	if in.Capacity < 1 || in.Capacity > 10000 {
		fe.Addf("capacity", "服务容量应为1到10000之间的整数，不能为%s", strconv.Itoa(in.Capacity))
	}
	out.schedule = person.CheckText(fe, "schedule", "服务时间安排", in.Schedule, 200)
	out.start = today
	if s := strings.TrimSpace(in.Start); s != "" {
		d, ok := person.ParseDate(s)
		if !ok {
			fe.Addf("start", "开始日期“%s”不是有效的日期（应为 2006-01-02 格式）", s)
		} else {
			out.start = d
		}
	}
	if s := strings.TrimSpace(in.End); s != "" {
		d, ok := person.ParseDate(s)
		switch {
		case !ok:
			fe.Addf("end", "结束日期“%s”不是有效的日期（应为 2006-01-02 格式）", s)
		case d.Before(out.start):
			fe.Add("end", "结束日期不能早于开始日期")
		default:
			out.end = d
		}
	}
	return out, fe.Err()
}

func (val valid) values() map[string]string {
	return map[string]string{"name": val.name, "kind": val.kind, "description": val.desc, "provider_kind": val.pkind, "provider_id": val.pid,
		"provider_name": val.pname, "regions": strings.Join(val.regions, ","), "capacity": strconv.Itoa(val.capacity), "schedule": val.schedule,
		"start": dateText(val.start), "end": dateText(val.end)}
}

func (s Service) values() map[string]string {
	return map[string]string{"name": s.Name, "kind": s.Kind, "description": s.Description, "provider_kind": s.ProviderKind, "provider_id": s.ProviderID,
		"provider_name": s.ProviderName, "regions": strings.Join(s.Regions, ","), "capacity": strconv.Itoa(s.Capacity), "schedule": s.Schedule,
		"start": s.Start, "end": s.End}
}

var names = []string{"name", "kind", "description", "provider_kind", "provider_id", "provider_name", "regions", "capacity", "schedule", "start", "end"}

func (st *Store) setRegions(ctx context.Context, tx *storage.Tx, id string, codes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM service_regions WHERE service_id = ?`, id); err != nil {
		return errs.Wrap(err, "menu: regions")
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_regions (service_id, region_code) VALUES (?, ?)`, id, c); err != nil {
			return errs.Wrap(err, "menu: regions")
		}
	}
	return nil
}

// Create adds a service to the menu and audits it. Only region writers
// (officers) may, for regions in their subtree; the record belongs to the
// lowest region holding all of them.
func (st *Store) Create(ctx context.Context, v access.Viewer, in Input) (Service, error) {
	if !mayWrite(v) {
		return Service{}, errWrite
	}
	var out Service
	err := st.db.Write(ctx, func(tx *storage.Tx) error {
		val, err := st.validate(ctx, tx, v, in, person.Today(tx.Now))
		if err != nil {
			return err
		}
		id := uuid.Must(uuid.NewV7()).String()
		_, err = tx.ExecContext(ctx, `INSERT INTO services (id, name, kind, description, provider_kind, provider_id, provider_name, region_code,
			capacity, schedule, start_on, end_on, archived_at, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)`,
			id, val.name, val.kind, val.desc, val.pkind, val.pid, val.pname, common(val.regions), val.capacity, val.schedule,
			storage.DateArg(val.start), dateArg(val.end), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if err != nil {
			return errs.Wrap(err, "menu: create")
		}
		if err := st.setRegions(ctx, tx, id, val.regions); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: "create", RecordType: RecordService, RecordID: id,
			Changes: audit.Diff(names, nil, val.values(), nil)}); err != nil {
			return err
		}
		out, err = st.get(ctx, tx, v, id)
		return err
	})
	return out, err
}

// Update replaces a service's facts; version must be the one the user
// read (a stale one is refused with errs.Conflict).
func (st *Store) Update(ctx context.Context, v access.Viewer, id string, version int, in Input) (Service, error) {
	if !mayWrite(v) {
		return Service{}, errWrite
	}
	var out Service
	err := st.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := st.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !owns(v, cur.Region) {
			return errWrite
		}
		if cur.Version != version {
			return errs.New(errs.Conflict, ErrStale)
		}
		val, err := st.validate(ctx, tx, v, in, person.Today(tx.Now))
		if err != nil {
			return err
		}
		if in.Start == "" {
			val.start, _ = person.ParseDate(cur.Start)
		}
		res, err := tx.ExecContext(ctx, `UPDATE services SET name = ?, kind = ?, description = ?, provider_kind = ?, provider_id = ?, provider_name = ?,
			region_code = ?, capacity = ?, schedule = ?, start_on = ?, end_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			val.name, val.kind, val.desc, val.pkind, val.pid, val.pname, common(val.regions), val.capacity, val.schedule,
			storage.DateArg(val.start), dateArg(val.end), storage.TimeArg(tx.Now), id, version)
		if err != nil {
			return errs.Wrap(err, "menu: update")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, ErrStale)
		}
		if err := st.setRegions(ctx, tx, id, val.regions); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: "update", RecordType: RecordService, RecordID: id,
			Changes: audit.Diff(names, cur.values(), val.values(), nil)}); err != nil {
			return err
		}
		out, err = st.get(ctx, tx, v, id)
		return err
	})
	return out, err
}

// Archive takes a service off the menu (archived) or puts it back; needs
// already matched to it keep it.
func (st *Store) Archive(ctx context.Context, v access.Viewer, id string, version int, archived bool) (Service, error) {
	if !mayWrite(v) {
		return Service{}, errWrite
	}
	var out Service
	err := st.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := st.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !owns(v, cur.Region) {
			return errWrite
		}
		if cur.Version != version {
			return errs.New(errs.Conflict, ErrStale)
		}
		var at any
		action := "restore"
		if archived {
			at, action = storage.TimeArg(tx.Now), "archive"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE services SET archived_at = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			at, storage.TimeArg(tx.Now), id); err != nil {
			return errs.Wrap(err, "menu: archive")
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordService, RecordID: id}); err != nil {
			return err
		}
		out, err = st.get(ctx, tx, v, id)
		return err
	})
	return out, err
}

// providerTable names the registry of a provider kind and what it holds.
func providerTable(kind string) (table, what string) {
	switch kind {
	case ProviderSchool:
		return "schools", "学校"
	case ProviderOrg:
		return "social_orgs", "社会组织"
	case ProviderVolunteer:
		return "volunteers", "志愿者"
	}
	return "", ""
}

// owns says whether v's subtree holds a service kept at region code.
func owns(v access.Viewer, code string) bool {
	return v.InRegion(code) || (v.Region == "" && !v.Nobody && v.PairedWith == "")
}

// common returns the lowest region node holding every code.
func common(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	anc := lineage(codes[0])
	for _, a := range anc {
		lo, hi := regions.Range(a)
		ok := true
		for _, c := range codes[1:] {
			if c < lo || c >= hi {
				ok = false
				break
			}
		}
		if ok {
			return a
		}
	}
	return ""
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storage.DateLayout)
}

func dateArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return storage.DateArg(t)
}
