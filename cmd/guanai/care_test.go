package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/idcard"
)

// The care-team import and the gap export from the command line.
func TestCareCommands(t *testing.T) {
	m, out := newMain(t)
	ctx := context.Background()
	dir := t.TempDir()
	birth := time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC)
	id := idcard.Generate("530524", birth, 17, "F")
	census := filepath.Join(dir, "儿童.csv")
	os.WriteFile(census, []byte("身份证号码,姓名,性别,出生日期,民族,户籍类型,村（社区）代码,父亲情况,母亲情况\n"+
		id+",李小花,女,2016-05-01,汉族,农村,530524107202,外出务工,外出务工\n"), 0o600)
	if err := m.Run(ctx, []string{"import", "children", census}); err != nil {
		t.Fatalf("import children: %v\n%s", err, out)
	}
	teams := filepath.Join(dir, "关爱队伍.csv")
	os.WriteFile(teams, []byte("身份证号码,角色,成员姓名,与儿童关系\n"+id+",受委托监护人,李奶奶,祖母\n"+id+",爱心邻居,王阿姨,邻居\n"), 0o600)
	out.Reset()
	if err := m.Run(ctx, []string{"import", "care_teams", teams, "--dry-run"}); err != nil || !strings.Contains(out.String(), "将新登记2条") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out.Reset()
	if err := m.Run(ctx, []string{"import", "care_teams", teams}); err != nil || !strings.Contains(out.String(), "已导入2行") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	xlsx := filepath.Join(dir, "缺口.xlsx")
	out.Reset()
	if err := m.Run(ctx, []string{"export", "gaps", "--region", "530524", "--out", xlsx}); err != nil || !strings.Contains(out.String(), "已导出 1 名") {
		t.Fatalf("export gaps: %v\n%s", err, out)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("缺口儿童名单")
	if len(rows) != 2 || rows[1][1] != "李小花" {
		t.Errorf("gap export rows %v", rows)
	}
	if err := m.Run(ctx, []string{"export", "gaps"}); err == nil {
		t.Error("export gaps without a region")
	}
	if err := m.Run(ctx, []string{"export", "care_teams"}); err == nil {
		t.Error("export care_teams is not an export")
	}
	if err := m.Run(ctx, []string{"template", "care_teams", "--out", filepath.Join(dir, "t.xlsx")}); err != nil {
		t.Errorf("template: %v", err)
	}
}

// TestExportDashboard writes a county's dashboard from the command line,
// as a workbook and as JSON, and refuses bad flags and nodes.
func TestExportDashboard(t *testing.T) {
	ctx := context.Background()
	m, out := newMain(t)
	dir := t.TempDir()
	id := idcard.Generate("530524", time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC), 17, "F")
	census := filepath.Join(dir, "儿童.csv")
	os.WriteFile(census, []byte("身份证号码,姓名,性别,出生日期,民族,户籍类型,村（社区）代码,父亲情况,母亲情况\n"+
		id+",李小花,女,2016-05-01,汉族,农村,530524107202,外出务工,外出务工\n"), 0o600)
	if err := m.Run(ctx, []string{"import", "children", census}); err != nil {
		t.Fatalf("import children: %v\n%s", err, out)
	}
	xlsx := filepath.Join(dir, "看板.xlsx")
	if err := m.Run(ctx, []string{"export", "dashboard", "--region", "530524", "--out", xlsx}); err != nil || !strings.Contains(out.String(), "昌宁县") {
		t.Fatalf("export dashboard: %v\n%s", err, out)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.GetSheetList()) < 5 {
		t.Errorf("sheets %v", f.GetSheetList())
	}
	js := filepath.Join(dir, "看板.json")
	if err := m.Run(ctx, []string{"export", "dashboard", "--region", "530524", "--format", "json", "--out", js}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(js)
	var d struct {
		Node     struct{ Name string }
		Sections []struct{ ID string }
	}
	if err := json.Unmarshal(b, &d); err != nil || d.Node.Name != "昌宁县" || len(d.Sections) < 5 {
		t.Errorf("json: %v %+v", err, d)
	}
	for _, bad := range [][]string{
		{"export", "dashboard", "--region", "530524", "--school", "x"},
		{"export", "dashboard", "--format", "csv"},
		{"export", "dashboard", "--region", "99"},
	} {
		if err := m.Run(ctx, bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
