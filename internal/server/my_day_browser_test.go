package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// myDayFixture gives rep a day's work: a milestone 8 days late, a subtask
// due today, an event earlier today, a new lead an admin assigned that
// nobody has touched, and a deferred project back today. It returns the
// late project.
func myDayFixture(t *testing.T, app *testApp, admin, rep crm.User, tag string) int64 {
	t.Helper()
	now := time.Now().UTC()
	late := app.project(t, rep, "Late roof "+tag, now.AddDate(0, 0, -10))
	back := app.project(t, rep, "Back today "+tag, now.AddDate(0, 0, -30))
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET state = 'deferred', defer_until = $2 WHERE tenant_id = $1 AND id = $3`,
			tx.Tenant, crm.Today(now, time.UTC).Time(), back)
		return err
	})
	if err := app.db.Refresh(context.Background(), admin.TenantID); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	c.login(rep)
	ws := fmt.Sprintf("/projects/%d", late)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for path, form := range map[string]url.Values{
		ws + "/subtasks": {"subtask_title": {"Send the offer " + tag}, "subtask_milestone_id": {fmt.Sprint(milestoneID(t, app, admin, "Lead qualified"))},
			"subtask_due": {now.Format(time.DateOnly)}},
		ws + "/events": {"event_title": {"Call Mrs Late " + tag}, "event_starts_at": {start.Add(now.Sub(start) / 2).Format(crm.LocalTimeLayout)}},
	} {
		if res := c.post(path, form); res.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, res.status, res.body)
		}
	}
	a := app.client()
	a.login(admin)
	if res := a.post("/projects/new", url.Values{"title": {"Fresh lead " + tag}, "account_name": {"Fresh household " + tag},
		"contact_name": {"Fritz"}, "owner_id": {fmt.Sprint(rep.ID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("new lead: %d\n%s", res.status, res.body)
	}
	return late
}

// TestBrowserMyDay: at desktop and phone width a salesperson's My day lists
// the late milestone, today's subtask and event, the untouched new lead and
// the project back today; the milestone is completed, the subtask and the
// event marked done with one click each (back on My day, gone from it), and
// the new lead opens with one click. Then the headings in Chinese.
func TestBrowserMyDay(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Daily Solar")
	for _, size := range []struct {
		name  string
		setup chromedp.Action
		width int
	}{{"desktop", desktop(), 1366}, {"phone", phone(), 390}} {
		t.Run(size.name, func(t *testing.T) {
			rep := app.db.User(t, admin, crm.RoleSales, "Dora "+size.name)
			myDayFixture(t, app, admin, rep, size.name)
			b := newBrowser(t, app)
			b.run(size.setup)
			b.login(rep)
			b.follow(clickJS(`.topbar nav a[href="/my-day"]`))
			for sel, want := range map[string]string{
				"#myday-milestones": "Late roof " + size.name, "#myday-subtasks": "Send the offer " + size.name,
				"#myday-events": "Call Mrs Late " + size.name, "#myday-untouched": "Fresh lead " + size.name,
				"#myday-back": "Back today " + size.name,
			} {
				if got := b.text(sel); !strings.Contains(got, want) {
					t.Errorf("%s says %q, want %q", sel, got, want)
				}
			}
			if got := b.text("#myday-milestones"); !strings.Contains(got, "8 days late") {
				t.Errorf("the late milestone does not say how late: %q", got)
			}
			var sw int
			b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw))
			if sw > size.width {
				t.Errorf("My day is %d px wide on a %d px screen", sw, size.width)
			}
			b.screenshot("myday-" + size.name)

			for _, sel := range []string{"#myday-milestones", "#myday-subtasks", "#myday-events"} {
				b.follow(clickJS(sel + ` form button[type="submit"]`))
				if u := b.location(); !strings.HasSuffix(u, "/my-day") {
					t.Fatalf("one click in %s left My day for %s", sel, u)
				}
				var n int
				b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n))
				if n != 0 {
					t.Errorf("after its one click %s is still on My day: %q", sel, b.text(sel))
				}
			}
			b.screenshot("myday-" + size.name + "-done")

			b.follow(clickJS("#myday-untouched a"))
			if got := b.text("h1"); got != "Fresh lead "+size.name {
				t.Errorf("the untouched lead's link opened %q", got)
			}
		})
	}

	rep := app.db.User(t, admin, crm.RoleSales, "Dora zh")
	myDayFixture(t, app, admin, rep, "zh")
	if err := app.db.UpdateAccount(context.Background(), rep.TenantID, rep.ID, rep.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app)
	b.run(phone())
	b.login(rep)
	b.run(chromedp.Navigate(b.url("/my-day")), loaded())
	for sel, want := range map[string]string{"#myday-milestones h2": "已逾期的里程碑", "#myday-milestones": "逾期 8 天",
		"#myday-untouched h2": "尚无人跟进的新线索", "#myday-back h2": "今天恢复的推迟项目"} {
		if got := b.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s in Chinese says %q, want %q", sel, got, want)
		}
	}
	b.screenshot("myday-phone-zh")
}

// TestBrowserHeaderSearchAndProbability: "/" puts the cursor in the
// header's search box, which finds a project, its account and its contact
// (at desktop width, and by tapping the box on a phone); on the workspace
// the probability override refuses 150 stating the range, and 35 is saved
// and shown.
func TestBrowserHeaderSearchAndProbability(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Search Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Sam Seeker")
	a := crm.Actor{Viewer: crm.Viewer{TenantID: rep.TenantID, UserID: rep.ID, Role: rep.Role}, Now: time.Now(), Loc: time.UTC}
	id := app.db.LeadForm(t, a, crm.LeadForm{Title: "Heat pump upgrade", Account: crm.Account{Name: "Kowalski Farm"},
		Contact: crm.Contact{Name: "Olga Kowalski", Email: "olga@kowalski.example"}, Value: "8,000"})
	results := func(b *browser) {
		t.Helper()
		for sel, want := range map[string]string{"h1": "Search", ".search-results": "Heat pump upgrade"} {
			if got := b.text(sel); !strings.Contains(got, want) {
				t.Errorf("%s says %q, want %q", sel, got, want)
			}
		}
		var links string
		b.run(chromedp.Evaluate(`[...document.querySelectorAll(".search-hits a")].map(a => a.textContent.trim() + " " + a.getAttribute("href")).join("|")`, &links))
		for _, want := range []string{fmt.Sprintf("Heat pump upgrade /projects/%d", id), "Kowalski Farm /accounts/", "Olga Kowalski /contacts/"} {
			if !strings.Contains(links, want) {
				t.Errorf("the results lack %q: %s", want, links)
			}
		}
	}

	b := newBrowser(t, app)
	b.run(desktop())
	b.login(rep)
	b.run(chromedp.Navigate(b.url("/my-day")), loaded(), keyPress("/", "Slash", 191))
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "global-q" {
		t.Fatalf(`after "/" the focus is on %q, not the header's search box`, focused)
	}
	var typed string
	b.run(chromedp.Value("#global-q", &typed, chromedp.ByQuery))
	if typed != "" {
		t.Errorf(`the "/" that moved the cursor was typed into the box: %q`, typed)
	}
	b.follow(chromedp.KeyEvent("kowalski"), chromedp.KeyEvent(kb.Enter))
	results(b)
	b.screenshot("search-desktop")

	// The probability override: out of range, then saved.
	ws := fmt.Sprintf("/projects/%d", id)
	b.run(chromedp.Navigate(b.url(ws)), loaded(), chromedp.SendKeys("#probability", "150", chromedp.ByQuery),
		clickJS(`form.details button[type="submit"]`), chromedp.WaitVisible("#probability-error", chromedp.ByQuery))
	if got := b.text("#probability-error"); got != "Enter a whole number from 0 to 100." {
		t.Errorf("150 %% is refused with %q", got)
	}
	if got := b.text(`label[for="probability"]`); strings.Contains(got, "%!") {
		t.Errorf("the probability label reads %q", got)
	}
	b.screenshot("probability-refused-desktop")
	b.run(chromedp.Clear("#probability", chromedp.ByQuery), chromedp.SendKeys("#probability", "35", chromedp.ByQuery),
		clickJS(`form.details button[type="submit"]`), chromedp.WaitNotPresent("#probability-error", chromedp.ByQuery))
	b.run(chromedp.Navigate(b.url(ws)), loaded())
	var saved string
	b.run(chromedp.Value("#probability", &saved, chromedp.ByQuery))
	if saved != "35" {
		t.Errorf("after saving 35 the field shows %q", saved)
	}
	if got := b.text("#log"); !strings.Contains(got, "Probability override") || !strings.Contains(got, "35") {
		t.Errorf("the log lacks the probability change: %q", got)
	}
	b.screenshot("probability-saved-desktop")

	// On a phone the box is in the header too; a tap, the query, Enter.
	p := newBrowser(t, app)
	p.run(phone())
	p.login(rep)
	if !p.visibleWithin("#global-q", 390) {
		t.Fatal("the header's search box is not on a phone's screen")
	}
	p.follow(clickJS("#global-q"), chromedp.Focus("#global-q", chromedp.ByQuery), chromedp.KeyEvent("Kowalski"), chromedp.KeyEvent(kb.Enter))
	results(p)
	p.screenshot("search-phone")
	p.run(chromedp.Navigate(p.url(ws)), loaded(), chromedp.ScrollIntoView("#probability", chromedp.ByQuery))
	if !p.visibleWithin("#probability", 390) {
		t.Error("the probability field is not within a phone's screen")
	}
	p.screenshot("probability-phone")
}

// keyPress presses a key as a keyboard does: one keyDown that carries its
// text, so that a page which cancels the keydown also stops the character
// (chromedp.KeyEvent sends the character as a separate event, which no
// keydown handler can cancel).
func keyPress(key, code string, vk int64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		down := input.DispatchKeyEvent(input.KeyDown).WithKey(key).WithCode(code).WithText(key).WithWindowsVirtualKeyCode(vk)
		if err := down.Do(ctx); err != nil {
			return err
		}
		return input.DispatchKeyEvent(input.KeyUp).WithKey(key).WithCode(code).WithWindowsVirtualKeyCode(vk).Do(ctx)
	})
}

// visibleWithin reports whether the first element matching sel is shown
// and ends within width CSS pixels.
func (b *browser) visibleWithin(sel string, width int) bool {
	b.t.Helper()
	var ok bool
	b.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		if (!e || !e.checkVisibility({visibilityProperty: true})) return false;
		const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right <= %d; })()`, sel, width+1), &ok))
	return ok
}
