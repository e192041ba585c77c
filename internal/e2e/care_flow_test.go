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
	"guanai/internal/idcard"
	"guanai/internal/schools"
)

// The care network in a real browser: a county officer sees one child of
// 文沧村 lacking a care team on the gaps page; assigns the six roles on the
// child's profile through the htmx form (cadres and the teacher picked
// from the users, the guardian and the neighbour typed in, one of them
// first refused beside the field); sees the village's gap count fall to
// zero; and sees the whole chain on the profile. Screenshots at 360 px
// and 1280 px along the way.
func TestCareFlowInBrowser(t *testing.T) {
	s := startServer(t)
	bg := context.Background()
	sys := access.System()
	const (
		county  = "530524000000"
		town    = "530524107000"
		village = "530524107202"
	)
	officer := s.user(t, accounts.Input{Username: "cn.officer", Name: "县督导员杨", RegionCode: county,
		Roles: []string{accounts.RoleOfficer}, Password: password})
	townCadre := s.user(t, accounts.Input{Username: "dtb.cadre", Name: "镇干部李", RegionCode: town,
		Roles: []string{accounts.RoleOfficer}, Password: password})
	villageCadre := s.user(t, accounts.Input{Username: "wc.cadre", Name: "村干部赵", RegionCode: village,
		Roles: []string{accounts.RoleOfficer}, Password: password})
	school, err := s.app.Schools.Create(bg, sys, schools.Input{Name: "大田坝镇中心小学", Kind: "primary", RegionCode: town})
	if err != nil {
		t.Fatal(err)
	}
	class, err := s.app.Schools.AddClass(bg, sys, school.ID, 3, "一班")
	if err != nil {
		t.Fatal(err)
	}
	teacher := s.user(t, accounts.Input{Username: "dtb.teacher", Name: "王老师", RegionCode: town, SchoolID: school.ID, ClassID: class.ID,
		Roles: []string{accounts.RoleTeacher}, Password: password})
	birth := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	child, err := s.app.Children.Create(bg, sys, children.Input{IDNumber: idcard.Generate("530524", birth, 77, "F"), Name: "段小芳", Sex: "F",
		BirthDate: "2016-04-01", Ethnicity: "白族", Hukou: "rural", VillageCode: village, SchoolID: school.ID, Grade: 3, ClassID: class.ID,
		FatherStatus: children.ParentAway, MotherStatus: children.ParentAway})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	shots := screenshotDir(t)

	do(t, ctx, "log in",
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "cn.officer"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#nav-gaps")))

	// The gaps of 大田坝镇: 文沧村 has one child without a complete team.
	villageTeamGap := `#gap-` + village + ` td[data-gap="team"]`
	do(t, ctx, "gaps",
		chromedp.Click(chromedp.CSS("#nav-gaps")),
		chromedp.WaitVisible(chromedp.CSS("#gaps-table")),
		chromedp.Click(chromedp.CSS(`#gap-`+town+` th a`)),
		chromedp.WaitVisible(chromedp.CSS(villageTeamGap)))
	if got := run(t, ctx, "village gap", chromedp.Text(chromedp.CSS(villageTeamGap))); strings.TrimSpace(got) != "1" {
		t.Fatalf("文沧村 team gap before: %q", got)
	}
	shoot(t, ctx, shots, "11-gaps-before")

	// The list behind the number leads to the child.
	do(t, ctx, "list behind the count",
		chromedp.Click(chromedp.CSS(villageTeamGap+" a")),
		chromedp.WaitVisible(chromedp.CSS("#gap-child-"+child.ID)),
		chromedp.Click(chromedp.CSS("#gap-child-"+child.ID+" a")),
		chromedp.WaitVisible(chromedp.CSS("#care-network")))

	// Assign the six roles through the form (htmx swaps the section).
	assign := func(role string, fill ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.CSS("#assign-box > summary")),
			chromedp.WaitVisible(chromedp.CSS("#assign-form #role")),
			chromedp.SetValue(chromedp.CSS("#assign-form #role"), role),
		}
		steps = append(steps, fill...)
		steps = append(steps, chromedp.Click(chromedp.CSS("#assign-submit")),
			chromedp.WaitVisible(chromedp.CSS("#slot-"+role+" .holder-name")))
		do(t, ctx, "assign "+role, steps...)
	}
	pick := func(u accounts.User) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS("#assign-form #user_id"), u.ID)
	}
	assign(care.RoleCountyCadre, pick(officer))
	assign(care.RoleTownshipCadre, pick(townCadre))
	assign(care.RoleVillageCadre, pick(villageCadre))
	assign(care.RoleTeacher, pick(teacher))

	// The guardian without the relation: refused beside the field, the
	// name kept.
	do(t, ctx, "guardian without relation",
		chromedp.Click(chromedp.CSS("#assign-box > summary")),
		chromedp.WaitVisible(chromedp.CSS("#assign-form #role")),
		chromedp.SetValue(chromedp.CSS("#assign-form #role"), care.RoleGuardian),
		chromedp.SendKeys(chromedp.CSS("#assign-form #name"), "段奶奶"),
		chromedp.SendKeys(chromedp.CSS("#assign-form #phone"), "13800001111"),
		chromedp.Click(chromedp.CSS("#assign-submit")),
		chromedp.WaitVisible(chromedp.CSS("#relation-error")))
	if msg := run(t, ctx, "relation error", chromedp.Text(chromedp.CSS("#field-relation #relation-error"))); !strings.Contains(msg, "关系") {
		t.Fatalf("error beside the relation: %q", msg)
	}
	if kept := run(t, ctx, "name kept", chromedp.Value(chromedp.CSS("#assign-form #name"))); kept != "段奶奶" {
		t.Fatalf("name not kept: %q", kept)
	}
	shoot(t, ctx, shots, "12-assign-error")
	do(t, ctx, "guardian with relation",
		chromedp.SendKeys(chromedp.CSS("#assign-form #relation"), "祖母"),
		chromedp.Click(chromedp.CSS("#assign-submit")),
		chromedp.WaitVisible(chromedp.CSS("#slot-guardian .holder-name")))
	assign(care.RoleNeighbour,
		chromedp.SendKeys(chromedp.CSS("#assign-form #name"), "赵大姐"),
		chromedp.SendKeys(chromedp.CSS("#assign-form #phone"), "13800002222"),
		chromedp.SendKeys(chromedp.CSS("#assign-form #relation"), "邻居"))
	do(t, ctx, "team complete", chromedp.WaitVisible(chromedp.CSS("#team-complete")))

	// The gap count for the village falls.
	do(t, ctx, "gaps after",
		chromedp.Navigate(s.url+"/gaps?region="+town),
		chromedp.WaitVisible(chromedp.CSS(villageTeamGap)))
	if got := run(t, ctx, "village gap after", chromedp.Text(chromedp.CSS(villageTeamGap))); strings.TrimSpace(got) != "0" {
		t.Fatalf("文沧村 team gap after: %q", got)
	}
	shoot(t, ctx, shots, "13-gaps-after")

	// The chain on the profile: five levels, the team, the proxies.
	do(t, ctx, "profile",
		chromedp.Navigate(s.url+"/children/"+child.ID),
		chromedp.WaitVisible(chromedp.CSS("#chain-leaders")))
	chain := run(t, ctx, "chain", chromedp.Text(chromedp.CSS("#care-network")))
	for _, want := range []string{"县督导员杨", "镇干部李", "村干部赵", "王老师", "段奶奶", "赵大姐", "大田坝镇", "文沧村"} {
		if !strings.Contains(chain, want) {
			t.Errorf("the chain lacks %s: %q", want, chain)
		}
	}
	if n := run(t, ctx, "levels", chromedp.Evaluate[int](`document.querySelectorAll("#chain-leaders > li").length`)); n != 5 {
		t.Errorf("%d levels in the chain", n)
	}
	do(t, ctx, "to the chain", chromedp.ScrollIntoView(chromedp.CSS("#care-network")))
	shoot(t, ctx, shots, "14-chain")

	// The village's out-of-school chief proxy parent, set on the region
	// page reached from the gaps page, shows in the chain.
	do(t, ctx, "region page",
		chromedp.Navigate(s.url+"/gaps?region="+village),
		chromedp.WaitVisible(chromedp.CSS("#gaps-region")),
		chromedp.Click(chromedp.CSS("#gaps-region")),
		chromedp.WaitVisible(chromedp.CSS("#pos-village_proxy")),
		chromedp.Click(chromedp.CSS("#pos-village_proxy summary")),
		chromedp.SetValue(chromedp.CSS("#pos-village_proxy-user_id"), villageCadre.ID),
		chromedp.Click(chromedp.CSS("#pos-village_proxy-submit")),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	shoot(t, ctx, shots, "15-region")
	do(t, ctx, "proxy in the chain",
		chromedp.Navigate(s.url+"/children/"+child.ID),
		chromedp.WaitVisible(chromedp.CSS("#proxy-village_proxy")))
	if got := run(t, ctx, "proxy", chromedp.Text(chromedp.CSS("#proxy-village_proxy"))); !strings.Contains(got, "村干部赵") {
		t.Errorf("village proxy in the chain: %q", got)
	}
	do(t, ctx, "bulk page", chromedp.Click(chromedp.CSS("#nav-bulk")), chromedp.WaitVisible(chromedp.CSS("#bulk-form")))
	shoot(t, ctx, shots, "16-bulk")
	t.Logf("screenshots in %s", shots)
}
