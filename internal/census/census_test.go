package census_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/idcard"
	"guanai/internal/person"
	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

const (
	wencang  = "530524107202" // 文沧村民委员会, 大田坝镇, 昌宁县
	huayan   = "530524107203" // 华严村民委员会
	county   = "530524000000" // 昌宁县
	township = "530524107000" // 大田坝镇
)

// officer is a county officer of 昌宁县: may register, sees everything.
var officer = access.Viewer{UserID: "u-officer", Username: "cn.officer", Name: "昌宁县儿童督导员", Region: county,
	May: access.Sensitive{IDNumber: true, Health: true, Difficulty: true}, CanWrite: true}

var auditor = access.Viewer{UserID: "u-auditor", Roles: []string{"auditor"}}

func setup(t *testing.T) (*app.App, *census.Service) {
	t.Helper()
	a := apptest.New(t)
	return a, census.New(a)
}

func today() time.Time { return person.Today(time.Now()) }

func yearsAgo(n int) time.Time { return time.Date(today().Year()-n, 3, 8, 0, 0, 0, 0, time.UTC) }

// childHeader is the template's header, as a user fills it.
var childHeader = []string{"身份证号码", "姓名", "性别", "出生日期", "民族", "户籍类型", "县（市、区）", "乡（镇、街道）", "村（社区）", "村（社区）代码",
	"父亲情况", "父亲外出地点", "母亲情况", "监护人姓名", "与儿童关系", "健康状况", "困境类别", "流动儿童", "备注"}

// childRow returns a valid row of a left-behind boy (seq picks the ID).
func childRow(seq int, name string) []string {
	birth := yearsAgo(9)
	return []string{idcard.Generate("530524", birth, seq, "M"), name, "男", birth.Format("2006-01-02"), "汉族", "农村",
		"昌宁县", "大田坝镇", "文沧村", "", "外出务工", "广东东莞", "外出务工", "李奶奶", "祖母", "", "", "否", ""}
}

func writeCSV(t *testing.T, rows [][]string, enc string) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll(rows)
	data := buf.Bytes()
	switch enc {
	case "bom":
		data = append([]byte("\ufeff"), data...)
	case "gbk":
		var err error
		data, err = simplifiedchinese.GBK.NewEncoder().Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "名单.csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeXLSX writes rows as a spreadsheet program does: shared strings for
// text, numbers as numbers (dates as serial numbers when asked).
func writeXLSX(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func importFile(t *testing.T, s *census.Service, v access.Viewer, k census.Kind, path string, dry bool) *census.Result {
	t.Helper()
	res, err := s.Import(context.Background(), v, k, path, census.Options{DryRun: dry})
	if err != nil {
		t.Fatalf("import %s: %v", filepath.Base(path), err)
	}
	return res
}

func countChildren(t *testing.T, a *app.App) int {
	t.Helper()
	n, err := a.Children.Count(context.Background(), access.System(), children.Filter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hasError(res *census.Result, row int, column, part string) bool {
	for _, e := range res.Errors {
		if e.Row == row && e.Column == column && strings.Contains(e.Reason, part) {
			return true
		}
	}
	return false
}

func dump(res *census.Result) string {
	var b strings.Builder
	b.WriteString(res.Message() + "\n")
	for _, e := range res.Errors {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

// The whole round: a dry run reports, a commit writes all, a second import
// of the same file changes nothing, a changed fact updates the record and
// its history as a census update.
func TestImportChildrenCSVRoundTrip(t *testing.T) {
	a, s := setup(t)
	rows := [][]string{childHeader}
	for i := range 20 {
		rows = append(rows, childRow(i, "张小"+string(rune('甲'+i))))
	}
	rows[3][9] = huayan // by code, names agreeing
	rows[3][8] = "华严村民委员会"
	path := writeCSV(t, rows, "gbk")

	res := importFile(t, s, officer, census.Children, path, true)
	if res.Rows != 20 || res.Invalid != 0 || res.Created != 20 || res.Committed || !strings.Contains(res.Format, "GB18030") {
		t.Fatalf("dry run: %+v\n%s", res, dump(res))
	}
	if countChildren(t, a) != 0 {
		t.Fatal("a dry run wrote")
	}
	res = importFile(t, s, officer, census.Children, path, false)
	if !res.Committed || res.Created != 20 || countChildren(t, a) != 20 {
		t.Fatalf("commit: %+v\n%s", res, dump(res))
	}
	res = importFile(t, s, officer, census.Children, path, false)
	if res.Created != 0 || res.Updated != 0 || res.Unchanged != 20 || countChildren(t, a) != 20 {
		t.Fatalf("re-import: %+v", res)
	}
	// The mother came home: an update, re-classified, in the history.
	rows[5][12] = "在家"
	res = importFile(t, s, officer, census.Children, writeCSV(t, rows, "bom"), false)
	if res.Updated != 1 || res.Unchanged != 19 {
		t.Fatalf("update: %+v\n%s", res, dump(res))
	}
	// The counters followed both the registration and the update.
	apptest.CheckTallies(t, a)
	if lb, err := a.Children.Count(context.Background(), officer, children.Filter{Category: children.CategoryLeftBehind}); err != nil || lb == 0 {
		t.Fatalf("left-behind count %d %v", lb, err)
	} else if p, err := a.Children.List(context.Background(), officer, children.Filter{Category: children.CategoryLeftBehind}); err != nil || p.Total != lb {
		t.Fatalf("left-behind list total %d, counted %d (%v)", p.Total, lb, err)
	}
	p, err := a.Children.List(context.Background(), officer, children.Filter{Query: rows[5][1]})
	if err != nil || len(p.Children) != 1 {
		t.Fatalf("list: %v", err)
	}
	c := p.Children[0]
	if c.LeftBehind || c.MotherStatus != children.ParentHome || c.Version != 2 {
		t.Errorf("after census update: %+v", c)
	}
	hist, err := a.Children.History(context.Background(), officer, c.ID)
	if err != nil || len(hist) != 2 || hist[1].Source != "import" || !strings.HasPrefix(hist[1].Reason, "普查更新：不再属于农村留守儿童") {
		t.Errorf("history: %+v %v", hist, err)
	}
	if hist[0].Source != "import" || !strings.HasPrefix(hist[0].Reason, "普查登记") {
		t.Errorf("first history entry: %+v", hist[0])
	}
	// The audit log: one create entry for the 20, one update entry.
	entries, err := audit.Search(context.Background(), a.DB, auditor, audit.Filter{RecordType: "child", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	creates, updates := 0, 0
	for _, e := range entries.Entries {
		switch {
		case e.Action == audit.ActionCreate && strings.Contains(e.Note, "新登记20名儿童"):
			creates++
		case e.Action == audit.ActionUpdate && e.RecordID == c.ID:
			updates++
		}
	}
	if creates != 1 || updates != 1 {
		t.Errorf("audit: %d create entries, %d update entries", creates, updates)
	}
}

// A background job reports its progress and ends with the result and a
// stored report that only its owner may read.
func TestJobs(t *testing.T) {
	_, s := setup(t)
	rows := [][]string{childHeader}
	for i := range 30 {
		rows = append(rows, childRow(i, "任务"+string(rune('甲'+i))))
	}
	jobs := s.NewJobs()
	id := jobs.Start(context.Background(), officer, census.Children, writeCSV(t, rows, ""), census.Options{DryRun: true})
	var st census.JobStatus
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var err error
		if st, err = jobs.Status(officer, id); err != nil {
			t.Fatal(err)
		}
		if st.Done {
			break
		}
	}
	if !st.Done || st.Result == nil || st.Result.Created != 30 || st.ReportID == "" || st.Progress.Rows != 30 {
		t.Fatalf("job: %+v", st)
	}
	if _, err := jobs.Status(access.Viewer{UserID: "someone"}, id); err == nil {
		t.Error("another user read the job")
	}
	rep, err := s.OpenReport(context.Background(), officer, st.ReportID)
	if err != nil || len(rep.Content) == 0 || !strings.HasSuffix(rep.FileName, ".xlsx") {
		t.Fatalf("report: %v %q", err, rep.FileName)
	}
	if _, err := s.OpenReport(context.Background(), access.Viewer{UserID: "someone"}, st.ReportID); err == nil {
		t.Error("another user opened the report")
	}
}
