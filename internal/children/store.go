package children

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/vault"
)

// Store reads and writes children. Every read is filtered by the viewer's
// scope in the query itself.
type Store struct {
	db      *storage.DB
	vault   *vault.Vault
	regions *regions.Store
	// scheduleHook: see OnScheduleChange.
	scheduleHook Hook
}

// NewStore returns a children store.
func NewStore(db *storage.DB, v *vault.Vault, r *regions.Store) *Store {
	return &Store{db: db, vault: v, regions: r}
}

const columns = `c.id, c.version, c.id_cipher, c.id_mask, c.name, c.sex, c.birth_date, c.ethnicity, c.hukou,
	c.village_code, c.school_id, c.grade, c.class_id,
	c.father_status, c.father_away_place, c.father_phone, c.mother_status, c.mother_away_place, c.mother_phone,
	c.guardian_name, c.guardian_relation, c.guardian_phone, c.guardian_id_cipher, c.guardian_id_mask,
	c.guardian_entrusted, c.entrusted_on, c.health_flags, c.disability, c.difficulty, c.migrant, c.notes,
	c.left_behind, c.left_behind_reason, c.categories, c.classified_on, c.archived_at, c.archive_reason,
	c.created_at, c.updated_at, c.care_gaps`

type row struct {
	c           Child
	idCipher    []byte
	guardCipher []byte
}

func scanRow(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	c := &r.c
	var school, class sql.NullString
	var grade sql.NullInt64
	var health, difficulty, categories string
	err := sc.Scan(&c.ID, &c.Version, &r.idCipher, &c.IDNumber, &c.Name, &c.Sex, storage.Date{T: &c.BirthDate}, &c.Ethnicity, &c.Hukou,
		&c.VillageCode, &school, &grade, &class,
		&c.FatherStatus, &c.FatherAwayPlace, &c.FatherPhone, &c.MotherStatus, &c.MotherAwayPlace, &c.MotherPhone,
		&c.Guardian.Name, &c.Guardian.Relation, &c.Guardian.Phone, &r.guardCipher, &c.Guardian.IDNumber,
		&c.Guardian.Entrusted, storage.Date{T: &c.Guardian.EntrustedOn}, &health, &c.Disability, &difficulty, &c.Migrant, &c.Notes,
		&c.LeftBehind, &c.LeftBehindReason, &categories, storage.Date{T: &c.ClassifiedOn}, storage.Time{T: &c.ArchivedAt}, &c.ArchiveReason,
		storage.Time{T: &c.CreatedAt}, storage.Time{T: &c.UpdatedAt}, &c.CareGaps)
	c.SchoolID, c.ClassID, c.Grade = school.String, class.String, int(grade.Int64)
	c.HealthFlags, c.Difficulty, c.Categories = person.SplitSet(health), person.SplitSet(difficulty), person.SplitSet(categories)
	c.Archived = !c.ArchivedAt.IsZero()
	return r, err
}

// present applies the viewer's field rights: full ID numbers only when
// reveal is set and the viewer may see them; health and difficulty only
// when allowed.
func (s *Store) present(v access.Viewer, r row, reveal bool) (Child, error) {
	c := r.c
	c.Masked = []string{}
	if reveal && v.May.IDNumber {
		n, err := s.vault.Open(r.idCipher)
		if err != nil {
			return c, errs.Wrap(err, "open id number")
		}
		c.IDNumber = n
		if len(r.guardCipher) > 0 {
			g, err := s.vault.Open(r.guardCipher)
			if err != nil {
				return c, errs.Wrap(err, "open guardian id number")
			}
			c.Guardian.IDNumber = g
		}
	} else {
		c.Masked = append(c.Masked, "id_number")
	}
	if !v.May.Health {
		c.HealthFlags, c.Disability = []string{}, ""
		c.Masked = append(c.Masked, "health")
	}
	if !v.May.Difficulty {
		c.Difficulty = []string{}
		c.Masked = append(c.Masked, "difficulty")
		cats := []string{}
		for _, k := range c.Categories {
			if k != CategoryDifficulty {
				cats = append(cats, k)
			}
		}
		c.Categories = cats
	}
	return c, nil
}

var errNotFound = errs.New(errs.NotFound, "未找到该儿童的记录")

// Get returns one child in the viewer's scope; out-of-scope and unknown
// ids both give errs.NotFound. ID numbers are masked (GetRevealed shows
// them). Health flags and disability are shown to a viewer who may see
// them; when they are not empty the view is audited first (action
// view_sensitive, note "health"), and the child is returned only once
// that entry is committed.
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (Child, error) {
	return s.view(ctx, v, id, false)
}

// GetRevealed is Get with the full ID numbers, the child's and the
// guardian's, for a viewer who may see them (v.May.IDNumber). Every such
// read is audited before the numbers are returned: action view_sensitive,
// with a note naming the fields shown ("id_number,guardian_id_number",
// plus ",health" when health detail is shown too). A viewer who may not
// see ID numbers gets them masked, as from Get.
func (s *Store) GetRevealed(ctx context.Context, v access.Viewer, id string) (Child, error) {
	return s.view(ctx, v, id, true)
}

func (s *Store) view(ctx context.Context, v access.Viewer, id string, reveal bool) (Child, error) {
	r, err := s.get(ctx, s.db.Reader(), v, id)
	if err != nil {
		return Child{}, err
	}
	c, err := s.present(v, r, reveal)
	if err != nil {
		return Child{}, err
	}
	if fields := sensitiveShown(c, reveal && v.May.IDNumber); len(fields) > 0 {
		if err := s.logView(ctx, v, c.ID, joinFields(fields)); err != nil {
			return Child{}, err
		}
	}
	return c, nil
}

// written presents the record a write has just produced, read inside the
// write's transaction (by id alone: a record the viewer has just written
// may lie outside their scope, e.g. a teacher's pupil in no class yet):
// ID numbers masked, and health detail only when the caller has just
// supplied it (echoHealth), so that a write's response is never an
// unaudited view.
func (s *Store) written(v access.Viewer, r row, echoHealth bool) (Child, error) {
	c, err := s.present(v, r, false)
	if err != nil {
		return Child{}, err
	}
	if !echoHealth {
		hideHealth(&c)
	}
	return c, nil
}

func (s *Store) get(ctx context.Context, q storage.Querier, v access.Viewer, id string) (row, error) {
	if _, err := uuid.Parse(id); err != nil {
		return row{}, errNotFound
	}
	where, args := v.Where("c.village_code", "c.school_id", "c.class_id")
	r, err := scanRow(q.QueryRowContext(ctx, `SELECT `+columns+` FROM children c WHERE c.id = ? AND `+where, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, errNotFound
	}
	if err != nil {
		return row{}, errs.Wrap(err, "get child")
	}
	return r, nil
}

// Filter selects children for a list. Zero values mean "any".
type Filter struct {
	Region   string // a region code (any level); its subtree
	SchoolID string
	ClassID  string
	Category string // left_behind, difficulty or migrant
	Sex      string
	AgeMin   *int // age band, inclusive, in whole years on AsOf
	AgeMax   *int
	Query    string // part of the name, or the last digits of the ID number
	Status   string // "" or "active": not archived; "archived"; "all"
	Sort     string // village (default: by place, then name), name, birth_date, updated_at
	Desc     bool
	Limit    int // default 50, at most 500
	Offset   int
	AsOf     time.Time // for ages; default today
}

// Page is one page of a list with the total matching the filter.
type Page struct {
	Children []Child `json:"items"`
	Total    int     `json:"total"`
	Limit    int     `json:"limit"`
	Offset   int     `json:"offset"`
}

// where builds the WHERE clause for f and the viewer.
func (f *Filter) where(v access.Viewer) (string, []any, error) {
	fe := errs.FieldErrors{}
	scope, args := v.Where("c.village_code", "c.school_id", "c.class_id")
	conds := []string{scope}
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			fe.Add("region", errs.As(err).Message)
		} else {
			lo, hi := regions.Range(code)
			conds = append(conds, "c.village_code >= ? AND c.village_code < ?")
			args = append(args, lo, hi)
		}
	}
	if f.SchoolID != "" {
		conds, args = append(conds, "c.school_id = ?"), append(args, f.SchoolID)
	}
	if f.ClassID != "" {
		conds, args = append(conds, "c.class_id = ?"), append(args, f.ClassID)
	}
	switch f.Category {
	case "":
	case CategoryLeftBehind:
		conds, args = append(conds, "c.left_behind = ?"), append(args, true)
	case CategoryDifficulty:
		if v.May.Difficulty {
			conds = append(conds, "c.difficulty <> ''")
		} else {
			fe.Add("category", "您无权按困境类别筛选")
		}
	case CategoryMigrant:
		conds, args = append(conds, "c.migrant = ?"), append(args, true)
	case "not_left_behind":
		conds, args = append(conds, "c.left_behind = ?"), append(args, false)
	default:
		fe.Addf("category", "类别“%s”无效", f.Category)
	}
	if f.Sex != "" {
		sx := person.NormalizeSex(f.Sex)
		if sx == "" {
			fe.Add("sex", "性别必须为“男”或“女”")
		}
		conds, args = append(conds, "c.sex = ?"), append(args, sx)
	}
	asOf := f.AsOf
	if asOf.IsZero() {
		asOf = person.Today(time.Now())
	}
	if f.AgeMin != nil {
		// age ≥ n ⇔ born on or before asOf − n years
		conds, args = append(conds, "c.birth_date <= ?"), append(args, storage.DateArg(asOf.AddDate(-*f.AgeMin, 0, 0)))
	}
	if f.AgeMax != nil {
		// age ≤ n ⇔ born after asOf − (n+1) years
		conds, args = append(conds, "c.birth_date > ?"), append(args, storage.DateArg(asOf.AddDate(-*f.AgeMax-1, 0, 0)))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if isIDTail(q) {
			q = strings.ToUpper(q)
			if len(q) == 4 {
				conds, args = append(conds, "c.id_tail = ?"), append(args, q)
			} else {
				conds, args = append(conds, "c.id_tail LIKE ?"), append(args, "%"+q)
			}
		} else {
			cond, arg := storage.Contains("c.name", q)
			conds, args = append(conds, cond), append(args, arg)
		}
	}
	switch f.Status {
	case "", "active":
		conds = append(conds, "c.archived_at IS NULL")
	case "archived":
		conds = append(conds, "c.archived_at IS NOT NULL")
	case "all":
	default:
		fe.Addf("status", "状态“%s”无效", f.Status)
	}
	return strings.Join(conds, " AND "), args, fe.Err()
}

func isIDTail(q string) bool {
	if len(q) > 4 {
		return false
	}
	for i, r := range q {
		if !(r >= '0' && r <= '9') && !((r == 'x' || r == 'X') && i == len(q)-1) {
			return false
		}
	}
	return true
}

func (f *Filter) orderBy() (string, error) {
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	switch f.Sort {
	case "name":
		return "c.name" + dir + ", c.id" + dir, nil
	case "birth_date":
		return "c.birth_date" + dir + ", c.id" + dir, nil
	case "updated_at":
		return "c.updated_at" + dir + ", c.id" + dir, nil
	case "", "village":
		return "c.village_code" + dir + ", c.name" + dir + ", c.id" + dir, nil
	}
	return "", errs.FieldErrors{"sort": fmt.Sprintf("排序字段“%s”无效", f.Sort)}.Err()
}

// List returns one page of the children matching f inside the viewer's
// scope, with the total. ID numbers are always masked in lists. Health
// detail is shown to a viewer who may see it; a page that shows any is
// audited first, as one view_sensitive entry for the whole call (record id
// "", note "list:health:N" where N is how many children on the page show
// health flags or a disability).
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 {
		f.Limit = 500
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	where, args, err := f.where(v)
	if err != nil {
		return Page{}, err
	}
	order, err := f.orderBy()
	if err != nil {
		return Page{}, err
	}
	page := Page{Children: []Child{}, Limit: f.Limit, Offset: f.Offset}
	q := s.db.Reader()
	// The total from the counters when they answer the filter; else
	// counted in the same pass that finds the page (the rows matching a
	// filter must all be visited for it anyway). Then the page's ids,
	// which the roster index yields in the default order without a sort;
	// then the rows of that page only.
	total, counted, err := s.tallyTotal(ctx, q, v, f)
	if err != nil {
		return Page{}, err
	}
	page.Total = total
	if counted && f.Offset >= total {
		return page, nil
	}
	sel := `SELECT c.id, COUNT(*) OVER () FROM children c WHERE `
	if counted {
		sel = `SELECT c.id, 0 FROM children c WHERE `
	}
	rows, err := q.QueryContext(ctx, sel+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrap(err, "list children")
	}
	var ids []any
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return Page{}, errs.Wrap(err, "list children")
		}
		if !counted {
			page.Total = n
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "list children")
	}
	if len(ids) == 0 {
		if !counted && f.Offset > 0 {
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM children c WHERE `+where, args...).Scan(&page.Total); err != nil {
				return Page{}, errs.Wrap(err, "count children")
			}
		}
		return page, nil
	}
	rows, err = q.QueryContext(ctx, `SELECT `+columns+` FROM children c WHERE c.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return Page{}, errs.Wrap(err, "list children")
	}
	defer rows.Close()
	byID := make(map[string]Child, len(ids))
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return Page{}, errs.Wrap(err, "scan child")
		}
		c, err := s.present(v, r, false)
		if err != nil {
			return Page{}, err
		}
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "list children")
	}
	shown := 0
	for _, id := range ids {
		if c, ok := byID[id.(string)]; ok {
			page.Children = append(page.Children, c)
			if hasHealth(c) {
				shown++
			}
		}
	}
	if shown > 0 {
		if err := s.logView(ctx, v, "", listNote(shown)); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}

// Count returns how many children match f in the viewer's scope, from
// the counters when they answer the filter (see List).
func (s *Store) Count(ctx context.Context, v access.Viewer, f Filter) (int, error) {
	where, args, err := f.where(v)
	if err != nil {
		return 0, err
	}
	q := s.db.Reader()
	if n, ok, err := s.tallyTotal(ctx, q, v, f); err != nil || ok {
		return n, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM children c WHERE `+where, args...).Scan(&n); err != nil {
		return 0, errs.Wrap(err, "count children")
	}
	return n, nil
}

// checkPlace checks the village and the school placement of a valid input
// inside tx, adding field errors to fe.
func (s *Store) checkPlace(ctx context.Context, tx *storage.Tx, v access.Viewer, in *Input, fe errs.FieldErrors) error {
	return s.checkPlaceCached(ctx, tx, v, in, fe, nil)
}

// placeCache remembers, for one import, which village codes exist and what
// the checks of a school placement found, so that a file of a million rows
// asks the database once per village and placement, not once per row.
type placeCache struct {
	villages   map[string]bool
	placements map[string]errs.FieldErrors
}

// checkPlaceCached is checkPlace reading through q and, when c is not nil,
// through the cache c: the same rules and messages either way.
func (s *Store) checkPlaceCached(ctx context.Context, q storage.Querier, v access.Viewer, in *Input, fe errs.FieldErrors, c *placeCache) error {
	// School staff keep the records of their own pupils only.
	if v.SchoolID != "" && in.SchoolID != v.SchoolID {
		fe.Add("school_id", "只能登记和修改本校学生的信息")
	}
	if v.ClassID != "" && in.ClassID != v.ClassID {
		fe.Add("class_id", "只能登记和修改本班学生的信息")
	}
	if in.VillageCode != "" {
		code, err := regions.Normalize(in.VillageCode)
		if err != nil {
			fe.Add("village_code", errs.As(err).Message)
		} else {
			in.VillageCode = code
			ok, known := false, false
			if c != nil {
				ok, known = c.villages[code]
			}
			if !known {
				if ok, err = s.regions.IsVillage(ctx, q, code); err != nil {
					return err
				}
				if c != nil {
					c.villages[code] = ok
				}
			}
			switch {
			case !ok:
				fe.Addf("village_code", "行政区划代码%s不存在或不是村级（村委会、社区）代码", code)
			case !v.InRegion(code):
				fe.Addf("village_code", "行政区划%s不在您的管辖范围内", code)
			}
		}
	}
	if in.SchoolID != "" {
		if c == nil {
			return schools.CheckPlacement(ctx, q, v, in.SchoolID, in.ClassID, in.Grade, fe)
		}
		key := in.SchoolID + "|" + in.ClassID + "|" + strconv.Itoa(in.Grade)
		found, ok := c.placements[key]
		if !ok {
			found = errs.FieldErrors{}
			if err := schools.CheckPlacement(ctx, q, v, in.SchoolID, in.ClassID, in.Grade, found); err != nil {
				return err
			}
			c.placements[key] = found
		}
		for k, m := range found {
			fe.Add(k, m)
		}
	}
	return nil
}

// Create registers a new child. It validates every field, refuses a
// duplicate ID number (errs.Conflict naming the region of the existing
// record), derives the classification and writes its first history entry
// and its audit entry (action create, every field set, sensitive values
// masked), all in one transaction. The child returned has its ID numbers
// masked.
func (s *Store) Create(ctx context.Context, v access.Viewer, in Input) (Child, error) {
	if !v.CanWrite {
		return Child{}, errs.New(errs.Forbidden, "您无权登记儿童信息")
	}
	now := s.db.Now()
	val, verr := validate(in, now)
	id := uuid.Must(uuid.NewV7()).String()
	var r row
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		fe := errs.FieldErrors{}
		if verr != nil {
			fe = errs.As(verr).Fields
		}
		if err := s.checkPlace(ctx, tx, v, &val.in, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, v, id, val); err != nil {
			return err
		}
		var err error
		r, err = s.get(ctx, tx, access.System(), id)
		return err
	})
	if err != nil {
		return Child{}, s.duplicate(ctx, v, err, val.idNumber)
	}
	return s.written(v, r, true)
}

// insert writes one validated child with its first history entry and its
// audit entry.
func (s *Store) insert(ctx context.Context, tx *storage.Tx, v access.Viewer, id string, val valid) error {
	sealed, err := person.Seal(s.vault, "child", val.idNumber)
	if err != nil {
		return err
	}
	var guard person.SealedID
	if val.guardianID != "" {
		if guard, err = person.Seal(s.vault, "guardian", val.guardianID); err != nil {
			return err
		}
	}
	in := val.in
	today := person.Today(tx.Now)
	cl := Classify(val.facts(), today)
	_, err = tx.ExecContext(ctx, `INSERT INTO children (id, version, id_cipher, id_hash, id_mask, id_tail, name, sex, birth_date, ethnicity, hukou,
		village_code, school_id, grade, class_id, father_status, father_away_place, father_phone, mother_status, mother_away_place, mother_phone,
		guardian_name, guardian_relation, guardian_phone, guardian_id_cipher, guardian_id_mask, guardian_entrusted, entrusted_on,
		health_flags, disability, difficulty, migrant, notes, left_behind, left_behind_reason, categories, classified_on, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, sealed.Cipher, sealed.Hash, sealed.Mask, sealed.Tail, in.Name, in.Sex, storage.DateArg(val.birth), in.Ethnicity, in.Hukou,
		in.VillageCode, nullStr(in.SchoolID), nullGrade(in), nullStr(in.ClassID), in.FatherStatus, in.FatherAwayPlace, in.FatherPhone,
		in.MotherStatus, in.MotherAwayPlace, in.MotherPhone,
		in.GuardianName, in.GuardianRelation, in.GuardianPhone, nullBytes(guard.Cipher), guard.Mask, in.GuardianEntrusted, storage.DateArg(val.entrustedOn),
		person.JoinSet(in.HealthFlags), in.Disability, person.JoinSet(in.Difficulty), in.Migrant, in.Notes,
		cl.LeftBehind, cl.Reason, person.JoinSet(cl.Categories), storage.DateArg(today), storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
	if err != nil {
		return err
	}
	if err := addHistory(ctx, tx, id, today, "create", Classification{Categories: []string{}}, cl, ChangeReason(Classification{}, cl, true)); err != nil {
		return err
	}
	after := val.child(cl)
	if err := recount(ctx, tx, nil, &after); err != nil {
		return err
	}
	return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordType, RecordID: id,
		Changes: audit.Diff(auditNames, auditValues(Child{}, "", ""),
			auditValues(val.child(cl), s.token("child", val.idNumber), s.token("guardian", val.guardianID)), auditMasked)})
}

func (val valid) facts() Facts {
	return Facts{BirthDate: val.birth, Hukou: val.in.Hukou, Father: val.in.FatherStatus, Mother: val.in.MotherStatus,
		Difficulty: val.in.Difficulty, Migrant: val.in.Migrant}
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func nullGrade(in Input) any {
	if in.SchoolID == "" && in.Grade == 0 {
		return nil
	}
	return in.Grade
}

// duplicate turns a unique violation on the ID hash into a conflict error
// naming the region of the record already registered.
// visiblePlace is where a record outside the viewer's scope may be said to
// be: its county, enough to contact the right office, not the village.
func visiblePlace(v access.Viewer, village string) string {
	if v.InRegion(village) || len(village) != 12 {
		return village
	}
	return village[:6] + "000000"
}

func (s *Store) duplicate(ctx context.Context, v access.Viewer, err error, idNumber string) error {
	if !storage.IsUnique(err, "id_hash") {
		return err
	}
	hash := s.vault.Hash("child", idNumber)
	var village string
	var archived sql.NullString
	if e := s.db.Reader().QueryRowContext(ctx, `SELECT village_code, archived_at FROM children WHERE id_hash = ?`, hash).Scan(&village, &archived); e != nil {
		return &errs.Error{Code: errs.Conflict, Message: "该身份证号码已登记", Fields: map[string]string{"id_number": "该身份证号码已登记"}, Err: err}
	}
	where, _ := s.regions.PathString(ctx, visiblePlace(v, village))
	msg := "该身份证号码已在" + where + "登记"
	if archived.Valid {
		msg += "（记录已归档）"
	}
	return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{"id_number": msg}, Err: err}
}

func addHistory(ctx context.Context, tx *storage.Tx, childID string, on time.Time, source string, old, new Classification, reason string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO child_category_history (id, child_id, effective_on, recorded_at, source, before_categories, after_categories, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, uuid.Must(uuid.NewV7()).String(), childID, storage.DateArg(on), storage.TimeArg(tx.Now), source,
		person.JoinSet(old.Categories), person.JoinSet(new.Categories), reason)
	return err
}

// Update replaces a child's facts. version must be the version the user
// read; a stale version is refused with errs.Conflict and nothing changes.
// A change of classification is added to the history, and the fields that
// changed, old → new (sensitive values masked), to the audit log, in the
// same transaction. The child returned has its ID numbers masked.
func (s *Store) Update(ctx context.Context, v access.Viewer, id string, version int, in Input) (Child, error) {
	return s.update(ctx, v, id, version, in, "edit")
}

// ErrStale is the message of a stale-version conflict.
const ErrStale = "该记录已被他人修改，请查看最新内容后重新提交"

func (s *Store) update(ctx context.Context, v access.Viewer, id string, version int, in Input, source string) (Child, error) {
	if !v.CanWrite {
		return Child{}, errs.New(errs.Forbidden, "您无权修改儿童信息")
	}
	now := s.db.Now()
	var val valid
	var r row
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if cur.c.Version != version {
			return errs.New(errs.Conflict, ErrStale)
		}
		if cur.c.Archived {
			return errs.New(errs.Invalid, "已归档的记录不能修改，请先恢复")
		}
		// An ID number left blank or sent back masked keeps the stored one:
		// editors who may not see ID numbers (teachers) can still edit the
		// other facts. A blank guardian ID number removes it only for those
		// who can see it.
		if in.IDNumber, err = s.keepID(in.IDNumber, cur.idCipher, true); err != nil {
			return err
		}
		if in.GuardianIDNumber, err = s.keepID(in.GuardianIDNumber, cur.guardCipher, !v.May.IDNumber); err != nil {
			return err
		}
		var verr error
		val, verr = validate(in, now)
		fe := errs.FieldErrors{}
		if verr != nil {
			fe = errs.As(verr).Fields
		}
		if err := s.checkPlace(ctx, tx, v, &val.in, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		sealed, err := person.Seal(s.vault, "child", val.idNumber)
		if err != nil {
			return err
		}
		var guard person.SealedID
		if val.guardianID != "" {
			if guard, err = person.Seal(s.vault, "guardian", val.guardianID); err != nil {
				return err
			}
		}
		today := person.Today(tx.Now)
		oldCl := Classification{LeftBehind: cur.c.LeftBehind, Reason: cur.c.LeftBehindReason, Categories: cur.c.Categories}
		cl := Classify(val.facts(), today)
		res, err := updateRow(ctx, tx, id, version, val, sealed, guard, cl, today)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, ErrStale)
		}
		if changed(oldCl, cl) {
			if err := addHistory(ctx, tx, id, today, source, oldCl, cl, ChangeReason(oldCl, cl, false)); err != nil {
				return err
			}
		}
		after := val.child(cl)
		if err := recount(ctx, tx, &cur.c, &after); err != nil {
			return err
		}
		oldID, oldGuard, err := s.tokens(cur)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordType, RecordID: id,
			Changes: audit.Diff(auditNames, auditValues(cur.c, oldID, oldGuard),
				auditValues(val.child(cl), sealed.Hash, s.token("guardian", val.guardianID)), auditMasked)}); err != nil {
			return err
		}
		// After the audit entry: see OnScheduleChange.
		if scheduleFactsChanged(cur.c, after) {
			if err := s.scheduleChanged(ctx, tx, id); err != nil {
				return err
			}
		}
		r, err = s.get(ctx, tx, access.System(), id)
		return err
	})
	if err != nil {
		return Child{}, s.duplicate(ctx, v, err, val.idNumber)
	}
	return s.written(v, r, true)
}

// updateRow replaces the facts and classification of the child id at
// version with a valid input's.
func updateRow(ctx context.Context, tx *storage.Tx, id string, version int, val valid, sealed, guard person.SealedID, cl Classification, today time.Time) (sql.Result, error) {
	in := val.in
	return tx.ExecContext(ctx, `UPDATE children SET version = version + 1, id_cipher = ?, id_hash = ?, id_mask = ?, id_tail = ?,
			name = ?, sex = ?, birth_date = ?, ethnicity = ?, hukou = ?, village_code = ?, school_id = ?, grade = ?, class_id = ?,
			father_status = ?, father_away_place = ?, father_phone = ?, mother_status = ?, mother_away_place = ?, mother_phone = ?,
			guardian_name = ?, guardian_relation = ?, guardian_phone = ?, guardian_id_cipher = ?, guardian_id_mask = ?, guardian_entrusted = ?, entrusted_on = ?,
			health_flags = ?, disability = ?, difficulty = ?, migrant = ?, notes = ?, left_behind = ?, left_behind_reason = ?, categories = ?,
			classified_on = ?, updated_at = ?
			WHERE id = ? AND version = ?`,
		sealed.Cipher, sealed.Hash, sealed.Mask, sealed.Tail, in.Name, in.Sex, storage.DateArg(val.birth), in.Ethnicity, in.Hukou,
		in.VillageCode, nullStr(in.SchoolID), nullGrade(in), nullStr(in.ClassID),
		in.FatherStatus, in.FatherAwayPlace, in.FatherPhone, in.MotherStatus, in.MotherAwayPlace, in.MotherPhone,
		in.GuardianName, in.GuardianRelation, in.GuardianPhone, nullBytes(guard.Cipher), guard.Mask, in.GuardianEntrusted, storage.DateArg(val.entrustedOn),
		person.JoinSet(in.HealthFlags), in.Disability, person.JoinSet(in.Difficulty), in.Migrant, in.Notes,
		cl.LeftBehind, cl.Reason, person.JoinSet(cl.Categories), storage.DateArg(today), storage.TimeArg(tx.Now), id, version)
}

// keepID returns the stored ID number (decrypted) when given is masked, or
// blank and blankKeeps; otherwise given.
func (s *Store) keepID(given string, cipher []byte, blankKeeps bool) (string, error) {
	g := strings.TrimSpace(given)
	if len(cipher) == 0 || !(strings.Contains(g, "*") || (g == "" && blankKeeps)) {
		return given, nil
	}
	n, err := s.vault.Open(cipher)
	return n, errs.Wrap(err, "open id number")
}

func changed(a, b Classification) bool {
	if a.LeftBehind != b.LeftBehind || (b.LeftBehind && a.Reason != b.Reason) {
		return true
	}
	return person.JoinSet(a.Categories) != person.JoinSet(b.Categories)
}

// Archive takes a child out of the active census (moved away, turned 18,
// registered in error), keeping the record and its history, and audits it
// (action archive) in the same transaction. A stale version is refused
// with errs.Conflict. The child returned has its ID numbers masked and no
// health detail (Masked lists "health"): read it with Get.
func (s *Store) Archive(ctx context.Context, v access.Viewer, id string, version int, reason string) (Child, error) {
	return s.setArchived(ctx, v, id, version, reason, true)
}

// Restore returns an archived child to the active census and audits it
// (action restore) in the same transaction. The child returned is as from
// Archive.
func (s *Store) Restore(ctx context.Context, v access.Viewer, id string, version int) (Child, error) {
	return s.setArchived(ctx, v, id, version, "", false)
}

func (s *Store) setArchived(ctx context.Context, v access.Viewer, id string, version int, reason string, archive bool) (Child, error) {
	if !v.CanWrite {
		return Child{}, errs.New(errs.Forbidden, "您无权修改儿童信息")
	}
	fe := errs.FieldErrors{}
	reason = person.CheckText(fe, "reason", "归档原因", reason, 200)
	if archive && reason == "" {
		fe.Add("reason", "请填写归档原因")
	}
	if err := fe.Err(); err != nil {
		return Child{}, err
	}
	var r row
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if cur.c.Version != version {
			return errs.New(errs.Conflict, ErrStale)
		}
		if cur.c.Archived == archive {
			if archive {
				return errs.New(errs.Invalid, "该记录已归档")
			}
			return errs.New(errs.Invalid, "该记录未归档")
		}
		var at any
		if archive {
			at = storage.TimeArg(tx.Now)
		}
		res, err := tx.ExecContext(ctx, `UPDATE children SET version = version + 1, archived_at = ?, archive_reason = ?, updated_at = ? WHERE id = ? AND version = ?`,
			at, reason, storage.TimeArg(tx.Now), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, ErrStale)
		}
		after := cur.c
		after.Archived = archive
		if err := recount(ctx, tx, &cur.c, &after); err != nil {
			return err
		}
		action := audit.ActionRestore
		if archive {
			action = audit.ActionArchive
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: action, RecordType: RecordType, RecordID: id,
			Changes: audit.Diff(archiveNames, archiveValues(cur.c.Archived, cur.c.ArchiveReason), archiveValues(archive, reason), nil)}); err != nil {
			return err
		}
		// After the audit entry: see OnScheduleChange.
		if err := s.scheduleChanged(ctx, tx, id); err != nil {
			return err
		}
		r, err = s.get(ctx, tx, access.System(), id)
		return err
	})
	if err != nil {
		return Child{}, err
	}
	return s.written(v, r, false)
}

// HistoryEntry is one change of a child's categories.
type HistoryEntry struct {
	EffectiveOn time.Time `json:"-"`
	RecordedAt  time.Time `json:"recorded_at"`
	Source      string    `json:"source"` // create, edit, daily, import
	Before      []string  `json:"before"`
	After       []string  `json:"after"`
	Reason      string    `json:"reason"`
}

// History returns the child's category history, oldest first.
func (s *Store) History(ctx context.Context, v access.Viewer, id string) ([]HistoryEntry, error) {
	q := s.db.Reader()
	if _, err := s.get(ctx, q, v, id); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT effective_on, recorded_at, source, before_categories, after_categories, reason
		FROM child_category_history WHERE child_id = ? ORDER BY recorded_at, id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "history")
	}
	defer rows.Close()
	out := []HistoryEntry{}
	for rows.Next() {
		var h HistoryEntry
		var before, after string
		if err := rows.Scan(storage.Date{T: &h.EffectiveOn}, storage.Time{T: &h.RecordedAt}, &h.Source, &before, &after, &h.Reason); err != nil {
			return nil, errs.Wrap(err, "history")
		}
		h.Before, h.After = person.SplitSet(before), person.SplitSet(after)
		if !v.May.Difficulty {
			// Hide difficulty: drop it from the sets, drop entries that only
			// changed it, and word category changes without it.
			h.Before, h.After = dropDifficulty(h.Before), dropDifficulty(h.After)
			same := person.JoinSet(h.Before) == person.JoinSet(h.After)
			if rest, ok := strings.CutPrefix(h.Reason, ReasonImportUpdate+"："); ok && strings.HasPrefix(rest, reasonCategories) {
				// A census update: it changed facts, so it stays, but
				// says nothing of the difficulty category.
				h.Reason = ReasonImportUpdate
				if !same {
					h.Reason += "：" + reasonCategories + labels(h.After)
				}
				out = append(out, h)
				continue
			}
			if h.Source != "create" && same && strings.HasPrefix(h.Reason, reasonCategories) {
				continue
			}
			if strings.HasPrefix(h.Reason, reasonCategories) {
				h.Reason = reasonCategories + labels(h.After)
			}
		}
		out = append(out, h)
	}
	return out, errs.Wrap(rows.Err(), "history")
}

func dropDifficulty(cs []string) []string {
	out := []string{}
	for _, c := range cs {
		if c != CategoryDifficulty {
			out = append(out, c)
		}
	}
	return out
}

// Reclassify re-derives the classification of every active child whose
// category can have changed by the passage of time alone — those still
// counted left-behind who have turned 16 by asOf — and records each change
// in the history (source "daily") and in the audit log (one entry per
// child changed: action update by the system, user "", the classification
// fields old → new, the difficulty category left out). It returns how many
// children changed. The daily job calls it; it is idempotent.
func (s *Store) Reclassify(ctx context.Context, asOf time.Time) (int, error) {
	asOf = time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	err := s.db.Write(ctx, func(tx *storage.Tx) (err error) {
		rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM children c
			WHERE c.left_behind = ? AND c.archived_at IS NULL AND c.birth_date <= ?`, true, storage.DateArg(asOf.AddDate(-16, 0, 0)))
		if err != nil {
			return err
		}
		var due []Child
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return err
			}
			due = append(due, r.c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		d := tally.NewDelta()
		var moved []string
		defer func() {
			if err == nil {
				err = tally.Apply(ctx, tx, d)
			}
			if err == nil {
				err = s.scheduleChanged(ctx, tx, moved...)
			}
		}()
		for _, c := range due {
			old := Classification{LeftBehind: c.LeftBehind, Reason: c.LeftBehindReason, Categories: c.Categories}
			cl := Classify(Facts{BirthDate: c.BirthDate, Hukou: c.Hukou, Father: c.FatherStatus, Mother: c.MotherStatus, Difficulty: c.Difficulty, Migrant: c.Migrant}, asOf)
			if !changed(old, cl) {
				continue
			}
			on := asOf
			if cl.Reason == ReasonAge16 {
				on = SixteenthBirthday(c.BirthDate)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE children SET version = version + 1, left_behind = ?, left_behind_reason = ?, categories = ?, classified_on = ?, updated_at = ? WHERE id = ?`,
				cl.LeftBehind, cl.Reason, person.JoinSet(cl.Categories), storage.DateArg(asOf), storage.TimeArg(tx.Now), c.ID); err != nil {
				return err
			}
			if err := addHistory(ctx, tx, c.ID, on, "daily", old, cl, ChangeReason(old, cl, false)); err != nil {
				return err
			}
			after := c
			after.LeftBehind, after.LeftBehindReason, after.Categories = cl.LeftBehind, cl.Reason, cl.Categories
			countChange(d, &c, &after)
			if scheduleFactsChanged(c, after) {
				moved = append(moved, c.ID)
			}
			if err := audit.Record(ctx, tx, access.System(), audit.Entry{Action: audit.ActionUpdate, RecordType: RecordType, RecordID: c.ID,
				Changes: audit.Diff(classNames, auditValues(c, "", ""), auditValues(after, "", ""), auditMasked), Note: reclassifyNote(asOf)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, errs.Wrap(err, "reclassify")
}
