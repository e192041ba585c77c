package demo_test

import (
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/apptest"
	"guanai/internal/demo"
	"guanai/internal/menu"
	"guanai/internal/needs"
)

// TestDemoServices: the demo has a service menu on the pilot town's
// county, needs in every stage of their lifecycle, a one-to-one match with
// its log, and the open needs counted exactly.
func TestDemoServices(t *testing.T) {
	a := newApp(t, time.Time{})
	sum := mustLoad(t, a)
	if s := sum.Services; s.Services != 6 || s.Needs != 6 || s.OneToOne != 1 || s.Logged == 0 {
		t.Fatalf("services: %+v", s)
	}
	sys := access.System()
	ss, err := a.Menu.List(ctx, sys, menu.Filter{Region: demo.PilotTown})
	if err != nil || len(ss) != 6 {
		t.Fatalf("menu in the pilot town: %d %v", len(ss), err)
	}
	for _, st := range needs.Statuses {
		ns, _, err := a.Needs.List(ctx, sys, needs.Filter{Region: demo.PilotTown, Status: st})
		if err != nil || len(ns) == 0 {
			t.Errorf("no %s need in the pilot town: %v", st, err)
		}
	}
	apptest.CheckTallies(t, a)
	// Loading again changes nothing.
	again := mustLoad(t, a)
	if again.Services != (demo.ServicesSummary{}) && !again.Skipped {
		t.Errorf("second load: %+v", again.Services)
	}
}
