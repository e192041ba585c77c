package census_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/idcard"
	"guanai/internal/tally"
)

// seedExport registers children in 昌宁县 (one with formula-like notes and
// health detail) and one in 五华区, through an import.
func seedExport(t *testing.T, s *census.Service) {
	t.Helper()
	rows := [][]string{append(childHeader, "残疾类别")}
	for i := range 5 {
		rows = append(rows, append(childRow(i, "赵小"+string(rune('甲'+i))), "无"))
	}
	rows[1][18] = "=HYPERLINK(\"http://x\",\"点我\")"
	rows[2][18] = "+86 反馈"
	rows[3][18] = "@SUM(A1)"
	rows[4][18] = "-1 记录"
	rows[1][15] = "慢性病、长期服药"
	rows[2][16] = "家庭贫困"
	rows[2][19] = "肢体残疾"
	far := append(childRow(9, "钱远"), "无")
	far[0] = idcard.Generate("530102", yearsAgo(9), 9, "M")
	far[6], far[7], far[8], far[9] = "", "", "", "530102001001"
	rows = append(rows, far)
	if res := importFile(t, s, access.System(), census.Children, writeCSV(t, rows, ""), false); !res.Committed {
		t.Fatalf("seed: %s", dump(res))
	}
}

func exportChildren(t *testing.T, s *census.Service, v access.Viewer, reveal bool, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.ExportChildren(context.Background(), v, children.Filter{}, reveal, format, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readXLSX(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Exports: only the viewer's scope; ID numbers masked unless the viewer
// may see them and asks; health columns left out for those who may not
// see them; every export audited; formulas neutralised; an export with
// full numbers imports back changing nothing.
func TestExportChildren(t *testing.T) {
	a, s := setup(t)
	seedExport(t, s)
	ctx := context.Background()

	rows := readXLSX(t, exportChildren(t, s, officer, false, census.FormatXLSX))
	if len(rows) != 6 {
		t.Fatalf("officer of 昌宁县 exported %d rows, want header + 5", len(rows))
	}
	joined := ""
	for _, r := range rows {
		joined += strings.Join(r, "|") + "\n"
	}
	if strings.Contains(joined, "钱远") {
		t.Error("export leaks a child outside the viewer's scope")
	}
	if !strings.Contains(joined, "5305**********") || strings.Contains(joined, rowsID(0)) {
		t.Errorf("ID numbers not masked:\n%s", joined)
	}
	for _, f := range []string{"'=HYPERLINK", "'+86 反馈", "'@SUM(A1)", "'-1 记录"} {
		if !strings.Contains(joined, f) {
			t.Errorf("formula not neutralised: no %q\n%s", f, joined)
		}
	}
	if !strings.Contains(joined, "慢性病、长期服药") || !strings.Contains(joined, "昌宁县|大田坝镇|文沧村民委员会|530524107202") {
		t.Errorf("export content:\n%s", joined)
	}

	// Revealed: full numbers, and audited as such.
	full := exportChildren(t, s, officer, true, census.FormatXLSX)
	if !strings.Contains(strings.Join(readXLSX(t, full)[1], "|"), rowsID(0)) && !strings.Contains(fmtRows(readXLSX(t, full)), rowsID(0)) {
		t.Error("revealed export has no full ID number")
	}
	page, err := audit.Search(ctx, a.DB, auditor, audit.Filter{Action: audit.ActionExport})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Entries[0].Note != "export:5:id_number,health" || page.Entries[0].UserID != officer.UserID ||
		page.Entries[1].Note != "export:5:health" {
		t.Errorf("export audit entries: %+v", page.Entries)
	}
	// A viewer who may not see ID numbers asks in vain; nor health.
	worker := access.Viewer{UserID: "u-sw", Region: county, May: access.Sensitive{}}
	rows = readXLSX(t, exportChildren(t, s, worker, true, census.FormatXLSX))
	if strings.Contains(fmtRows(rows), rowsID(0)) || strings.Contains(rows[0][len(rows[0])-1], "健康") || strings.Contains(strings.Join(rows[0], "|"), "健康状况") {
		t.Errorf("export for a viewer without rights: %v", rows[0])
	}

	// The full export imports back unchanged — as .xlsx and as CSV.
	p := filepath.Join(t.TempDir(), "导出.xlsx")
	os.WriteFile(p, full, 0o600)
	res := importFile(t, s, officer, census.Children, p, false)
	if res.Unchanged != 5 || res.Updated != 0 || res.Created != 0 || res.Invalid != 0 {
		t.Fatalf("re-import of the export: %+v\n%s", res, dump(res))
	}
	csvData := exportChildren(t, s, officer, true, census.FormatCSV)
	if !bytes.HasPrefix(csvData, []byte("\ufeff")) {
		t.Error("CSV export without a byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(csvData[3:])).ReadAll()
	if err != nil || len(recs) != 6 {
		t.Fatalf("CSV export: %d records, %v", len(recs), err)
	}
	p = filepath.Join(t.TempDir(), "导出.csv")
	os.WriteFile(p, csvData, 0o600)
	if res := importFile(t, s, officer, census.Children, p, false); res.Unchanged != 5 || res.Invalid != 0 {
		t.Fatalf("re-import of the CSV export: %+v\n%s", res, dump(res))
	}
	// A masked export explains why it cannot be imported.
	p = filepath.Join(t.TempDir(), "打码.xlsx")
	os.WriteFile(p, exportChildren(t, s, officer, false, census.FormatXLSX), 0o600)
	if res := importFile(t, s, officer, census.Children, p, true); !hasError(res, 2, "身份证号码", "已打码") {
		t.Errorf("masked export: %s", dump(res))
	}
	// The worker's export (no health columns) imports back keeping them.
	if _, err := s.ExportChildren(ctx, worker, children.Filter{}, false, "pdf", &bytes.Buffer{}); err == nil {
		t.Error("format pdf accepted")
	}
}

func fmtRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "|") + "\n")
	}
	return b.String()
}

func rowsID(seq int) string { return childRow(seq, "")[0] }

// Elders: import, re-import, export.
func TestElders(t *testing.T) {
	a, s := setup(t)
	header := []string{"公民身份号码", "老人姓名", "性别", "出生年月日", "县", "乡镇", "村", "居住情况", "外出子女数", "联系人", "联系电话", "健康状况"}
	birth := yearsAgo(72)
	rows := [][]string{header}
	for i := range 4 {
		rows = append(rows, []string{idcard.Generate("530524", birth, i, "F"), "孙奶奶" + string(rune('甲'+i)), "女", birth.Format("2006/1/2"),
			"昌宁县", "大田坝镇", "文沧村民委员会", "独居", "2", "孙小明", "13900000001", "慢性病"})
	}
	rows = append(rows, []string{idcard.Generate("530524", yearsAgo(50), 9, "M"), "年轻人", "男", yearsAgo(50).Format("2006-01-02"),
		"昌宁县", "大田坝镇", "文沧村", "独处", "x", "", "", ""})
	path := writeCSV(t, rows, "gbk")
	res := importFile(t, s, officer, census.Elders, path, true)
	if res.Invalid != 1 || !hasError(res, 6, "出生年月日", "留守老人应年满60周岁") || !hasError(res, 6, "居住情况", "居住情况必须为") ||
		!hasError(res, 6, "外出子女数", "应为整数") {
		t.Fatalf("elders dry run: %s", dump(res))
	}
	rows = rows[:5]
	res = importFile(t, s, officer, census.Elders, writeCSV(t, rows, "gbk"), false)
	if !res.Committed || res.Created != 4 {
		t.Fatalf("elders: %s", dump(res))
	}
	rows[2][7] = "与孙辈同住"
	res = importFile(t, s, officer, census.Elders, writeCSV(t, rows, ""), false)
	if res.Updated != 1 || res.Unchanged != 3 {
		t.Fatalf("elders update: %+v", res)
	}
	// The import keeps the elders' counters.
	if m, err := tally.Get(context.Background(), a.DB.Reader(), "530524000000", elders.TallyActive, elders.TallyArchived); err != nil ||
		m[elders.TallyActive] != 4 || m[elders.TallyArchived] != 0 {
		t.Errorf("elders counters after import: %v %v", m, err)
	}
	apptest.CheckTallies(t, a)
	var buf bytes.Buffer
	n, err := s.ExportElders(context.Background(), officer, elders.Filter{}, true, census.FormatXLSX, &buf)
	if err != nil || n != 4 {
		t.Fatalf("export elders: %d, %v", n, err)
	}
	p := filepath.Join(t.TempDir(), "老人.xlsx")
	os.WriteFile(p, buf.Bytes(), 0o600)
	if res := importFile(t, s, officer, census.Elders, p, false); res.Unchanged != 4 {
		t.Fatalf("elders re-import: %s", dump(res))
	}
	// A teacher may not import elders.
	if _, err := s.Import(context.Background(), access.Viewer{Region: county, SchoolID: "x", CanWrite: true}, census.Elders, p, census.Options{}); err == nil {
		t.Error("a school viewer imported elders")
	}
	_ = a
}

// The template: headers, drop-downs, instructions; filled in, it imports.
func TestTemplate(t *testing.T) {
	_, s := setup(t)
	for _, k := range []census.Kind{census.Children, census.Elders} {
		var buf bytes.Buffer
		if err := census.Template(k, &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		if len(sheets) != 3 || sheets[1] != "选项" || sheets[2] != "填写说明" {
			t.Errorf("%s template sheets: %v", k, sheets)
		}
		dvs, _ := f.GetDataValidations(sheets[0])
		if len(dvs) < 3 {
			t.Errorf("%s template: %d drop-down lists", k, len(dvs))
		}
		head, _ := f.GetRows(sheets[0])
		if len(head) != 1 || head[0][0] != "*身份证号码" {
			t.Errorf("%s template header: %v", k, head)
		}
		if k == census.Children {
			col := 1
			birth := yearsAgo(9)
			vals := map[string]string{"*身份证号码": idcard.Generate("530524", birth, 1, "F"), "*姓名": "模板女孩", "*性别": "女",
				"*出生日期": birth.Format("2006-01-02"), "*民族": "彝族", "*户籍类型": "农村", "村（社区）代码": wencang,
				"*父亲情况": "外出务工", "*母亲情况": "已故", "健康状况": "营养不良", "流动儿童": "否"}
			for i, h := range head[0] {
				if v, ok := vals[h]; ok {
					cell, _ := excelize.CoordinatesToCellName(i+1, 2)
					f.SetCellStr(sheets[0], cell, v)
					col++
				}
			}
			p := filepath.Join(t.TempDir(), "模板.xlsx")
			f.SaveAs(p)
			res := importFile(t, s, officer, census.Children, p, false)
			if !res.Committed || res.Created != 1 || len(res.UnknownColumns) != 0 {
				t.Errorf("filled template: %+v\n%s", res, dump(res))
			}
		}
		f.Close()
	}
}
