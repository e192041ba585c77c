package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/care"
	"guanai/internal/children"
	"guanai/internal/followup"
	"guanai/internal/idcard"
	"guanai/internal/person"
)

// followupFixture is a server with one left-behind child of 文沧村 whose
// village cadre (a user) last visited never and took the role 40 days
// ago, so that the visit is overdue on the cadre's task list; the
// township cadre is on the team too.
type followupFixture struct {
	s                     *server
	child                 children.Child
	village, town         accounts.User
	villageCode, townCode string
}

func newFollowupFixture(t *testing.T) followupFixture {
	t.Helper()
	s := startServer(t)
	bg := context.Background()
	sys := access.System()
	f := followupFixture{s: s, villageCode: "530524107202", townCode: "530524107000"}
	f.village = s.user(t, accounts.Input{Username: "wc.cadre", Name: "村干部赵", RegionCode: f.villageCode, Roles: []string{accounts.RoleLeader}, Password: password})
	f.town = s.user(t, accounts.Input{Username: "dtb.cadre", Name: "镇干部李", RegionCode: f.townCode, Roles: []string{accounts.RoleLeader}, Password: password})
	var err error
	birth := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	f.child, err = s.app.Children.Create(bg, sys, children.Input{IDNumber: idcard.Generate("530524", birth, 78, "M"), Name: "段小勇", Sex: "M",
		BirthDate: "2016-04-01", Ethnicity: "白族", Hukou: "rural", VillageCode: f.villageCode, FatherStatus: children.ParentAway, MotherStatus: children.ParentAway})
	if err != nil {
		t.Fatal(err)
	}
	from := person.Today(time.Now()).AddDate(0, 0, -40).Format("2006-01-02")
	for role, u := range map[string]accounts.User{care.RoleVillageCadre: f.village, care.RoleTownshipCadre: f.town} {
		if _, err := s.app.Care.Assign(bg, sys, f.child.ID, care.AssignInput{Role: role, UserID: u.ID, From: from}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// login logs a user in on ctx's tab and waits for the header.
func login(t *testing.T, ctx context.Context, url, username string) {
	t.Helper()
	do(t, ctx, "log in as "+username,
		chromedp.Navigate(url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#nav-tasks")))
}

// A visit with nothing to flag, from the task list on a phone: every tap
// is counted, no key is typed, and the whole visit takes at most 12 taps.
func TestFollowupNothingToFlagTaps(t *testing.T) {
	f := newFollowupFixture(t)
	ctx := browser(t)
	login(t, ctx, f.s.url, "wc.cadre")
	do(t, ctx, "phone", chromedp.EmulateViewport(360, 800))
	taps := 0
	tap := func(what, sel, then string) {
		t.Helper()
		taps++
		do(t, ctx, what, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(then)))
	}
	// The overdue visit is on the home page already; the task list is one
	// tap away.
	if got := run(t, ctx, "home tasks", chromedp.Text(chromedp.CSS("#home-task-counts"))); !strings.Contains(got, "已逾期 1") {
		t.Errorf("home page task counts: %q", got)
	}
	tap("open the task list", "#nav-tasks", "#task-list")
	tap("record the visit", "#record-"+f.child.ID, "#followup-form")
	tap("save", "#followup-save", "#child-next-on")
	if taps > 12 {
		t.Errorf("%d taps for a visit with nothing to flag, want at most 12", taps)
	}
	t.Logf("a visit with nothing to flag: %d taps, no typing", taps)
	notice := run(t, ctx, "notice", chromedp.Text(chromedp.CSS("#notice")))
	if !strings.Contains(notice, "随访已保存") {
		t.Errorf("notice %q", notice)
	}
	page, err := f.s.app.Followups.List(context.Background(), access.System(), followupFilterChild(f.child.ID))
	if err != nil || page.Total != 1 {
		t.Fatalf("follow-ups after saving: %d %v", page.Total, err)
	}
	fu := page.Items[0]
	today := person.Today(time.Now()).Format("2006-01-02")
	if fu.VisitedOn != today || fu.UserID != f.village.ID || fu.Method != "home_visit" || fu.Urgent || fu.CareRole != care.RoleVillageCadre {
		t.Errorf("recorded follow-up: %+v", fu)
	}
	for _, d := range fu.Dimensions {
		if d.Rating != "good" {
			t.Errorf("dimension %s rated %s", d.Key, d.Rating)
		}
	}
	// The task is done: the list is empty now.
	do(t, ctx, "task list again", chromedp.Click(chromedp.CSS("#nav-tasks")), chromedp.WaitVisible(chromedp.CSS("#tasks-none")))
}

// A home visit with one urgent dimension: the need it raised is on the
// needs list, the township cadre (the child's chain) has the notification,
// and the child's page shows the next visit date.
func TestFollowupUrgentFlowInBrowser(t *testing.T) {
	f := newFollowupFixture(t)
	ctx := browser(t)
	shots := screenshotDir(t)
	login(t, ctx, f.s.url, "wc.cadre")
	do(t, ctx, "task list",
		chromedp.Click(chromedp.CSS("#nav-tasks")),
		chromedp.WaitVisible(chromedp.CSS("#task-list")))
	shoot(t, ctx, shots, "31-tasks")
	do(t, ctx, "the form",
		chromedp.Click(chromedp.CSS("#record-"+f.child.ID)),
		chromedp.WaitVisible(chromedp.CSS("#followup-form")),
		chromedp.Click(chromedp.CSS("#rating_health_urgent")),
		chromedp.Click(chromedp.CSS("#followup-more-toggle")),
		chromedp.WaitVisible(chromedp.CSS("#note_health")),
		chromedp.SendKeys(chromedp.CSS("#note_health"), "高烧三天未就医"),
		chromedp.SetValue(chromedp.CSS("#need_kind"), "health_check"),
		chromedp.SendKeys(chromedp.CSS("#need_desc"), "陪同到镇卫生院看病"))
	shoot(t, ctx, shots, "32-followup-form")
	do(t, ctx, "save",
		chromedp.Click(chromedp.CSS("#followup-save-more")),
		chromedp.WaitVisible(chromedp.CSS("#child-next-on")))
	notice := run(t, ctx, "notice", chromedp.Text(chromedp.CSS("#notice")))
	if !strings.Contains(notice, "紧急情况已通知") {
		t.Errorf("notice %q", notice)
	}
	next := strings.TrimSpace(run(t, ctx, "next visit", chromedp.Text(chromedp.CSS("#child-next-on"))))
	// The village cadre's monthly rule: today plus one calendar month.
	want := followup.AddMonths(person.Today(time.Now()), 1).Format("2006-01-02")
	if next != want {
		t.Errorf("next visit %q, want %q", next, want)
	}
	shoot(t, ctx, shots, "33-child-followups")

	// The follow-up shows the need it raised; the needs list has it.
	do(t, ctx, "the follow-up",
		chromedp.Click(chromedp.CSS("#followup-list a")),
		chromedp.WaitVisible(chromedp.CSS("#followup-needs")))
	if got := run(t, ctx, "needs", chromedp.Text(chromedp.CSS("#followup-needs"))); !strings.Contains(got, "1") {
		t.Errorf("needs of the follow-up: %q", got)
	}
	do(t, ctx, "needs list", chromedp.Navigate(f.s.url+"/needs"), chromedp.WaitVisible(chromedp.CSS("#needs-heading")))
	if body := run(t, ctx, "needs list", chromedp.Text(chromedp.CSS("#main"))); !strings.Contains(body, "健康检查") || !strings.Contains(body, "段小勇") {
		t.Errorf("the need is not on the needs list: %s", body)
	}
	shoot(t, ctx, shots, "34-needs")

	// The township cadre, in the child's chain, has the notification.
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#username")))
	login(t, ctx, f.s.url, "dtb.cadre")
	if got := run(t, ctx, "unread", chromedp.Text(chromedp.CSS("#notif-count"))); !strings.Contains(got, "1") {
		t.Errorf("unread count %q", got)
	}
	do(t, ctx, "notifications",
		chromedp.Click(chromedp.CSS("#notif-link")),
		chromedp.WaitVisible(chromedp.CSS("#notification-list")))
	list := run(t, ctx, "notifications", chromedp.Text(chromedp.CSS("#notification-list")))
	if !strings.Contains(list, "段小勇") || !strings.Contains(list, "健康") || strings.Contains(list, "高烧") {
		t.Errorf("notification: %q", list)
	}
	shoot(t, ctx, shots, "35-notifications")
	do(t, ctx, "open the follow-up",
		chromedp.Click(chromedp.CSS("#notification-list button")),
		chromedp.WaitVisible(chromedp.CSS("#followup-dimensions")))
	if got := run(t, ctx, "dimensions", chromedp.Text(chromedp.CSS("#followup-dimensions"))); !strings.Contains(got, "紧急") {
		t.Errorf("follow-up: %q", got)
	}
	if n, _ := f.s.app.Followups.Unread(context.Background(), accounts.ViewerFor(f.town, "")); n != 0 {
		t.Errorf("%d unread after opening", n)
	}
}

func followupFilterChild(id string) followup.Filter { return followup.Filter{ChildID: id} }
