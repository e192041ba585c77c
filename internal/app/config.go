// Package app wires guanai together: configuration, the database, the
// encryption key and the domain stores. The command line and the tests
// both start guanai through it.
package app

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"guanai/internal/accounts"
	"guanai/internal/care"
	"guanai/internal/storage"
)

// Config is guanai's configuration. Defaults come from Default; the
// environment (GUANAI_*) and then command-line flags override them.
type Config struct {
	// Addr is the address the server listens on (GUANAI_ADDR).
	Addr string
	// DatabaseURL is a SQLite file path or a postgres:// URL
	// (GUANAI_DATABASE_URL).
	DatabaseURL string
	// Key is the base64 master key for ID-number encryption (GUANAI_KEY).
	// When empty, KeyFile is read, and created if missing.
	Key string
	// KeyFile holds the master key (GUANAI_KEY_FILE); default: beside the
	// SQLite file, or guanai.key in the working folder for PostgreSQL.
	KeyFile string
	// Regions is which part of the region tree to load into an empty
	// database: "all" (every village in China, the default) or "base"
	// (China to township level and Yunnan to village level)
	// (GUANAI_REGIONS).
	Regions string
	// Demo loads the demonstration data on first start (GUANAI_DEMO).
	Demo bool
	// ReclassifyAt is the time of day (China time, "HH:MM") of the daily
	// re-classification job (GUANAI_RECLASSIFY_AT).
	ReclassifyAt string
	// Policy is the login and session policy (GUANAI_SESSION_IDLE,
	// GUANAI_SESSION_MAX, GUANAI_LOGIN_MAX_FAILURES, GUANAI_LOCKOUT,
	// GUANAI_LOGIN_PER_MINUTE).
	Policy accounts.Policy
	// Pairings bounds the current pairings of one mentor: a warning past
	// Soft, a refusal at Hard (GUANAI_PAIRING_SOFT_LIMIT,
	// GUANAI_PAIRING_HARD_LIMIT; default 5 and 10).
	Pairings care.Limits
	// TrustProxy takes client addresses from X-Forwarded-For
	// (GUANAI_TRUST_PROXY), for running behind a reverse proxy.
	TrustProxy bool
	// Now returns the current time; tests fix it.
	Now func() time.Time
}

// Default returns the default configuration.
func Default() Config {
	return Config{
		Addr:         "127.0.0.1:8080",
		DatabaseURL:  "guanai.db",
		Regions:      "all",
		ReclassifyAt: "00:10",
		Policy:       accounts.DefaultPolicy(),
		Pairings:     care.DefaultLimits(),
	}
}

// FromEnv overrides c with the GUANAI_* variables that are set.
func (c Config) FromEnv(getenv func(string) string) Config {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.Addr, "GUANAI_ADDR")
	set(&c.DatabaseURL, "GUANAI_DATABASE_URL")
	set(&c.Key, "GUANAI_KEY")
	set(&c.KeyFile, "GUANAI_KEY_FILE")
	set(&c.Regions, "GUANAI_REGIONS")
	set(&c.ReclassifyAt, "GUANAI_RECLASSIFY_AT")
	c.Demo = c.Demo || isTrue(getenv("GUANAI_DEMO"))
	c.TrustProxy = c.TrustProxy || isTrue(getenv("GUANAI_TRUST_PROXY"))
	dur := func(dst *time.Duration, name string) {
		if d, err := time.ParseDuration(getenv(name)); err == nil && d > 0 {
			*dst = d
		}
	}
	num := func(dst *int, name string) {
		if n, err := strconv.Atoi(getenv(name)); err == nil && n > 0 {
			*dst = n
		}
	}
	dur(&c.Policy.IdleTimeout, "GUANAI_SESSION_IDLE")
	dur(&c.Policy.AbsoluteTimeout, "GUANAI_SESSION_MAX")
	dur(&c.Policy.LockFor, "GUANAI_LOCKOUT")
	num(&c.Policy.MaxFailures, "GUANAI_LOGIN_MAX_FAILURES")
	num(&c.Policy.LoginPerMinute, "GUANAI_LOGIN_PER_MINUTE")
	num(&c.Pairings.Soft, "GUANAI_PAIRING_SOFT_LIMIT")
	num(&c.Pairings.Hard, "GUANAI_PAIRING_HARD_LIMIT")
	return c
}

func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// keyFile returns the key file to use.
func (c Config) keyFile() string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	if storage.IsPostgresURL(c.DatabaseURL) {
		return "guanai.key"
	}
	p := strings.TrimPrefix(strings.TrimPrefix(c.DatabaseURL, "sqlite:"), "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return strings.TrimSuffix(p, filepath.Ext(p)) + ".key"
}

// Getenv is os.Getenv, for FromEnv.
var Getenv = os.Getenv
