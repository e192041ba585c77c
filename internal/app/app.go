package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/dashboard"
	"guanai/internal/elders"
	"guanai/internal/followup"
	"guanai/internal/menu"
	"guanai/internal/needs"
	"guanai/internal/regions"
	"guanai/internal/schools"
	"guanai/internal/storage"
	"guanai/internal/tally"
	"guanai/internal/vault"
	"guanai/internal/volunteer"
)

// App is a running guanai: the database and the domain stores.
type App struct {
	Config   Config
	DB       *storage.DB
	Vault    *vault.Vault
	Regions  *regions.Store
	Schools  *schools.Store
	Children *children.Store
	Elders   *elders.Store
	Accounts *accounts.Store
	Care     *care.Store
	// Followups keeps follow-ups, schedule rules, task lists and
	// notifications.
	Followups *followup.Store
	// Volunteers keeps volunteers, social organisations, service hours and
	// group activities.
	Volunteers *volunteer.Store
	// Menu is the service menu; Needs the needs list and one-to-one matches.
	Menu  *menu.Store
	Needs *needs.Store
	// Dashboard computes the five-level dashboards.
	Dashboard *dashboard.Service
}

// Open opens the database, applies migrations, loads the region tree into
// an empty database, loads (or, on first start, creates) the encryption
// key and checks it matches the data. Progress goes to log (may be nil).
func Open(ctx context.Context, cfg Config, log io.Writer) (*App, error) {
	if log == nil {
		log = io.Discard
	}
	db, err := storage.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Now != nil {
		db.Now = cfg.Now
	}
	a, err := open(ctx, cfg, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// OpenDB is Open on a database that is already open (tests).
func OpenDB(ctx context.Context, cfg Config, db *storage.DB, log io.Writer) (*App, error) {
	if log == nil {
		log = io.Discard
	}
	return open(ctx, cfg, db, log)
}

func open(ctx context.Context, cfg Config, db *storage.DB, log io.Writer) (*App, error) {
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	counts, err := regions.Loaded(ctx, db.Reader())
	if err != nil {
		return nil, err
	}
	if counts[regions.Province] == 0 {
		set := regions.All
		if cfg.Regions == "base" {
			set = regions.Base
		} else if cfg.Regions != "all" && cfg.Regions != "" {
			return nil, fmt.Errorf("GUANAI_REGIONS must be all or base, not %q", cfg.Regions)
		}
		start := time.Now()
		fmt.Fprintf(log, "正在载入行政区划（%s）…\n", cfg.Regions)
		n, err := regions.Load(ctx, db, set)
		if err != nil {
			return nil, fmt.Errorf("load regions: %w", err)
		}
		fmt.Fprintf(log, "已载入 %d 个行政区划，用时 %.1f 秒\n", n, time.Since(start).Seconds())
	}
	v, err := openVault(ctx, cfg, db, log)
	if err != nil {
		return nil, err
	}
	// Counters a database predates (or whose counting changed) are
	// rebuilt from the records before anything reads them.
	if done, err := tally.Ensure(ctx, db, Tallies()...); err != nil {
		return nil, err
	} else if len(done) > 0 {
		fmt.Fprintf(log, "已重新统计：%s\n", strings.Join(done, "、"))
	}
	rs := regions.NewStore(db)
	policy := cfg.Policy
	if policy == (accounts.Policy{}) {
		policy = accounts.DefaultPolicy()
	}
	mn := menu.NewStore(db, rs)
	ss := schools.NewStore(db, rs)
	// Each child's earliest due visit (package followup) follows the
	// changes children and care make to what a schedule reads, in their
	// transactions: neither may import followup, which imports care.
	cs := children.NewStore(db, v, rs)
	cs.OnScheduleChange(followup.RefreshDue)
	cr := care.NewStore(db, rs, cfg.Pairings)
	cr.OnTeamChange(followup.RefreshDue)
	return &App{
		Dashboard:  dashboard.New(db, rs, ss, cr),
		Menu:       mn,
		Needs:      needs.NewStore(db, rs, mn),
		Accounts:   accounts.NewStore(db, v, rs, policy),
		Config:     cfg,
		DB:         db,
		Vault:      v,
		Regions:    rs,
		Schools:    ss,
		Children:   cs,
		Elders:     elders.NewStore(db, v, rs),
		Care:       cr,
		Followups:  followup.NewStore(db),
		Volunteers: volunteer.NewStore(db, rs),
	}, nil
}

// Tallies lists every domain's counters (package tally), for Ensure at
// start and for the exactness tests.
func Tallies() []tally.Rebuilder {
	return append([]tally.Rebuilder{children.Tallies(), needs.Rebuilder(), elders.Rebuilder(), followup.Rebuilder(), followup.DueRebuilder()}, volunteer.Rebuilders()...)
}

// openVault loads the master key and checks its fingerprint against the one
// stored with the data, so that a wrong key is refused at start rather than
// discovered when ID numbers cannot be read.
func openVault(ctx context.Context, cfg Config, db *storage.DB, log io.Writer) (*vault.Vault, error) {
	var key []byte
	var err error
	if cfg.Key != "" {
		if key, err = vault.DecodeKey(cfg.Key); err != nil {
			return nil, fmt.Errorf("GUANAI_KEY: %w", err)
		}
	} else {
		var created bool
		key, created, err = vault.LoadOrCreateKeyFile(cfg.keyFile())
		if err != nil {
			return nil, err
		}
		if created {
			fmt.Fprintf(log, "已生成加密密钥 %s —— 请妥善备份，丢失后身份证号码将无法解密\n", cfg.keyFile())
		}
	}
	v, err := vault.New(key)
	if err != nil {
		return nil, err
	}
	var stored string
	err = db.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'key_fingerprint'`).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = db.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('key_fingerprint', ?) ON CONFLICT (key) DO NOTHING`, v.Fingerprint())
			return err
		})
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case stored != v.Fingerprint():
		return nil, errors.New("加密密钥与数据库不匹配：请使用创建该数据库时的密钥（GUANAI_KEY 或 GUANAI_KEY_FILE）")
	}
	return v, nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }
