package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// loaded waits until the current document has finished loading, so that
// queries after a navigation never hold nodes of the previous page.
func loaded() chromedp.Action {
	return chromedp.Poll("document.readyState === 'complete'", nil, chromedp.WithPollingInterval(20*time.Millisecond))
}

// browserLogin signs u in through the log-in form.
func (b *browser) login(u crm.User) {
	b.t.Helper()
	b.run(
		chromedp.Navigate(b.url("/login")),
		chromedp.WaitVisible("#email", chromedp.ByQuery),
		chromedp.SendKeys("#email", u.Email, chromedp.ByQuery),
		chromedp.SendKeys("#password", pgtest.Password, chromedp.ByQuery),
		chromedp.Submit("#email", chromedp.ByQuery),
		chromedp.WaitVisible(".topbar .who", chromedp.ByQuery),
		loaded(),
	)
}

// newLeadInBrowser fills the new-lead form and returns on the workspace.
func (b *browser) newLead(title, account, contact string) {
	b.t.Helper()
	b.run(
		chromedp.Navigate(b.url("/projects/new")),
		chromedp.WaitVisible("#title", chromedp.ByQuery),
		chromedp.SendKeys("#title", title, chromedp.ByQuery),
		chromedp.SendKeys("#account_name", account, chromedp.ByQuery),
		chromedp.SendKeys("#contact_name", contact, chromedp.ByQuery),
		chromedp.SendKeys("#contact_email", strings.ToLower(strings.ReplaceAll(contact, " ", "."))+"@mail.example", chromedp.ByQuery),
		chromedp.SendKeys("#value", "24,800", chromedp.ByQuery),
		chromedp.SendKeys("#scope", "10 kWp rooftop with battery", chromedp.ByQuery),
	)
}

func TestBrowserLeadToSold(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Sunrise")
	rep := app.db.User(t, admin, crm.RoleSales, "Sam Seller")
	b := newBrowser(t, app)
	b.login(rep)
	b.newLead("Rooftop PV – Garcia", "Garcia household", "Maria Garcia")
	b.screenshot("lead-new")
	// A mistake first: the value is refused beside the field, input kept.
	b.run(
		chromedp.Clear("#value", chromedp.ByQuery),
		chromedp.SendKeys("#value", "24.8.00", chromedp.ByQuery),
		chromedp.Submit("#title", chromedp.ByQuery),
		chromedp.WaitVisible("#value-error", chromedp.ByQuery),
		loaded(),
	)
	var title string
	b.run(chromedp.Value("#title", &title, chromedp.ByQuery))
	if title != "Rooftop PV – Garcia" {
		t.Fatalf("title not kept: %q", title)
	}
	b.run(
		chromedp.Clear("#value", chromedp.ByQuery),
		chromedp.SendKeys("#value", "24,800", chromedp.ByQuery),
		chromedp.Submit("#title", chromedp.ByQuery),
		chromedp.WaitVisible("#workspace", chromedp.ByQuery),
		loaded(),
	)
	if got := b.text("h1"); got != "Rooftop PV – Garcia" {
		t.Fatalf("workspace title %q", got)
	}
	b.screenshot("workspace-new-lead")
	// Qualify.
	b.run(chromedp.Click("form.qualify button", chromedp.ByQuery), chromedp.WaitNotPresent("form.qualify", chromedp.ByQuery), loaded())
	// Propose, with a note, through the track.
	b.run(
		chromedp.Click("#milestone-3 summary", chromedp.ByQuery),
		chromedp.WaitVisible("#milestone-3 textarea[name=note]", chromedp.ByQuery),
		chromedp.SendKeys("#milestone-3 textarea[name=note]", "Proposal v1 sent by e-mail", chromedp.ByQuery),
		chromedp.Click("#milestone-3 button.primary", chromedp.ByQuery),
		chromedp.WaitVisible("#milestone-3.done", chromedp.ByQuery),
		loaded(),
	)
	b.screenshot("workspace-proposed")
	// Sold.
	b.run(
		chromedp.Click("#milestone-4 summary", chromedp.ByQuery),
		chromedp.WaitVisible("#milestone-4 button.primary", chromedp.ByQuery),
		chromedp.Click("#milestone-4 button.primary", chromedp.ByQuery),
		chromedp.WaitVisible(".state-sold", chromedp.ByQuery),
		loaded(),
	)
	log := b.text("#log .entries")
	for _, want := range []string{"Created the lead", "Completed Lead created", "Completed Lead qualified",
		"Event “Set sales appointment” scheduled", "Completed Proposed", "Proposal v1 sent by e-mail", "Completed Sold",
		"State: Active → Sold", "Forecast category: Pipeline → Closed won"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	b.screenshot("workspace-sold")
}

func TestBrowserArchiveReopenAndDefer(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Sunrise")
	rep := app.db.User(t, admin, crm.RoleSales, "Lee Li")
	b := newBrowser(t, app)
	b.login(rep)
	b.newLead("Battery – Novak", "Novak household", "Elena Novak")
	b.run(chromedp.Submit("#title", chromedp.ByQuery), chromedp.WaitVisible("#workspace", chromedp.ByQuery), loaded())
	// Archive without a reason: the form says so and keeps the note.
	b.run(
		chromedp.Click(".actions details summary", chromedp.ByQuery),
		chromedp.WaitVisible("#archive_note", chromedp.ByQuery),
		chromedp.SendKeys("#archive_note", "Chose a competitor's offer", chromedp.ByQuery),
		chromedp.Submit("#archive_note", chromedp.ByQuery),
		chromedp.WaitVisible("#reason_id-error", chromedp.ByQuery),
		loaded(),
	)
	b.screenshot("archive-needs-reason")
	b.run(
		chromedp.SetValue("#reason_id", "3", chromedp.ByQuery),
		chromedp.Submit("#archive_note", chromedp.ByQuery),
		chromedp.WaitVisible(".state-archived", chromedp.ByQuery),
		loaded(),
	)
	if meta := b.text(".ws-meta"); !strings.Contains(meta, "Archived: Lost to competitor") {
		t.Fatalf("archived header: %q", meta)
	}
	if log := b.text("#log .entries"); !strings.Contains(log, "State: Active → Archived") || !strings.Contains(log, "Chose a competitor's offer") {
		t.Fatalf("log after archive:\n%s", log)
	}
	b.screenshot("workspace-archived")
	b.run(chromedp.Click(".actions form.inline button", chromedp.ByQuery), chromedp.WaitVisible(".state-active", chromedp.ByQuery), loaded())
	if log := b.text("#log .entries"); !strings.Contains(log, "State: Archived → Active") {
		t.Fatalf("log after reopen:\n%s", log)
	}
	b.screenshot("workspace-reopened")
	// Defer until a date two weeks ahead.
	until := time.Now().AddDate(0, 0, 14)
	b.run(
		chromedp.Click(".actions details:nth-of-type(2) summary", chromedp.ByQuery),
		chromedp.WaitVisible("#defer_until", chromedp.ByQuery),
		chromedp.SetValue("#defer_until", until.Format(crm.DateLayout), chromedp.ByQuery),
		chromedp.Submit("#defer_until", chromedp.ByQuery),
		chromedp.WaitVisible(".state-deferred", chromedp.ByQuery),
		loaded(),
	)
	if meta := b.text(".ws-meta"); !strings.Contains(meta, fmt.Sprintf("Deferred until %s", until.Format("Jan 2, 2006"))) {
		t.Fatalf("deferred header: %q", meta)
	}
	b.screenshot("workspace-deferred")
	_ = context.Background
}
