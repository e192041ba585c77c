package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/volunteer"
)

// Volunteer hours in a real browser, on a phone: a county officer records
// a volunteer's hours (first refused beside the field for more than 24 in
// a day), the volunteer — a mentor who is a guanai user — logs in,
// disputes nothing and confirms the record; the printable record shows it
// confirmed and, printed, leaves the page's header out. Then the officer
// uploads a photo to a group activity and sees it on the page.
func TestVolunteerHoursInBrowser(t *testing.T) {
	s := startServer(t)
	bg := context.Background()
	sys := access.System()
	const county, village = "530524000000", "530524107202"
	s.user(t, accounts.Input{Username: "cn.officer", Name: "县督导员杨", RegionCode: county, Roles: []string{accounts.RoleOfficer}, Password: password})
	mentor := s.user(t, accounts.Input{Username: "vol.mentor", Name: "志愿者陈", RegionCode: county, Roles: []string{accounts.RoleMentor}, Password: password})
	vo, err := s.app.Volunteers.CreateVolunteer(bg, sys, volunteer.VolunteerInput{Name: "陈志愿", Region: village, UserID: mentor.ID, Skills: []string{"tutoring"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	shots := screenshotDir(t)
	logIn := func(username string) {
		t.Helper()
		do(t, ctx, "log in "+username,
			chromedp.Navigate(s.url+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#username")),
			chromedp.SendKeys(chromedp.CSS("#username"), username),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#nav-volunteers")))
	}
	logIn("cn.officer")
	do(t, ctx, "phone", chromedp.EmulateViewport(360, 800))
	do(t, ctx, "volunteer page",
		chromedp.Click(chromedp.CSS("#nav-volunteers")),
		chromedp.WaitVisible(chromedp.CSS("#volunteer-"+vo.ID+" a")),
		chromedp.Click(chromedp.CSS("#volunteer-"+vo.ID+" a")),
		chromedp.WaitVisible(chromedp.CSS("#record-form")))
	do(t, ctx, "25 hours",
		chromedp.SendKeys(chromedp.CSS("#hours"), "25"),
		chromedp.SendKeys(chromedp.CSS("#content"), "周末课业辅导"),
		chromedp.Click(chromedp.CSS("#record-submit")),
		chromedp.WaitVisible(chromedp.CSS("#hours-error")))
	if got := run(t, ctx, "hours error", chromedp.Text(chromedp.CSS("#hours-error"))); !strings.Contains(got, "24小时") {
		t.Errorf("hours error %q", got)
	}
	do(t, ctx, "2.5 hours",
		chromedp.SetValue(chromedp.CSS("#hours"), "2.5"),
		chromedp.Click(chromedp.CSS("#record-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#service-records tr[data-status="recorded"]`)))
	shoot(t, ctx, shots, "31-volunteer-recorded")
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#username")))

	// The volunteer confirms.
	logIn("vol.mentor")
	do(t, ctx, "phone", chromedp.EmulateViewport(360, 800))
	do(t, ctx, "own page",
		chromedp.Navigate(s.url+"/volunteers/"+vo.ID),
		chromedp.WaitVisible(chromedp.CSS("form.answer button[value=confirm]")),
		chromedp.Click(chromedp.CSS("form.answer button[value=confirm]")),
		chromedp.WaitVisible(chromedp.CSS(`#service-records tr[data-status="confirmed"]`)))
	do(t, ctx, "printable record",
		chromedp.Navigate(s.url+"/volunteers/"+vo.ID+"/hours"),
		chromedp.WaitVisible(chromedp.CSS("#hours-table")))
	if got := run(t, ctx, "total", chromedp.Text(chromedp.CSS("#hours-total"))); !strings.Contains(got, "2.5") {
		t.Errorf("total %q", got)
	}
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	_, err = chromedp.Call(c, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if shown := run(t, ctx, "header in print", chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header")).display !== "none"`)); shown {
		t.Error("the header is printed")
	}
	shoot(t, ctx, shots, "32-volunteer-hours-print")
	c, cancel = context.WithTimeout(ctx, stepTimeout)
	_, err = chromedp.Call(c, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#username")))

	// A photo of an activity.
	logIn("cn.officer")
	a, err := s.app.Volunteers.CreateActivity(bg, accounts.ViewerFor(mustUser(t, s, "cn.officer"), "127.0.0.1"), volunteer.ActivityInput{
		Title: "防溺水安全教育", Kind: volunteer.KindDrowning, Region: village, HeldOn: "2026-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "photo.png")
	// A 1×1 PNG.
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"), 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "upload",
		chromedp.Navigate(s.url+"/activities/"+a.ID),
		chromedp.WaitVisible(chromedp.CSS("#photo-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#photo"), []string{png}),
		chromedp.Click(chromedp.CSS("#photo-submit")),
		chromedp.WaitVisible(chromedp.CSS("#photo-list img")))
	loaded := false
	for i := 0; i < 50 && !loaded; i++ {
		loaded = run(t, ctx, "photo loaded", chromedp.Evaluate[bool](`(() => { const i = document.querySelector("#photo-list img"); return i.complete && i.naturalWidth === 1 })()`))
		if !loaded {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !loaded {
		t.Error("the photo did not load as an image")
	}
	shoot(t, ctx, shots, "33-activity-photo")
}

// mustUser reads an account by username.
func mustUser(t *testing.T, s *server, username string) accounts.User {
	t.Helper()
	page, err := s.app.Accounts.List(context.Background(), access.Viewer{Roles: []string{accounts.RoleSysadmin}}, accounts.Filter{Query: username})
	if err != nil || len(page.Users) != 1 {
		t.Fatalf("user %s: %v", username, err)
	}
	return page.Users[0]
}
