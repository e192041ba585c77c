package census

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/care"
	"guanai/internal/errs"
	"guanai/internal/person"
)

// ExportGaps writes the care gaps of a region node in v's scope to w as an
// .xlsx workbook: the sheet 缺口儿童名单 lists every active left-behind
// child with any gap (place, name, sex, school and a 是/否 column per gap),
// streamed; the sheet 缺口汇总 has the counts of the node and of each node
// under it. The export is audited (action export, record type
// care_gaps, record id the node) before anything is written. A node out
// of scope gives errs.NotFound.
func (s *Service) ExportGaps(ctx context.Context, v access.Viewer, region string, w io.Writer) (int, error) {
	g, err := s.care.Gaps(ctx, v, region)
	if err != nil {
		return 0, err
	}
	if err := audit.Log(ctx, s.db, v, audit.Entry{Action: audit.ActionExport, RecordType: "care_gaps", RecordID: g.Region.Code,
		Note: "gaps:" + strconv.Itoa(g.Region.Children)}); err != nil {
		return 0, err
	}
	t, err := newXLSXTable("缺口儿童名单", w)
	if err != nil {
		return 0, errs.Wrap(err, "export")
	}
	hs := []string{"所在乡镇 › 村", "姓名", "性别", "就读学校"}
	ws := []float64{34, 10, 6, 24}
	for _, k := range care.GapKeys {
		hs, ws = append(hs, care.GapLabel(k)), append(ws, 14)
	}
	if err := t.header(hs, ws); err != nil {
		return 0, errs.Wrap(err, "export")
	}
	n := 0
	err = s.care.EachGapChild(ctx, v, g.Region.Code, "any", func(c care.GapChild) error {
		row := []string{c.Place, c.Name, person.SexLabel(c.Sex), c.SchoolName}
		for _, k := range care.GapKeys {
			row = append(row, yesNoOf(c.Missing, k))
		}
		n++
		return t.row(row, false)
	})
	if err != nil {
		return n, err
	}
	t.extra = append(t.extra, func(f *excelize.File) error { return gapSummary(f, g) })
	return n, errs.Wrap(t.close(), "export")
}

func yesNoOf(missing []string, k string) string {
	for _, m := range missing {
		if m == k {
			return "缺"
		}
	}
	return ""
}

// gapSummary adds the sheet of counts: the node, then each node under it.
func gapSummary(f *excelize.File, g care.Gaps) error {
	const sheet = "缺口汇总"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	head := []any{"行政区划", "代码", "在册留守儿童"}
	for _, k := range care.GapKeys {
		head = append(head, care.GapLabel(k))
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	rows := append([]care.GapRow{g.Region}, g.Rows...)
	for i, r := range rows {
		name := r.Name
		if i == 0 {
			name = "合计：" + r.Name
		} else {
			name = strings.Repeat("　", 1) + name
		}
		vals := []any{neutralise(name), r.Code, r.Children}
		for _, k := range care.GapKeys {
			vals = append(vals, r.Gaps[k])
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	return f.SetColWidth(sheet, "A", "A", 30)
}
