package census_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/idcard"
)

// Every error class a file can have, in an .xlsx written the way Excel
// writes one (shared strings, a date as a serial number, an ID number as
// a number); the report lists them all, row, column, value and reason, and
// once fixed in the report itself, the report imports.
func TestImportErrorsReportRoundTrip(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	far := "530102001001" // 五华区: outside 昌宁县
	// A child already registered in another county.
	farID := idcard.Generate("530102", yearsAgo(9), 3, "M")
	_, err := a.Children.Create(ctx, access.System(), children.Input{IDNumber: farID, Name: "远方", Sex: "男", BirthDate: yearsAgo(9).Format("2006-01-02"),
		Ethnicity: "汉族", Hukou: "rural", VillageCode: far, FatherStatus: "away", MotherStatus: "away"})
	if err != nil {
		t.Fatal(err)
	}
	header := append([]any{}, anyRow(childHeader)...)
	header = append(header, "爱好") // unknown column
	good := func(seq int, name string) []any { return append(anyRow(childRow(seq, name)), "画画") }
	birth := yearsAgo(9)
	serial := float64(birth.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	rows := [][]any{
		{"昌宁县2026年农村留守儿童花名册"}, // a title row above the header
		header,
		good(1, "王一"), // row 3: fine
		withCell(good(2, "王二"), 0, 5.30524201503080e17),     // row 4: ID as a number
		withCell(good(3, "王三"), 3, serial),                  // row 5: date as a serial number — fine
		withCell(good(4, "王四"), 2, "未知"),                    // row 6: bad sex
		withCell(good(5, "王五"), 8, "大田村"),                   // row 7: unknown village
		withCell(withCell(good(6, "王六"), 7, ""), 8, "小街子村"), // row 8: ambiguous village in the county
		withCell(good(7, "王七"), 0, farID),                   // row 9: registered in another county
		withCell(good(1, "王一"), 1, "王一重"),                   // row 10: duplicate ID in the file
		withCell(withCell(good(9, "王九"), 9, far), 8, ""),    // row 11: village outside scope, by code
		withCell(good(10, "王十"), 10, "出国"),                  // row 12: bad father status
		withCell(good(11, "十一"), 17, "也许"),                  // row 13: bad yes/no
	}
	rows[6][6], rows[6][7] = "昌宁县", "大田坝镇"
	path := writeXLSX(t, rows)
	res := importFile(t, s, officer, census.Children, path, true)
	if res.HeaderRow != 2 || res.Rows != 11 {
		t.Fatalf("header row %d, %d rows\n%s", res.HeaderRow, res.Rows, dump(res))
	}
	want := []struct {
		row         int
		column, why string
	}{
		{4, "身份证号码", "Excel 把它当作数字保存"},
		{6, "性别", "性别必须为“男”或“女”"},
		{7, "村（社区）", "大田坝镇下没有名为“大田村”的村（社区）"},
		{8, "村（社区）", "对应多个村（社区）"},
		{9, "身份证号码", "该身份证号码已在云南省 › 昆明市 › 五华区登记"},
		{10, "身份证号码", "与第3行的身份证号码重复"},
		{11, "村（社区）代码", "不在您的管辖范围内"},
		{12, "父亲情况", "父亲情况必须为在家、外出务工、已故、无监护能力或不详之一"},
		{13, "流动儿童", "应填“是”或“否”"},
	}
	for _, w := range want {
		if !hasError(res, w.row, w.column, w.why) {
			t.Errorf("no error row %d %s %q\n%s", w.row, w.column, w.why, dump(res))
		}
	}
	if res.Invalid != len(want) || res.Valid != 2 {
		t.Errorf("%d invalid, %d valid; want %d, 2\n%s", res.Invalid, res.Valid, len(want), dump(res))
	}
	if len(res.UnknownColumns) != 1 || res.UnknownColumns[0] != "爱好" {
		t.Errorf("unknown columns: %v", res.UnknownColumns)
	}
	// A commit of the same file writes nothing.
	before := countChildren(t, a)
	if res := importFile(t, s, officer, census.Children, path, false); res.Committed || countChildren(t, a) != before {
		t.Fatalf("a file with errors was committed: %+v", res)
	}

	// The report: the user's rows, the error column, the bad rows marked.
	var buf bytes.Buffer
	if err := s.WriteReport(&buf, path, res); err != nil {
		t.Fatal(err)
	}
	rp := filepath.Join(t.TempDir(), "报告.xlsx")
	os.WriteFile(rp, buf.Bytes(), 0o600)
	f, err := excelize.OpenFile(rp)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.GetRows("导入报告")
	f.Close()
	if len(got) != 13 || got[1][len(got[1])-2] != "错误说明" || got[0][0] != "昌宁县2026年农村留守儿童花名册" {
		t.Fatalf("report rows: %d, header %v", len(got), got[1])
	}
	if !strings.Contains(strings.Join(got[5], "|"), "性别必须为") {
		t.Errorf("report row 6 (王四): %v", got[5])
	}
	// Fix every bad row in the report itself and import it.
	fix := map[int]map[string]string{ // row (the file's and the report's) → column → value
		4:  {"身份证号码": idcard.Generate("530524", yearsAgo(9), 2, "M")},
		6:  {"性别": "男"},
		7:  {"村（社区）": "文沧村"},
		8:  {"村（社区）": "文沧", "乡（镇、街道）": "大田坝镇"},
		9:  {"身份证号码": idcard.Generate("530524", yearsAgo(9), 7, "M")},
		10: {"身份证号码": idcard.Generate("530524", yearsAgo(9), 8, "M")},
		11: {"村（社区）代码": wencang},
		12: {"父亲情况": "外出务工"},
		13: {"流动儿童": "否"},
	}
	f, _ = excelize.OpenFile(rp)
	for r, cols := range fix {
		for col, v := range cols {
			i := indexOf(got[1], col)
			cell, _ := excelize.CoordinatesToCellName(i+1, r)
			f.SetCellStr("导入报告", cell, v)
		}
	}
	f.Save()
	f.Close()
	res = importFile(t, s, officer, census.Children, rp, false)
	if !res.Committed || res.Created != 11 || res.Invalid != 0 {
		t.Fatalf("fixed report: %+v\n%s", res, dump(res))
	}
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	panic("no column " + x)
}

func anyRow(r []string) []any {
	out := make([]any, len(r))
	for i, v := range r {
		out[i] = v
	}
	return out
}

func withCell(r []any, i int, v any) []any {
	out := append([]any{}, r...)
	out[i] = v
	return out
}
