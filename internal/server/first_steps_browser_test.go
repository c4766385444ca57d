package server

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pipewell/pipewell/internal/crm"
)

// TestBrowserFirstStepsAndSmallThings: at desktop and phone width, in
// English and Chinese, a new company's admin first sees its three next
// steps; once it has a project, a search with no match says so, a bulk
// action with nothing selected says so beside the Apply button, and the
// skip link (the first Tab) takes the focus to the list. A user who forgot
// their password follows the link on the log-in page to the reset form.
func TestBrowserFirstStepsAndSmallThings(t *testing.T) {
	t.Parallel()
	mail := &sentMail{}
	app := newTestApp(t, Config{Mailer: mail})
	type words struct{ steps, noMatch, none, forgot, rangeIs string }
	for _, run := range []struct {
		name, lang string
		setup      chromedp.Action
		width      int
		w          words
	}{
		{"desktop", "en", desktop(), 1366, words{"three steps", "No projects match these filters.", "Select at least one project", "Forgot your password?", "from 0 to 100"}},
		{"phone", "en", phone(), 390, words{"three steps", "No projects match these filters.", "Select at least one project", "Forgot your password?", "from 0 to 100"}},
		{"desktop-zh", "zh-Hans", desktop(), 1366, words{"三步开始", "没有符合这些筛选条件的项目。", "请至少选择一个项目", "忘记密码？", "0 到 100"}},
		{"phone-zh", "zh-Hans", phone(), 390, words{"三步开始", "没有符合这些筛选条件的项目。", "请至少选择一个项目", "忘记密码？", "0 到 100"}},
	} {
		t.Run(run.name, func(t *testing.T) {
			admin := app.db.Tenant(t, "Fresh Start "+run.name)
			if err := app.db.UpdateAccount(context.Background(), admin.TenantID, admin.ID, admin.Name, run.lang); err != nil {
				t.Fatal(err)
			}
			b := newBrowser(t, app)
			b.run(run.setup)
			wide := func(page string) {
				t.Helper()
				var sw int
				b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw))
				if sw > run.width {
					t.Errorf("%s is %d px wide on a %d px screen", page, sw, run.width)
				}
			}
			b.login(admin)
			steps := b.text("#first-steps")
			var links []string
			b.run(chromedp.Evaluate(`[...document.querySelectorAll("#first-steps ol > li a")].map(a => a.getAttribute("href"))`, &links))
			if !strings.Contains(steps, run.w.steps) || strings.Join(links, " ") != "/admin/milestones /admin/users /projects/new /admin/import" {
				t.Errorf("the first screen says %q with the links %q", steps, links)
			}
			wide("the first screen")
			b.screenshot("first-steps-" + run.name)

			rep := app.db.User(t, admin, crm.RoleSales, "Rex "+run.name)
			only := app.project(t, rep, "Only roof", time.Now().Add(-time.Hour))
			b.run(chromedp.Navigate(b.url("/?view=active")), loaded())
			if strings.HasPrefix(run.name, "phone") {
				b.run(clickJS("#filters-toggle"), chromedp.WaitVisible("#f-q", chromedp.ByQuery))
			}
			b.run(chromedp.SendKeys("#f-q", "zzzz", chromedp.ByQuery))
			b.follow(clickJS(`#filters button[type="submit"]`))
			if got := b.text("p.empty"); !strings.Contains(got, run.w.noMatch) {
				t.Errorf("a search with no match says %q", got)
			}
			b.screenshot("no-match-" + run.name)

			// Bulk Archive with nothing selected: told so beside the button.
			b.run(chromedp.Navigate(b.url("/?view=active&q=")), loaded(), chromedp.WaitVisible("#bulk-form", chromedp.ByQuery))
			b.selectByText("#bulk-action", map[string]string{"en": "Archive", "zh-Hans": "归档"}[run.lang])
			b.run(chromedp.Evaluate(`(() => { const s = document.querySelector("#bulk-reason"); s.selectedIndex = 1; })()`, nil))
			b.run(clickJS(`#bulk-form .bulk-controls button[type="submit"]`), chromedp.WaitVisible(".bulk-controls .field.actions .form-error", chromedp.ByQuery))
			if got := b.text(".bulk-controls .field.actions .form-error"); !strings.Contains(got, run.w.none) {
				t.Errorf("a bulk action with nothing selected says %q", got)
			}
			var near float64
			b.run(chromedp.Evaluate(`(() => { const a = document.querySelector(".bulk-controls .field.actions button").getBoundingClientRect();
				const e = document.querySelector(".bulk-controls .field.actions .form-error").getBoundingClientRect();
				return Math.max(0, e.left - a.right, a.left - e.right) + Math.max(0, e.top - a.bottom, a.top - e.bottom); })()`, &near))
			if near > 40 {
				t.Errorf("the nothing-selected message is %.0f px from the Apply button", near)
			}
			var lines int
			b.run(chromedp.Evaluate(`(() => { const r = document.createRange();
				r.selectNodeContents(document.querySelector(".bulk-controls .field.actions button")); return r.getClientRects().length; })()`, &lines))
			if lines != 1 {
				t.Errorf("the Apply button's label takes %d lines", lines)
			}
			wide("the Sales screen with the bulk message")
			b.run(chromedp.ScrollIntoView(".bulk-controls", chromedp.ByQuery))
			b.screenshot("bulk-none-" + run.name)

			// The first Tab reaches the skip link; Enter puts the focus on the list.
			b.run(chromedp.Navigate(b.url("/?view=active")), loaded(), chromedp.KeyEvent(kb.Tab))
			var focused string
			b.run(chromedp.Evaluate(`document.activeElement.className`, &focused))
			if focused != "skip-link" {
				t.Fatalf("the first Tab focuses %q, not the skip link", focused)
			}
			if !b.visibleWithin(".skip-link", run.width) {
				t.Error("the focused skip link is not visible")
			}
			b.screenshot("skip-link-" + run.name)
			b.run(chromedp.KeyEvent(kb.Enter))
			b.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
			if focused != "sales-list" {
				t.Errorf("after the skip link the focus is on %q, not the list", focused)
			}

			// An out-of-range value states the range.
			b.run(chromedp.Navigate(b.url(fmt.Sprintf("/projects/%d", only))), loaded(), chromedp.SendKeys("#probability", "150", chromedp.ByQuery),
				clickJS(`form.details button[type="submit"]`), chromedp.WaitVisible("#probability-error", chromedp.ByQuery))
			if got := b.text("#probability-error"); !strings.Contains(got, run.w.rangeIs) {
				t.Errorf("150 %% is refused with %q, want the range %q", got, run.w.rangeIs)
			}
			b.run(chromedp.ScrollIntoView("#probability", chromedp.ByQuery))
			b.screenshot("out-of-range-" + run.name)

			// Forgot password: from the log-in page to the reset form.
			rep2 := app.db.User(t, admin, crm.RoleSales, "Fay "+run.name)
			if err := app.db.UpdateAccount(context.Background(), rep2.TenantID, rep2.ID, rep2.Name, run.lang); err != nil {
				t.Fatal(err)
			}
			f := newBrowser(t, app)
			f.run(run.setup)
			if run.lang == "zh-Hans" {
				// Signed out, the pages follow the browser's language.
				f.run(network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}))
			}
			f.run(chromedp.Navigate(f.url("/login")), loaded())
			if got := f.text(`a[href="/forgot"]`); got != run.w.forgot {
				t.Errorf("the log-in page's link says %q", got)
			}
			f.follow(clickJS(`a[href="/forgot"]`))
			f.run(chromedp.SendKeys("#email", rep2.Email, chromedp.ByQuery))
			before := len(mail.mail)
			f.follow(chromedp.Submit("#email", chromedp.ByQuery))
			if !strings.Contains(f.text("#forgot-sent"), rep2.Email) {
				t.Errorf("after the request the page says %q", f.text("main"))
			}
			f.screenshot("forgot-sent-" + run.name)
			mail.mu.Lock()
			sent := mail.mail[before:]
			mail.mu.Unlock()
			if len(sent) != 1 {
				t.Fatalf("mail sent: %q", sent)
			}
			link := regexp.MustCompile(`http://[^/]+(/reset/\S+)`).FindStringSubmatch(sent[0])
			if link == nil {
				t.Fatalf("no reset link in %q", sent[0])
			}
			f.run(chromedp.Navigate(f.url(link[1])), loaded(), chromedp.WaitVisible("#password", chromedp.ByQuery),
				chromedp.SendKeys("#password", "a much newer password", chromedp.ByQuery),
				chromedp.SendKeys("#confirm", "a much newer password", chromedp.ByQuery))
			wide("the reset form")
			f.screenshot("reset-form-" + run.name)
			f.follow(chromedp.Submit("#password", chromedp.ByQuery))
			if u := f.location(); strings.Contains(u, "/reset/") {
				t.Errorf("the new password was not taken: still on %s: %q", u, f.text("main"))
			}
			f.screenshot("reset-done-" + run.name)
		})
	}
}
