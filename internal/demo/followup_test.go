package demo_test

import (
	"testing"
	"time"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/demo"
	"guanai/internal/followup"
)

// TestDemoFollowups: the demo's village cadre has follow-ups, one of them
// urgent (the township cadre has the notification and the need is on the
// list), and the township cadre sees the overdue visit escalated.
func TestDemoFollowups(t *testing.T) {
	a := newApp(t, time.Time{})
	sum := mustLoad(t, a)
	if f := sum.Followups; f.Children < 3 || f.Urgent != 1 || f.Overdue != 1 || f.Followups != f.Children-1 {
		t.Fatalf("follow-ups: %+v", f)
	}
	var townID string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = 'demo.towncadre'`).Scan(&townID); err != nil {
		t.Fatal(err)
	}
	tv := access.Viewer{UserID: townID, Region: demo.PilotTown, Roles: []string{accounts.RoleLeader}}
	list, err := a.Followups.Tasks(ctx, tv)
	if err != nil {
		t.Fatal(err)
	}
	escalated := 0
	for _, it := range list.Items {
		if it.Level == followup.LevelTownship && it.CareRole == "village_cadre" {
			escalated++
		}
	}
	if escalated != 1 {
		t.Errorf("township cadre's escalated village visits: %d (%+v)", escalated, list)
	}
	if n, _ := a.Followups.Unread(ctx, tv); n != 1 {
		t.Errorf("township cadre's unread notifications: %d", n)
	}
}
