package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"guanai/internal/accounts"
	"guanai/internal/api"
	"guanai/internal/app"
	"guanai/internal/apptest"
	"guanai/internal/authn"
	"guanai/internal/testdb"
	"guanai/internal/web"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

// chromiumPath finds Debian's Chromium. Outside CI a missing browser skips
// the browser tests; in CI (CI=true) it fails them, since .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("GUANAI_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: .ci/run should have installed Debian's chromium")
	}
	t.Skip("no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
	return ""
}

// server is guanai (pages and API) on a loopback port over a fresh database.
type server struct {
	app *app.App
	url string
}

func startServer(t *testing.T) *server {
	t.Helper()
	a := apptest.New(t)
	auth := &authn.Authenticator{Accounts: a.Accounts}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a, auth.Identify, nil))
	mux.Handle("/", web.New(a, auth, nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &server{app: a, url: srv.URL}
}

// user creates an account that need not change its password.
func (s *server) user(t *testing.T, in accounts.Input) accounts.User {
	t.Helper()
	in.Active = true
	u, err := s.app.Accounts.CreateWithPassword(context.Background(), in, false)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser starts a headless Chromium and returns a context for its first
// tab. (Per chromedp, the first call on a context carries no timeout; every
// later step is bounded by step.)
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// front makes ctx's tab the active one: Chrome gives hidden tabs no
// animation frames, and actions that wait for one would hang there.
func front(t *testing.T, ctx context.Context) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(c, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatalf("bring tab to front: %v", err)
	}
}

// stepTimeout bounds every browser step.
const stepTimeout = 30 * time.Second

// htmxIdle waits until no htmx request, swap or settle is in progress on
// the current page, so that the next action does not land on an element
// an htmx swap is replacing (a click on the old one is lost, and the wait
// after it never ends). Use it only where no navigation is pending: it
// evaluates in the page's current document.
var htmxIdle = chromedp.Poll[chromedp.Void](`!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')`, chromedp.WithPollingInterval(20*time.Millisecond))

// do runs browser steps on ctx's tab, bounded by stepTimeout.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one browser action that returns a value, bounded by stepTimeout.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshotDir is where screenshots go: GUANAI_SCREENSHOTS when set (kept),
// else a folder under the test's temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GUANAI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves full-page screenshots of the current page at 360 px and
// 1280 px wide, named name-360.png and name-1280.png.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	for _, width := range []int64{360, 1280} {
		do(t, ctx, "viewport", chromedp.EmulateViewport(width, 800), chromedp.Sleep(100*time.Millisecond))
		buf := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		p := filepath.Join(dir, name+"-"+itoa(width)+".png")
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "viewport", chromedp.EmulateViewport(1280, 900))
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
