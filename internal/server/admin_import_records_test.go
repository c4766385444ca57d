package server

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestImportRecordsJourney: an accounts file is told from its header,
// mapped, previewed, written and undone; a contacts file, chosen as such,
// refuses a row whose account is unknown until missing accounts are to be
// created; an import whose records changed since cannot be undone.
func TestImportRecordsJourney(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Records Co")
	c := app.client()
	c.login(admin)

	accounts := "id,name,email,phone,address,created_at\r\n" +
		"11,Novak GmbH,info@novak.example,+49 30 1234567,Hauptstraße 4,2025-01-05T09:00:00Z\r\n" +
		"12,Berger AG,,,,2025-02-01T08:00:00Z\r\n"
	id := uploaded(t, c.upload("accounts.csv", []byte(accounts), nil))
	page := c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "This file holds: Accounts.", `<option value="external_id" selected`, `<option value="address" selected`)
	mustNotContain(t, page.body, `name="create_sources"`, `name="create_accounts"`, `value="note"`)
	if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, admin, id, nil)); res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 rows: 2 accounts will be created, 0 updated, 0 rows skipped.", "Novak GmbH", "info@novak.example",
		"Import: create 2, update 0")
	if res := c.post(fmt.Sprintf("/admin/import/%d/commit", id), url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("commit: %d %s", res.status, res.body)
	}
	app.srv.WaitImports()
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 accounts created, 0 updated, 0 rows rejected.", "Undo this import", "Removes the accounts and contacts")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM accounts WHERE external_id IN ('11', '12') AND import_id IS NOT NULL`); n != 2 {
		t.Fatalf("%d accounts imported", n)
	}
	if res := c.post(fmt.Sprintf("/admin/import/%d/undo", id), url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("undo: %d %s", res.status, res.body)
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM accounts`); n != 0 {
		t.Fatalf("%d accounts after undo", n)
	}

	// Contacts, chosen as such; an unknown account refused, then created.
	contacts := "Name,E-mail address,Company\r\nLena Berger,lena@berger.example,Berger AG\r\nBad Mail,bad@,Berger AG\r\n"
	id = uploaded(t, c.upload("people.csv", []byte(contacts), map[string]string{"kind": "contacts"}))
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "This file holds: Contacts.", `name="create_accounts"`)
	if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), mappingForm(t, app, admin, id, nil)); res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "0 contacts will be created", "No account of yours has this ID, e-mail or name", "The file has problems")
	form := mappingForm(t, app, admin, id, url.Values{"create_accounts": {"1"}, "valid_only": {"1"}})
	if res := c.post(fmt.Sprintf("/admin/import/%d/preview", id), form); res.status != http.StatusSeeOther {
		t.Fatalf("preview: %d %s", res.status, res.body)
	}
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "2 rows: 1 contact will be created, with 1 new account, 0 updated, 1 row skipped.", "E-mail")
	if res := c.post(fmt.Sprintf("/admin/import/%d/commit", id), url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("commit: %d %s", res.status, res.body)
	}
	app.srv.WaitImports()
	page = c.get(fmt.Sprintf("/admin/import/%d", id))
	mustContain(t, page.body, "1 contact created, 0 updated, 1 row rejected.", "Download the rejected rows")
	rejected := c.get(fmt.Sprintf("/admin/import/%d/rejected.csv", id))
	mustContain(t, rejected.body, "Bad Mail", "E-mail address: ")
	account := scalar[int64](t, app, admin, `SELECT account_id FROM contacts WHERE email = 'lena@berger.example'`)
	if name := scalar[string](t, app, admin, `SELECT name FROM accounts WHERE id = $1`, account); name != "Berger AG" {
		t.Errorf("the contact's account: %q", name)
	}
	// An account of the import edited since: no undo.
	app.db.EditAccount(t, admin, account, crm.Account{Name: "Berger Solar AG"})
	res := c.post(fmt.Sprintf("/admin/import/%d/undo", id), url.Values{})
	if res.status != http.StatusConflict {
		t.Fatalf("undo after a change: %d", res.status)
	}
	mustContain(t, res.body, "A record of this import has changed since")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM contacts`); n != 1 {
		t.Errorf("%d contacts after a refused undo", n)
	}
}
