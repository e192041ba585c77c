package volunteer

import (
	"context"
	"strconv"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/storage"
)

// creditChars are the characters of a unified social credit code, in the
// order of their values (GB 32100-2015: digits and capital letters without
// I, O, S, V and Z).
const creditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the check character of the first 17 characters
// of a unified social credit code, and false when they hold a character
// the code does not use.
func CreditCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		n := strings.IndexByte(creditChars, first17[i])
		if n < 0 {
			return 0, false
		}
		sum += n * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditChars[c], true
}

// ValidCreditCode reports whether code is a well-formed unified social
// credit code (统一社会信用代码, GB 32100-2015): 18 characters from the
// code's alphabet, digits in the region part (characters 3–8) and the
// right check character.
func ValidCreditCode(code string) bool { return creditProblem(code) == "" }

// creditProblem says what is wrong with a credit code, in Chinese ("" when
// nothing is).
func creditProblem(code string) string {
	if len(code) != 18 {
		return "应为18位"
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditChars, code[i]) < 0 {
			return "第" + strconv.Itoa(i+1) + "位“" + string(code[i]) + "”不是允许的字符（数字或除I、O、S、V、Z外的大写字母）"
		}
	}
	if strings.Trim(code[2:8], "0123456789") != "" {
		return "第3至8位应为登记管理机关的行政区划码（数字）"
	}
	if c, _ := CreditCheckChar(code[:17]); c != code[17] {
		return "校验码不符"
	}
	return ""
}

// Org is a social organisation (社会组织) in the registry.
type Org struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	CreditCode    string `json:"credit_code"`
	Region        string `json:"region_code"`
	RegionName    string `json:"region_name"`
	ContactName   string `json:"contact_name"`
	ContactPhone  string `json:"contact_phone"`
	OrganiserID   string `json:"organiser_id"`
	OrganiserName string `json:"organiser_name"`
	Archived      bool   `json:"archived"`
	Version       int    `json:"version"`
}

// OrgInput is what a form or the API gives for an organisation.
// OrganiserID is the user id of the organisation's organiser account, ""
// for none.
type OrgInput struct {
	Name         string `json:"name"`
	CreditCode   string `json:"credit_code"`
	Region       string `json:"region_code"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	OrganiserID  string `json:"organiser_id"`
	Archived     bool   `json:"archived"`
}

const orgCols = `o.id, o.name, o.credit_code, o.region_code, o.contact_name, o.contact_phone, COALESCE(o.organiser_id, ''), COALESCE(u.name, ''), o.archived_at, o.version`

const orgFrom = ` FROM social_orgs o LEFT JOIN users u ON u.id = o.organiser_id`

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var archived time.Time
	err := sc.Scan(&o.ID, &o.Name, &o.CreditCode, &o.Region, &o.ContactName, &o.ContactPhone, &o.OrganiserID, &o.OrganiserName, storage.Time{T: &archived}, &o.Version)
	o.Archived = !archived.IsZero()
	return o, err
}

var orgNames = []string{"name", "credit_code", "region_code", "contact_name", "contact_phone", "organiser_id", "archived"}

func orgValues(o Org) map[string]string {
	return map[string]string{"name": o.Name, "credit_code": o.CreditCode, "region_code": o.Region, "contact_name": o.ContactName,
		"contact_phone": o.ContactPhone, "organiser_id": o.OrganiserID, "archived": strconv.FormatBool(o.Archived)}
}

// orgScope limits organisations (alias o) to v's subtree, and lets an
// organiser account see its own organisation.
func orgScope(v access.Viewer) (string, []any) {
	where, args := regionScope(v, "o.region_code")
	if self(v) {
		return "(" + where + " OR o.organiser_id = ?)", append(args, v.UserID)
	}
	return where, args
}

var errOrgNotFound = errs.New(errs.NotFound, "未找到该社会组织")

// Org returns one organisation in v's view; errs.NotFound otherwise.
func (s *Store) Org(ctx context.Context, v access.Viewer, id string) (Org, error) {
	o, err := s.org(ctx, s.db.Reader(), v, id)
	if err != nil {
		return Org{}, err
	}
	o.RegionName = s.regionName(ctx, o.Region)
	return o, nil
}

func (s *Store) org(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Org, error) {
	if !validID(id) {
		return Org{}, errOrgNotFound
	}
	where, args := orgScope(v)
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+orgFrom+` WHERE o.id = ? AND `+where, append([]any{id}, args...)...))
	if isNoRows(err) {
		return Org{}, errOrgNotFound
	}
	return o, errs.Wrap(err, "volunteer: org")
}

// OrgFilter selects organisations: under a region, by name or credit code
// (Q), archived too when All.
type OrgFilter struct {
	Region string
	Q      string
	All    bool
}

// Orgs lists the organisations in v's view, by name.
func (s *Store) Orgs(ctx context.Context, v access.Viewer, f OrgFilter) ([]Org, error) {
	where, args := orgScope(v)
	conds := []string{where}
	if f.Region != "" {
		lo, hi := access.SubtreeRange(f.Region)
		conds, args = append(conds, "o.region_code >= ? AND o.region_code < ?"), append(args, lo, hi)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c1, a1 := storage.Contains("o.name", q)
		conds, args = append(conds, "("+c1+" OR o.credit_code = ?)"), append(args, a1, strings.ToUpper(q))
	}
	if !f.All {
		conds = append(conds, "o.archived_at IS NULL")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+orgCols+orgFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY o.name, o.id LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: orgs")
	}
	defer rows.Close()
	out := []Org{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, errs.Wrap(err, "volunteer: orgs")
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "volunteer: orgs")
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

// OrgNames returns the names of organisations by id, with no scope check:
// a provider's name is not sensitive. Unknown ids are absent.
func (s *Store) OrgNames(ctx context.Context, ids []string) (map[string]string, error) {
	return s.names(ctx, "social_orgs", ids)
}

// VolunteerNames returns the names of volunteers by id, like OrgNames.
func (s *Store) VolunteerNames(ctx context.Context, ids []string) (map[string]string, error) {
	return s.names(ctx, "volunteers", ids)
}

func (s *Store) names(ctx context.Context, table string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	var args []any
	for _, id := range ids {
		if validID(id) {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, name FROM `+table+` WHERE id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: names")
	}
	defer rows.Close()
	for rows.Next() {
		var id, n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, errs.Wrap(err, "volunteer: names")
		}
		out[id] = n
	}
	return out, errs.Wrap(rows.Err(), "volunteer: names")
}

// checkOrg validates an organisation's input into o.
func (s *Store) checkOrg(ctx context.Context, q storage.Querier, v access.Viewer, in OrgInput, o *Org) error {
	fe := errs.FieldErrors{}
	o.Name = strings.TrimSpace(in.Name)
	if o.Name == "" {
		fe.Add("name", "组织名称不能为空")
	} else {
		o.Name = person.CheckText(fe, "name", "组织名称", o.Name, 100)
	}
	o.CreditCode = strings.ToUpper(strings.TrimSpace(in.CreditCode))
	if p := creditProblem(o.CreditCode); p != "" {
		if o.CreditCode == "" {
			fe.Add("credit_code", "统一社会信用代码不能为空")
		} else {
			fe.Addf("credit_code", "统一社会信用代码“%s”无效：%s", o.CreditCode, p)
		}
	}
	if r, ok := s.region(ctx, fe, "region_code", "所在地区", in.Region, v, true); ok {
		o.Region = r.Code
	}
	o.ContactName = person.CheckText(fe, "contact_name", "联系人", in.ContactName, 50)
	o.ContactPhone = person.CheckPhone(fe, "contact_phone", "联系电话", in.ContactPhone)
	o.OrganiserID, o.OrganiserName = "", ""
	if id := strings.TrimSpace(in.OrganiserID); id != "" {
		var name string
		var active bool
		err := q.QueryRowContext(ctx, `SELECT name, active FROM users WHERE id = ?`, id).Scan(&name, &active)
		switch {
		case !validID(id) || isNoRows(err):
			fe.Add("organiser_id", "未找到该组织者账号")
		case err != nil:
			return errs.Wrap(err, "volunteer: organiser")
		case !active:
			fe.Addf("organiser_id", "账号“%s”已停用，不能作为组织者", name)
		default:
			o.OrganiserID, o.OrganiserName = id, name
		}
	}
	o.Archived = in.Archived
	return fe.Err()
}

var errDupCredit = errs.New(errs.Conflict, "该统一社会信用代码已登记")

// CreateOrg registers an organisation in v's subtree and audits it. It
// refuses a bad credit code, region or organiser (errs.Invalid, naming the
// field) and a credit code already registered (errs.Conflict).
func (s *Store) CreateOrg(ctx context.Context, v access.Viewer, in OrgInput) (Org, error) {
	if !mayRegister(v) {
		return Org{}, errRegister
	}
	var o Org
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.checkOrg(ctx, tx, v, in, &o); err != nil {
			return err
		}
		o.ID, o.Version, o.Archived = newID(), 1, false
		_, err := tx.ExecContext(ctx, `INSERT INTO social_orgs (id, name, credit_code, region_code, contact_name, contact_phone, organiser_id, archived_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)`, o.ID, o.Name, o.CreditCode, o.Region, o.ContactName, o.ContactPhone, nullStr(o.OrganiserID),
			storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if storage.IsUnique(err, "") {
			return errDupCredit
		}
		if err != nil {
			return errs.Wrap(err, "volunteer: create org")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordOrg, RecordID: o.ID,
			Changes: audit.Diff(orgNames, nil, orgValues(o), nil)})
	})
	if err != nil {
		return Org{}, err
	}
	o.RegionName = s.regionName(ctx, o.Region)
	return o, nil
}

// UpdateOrg changes an organisation at version (errs.Conflict when it has
// changed since) and audits what changed; Archived archives or restores it.
func (s *Store) UpdateOrg(ctx context.Context, v access.Viewer, id string, version int, in OrgInput) (Org, error) {
	if !mayRegister(v) {
		return Org{}, errRegister
	}
	var o Org
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := s.org(ctx, tx, v, id)
		if err != nil {
			return err
		}
		lo, hi := v.RegionRange()
		if old.Region < lo || old.Region >= hi {
			return errOrgNotFound
		}
		if old.Version != version {
			return errs.New(errs.Conflict, "该社会组织已被他人修改，请刷新后重试")
		}
		o = old
		if err := s.checkOrg(ctx, tx, v, in, &o); err != nil {
			return err
		}
		o.Version++
		var archived any
		if o.Archived {
			archived = storage.TimeArg(tx.Now)
		}
		_, err = tx.ExecContext(ctx, `UPDATE social_orgs SET name = ?, credit_code = ?, region_code = ?, contact_name = ?, contact_phone = ?, organiser_id = ?,
			archived_at = CASE WHEN ? THEN COALESCE(archived_at, ?) ELSE NULL END, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			o.Name, o.CreditCode, o.Region, o.ContactName, o.ContactPhone, nullStr(o.OrganiserID), o.Archived, archived, o.Version, storage.TimeArg(tx.Now), o.ID, version)
		if storage.IsUnique(err, "") {
			return errDupCredit
		}
		if err != nil {
			return errs.Wrap(err, "volunteer: update org")
		}
		action := audit.ActionUpdate
		switch {
		case o.Archived && !old.Archived:
			action = audit.ActionArchive
		case !o.Archived && old.Archived:
			action = audit.ActionRestore
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordOrg, RecordID: o.ID,
			Changes: audit.Diff(orgNames, orgValues(old), orgValues(o), nil)})
	})
	if err != nil {
		return Org{}, err
	}
	o.RegionName = s.regionName(ctx, o.Region)
	return o, nil
}
