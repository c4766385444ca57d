package server

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/seed"
)

// phone sets the browser to a phone's screen: 390 × 844 CSS pixels, touch.
func phone() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := emulation.SetDeviceMetricsOverride(390, 844, 3, true).Do(ctx); err != nil {
			return err
		}
		return emulation.SetTouchEmulationEnabled(true).Do(ctx)
	})
}

// TestBrowserPhoneLayout opens the Sales screen, the board and a workspace
// on a phone: nothing is wider than the screen, each row shows its pending
// step, due date, late mark and log button, the filters wait behind a
// button, and the workspace shows the next step before the details.
func TestBrowserPhoneLayout(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Pocket Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Pia Phone")
	if err := seed.Projects(context.Background(), app.db.DB, admin.TenantID, []crm.UserID{rep.ID}, admin.ID, 40, 7, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app)
	b.run(phone())
	b.login(rep)
	width := func() int {
		var w int
		b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &w))
		return w
	}
	visible := func(sel string) bool {
		var ok bool
		b.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%s);
			if (!e || !e.checkVisibility({visibilityProperty: true})) return false;
			const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.right <= 391; })()`, strconv.Quote(sel)), &ok))
		return ok
	}

	b.run(chromedp.Navigate(b.url("/")), loaded())
	b.screenshot("phone-sales")
	if w := width(); w > 390 {
		t.Errorf("Sales screen is %d px wide on a 390 px screen", w)
	}
	for _, sel := range []string{".sales-table tbody tr td.pending", ".sales-table tbody tr .log-button", ".sales-head .button.primary"} {
		if !visible(sel) {
			t.Errorf("%s is not visible on a phone", sel)
		}
	}
	if visible("#filters #f-q") {
		t.Errorf("the filters fill the phone's first screen instead of waiting behind a button")
	}
	b.run(clickJS("#filters-toggle"), chromedp.WaitVisible("#f-q", chromedp.ByQuery))
	b.screenshot("phone-sales-filters")

	b.run(chromedp.Navigate(b.url("/pipeline")), loaded())
	b.screenshot("phone-board")
	if w := width(); w > 390 {
		t.Errorf("board is %d px wide", w)
	}

	var href string
	b.run(chromedp.Navigate(b.url("/")), loaded(),
		chromedp.Evaluate(`document.querySelector(".sales-table tbody tr td a").getAttribute("href")`, &href))
	b.run(chromedp.Navigate(b.url(href)), loaded())
	b.screenshot("phone-workspace")
	if w := width(); w > 390 {
		t.Errorf("workspace is %d px wide", w)
	}
	var trackTop, detailsTop float64
	b.run(chromedp.Evaluate(`document.querySelector("#track").getBoundingClientRect().top`, &trackTop),
		chromedp.Evaluate(`document.querySelector(".ws-main").getBoundingClientRect().top`, &detailsTop))
	if trackTop > detailsTop {
		t.Errorf("the milestone track starts at %.0f px, below the details at %.0f px", trackTop, detailsTop)
	}
}
