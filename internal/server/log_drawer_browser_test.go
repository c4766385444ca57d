package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
)

// TestBrowserLogDrawerStatusAndQualify: a salesperson opens a project's log
// from the Sales screen, sets its milestone status (the row shows it at
// once), tries to qualify it at a time in the future (told so, the input
// kept) and qualifies it, all without leaving the list; then the same on a
// phone. Screenshots at 1366 × 900 and 390 × 844.
func TestBrowserLogDrawerStatusAndQualify(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	names, _, err := f.app.db.PickLists(context.Background(), f.admin.TenantID)
	if err != nil || len(names.Statuses) < 2 {
		t.Fatalf("statuses: %v", err)
	}
	second := f.lead(t, f.repA, "Heat pump for Novak")
	b := newBrowser(t, f.app)
	b.login(f.repA)
	list := "/?view=active&sort=value&dir=desc"
	b.run(desktop(), chromedp.Navigate(b.url(list)), loaded(), chromedp.WaitVisible(".sales-table", chromedp.ByQuery))
	row := fmt.Sprintf("#p-%d", f.project)
	b.run(clickJS(row+" .log-button"), chromedp.WaitVisible("#drawer #log-status_id", chromedp.ByQuery))
	b.screenshot("drawer-open-desktop")

	status := names.Statuses[1].Name
	b.selectByText("#log-status_id", status)
	b.run(clickJS(`#drawer .log-status button[type="submit"]`), chromedp.WaitVisible("#log-saved", chromedp.ByQuery))
	if got := b.waitText(row+" td.status", status); got != status {
		t.Errorf("the row's status is %q after saving %q", got, status)
	}
	if got := b.text("#drawer .entries"); !strings.Contains(got, "Milestone status: — → "+status) {
		t.Errorf("the drawer's log lacks the status change: %q", got)
	}
	if u := b.location(); !strings.HasSuffix(u, list) {
		t.Fatalf("saving the status left the list: %s", u)
	}
	b.screenshot("drawer-status-saved-desktop")

	// Qualify at a time in the future: refused beside the time, the note kept.
	future := time.Now().Add(72 * time.Hour).UTC().Format(crm.LocalTimeLayout)
	note := "Budget and roof confirmed on the phone"
	b.run(clickJS("#drawer .log-qualify summary"), chromedp.WaitVisible("#log-completed_at", chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.getElementById("log-completed_at").value = %s`, strconv.Quote(future)), nil),
		chromedp.SendKeys("#log-note", note, chromedp.ByQuery),
		clickJS(`#drawer .log-qualify button[type="submit"]`), chromedp.WaitVisible("#log-completed_at-error", chromedp.ByQuery))
	var kept string
	b.run(chromedp.Value("#log-note", &kept, chromedp.ByQuery))
	if kept != note {
		t.Errorf("the note after the refusal is %q", kept)
	}
	var focused string
	b.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "log-completed_at" {
		t.Errorf("after the refusal the focus is on %q, not the time", focused)
	}
	b.screenshot("drawer-qualify-refused-desktop")

	now := time.Now().UTC().Format(crm.LocalTimeLayout)
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.getElementById("log-completed_at").value = %s`, strconv.Quote(now)), nil),
		clickJS(`#drawer .log-qualify button[type="submit"]`), chromedp.WaitVisible("#log-saved", chromedp.ByQuery))
	if got := b.text("#log-saved"); !strings.Contains(got, "Qualified") {
		t.Errorf("the confirmation is %q", got)
	}
	var forms int
	b.run(chromedp.Evaluate(`document.querySelectorAll("#drawer .log-qualify").length`, &forms))
	if forms != 0 {
		t.Error("the qualify form is still offered after qualifying")
	}
	if got := b.text("#drawer .entries"); !strings.Contains(got, "Completed Lead qualified") || !strings.Contains(got, note) {
		t.Errorf("the drawer's log lacks the completion: %q", got)
	}
	// The whole row follows: the last completed milestone and the next step.
	if got := b.waitText(row+" td.last", "Lead qualified"); !strings.Contains(got, "Lead qualified") {
		t.Errorf("after qualifying, the row's last completed milestone is %q", got)
	}
	if got := b.text(row + " td.pending"); strings.Contains(got, "Lead qualified") {
		t.Errorf("after qualifying, the row's next step is still %q", got)
	}
	b.screenshot("drawer-qualified-desktop")

	// On a phone: the drawer fills the screen, the forms fit it.
	b.run(phone(), chromedp.Navigate(b.url(list)), loaded(), chromedp.WaitVisible(".sales-table", chromedp.ByQuery),
		clickJS(fmt.Sprintf("#p-%d .log-button", second)), chromedp.WaitVisible("#drawer #log-status_id", chromedp.ByQuery),
		clickJS("#drawer .log-qualify summary"), chromedp.WaitVisible("#log-completed_at", chromedp.ByQuery))
	var right float64
	b.run(chromedp.Evaluate(`Math.max(...[...document.querySelectorAll("#drawer input, #drawer select, #drawer textarea, #drawer button")].map(e => e.getBoundingClientRect().right))`, &right))
	if right > 390 {
		t.Errorf("a drawer control reaches %.0f px on a 390 px screen", right)
	}
	b.screenshot("drawer-qualify-phone")
	b.selectByText("#log-status_id", names.Statuses[0].Name)
	b.run(clickJS(`#drawer .log-status button[type="submit"]`), chromedp.WaitVisible("#log-saved", chromedp.ByQuery))
	b.screenshot("drawer-status-saved-phone")
}
