package volunteer

import (
	"context"
	"math"
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

// Statuses of a service record.
const (
	StatusRecorded  = "recorded"  // 待确认: recorded by the organiser
	StatusConfirmed = "confirmed" // 已确认: confirmed by the volunteer
	StatusDisputed  = "disputed"  // 有异议: disputed by the volunteer
)

// Statuses lists the statuses in display order.
var Statuses = []string{StatusRecorded, StatusConfirmed, StatusDisputed}

// StatusLabel returns a status in Chinese.
func StatusLabel(s string) string {
	switch s {
	case StatusRecorded:
		return "待确认"
	case StatusConfirmed:
		return "已确认"
	case StatusDisputed:
		return "有异议"
	}
	return s
}

// MaxDayMinutes is the most service one volunteer can give in a day,
// summed over their records that are not disputed.
const MaxDayMinutes = 24 * 60

// DomainHours is the counter domain of service time: key
// "volunteer_hours.YYYY-MM" holds the minutes of service not disputed,
// given in the region node in that month.
const DomainHours = "volunteer_hours"

// HoursKey returns the counter key of the minutes served in a month
// ("2006-01").
func HoursKey(month string) string { return DomainHours + "." + month }

// HoursText writes minutes as hours with at most two decimals ("2.5").
func HoursText(minutes int) string {
	return strconv.FormatFloat(math.Round(float64(minutes)/60*100)/100, 'f', -1, 64)
}

// ParseHours reads hours typed by a user ("2", "1.5", "0.25") as minutes;
// false for anything else, including more than two decimals.
func ParseHours(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "+") {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 2 {
		return 0, false
	}
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, false
	}
	return int(math.Round(h * 60)), true
}

// ServiceRecord is one service a volunteer gave (志愿服务记录).
type ServiceRecord struct {
	ID            string `json:"id"`
	VolunteerID   string `json:"volunteer_id"`
	VolunteerName string `json:"volunteer_name"`
	Region        string `json:"region_code"`
	RegionName    string `json:"region_name"`
	ServedOn      string `json:"served_on"`
	Minutes       int    `json:"minutes"`
	Hours         string `json:"hours"`
	Content       string `json:"content"`
	ActivityID    string `json:"activity_id"`
	ActivityTitle string `json:"activity_title"`
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	RecordedBy    string `json:"recorded_by"`
	RecorderName  string `json:"recorder_name"`
	Status        string `json:"status"`
	StatusLabel   string `json:"status_label"`
	DisputeReason string `json:"dispute_reason"`
	Version       int    `json:"version"`
	// MayAnswer says the viewer is the volunteer and may confirm or
	// dispute the record now; MayCorrect that the viewer may correct it.
	MayAnswer  bool `json:"may_answer"`
	MayCorrect bool `json:"may_correct"`
	volUser    string
}

// ServiceInput records (or corrects) a service. Region defaults to the
// activity's place or else the volunteer's region; ServedOn to the
// activity's day or else today.
type ServiceInput struct {
	VolunteerID string `json:"volunteer_id"`
	Region      string `json:"region_code"`
	ServedOn    string `json:"served_on"`
	Hours       string `json:"hours"`
	Content     string `json:"content"`
	ActivityID  string `json:"activity_id"`
	OrgID       string `json:"org_id"`
}

const serviceCols = `sr.id, sr.volunteer_id, vo.name, COALESCE(vo.user_id, ''), sr.region_code, sr.served_on, sr.minutes, sr.content, COALESCE(sr.activity_id, ''), COALESCE(a.title, ''),
	COALESCE(sr.org_id, ''), COALESCE(o.name, ''), sr.recorded_by, u.name, sr.status, sr.dispute_reason, sr.version`

const serviceFrom = ` FROM service_records sr JOIN volunteers vo ON vo.id = sr.volunteer_id JOIN users u ON u.id = sr.recorded_by
	LEFT JOIN activities a ON a.id = sr.activity_id LEFT JOIN social_orgs o ON o.id = sr.org_id`

func scanService(sc interface{ Scan(...any) error }) (ServiceRecord, error) {
	var r ServiceRecord
	var on time.Time
	err := sc.Scan(&r.ID, &r.VolunteerID, &r.VolunteerName, &r.volUser, &r.Region, storage.Date{T: &on}, &r.Minutes, &r.Content, &r.ActivityID, &r.ActivityTitle,
		&r.OrgID, &r.OrgName, &r.RecordedBy, &r.RecorderName, &r.Status, &r.DisputeReason, &r.Version)
	r.ServedOn, r.Hours, r.StatusLabel = dateText(on), HoursText(r.Minutes), StatusLabel(r.Status)
	return r, err
}

var serviceNames = []string{"volunteer_id", "region_code", "served_on", "minutes", "content", "activity_id", "org_id", "status", "dispute_reason"}

func serviceValues(r ServiceRecord) map[string]string {
	return map[string]string{"volunteer_id": r.VolunteerID, "region_code": r.Region, "served_on": r.ServedOn, "minutes": strconv.Itoa(r.Minutes),
		"content": r.Content, "activity_id": r.ActivityID, "org_id": r.OrgID, "status": r.Status, "dispute_reason": r.DisputeReason}
}

// serviceScope limits service records (alias sr, volunteers vo) to those
// given in v's subtree, the viewer's own as a volunteer, those they
// recorded and those of an organisation they organise.
func serviceScope(v access.Viewer) (string, []any) {
	where, args := regionScope(v, "sr.region_code")
	if self(v) {
		return "(" + where + " OR vo.user_id = ? OR sr.recorded_by = ? OR sr.org_id IN (SELECT so.id FROM social_orgs so WHERE so.organiser_id = ?))",
			append(args, v.UserID, v.UserID, v.UserID)
	}
	return where, args
}

// organises reports whether v is the organiser account of organisation
// id.
func (s *Store) organises(ctx context.Context, q storage.Querier, v access.Viewer, id string) (bool, error) {
	if id == "" || !self(v) {
		return false, nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM social_orgs WHERE id = ? AND organiser_id = ? AND archived_at IS NULL`, id, v.UserID).Scan(&n)
	return n > 0, errs.Wrap(err, "volunteer: organiser")
}

// mayCorrect says v may correct r: its recorder, or whoever keeps the
// records of its region, while the volunteer has not confirmed it.
func mayCorrect(v access.Viewer, r ServiceRecord) bool {
	if r.Status == StatusConfirmed || !self(v) {
		return false
	}
	return r.RecordedBy == v.UserID || (mayKeep(v) && v.InRegion(r.Region))
}

func (s *Store) decorate(v access.Viewer, r *ServiceRecord) {
	r.MayAnswer = self(v) && r.volUser == v.UserID && r.Status == StatusRecorded
	r.MayCorrect = mayCorrect(v, *r)
}

var errServiceNotFound = errs.New(errs.NotFound, "未找到该服务记录")

// Service returns one service record in v's view; errs.NotFound otherwise.
func (s *Store) Service(ctx context.Context, v access.Viewer, id string) (ServiceRecord, error) {
	r, err := s.service(ctx, s.db.Reader(), v, id)
	if err != nil {
		return ServiceRecord{}, err
	}
	r.RegionName = s.regionName(ctx, r.Region)
	return r, nil
}

func (s *Store) service(ctx context.Context, q storage.Querier, v access.Viewer, id string) (ServiceRecord, error) {
	if !validID(id) {
		return ServiceRecord{}, errServiceNotFound
	}
	where, args := serviceScope(v)
	r, err := scanService(q.QueryRowContext(ctx, `SELECT `+serviceCols+serviceFrom+` WHERE sr.id = ? AND `+where, append([]any{id}, args...)...))
	if isNoRows(err) {
		return ServiceRecord{}, errServiceNotFound
	}
	if err != nil {
		return ServiceRecord{}, errs.Wrap(err, "volunteer: service")
	}
	s.decorate(v, &r)
	return r, nil
}

// ServiceFilter selects service records: of a volunteer, an activity,
// under a region, with a status, served From–To (inclusive dates).
type ServiceFilter struct {
	VolunteerID string
	ActivityID  string
	Region      string
	Status      string
	From, To    string
}

// Services lists the service records in v's view, newest day first (at
// most 5000).
func (s *Store) Services(ctx context.Context, v access.Viewer, f ServiceFilter) ([]ServiceRecord, error) {
	where, args := serviceScope(v)
	conds := []string{where}
	if f.VolunteerID != "" {
		conds, args = append(conds, "sr.volunteer_id = ?"), append(args, f.VolunteerID)
	}
	if f.ActivityID != "" {
		conds, args = append(conds, "sr.activity_id = ?"), append(args, f.ActivityID)
	}
	if f.Region != "" {
		lo, hi := access.SubtreeRange(f.Region)
		conds, args = append(conds, "sr.region_code >= ? AND sr.region_code < ?"), append(args, lo, hi)
	}
	if f.Status != "" {
		conds, args = append(conds, "sr.status = ?"), append(args, f.Status)
	}
	if d, ok := person.ParseDate(f.From); ok {
		conds, args = append(conds, "sr.served_on >= ?"), append(args, storage.DateArg(d))
	}
	if d, ok := person.ParseDate(f.To); ok {
		conds, args = append(conds, "sr.served_on <= ?"), append(args, storage.DateArg(d))
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+serviceCols+serviceFrom+` WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY sr.served_on DESC, sr.id DESC LIMIT 5000`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "volunteer: services")
	}
	defer rows.Close()
	out := []ServiceRecord{}
	for rows.Next() {
		r, err := scanService(rows)
		if err != nil {
			return nil, errs.Wrap(err, "volunteer: services")
		}
		s.decorate(v, &r)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "volunteer: services")
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

// checkService validates a service's input into r (whose VolunteerID and
// Region may already be set when correcting).
func (s *Store) checkService(ctx context.Context, tx *storage.Tx, v access.Viewer, in ServiceInput, r *ServiceRecord, vo Volunteer) error {
	fe := errs.FieldErrors{}
	today := person.Today(tx.Now)
	var act Activity
	r.ActivityID, r.ActivityTitle = "", ""
	if id := strings.TrimSpace(in.ActivityID); id != "" {
		a, err := s.activity(ctx, tx, v, id)
		if errs.Is(err, errs.NotFound) {
			fe.Add("activity_id", "未找到该活动")
		} else if err != nil {
			return err
		} else {
			act, r.ActivityID, r.ActivityTitle = a, a.ID, a.Title
		}
	}
	// The organiser of the volunteer's organisation records for it; others
	// record in their own subtree.
	orgID := strings.TrimSpace(in.OrgID)
	if orgID == "" && !mayKeep(v) {
		orgID = vo.OrgID
	}
	r.OrgID, r.OrgName = "", ""
	asOrganiser := false
	if orgID != "" {
		o, err := s.org(ctx, tx, v, orgID)
		switch {
		case errs.Is(err, errs.NotFound):
			fe.Add("org_id", "未找到该社会组织")
		case err != nil:
			return err
		default:
			r.OrgID, r.OrgName = o.ID, o.Name
			asOrganiser = self(v) && o.OrganiserID == v.UserID && !o.Archived && vo.OrgID == o.ID
		}
	}
	if !mayKeep(v) && !asOrganiser {
		return errs.New(errs.Forbidden, "您无权为该志愿者记录服务时长：应由组织服务的工作人员或志愿者所属社会组织的组织者记录")
	}
	region := strings.TrimSpace(in.Region)
	switch {
	case region == "" && act.ID != "":
		region = act.Region
	case region == "":
		region = vo.Region
	}
	if rg, ok := s.region(ctx, fe, "region_code", "服务地点", region, v, !asOrganiser); ok {
		r.Region = rg.Code
	}
	def := today
	if act.ID != "" {
		def, _ = person.ParseDate(act.HeldOn)
	}
	on := dateOf(fe, "served_on", "服务日期", in.ServedOn, def, today)
	r.ServedOn = dateText(on)
	if act.ID != "" && r.ServedOn != act.HeldOn {
		fe.Addf("served_on", "服务日期应为活动日期%s", act.HeldOn)
	}
	switch m, ok := ParseHours(in.Hours); {
	case strings.TrimSpace(in.Hours) == "":
		fe.Add("hours", "服务时长不能为空")
	case !ok:
		fe.Addf("hours", "服务时长“%s”无效：应为小时数，最多两位小数，如 1.5", in.Hours)
	case m <= 0:
		fe.Add("hours", "服务时长必须大于0小时")
	case m > MaxDayMinutes:
		fe.Add("hours", "服务时长不能超过24小时")
	default:
		r.Minutes, r.Hours = m, HoursText(m)
	}
	r.Content = strings.TrimSpace(in.Content)
	if r.Content == "" {
		fe.Add("content", "服务内容不能为空")
	} else {
		r.Content = person.CheckText(fe, "content", "服务内容", r.Content, 500)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	// A volunteer's day is checked and written one record at a time.
	if err := tx.Serialize(ctx, lockKey("service:"+vo.ID)); err != nil {
		return errs.Wrap(err, "volunteer: lock")
	}
	var used int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM service_records WHERE volunteer_id = ? AND served_on = ? AND status <> 'disputed' AND id <> ?`,
		vo.ID, storage.DateArg(on), r.ID).Scan(&used); err != nil {
		return errs.Wrap(err, "volunteer: day")
	}
	if used+r.Minutes > MaxDayMinutes {
		return errs.FieldErrors{"hours": "服务时长不合理：" + vo.Name + "在" + r.ServedOn + "已记录" + HoursText(used) + "小时，加上本次" +
			r.Hours + "小时超过每天24小时"}.Err()
	}
	return nil
}

// RecordService records a volunteer's service, as its organiser, and
// audits it. The recorder is v: whoever keeps the records of the place
// (an officer or a social worker in whose subtree it was given) or the
// organiser account of the volunteer's organisation. Hours must be
// positive, with at most two decimals, and the volunteer's records of the
// day (not disputed) may sum to at most 24 hours. The record waits for the
// volunteer's confirmation.
func (s *Store) RecordService(ctx context.Context, v access.Viewer, in ServiceInput) (ServiceRecord, error) {
	if !self(v) {
		return ServiceRecord{}, errs.New(errs.Forbidden, "您无权记录志愿服务时长")
	}
	var r ServiceRecord
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		vo, err := s.volunteer(ctx, tx, v, strings.TrimSpace(in.VolunteerID))
		if errs.Is(err, errs.NotFound) {
			return errs.FieldErrors{"volunteer_id": "未找到该志愿者"}.Err()
		}
		if err != nil {
			return err
		}
		if vo.Archived {
			return errs.FieldErrors{"volunteer_id": "志愿者“" + vo.Name + "”已归档，不能再记录服务"}.Err()
		}
		if vo.UserID != "" && vo.UserID == v.UserID {
			return errs.New(errs.Forbidden, "志愿者不能为自己记录服务时长：应由组织者记录，本人确认")
		}
		r = ServiceRecord{ID: newID(), VolunteerID: vo.ID, VolunteerName: vo.Name, volUser: vo.UserID, RecordedBy: v.UserID, RecorderName: v.Name,
			Status: StatusRecorded, StatusLabel: StatusLabel(StatusRecorded), Version: 1}
		if err := s.checkService(ctx, tx, v, in, &r, vo); err != nil {
			return err
		}
		on, _ := person.ParseDate(r.ServedOn)
		_, err = tx.ExecContext(ctx, `INSERT INTO service_records (id, volunteer_id, region_code, served_on, minutes, content, activity_id, org_id, recorded_by, status,
			dispute_reason, answered_at, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, 1, ?, ?)`,
			r.ID, r.VolunteerID, r.Region, storage.DateArg(on), r.Minutes, r.Content, nullStr(r.ActivityID), nullStr(r.OrgID), r.RecordedBy, r.Status,
			storage.TimeArg(tx.Now), storage.TimeArg(tx.Now))
		if err != nil {
			return errs.Wrap(err, "volunteer: record service")
		}
		d := tally.NewDelta()
		d.Add(r.Region, r.Minutes, HoursKey(r.ServedOn[:7]))
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionCreate, RecordType: RecordService, RecordID: r.ID,
			Changes: audit.Diff(serviceNames, nil, serviceValues(r), nil)})
	})
	if err != nil {
		return ServiceRecord{}, err
	}
	s.decorate(v, &r)
	r.RegionName = s.regionName(ctx, r.Region)
	return r, nil
}

// CorrectService changes a record not yet confirmed, at version, as its
// recorder or a keeper of its region's records; it goes back to waiting
// for the volunteer's confirmation. The same rules as RecordService apply.
func (s *Store) CorrectService(ctx context.Context, v access.Viewer, id string, version int, in ServiceInput) (ServiceRecord, error) {
	var r ServiceRecord
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := s.service(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !mayCorrect(v, old) {
			if old.Status == StatusConfirmed {
				return errs.New(errs.Conflict, "志愿者已确认该记录，不能再修改")
			}
			return errs.New(errs.Forbidden, "只有记录人或本地区的工作人员可以修改该服务记录")
		}
		if old.Version != version {
			return errs.New(errs.Conflict, "该服务记录已被他人修改，请刷新后重试")
		}
		vo, err := s.volunteer(ctx, tx, access.System(), old.VolunteerID)
		if err != nil {
			return err
		}
		in.VolunteerID = old.VolunteerID
		r = old
		if err := s.checkService(ctx, tx, v, in, &r, vo); err != nil {
			return err
		}
		r.Status, r.StatusLabel, r.DisputeReason, r.Version = StatusRecorded, StatusLabel(StatusRecorded), "", old.Version+1
		on, _ := person.ParseDate(r.ServedOn)
		if _, err := tx.ExecContext(ctx, `UPDATE service_records SET region_code = ?, served_on = ?, minutes = ?, content = ?, activity_id = ?, org_id = ?,
			status = ?, dispute_reason = '', answered_at = NULL, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			r.Region, storage.DateArg(on), r.Minutes, r.Content, nullStr(r.ActivityID), nullStr(r.OrgID), r.Status, r.Version, storage.TimeArg(tx.Now), r.ID, version); err != nil {
			return errs.Wrap(err, "volunteer: correct service")
		}
		d := tally.NewDelta()
		if old.Status != StatusDisputed {
			d.Add(old.Region, -old.Minutes, HoursKey(old.ServedOn[:7]))
		}
		d.Add(r.Region, r.Minutes, HoursKey(r.ServedOn[:7]))
		if err := tally.Apply(ctx, tx, d); err != nil {
			return err
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordService, RecordID: r.ID,
			Changes: audit.Diff(serviceNames, serviceValues(old), serviceValues(r), nil)})
	})
	if err != nil {
		return ServiceRecord{}, err
	}
	s.decorate(v, &r)
	r.RegionName = s.regionName(ctx, r.Region)
	return r, nil
}

// AnswerInput is the volunteer's answer to a service record: Confirm, or
// a dispute with its Reason.
type AnswerInput struct {
	Confirm bool   `json:"confirm"`
	Reason  string `json:"reason"`
}

// AnswerService confirms or disputes a record, as the volunteer it is of
// (a user linked to the volunteer), at version, and audits it. Only a
// record waiting for confirmation can be answered (errs.Conflict); anyone
// but the volunteer gets errs.Forbidden. A dispute needs its reason; a
// disputed record no longer counts towards the day's 24 hours or the
// counters, until its recorder corrects it.
func (s *Store) AnswerService(ctx context.Context, v access.Viewer, id string, version int, in AnswerInput) (ServiceRecord, error) {
	var r ServiceRecord
	err := s.db.Write(ctx, func(tx *storage.Tx) error {
		old, err := s.service(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !self(v) || old.volUser != v.UserID {
			return errs.New(errs.Forbidden, "只有志愿者本人可以确认或提出异议")
		}
		if old.Status != StatusRecorded {
			return errs.Newf(errs.Conflict, "该记录已%s，不能再次确认或提出异议", StatusLabel(old.Status))
		}
		if old.Version != version {
			return errs.New(errs.Conflict, "该服务记录已被修改，请刷新后重试")
		}
		r = old
		if in.Confirm {
			r.Status = StatusConfirmed
		} else {
			fe := errs.FieldErrors{}
			r.Status = StatusDisputed
			r.DisputeReason = strings.TrimSpace(in.Reason)
			if r.DisputeReason == "" {
				fe.Add("reason", "异议理由不能为空")
			} else {
				r.DisputeReason = person.CheckText(fe, "reason", "异议理由", r.DisputeReason, 200)
			}
			if err := fe.Err(); err != nil {
				return err
			}
		}
		r.StatusLabel, r.Version = StatusLabel(r.Status), old.Version+1
		if _, err := tx.ExecContext(ctx, `UPDATE service_records SET status = ?, dispute_reason = ?, answered_at = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			r.Status, r.DisputeReason, storage.TimeArg(tx.Now), r.Version, storage.TimeArg(tx.Now), r.ID, version); err != nil {
			return errs.Wrap(err, "volunteer: answer service")
		}
		if r.Status == StatusDisputed {
			d := tally.NewDelta()
			d.Add(r.Region, -r.Minutes, HoursKey(r.ServedOn[:7]))
			if err := tally.Apply(ctx, tx, d); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, v, audit.Entry{Action: audit.ActionUpdate, RecordType: RecordService, RecordID: r.ID,
			Changes: audit.Diff(serviceNames, serviceValues(old), serviceValues(r), nil)})
	})
	if err != nil {
		return ServiceRecord{}, err
	}
	s.decorate(v, &r)
	r.RegionName = s.regionName(ctx, r.Region)
	return r, nil
}

// Rebuilders return the counters' recounts: service minutes and
// activities per region node per month.
func Rebuilders() []tally.Rebuilder {
	return []tally.Rebuilder{
		{Domain: DomainHours, Version: 1, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
			return countRows(ctx, tx, d, `SELECT region_code, served_on, minutes FROM service_records WHERE status <> 'disputed'`, HoursKey)
		}},
		{Domain: DomainActivities, Version: 1, Count: func(ctx context.Context, tx *storage.Tx, d *tally.Delta) error {
			return countRows(ctx, tx, d, `SELECT region_code, held_on, 1 FROM activities`, ActivitiesKey)
		}},
	}
}

func countRows(ctx context.Context, tx *storage.Tx, d *tally.Delta, q string, key func(string) string) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var on time.Time
		var n int
		if err := rows.Scan(&code, storage.Date{T: &on}, &n); err != nil {
			return err
		}
		d.Add(code, n, key(on.Format("2006-01")))
	}
	return rows.Err()
}
