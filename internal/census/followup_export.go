package census

import (
	"context"
	"io"
	"strconv"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/followup"
)

// ExportFollowups writes the follow-ups matching f in v's scope (Limit and
// Offset are ignored) to w as an .xlsx workbook, sheet 随访记录: date,
// child, place, recorder, care role, method, each dimension's rating and
// note (the psychology note only for viewers who may read it), urgent,
// next planned date; every cell neutralised against formulas.
// The export is audited (action export, record type followup) before
// anything is written.
func (s *Service) ExportFollowups(ctx context.Context, v access.Viewer, st *followup.Store, f followup.Filter, w io.Writer) (int, error) {
	f.Offset, f.Limit = 0, 1
	page, err := st.List(ctx, v, f)
	if err != nil {
		return 0, err
	}
	if err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionExport, RecordType: followup.RecordFollowup, Note: "followups:" + strconv.Itoa(page.Total)}); err != nil {
		return 0, err
	}
	t, err := newXLSXTable("随访记录", w)
	if err != nil {
		return 0, errs.Wrap(err, "export")
	}
	hs := []string{"随访日期", "儿童姓名", "所在地", "随访人", "关爱角色", "随访方式"}
	ws := []float64{12, 10, 34, 10, 12, 10}
	for _, d := range followup.Dimensions {
		hs, ws = append(hs, followup.DimensionLabel(d), followup.DimensionLabel(d)+"情况"), append(ws, 8, 30)
	}
	hs, ws = append(hs, "紧急", "下次计划日期"), append(ws, 6, 12)
	if err := t.header(hs, ws); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	pl := s.places(v)
	n := 0
	emit := func(x followup.Followup) error {
		county, township, village := pl.names(ctx, x.VillageCode)
		row := []string{x.VisitedOn, x.ChildName, county + " " + township + " " + village, x.UserName, x.CareRoleText, x.MethodLabel}
		for _, d := range x.Dimensions {
			note := d.Note
			if d.NoteHidden {
				note = "（无权查看）"
			}
			row = append(row, d.RatingText, note)
		}
		urgent := "否"
		if x.Urgent {
			urgent = "是"
		}
		row = append(row, urgent, x.NextOn)
		n++
		return t.row(row, false)
	}
	// Pages, not one streaming query: the place names are read between rows.
	for f.Offset, f.Limit = 0, 200; ; f.Offset += f.Limit {
		page, err := st.List(ctx, v, f)
		if err != nil {
			return n, err
		}
		for _, x := range page.Items {
			if err := emit(x); err != nil {
				return n, errs.Wrap(err, "export")
			}
		}
		if len(page.Items) < f.Limit {
			break
		}
	}
	return n, errs.Wrap(t.close(), "export")
}
