package e2e_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"guanai/internal/accounts"
	"guanai/internal/demo"
)

// The dashboard in a real browser, over the demonstration data: a
// provincial leader opens 数据看板 from the header, sees the charts drawn
// (ECharts puts a canvas in each chart's element) with the tables under
// them, and drills down by the tables' links from the province to 保山市,
// 昌宁县, 大田坝镇 and 文沧村, the breadcrumb following at every step (each
// level above the current one a link back up), and opens a school of the
// township on the way (its dashboard by class). At 360 px the page does
// not scroll sideways (the tables scroll inside their frames). Screenshots
// at 360 px and 1280 px of the province, the county, the school and the
// village. Nothing may be written to the console as an error (a script
// failing, the Content-Security-Policy refusing something).
func TestDashboardDrillDownInBrowser(t *testing.T) {
	s := startServer(t)
	if _, err := demo.Load(context.Background(), s.app, nil); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	s.user(t, accounts.Input{Username: "yn.leader", Name: "省领导", RegionCode: "530000000000",
		Roles: []string{accounts.RoleLeader}, Password: password})
	ctx := browser(t)
	shots := screenshotDir(t)
	// Errors on the console — a script failing, a rule of the
	// Content-Security-Policy broken — fail the test at the end.
	var mu sync.Mutex
	var console []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				console = append(console, m.String())
				mu.Unlock()
			}
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range console {
			t.Errorf("console: %s", m)
		}
	}()

	do(t, ctx, "log in",
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "yn.leader"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#nav-dashboard")))

	// drawn waits for every chart of the page to hold a canvas.
	drawn := chromedp.Poll[chromedp.Void](`(() => {
		const charts = document.querySelectorAll(".dash-chart");
		return charts.length > 0 && [...charts].every(c => !c.hidden && c.querySelector("canvas"));
	})()`, chromedp.WithPollingInterval(50*time.Millisecond))
	// crumbs returns the breadcrumb: the current node, and the nodes
	// above it that link back up.
	crumbs := func() (string, []string) {
		cur := run(t, ctx, "current crumb", chromedp.Text(chromedp.CSS(`#dash-breadcrumb [aria-current="page"]`)))
		up := run(t, ctx, "crumb links", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#dash-breadcrumb a")].map(a => a.textContent.trim())`))
		return strings.TrimSpace(cur), up
	}
	check := func(step, current string, above ...string) {
		t.Helper()
		cur, up := crumbs()
		if cur != current || strings.Join(up, "›") != strings.Join(above, "›") {
			t.Fatalf("%s: breadcrumb %q ‹ %q, want %q ‹ %q", step, up, cur, above, current)
		}
		if n := run(t, ctx, "tables", chromedp.Evaluate[int](`document.querySelectorAll("table.dash caption").length`)); n < 5 {
			t.Fatalf("%s: %d tables", step, n)
		}
	}
	// down clicks a child node's link in the overview table and waits for
	// its dashboard to be drawn.
	down := func(code string) {
		t.Helper()
		link := `#table-overview a[href="/dashboard?region=` + code + `"]`
		do(t, ctx, "drill to "+code,
			chromedp.WaitVisible(chromedp.CSS(link)),
			chromedp.ScrollIntoView(chromedp.CSS(link)),
			chromedp.Click(chromedp.CSS(link)),
			chromedp.WaitVisible(chromedp.CSS(`#dash-xlsx[href$="region=`+code+`"]`)),
			drawn)
	}

	do(t, ctx, "open the dashboard",
		chromedp.Click(chromedp.CSS("#nav-dashboard")),
		chromedp.WaitVisible(chromedp.CSS("#table-overview")),
		drawn)
	check("province", "云南省")
	if n := run(t, ctx, "canvases", chromedp.Evaluate[int](`document.querySelectorAll(".dash-chart canvas").length`)); n < 5 {
		t.Errorf("%d charts drawn", n)
	}
	if n := run(t, ctx, "ranking tables", chromedp.Evaluate[int](`document.querySelectorAll("#rankings table").length`)); n == 0 {
		t.Error("no rankings")
	}
	noSideways(t, ctx, "province")
	shoot(t, ctx, shots, "21-dashboard-province")

	down("530500000000")
	check("prefecture", "保山市", "云南省")
	down("530524000000")
	check("county", "昌宁县", "云南省", "保山市")
	noSideways(t, ctx, "county")
	shoot(t, ctx, shots, "22-dashboard-county")
	down("530524107000")
	check("township", "大田坝镇", "云南省", "保山市", "昌宁县")
	// A school of the township, by class, and back.
	school := run(t, ctx, "first school", chromedp.Text(chromedp.CSS("#dash-school-list li:first-child a")))
	do(t, ctx, "open a school",
		chromedp.ScrollIntoView(chromedp.CSS("#dash-school-list li:first-child a")),
		chromedp.Click(chromedp.CSS("#dash-school-list li:first-child a")),
		chromedp.WaitVisible(chromedp.CSS(`#dash-xlsx[href*="school="]`)),
		drawn)
	check("school", strings.TrimSpace(school), "云南省", "保山市", "昌宁县", "大田坝镇")
	shoot(t, ctx, shots, "24-dashboard-school")
	do(t, ctx, "back to the township",
		chromedp.Click(chromedp.CSS(`#dash-breadcrumb a[href="/dashboard?region=530524107000"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dash-xlsx[href$="region=530524107000"]`)),
		drawn)
	down("530524107202")
	check("village", "文沧村民委员会", "云南省", "保山市", "昌宁县", "大田坝镇")
	if n := run(t, ctx, "village links", chromedp.Evaluate[int](`document.querySelectorAll('table.dash tbody a[href^="/dashboard?region="]').length`)); n != 0 {
		t.Errorf("the village links down %d times", n)
	}
	noSideways(t, ctx, "village")
	shoot(t, ctx, shots, "23-dashboard-village")

	// Back up by the breadcrumb.
	do(t, ctx, "up to the county",
		chromedp.Click(chromedp.CSS(`#dash-breadcrumb a[href="/dashboard?region=530524000000"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dash-xlsx[href$="region=530524000000"]`)),
		drawn)
	check("back to the county", "昌宁县", "云南省", "保山市")
}

// noSideways checks that at 360 px the page itself does not scroll
// sideways and the charts fit the screen.
func noSideways(t *testing.T, ctx context.Context, step string) {
	t.Helper()
	do(t, ctx, "narrow", chromedp.EmulateViewport(360, 800), chromedp.Sleep(300*time.Millisecond))
	ok := run(t, ctx, "width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth &&
		[...document.querySelectorAll(".dash-chart")].every(c => c.getBoundingClientRect().right <= window.innerWidth)`))
	if !ok {
		w := run(t, ctx, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("%s: the page is %d px wide at 360 px", step, w)
	}
	do(t, ctx, "wide", chromedp.EmulateViewport(1280, 900))
}
