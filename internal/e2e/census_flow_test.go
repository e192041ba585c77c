package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/children"
	"guanai/internal/idcard"
)

const password = "Browser#Test26"

// The census keeper's day, in a real browser: log in; drill down to a
// village; create a child with a wrong ID check digit and see the error
// beside the field; fix it and find the child in the list; open the same
// child in two tabs, save in one, save in the other and see the conflict;
// log out. Screenshots at 360 px and 1280 px along the way.
func TestCensusFlowInBrowser(t *testing.T) {
	s := startServer(t)
	s.user(t, accounts.Input{Username: "cn.officer", Name: "昌宁县儿童督导员", RegionCode: "530524000000",
		Roles: []string{accounts.RoleOfficer}, Password: password})
	ctx := browser(t)
	shots := screenshotDir(t)

	// Log in.
	do(t, ctx, "open login",
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	shoot(t, ctx, shots, "01-login")
	do(t, ctx, "log in",
		chromedp.SendKeys(chromedp.CSS("#username"), "cn.officer"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#main-nav")))

	// Drill down to a village from the children list.
	do(t, ctx, "children list",
		chromedp.Navigate(s.url+"/children"),
		chromedp.WaitVisible(chromedp.CSS("#region-breadcrumb")))
	do(t, ctx, "drill to 大田坝镇",
		chromedp.Click(chromedp.CSS(`#region-picker a[data-code="530524107000"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#region-picker a[data-code="530524107202"]`)))
	do(t, ctx, "drill to 文沧村",
		chromedp.Click(chromedp.CSS(`#region-picker a[data-code="530524107202"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#region-breadcrumb [aria-current="location"][data-code="530524107202"]`)))
	crumbs := run(t, ctx, "breadcrumb", chromedp.Text(chromedp.CSS("#region-breadcrumb")))
	for _, want := range []string{"昌宁县", "大田坝镇", "文沧村"} {
		if !strings.Contains(crumbs, want) {
			t.Fatalf("breadcrumb %q lacks %s", crumbs, want)
		}
	}
	shoot(t, ctx, shots, "02-village")

	// Create a child with a wrong check digit.
	birth := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	good := idcard.Generate("530524", birth, 77, "F")
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	do(t, ctx, "new child form: open",
		htmxIdle, // the drill-down's swaps replace the list's links
		chromedp.Click(chromedp.CSS("#child-new")),
		chromedp.WaitVisible(chromedp.CSS("#record-form")))
	do(t, ctx, "new child form: town",
		chromedp.Click(chromedp.CSS(`#field-village_code button[data-code="530524107000"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#field-village_code button[data-code="530524107202"]`)))
	do(t, ctx, "new child form: village",
		htmxIdle,
		chromedp.Click(chromedp.CSS(`#field-village_code button[data-code="530524107202"]`)),
		// The chosen code sits in a hidden input: poll its value (a hidden
		// element never becomes "visible").
		chromedp.Poll[chromedp.Void](`document.querySelector('#village_code')?.value === '530524107202'`, chromedp.WithPollingInterval(20*time.Millisecond)))
	do(t, ctx, "fill the form",
		chromedp.SetValue(chromedp.CSS("#id_number"), bad),
		chromedp.SetValue(chromedp.CSS("#name"), "段小芳"),
		chromedp.SetValue(chromedp.CSS("#sex"), "F"),
		chromedp.SetValue(chromedp.CSS("#birth_date"), "2016-04-01"),
		chromedp.SetValue(chromedp.CSS("#ethnicity"), "白族"),
		chromedp.SetValue(chromedp.CSS("#hukou"), "rural"),
		chromedp.SetValue(chromedp.CSS("#father_status"), "away"),
		chromedp.SetValue(chromedp.CSS("#mother_status"), "away"),
		chromedp.Click(chromedp.CSS("#form-submit")),
		// #form-message comes only with the server's answer (the inline
		// check may already show the field error before the form posts).
		chromedp.WaitVisible(chromedp.CSS("#form-message")),
		chromedp.WaitVisible(chromedp.CSS("#id_number-error")))
	msg := run(t, ctx, "id error", chromedp.Text(chromedp.CSS("#field-id_number #id_number-error")))
	if !strings.Contains(msg, "校验位") {
		t.Fatalf("error beside the ID field: %q", msg)
	}
	kept := run(t, ctx, "name kept", chromedp.Value(chromedp.CSS("#name")))
	if kept != "段小芳" {
		t.Fatalf("input not kept: name %q", kept)
	}
	shoot(t, ctx, shots, "03-check-digit-error")

	// Fix it: the child is created and found in the list.
	do(t, ctx, "fix the ID number",
		chromedp.SetValue(chromedp.CSS("#id_number"), good),
		chromedp.Click(chromedp.CSS("#form-submit")),
		chromedp.WaitVisible(chromedp.CSS("#child-name")))
	profileURL := run(t, ctx, "profile url", chromedp.Location())
	do(t, ctx, "find in the list",
		chromedp.Navigate(s.url+"/children?q="+good[14:]),
		chromedp.WaitVisible(chromedp.CSS("#children-list")))
	list := run(t, ctx, "list", chromedp.Text(chromedp.CSS("#children-list")))
	if !strings.Contains(list, "段小芳") {
		t.Fatalf("the new child is not in the list: %q", list)
	}
	shoot(t, ctx, shots, "04-list")

	// Two tabs edit the same child: the second save shows the conflict.
	tab2, cancel := chromedp.NewContext(ctx)
	defer cancel()
	// The tab's first run carries no timeout: the tab lives as long as the
	// context of that run.
	if err := chromedp.Do(tab2); err != nil {
		t.Fatal(err)
	}
	if i := strings.IndexAny(profileURL, "?#"); i >= 0 {
		profileURL = profileURL[:i]
	}
	editURL := strings.TrimSuffix(profileURL, "/") + "/edit"
	do(t, ctx, "tab 1 edit", chromedp.Navigate(editURL), chromedp.WaitVisible(chromedp.CSS("#record-form")))
	do(t, tab2, "tab 2 edit", chromedp.Navigate(editURL), chromedp.WaitVisible(chromedp.CSS("#record-form")))
	front(t, ctx)
	do(t, ctx, "tab 1 saves",
		chromedp.SetValue(chromedp.CSS("#notes"), "父亲春节回家"),
		chromedp.Click(chromedp.CSS("#form-submit")),
		chromedp.WaitVisible(chromedp.CSS("#child-name")))
	front(t, tab2)
	do(t, tab2, "tab 2 saves",
		chromedp.SetValue(chromedp.CSS("#notes"), "母亲在昆明务工"),
		chromedp.Click(chromedp.CSS("#form-submit")),
		chromedp.WaitVisible(chromedp.CSS("#conflict-table")))
	conflict := run(t, tab2, "conflict", chromedp.Text(chromedp.CSS("#conflict-table")))
	if !strings.Contains(conflict, "父亲春节回家") || !strings.Contains(conflict, "母亲在昆明务工") {
		t.Fatalf("the conflict does not show both versions: %q", conflict)
	}
	shoot(t, tab2, shots, "05-conflict")
	do(t, tab2, "re-apply",
		chromedp.Click(chromedp.CSS("#form-submit")),
		chromedp.WaitVisible(chromedp.CSS("#child-name")))
	p, err := s.app.Children.List(context.Background(), access.System(), children.Filter{Query: good[14:]})
	if err != nil || len(p.Children) != 1 || p.Children[0].Notes != "母亲在昆明务工" {
		t.Fatalf("after re-applying: %v %+v", err, p)
	}

	front(t, ctx)
	// Log out: back to the login page, and the pages need a login again.
	do(t, ctx, "log out",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.Navigate(s.url+"/children"),
		chromedp.WaitVisible(chromedp.CSS("#username")))
	shoot(t, ctx, shots, "06-logged-out")
	t.Logf("screenshots in %s", shots)
}
