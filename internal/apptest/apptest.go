// Package apptest builds a complete guanai App over a fresh test database
// (see testdb), with a new encryption key and a fixed clock when asked.
package apptest

import (
	"context"
	"testing"
	"time"

	"guanai/internal/app"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

// New returns an App over a fresh database with the base region set.
func New(t testing.TB) *app.App {
	t.Helper()
	return NewAt(t, nil)
}

// NewAt is New with the clock now (nil for the real clock).
func NewAt(t testing.TB, now func() time.Time) *app.App {
	t.Helper()
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.Open(t)
	if now != nil {
		db.Now = now
	}
	a, err := app.OpenDB(context.Background(), app.Config{Regions: "base", Key: vault.EncodeKey(key), Now: now}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Clock is a settable clock for tests.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }
