package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// TestBrowserImportContactsJourney: an admin uploads a HubSpot contacts
// export, sees it told as contacts and its columns mapped, previews it with
// the row whose account is unknown, ticks "create the accounts", previews
// again, imports it and reads the result. Screenshots of each step at a
// desktop and a phone width.
func TestBrowserImportContactsJourney(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Brightside Contacts")
	app.db.LeadForm(t, pgtest.ActorOf(admin),
		crm.LeadForm{Title: "Roof Novak", Account: crm.Account{Name: "Novak GmbH"}, Value: "100"})
	b := newBrowser(t, app)
	b.loginAs(admin)
	file := "Record ID,First Name,Last Name,Email,Phone Number,Associated Company,Create Date\r\n" +
		"5010001,Petra,Novak,petra@novak.example,030 7654321,Novak GmbH,2025-11-03 09:15\r\n" +
		"5010002,Lena,Berger,lena@berger.example,+43 1 555 0102,Berger AG,2025-12-01 14:05\r\n" +
		"5010003,Tom,Weiss,tom@weiss.example,,Novak GmbH,2026-01-10 10:00\r\n"
	path := filepath.Join(t.TempDir(), "hubspot-contacts.csv")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	both := func(name string) {
		t.Helper()
		b.run(chromedp.EmulateViewport(1366, 900))
		b.screenshot(name + "-1366")
		b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.screenshot(name + "-390")
		b.run(chromedp.EmulateViewport(1366, 900))
	}
	b.run(
		chromedp.Navigate(b.url("/admin/import")),
		chromedp.WaitVisible("#file", chromedp.ByQuery),
		chromedp.SetUploadFiles("#file", []string{path}, chromedp.ByQuery),
	)
	both("import-contacts-upload")
	b.run(
		chromedp.Submit("#file", chromedp.ByQuery),
		chromedp.WaitVisible("table.import-mapping", chromedp.ByQuery),
	)
	if got := b.text(".import-kind"); !strings.Contains(got, "This file holds: Contacts.") {
		t.Fatalf("kind: %q", got)
	}
	for col, want := range map[string]string{"0": "external_id", "1": "first_name", "2": "last_name", "3": "email", "4": "phone",
		"5": "account", "6": "created_at"} {
		if got := b.eval(`document.querySelector('select[name="col.` + col + `"]').value`); got != want {
			t.Errorf("column %s mapped to %q, want %q", col, got, want)
		}
	}
	both("import-contacts-mapping")
	b.run(
		chromedp.Submit("#date_order", chromedp.ByQuery),
		chromedp.WaitVisible("#preview", chromedp.ByQuery),
	)
	preview := b.text("#preview")
	for _, want := range []string{"3 rows: 2 contacts will be created, 0 updated, 1 row skipped.",
		"No account of yours has this ID, e-mail or name", "petra@novak.example"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	both("import-contacts-preview-errors")
	b.run(
		clickJS("#create_accounts"),
		chromedp.Submit("#date_order", chromedp.ByQuery),
		chromedp.WaitVisible(`#preview form button`, chromedp.ByQuery),
	)
	if got := b.text(".import-counts"); !strings.Contains(got, "3 contacts will be created") {
		t.Fatalf("preview with accounts created: %q", got)
	}
	both("import-contacts-preview")
	b.run(
		chromedp.Submit(`#preview form button`, chromedp.ByQuery),
		chromedp.WaitVisible(".import-progress, .import-result", chromedp.ByQuery),
	)
	app.srv.WaitImports()
	b.run(
		chromedp.Reload(),
		chromedp.WaitVisible(".import-result", chromedp.ByQuery),
	)
	if got := b.text(".import-result"); !strings.Contains(got, "3 contacts created, 0 updated, 0 rows rejected.") {
		t.Fatalf("result: %q", got)
	}
	both("import-contacts-result")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE a.name = 'Novak GmbH'`); n != 2 {
		t.Errorf("%d contacts on the existing account", n)
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM accounts`); n != 2 {
		t.Errorf("%d accounts", n)
	}
}
