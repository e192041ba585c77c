package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"guanai/internal/errs"
	"guanai/internal/population"
)

// importPopulation imports a population table (guanai import population
// FILE): the same flags as a census import, but for --report.
func (m *Main) importPopulation(ctx context.Context, args []string) error {
	usage := errors.New("用法：guanai import population FILE [--dry-run] [--as USERNAME] [--db URL]")
	fs := m.flags("import population")
	dry := fs.Bool("dry-run", false, "只检查，不写入")
	as := fs.String("as", "", "以该用户的身份和管辖范围导入（默认：系统，全部范围）")
	// Flags may come before or after FILE.
	rest := args
	var file string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != file) {
		return usage
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("无法读取文件 %s：%w", file, err)
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
	res, err := population.New(a.DB, a.Regions).Import(ctx, v, file, population.Options{DryRun: *dry})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(m.Stdout, "%s（%s）\n", res.Message(), res.Format)
	for i, e := range res.Errors {
		if i == 50 {
			fmt.Fprintf(m.Stdout, "……共 %d 处错误\n", len(res.Errors))
			break
		}
		fmt.Fprintln(m.Stdout, "  "+e.String())
	}
	if res.Invalid > 0 {
		return fmt.Errorf("%d 行有误", res.Invalid)
	}
	return nil
}

// populationTemplate writes the population import template.
func (m *Main) populationTemplate(args []string) error {
	fs := m.flags("template population")
	out := fs.String("out", "", "输出文件（默认："+population.TemplateName+"）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	name := *out
	if name == "" {
		name = population.TemplateName
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := population.Template(f); err != nil {
		f.Close()
		return errs.Wrap(err, "template")
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "模板已写入 %s\n", name)
	return nil
}
