// Package schools keeps the schools children attend and their classes.
// Schools belong to a region (usually a township or village) and are read
// through the viewer's scope like every other record.
package schools

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// School is a school with its classes.
type School struct {
	ID         string  `json:"id"`
	Version    int     `json:"version"`
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	RegionCode string  `json:"region_code"`
	Address    string  `json:"address"`
	Phone      string  `json:"phone"`
	Archived   bool    `json:"archived"`
	Classes    []Class `json:"classes"`
}

// Class is a class of a school in a grade.
type Class struct {
	ID       string `json:"id"`
	SchoolID string `json:"school_id"`
	Grade    int    `json:"grade"`
	Name     string `json:"name"`
}

// Kinds of school.
var Kinds = []string{"kindergarten", "primary", "junior", "nine_year", "teaching_point", "senior", "special"}

// KindLabel returns a school kind in Chinese.
func KindLabel(k string) string {
	switch k {
	case "kindergarten":
		return "幼儿园"
	case "primary":
		return "小学"
	case "junior":
		return "初级中学"
	case "nine_year":
		return "九年一贯制学校"
	case "teaching_point":
		return "教学点"
	case "senior":
		return "高级中学"
	case "special":
		return "特殊教育学校"
	}
	return k
}

// GradeLabel returns a grade (0 学前, 1–6 小学, 7–9 初中, 10–12 高中) in Chinese.
func GradeLabel(g int) string {
	names := []string{"学前班", "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"}
	if g >= 0 && g < len(names) {
		return names[g]
	}
	return ""
}

// Input is what a user enters for a school.
type Input struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	RegionCode string `json:"region_code"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
}

// How the audit log names school and class records.
const (
	RecordTypeSchool = "school"
	RecordTypeClass  = "class"
)

// auditNames are the fields of a school the audit log compares.
var auditNames = []string{"name", "kind", "region_code", "address", "phone"}

// values returns the audited fields of a school input as text.
func (in Input) values() map[string]string {
	return map[string]string{"name": in.Name, "kind": in.Kind, "region_code": in.RegionCode, "address": in.Address, "phone": in.Phone}
}

// Store reads and writes schools and classes.
type Store struct {
	db      *storage.DB
	regions *regions.Store
}

// NewStore returns a school store.
func NewStore(db *storage.DB, r *regions.Store) *Store { return &Store{db: db, regions: r} }

var errNotFound = errs.New(errs.NotFound, "未找到该学校")

func (s *Store) validate(ctx context.Context, q storage.Querier, v access.Viewer, in *Input) error {
	fe := errs.FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		fe.Add("name", "学校名称不能为空")
	}
	person.CheckText(fe, "name", "学校名称", in.Name, 60)
	if !slices.Contains(Kinds, in.Kind) {
		fe.Add("kind", "学校类型无效")
	}
	in.Address = person.CheckText(fe, "address", "地址", in.Address, 200)
	in.Phone = person.CheckPhone(fe, "phone", "联系电话", in.Phone)
	code, err := regions.Normalize(in.RegionCode)
	if strings.TrimSpace(in.RegionCode) == "" {
		fe.Add("region_code", "所在行政区划不能为空")
	} else if err != nil {
		fe.Add("region_code", errs.As(err).Message)
	} else if _, err := s.regions.Get(ctx, code); err != nil || code == "" {
		fe.Addf("region_code", "行政区划代码%s不存在", in.RegionCode)
	} else if !v.InRegion(code) {
		fe.Addf("region_code", "行政区划%s不在您的管辖范围内", code)
	}
	in.RegionCode = code
	return fe.Err()
}

// Create adds a school in the viewer's scope and audits it (record type
// "school", action create, every field set) in the same transaction; a
// second school of the same name in the same region is refused.
func (s *Store) Create(ctx context.Context, v access.Viewer, in Input) (School, error) {
	if !v.CanWriteRegion() {
		return School{}, errs.New(errs.Forbidden, "您无权登记学校")
	}
	id := uuid.Must(uuid.NewV7()).String()
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if err := s.validate(ctx, tx, v, &in); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schools (id, version, name, kind, region_code, address, phone, created_at, updated_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)`, id, in.Name, in.Kind, in.RegionCode, in.Address, in.Phone, storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordTypeSchool, RecordID: id,
			Changes: audit.Diff(auditNames, nil, in.values(), nil)})
	})
	if storage.IsUnique(err, "") {
		return School{}, &errs.Error{Code: errs.Conflict, Message: "该地区已有同名学校", Fields: map[string]string{"name": "该地区已有同名学校"}, Err: err}
	}
	if err != nil {
		return School{}, errs.Wrap(err, "create school")
	}
	return s.Get(ctx, v, id)
}

// Update changes a school and audits the fields that changed, old → new,
// in the same transaction; a stale version is refused with errs.Conflict.
func (s *Store) Update(ctx context.Context, v access.Viewer, id string, version int, in Input) (School, error) {
	if !v.CanWriteSchool() {
		return School{}, errs.New(errs.Forbidden, "您无权修改学校")
	}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		cur, err := s.get(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if err := s.validate(ctx, tx, v, &in); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE schools SET version = version + 1, name = ?, kind = ?, region_code = ?, address = ?, phone = ?, updated_at = ?
			WHERE id = ? AND version = ?`, in.Name, in.Kind, in.RegionCode, in.Address, in.Phone, storage.TimeArg(tx.Now), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "该学校已被他人修改，请刷新后重试")
		}
		old := Input{Name: cur.Name, Kind: cur.Kind, RegionCode: cur.RegionCode, Address: cur.Address, Phone: cur.Phone}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordTypeSchool, RecordID: id,
			Changes: audit.Diff(auditNames, old.values(), in.values(), nil)})
	})
	if storage.IsUnique(err, "") {
		return School{}, &errs.Error{Code: errs.Conflict, Message: "该地区已有同名学校", Fields: map[string]string{"name": "该地区已有同名学校"}, Err: err}
	}
	if err != nil {
		return School{}, errs.Wrap(err, "update school")
	}
	return s.Get(ctx, v, id)
}

func (s *Store) get(ctx context.Context, q storage.Querier, v access.Viewer, id string) (School, error) {
	if _, err := uuid.Parse(id); err != nil {
		return School{}, errNotFound
	}
	where, args := v.Where("s.region_code", "s.id", "")
	var sc School
	var archived sql.NullString
	err := q.QueryRowContext(ctx, `SELECT s.id, s.version, s.name, s.kind, s.region_code, s.address, s.phone, CASE WHEN s.archived_at IS NULL THEN NULL ELSE 'y' END
		FROM schools s WHERE s.id = ? AND `+where, append([]any{id}, args...)...).
		Scan(&sc.ID, &sc.Version, &sc.Name, &sc.Kind, &sc.RegionCode, &sc.Address, &sc.Phone, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return School{}, errNotFound
	}
	if err != nil {
		return School{}, errs.Wrap(err, "get school")
	}
	sc.Archived = archived.Valid
	return sc, nil
}

// Get returns a school in the viewer's scope with its classes.
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (School, error) {
	q := s.db.Reader()
	sc, err := s.get(ctx, q, v, id)
	if err != nil {
		return School{}, err
	}
	sc.Classes, err = s.classes(ctx, q, id)
	return sc, err
}

func (s *Store) classes(ctx context.Context, q storage.Querier, schoolID string) ([]Class, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, school_id, grade, name FROM school_classes WHERE school_id = ? ORDER BY grade, name`, schoolID)
	if err != nil {
		return nil, errs.Wrap(err, "classes")
	}
	defer rows.Close()
	out := []Class{}
	for rows.Next() {
		var c Class
		if err := rows.Scan(&c.ID, &c.SchoolID, &c.Grade, &c.Name); err != nil {
			return nil, errs.Wrap(err, "classes")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "classes")
}

// Filter selects schools.
type Filter struct {
	Region string // subtree
	Query  string // part of the name
	Limit  int
	Offset int
}

// Page is one page of schools.
type Page struct {
	Schools []School `json:"items"`
	Total   int      `json:"total"`
	Limit   int      `json:"limit"`
	Offset  int      `json:"offset"`
}

// List returns schools in the viewer's scope (without their classes).
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	f.Offset = max(f.Offset, 0)
	where, args := v.Where("s.region_code", "s.id", "")
	conds := []string{where, "s.archived_at IS NULL"}
	if f.Region != "" {
		code, err := regions.Normalize(f.Region)
		if err != nil {
			return Page{}, errs.FieldErrors{"region": errs.As(err).Message}.Err()
		}
		lo, hi := regions.Range(code)
		conds, args = append(conds, "s.region_code >= ? AND s.region_code < ?"), append(args, lo, hi)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		cond, arg := storage.Contains("s.name", q)
		conds, args = append(conds, cond), append(args, arg)
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT s.id, s.version, s.name, s.kind, s.region_code, s.address, s.phone, COUNT(*) OVER ()
		FROM schools s WHERE `+strings.Join(conds, " AND ")+` ORDER BY s.region_code, s.name, s.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return Page{}, errs.Wrap(err, "list schools")
	}
	defer rows.Close()
	p := Page{Schools: []School{}, Limit: f.Limit, Offset: f.Offset}
	for rows.Next() {
		var sc School
		if err := rows.Scan(&sc.ID, &sc.Version, &sc.Name, &sc.Kind, &sc.RegionCode, &sc.Address, &sc.Phone, &p.Total); err != nil {
			return Page{}, errs.Wrap(err, "list schools")
		}
		sc.Classes = []Class{}
		p.Schools = append(p.Schools, sc)
	}
	if err := rows.Err(); err != nil {
		return Page{}, errs.Wrap(err, "list schools")
	}
	if len(p.Schools) == 0 && f.Offset > 0 {
		err = s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM schools s WHERE `+strings.Join(conds, " AND "), args...).Scan(&p.Total)
	}
	return p, errs.Wrap(err, "list schools")
}

// AddClass adds a class to a school in the viewer's scope and audits it
// (record type "class", action create) in the same transaction.
func (s *Store) AddClass(ctx context.Context, v access.Viewer, schoolID string, grade int, name string) (Class, error) {
	if !v.CanWriteSchool() {
		return Class{}, errs.New(errs.Forbidden, "您无权修改学校")
	}
	fe := errs.FieldErrors{}
	name = strings.TrimSpace(name)
	if name == "" {
		fe.Add("name", "班级名称不能为空")
	}
	name = person.CheckText(fe, "name", "班级名称", name, 20)
	if grade < 0 || grade > 12 {
		fe.Add("grade", "年级应在0（学前）到12之间")
	}
	if err := fe.Err(); err != nil {
		return Class{}, err
	}
	c := Class{ID: uuid.Must(uuid.NewV7()).String(), SchoolID: schoolID, Grade: grade, Name: name}
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		if _, err := s.get(ctx, tx, v, schoolID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO school_classes (id, school_id, grade, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, schoolID, grade, name, storage.TimeArg(tx.Now))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordTypeClass, RecordID: c.ID,
			Changes: audit.Diff([]string{"school_id", "grade", "name"}, nil,
				map[string]string{"school_id": schoolID, "grade": strconv.Itoa(grade), "name": name}, nil)})
	})
	if storage.IsUnique(err, "") {
		return Class{}, &errs.Error{Code: errs.Conflict, Message: "该年级已有同名班级", Fields: map[string]string{"name": "该年级已有同名班级"}, Err: err}
	}
	return c, errs.Wrap(err, "add class")
}

// CheckPlacement checks, inside a transaction, that a school is in the
// viewer's scope and that the class (if any) belongs to it and to the
// grade given, adding field errors to fe.
func CheckPlacement(ctx context.Context, q storage.Querier, v access.Viewer, schoolID, classID string, grade int, fe errs.FieldErrors) error {
	where, args := v.Where("s.region_code", "s.id", "")
	var n int
	if _, err := uuid.Parse(schoolID); err == nil {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM schools s WHERE s.id = ? AND s.archived_at IS NULL AND `+where,
			append([]any{schoolID}, args...)...).Scan(&n); err != nil {
			return err
		}
	}
	if n == 0 {
		fe.Add("school_id", "学校不存在或不在您的管辖范围内")
		return nil
	}
	if classID == "" {
		return nil
	}
	var g int
	var ok bool
	if _, err := uuid.Parse(classID); err == nil {
		err := q.QueryRowContext(ctx, `SELECT grade FROM school_classes WHERE id = ? AND school_id = ?`, classID, schoolID).Scan(&g)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		ok = err == nil
	}
	switch {
	case !ok:
		fe.Add("class_id", "班级不属于所选学校")
	case g != grade:
		fe.Addf("grade", "所选班级属于%s，与填写的年级不一致", GradeLabel(g))
	}
	return nil
}
