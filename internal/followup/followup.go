// Package followup is the follow-ups of left-behind children (随访): who
// visited or called a child, when and how, how the child stands in the
// five dimensions (study, daily life, psychology, thinking, health), the
// needs found and the next planned date; the schedule rules that say how
// often each care role visits each category of child; each user's task
// list (due soon, overdue, escalated up the responsibility chain); and the
// in-app notifications an urgent rating sends to the child's chain.
//
// Every read is filtered by the viewer's scope in SQL; every write is
// audited in its own transaction. The psychology note is shown only to
// viewers with access.Sensitive.MentalHealth (and to whoever wrote it).
package followup

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/needs"
	"guanai/internal/person"
	"guanai/internal/storage"
	"guanai/internal/tally"
)

// How a follow-up was made.
const (
	MethodHomeVisit  = "home_visit"  // 家访
	MethodPhone      = "phone"       // 电话
	MethodSchoolTalk = "school_talk" // 在校谈心
	MethodCompany    = "company"     // 陪伴
	MethodOther      = "other"       // 其他
)

// Methods lists the methods in display order.
var Methods = []string{MethodHomeVisit, MethodPhone, MethodSchoolTalk, MethodCompany, MethodOther}

// MethodLabel returns a method in Chinese.
func MethodLabel(m string) string {
	switch m {
	case MethodHomeVisit:
		return "家访"
	case MethodPhone:
		return "电话"
	case MethodSchoolTalk:
		return "在校谈心"
	case MethodCompany:
		return "陪伴"
	case MethodOther:
		return "其他"
	}
	return m
}

// The five dimensions.
const (
	DimStudy    = "study"    // 学习
	DimLife     = "life"     // 生活
	DimPsych    = "psych"    // 心理
	DimThinking = "thinking" // 思想
	DimHealth   = "health"   // 健康
)

// Dimensions lists the five dimensions in display order.
var Dimensions = []string{DimStudy, DimLife, DimPsych, DimThinking, DimHealth}

// DimensionLabel returns a dimension in Chinese.
func DimensionLabel(d string) string {
	switch d {
	case DimStudy:
		return "学习"
	case DimLife:
		return "生活"
	case DimPsych:
		return "心理"
	case DimThinking:
		return "思想"
	case DimHealth:
		return "健康"
	}
	return d
}

// Ratings of a dimension.
const (
	RatingGood      = "good"      // 良好
	RatingAttention = "attention" // 需关注
	RatingUrgent    = "urgent"    // 紧急
)

// Ratings lists the ratings in display order.
var Ratings = []string{RatingGood, RatingAttention, RatingUrgent}

// RatingLabel returns a rating in Chinese.
func RatingLabel(r string) string {
	switch r {
	case RatingGood:
		return "良好"
	case RatingAttention:
		return "需关注"
	case RatingUrgent:
		return "紧急"
	}
	return r
}

// RecordFollowup is how the audit log names follow-ups.
const RecordFollowup = "followup"

// Limits of free text.
const (
	maxNote = 1000
	maxNeed = 500
	// MaxNeeds is how many needs one follow-up may raise.
	MaxNeeds = 10
)

// Dimension is one dimension's rating and note. NoteHidden says the note
// exists but the viewer may not read it (psychology).
type Dimension struct {
	Key        string `json:"key"`
	Label      string `json:"label"`
	Rating     string `json:"rating"`
	RatingText string `json:"rating_label"`
	Note       string `json:"note"`
	NoteHidden bool   `json:"note_hidden"`
}

// Followup is one recorded follow-up.
type Followup struct {
	ID           string      `json:"id"`
	ChildID      string      `json:"child_id"`
	ChildName    string      `json:"child_name"`
	VillageCode  string      `json:"village_code"`
	UserID       string      `json:"user_id"`
	UserName     string      `json:"user_name"`
	CareRole     string      `json:"care_role"`
	CareRoleText string      `json:"care_role_label"`
	VisitedOn    string      `json:"visited_on"`
	Method       string      `json:"method"`
	MethodLabel  string      `json:"method_label"`
	Dimensions   []Dimension `json:"dimensions"`
	Urgent       bool        `json:"urgent"`
	NextOn       string      `json:"next_on"`
	NeedIDs      []string    `json:"need_ids"`
	CreatedAt    time.Time   `json:"created_at"`
}

// NeedInput is a need found in a follow-up; it becomes a needs-list item
// (package needs) of one of menu's kinds.
type NeedInput struct {
	Kind        string `json:"kind"`
	Description string `json:"description"`
}

// Input is a follow-up as typed. Empty fields take their defaults:
// VisitedOn today, Method home visit, every rating good, NextOn the date
// the schedule gives.
type Input struct {
	ChildID   string            `json:"child_id"`
	VisitedOn string            `json:"visited_on"`
	Method    string            `json:"method"`
	Ratings   map[string]string `json:"ratings"`
	Notes     map[string]string `json:"notes"`
	Needs     []NeedInput       `json:"needs"`
	NextOn    string            `json:"next_on"`
}

// Store reads and writes follow-ups, rules, tasks and notifications.
type Store struct {
	db *storage.DB
}

// NewStore returns a follow-up store.
func NewStore(db *storage.DB) *Store { return &Store{db: db} }

var errChildNotFound = errs.New(errs.NotFound, "未找到该儿童的记录")

// child is what a follow-up reads of a child.
type child struct {
	ID, Name, VillageCode, SchoolID, ClassID string
	LeftBehind                               bool
	Difficulty                               string
	Archived                                 bool
	CreatedAt                                time.Time
}

// childScope limits children (alias c) to v's view: their scope, or a
// mentor's current pairings.
func childScope(v access.Viewer) (string, []any) {
	if v.PairedWith != "" && !v.Nobody {
		return `EXISTS (SELECT 1 FROM pairings pw WHERE pw.child_id = c.id AND pw.mentor_id = ? AND pw.to_on IS NULL)`, []any{v.PairedWith}
	}
	return v.Where("c.village_code", "c.school_id", "c.class_id")
}

// networkCond is true for children (alias c) in whose care network user
// uid stands: a current team member, a paired mentor, or the holder of one
// of the child's proxy positions.
const networkCond = `(EXISTS (SELECT 1 FROM care_members nm WHERE nm.child_id = c.id AND nm.user_id = ? AND nm.to_on IS NULL)
	OR EXISTS (SELECT 1 FROM pairings np WHERE np.child_id = c.id AND np.mentor_id = ? AND np.to_on IS NULL)
	OR EXISTS (SELECT 1 FROM care_positions pp WHERE pp.user_id = ? AND pp.to_on IS NULL AND (
		(pp.kind = 'village_proxy' AND pp.subject = c.village_code) OR (pp.kind = 'principal' AND pp.subject = c.school_id)
		OR (pp.kind = 'homeroom' AND pp.subject = c.class_id))))`

// readChild returns a child v sees (in scope, or in v's care network) and
// whether v stands in the child's care network.
func readChild(ctx context.Context, q storage.Querier, v access.Viewer, id string) (child, bool, error) {
	id = strings.TrimSpace(id)
	if _, err := uuid.Parse(id); err != nil || v.Nobody {
		return child{}, false, errChildNotFound
	}
	where, args := childScope(v)
	uid := v.UserID
	if uid == "" {
		uid = "-"
	}
	var c child
	var school, class sql.NullString
	var archived time.Time
	var inNet bool
	err := q.QueryRowContext(ctx, `SELECT c.id, c.name, c.village_code, c.school_id, c.class_id, c.left_behind, c.difficulty, c.archived_at, c.created_at,
		CASE WHEN `+networkCond+` THEN 1 ELSE 0 END
		FROM children c WHERE c.id = ? AND ((`+where+`) OR `+networkCond+`)`,
		append(append([]any{uid, uid, uid, id}, args...), uid, uid, uid)...).
		Scan(&c.ID, &c.Name, &c.VillageCode, &school, &class, &c.LeftBehind, &c.Difficulty, storage.Time{T: &archived}, storage.Time{T: &c.CreatedAt}, &inNet)
	if errors.Is(err, sql.ErrNoRows) {
		return child{}, false, errChildNotFound
	}
	if err != nil {
		return child{}, false, errs.Wrap(err, "followup: child")
	}
	c.SchoolID, c.ClassID, c.Archived = school.String, class.String, !archived.IsZero()
	return c, inNet, nil
}

// rolesMayRecord are the roles that may record a follow-up of any child in
// their scope without standing in the child's care network.
var rolesMayRecord = []string{"officer", "social_worker", "counsellor"}

// MayRecordAny reports whether v's role lets them record follow-ups of any
// child in their scope.
func MayRecordAny(v access.Viewer) bool {
	if v.Nobody {
		return false
	}
	for _, r := range v.Roles {
		if slices.Contains(rolesMayRecord, r) {
			return true
		}
	}
	return false
}

// Record saves a follow-up by v of a child v sees, audited, in one
// transaction: each need found becomes a needs-list item, an urgent
// rating notifies every user in the child's chain at once, and the
// child's earliest due visit (RecomputeDue) moves. It returns
// errs.NotFound for a child outside v's view, errs.Forbidden when v stands
// outside the child's care network and v's role does not allow it, and
// errs.Invalid with Chinese Fields for bad input (a date in the future
// among them).
func (s *Store) Record(ctx context.Context, v access.Viewer, in Input) (Followup, error) {
	if v.UserID == "" {
		return Followup{}, errs.New(errs.Forbidden, "随访须由登录用户记录")
	}
	var out Followup
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		c, inNet, err := readChild(ctx, tx, v, in.ChildID)
		if err != nil {
			return err
		}
		inScope := v.InRegion(c.VillageCode) && (v.SchoolID == "" || v.SchoolID == c.SchoolID) && (v.ClassID == "" || v.ClassID == c.ClassID)
		if !inNet && !(MayRecordAny(v) && inScope) {
			return errs.New(errs.Forbidden, "您不在该儿童的关爱网络中（关爱队伍、代理家长或结对帮扶人），您的角色也无权为其记录随访")
		}
		if c.Archived {
			return errs.New(errs.Invalid, "该儿童的记录已归档，不能再记录随访")
		}
		today := person.Today(tx.Now)
		f, err := validate(in, today)
		if err != nil {
			return err
		}
		f.ID, f.ChildID, f.ChildName, f.VillageCode = uuid.Must(uuid.NewV7()).String(), c.ID, c.Name, c.VillageCode
		f.UserID, f.UserName, f.CreatedAt = v.UserID, v.Name, tx.Now
		if err := tx.QueryRowContext(ctx, `SELECT role FROM care_members WHERE child_id = ? AND user_id = ? AND to_on IS NULL ORDER BY role LIMIT 1`, c.ID, v.UserID).Scan(&f.CareRole); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "followup: care role")
		}
		f.CareRoleText = careRoleLabel(f.CareRole)
		rules, err := s.rules(ctx, tx)
		if err != nil {
			return err
		}
		if f.NextOn == "" {
			visited, _ := time.Parse(storage.DateLayout, f.VisitedOn)
			if r, ok := strictest(rules, f.CareRole, c); ok {
				f.NextOn = r.Next(visited).Format(storage.DateLayout)
			}
		}
		dim := map[string]Dimension{}
		for _, d := range f.Dimensions {
			dim[d.Key] = d
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO followups (id, child_id, village_code, user_id, user_name, care_role, visited_on, method,
			study_rating, study_note, life_rating, life_note, psych_rating, psych_note, thinking_rating, thinking_note, health_rating, health_note,
			urgent, next_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.ChildID, f.VillageCode, f.UserID, f.UserName, f.CareRole, f.VisitedOn, f.Method,
			dim[DimStudy].Rating, dim[DimStudy].Note, dim[DimLife].Rating, dim[DimLife].Note, dim[DimPsych].Rating, dim[DimPsych].Note,
			dim[DimThinking].Rating, dim[DimThinking].Note, dim[DimHealth].Rating, dim[DimHealth].Note,
			f.Urgent, nullStr(f.NextOn), storage.TimeArg(tx.Now))
		if err != nil {
			return errs.Wrap(err, "followup: insert")
		}
		d := tally.NewDelta()
		d.Add(f.VillageCode, 1, DayKey(f.VisitedOn))
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		// The recorder passed the network check above; the need is theirs
		// even where their census scope does not reach the child.
		raiser := access.System()
		raiser.UserID, raiser.Username, raiser.Name, raiser.IP, raiser.Roles = v.UserID, v.Username, v.Name, v.IP, v.Roles
		for i, n := range in.Needs {
			id, err := needs.Raise(ctx, tx, raiser, c.ID, n.Kind, n.Description, needs.SourceFollowup, f.ID)
			if err != nil {
				if e := errs.As(err); e != nil && e.Code == errs.Invalid && len(e.Fields) > 0 {
					fe := errs.FieldErrors{}
					for k, m := range e.Fields {
						fe.Addf("needs."+itoa(i)+"."+k, "第 %d 项需求：%s", i+1, m)
					}
					return fe.Err()
				}
				return err
			}
			f.NeedIDs = append(f.NeedIDs, id)
		}
		changes := []audit.Change{{Field: "child", New: c.ID}, {Field: "visited_on", New: f.VisitedOn}, {Field: "method", New: f.Method}}
		for _, d := range f.Dimensions {
			changes = append(changes, audit.Change{Field: d.Key, New: d.Rating})
		}
		if f.NextOn != "" {
			changes = append(changes, audit.Change{Field: "next_on", New: f.NextOn})
		}
		if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordFollowup, RecordID: f.ID, Changes: changes}); err != nil {
			return err
		}
		if f.Urgent {
			if err := notifyUrgent(ctx, tx, f); err != nil {
				return err
			}
		}
		// The visit may move the child's earliest due visit.
		if err := RefreshDue(ctx, tx, c.ID); err != nil {
			return err
		}
		out = f
		return nil
	})
	if err != nil {
		return Followup{}, err
	}
	return out, nil
}

// validate checks the input and returns the follow-up it describes (its
// identity not yet set).
func validate(in Input, today time.Time) (Followup, error) {
	fe := errs.FieldErrors{}
	f := Followup{Method: strings.TrimSpace(in.Method), VisitedOn: today.Format(storage.DateLayout), Dimensions: []Dimension{}, NeedIDs: []string{}}
	if s := strings.TrimSpace(in.VisitedOn); s != "" {
		d, ok := person.ParseDate(s)
		switch {
		case !ok:
			fe.Addf("visited_on", "随访日期“%s”不是有效的日期（应为 2006-01-02 格式）", s)
		case d.After(today):
			fe.Add("visited_on", "随访日期不能晚于今天")
		case d.Year() < 2000:
			fe.Add("visited_on", "随访日期无效")
		default:
			f.VisitedOn = d.Format(storage.DateLayout)
		}
	}
	if f.Method == "" {
		f.Method = MethodHomeVisit
	}
	if !slices.Contains(Methods, f.Method) {
		fe.Addf("method", "随访方式“%s”无效", f.Method)
	}
	f.MethodLabel = MethodLabel(f.Method)
	for k := range in.Ratings {
		if !slices.Contains(Dimensions, k) {
			fe.Addf("ratings."+k, "没有“%s”这一维度", k)
		}
	}
	for k := range in.Notes {
		if !slices.Contains(Dimensions, k) {
			fe.Addf("notes."+k, "没有“%s”这一维度", k)
		}
	}
	for _, k := range Dimensions {
		r := strings.TrimSpace(in.Ratings[k])
		if r == "" {
			r = RatingGood
		}
		if !slices.Contains(Ratings, r) {
			fe.Addf("ratings."+k, "%s评价“%s”无效（应为良好、需关注或紧急）", DimensionLabel(k), r)
		}
		note := strings.TrimSpace(in.Notes[k])
		if utf8.RuneCountInString(note) > maxNote {
			fe.Addf("notes."+k, "%s情况说明不能超过 %d 个字", DimensionLabel(k), maxNote)
		}
		if r == RatingUrgent {
			f.Urgent = true
		}
		f.Dimensions = append(f.Dimensions, Dimension{Key: k, Label: DimensionLabel(k), Rating: r, RatingText: RatingLabel(r), Note: note})
	}
	if s := strings.TrimSpace(in.NextOn); s != "" {
		d, ok := person.ParseDate(s)
		switch {
		case !ok:
			fe.Addf("next_on", "下次计划日期“%s”不是有效的日期（应为 2006-01-02 格式）", s)
		case d.Before(today):
			fe.Add("next_on", "下次计划日期不能早于今天")
		case d.After(today.AddDate(2, 0, 0)):
			fe.Add("next_on", "下次计划日期不能晚于两年以后")
		default:
			f.NextOn = d.Format(storage.DateLayout)
		}
	}
	if len(in.Needs) > MaxNeeds {
		fe.Addf("needs", "一次随访最多登记 %d 项需求", MaxNeeds)
	}
	for i, n := range in.Needs {
		if strings.TrimSpace(n.Kind) == "" {
			fe.Addf("needs."+itoa(i)+".kind", "第 %d 项需求未选择类别", i+1)
		}
		if utf8.RuneCountInString(n.Description) > maxNeed {
			fe.Addf("needs."+itoa(i)+".description", "第 %d 项需求的说明不能超过 %d 个字", i+1, maxNeed)
		}
	}
	return f, fe.Err()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// careRoleLabel names a care team role, "" for none.
func careRoleLabel(r string) string {
	if r == "" {
		return ""
	}
	return care.RoleLabel(r)
}

// Filter narrows a list of follow-ups.
type Filter struct {
	ChildID string // one child
	Region  string // a region node (12 digits) inside v's scope
	From    string // visited on or after
	To      string // visited on or before
	Mine    bool   // recorded by v
	Urgent  bool   // with an urgent rating
	Limit   int
	Offset  int
}

// Page is one page of follow-ups.
type Page struct {
	Items  []Followup `json:"items"`
	Total  int        `json:"total"`
	Limit  int        `json:"limit"`
	Offset int        `json:"offset"`
}

const followupCols = `f.id, f.child_id, c.name, f.village_code, f.user_id, f.user_name, f.care_role, f.visited_on, f.method,
	f.study_rating, f.study_note, f.life_rating, f.life_note, f.psych_rating, f.psych_note, f.thinking_rating, f.thinking_note,
	f.health_rating, f.health_note, f.urgent, f.next_on, f.created_at`

func scanFollowup(sc interface{ Scan(...any) error }, v access.Viewer) (Followup, error) {
	var f Followup
	var r, n [5]string
	var visited, next time.Time
	err := sc.Scan(&f.ID, &f.ChildID, &f.ChildName, &f.VillageCode, &f.UserID, &f.UserName, &f.CareRole, storage.Date{T: &visited}, &f.Method,
		&r[0], &n[0], &r[1], &n[1], &r[2], &n[2], &r[3], &n[3], &r[4], &n[4], &f.Urgent, storage.Date{T: &next}, storage.Time{T: &f.CreatedAt})
	if err != nil {
		return f, err
	}
	f.VisitedOn, f.NextOn = dateText(visited), dateText(next)
	f.MethodLabel, f.CareRoleText = MethodLabel(f.Method), careRoleLabel(f.CareRole)
	f.NeedIDs = []string{}
	for i, k := range Dimensions {
		d := Dimension{Key: k, Label: DimensionLabel(k), Rating: r[i], RatingText: RatingLabel(r[i]), Note: n[i]}
		if k == DimPsych && d.Note != "" && !MaySeePsych(v, f.UserID) {
			d.Note, d.NoteHidden = "", true
		}
		f.Dimensions = append(f.Dimensions, d)
	}
	return f, nil
}

// MaySeePsych reports whether v may read the psychology note of a
// follow-up recorded by user recorder.
func MaySeePsych(v access.Viewer, recorder string) bool {
	return v.May.MentalHealth || (v.UserID != "" && v.UserID == recorder)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storage.DateLayout)
}

// where builds the condition of a list for v.
func (f Filter) where(v access.Viewer) (string, []any, error) {
	scope, args := childScope(v)
	uid := v.UserID
	if uid == "" {
		uid = "-"
	}
	// v's own follow-ups stay visible to them (a team member whose scope
	// does not reach the child).
	conds := []string{"((" + scope + ") OR f.user_id = ?)"}
	args = append(args, uid)
	if f.ChildID != "" {
		if _, err := uuid.Parse(f.ChildID); err != nil {
			return "", nil, errChildNotFound
		}
		conds, args = append(conds, "f.child_id = ?"), append(args, f.ChildID)
	}
	if f.Region != "" {
		lo, hi := access.SubtreeRange(f.Region)
		conds, args = append(conds, "c.village_code >= ? AND c.village_code < ?"), append(args, lo, hi)
	}
	if f.From != "" {
		d, ok := person.ParseDate(f.From)
		if !ok {
			return "", nil, errs.Newf(errs.BadRequest, "起始日期“%s”无效", f.From)
		}
		conds, args = append(conds, "f.visited_on >= ?"), append(args, d.Format(storage.DateLayout))
	}
	if f.To != "" {
		d, ok := person.ParseDate(f.To)
		if !ok {
			return "", nil, errs.Newf(errs.BadRequest, "截止日期“%s”无效", f.To)
		}
		conds, args = append(conds, "f.visited_on <= ?"), append(args, d.Format(storage.DateLayout))
	}
	if f.Mine {
		conds, args = append(conds, "f.user_id = ?"), append(args, uid)
	}
	if f.Urgent {
		conds, args = append(conds, "f.urgent = ?"), append(args, true)
	}
	return strings.Join(conds, " AND "), args, nil
}

// List returns the follow-ups v sees, newest first.
func (s *Store) List(ctx context.Context, v access.Viewer, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	out := Page{Items: []Followup{}, Limit: f.Limit, Offset: f.Offset}
	if v.Nobody {
		return out, nil
	}
	where, args, err := f.where(v)
	if err != nil {
		return out, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+followupCols+`, COUNT(*) OVER () FROM followups f JOIN children c ON c.id = f.child_id
		WHERE `+where+` ORDER BY f.visited_on DESC, f.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return out, errs.Wrap(err, "followup: list")
	}
	defer rows.Close()
	for rows.Next() {
		var total int
		fu, err := scanFollowup(scanTail{rows, &total}, v)
		if err != nil {
			return out, errs.Wrap(err, "followup: list")
		}
		out.Items, out.Total = append(out.Items, fu), total
	}
	return out, errs.Wrap(rows.Err(), "followup: list")
}

// scanTail scans a row whose last column is an extra value.
type scanTail struct {
	rows *sql.Rows
	last any
}

func (s scanTail) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.last)...) }

// Get returns one follow-up v sees; others give errs.NotFound.
func (s *Store) Get(ctx context.Context, v access.Viewer, id string) (Followup, error) {
	notFound := errs.New(errs.NotFound, "未找到该随访记录")
	if _, err := uuid.Parse(id); err != nil || v.Nobody {
		return Followup{}, notFound
	}
	where, args, err := Filter{}.where(v)
	if err != nil {
		return Followup{}, err
	}
	f, err := scanFollowup(s.db.Reader().QueryRowContext(ctx, `SELECT `+followupCols+` FROM followups f JOIN children c ON c.id = f.child_id
		WHERE f.id = ? AND `+where, append([]any{id}, args...)...), v)
	if errors.Is(err, sql.ErrNoRows) {
		return Followup{}, notFound
	}
	if err != nil {
		return Followup{}, errs.Wrap(err, "followup: get")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM needs WHERE followup_id = ? ORDER BY id`, id)
	if err != nil {
		return Followup{}, errs.Wrap(err, "followup: needs")
	}
	defer rows.Close()
	for rows.Next() {
		var nid string
		if err := rows.Scan(&nid); err != nil {
			return Followup{}, errs.Wrap(err, "followup: needs")
		}
		f.NeedIDs = append(f.NeedIDs, nid)
	}
	return f, errs.Wrap(rows.Err(), "followup: needs")
}

// Child is what the follow-up form shows of a child.
type Child struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	VillageCode string `json:"village_code"`
	// InNetwork says v stands in the child's care network; MayRecord
	// says v may record a follow-up of the child.
	InNetwork bool `json:"in_network"`
	MayRecord bool `json:"may_record"`
	// NextOn is the next planned date: the latest follow-up's.
	NextOn string `json:"next_on"`
	// LastOn is the date of the latest follow-up.
	LastOn string `json:"last_on"`
}

// ChildFor returns what v may do with follow-ups of a child v sees.
func (s *Store) ChildFor(ctx context.Context, v access.Viewer, childID string) (Child, error) {
	q := s.db.Reader()
	c, inNet, err := readChild(ctx, q, v, childID)
	if err != nil {
		return Child{}, err
	}
	inScope := v.InRegion(c.VillageCode) && (v.SchoolID == "" || v.SchoolID == c.SchoolID) && (v.ClassID == "" || v.ClassID == c.ClassID)
	out := Child{ID: c.ID, Name: c.Name, VillageCode: c.VillageCode, InNetwork: inNet,
		MayRecord: v.UserID != "" && !c.Archived && (inNet || (MayRecordAny(v) && inScope))}
	var last, next time.Time
	err = q.QueryRowContext(ctx, `SELECT visited_on, next_on FROM followups WHERE child_id = ? ORDER BY visited_on DESC, id DESC LIMIT 1`, c.ID).
		Scan(storage.Date{T: &last}, storage.Date{T: &next})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Child{}, errs.Wrap(err, "followup: last")
	}
	out.LastOn, out.NextOn = dateText(last), dateText(next)
	return out, nil
}
