package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium tab against a test app.
type browser struct {
	t   *testing.T
	app *testApp
	ctx context.Context
}

// newBrowser starts headless Chromium for a journey test. Without Chromium the
// test is skipped, unless PIPEWELL_REQUIRE_BROWSER=1 (set by `make test` and
// CI), where it fails.
// browserSlots bounds how many Chromiums the parallel browser tests start
// at once: on a 2-core machine more of them starting together made a start
// miss its deadline. Only the start holds a slot (a test may run two
// browsers).
var browserSlots = make(chan struct{}, 2)

func newBrowser(t *testing.T, app *testApp) *browser {
	t.Helper()
	return newBrowserWithin(t, app, 90*time.Second)
}

// newBrowserWithin is newBrowser whose whole journey may take up to limit:
// for a test whose every page runs a heavy script (axe-core), which a
// loaded machine slows far more than a page load.
func newBrowserWithin(t *testing.T, app *testApp, limit time.Duration) *browser {
	t.Helper()
	path := os.Getenv("PIPEWELL_CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("PIPEWELL_REQUIRE_BROWSER") == "1" {
			t.Fatal("Chromium not found: install it (apt-get install chromium) or set PIPEWELL_CHROMIUM")
		}
		t.Skip("Chromium not found; set PIPEWELL_REQUIRE_BROWSER=1 to make this a failure")
	}
	// Not t.TempDir: Chromium's helper processes may still be writing to the
	// profile for a moment after the browser exits, which fails its cleanup.
	profile, err := os.MkdirTemp("", "pipewell-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, chromedp.WSURLReadTimeout(90*time.Second))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(50 * time.Millisecond) // helper processes still closing files
		}
	})
	browserSlots <- struct{}{}
	err = chromedp.Run(ctx)
	<-browserSlots
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return &browser{t: t, app: app, ctx: ctx}
}

// run runs chromedp actions and fails the test on error.
func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// clickJS clicks the first element matching sel in one evaluation. Unlike
// chromedp.Click it holds no node ID, which a document update right after a
// navigation can invalidate ("Could not find node with given id").
func clickJS(sel string) chromedp.Action {
	return chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).click()`, nil)
}

// url returns the absolute address of path on the test server.
func (b *browser) url(path string) string { return b.app.ts.URL + path }

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	// Read in one evaluation: right after a navigation, a node found by a
	// query can be replaced before its text is read.
	var s string
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector(`+strconv.Quote(sel)+`).innerText`, &s))
	return strings.TrimSpace(s)
}

// waitText waits up to 10 seconds for the first element matching sel to
// contain want (a part of the page htmx updates after an answer), and
// returns its text then, or at the deadline.
func (b *browser) waitText(sel, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var s string
		err := chromedp.Run(b.ctx, chromedp.Evaluate(`(function(){var e=document.querySelector(`+strconv.Quote(sel)+`);return e?e.innerText:""})()`, &s))
		if s = strings.TrimSpace(s); err == nil && strings.Contains(s, want) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves a full-page PNG into the screenshot folder and logs its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100)) // quality 100 gives PNG
	dir := screenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", file)
	return file
}

// screenshotDir is PIPEWELL_SCREENSHOTS or screenshots/ at the repository root.
func screenshotDir() string {
	if d := os.Getenv("PIPEWELL_SCREENSHOTS"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "screenshots")
}

func TestBrowserSignUpLogOutLogIn(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	b := newBrowser(t, app)
	b.run(
		chromedp.Navigate(b.url("/signup")),
		chromedp.WaitVisible("#company", chromedp.ByQuery),
	)
	b.screenshot("signup")
	// First a mistake: the form comes back with the input kept.
	b.run(
		chromedp.SendKeys("#company", "Brightside Energy", chromedp.ByQuery),
		chromedp.SendKeys("#name", "Bea Bright", chromedp.ByQuery),
		chromedp.SendKeys("#email", "bea@brightside", chromedp.ByQuery),
		chromedp.SendKeys("#password", "short", chromedp.ByQuery),
		chromedp.Submit("#company", chromedp.ByQuery),
		chromedp.WaitVisible("#email-error", chromedp.ByQuery),
	)
	var company string
	b.run(chromedp.Value("#company", &company, chromedp.ByQuery))
	if company != "Brightside Energy" {
		t.Fatalf("company not kept after a validation error: %q", company)
	}
	b.screenshot("signup-errors")
	b.run(
		chromedp.Clear("#email", chromedp.ByQuery),
		chromedp.SendKeys("#email", "bea@brightside.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "a long sunny passphrase", chromedp.ByQuery),
		chromedp.Submit("#company", chromedp.ByQuery),
		chromedp.WaitVisible(".topbar .who", chromedp.ByQuery),
	)
	if got := b.text("h1"); got != "Sales screen" {
		t.Fatalf("after sign-up the page is %q, want the Sales screen", got)
	}
	if who := b.text(".topbar .who"); !strings.Contains(who, "Brightside Energy") || !strings.Contains(who, "Bea Bright") {
		t.Fatalf("header shows %q", who)
	}
	b.screenshot("sales-screen-empty")
	b.follow(chromedp.Click(".topbar .who button", chromedp.ByQuery))
	b.run(chromedp.WaitVisible("#email", chromedp.ByQuery))
	if got := b.text(".flash"); !strings.Contains(got, "logged out") {
		t.Fatalf("after log-out the flash is %q", got)
	}
	b.run(
		chromedp.SendKeys("#email", "bea@brightside.example", chromedp.ByQuery),
		chromedp.SendKeys("#password", "a long sunny passphrase", chromedp.ByQuery),
		chromedp.Submit("#email", chromedp.ByQuery),
		chromedp.WaitVisible(".topbar .who", chromedp.ByQuery),
	)
	if got := b.text("h1"); got != "Sales screen" {
		t.Fatalf("after log-in the page is %q", got)
	}
	b.screenshot("logged-in")
}
