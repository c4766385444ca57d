package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
)

// TestBrowserImportJourney: an admin uploads a HubSpot export, sees its
// columns mapped, previews it with its problems by line and column, uploads
// the fixed file, previews it, imports it, follows the progress to the
// result. Screenshots of each step.
func TestBrowserImportJourney(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{ImportDir: t.TempDir()})
	admin := app.db.Tenant(t, "Brightside Energy")
	rep := app.db.User(t, admin, crm.RoleSales, "Rita Rep")
	b := newBrowser(t, app)
	b.loginAs(admin)
	dir := t.TempDir()
	bad := fmt.Sprintf("Deal Name;Amount;Deal owner;Create Date;Deal Stage;Closed Lost Reason;Associated Company\r\n"+
		"Roof Novak;1.234,56;%[1]s;05.01.2026 09:00;Closed Lost;No budget;Novak GmbH\r\n"+
		"Carport Berger;12x;nobody@else.example;06.01.2026 10:00;Appointment scheduled;;Berger AG\r\n"+
		"Heat pump Weber;4.900,00;%[1]s;07.01.2026 11:00;Closed Lost;;Weber KG\r\n", rep.Email)
	good := strings.NewReplacer("12x", "800", "nobody@else.example", rep.Email, "Closed Lost;;Weber", "Closed Lost;Duplicate;Weber").Replace(bad)
	upload := func(name, content string) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		b.run(
			chromedp.Navigate(b.url("/admin/import")),
			chromedp.WaitVisible("#file", chromedp.ByQuery),
			chromedp.SetUploadFiles("#file", []string{path}, chromedp.ByQuery),
		)
		b.screenshot("import-upload")
		b.run(
			chromedp.Submit("#file", chromedp.ByQuery),
			chromedp.WaitVisible("table.import-mapping", chromedp.ByQuery),
		)
	}
	upload("hubspot-deals.csv", bad)
	if got := b.eval(`document.querySelector('select[name="col.0"]').value`); got != "title" {
		t.Fatalf("Deal Name is mapped to %q", got)
	}
	b.screenshot("import-mapping")
	b.run(
		chromedp.Submit("#date_order", chromedp.ByQuery),
		chromedp.WaitVisible("#preview", chromedp.ByQuery),
	)
	preview := b.text("#preview")
	for _, want := range []string{"3 rows: 1 project will be created, 0 updated, 2 rows skipped.", "Not an amount",
		"No user of your company has this e-mail address or name.", "Archived without an archive reason."} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	b.screenshot("import-preview-errors")

	upload("hubspot-deals-fixed.csv", good)
	b.run(
		chromedp.Submit("#date_order", chromedp.ByQuery),
		chromedp.WaitVisible(`#preview form button`, chromedp.ByQuery),
	)
	if got := b.text(".import-counts"); !strings.Contains(got, "3 projects will be created") {
		t.Fatalf("fixed preview: %q", got)
	}
	b.screenshot("import-preview")
	b.run(
		chromedp.Submit(`#preview form button`, chromedp.ByQuery),
		chromedp.WaitVisible(".import-progress, .import-result", chromedp.ByQuery),
	)
	b.screenshot("import-progress")
	app.srv.WaitImports()
	b.run(
		chromedp.Reload(),
		chromedp.WaitVisible(".import-result", chromedp.ByQuery),
	)
	if got := b.text(".import-result"); !strings.Contains(got, "3 projects created, 0 updated, 0 rows rejected.") {
		t.Fatalf("result: %q", got)
	}
	b.screenshot("import-result")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM projects WHERE owner_id = $1`, rep.ID); n != 3 {
		t.Errorf("%d projects imported for the rep", n)
	}
}
