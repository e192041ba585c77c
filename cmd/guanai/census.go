package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/schools"
)

// cliViewer is who a command-line import or export runs as: the system —
// the whole tree and every field, as whoever holds the database and its
// key can see anyway — unless --as names a user, whose scope and rights
// then apply and whose name the audit log records.
func cliViewer(ctx context.Context, a *app.App, username string) (access.Viewer, error) {
	if username == "" {
		v := access.System()
		v.Name = "系统（命令行）"
		return v, nil
	}
	admin := access.Viewer{Roles: []string{accounts.RoleSysadmin}}
	want := strings.ToLower(strings.TrimSpace(username))
	p, err := a.Accounts.List(ctx, admin, accounts.Filter{Query: want, Limit: 500})
	if err != nil {
		return access.Viewer{}, err
	}
	for _, u := range p.Users {
		if u.Username == want {
			if !u.Active {
				return access.Viewer{}, fmt.Errorf("用户 %s 已停用", u.Username)
			}
			return accounts.ViewerFor(u, "命令行"), nil
		}
	}
	return access.Viewer{}, fmt.Errorf("没有用户名为 %q 的用户", username)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressPrinter shows an import's progress: a bar with rows per second
// and the time left on a terminal, a line every tenth of the file
// otherwise.
type progressPrinter struct {
	w         io.Writer
	tty       bool
	last      time.Time
	lastTenth int
}

func (p *progressPrinter) update(pr census.Progress) {
	frac := pr.Fraction()
	if !p.tty {
		if frac < 0 {
			return
		}
		if tenth := int(frac * 10); tenth > p.lastTenth && tenth < 10 {
			p.lastTenth = tenth
			fmt.Fprintf(p.w, "进度 %d%%：已检查 %d 行，%d 行有误\n", tenth*10, pr.Rows, pr.Invalid)
		}
		return
	}
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	rate := float64(pr.Rows) / max(pr.Elapsed.Seconds(), 0.001)
	const width = 30
	bar, left := strings.Repeat("░", width), "--:--"
	if frac >= 0 {
		n := int(frac * width)
		bar = strings.Repeat("█", n) + strings.Repeat("░", width-n)
		if frac > 0 {
			remain := time.Duration(float64(pr.Elapsed) * (1 - frac) / frac).Round(time.Second)
			left = fmt.Sprintf("%d:%02d", int(remain.Minutes()), int(remain.Seconds())%60)
		}
	}
	pct := ""
	if frac >= 0 {
		pct = fmt.Sprintf("%3.0f%% ", frac*100)
	}
	fmt.Fprintf(p.w, "\r%s %s%d 行  %.0f 行/秒  剩余 %s  有误 %d 行 ", bar, pct, pr.Rows, rate, left, pr.Invalid)
}

func (p *progressPrinter) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (m *Main) importCmd(ctx context.Context, args []string) error {
	usage := errors.New("用法：guanai import children|elders|care_teams|population FILE [--dry-run] [--report OUT.xlsx] [--as USERNAME] [--db URL]")
	if len(args) == 0 {
		return usage
	}
	if args[0] == "population" {
		return m.importPopulation(ctx, args[1:])
	}
	k, ok := census.ParseKind(args[0])
	if !ok || k == census.Schools {
		return usage
	}
	fs := m.flags("import " + args[0])
	dry := fs.Bool("dry-run", false, "只检查，不写入")
	report := fs.String("report", "", "把逐行报告写入此 .xlsx 文件")
	as := fs.String("as", "", "以该用户的身份和管辖范围导入（默认：系统，全部范围）")
	// Flags may come before or after FILE.
	rest := args[1:]
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
	s := census.New(a)
	pp := &progressPrinter{w: m.Stdout, tty: isTerminal(m.Stdout)}
	res, err := s.Import(ctx, v, k, file, census.Options{DryRun: *dry, Progress: pp.update})
	pp.done()
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(m.Stdout, "%s（%s，%.1f 秒）\n", res.Message(), res.Format, res.Seconds)
	if len(res.UnknownColumns) > 0 {
		fmt.Fprintf(m.Stdout, "未识别的列（未导入）：%s\n", strings.Join(res.UnknownColumns, "、"))
	}
	for i, e := range res.Errors {
		if i == 20 {
			fmt.Fprintf(m.Stdout, "……共 %d 处错误", res.ErrorCount)
			if *report == "" {
				fmt.Fprint(m.Stdout, "，用 --report 报告.xlsx 得到全部")
			}
			fmt.Fprintln(m.Stdout)
			break
		}
		fmt.Fprintln(m.Stdout, "  "+e.String())
	}
	if *report != "" {
		f, err := os.Create(*report)
		if err != nil {
			return err
		}
		if err := s.WriteReport(f, file, res); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "报告已写入 %s\n", *report)
	}
	if res.Invalid > 0 {
		return fmt.Errorf("%d 行有误", res.Invalid)
	}
	return nil
}

func (m *Main) exportCmd(ctx context.Context, args []string) error {
	usage := errors.New("用法：guanai export children|elders|schools|gaps|dashboard [--format xlsx|csv|json] [--out FILE] [--region CODE] [--school ID] [--status active|archived|all] [--reveal] [--as USERNAME]")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "gaps":
		return m.exportGaps(ctx, args[1:])
	case "dashboard":
		return m.exportDashboard(ctx, args[1:])
	}
	k, ok := census.ParseKind(args[0])
	if !ok || k == census.CareTeams {
		return usage
	}
	fs := m.flags("export " + args[0])
	format := fs.String("format", "xlsx", "xlsx 或 csv")
	out := fs.String("out", "", "输出文件（默认：标准输出）")
	region := fs.String("region", "", "只导出该行政区划（代码）范围内的记录")
	status := fs.String("status", "", "active（默认）、archived 或 all")
	reveal := fs.Bool("reveal", false, "导出完整身份证号码（须有权查看；记入审计日志）")
	as := fs.String("as", "", "以该用户的身份和管辖范围导出（默认：系统，全部范围）")
	if err := fs.Parse(args[1:]); err != nil {
		return err
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
	w := m.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	s := census.New(a)
	var n int
	switch k {
	case census.Children:
		n, err = s.ExportChildren(ctx, v, children.Filter{Region: *region, Status: *status}, *reveal, *format, w)
	case census.Elders:
		n, err = s.ExportElders(ctx, v, elders.Filter{Region: *region, Status: *status}, *reveal, *format, w)
	case census.Schools:
		n, err = s.ExportSchools(ctx, v, schools.Filter{Region: *region}, *format, w)
	}
	if err != nil {
		return describe(err)
	}
	if *out != "" {
		fmt.Fprintf(m.Stdout, "已导出 %d 条%s记录到 %s\n", n, k.Label(), *out)
	}
	return nil
}

func (m *Main) templateCmd(ctx context.Context, args []string) error {
	usage := errors.New("用法：guanai template children|elders|care_teams|population [--out FILE]")
	if len(args) == 0 {
		return usage
	}
	if args[0] == "population" {
		return m.populationTemplate(args[1:])
	}
	k, ok := census.ParseKind(args[0])
	if !ok || k == census.Schools {
		return usage
	}
	fs := m.flags("template " + args[0])
	out := fs.String("out", "", "输出文件（默认：儿童导入模板.xlsx 等）")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	name := *out
	if name == "" {
		name = k.Label() + "导入模板.xlsx"
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := census.Template(k, f); err != nil {
		f.Close()
		return errs.Wrap(err, "template")
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "模板已写入 %s\n", name)
	return nil
}

// exportGaps writes the care gaps of a region node (.xlsx): the children
// lacking any part of the care network, and the counts by the nodes under
// it.
func (m *Main) exportGaps(ctx context.Context, args []string) error {
	fs := m.flags("export gaps")
	out := fs.String("out", "", "输出文件（默认：标准输出）")
	region := fs.String("region", "", "行政区划代码（必填）")
	as := fs.String("as", "", "以该用户的身份和管辖范围导出（默认：系统，全部范围）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *region == "" || fs.NArg() > 0 {
		return errors.New("用法：guanai export gaps --region CODE [--out FILE] [--as USERNAME]")
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
	w := m.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := census.New(a).ExportGaps(ctx, v, *region, w)
	if err != nil {
		return describe(err)
	}
	if *out != "" {
		fmt.Fprintf(m.Stdout, "已导出 %d 名有关爱缺口的儿童到 %s\n", n, *out)
	}
	return nil
}
