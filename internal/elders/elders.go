// Package elders is the census registry of left-behind elders (留守老人):
// the other half of "一老一小", with a simpler care model than children's.
package elders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	"guanai/internal/vault"
)

// Living situations.
var LivingKinds = []string{"alone", "spouse", "grandchildren", "other"}

// LivingLabel returns a living situation in Chinese.
func LivingLabel(l string) string {
	switch l {
	case "alone":
		return "独居"
	case "spouse":
		return "与配偶同住"
	case "grandchildren":
		return "与孙辈同住"
	case "other":
		return "其他"
	}
	return l
}

// HealthFlags an elder's record may carry.
var HealthFlags = []string{"chronic_illness", "disabled", "semi_disabled", "bedridden", "dementia"}

// HealthFlagLabel returns a health flag in Chinese.
func HealthFlagLabel(f string) string {
	switch f {
	case "chronic_illness":
		return "慢性病"
	case "disabled":
		return "残疾"
	case "semi_disabled":
		return "半失能"
	case "bedridden":
		return "失能"
	case "dementia":
		return "认知障碍"
	}
	return f
}

// Elder is a left-behind elder as a viewer sees them.
type Elder struct {
	ID              string    `json:"id"`
	Version         int       `json:"version"`
	IDNumber        string    `json:"id_number"`
	Name            string    `json:"name"`
	Sex             string    `json:"sex"`
	BirthDate       time.Time `json:"-"`
	VillageCode     string    `json:"village_code"`
	Living          string    `json:"living"`
	ChildrenAway    int       `json:"children_away"`
	ContactName     string    `json:"contact_name"`
	ContactRelation string    `json:"contact_relation"`
	ContactPhone    string    `json:"contact_phone"`
	HealthFlags     []string  `json:"health_flags"`
	Notes           string    `json:"notes"`
	Archived        bool      `json:"archived"`
	ArchiveReason   string    `json:"archive_reason"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Masked          []string  `json:"masked"`
}

// Input is what a user enters for an elder.
type Input struct {
	IDNumber        string   `json:"id_number"`
	Name            string   `json:"name"`
	Sex             string   `json:"sex"`
	BirthDate       string   `json:"birth_date"`
	VillageCode     string   `json:"village_code"`
	Living          string   `json:"living"`
	ChildrenAway    int      `json:"children_away"`
	ContactName     string   `json:"contact_name"`
	ContactRelation string   `json:"contact_relation"`
	ContactPhone    string   `json:"contact_phone"`
	HealthFlags     []string `json:"health_flags"`
	Notes           string   `json:"notes"`
}

// Store reads and writes elders through the viewer's scope.
type Store struct {
	db      *storage.DB
	vault   *vault.Vault
	regions *regions.Store
}

// NewStore returns an elder store.
func NewStore(db *storage.DB, v *vault.Vault, r *regions.Store) *Store {
	return &Store{db: db, vault: v, regions: r}
}

var errNotFound = errs.New(errs.NotFound, "未找到该老人的记录")

type valid struct {
	in       Input
	idNumber string
	birth    time.Time
}

func validate(in Input, now time.Time) (valid, errs.FieldErrors) {
	fe := errs.FieldErrors{}
	v := valid{}
	in.Name = person.CheckName(fe, "name", "姓名", in.Name)
	if in.Sex = person.NormalizeSex(in.Sex); in.Sex == "" {
		fe.Add("sex", "性别必须为“男”或“女”")
	}
	birth, ok := person.ParseDate(in.BirthDate)
	switch {
	case strings.TrimSpace(in.BirthDate) == "":
		fe.Add("birth_date", "出生日期不能为空")
	case !ok:
		fe.Addf("birth_date", "出生日期“%s”无效，应写成1950-03-08", in.BirthDate)
	case birth.After(person.Today(now)):
		fe.Add("birth_date", "出生日期不能晚于今天")
	case person.Age(birth, person.Today(now)) < 60:
		fe.Add("birth_date", "留守老人应年满60周岁")
	}
	v.birth = birth
	if strings.TrimSpace(in.IDNumber) == "" {
		fe.Add("id_number", "身份证号码不能为空")
	} else if id, ok := person.CheckID(fe, "id_number", in.IDNumber, birth, in.Sex, now); ok {
		v.idNumber = id.Number
	}
	in.VillageCode = strings.TrimSpace(in.VillageCode)
	if in.VillageCode == "" {
		fe.Add("village_code", "所在村（社区）不能为空")
	}
	if !slices.Contains(LivingKinds, in.Living) {
		fe.Add("living", "居住情况必须为独居、与配偶同住、与孙辈同住或其他")
	}
	if in.ChildrenAway < 0 || in.ChildrenAway > 20 {
		fe.Add("children_away", "外出子女数应在0到20之间")
	}
	if strings.TrimSpace(in.ContactName) != "" {
		in.ContactName = person.CheckName(fe, "contact_name", "联系人姓名", in.ContactName)
	}
	in.ContactRelation = person.CheckText(fe, "contact_relation", "与老人关系", in.ContactRelation, 20)
	in.ContactPhone = person.CheckPhone(fe, "contact_phone", "联系电话", in.ContactPhone)
	flags := []string{}
	for _, f := range HealthFlags {
		if slices.Contains(in.HealthFlags, f) {
			flags = append(flags, f)
		}
	}
	for _, f := range in.HealthFlags {
		if !slices.Contains(HealthFlags, f) {
			fe.Addf("health_flags", "健康状况“%s”无效", f)
		}
	}
	in.HealthFlags = flags
	in.Notes = person.CheckText(fe, "notes", "备注", in.Notes, 1000)
	v.in = in
	return v, fe
}

func (s *Store) checkVillage(ctx context.Context, q storage.Querier, v access.Viewer, in *Input, fe errs.FieldErrors) error {
	return s.checkVillageCached(ctx, q, v, in, fe, nil)
}

// checkVillageCached is checkVillage remembering in known (when not nil)
// which village codes exist, for imports: the same rules and messages.
func (s *Store) checkVillageCached(ctx context.Context, q storage.Querier, v access.Viewer, in *Input, fe errs.FieldErrors, known map[string]bool) error {
	if in.VillageCode == "" {
		return nil
	}
	code, err := regions.Normalize(in.VillageCode)
	if err != nil {
		fe.Add("village_code", errs.As(err).Message)
		return nil
	}
	in.VillageCode = code
	ok, seen := known[code]
	if !seen {
		if ok, err = s.regions.IsVillage(ctx, q, code); err != nil {
			return err
		}
		if known != nil {
			known[code] = ok
		}
	}
	switch {
	case !ok:
		fe.Addf("village_code", "行政区划代码%s不存在或不是村级（村委会、社区）代码", code)
	case !v.InRegion(code):
		fe.Addf("village_code", "行政区划%s不在您的管辖范围内", code)
	}
	return nil
}

const columns = `e.id, e.version, e.id_cipher, e.id_mask, e.name, e.sex, e.birth_date, e.village_code, e.living, e.children_away,
	e.contact_name, e.contact_relation, e.contact_phone, e.health_flags, e.notes, e.archived_at, e.archive_reason, e.created_at, e.updated_at`

func scan(sc interface{ Scan(...any) error }) (Elder, []byte, error) {
	var e Elder
	var cipher []byte
	var health string
	var archivedAt time.Time
	err := sc.Scan(&e.ID, &e.Version, &cipher, &e.IDNumber, &e.Name, &e.Sex, storage.Date{T: &e.BirthDate}, &e.VillageCode, &e.Living, &e.ChildrenAway,
		&e.ContactName, &e.ContactRelation, &e.ContactPhone, &health, &e.Notes, storage.Time{T: &archivedAt}, &e.ArchiveReason,
		storage.Time{T: &e.CreatedAt}, storage.Time{T: &e.UpdatedAt})
	e.HealthFlags = person.SplitSet(health)
	e.Archived = !archivedAt.IsZero()
	return e, cipher, err
}

func (s *Store) present(v access.Viewer, e Elder, cipher []byte, reveal bool) (Elder, error) {
	e.Masked = []string{}
	if reveal && v.May.IDNumber {
		n, err := s.vault.Open(cipher)
		if err != nil {
			return e, errs.Wrap(err, "open id number")
		}
		e.IDNumber = n
	} else {
		e.Masked = append(e.Masked, "id_number")
	}
	if !v.May.Health {
		e.HealthFlags = []string{}
		e.Masked = append(e.Masked, "health")
	}
	return e, nil
}

func (s *Store) get(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Elder, []byte, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Elder{}, nil, errNotFound
	}
	where, args := v.Where("e.village_code", "", "")
	e, c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM elders e WHERE e.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Elder{}, nil, errNotFound
	}
	if err != nil {
		return Elder{}, nil, errs.Wrap(err, "get elder")
	}
	return e, c, nil
}

// Get returns an elder in the viewer's scope, or errs.NotFound. The ID
// number is masked (GetRevealed shows it). Health flags are shown to a
// viewer who may see them; when they are not empty the view is audited
// first (action view_sensitive, note "health"), and the elder is returned
// only once that entry is committed.
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (Elder, error) {
	return s.view(ctx, v, id, false)
}

// GetRevealed is Get with the full ID number for a viewer who may see it
// (v.May.IDNumber). Every such read is audited before the number is
// returned: action view_sensitive, note "id_number" (",health" added when
// health flags are shown too). A viewer who may not see ID numbers gets it
// masked, as from Get.
func (s *Store) GetRevealed(ctx context.Context, v access.Viewer, id string) (Elder, error) {
	return s.view(ctx, v, id, true)
}

func (s *Store) view(ctx context.Context, v access.Viewer, id string, reveal bool) (Elder, error) {
	e, c, err := s.get(ctx, s.db.Reader(), v, id)
	if err != nil {
		return Elder{}, err
	}
	e, err = s.present(v, e, c, reveal)
	if err != nil {
		return Elder{}, err
	}
	var fields []string
	if reveal && v.May.IDNumber {
		fields = append(fields, "id_number")
	}
	if len(e.HealthFlags) > 0 {
		fields = append(fields, "health")
	}
	if len(fields) > 0 {
		if err := s.logView(ctx, v, e.ID, strings.Join(fields, ",")); err != nil {
			return Elder{}, err
		}
	}
	return e, nil
}

// Filter selects elders for a list.
type Filter struct {
	Region string
	Living string
	Query  string // part of the name or last digits of the ID number
	Status string // "", "active", "archived", "all"
	Limit  int
	Offset int
}

// Page is one page of elders.
type Page struct {
	Elders []Elder `json:"items"`
	Total  int     `json:"total"`
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
}

// where builds the WHERE clause for f and the viewer.
func (f *Filter) where(v access.Viewer) (string, []any, error) {
	fe := errs.FieldErrors{}
	where, args := v.Where("e.village_code", "", "")
	conds := []string{where}
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			fe.Add("region", errs.As(err).Message)
		}
		lo, hi := regions.Range(code)
		conds, args = append(conds, "e.village_code >= ? AND e.village_code < ?"), append(args, lo, hi)
	}
	if f.Living != "" {
		if !slices.Contains(LivingKinds, f.Living) {
			fe.Add("living", "居住情况无效")
		}
		conds, args = append(conds, "e.living = ?"), append(args, f.Living)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if len(q) <= 4 && strings.Trim(strings.ToUpper(q), "0123456789X") == "" {
			conds, args = append(conds, "e.id_tail LIKE ?"), append(args, "%"+strings.ToUpper(q))
		} else {
			cond, arg := storage.Contains("e.name", q)
			conds, args = append(conds, cond), append(args, arg)
		}
	}
	switch f.Status {
	case "", "active":
		conds = append(conds, "e.archived_at IS NULL")
	case "archived":
		conds = append(conds, "e.archived_at IS NOT NULL")
	case "all":
	default:
		fe.Addf("status", "状态“%s”无效", f.Status)
	}
	return strings.Join(conds, " AND "), args, fe.Err()
}

// Count returns how many elders match f in the viewer's scope (Limit and
// Offset are ignored). It shows no field, so it is never audited.
func (s *Store) Count(ctx context.Context, v access.Viewer, f Filter) (int, error) {
	where, args, err := f.where(v)
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM elders e WHERE `+where, args...).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "count elders")
	}
	return n, nil
}

// List returns one page of elders in the viewer's scope; ID numbers
// masked. Health flags are shown to a viewer who may see them; a page that
// shows any is audited first, as one view_sensitive entry for the whole
// call (record id "", note "list:health:N" where N is how many elders on
// the page show health flags). To know only how many match, use Count.
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	where, args, err := f.where(v)
	if err != nil {
		return Page{}, err
	}
	p := Page{Elders: []Elder{}, Limit: f.Limit, Offset: f.Offset}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+columns+`, COUNT(*) OVER () FROM elders e WHERE `+where+
		` ORDER BY e.village_code, e.name, e.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrap(err, "list elders")
	}
	defer rows.Close()
	for rows.Next() {
		e, c, err := scan(scanPlus{rows, &p.Total})
		if err != nil {
			return Page{}, errs.Wrap(err, "list elders")
		}
		e, err = s.present(v, e, c, false)
		if err != nil {
			return Page{}, err
		}
		p.Elders = append(p.Elders, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "list elders")
	}
	if len(p.Elders) == 0 && f.Offset > 0 {
		if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM elders e WHERE `+where, args...).Scan(&p.Total); err != nil {
			return Page{}, errs.Wrap(err, "list elders")
		}
	}
	shown := 0
	for _, e := range p.Elders {
		if len(e.HealthFlags) > 0 {
			shown++
		}
	}
	if shown > 0 {
		if err := s.logView(ctx, v, "", fmt.Sprintf("list:health:%d", shown)); err != nil {
			return Page{}, err
		}
	}
	return p, nil
}

type scanPlus struct {
	rows  *sql.Rows
	extra any
}

func (s scanPlus) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra)...) }

// Create registers an elder and audits it (action create, every field
// set, the ID number and health flags masked) in the same transaction; a
// duplicate ID number is refused with errs.Conflict naming the region of
// the existing record. The elder returned has the ID number masked.
func (s *Store) Create(ctx context.Context, v access.Viewer, in Input) (Elder, error) {
	if !v.CanWriteRegion() {
		return Elder{}, errs.New(errs.Forbidden, "您无权登记老人信息")
	}
	val, fe := validate(in, s.db.Now())
	id := uuid.Must(uuid.NewV7()).String()
	var out Elder
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.checkVillage(ctx, tx, v, &val.in, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, v, id, val); err != nil {
			return err
		}
		var err error
		out, err = s.written(ctx, tx, v, id, true)
		return err
	})
	if err != nil {
		return Elder{}, s.duplicate(ctx, v, err, val.idNumber)
	}
	return out, nil
}

// Update replaces an elder's facts and audits the fields that changed,
// old → new (the ID number and health flags masked), in the same
// transaction; a stale version gives errs.Conflict. The elder returned has
// the ID number masked.
func (s *Store) Update(ctx context.Context, v access.Viewer, id string, version int, in Input) (Elder, error) {
	if !v.CanWriteRegion() {
		return Elder{}, errs.New(errs.Forbidden, "您无权修改老人信息")
	}
	val, fe := validate(in, s.db.Now())
	var out Elder
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, curCipher, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return errs.New(errs.Conflict, "该记录已被他人修改，请查看最新内容后重新提交")
		}
		if cur.Archived {
			return errs.New(errs.Invalid, "已归档的记录不能修改，请先恢复")
		}
		if err := s.checkVillage(ctx, tx, v, &val.in, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		sealed, err := person.Seal(s.vault, "elder", val.idNumber)
		if err != nil {
			return err
		}
		res, err := updateRow(ctx, tx, id, version, val, sealed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "该记录已被他人修改，请查看最新内容后重新提交")
		}
		if err := recount(ctx, tx, cur.VillageCode, cur.Archived, val.in.VillageCode, cur.Archived); err != nil {
			return err
		}
		old, err := s.vault.Open(curCipher)
		if err != nil {
			return errs.Wrap(err, "open id number")
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordType, RecordID: id,
			Changes: audit.Diff(auditNames, auditValues(cur, s.token(old)), auditValues(val.elder(), sealed.Hash), auditMasked)}); err != nil {
			return err
		}
		out, err = s.written(ctx, tx, v, id, true)
		return err
	})
	if err != nil {
		return Elder{}, s.duplicate(ctx, v, err, val.idNumber)
	}
	return out, nil
}

// updateRow replaces the facts of the elder id at version with a valid
// input's.
func updateRow(ctx context.Context, tx *storage.Tx, id string, version int, val valid, sealed person.SealedID) (sql.Result, error) {
	in := val.in
	return tx.ExecContext(ctx, `UPDATE elders SET version = version + 1, id_cipher = ?, id_hash = ?, id_mask = ?, id_tail = ?, name = ?, sex = ?,
			birth_date = ?, village_code = ?, living = ?, children_away = ?, contact_name = ?, contact_relation = ?, contact_phone = ?,
			health_flags = ?, notes = ?, updated_at = ? WHERE id = ? AND version = ?`,
		sealed.Cipher, sealed.Hash, sealed.Mask, sealed.Tail, in.Name, in.Sex, storage.DateArg(val.birth), in.VillageCode, in.Living,
		in.ChildrenAway, in.ContactName, in.ContactRelation, in.ContactPhone, person.JoinSet(in.HealthFlags), in.Notes,
		storage.TimeArg(tx.Now), id, version)
}

// Archive takes an elder out of the active census and audits it (action
// archive) in the same transaction; a stale version gives errs.Conflict.
// The elder returned has the ID number masked and no health flags (Masked
// lists "health"): read them with Get.
func (s *Store) Archive(ctx context.Context, v access.Viewer, id string, version int, reason string) (Elder, error) {
	if !v.CanWriteRegion() {
		return Elder{}, errs.New(errs.Forbidden, "您无权修改老人信息")
	}
	fe := errs.FieldErrors{}
	if reason = person.CheckText(fe, "reason", "归档原因", reason, 200); reason == "" {
		fe.Add("reason", "请填写归档原因")
	}
	if err := fe.Err(); err != nil {
		return Elder{}, err
	}
	return s.setArchived(ctx, v, id, version, reason, true)
}

// Restore returns an archived elder to the active census and audits it
// (action restore) in the same transaction; a stale version gives
// errs.Conflict. The elder returned is as from Archive.
func (s *Store) Restore(ctx context.Context, v access.Viewer, id string, version int) (Elder, error) {
	if !v.CanWriteRegion() {
		return Elder{}, errs.New(errs.Forbidden, "您无权修改老人信息")
	}
	return s.setArchived(ctx, v, id, version, "", false)
}

func (s *Store) setArchived(ctx context.Context, v access.Viewer, id string, version int, reason string, archive bool) (Elder, error) {
	var out Elder
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, _, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return errs.New(errs.Conflict, "该记录已被他人修改，请查看最新内容后重新提交")
		}
		if cur.Archived == archive {
			if archive {
				return errs.New(errs.Invalid, "该记录已归档")
			}
			return errs.New(errs.Invalid, "该记录未归档")
		}
		var at any
		if archive {
			at = storage.TimeArg(tx.Now)
		}
		res, err := tx.ExecContext(ctx, `UPDATE elders SET version = version + 1, archived_at = ?, archive_reason = ?, updated_at = ? WHERE id = ? AND version = ?`,
			at, reason, storage.TimeArg(tx.Now), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "该记录已被他人修改，请查看最新内容后重新提交")
		}
		if err := recount(ctx, tx, cur.VillageCode, cur.Archived, cur.VillageCode, archive); err != nil {
			return err
		}
		action := audit.ActionRestore
		if archive {
			action = audit.ActionArchive
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordType, RecordID: id,
			Changes: audit.Diff([]string{"archived", "archive_reason"},
				map[string]string{"archived": strconv.FormatBool(cur.Archived), "archive_reason": cur.ArchiveReason},
				map[string]string{"archived": strconv.FormatBool(archive), "archive_reason": reason}, nil)}); err != nil {
			return err
		}
		out, err = s.written(ctx, tx, v, id, false)
		return err
	})
	if err != nil {
		return Elder{}, err
	}
	return out, nil
}

func (s *Store) duplicate(ctx context.Context, v access.Viewer, err error, idNumber string) error {
	if !storage.IsUnique(err, "id_hash") {
		return err
	}
	var village string
	if e := s.db.Reader().QueryRowContext(ctx, `SELECT village_code FROM elders WHERE id_hash = ?`, s.vault.Hash("elder", idNumber)).Scan(&village); e != nil {
		return &errs.Error{Code: errs.Conflict, Message: "该身份证号码已登记", Fields: map[string]string{"id_number": "该身份证号码已登记"}, Err: err}
	}
	if !v.InRegion(village) {
		village = village[:6] + "000000" // the county, not the village
	}
	where, _ := s.regions.PathString(ctx, village)
	msg := "该身份证号码已在" + where + "登记"
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"id_number": msg}, Err: err}
}
