package children_test

import (
	"slices"
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/children"
)

var auditor = access.Viewer{Roles: []string{"auditor"}, Nobody: true}

// entries returns the audit entries matching f, oldest first.
func entries(t *testing.T, a *app.App, f audit.Filter) []audit.Entry {
	t.Helper()
	f.Limit = 500
	p, err := audit.Search(ctx, a.DB, auditor, f)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(p.Entries)
	return p.Entries
}

// The daily job audits each child it changes, as the system, without the
// difficulty category.
func TestReclassifyAudited(t *testing.T) {
	clock := &apptest.Clock{T: time.Date(2026, 6, 13, 10, 0, 0, 0, time.UTC)}
	a := apptest.NewAt(t, clock.Now)
	in := input("2010-06-15", 4)
	in.Difficulty = []string{"poverty"}
	c := mustCreate(t, a, in)
	mustCreate(t, a, input("2010-06-20", 5))
	if n, err := a.Children.Reclassify(ctx, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("reclassify: %d %v", n, err)
	}
	es := entries(t, a, audit.Filter{RecordType: children.RecordType, Action: audit.ActionUpdate})
	if len(es) != 1 || es[0].RecordID != c.ID || es[0].UserID != "" || es[0].Username != "" {
		t.Fatalf("entries %+v", es)
	}
	want := []audit.Change{{Field: "left_behind", Old: "true", New: "false"},
		{Field: "left_behind_reason", Old: children.ReasonBothAway, New: children.ReasonAge16},
		{Field: "categories", Old: "left_behind", New: ""}}
	if !slices.Equal(es[0].Changes, want) || es[0].Note != "每日类别认定（2026-06-15）" {
		t.Fatalf("changes %+v note %q", es[0].Changes, es[0].Note)
	}
	// Idempotent: nothing changes, nothing is written.
	a.Children.Reclassify(ctx, time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC))
	if es := entries(t, a, audit.Filter{Action: audit.ActionUpdate}); len(es) != 1 {
		t.Fatalf("%d update entries after a second run", len(es))
	}
}

// Reads show health detail only to those who may see it, and audit every
// showing; writes answer without an unaudited view.
func TestHealthViewsAudited(t *testing.T) {
	a := apptest.New(t)
	in := input("2015-03-08", 7)
	in.HealthFlags, in.Disability = []string{"serious_illness"}, "hearing"
	sick := mustCreate(t, a, in)
	well := mustCreate(t, a, input("2015-03-08", 8))
	if len(sick.HealthFlags) != 1 || sick.Disability != "hearing" {
		t.Fatalf("create does not echo what was entered: %+v", sick)
	}
	views := func() []audit.Entry {
		return entries(t, a, audit.Filter{Action: audit.ActionViewSensitive})
	}
	noHealth := access.Viewer{UserID: "u1", Region: "530524000000", May: access.Sensitive{IDNumber: true}}
	health := access.Viewer{UserID: "u2", Region: "530524000000", May: access.Sensitive{Health: true}}
	if c, err := a.Children.Get(ctx, noHealth, sick.ID); err != nil || len(c.HealthFlags) != 0 || c.Disability != "" {
		t.Fatalf("health shown without the right: %+v %v", c, err)
	}
	if _, err := a.Children.Get(ctx, health, well.ID); err != nil {
		t.Fatal(err)
	}
	if v := views(); len(v) != 0 {
		t.Fatalf("views audited with nothing sensitive shown: %+v", v)
	}
	if c, err := a.Children.Get(ctx, health, sick.ID); err != nil || c.Disability != "hearing" {
		t.Fatalf("get: %+v %v", c, err)
	}
	// GetRevealed by a viewer who may not see ID numbers reveals nothing.
	if c, err := a.Children.GetRevealed(ctx, health, sick.ID); err != nil || c.IDNumber == in.IDNumber {
		t.Fatalf("revealed without the right: %q %v", c.IDNumber, err)
	}
	if c, err := a.Children.GetRevealed(ctx, noHealth, well.ID); err != nil || c.IDNumber != input("2015-03-08", 8).IDNumber {
		t.Fatalf("revealed: %q %v", c.IDNumber, err)
	}
	if _, err := a.Children.List(ctx, noHealth, children.Filter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Children.List(ctx, health, children.Filter{}); err != nil {
		t.Fatal(err)
	}
	v := views()
	type seen struct{ user, id, note string }
	var got []seen
	for _, e := range v {
		got = append(got, seen{e.UserID, e.RecordID, e.Note})
	}
	want := []seen{{"u2", sick.ID, "health"}, {"u2", sick.ID, "health"}, {"u1", well.ID, "id_number"}, {"u2", "", "list:health:1"}}
	if !slices.Equal(got, want) {
		t.Fatalf("views %+v, want %+v", got, want)
	}
	// Archive answers without health detail; a no-op update is still one
	// entry, with no changes.
	w := access.System()
	c, err := a.Children.Archive(ctx, w, sick.ID, 1, "迁出")
	if err != nil || len(c.HealthFlags) != 0 || c.Disability != "" || !slices.Equal(c.Masked, []string{"id_number", "health"}) {
		t.Fatalf("archive answered %+v %v", c, err)
	}
	if c, err = a.Children.Restore(ctx, w, sick.ID, 2); err != nil || len(c.HealthFlags) != 0 {
		t.Fatalf("restore answered %+v %v", c, err)
	}
	if c, err = a.Children.Update(ctx, w, sick.ID, 3, in); err != nil || c.Disability != "hearing" {
		t.Fatalf("update answered %+v %v", c, err)
	}
	es := entries(t, a, audit.Filter{RecordID: sick.ID})
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"create", "view_sensitive", "view_sensitive", "archive", "restore", "update"}) || len(es[5].Changes) != 0 {
		t.Fatalf("entries of the child: %v, last %+v", actions, es[len(es)-1])
	}
	if len(views()) != 4 {
		t.Fatal("a write was audited as a view")
	}
}
