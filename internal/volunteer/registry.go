package volunteer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// Volunteer is a person in the volunteer registry (志愿者), who may be a
// guanai user (UserID set, e.g. a mentor) or not.
type Volunteer struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Phone      string   `json:"phone"`
	Region     string   `json:"region_code"`
	RegionName string   `json:"region_name"`
	UserID     string   `json:"user_id"`
	OrgID      string   `json:"org_id"`
	OrgName    string   `json:"org_name"`
	Skills     []string `json:"skills"`
	Archived   bool     `json:"archived"`
	Version    int      `json:"version"`
	// Minutes is the volunteer's service time not disputed (recorded or
	// confirmed), in lists and reads.
	Minutes int `json:"minutes"`
}

// VolunteerInput is what a form or the API gives for a volunteer.
type VolunteerInput struct {
	Name     string   `json:"name"`
	Phone    string   `json:"phone"`
	Region   string   `json:"region_code"`
	UserID   string   `json:"user_id"`
	OrgID    string   `json:"org_id"`
	Skills   []string `json:"skills"`
	Archived bool     `json:"archived"`
}

const volunteerCols = `vo.id, vo.name, vo.phone, vo.region_code, COALESCE(vo.user_id, ''), COALESCE(vo.org_id, ''), COALESCE(o.name, ''), vo.skills, vo.archived_at, vo.version,
	COALESCE((SELECT SUM(sr.minutes) FROM service_records sr WHERE sr.volunteer_id = vo.id AND sr.status <> 'disputed'), 0)`

const volunteerFrom = ` FROM volunteers vo LEFT JOIN social_orgs o ON o.id = vo.org_id`

func scanVolunteer(sc interface{ Scan(...any) error }) (Volunteer, error) {
	var vo Volunteer
	var skills string
	var archived time.Time
	err := sc.Scan(&vo.ID, &vo.Name, &vo.Phone, &vo.Region, &vo.UserID, &vo.OrgID, &vo.OrgName, &skills, storage.Time{T: &archived}, &vo.Version, &vo.Minutes)
	vo.Skills, vo.Archived = person.SplitSet(skills), !archived.IsZero()
	if vo.Skills == nil {
		vo.Skills = []string{}
	}
	return vo, err
}

var volunteerNames = []string{"name", "phone", "region_code", "user_id", "org_id", "skills", "archived"}

func volunteerValues(vo Volunteer) map[string]string {
	return map[string]string{"name": vo.Name, "phone": vo.Phone, "region_code": vo.Region, "user_id": vo.UserID, "org_id": vo.OrgID,
		"skills": person.JoinSet(vo.Skills), "archived": strconv.FormatBool(vo.Archived)}
}

// volunteerScope limits volunteers (alias vo) to v's subtree, plus the
// viewer's own volunteer record and the volunteers of an organisation v
// is the organiser of.
func volunteerScope(v access.Viewer) (string, []any) {
	where, args := regionScope(v, "vo.region_code")
	if self(v) {
		return "(" + where + " OR vo.user_id = ? OR vo.org_id IN (SELECT so.id FROM social_orgs so WHERE so.organiser_id = ?))",
			append(args, v.UserID, v.UserID)
	}
	return where, args
}

var errVolunteerNotFound = errs.New(errs.NotFound, "未找到该志愿者")

// Volunteer returns one volunteer in v's view; errs.NotFound otherwise.
func (s *Store) Volunteer(ctx context.Context, v access.Viewer, id string) (Volunteer, error) {
	vo, err := s.volunteer(ctx, s.db.Reader(), v, id)
	if err != nil {
		return Volunteer{}, err
	}
	vo.RegionName = s.regionName(ctx, vo.Region)
	return vo, nil
}

func (s *Store) volunteer(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Volunteer, error) {
	if !validID(id) {
		return Volunteer{}, errVolunteerNotFound
	}
	where, args := volunteerScope(v)
	vo, err := scanVolunteer(q.QueryRowContext(ctx, `SELECT `+volunteerCols+volunteerFrom+` WHERE vo.id = ? AND `+where, append([]any{id}, args...)...))
	if isNoRows(err) {
		return Volunteer{}, errVolunteerNotFound
	}
	return vo, errs.Wrap(err, "volunteer: volunteer")
}

// Me returns the volunteer record linked to v's user account, and false
// when there is none.
func (s *Store) Me(ctx context.Context, v access.Viewer) (Volunteer, bool, error) {
	if !self(v) {
		return Volunteer{}, false, nil
	}
	vo, err := scanVolunteer(s.db.Reader().QueryRowContext(ctx, `SELECT `+volunteerCols+volunteerFrom+` WHERE vo.user_id = ?`, v.UserID))
	if isNoRows(err) {
		return Volunteer{}, false, nil
	}
	if err != nil {
		return Volunteer{}, false, errs.Wrap(err, "volunteer: me")
	}
	vo.RegionName = s.regionName(ctx, vo.Region)
	return vo, true, nil
}

// VolunteerFilter selects volunteers: under a region, of an organisation,
// with a skill, by name or phone (Q), archived too when All.
type VolunteerFilter struct {
	Region string
	OrgID  string
	Skill  string
	Q      string
	All    bool
}

// Volunteers lists the volunteers in v's view, by name (at most 1000).
func (s *Store) Volunteers(ctx context.Context, v access.Viewer, f VolunteerFilter) ([]Volunteer, error) {
	where, args := volunteerScope(v)
	conds := []string{where}
	if f.Region != "" {
		lo, hi := access.SubtreeRange(f.Region)
		conds, args = append(conds, "vo.region_code >= ? AND vo.region_code < ?"), append(args, lo, hi)
	}
	if f.OrgID != "" {
		conds, args = append(conds, "vo.org_id = ?"), append(args, f.OrgID)
	}
	if f.Skill != "" {
		c, a := storage.Contains("vo.skills", f.Skill)
		conds, args = append(conds, c), append(args, a)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c1, a1 := storage.Contains("vo.name", q)
		conds, args = append(conds, "("+c1+" OR vo.phone = ?)"), append(args, a1, q)
	}
	if !f.All {
		conds = append(conds, "vo.archived_at IS NULL")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+volunteerCols+volunteerFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY vo.name, vo.id LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: volunteers")
	}
	defer rows.Close()
	out := []Volunteer{}
	for rows.Next() {
		vo, err := scanVolunteer(rows)
		if err != nil {
			return nil, errs.Wrap(err, "volunteer: volunteers")
		}
		out = append(out, vo)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "volunteer: volunteers")
	}
	names := map[string]string{}
	for i := range out {
		if _, ok := names[out[i].Region]; !ok {
			names[out[i].Region] = s.regionName(ctx, out[i].Region)
		}
		out[i].RegionName = names[out[i].Region]
	}
	return out, nil
}

func (s *Store) checkVolunteer(ctx context.Context, q storage.Querier, v access.Viewer, in VolunteerInput, vo *Volunteer) error {
	fe := errs.FieldErrors{}
	vo.Name = person.CheckName(fe, "name", "姓名", in.Name)
	vo.Phone = person.CheckPhone(fe, "phone", "联系电话", in.Phone)
	if r, ok := s.region(ctx, fe, "region_code", "所在地区", in.Region, v, true); ok {
		vo.Region = r.Code
	}
	vo.Skills = []string{}
	for _, sk := range in.Skills {
		sk = strings.TrimSpace(sk)
		if sk == "" || slices.Contains(vo.Skills, sk) {
			continue
		}
		if !slices.Contains(Skills, sk) {
			fe.Addf("skills", "特长“%s”无效", sk)
			continue
		}
		vo.Skills = append(vo.Skills, sk)
	}
	vo.UserID = ""
	if id := strings.TrimSpace(in.UserID); id != "" {
		var active bool
		err := q.QueryRowContext(ctx, `SELECT active FROM users WHERE id = ?`, id).Scan(&active)
		switch {
		case !validID(id) || isNoRows(err):
			fe.Add("user_id", "未找到该用户账号")
		case err != nil:
			return errs.Wrap(err, "volunteer: user")
		case !active:
			fe.Add("user_id", "该用户账号已停用，不能关联")
		default:
			vo.UserID = id
		}
	}
	vo.OrgID, vo.OrgName = "", ""
	if id := strings.TrimSpace(in.OrgID); id != "" {
		o, err := s.org(ctx, q, v, id)
		switch {
		case errs.Is(err, errs.NotFound):
			fe.Add("org_id", "未找到该社会组织")
		case err != nil:
			return err
		case o.Archived:
			fe.Addf("org_id", "社会组织“%s”已归档", o.Name)
		default:
			vo.OrgID, vo.OrgName = o.ID, o.Name
		}
	}
	vo.Archived = in.Archived
	return fe.Err()
}

var errDupUser = errs.New(errs.Conflict, "该用户账号已关联另一名志愿者")

// CreateVolunteer registers a volunteer in v's subtree and audits it. It
// refuses bad input (errs.Invalid naming the field) and a user account
// already linked to a volunteer (errs.Conflict).
func (s *Store) CreateVolunteer(ctx context.Context, v access.Viewer, in VolunteerInput) (Volunteer, error) {
	if !mayRegister(v) {
		return Volunteer{}, errRegister
	}
	var vo Volunteer
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.checkVolunteer(ctx, tx, v, in, &vo); err != nil {
			return err
		}
		vo.ID, vo.Version, vo.Archived = newID(), 1, false
		_, err := tx.ExecContext(ctx, `INSERT INTO volunteers (id, name, phone, region_code, user_id, org_id, skills, archived_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)`, vo.ID, vo.Name, vo.Phone, vo.Region, nullStr(vo.UserID), nullStr(vo.OrgID), person.JoinSet(vo.Skills),
			storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if storage.IsUnique(err, "") {
			return errDupUser
		}
		if err != nil {
			return errs.Wrap(err, "volunteer: create")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordVolunteer, RecordID: vo.ID,
			Changes: audit.Diff(volunteerNames, nil, volunteerValues(vo), nil)})
	})
	if err != nil {
		return Volunteer{}, err
	}
	vo.RegionName = s.regionName(ctx, vo.Region)
	return vo, nil
}

// UpdateVolunteer changes a volunteer in v's subtree at version
// (errs.Conflict when changed since) and audits what changed.
func (s *Store) UpdateVolunteer(ctx context.Context, v access.Viewer, id string, version int, in VolunteerInput) (Volunteer, error) {
	if !mayRegister(v) {
		return Volunteer{}, errRegister
	}
	var vo Volunteer
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := s.volunteer(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !v.InRegion(old.Region) {
			return errVolunteerNotFound
		}
		if old.Version != version {
			return errs.New(errs.Conflict, "该志愿者信息已被他人修改，请刷新后重试")
		}
		vo = old
		if err := s.checkVolunteer(ctx, tx, v, in, &vo); err != nil {
			return err
		}
		vo.Version++
		var archived any
		if vo.Archived {
			archived = storage.TimeArg(tx.Now)
		}
		_, err = tx.ExecContext(ctx, `UPDATE volunteers SET name = ?, phone = ?, region_code = ?, user_id = ?, org_id = ?, skills = ?,
			archived_at = CASE WHEN ? THEN COALESCE(archived_at, ?) ELSE NULL END, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			vo.Name, vo.Phone, vo.Region, nullStr(vo.UserID), nullStr(vo.OrgID), person.JoinSet(vo.Skills), vo.Archived, archived, vo.Version,
			storage.TimeArg(tx.Now), vo.ID, version)
		if storage.IsUnique(err, "") {
			return errDupUser
		}
		if err != nil {
			return errs.Wrap(err, "volunteer: update")
		}
		action := audit.ActionUpdate
		switch {
		case vo.Archived && !old.Archived:
			action = audit.ActionArchive
		case !vo.Archived && old.Archived:
			action = audit.ActionRestore
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordVolunteer, RecordID: vo.ID,
			Changes: audit.Diff(volunteerNames, volunteerValues(old), volunteerValues(vo), nil)})
	})
	if err != nil {
		return Volunteer{}, err
	}
	vo.RegionName = s.regionName(ctx, vo.Region)
	return vo, nil
}
