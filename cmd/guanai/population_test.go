package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The population import and its template from the command line.
func TestPopulationCommands(t *testing.T) {
	m, out := newMain(t)
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "人口.csv")
	os.WriteFile(file, []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,1650,2380,1120,1040\n"), 0o600)
	if err := m.Run(ctx, []string{"import", "population", file, "--dry-run"}); err != nil || !strings.Contains(out.String(), "将新增1个区划的人口数") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out.Reset()
	if err := m.Run(ctx, []string{"import", "population", file}); err != nil || !strings.Contains(out.String(), "已导入1行") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "有误.csv")
	os.WriteFile(bad, []byte("区划代码,年份,0-5岁,6-11岁,12-14岁,15-17岁\n530524107000,2024,-1,2380,1120,1040\n"), 0o600)
	out.Reset()
	if err := m.Run(ctx, []string{"import", "population", "--dry-run", bad}); err == nil || !strings.Contains(out.String(), "第2行“0-5岁”（-1）：儿童人数不能为负数") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	if err := m.Run(ctx, []string{"import", "population"}); err == nil {
		t.Error("import population without a file")
	}
	if err := m.Run(ctx, []string{"template", "population", "--out", filepath.Join(dir, "t.xlsx")}); err != nil {
		t.Errorf("template: %v", err)
	}
}
