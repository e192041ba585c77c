// Package volunteer keeps the people and organisations who deliver care
// services besides the care network itself: the registry of volunteers
// (志愿者) and of social organisations (社会组织), volunteers' service
// records with hours — recorded by whoever organised the service and
// confirmed or disputed by the volunteer (谁组织谁记录，谁记录谁证明) —
// and group activities (集体活动) with the children who attended, the
// volunteers who served and photos.
//
// Every read is filtered by the viewer's scope in SQL; every write is
// audited in its own transaction; the minutes of service and the number of
// activities per region node per month are kept as counters (package
// tally, domains "volunteer_hours" and "activities").
package volunteer

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
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/storage"
)

// How the audit log names the records of this package.
const (
	RecordVolunteer = "volunteer"
	RecordOrg       = "social_org"
	RecordService   = "service_record"
	RecordActivity  = "activity"
	RecordPhoto     = "activity_photo"
)

// Skills a volunteer may offer, in display order.
var Skills = []string{"tutoring", "companionship", "counselling", "arts", "sports", "medical", "legal", "other"}

// SkillLabel returns a skill in Chinese.
func SkillLabel(s string) string {
	switch s {
	case "tutoring":
		return "课业辅导"
	case "companionship":
		return "亲情陪伴"
	case "counselling":
		return "心理疏导"
	case "arts":
		return "文体艺术"
	case "sports":
		return "体育运动"
	case "medical":
		return "医疗健康"
	case "legal":
		return "法律援助"
	case "other":
		return "其他"
	}
	return s
}

// Store reads and writes volunteers, organisations, service records and
// activities.
type Store struct {
	db      *storage.DB
	regions *regions.Store
}

// NewStore returns a store over db.
func NewStore(db *storage.DB, r *regions.Store) *Store { return &Store{db: db, regions: r} }

// --- small helpers

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(storage.DateLayout)
}

// lockKey returns an advisory-lock key for a name (one volunteer's day).
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

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
	if d.Year() < 2000 {
		fe.Addf(field, "%s无效", label)
	}
	return d
}

// region checks a region code typed by a user and that it lies in v's
// subtree (when inScope).
func (s *Store) region(ctx context.Context, fe errs.FieldErrors, field, label, code string, v access.Viewer, inScope bool) (regions.Region, bool) {
	if strings.TrimSpace(code) == "" {
		fe.Add(field, label+"不能为空")
		return regions.Region{}, false
	}
	r, err := s.regions.Get(ctx, code)
	if err != nil || r.Code == regions.Root {
		fe.Addf(field, "%s“%s”不是有效的行政区划代码", label, code)
		return regions.Region{}, false
	}
	if inScope {
		lo, hi := v.RegionRange()
		if r.Code < lo || r.Code >= hi {
			fe.Addf(field, "%s“%s”不在您的管辖范围内", label, r.Name)
			return regions.Region{}, false
		}
	}
	return r, true
}

// regionNames returns the full paths of codes, for display.
func (s *Store) regionName(ctx context.Context, code string) string {
	p, err := s.regions.PathString(ctx, code)
	if err != nil {
		return code
	}
	return p
}

// mayKeep says v may keep the registries and organise services of a
// region: region writers (officers) and social workers.
func mayKeep(v access.Viewer) bool {
	if v.Nobody || v.PairedWith != "" || v.SchoolID != "" {
		return false
	}
	return v.CanWriteRegion() || slices.Contains(v.Roles, "social_worker")
}

// mayRegister says v may write the registries: region writers only.
func mayRegister(v access.Viewer) bool { return v.CanWriteRegion() && v.PairedWith == "" }

var errRegister = errs.New(errs.Forbidden, "您无权维护志愿者和社会组织名录")

// regionScope is the condition limiting rows with a region column to v's
// subtree ("1 = 0" for school-limited and paired viewers).
func regionScope(v access.Viewer, col string) (string, []any) { return v.Where(col, "", "") }

// self reports whether v is a person (not the system) who may see their
// own records outside their region scope.
func self(v access.Viewer) bool { return v.UserID != "" && !v.Nobody }

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
