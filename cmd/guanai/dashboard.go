package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"guanai/internal/dashboard"
)

// exportDashboard writes a node's dashboard — a region's (--region, or
// the top of the user's scope) or a school's (--school) — as the
// workbook the web page exports, or as the API's JSON: for report
// deadlines, from a script.
func (m *Main) exportDashboard(ctx context.Context, args []string) error {
	fs := m.flags("export dashboard")
	region := fs.String("region", "", "行政区划代码（默认：管辖范围的顶层）")
	school := fs.String("school", "", "学校编号（与 --region 二选一）")
	format := fs.String("format", "xlsx", "xlsx 或 json")
	out := fs.String("out", "", "输出文件（默认：数据看板_名称_日期.xlsx；json 默认标准输出）")
	as := fs.String("as", "", "以该用户的身份和管辖范围导出（默认：系统，全部范围）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *region != "" && *school != "" {
		return errors.New("--region 与 --school 只能给出其一")
	}
	if *format != "xlsx" && *format != "json" {
		return fmt.Errorf("--format 应为 xlsx 或 json，而不是“%s”", *format)
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := cliViewer(ctx, a, *as)
	if err != nil {
		return err
	}
	var d dashboard.Dashboard
	if *school != "" {
		d, err = a.Dashboard.School(ctx, v, *school)
	} else {
		d, err = a.Dashboard.Region(ctx, v, *region)
	}
	if err != nil {
		return describe(err)
	}
	if *format == "json" {
		w := m.Stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			dashboard.Dashboard
			Rankings []dashboard.Ranking `json:"rankings"`
		}{d, dashboard.Rankings(d)})
	}
	name := *out
	if name == "" {
		name = dashboard.FileName(d)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := dashboard.WriteXLSX(f, d); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "已导出%s的数据看板到 %s\n", d.Node.Name, name)
	return nil
}
