package volunteer

import (
	"bytes"
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
	"guanai/internal/tally"
)

// Kinds of group activity.
const (
	KindSafety        = "safety"        // 安全教育
	KindDrowning      = "drowning"      // 防溺水
	KindFireDrill     = "fire_drill"    // 消防演练
	KindCompanionship = "companionship" // 陪伴
	KindTutoring      = "tutoring"      // 课业辅导
)

// Kinds lists the activity kinds in display order.
var Kinds = []string{KindSafety, KindDrowning, KindFireDrill, KindCompanionship, KindTutoring}

// KindLabel returns an activity kind in Chinese.
func KindLabel(k string) string {
	switch k {
	case KindSafety:
		return "安全教育"
	case KindDrowning:
		return "防溺水"
	case KindFireDrill:
		return "消防演练"
	case KindCompanionship:
		return "亲情陪伴"
	case KindTutoring:
		return "课业辅导"
	}
	return k
}

// Photo limits: each photo at most MaxPhotoBytes, at most MaxPhotos per
// activity, JPEG, PNG or WebP by content.
const (
	MaxPhotoBytes = 5 << 20
	MaxPhotos     = 10
)

// DomainActivities is the counter domain of activities: key
// "activities.YYYY-MM" holds the number of activities held in the region
// node in that month.
const DomainActivities = "activities"

// ActivitiesKey returns the counter key of the activities of a month.
func ActivitiesKey(month string) string { return DomainActivities + "." + month }

// Activity is a group activity (集体活动).
type Activity struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Kind          string `json:"kind"`
	KindLabel     string `json:"kind_label"`
	Region        string `json:"region_code"`
	RegionName    string `json:"region_name"`
	Address       string `json:"address"`
	HeldOn        string `json:"held_on"`
	OrganiserID   string `json:"organiser_id"`
	OrganiserName string `json:"organiser_name"`
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	Note          string `json:"note"`
	Version       int    `json:"version"`
	// ChildCount is how many children attended; Children lists those the
	// viewer may see (Get only).
	ChildCount int        `json:"child_count"`
	Children   []Attendee `json:"children"`
	Photos     []Photo    `json:"photos"`
	MayEdit    bool       `json:"may_edit"`
}

// Attendee is a child who attended an activity, as much as lists show.
type Attendee struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Place string `json:"place"`
}

// Photo is a photo of an activity, without its bytes.
type Photo struct {
	ID          string `json:"id"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// ActivityInput is what a form or the API gives for an activity; HeldOn
// may lie up to a year ahead (a planned activity).
type ActivityInput struct {
	Title    string   `json:"title"`
	Kind     string   `json:"kind"`
	Region   string   `json:"region_code"`
	Address  string   `json:"address"`
	HeldOn   string   `json:"held_on"`
	OrgID    string   `json:"org_id"`
	Note     string   `json:"note"`
	ChildIDs []string `json:"child_ids"`
}

const activityCols = `a.id, a.title, a.kind, a.region_code, a.address, a.held_on, a.organiser_id, u.name, COALESCE(a.org_id, ''), COALESCE(o.name, ''), a.note, a.version,
	(SELECT COUNT(*) FROM activity_children ac WHERE ac.activity_id = a.id)`

const activityFrom = ` FROM activities a JOIN users u ON u.id = a.organiser_id LEFT JOIN social_orgs o ON o.id = a.org_id`

func scanActivity(sc interface{ Scan(...any) error }) (Activity, error) {
	var a Activity
	var on time.Time
	err := sc.Scan(&a.ID, &a.Title, &a.Kind, &a.Region, &a.Address, storage.Date{T: &on}, &a.OrganiserID, &a.OrganiserName, &a.OrgID, &a.OrgName, &a.Note, &a.Version, &a.ChildCount)
	a.HeldOn, a.KindLabel = dateText(on), KindLabel(a.Kind)
	a.Children, a.Photos = []Attendee{}, []Photo{}
	return a, err
}

var activityNames = []string{"title", "kind", "region_code", "address", "held_on", "org_id", "note", "children"}

func activityValues(a Activity, children []string) map[string]string {
	return map[string]string{"title": a.Title, "kind": a.Kind, "region_code": a.Region, "address": a.Address, "held_on": a.HeldOn,
		"org_id": a.OrgID, "note": a.Note, "children": strings.Join(children, ",")}
}

// activityScope limits activities (alias a) to v's subtree and those v
// organised.
func activityScope(v access.Viewer) (string, []any) {
	where, args := regionScope(v, "a.region_code")
	if self(v) {
		return "(" + where + " OR a.organiser_id = ?)", append(args, v.UserID)
	}
	return where, args
}

func mayEditActivity(v access.Viewer, a Activity) bool {
	return self(v) && (a.OrganiserID == v.UserID && mayKeep(v) || mayKeep(v) && v.InRegion(a.Region))
}

var errActivityNotFound = errs.New(errs.NotFound, "未找到该活动")

func (s *Store) activity(ctx context.Context, q storage.Querier, v access.Viewer, id string) (Activity, error) {
	if !validID(id) {
		return Activity{}, errActivityNotFound
	}
	where, args := activityScope(v)
	a, err := scanActivity(q.QueryRowContext(ctx, `SELECT `+activityCols+activityFrom+` WHERE a.id = ? AND `+where, append([]any{id}, args...)...))
	if isNoRows(err) {
		return Activity{}, errActivityNotFound
	}
	if err != nil {
		return Activity{}, errs.Wrap(err, "volunteer: activity")
	}
	a.MayEdit = mayEditActivity(v, a)
	return a, nil
}

// Activity returns an activity in v's view with the attending children v
// may see and its photos; errs.NotFound otherwise.
func (s *Store) Activity(ctx context.Context, v access.Viewer, id string) (Activity, error) {
	q := s.db.Reader()
	a, err := s.activity(ctx, q, v, id)
	if err != nil {
		return Activity{}, err
	}
	a.RegionName = s.regionName(ctx, a.Region)
	where, args := v.Where("c.village_code", "c.school_id", "c.class_id")
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.name, c.village_code FROM activity_children ac JOIN children c ON c.id = ac.child_id
		WHERE ac.activity_id = ? AND `+where+` ORDER BY c.name, c.id`, append([]any{a.ID}, args...)...)
	if err != nil {
		return Activity{}, errs.Wrap(err, "volunteer: attendees")
	}
	defer rows.Close()
	for rows.Next() {
		var c Attendee
		if err := rows.Scan(&c.ID, &c.Name, &c.Place); err != nil {
			return Activity{}, errs.Wrap(err, "volunteer: attendees")
		}
		a.Children = append(a.Children, c)
	}
	if err := rows.Err(); err != nil {
		return Activity{}, errs.Wrap(err, "volunteer: attendees")
	}
	for i := range a.Children {
		if n, err := s.regions.Get(ctx, a.Children[i].Place); err == nil {
			a.Children[i].Place = n.Name
		}
	}
	prow, err := q.QueryContext(ctx, `SELECT id, content_type, size FROM activity_photos WHERE activity_id = ? ORDER BY created_at, id`, a.ID)
	if err != nil {
		return Activity{}, errs.Wrap(err, "volunteer: photos")
	}
	defer prow.Close()
	for prow.Next() {
		var p Photo
		if err := prow.Scan(&p.ID, &p.ContentType, &p.Size); err != nil {
			return Activity{}, errs.Wrap(err, "volunteer: photos")
		}
		a.Photos = append(a.Photos, p)
	}
	return a, errs.Wrap(prow.Err(), "volunteer: photos")
}

// ActivityFilter selects activities: under a region, of a kind, held
// From–To (inclusive dates).
type ActivityFilter struct {
	Region   string
	Kind     string
	From, To string
}

// Activities lists the activities in v's view, newest first (at most
// 1000), without children or photos.
func (s *Store) Activities(ctx context.Context, v access.Viewer, f ActivityFilter) ([]Activity, error) {
	where, args := activityScope(v)
	conds := []string{where}
	if f.Region != "" {
		lo, hi := access.SubtreeRange(f.Region)
		conds, args = append(conds, "a.region_code >= ? AND a.region_code < ?"), append(args, lo, hi)
	}
	if f.Kind != "" {
		conds, args = append(conds, "a.kind = ?"), append(args, f.Kind)
	}
	if d, ok := person.ParseDate(f.From); ok {
		conds, args = append(conds, "a.held_on >= ?"), append(args, storage.DateArg(d))
	}
	if d, ok := person.ParseDate(f.To); ok {
		conds, args = append(conds, "a.held_on <= ?"), append(args, storage.DateArg(d))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+activityCols+activityFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY a.held_on DESC, a.id DESC LIMIT 1000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: activities")
	}
	defer rows.Close()
	out := []Activity{}
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, errs.Wrap(err, "volunteer: activities")
		}
		a.MayEdit = mayEditActivity(v, a)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "volunteer: activities")
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

// checkActivity validates an activity's input into a and returns the
// attending children's ids, each a child in v's scope and not archived.
func (s *Store) checkActivity(ctx context.Context, tx *storage.Tx, v access.Viewer, in ActivityInput, a *Activity) ([]string, error) {
	fe := errs.FieldErrors{}
	a.Title = strings.TrimSpace(in.Title)
	if a.Title == "" {
		fe.Add("title", "活动名称不能为空")
	} else {
		a.Title = person.CheckText(fe, "title", "活动名称", a.Title, 100)
	}
	if !slices.Contains(Kinds, in.Kind) {
		fe.Addf("kind", "活动类型“%s”无效：应为安全教育、防溺水、消防演练、亲情陪伴或课业辅导", in.Kind)
	}
	a.Kind, a.KindLabel = in.Kind, KindLabel(in.Kind)
	if r, ok := s.region(ctx, fe, "region_code", "活动地点", in.Region, v, true); ok {
		a.Region = r.Code
	}
	a.Address = person.CheckText(fe, "address", "详细地址", in.Address, 200)
	today := person.Today(tx.Now)
	if strings.TrimSpace(in.HeldOn) == "" {
		fe.Add("held_on", "活动日期不能为空")
	} else if d, ok := person.ParseDate(in.HeldOn); !ok {
		fe.Addf("held_on", "活动日期“%s”不是有效的日期（应为 2006-01-02 格式）", in.HeldOn)
	} else if d.After(today.AddDate(1, 0, 0)) || d.Year() < 2000 {
		fe.Add("held_on", "活动日期无效：最早2000年，最晚一年以后")
	} else {
		a.HeldOn = dateText(d)
	}
	a.Note = person.CheckText(fe, "note", "备注", in.Note, 500)
	a.OrgID, a.OrgName = "", ""
	if id := strings.TrimSpace(in.OrgID); id != "" {
		o, err := s.org(ctx, tx, v, id)
		switch {
		case errs.Is(err, errs.NotFound):
			fe.Add("org_id", "未找到该社会组织")
		case err != nil:
			return nil, err
		default:
			a.OrgID, a.OrgName = o.ID, o.Name
		}
	}
	var ids []string
	for _, id := range in.ChildIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 500 {
		fe.Add("child_ids", "参加儿童不能超过500名")
	} else if len(ids) > 0 {
		var args []any
		bad := 0
		for _, id := range ids {
			if validID(id) {
				args = append(args, id)
			} else {
				bad++
			}
		}
		if len(args) > 0 {
			where, wargs := v.Where("c.village_code", "c.school_id", "c.class_id")
			var n int
			err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM children c WHERE c.id IN (?`+strings.Repeat(", ?", len(args)-1)+`) AND c.archived_at IS NULL AND `+where,
				append(args, wargs...)...).Scan(&n)
			if err != nil {
				return nil, errs.Wrap(err, "volunteer: attendees")
			}
			bad += len(args) - n
		}
		if bad > 0 {
			fe.Addf("child_ids", "参加儿童中有%d名未找到、已归档或不在您的管辖范围内", bad)
		}
	}
	slices.Sort(ids)
	return ids, fe.Err()
}

// CreateActivity records a group activity organised by v (an officer or a
// social worker, in their subtree), with the children who attended, and
// audits it.
func (s *Store) CreateActivity(ctx context.Context, v access.Viewer, in ActivityInput) (Activity, error) {
	if !mayKeep(v) || !self(v) {
		return Activity{}, errs.New(errs.Forbidden, "您无权登记集体活动")
	}
	var a Activity
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		ids, err := s.checkActivity(ctx, tx, v, in, &a)
		if err != nil {
			return err
		}
		a.ID, a.Version, a.OrganiserID, a.OrganiserName, a.ChildCount = newID(), 1, v.UserID, v.Name, len(ids)
		on, _ := person.ParseDate(a.HeldOn)
		if _, err := tx.ExecContext(ctx, `INSERT INTO activities (id, title, kind, region_code, address, held_on, organiser_id, org_id, note, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, a.ID, a.Title, a.Kind, a.Region, a.Address, storage.DateArg(on), a.OrganiserID, nullStr(a.OrgID), a.Note,
			storage.TimeArg(tx.Now), storage.TimeArg(tx.Now)); err != nil {
			return errs.Wrap(err, "volunteer: create activity")
		}
		if err := s.setChildren(ctx, tx, a.ID, ids); err != nil {
			return err
		}
		d := tally.NewDelta()
		d.Add(a.Region, 1, ActivitiesKey(a.HeldOn[:7]))
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordActivity, RecordID: a.ID,
			Changes: audit.Diff(activityNames, nil, activityValues(a, ids), nil)})
	})
	if err != nil {
		return Activity{}, err
	}
	return s.Activity(ctx, v, a.ID)
}

func (s *Store) setChildren(ctx context.Context, tx *storage.Tx, id string, ids []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM activity_children WHERE activity_id = ?`, id); err != nil {
		return errs.Wrap(err, "volunteer: attendees")
	}
	for _, c := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity_children (activity_id, child_id) VALUES (?, ?)`, id, c); err != nil {
			return errs.Wrap(err, "volunteer: attendees")
		}
	}
	return nil
}

func (s *Store) childIDs(ctx context.Context, q storage.Querier, id string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT child_id FROM activity_children WHERE activity_id = ? ORDER BY child_id`, id)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: attendees")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, errs.Wrap(err, "volunteer: attendees")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "volunteer: attendees")
}

// UpdateActivity changes an activity at version, as its organiser or a
// keeper of its region's records, and audits it. The attending children
// become in.ChildIDs; children already recorded whom v cannot see stay.
func (s *Store) UpdateActivity(ctx context.Context, v access.Viewer, id string, version int, in ActivityInput) (Activity, error) {
	var a Activity
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := s.activity(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !old.MayEdit {
			return errs.New(errs.Forbidden, "只有活动的组织者或本地区的工作人员可以修改该活动")
		}
		if old.Version != version {
			return errs.New(errs.Conflict, "该活动已被他人修改，请刷新后重试")
		}
		oldIDs, err := s.childIDs(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		// Children v cannot see are kept as they are.
		where, wargs := v.Where("c.village_code", "c.school_id", "c.class_id")
		rows, err := tx.QueryContext(ctx, `SELECT ac.child_id FROM activity_children ac JOIN children c ON c.id = ac.child_id WHERE ac.activity_id = ? AND NOT (`+where+`)`,
			append([]any{old.ID}, wargs...)...)
		if err != nil {
			return errs.Wrap(err, "volunteer: attendees")
		}
		var hidden []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return errs.Wrap(err, "volunteer: attendees")
			}
			hidden = append(hidden, c)
		}
		rows.Close()
		a = old
		ids, err := s.checkActivity(ctx, tx, v, in, &a)
		if err != nil {
			return err
		}
		for _, h := range hidden {
			if !slices.Contains(ids, h) {
				ids = append(ids, h)
			}
		}
		slices.Sort(ids)
		a.Version, a.ChildCount = old.Version+1, len(ids)
		on, _ := person.ParseDate(a.HeldOn)
		if _, err := tx.ExecContext(ctx, `UPDATE activities SET title = ?, kind = ?, region_code = ?, address = ?, held_on = ?, org_id = ?, note = ?, version = ?, updated_at = ?
			WHERE id = ? AND version = ?`, a.Title, a.Kind, a.Region, a.Address, storage.DateArg(on), nullStr(a.OrgID), a.Note, a.Version, storage.TimeArg(tx.Now), a.ID, version); err != nil {
			return errs.Wrap(err, "volunteer: update activity")
		}
		if err := s.setChildren(ctx, tx, a.ID, ids); err != nil {
			return err
		}
		d := tally.NewDelta()
		d.Move(old.Region, []string{ActivitiesKey(old.HeldOn[:7])}, a.Region, []string{ActivitiesKey(a.HeldOn[:7])})
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordActivity, RecordID: a.ID,
			Changes: audit.Diff(activityNames, activityValues(old, oldIDs), activityValues(a, ids), nil)})
	})
	if err != nil {
		return Activity{}, err
	}
	return s.Activity(ctx, v, a.ID)
}

// SniffImage returns the content type of a JPEG, PNG or WebP image by its
// first bytes, or "" for anything else.
func SniffImage(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && bytes.Equal(b[:8], []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	}
	return ""
}

// AddPhoto stores a photo of an activity, as its organiser or a keeper of
// its region's records, and audits it. It refuses (errs.Invalid, field
// "photo") an empty file, one larger than MaxPhotoBytes, one that is not a
// JPEG, PNG or WebP image by content, and an activity that already has
// MaxPhotos photos.
func (s *Store) AddPhoto(ctx context.Context, v access.Viewer, activityID string, data []byte) (Photo, error) {
	ps, err := s.AddPhotos(ctx, v, activityID, []PhotoFile{{Data: data}})
	if err != nil {
		return Photo{}, err
	}
	return ps[0], nil
}

// PhotoFile is one file of an upload: the name the user's device gave it
// (for messages; may be empty) and its bytes.
type PhotoFile struct {
	Name string
	Data []byte
}

// photoRefusal is the refusal of one file of an upload, naming the file
// when it has a name.
func photoRefusal(f PhotoFile, reason string) error {
	if f.Name != "" {
		reason = "文件“" + f.Name + "”：" + reason
	}
	return errs.FieldErrors{"photo": reason}.Err()
}

// AddPhotos stores several photos of an activity at once, as its
// organiser or a keeper of its region's records, and audits each: all or
// none. The same limits as AddPhoto apply to each file, and the activity
// may hold at most MaxPhotos with them; the first file refused is named in
// the refusal (errs.Invalid, field "photo").
func (s *Store) AddPhotos(ctx context.Context, v access.Viewer, activityID string, files []PhotoFile) ([]Photo, error) {
	var out []Photo
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		out = nil
		a, err := s.activity(ctx, tx, v, activityID)
		if err != nil {
			return err
		}
		if !a.MayEdit {
			return errs.New(errs.Forbidden, "只有活动的组织者或本地区的工作人员可以上传活动照片")
		}
		if len(files) == 0 {
			return errs.FieldErrors{"photo": "请选择要上传的照片"}.Err()
		}
		types := make([]string, len(files))
		for i, f := range files {
			switch {
			case len(f.Data) == 0:
				return photoRefusal(f, "照片不能为空")
			case len(f.Data) > MaxPhotoBytes:
				return photoRefusal(f, "照片太大：每张不能超过"+strconv.Itoa(MaxPhotoBytes>>20)+"MB")
			}
			if types[i] = SniffImage(f.Data); types[i] == "" {
				return photoRefusal(f, "照片格式无效：只能上传JPEG、PNG或WebP格式的图片")
			}
		}
		if err := tx.Serialize(ctx, lockKey("photos:"+a.ID)); err != nil {
			return errs.Wrap(err, "volunteer: lock")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_photos WHERE activity_id = ?`, a.ID).Scan(&n); err != nil {
			return errs.Wrap(err, "volunteer: photos")
		}
		if n+len(files) > MaxPhotos {
			reason := "照片太多：每个活动最多" + strconv.Itoa(MaxPhotos) + "张"
			if len(files) > 1 || n > 0 {
				reason += "，已有" + strconv.Itoa(n) + "张，本次上传" + strconv.Itoa(len(files)) + "张"
			}
			return photoRefusal(files[max(MaxPhotos-n, 0)], reason)
		}
		for i, f := range files {
			p := Photo{ID: newID(), ContentType: types[i], Size: len(f.Data)}
			if _, err := tx.ExecContext(ctx, `INSERT INTO activity_photos (id, activity_id, content_type, size, data, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.ID, a.ID, p.ContentType, p.Size, f.Data, v.UserID, storage.TimeArg(tx.Now)); err != nil {
				return errs.Wrap(err, "volunteer: add photo")
			}
			if err := audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordPhoto, RecordID: p.ID,
				Changes: []audit.Change{{Field: "activity_id", New: a.ID}, {Field: "content_type", New: p.ContentType}, {Field: "size", New: strconv.Itoa(p.Size)}}}); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PhotoData returns a photo of an activity in v's view, with its content
// type; errs.NotFound otherwise.
func (s *Store) PhotoData(ctx context.Context, v access.Viewer, activityID, photoID string) (string, []byte, error) {
	q := s.db.Reader()
	a, err := s.activity(ctx, q, v, activityID)
	if err != nil {
		return "", nil, err
	}
	if !validID(photoID) {
		return "", nil, errs.New(errs.NotFound, "未找到该照片")
	}
	var ct string
	var data []byte
	err = q.QueryRowContext(ctx, `SELECT content_type, data FROM activity_photos WHERE id = ? AND activity_id = ?`, photoID, a.ID).Scan(&ct, &data)
	if isNoRows(err) {
		return "", nil, errs.New(errs.NotFound, "未找到该照片")
	}
	return ct, data, errs.Wrap(err, "volunteer: photo")
}

// DeletePhoto removes a photo of an activity, as its organiser or a
// keeper of its region's records, and audits it.
func (s *Store) DeletePhoto(ctx context.Context, v access.Viewer, activityID, photoID string) error {
	return s.db.Write(ctx, func(tx *storage.Tx) error {
		a, err := s.activity(ctx, tx, v, activityID)
		if err != nil {
			return err
		}
		if !a.MayEdit {
			return errs.New(errs.Forbidden, "只有活动的组织者或本地区的工作人员可以删除活动照片")
		}
		if !validID(photoID) {
			return errs.New(errs.NotFound, "未找到该照片")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM activity_photos WHERE id = ? AND activity_id = ?`, photoID, a.ID)
		if err != nil {
			return errs.Wrap(err, "volunteer: delete photo")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "未找到该照片")
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionArchive, RecordType: RecordPhoto, RecordID: photoID,
			Changes: []audit.Change{{Field: "activity_id", Old: a.ID}}})
	})
}
