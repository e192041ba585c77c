package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/audit"
	"guanai/internal/authn"
	"guanai/internal/demo"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/web"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

// Main is the program: its configuration, output streams and, once
// serving, the listener (tests read Addr to find the port).
type Main struct {
	Config app.Config
	Stdout io.Writer
	Stderr io.Writer
	// Ready, when set, is closed once the server listens.
	Ready chan struct{}
	// Addr is the address the server listens on, once Ready.
	Addr string
}

// NewMain returns a Main with the default configuration, overridden by the
// environment.
func NewMain() *Main {
	return &Main{Config: app.Default().FromEnv(os.Getenv), Stdout: os.Stdout, Stderr: os.Stderr}
}

type command struct {
	name, usage, help string
	run               func(m *Main, ctx context.Context, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "serve [--addr ADDR] [--db URL] [--demo]", "运行 guanai 服务（网页与 /api/v1 接口）", (*Main).serve},
		{"migrate", "migrate [--db URL]", "建立或升级数据库结构，并载入行政区划", (*Main).migrate},
		{"demo", "demo [--db URL]", "载入演示数据（大田坝镇试点及云南各地的儿童、老人和学校）", (*Main).demo},
		{"regions", "regions children|path|counts CODE | regions load FILE", "查询行政区划：下级、到省的路径、各级数量；或载入区划文件", (*Main).regions},
		{"user", "user add --username U --password P --role ROLE --region CODE [--school ID]", "创建用户（首次登录须修改密码）", (*Main).user},
		{"audit", "audit verify | audit purge", "校验审计日志哈希链；清理超过184天的记录", (*Main).audit},
		{"import", "import children|elders|care_teams|population FILE [--dry-run] [--report OUT.xlsx] [--as USER]", "从 .xlsx 或 .csv 导入儿童、留守老人、关爱队伍分配或区划人口数（先检查；有误则一行都不导入）", (*Main).importCmd},
		{"export", "export children|elders|schools|gaps [--format xlsx|csv] [--out FILE] [--reveal]", "导出名单或关爱缺口（--region、--status 筛选；--as USER 按用户范围）", (*Main).exportCmd},
		{"template", "template children|elders|care_teams|population [--out FILE]", "生成导入模板（含下拉选项和填写说明）", (*Main).templateCmd},
		{"reclassify", "reclassify [--date YYYY-MM-DD] [--db URL]", "按日期重新认定儿童类别（每日任务也会自动运行）", (*Main).reclassify},
		{"version", "version", "显示版本", (*Main).version},
		{"help", "help", "显示本帮助", (*Main).help},
	}
}

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return m.help(ctx, nil)
	}
	switch args[0] {
	case "-h", "--help":
		return m.help(ctx, nil)
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(m, ctx, args[1:])
		}
	}
	m.help(ctx, nil)
	return fmt.Errorf("未知命令 %q", args[0])
}

func (m *Main) help(context.Context, []string) error {
	fmt.Fprintln(m.Stdout, "guanai（关爱）—— 农村留守儿童关爱服务平台\n\n用法：guanai 命令 [参数]\n\n命令：")
	for _, c := range commands {
		fmt.Fprintf(m.Stdout, "  %-76s %s\n", c.usage, c.help)
	}
	fmt.Fprintln(m.Stdout, "\n环境变量：GUANAI_ADDR GUANAI_DATABASE_URL GUANAI_KEY GUANAI_KEY_FILE GUANAI_REGIONS GUANAI_DEMO GUANAI_RECLASSIFY_AT（见 README.md）")
	return nil
}

func (m *Main) version(context.Context, []string) error {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	fmt.Fprintln(m.Stdout, "guanai", v)
	return nil
}

// flags returns a flag set with the database flag bound to m.Config.
func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.Config.DatabaseURL, "db", m.Config.DatabaseURL, "数据库：SQLite 文件路径或 postgres:// URL")
	return fs
}

func (m *Main) open(ctx context.Context) (*app.App, error) {
	return app.Open(ctx, m.Config, m.Stdout)
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := m.flags("migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(m.Stdout, "数据库已是最新结构（%s）\n", a.DB.Dialect())
	return nil
}

func (m *Main) demo(ctx context.Context, args []string) error {
	fs := m.flags("demo")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = demo.Load(ctx, a, m.Stdout)
	return err
}

func (m *Main) reclassify(ctx context.Context, args []string) error {
	fs := m.flags("reclassify")
	day := fs.String("date", "", "按哪一天认定（默认今天）")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	asOf := person.Today(a.DB.Now())
	if *day != "" {
		d, ok := person.ParseDate(*day)
		if !ok {
			return fmt.Errorf("--date %q 不是有效日期，应写成 2026-01-31", *day)
		}
		asOf = d
	}
	n, err := a.Children.Reclassify(ctx, asOf)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s：%d 名儿童的类别发生变化\n", asOf.Format("2006-01-02"), n)
	return nil
}

func (m *Main) regions(ctx context.Context, args []string) error {
	fs := m.flags("regions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) != 2 {
		return errors.New("用法：guanai regions children|path|counts CODE，或 guanai regions load FILE")
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "load" {
		start := time.Now()
		n, err := regions.LoadFile(ctx, a.DB, args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已载入 %d 个新的行政区划，用时 %.1f 秒\n", n, time.Since(start).Seconds())
		return nil
	}
	code := args[1]
	if code == "0" || code == "china" {
		code = regions.Root
	} else if code, err = regions.Normalize(code); err != nil {
		return err
	}
	switch args[0] {
	case "children":
		rs, err := a.Regions.Children(ctx, code)
		if err != nil {
			return err
		}
		for _, r := range rs {
			fmt.Fprintf(m.Stdout, "%s\t%s\t%s\n", r.Code, r.Name, r.Level.Name())
		}
	case "path":
		p, err := a.Regions.Path(ctx, code)
		if err != nil {
			return err
		}
		for _, r := range p {
			fmt.Fprintf(m.Stdout, "%s\t%s\t%s\n", r.Code, r.Name, r.Level.Name())
		}
	case "counts":
		reg, err := a.Regions.Get(ctx, code)
		if err != nil {
			return err
		}
		c, err := a.Regions.CountsByLevel(ctx, code)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s %s 下辖：\n", reg.Code, reg.Name)
		var ls []int
		for l := range c {
			ls = append(ls, int(l))
		}
		sort.Ints(ls)
		for _, l := range ls {
			fmt.Fprintf(m.Stdout, "  %s\t%d\n", regions.Level(l).Name(), c[regions.Level(l)])
		}
	default:
		return fmt.Errorf("未知的 regions 子命令 %q", args[0])
	}
	return nil
}

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := m.flags("serve")
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "监听地址")
	fs.BoolVar(&m.Config.Demo, "demo", m.Config.Demo, "首次启动时载入演示数据")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if m.Config.Demo {
		if _, err := demo.Load(ctx, a, m.Stdout); err != nil {
			return err
		}
		if err := m.demoUsers(ctx, a); err != nil {
			return err
		}
	}
	if user, pw, err := a.Accounts.Bootstrap(ctx); err != nil {
		return err
	} else if pw != "" {
		fmt.Fprintf(m.Stdout, "已创建管理员账号 %s，一次性密码：%s（首次登录须修改密码并绑定动态验证码）\n", user, pw)
	}
	log := slog.New(slog.NewTextHandler(m.Stderr, nil))
	auth := &authn.Authenticator{Accounts: a.Accounts, TrustProxy: m.Config.TrustProxy}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a, auth.Identify, log))
	mux.Handle("/", web.New(a, auth, log))
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("无法监听 %s：%w", m.Config.Addr, err)
	}
	m.Addr = ln.Addr().String()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go m.daily(ctx, a, log)
	host := m.Addr
	if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") {
		host = "localhost" + host[strings.LastIndexByte(host, ':'):]
	}
	fmt.Fprintf(m.Stdout, "guanai 已启动：http://%s/ （数据库：%s；接口文档：http://%s/api/v1/openapi.json）\n", host, a.DB.Dialect(), host)
	if m.Ready != nil {
		close(m.Ready)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Fprintln(m.Stdout, "正在停止…")
	return srv.Shutdown(sctx)
}

// daily runs the re-classification once at start and then every day at
// Config.ReclassifyAt, China time, so that children leave the left-behind
// category on their 16th birthday without anyone touching their record.
func (m *Main) daily(ctx context.Context, a *app.App, log *slog.Logger) {
	run := func() {
		n, err := a.Children.Reclassify(ctx, person.Today(a.DB.Now()))
		if err != nil && ctx.Err() == nil {
			log.Error("daily reclassify", "err", err, "code", errs.CodeOf(err))
			return
		}
		if n > 0 {
			log.Info("daily reclassify", "changed", n)
		}
	}
	run()
	for {
		next := nextRun(time.Now(), m.Config.ReclassifyAt)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
			run()
		}
	}
}

// nextRun returns the next instant after now at hh:mm China time.
func nextRun(now time.Time, hhmm string) time.Time {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		t, _ = time.Parse("15:04", "00:10")
	}
	c := now.In(person.China)
	next := time.Date(c.Year(), c.Month(), c.Day(), t.Hour(), t.Minute(), 0, 0, person.China)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// demoUser is one of the demonstration accounts README lists.
type demoUser struct {
	username, name, role, region string
	school                       string // school name (principal, teacher)
}

// demoUsers are accounts for every role at several levels. Their password
// is DemoPassword; the administrative roles must enrol a second factor at
// first login.
var demoUsers = []demoUser{
	{"yn.leader", "云南省留守儿童工作负责人", "leader", "530000000000", ""},
	{"bs.leader", "保山市分管领导", "leader", "530500000000", ""},
	{"cn.leader", "昌宁县委书记", "leader", "530524000000", ""},
	{"dtb.leader", "大田坝镇党委书记", "leader", "530524107000", ""},
	{"wc.leader", "文沧村党总支书记", "leader", "530524107202", ""},
	{"cn.officer", "昌宁县儿童督导员", "officer", "530524000000", ""},
	{"dtb.officer", "大田坝镇儿童督导员", "officer", "530524107000", ""},
	{"wc.officer", "文沧村儿童主任", "officer", "530524107202", ""},
	{"dtb.principal", "大田坝镇中心小学校长", "principal", "530524107000", "大田坝镇中心小学"},
	{"dtb.teacher", "大田坝镇中心小学班主任", "teacher", "530524107000", "大田坝镇中心小学"},
	{"cn.socialworker", "昌宁县社工", "social_worker", "530524000000", ""},
	{"dtb.mentor", "大田坝镇结对干部", "mentor", "530524107000", ""},
	{"cn.counsellor", "昌宁县心理咨询师", "counsellor", "530524000000", ""},
	{"yn.sysadmin", "省级系统管理员", "sysadmin", "530000000000", ""},
	{"yn.secadmin", "省级安全管理员", "secadmin", "530000000000", ""},
	{"yn.auditor", "省级审计员", "auditor", "530000000000", ""},
}

// DemoPassword is the password of every demonstration account.
const DemoPassword = "Care@Yunnan26"

func (m *Main) demoUsers(ctx context.Context, a *app.App) error {
	created := 0
	for _, d := range demoUsers {
		in := accounts.Input{Username: d.username, Name: d.name, RegionCode: d.region, Roles: []string{d.role}, Active: true, Password: DemoPassword}
		if d.school != "" {
			p, err := a.Schools.List(ctx, access.System(), schools.Filter{Region: d.region, Query: d.school, Limit: 1})
			if err != nil || len(p.Schools) == 0 {
				return fmt.Errorf("demo school %s: %v", d.school, err)
			}
			sc, err := a.Schools.Get(ctx, access.System(), p.Schools[0].ID)
			if err != nil {
				return err
			}
			in.SchoolID, in.OrgKind, in.OrgName = sc.ID, "school", sc.Name
			if d.role == accounts.RoleTeacher && len(sc.Classes) > 0 {
				in.ClassID = sc.Classes[min(len(sc.Classes)-1, 5)].ID
			}
		}
		_, err := a.Accounts.CreateWithPassword(ctx, in, false)
		if errs.CodeOf(err) == errs.Conflict {
			continue
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", d.username, describe(err))
		}
		created++
	}
	fmt.Fprintf(m.Stdout, "演示账号（密码均为 %s；系统管理员、安全管理员、审计员首次登录须绑定动态验证码）：\n", DemoPassword)
	for _, d := range demoUsers {
		fmt.Fprintf(m.Stdout, "  %-16s %s（%s）\n", d.username, d.name, accounts.RoleLabel(d.role))
	}
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("用法：guanai user add --username U --password P --role ROLE[,ROLE] --region CODE [--school ID] [--class ID] [--name 姓名]")
	}
	fs := m.flags("user add")
	var in accounts.Input
	var roles string
	fs.StringVar(&in.Username, "username", "", "用户名")
	fs.StringVar(&in.Password, "password", "", "初始密码（首次登录须修改）")
	fs.StringVar(&roles, "role", "", "角色，多个用逗号分隔："+strings.Join(accounts.Roles, ", "))
	fs.StringVar(&in.RegionCode, "region", "", "管辖区域的行政区划代码")
	fs.StringVar(&in.SchoolID, "school", "", "学校 ID（校长、教师）")
	fs.StringVar(&in.ClassID, "class", "", "班级 ID（教师）")
	fs.StringVar(&in.Name, "name", "", "姓名（默认同用户名）")
	fs.StringVar(&in.Phone, "phone", "", "手机号")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if in.Name == "" {
		in.Name = in.Username
	}
	in.Roles = strings.Split(roles, ",")
	if roles == "" {
		in.Roles = nil
	}
	in.Active = true
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.CreateWithPassword(ctx, in, true)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(m.Stdout, "已创建用户 %s（%s），首次登录须修改密码\n", u.Username, strings.Join(u.Roles, ","))
	return nil
}

// describe turns a validation error into one line per field.
func describe(err error) error {
	e := errs.As(err)
	if len(e.Fields) == 0 {
		return err
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Message)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  --%s：%s", strings.ReplaceAll(k, "_code", ""), e.Fields[k])
	}
	return errors.New(b.String())
}

func (m *Main) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "purge") {
		return errors.New("用法：guanai audit verify | guanai audit purge")
	}
	fs := m.flags("audit " + args[0])
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "purge" {
		n, err := audit.Purge(ctx, a.DB)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "已清理 %d 条超过184天的审计记录\n", n)
		return nil
	}
	n, problems, err := audit.Verify(ctx, a.DB)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, p.Reason)
		}
		return fmt.Errorf("审计日志校验失败：%d 处问题（共检查 %d 条）", len(problems), n)
	}
	fmt.Fprintf(m.Stdout, "审计日志完整：共 %d 条，哈希链无断裂\n", n)
	return nil
}
