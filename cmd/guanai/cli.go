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
	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/demo"
	"guanai/internal/errs"
	"guanai/internal/person"
	"guanai/internal/regions"
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
		fmt.Fprintf(m.Stdout, "  %-58s %s\n", c.usage, c.help)
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

// openViewer is who API callers are until accounts exist: the whole tree,
// allowed to keep the census, but shown no sensitive field.
func openViewer(*http.Request) (access.Viewer, error) {
	return access.Viewer{Name: "接口", CanWrite: true}, nil
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
	}
	log := slog.New(slog.NewTextHandler(m.Stderr, nil))
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a, openViewer, log))
	mux.Handle("/", web.New(a, log))
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
