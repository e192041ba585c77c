package census

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/errs"
)

// WriteReport writes the report of an import as .xlsx to w: the user's own
// rows, as the file at path holds them, with two columns added —
// 错误说明 (every error of the row: column and reason) and 导入结果
// (新登记, 更新, 无变化, 有误) — the bad rows highlighted, and a second
// sheet summing the import up. The user fixes the rows and imports the
// report itself again: the importer ignores the two added columns. The
// file is read again, not held: path must be the file the Result is of.
func (s *Service) WriteReport(w io.Writer, path string, res *Result) error {
	sh, _, err := openSheet(path, res.Kind, s.Limits)
	if err != nil {
		return err
	}
	defer sh.Close()
	byRow := map[int][]RowError{}
	for _, e := range res.Errors {
		byRow[e.Row] = append(byRow[e.Row], e)
	}
	t, err := newXLSXTable("导入报告", w)
	if err != nil {
		return errs.Wrap(err, "report")
	}
	cols := append(append([]string{}, res.Columns...), headerErrors, headerOutcome)
	widths := make([]float64, len(cols))
	for i, h := range res.Columns {
		widths[i] = 12
		for _, c := range columnsOf(res.Kind) {
			if normHeader(c.Header) == normHeader(h) {
				widths[i] = c.Width
			}
		}
	}
	widths[len(cols)-2], widths[len(cols)-1] = 60, 10
	t.extra = append(t.extra, func(f *excelize.File) error { return summarySheet(f, res) })
	for {
		vals, row, err := sh.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if row < res.HeaderRow {
			// Title rows above the header stay, so that row numbers in
			// the report are the file's.
			for len(t.above) < row-1 {
				t.above = append(t.above, nil)
			}
			t.above = append(t.above, vals)
			continue
		}
		if row == res.HeaderRow {
			if err := t.headerAt(row, cols, widths); err != nil {
				return errs.Wrap(err, "report")
			}
			continue
		}
		if blank(vals) {
			continue
		}
		out := make([]string, len(res.Columns)+2)
		copy(out, vals)
		var msgs []string
		for _, e := range byRow[row] {
			msgs = append(msgs, "【"+e.Column+"】"+e.Reason)
		}
		outcome := ""
		if row < len(res.outcomes) {
			switch res.outcomes[row] {
			case 'E':
				outcome = "有误"
				if len(msgs) == 0 {
					msgs = append(msgs, "本行有误（错误过多，未逐条列出，请先修正前面的错误）")
				}
			case 'N':
				outcome = "新登记"
			case 'U':
				outcome = "更新"
			case '=':
				outcome = "无变化"
			}
		}
		if res.DryRun && outcome != "有误" && outcome != "" {
			outcome = "将" + outcome
		}
		out[len(out)-2], out[len(out)-1] = strings.Join(msgs, "；"), outcome
		style := t.text
		if len(msgs) > 0 {
			style = t.marked
		}
		if err := t.writeAt(row, out, style); err != nil {
			return errs.Wrap(err, "report")
		}
	}
	return errs.Wrap(t.close(), "report")
}

// summarySheet adds the sheet 汇总 to a report.
func summarySheet(f *excelize.File, res *Result) error {
	const name = "汇总"
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	mode := "正式导入"
	if res.DryRun {
		mode = "检查（未写入）"
	}
	lines := [][2]string{
		{"文件", res.FileName},
		{"格式", res.Format},
		{"SHA-256", res.SHA256},
		{"方式", mode},
		{"结果", res.Message()},
		{"数据行", fmt.Sprint(res.Rows)},
		{"无误", fmt.Sprint(res.Valid)},
		{"有误", fmt.Sprint(res.Invalid)},
		{"错误数", fmt.Sprint(res.ErrorCount)},
		{"新登记", fmt.Sprint(res.Created)},
		{"更新", fmt.Sprint(res.Updated)},
		{"无变化", fmt.Sprint(res.Unchanged)},
		{"未识别的列（未导入）", strings.Join(res.UnknownColumns, "、")},
		{"如何修改", "在“导入报告”表中按“错误说明”逐行修改，保存后直接导入本文件即可（“错误说明”“导入结果”两列会被忽略）。"},
	}
	for i, l := range lines {
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", i+1), &[]any{l[0], neutralise(l[1])}); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(name, "A", "A", 22); err != nil {
		return err
	}
	return f.SetColWidth(name, "B", "B", 90)
}
