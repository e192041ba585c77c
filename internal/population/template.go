package population

import (
	"context"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/errs"
	"guanai/internal/regions"
)

// TemplateName is the file name the template is downloaded as.
const TemplateName = "人口数据导入模板.xlsx"

// templateColumns are the template's columns, in order, by field.
var templateColumns = []string{fieldCode, fieldName, fieldYear, Bands[0], Bands[1], Bands[2], Bands[3]}

// templateExample is the template's example row.
var templateExample = []any{"530524107000", "云南省保山市昌宁县大田坝镇", 2024, 1650, 2380, 1120, 1040}

// templateHelp explains the columns, on the template's second sheet.
var templateHelp = [][2]string{
	{"区划代码", "12位统计用区划代码（也可写短代码，如5305为保山市），填写后以代码为准；可在乡镇、县、市任一级填写"},
	{"区划名称", "不填代码时必填：从省（或您管辖的区划）起的完整名称，如“云南省保山市昌宁县大田坝镇”或“昌宁县 大田坝镇”"},
	{"年份", "人口数据所属的年份，如2024"},
	{"0-5岁 … 15-17岁", "该区划各年龄段的儿童人数（统计部门或公安户籍数据），非负整数，没有则填0"},
	{"说明", "每个区划只写一行；再次导入同一区划会替换其原有数据。未导入的上级区划由下级区划自动汇总；只有全部下级都有数据时汇总才完整"},
}

// Template writes the import template (.xlsx): the header row and an
// example row, and a sheet explaining the columns.
func Template(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "人口数据"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return errs.Wrap(err, "population template")
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return errs.Wrap(err, "population template")
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return errs.Wrap(err, "population template")
	}
	for i, field := range templateColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, Headers[field]); err != nil {
			return errs.Wrap(err, "population template")
		}
		cell, _ = excelize.CoordinatesToCellName(i+1, 2)
		if err := f.SetCellValue(sheet, cell, templateExample[i]); err != nil {
			return errs.Wrap(err, "population template")
		}
	}
	if err := f.SetCellStyle(sheet, "A1", "G1", bold); err != nil {
		return errs.Wrap(err, "population template")
	}
	// The code column is text, so that Excel keeps all 12 digits.
	if err := f.SetColStyle(sheet, "A", text); err != nil {
		return errs.Wrap(err, "population template")
	}
	if err := f.SetColWidth(sheet, "A", "A", 16); err != nil {
		return errs.Wrap(err, "population template")
	}
	if err := f.SetColWidth(sheet, "B", "B", 32); err != nil {
		return errs.Wrap(err, "population template")
	}
	if err := f.SetColWidth(sheet, "C", "G", 10); err != nil {
		return errs.Wrap(err, "population template")
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return errs.Wrap(err, "population template")
	}
	const help = "填写说明"
	if _, err := f.NewSheet(help); err != nil {
		return errs.Wrap(err, "population template")
	}
	for i, h := range templateHelp {
		if err := f.SetSheetRow(help, fmt.Sprintf("A%d", i+1), &[]any{h[0], h[1]}); err != nil {
			return errs.Wrap(err, "population template")
		}
	}
	if err := f.SetColWidth(help, "A", "A", 18); err != nil {
		return errs.Wrap(err, "population template")
	}
	if err := f.SetColWidth(help, "B", "B", 100); err != nil {
		return errs.Wrap(err, "population template")
	}
	if _, err := f.WriteTo(w); err != nil {
		return errs.Wrap(err, "population template")
	}
	return nil
}

// Entry is one node of a listing with its figures.
type Entry struct {
	Code  string        `json:"code"`
	Name  string        `json:"name"`
	Level regions.Level `json:"level"`
	// Figures are nil when the node has none.
	Figures *Figures `json:"figures"`
}

// Listing is a node's figures and its child nodes'.
type Listing struct {
	Node     Entry   `json:"node"`
	Children []Entry `json:"children"`
}

// inScope reports whether v may read node.
func inScope(v access.Viewer, node string) bool {
	if v.Nobody || v.PairedWith != "" {
		return false
	}
	if node == regions.Root {
		return v.Region == regions.Root
	}
	return v.InRegion(node)
}

// List returns the figures of a node (short or 12-digit code; "" for the
// viewer's own scope root) and of each of its child nodes, for viewer v:
// errs.Invalid for a malformed code, errs.NotFound for an unknown one or
// one outside v's scope.
func (s *Service) List(ctx context.Context, v access.Viewer, node string) (Listing, error) {
	code := v.Region
	if node != "" {
		c, err := regions.Normalize(node)
		if err != nil {
			return Listing{}, err
		}
		code = c
	}
	if !inScope(v, code) {
		return Listing{}, errs.New(errs.NotFound, "该区划不存在或不在您的管辖范围内")
	}
	reg, err := s.regions.Get(ctx, code)
	if err != nil {
		return Listing{}, err
	}
	kids, err := s.regions.Children(ctx, code)
	if err != nil {
		return Listing{}, err
	}
	q := s.db.Reader()
	own, err := Get(ctx, q, code)
	if err != nil {
		return Listing{}, err
	}
	figs, err := Children(ctx, q, code)
	if err != nil {
		return Listing{}, err
	}
	entry := func(r regions.Region, f Figures) Entry {
		e := Entry{Code: r.Code, Name: r.Name, Level: r.Level}
		if f.Known() {
			e.Figures = &f
		}
		return e
	}
	out := Listing{Node: entry(reg, own), Children: make([]Entry, 0, len(kids))}
	for _, k := range kids {
		out.Children = append(out.Children, entry(k, figs[k.Code]))
	}
	return out, nil
}
