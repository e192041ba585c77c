package elders_test

import (
	"context"
	"slices"
	"testing"

	"guanai/internal/access"
	"guanai/internal/audit"
	"guanai/internal/elders"
	"guanai/internal/errs"
	"guanai/internal/regions"
	"guanai/internal/storage"
	"guanai/internal/testdb"
	"guanai/internal/vault"
)

// newStoreDB is newStore with its database.
func newStoreDB(t *testing.T) (*elders.Store, *storage.DB) {
	t.Helper()
	db := testdb.Open(t)
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return elders.NewStore(db, v, regions.NewStore(db)), db
}

func TestElderAudit(t *testing.T) {
	ctx := context.Background()
	s, db := newStoreDB(t)
	officer := access.Viewer{UserID: "u1", Username: "wc.officer", IP: "10.0.0.9", Region: "530524000000",
		May: access.Sensitive{IDNumber: true, Health: true}, CanWrite: true}
	in := elder("1950-05-01", 1)
	e, err := s.Create(ctx, officer, in)
	if err != nil || e.IDNumber == in.IDNumber || len(e.HealthFlags) != 1 {
		t.Fatalf("create: %+v %v", e, err)
	}
	in.HealthFlags, in.ContactPhone = []string{"bedridden"}, "13900001111"
	if e, err = s.Update(ctx, officer, e.ID, 1, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Restore(ctx, officer, e.ID, 2); !errs.Is(err, errs.Invalid) {
		t.Fatalf("restore of an active record: %v", err)
	}
	if e, err = s.Archive(ctx, officer, e.ID, 2, "去世"); err != nil || len(e.HealthFlags) != 0 || !slices.Contains(e.Masked, "health") {
		t.Fatalf("archive: %+v %v", e, err)
	}
	if _, err := s.Update(ctx, officer, e.ID, 3, in); !errs.Is(err, errs.Invalid) {
		t.Fatalf("update of an archived record: %v", err)
	}
	if _, err := s.Restore(ctx, officer, e.ID, 2); !errs.Is(err, errs.Conflict) {
		t.Fatalf("stale restore: %v", err)
	}
	if _, err := s.Restore(ctx, access.Viewer{Region: officer.Region}, e.ID, 3); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("restore without the right: %v", err)
	}
	if e, err = s.Restore(ctx, officer, e.ID, 3); err != nil || e.Archived || e.Version != 4 {
		t.Fatalf("restore: %+v %v", e, err)
	}
	if g, err := s.Get(ctx, officer, e.ID); err != nil || g.IDNumber == in.IDNumber || len(g.HealthFlags) != 1 {
		t.Fatalf("get: %+v %v", g, err)
	}
	if g, err := s.GetRevealed(ctx, officer, e.ID); err != nil || g.IDNumber != in.IDNumber {
		t.Fatalf("get revealed: %+v %v", g, err)
	}
	if g, err := s.GetRevealed(ctx, access.Viewer{Region: officer.Region}, e.ID); err != nil || g.IDNumber == in.IDNumber || len(g.HealthFlags) != 0 {
		t.Fatalf("revealed to a viewer without rights: %+v %v", g, err)
	}
	if p, err := s.List(ctx, officer, elders.Filter{}); err != nil || p.Total != 1 {
		t.Fatalf("list: %+v %v", p, err)
	}
	if n, err := s.Count(ctx, officer, elders.Filter{}); err != nil || n != 1 {
		t.Fatalf("count: %d %v", n, err)
	}
	if n, err := s.Count(ctx, officer, elders.Filter{Status: "archived"}); err != nil || n != 0 {
		t.Fatalf("count archived: %d %v", n, err)
	}
	if _, err := s.Count(ctx, officer, elders.Filter{Status: "gone"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("count with a bad filter: %v", err)
	}

	p, err := audit.Search(ctx, db, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	es := p.Entries
	slices.Reverse(es)
	var got []string
	for _, x := range es {
		if x.UserID != "u1" || x.Username != "wc.officer" || x.IP != "10.0.0.9" || x.RecordType != elders.RecordType {
			t.Errorf("entry %+v", x)
		}
		got = append(got, x.Action+":"+x.Note)
	}
	want := []string{"create:", "update:", "archive:", "restore:", "view_sensitive:health", "view_sensitive:id_number,health", "view_sensitive:list:health:1"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	wantChanges := []audit.Change{{Field: "contact_phone", Old: "13987654321", New: "13900001111"}, {Field: "health_flags", Old: "***", New: "***"}}
	if !slices.Equal(es[1].Changes, wantChanges) {
		t.Fatalf("update changes %+v", es[1].Changes)
	}
	if n, problems, err := audit.Verify(ctx, db); err != nil || n != len(want) || len(problems) != 0 {
		t.Fatalf("verify: %d %v %v", n, problems, err)
	}
}
