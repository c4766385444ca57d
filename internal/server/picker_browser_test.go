package server

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// pickerTenant is a rep with two same-named accounts, one with a contact.
func pickerTenant(t *testing.T) (*testApp, crm.User) {
	t.Helper()
	app := newTestApp(t, Config{})
	app.db.SetRecordSearchTime(time.Minute)
	admin := app.db.Tenant(t, "Sunrise")
	rep := app.db.User(t, admin, crm.RoleSales, "Sam Seller")
	app.db.LeadForm(t, pgtest.ActorOf(rep), crm.LeadForm{Title: "Garcia roof", Value: "100",
		Account: crm.Account{Name: "Garcia household", Email: "home@garcia.example", Address: "12 Elm Street"},
		Contact: crm.Contact{Name: "Maria Garcia", Email: "maria@garcia.example", Phone: "+1 555 481 0380"}})
	app.db.LeadForm(t, pgtest.ActorOf(rep), crm.LeadForm{Title: "Other Garcia", Value: "100",
		Account: crm.Account{Name: "Garcia household", Phone: "+1 555 222 0101", Address: "4 Oak Road"}})
	return app, rep
}

// TestBrowserCustomerPicker types into the new-lead form's customer search:
// the matches appear as one types, same-named accounts told apart; picking
// the contact chooses its account and lists its contacts in place, the
// typed title kept; the lead is created on them. Then the duplicate
// warning's "use this contact". At desktop and phone width.
func TestBrowserCustomerPicker(t *testing.T) {
	t.Parallel()
	app, rep := pickerTenant(t)
	b := newBrowser(t, app)
	b.run(desktop())
	b.login(rep)
	b.run(
		chromedp.Navigate(b.url("/projects/new")),
		chromedp.WaitVisible("#customer_q", chromedp.ByQuery),
		chromedp.SendKeys("#title", "Battery for the Garcias", chromedp.ByQuery),
		chromedp.SendKeys("#customer_q", "garc", chromedp.ByQuery),
		chromedp.WaitVisible(`#picker-results button[name="pick_contact"]`, chromedp.ByQuery),
	)
	results := b.text("#picker-results")
	for _, want := range []string{"Garcia household", "12 Elm Street", "home@garcia.example", "4 Oak Road", "+1 555 222 0101", "Maria Garcia"} {
		if !strings.Contains(results, want) {
			t.Errorf("the results lack %q:\n%s", want, results)
		}
	}
	var accounts int
	b.run(chromedp.Evaluate(`document.querySelectorAll('#picker-results button[name="pick_account"]').length`, &accounts))
	if accounts != 2 {
		t.Errorf("%d accounts found, want 2", accounts)
	}
	b.screenshot("lead-picker-desktop")
	b.run(
		chromedp.Click(`#picker-results button[name="pick_contact"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#contact_id", chromedp.ByQuery),
	)
	var title, contact string
	b.run(chromedp.Value("#title", &title, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#contact_id').selectedOptions[0].textContent`, &contact))
	if title != "Battery for the Garcias" || !strings.HasPrefix(contact, "Maria Garcia") {
		t.Fatalf("after picking the contact: title %q, contact %q", title, contact)
	}
	if picked := b.text(".picked"); !strings.Contains(picked, "Garcia household") || !strings.Contains(picked, "12 Elm Street") {
		t.Errorf("chosen account: %q", picked)
	}
	b.screenshot("lead-picker-chosen-desktop")
	b.run(
		chromedp.SendKeys("#value", "9,500", chromedp.ByQuery),
		chromedp.Click("button.primary", chromedp.ByQuery),
		chromedp.WaitVisible("#workspace", chromedp.ByQuery),
		loaded(),
	)
	if ws := b.text("#workspace"); !strings.Contains(ws, "Garcia household") || !strings.Contains(ws, "Maria Garcia") {
		t.Errorf("the workspace does not show the chosen customer:\n%s", ws)
	}

	// A new contact typed with Maria's e-mail: the warning offers her.
	b.run(
		chromedp.Navigate(b.url("/projects/new")),
		chromedp.WaitVisible("#customer_q", chromedp.ByQuery),
		chromedp.SendKeys("#title", "Second roof", chromedp.ByQuery),
		chromedp.SendKeys("#account_name", "Garcias", chromedp.ByQuery),
		chromedp.SendKeys("#contact_name", "M. Garcia", chromedp.ByQuery),
		chromedp.SendKeys("#contact_email", "Maria@garcia.example", chromedp.ByQuery),
		chromedp.Click("button.primary", chromedp.ByQuery),
		chromedp.WaitVisible(`.duplicates button[name="use_contact"]`, chromedp.ByQuery),
		loaded(),
	)
	b.screenshot("lead-duplicate-desktop")
	b.run(
		chromedp.Click(`.duplicates button[name="use_contact"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#contact_id", chromedp.ByQuery),
		loaded(),
		chromedp.Evaluate(`document.querySelector('#contact_id').selectedOptions[0].textContent`, &contact),
		chromedp.Value("#title", &title, chromedp.ByQuery),
	)
	if title != "Second roof" || !strings.HasPrefix(contact, "Maria Garcia") {
		t.Fatalf("after using the contact: title %q, contact %q", title, contact)
	}
	b.run(
		chromedp.Click("button.primary", chromedp.ByQuery),
		chromedp.WaitVisible("#workspace", chromedp.ByQuery),
		loaded(),
	)
	if n := scalar[int64](t, app, rep, `SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts after using the existing one, want 1", n)
	}

	// On a phone.
	b.run(phone())
	b.run(
		chromedp.Navigate(b.url("/projects/new")),
		chromedp.WaitVisible("#customer_q", chromedp.ByQuery),
		chromedp.SendKeys("#customer_q", "garcia", chromedp.ByQuery),
		chromedp.WaitVisible(`#picker-results button[name="pick_account"]`, chromedp.ByQuery),
	)
	var width int
	b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &width))
	if width > 390 {
		t.Errorf("the new-lead form is %d px wide on a 390 px screen", width)
	}
	b.screenshot("lead-picker-phone")
	b.run(
		chromedp.Click(`#picker-results button[name="pick_account"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#contact_id", chromedp.ByQuery),
	)
	b.screenshot("lead-picker-chosen-phone")
}

// TestBrowserCustomerPickerWithoutJavaScript: with scripts off, Find
// brings the form back with the matches and the typed title, and choosing
// an account lists its contacts.
func TestBrowserCustomerPickerWithoutJavaScript(t *testing.T) {
	t.Parallel()
	app, rep := pickerTenant(t)
	b := newBrowser(t, app)
	b.run(desktop())
	b.login(rep)
	b.run(
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(b.url("/projects/new")),
		chromedp.WaitVisible("#customer_q", chromedp.ByQuery),
		chromedp.SendKeys("#title", "No-script lead", chromedp.ByQuery),
		chromedp.SendKeys("#customer_q", "garcia h", chromedp.ByQuery),
		chromedp.Click(`.picker-box button[name="find"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#picker-results button[name="pick_account"]`, chromedp.ByQuery),
	)
	var title string
	b.run(chromedp.Value("#title", &title, chromedp.ByQuery))
	if title != "No-script lead" {
		t.Fatalf("title after Find: %q", title)
	}
	b.screenshot("lead-picker-nojs")
	b.run(
		chromedp.Click(`#picker-results button[name="pick_account"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#contact_id", chromedp.ByQuery),
		chromedp.Value("#title", &title, chromedp.ByQuery),
	)
	if title != "No-script lead" {
		t.Fatalf("title after choosing the account: %q", title)
	}
	if got := b.text("#contact_id"); !strings.Contains(got, "Maria Garcia") {
		t.Errorf("the account's contacts: %q", got)
	}
}
