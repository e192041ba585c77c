package census

import (
	"context"
	"io"
	"strconv"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/storage"
	"guanai/internal/volunteer"
)

// ExportServiceHours writes the service records in v's view selected by f
// to w as an .xlsx workbook (sheet 志愿服务时长: volunteer, day, place,
// hours, content, activity, organisation, recorder, status, then a total
// of the hours not disputed). The export is audited (action export,
// record type service_record, record id the volunteer when one is
// selected) before anything is written; it returns the rows written.
func ExportServiceHours(ctx context.Context, db *storage.DB, vs *volunteer.Store, v access.Viewer, f volunteer.ServiceFilter, w io.Writer) (int, error) {
	list, err := vs.Services(ctx, v, f)
	if err != nil {
		return 0, err
	}
	if err := audit.Log(ctx, db, v, audit.Entry{Action: audit.ActionExport, RecordType: volunteer.RecordService, RecordID: f.VolunteerID,
		Note: "service_hours:" + strconv.Itoa(len(list))}); err != nil {
		return 0, err
	}
	t, err := newXLSXTable("志愿服务时长", w)
	if err != nil {
		return 0, errs.Wrap(err, "export")
	}
	if err := t.header([]string{"志愿者", "服务日期", "服务地点", "时长（小时）", "服务内容", "活动", "社会组织", "记录人", "状态", "异议理由"},
		[]float64{12, 12, 34, 12, 40, 24, 24, 12, 10, 24}); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	total := 0
	for _, r := range list {
		if r.Status != volunteer.StatusDisputed {
			total += r.Minutes
		}
		if err := t.row([]string{r.VolunteerName, r.ServedOn, r.RegionName, r.Hours, r.Content, r.ActivityTitle, r.OrgName, r.RecorderName,
			r.StatusLabel, r.DisputeReason}, r.Status == volunteer.StatusDisputed); err != nil {
			return 0, errs.Wrap(err, "export")
		}
	}
	if err := t.write([]string{"合计（不含有异议）", "", "", volunteer.HoursText(total)}, t.bold); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	return len(list), errs.Wrap(t.close(), "export")
}
