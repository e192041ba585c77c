package elders_test

import (
	"context"
	"testing"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/elders"
	"guanai/internal/tally"
)

// TestTallies checks the elders' counters through registration, a batch,
// a move to another township, archive and restore.
func TestTallies(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t)
	sys := access.System()
	const other = "530524102201" // 漭水镇
	e, err := a.Elders.Create(ctx, sys, elder("1950-05-01", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Elders.CreateMany(ctx, sys, []elders.Input{elder("1951-05-01", 2), elder("1952-05-01", 3)}); err != nil {
		t.Fatal(err)
	}
	check := func(step string, want map[string][2]int) {
		t.Helper()
		for node, w := range want {
			m, err := tally.Get(ctx, a.DB.Reader(), node, elders.TallyActive, elders.TallyArchived)
			if err != nil {
				t.Fatal(err)
			}
			if m[elders.TallyActive] != w[0] || m[elders.TallyArchived] != w[1] {
				t.Errorf("%s: at %q active %d archived %d, want %v", step, node, m[elders.TallyActive], m[elders.TallyArchived], w)
			}
		}
		apptest.CheckTallies(t, a)
	}
	check("registered", map[string][2]int{wencang: {3, 0}, "530524000000": {3, 0}, "": {3, 0}})
	in := elder("1950-05-01", 1)
	in.VillageCode = other
	if e, err = a.Elders.Update(ctx, sys, e.ID, e.Version, in); err != nil {
		t.Fatal(err)
	}
	check("moved", map[string][2]int{wencang: {2, 0}, other: {1, 0}, "530524102000": {1, 0}, "530524000000": {3, 0}})
	if e, err = a.Elders.Archive(ctx, sys, e.ID, e.Version, "去世"); err != nil {
		t.Fatal(err)
	}
	check("archived", map[string][2]int{wencang: {2, 0}, other: {0, 1}, "": {2, 1}})
	if _, err = a.Elders.Restore(ctx, sys, e.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	check("restored", map[string][2]int{other: {1, 0}, "": {3, 0}})
}
