package census

import (
	"context"
	"io"
	"strconv"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/errs"
	"guanai/internal/needs"
)

// ExportNeeds writes the needs matching f in v's scope (Limit and Offset
// are ignored) to w as an .xlsx workbook, sheet 需求清单: the child, the
// place, the age band, the kind, the description, the source, the status,
// what it was matched to, the delivery date and the outcome; every cell
// neutralised against formulas. The export is audited (action export,
// record type need) before anything is written.
func (s *Service) ExportNeeds(ctx context.Context, v access.Viewer, st *needs.Store, f needs.Filter, w io.Writer) (int, error) {
	f.Offset, f.Limit = 0, 1
	if _, total, err := st.List(ctx, v, f); err != nil {
		return 0, err
	} else if err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionExport, RecordType: needs.RecordNeed, Note: "needs:" + strconv.Itoa(total)}); err != nil {
		return 0, err
	}
	t, err := newXLSXTable("需求清单", w)
	if err != nil {
		return 0, errs.Wrap(err, "export")
	}
	if err := t.header([]string{"登记时间", "儿童姓名", "所在地", "年龄段", "需求类型", "需求说明", "来源", "状态", "匹配服务/志愿者", "服务日期", "服务结果"},
		[]float64{18, 10, 34, 10, 12, 36, 10, 8, 24, 12, 30}); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	pl := s.places(v)
	n := 0
	for f.Offset, f.Limit = 0, 500; ; f.Offset += f.Limit {
		ns, _, err := st.List(ctx, v, f)
		if err != nil {
			return n, err
		}
		for _, x := range ns {
			county, township, village := pl.names(ctx, x.VillageCode)
			place := county + " " + township + " " + village
			row := []string{x.RaisedAt, x.ChildName, place, x.AgeBandLabel, x.KindLabel, x.Description, x.SourceLabel, x.StatusLabel, x.MatchedName, x.DeliveredOn, x.Outcome}
			if err := t.row(row, false); err != nil {
				return n, errs.Wrap(err, "export")
			}
			n++
		}
		if len(ns) < f.Limit {
			break
		}
	}
	return n, errs.Wrap(t.close(), "export")
}
