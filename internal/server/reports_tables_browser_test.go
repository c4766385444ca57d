package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/pipewell/pipewell/internal/postgres"
)

// TestBrowserSalesReports: an admin opens the Forecast, Commission,
// Referral, Sales performance and Probability calibration reports from
// the reports index, follows a commission line to the deals behind it and
// downloads a table; then the same reports in Chinese. Each step is saved
// as a screenshot (screenshots/report-*.png).
func TestBrowserSalesReports(t *testing.T) {
	t.Parallel()
	f, period := salesReportsFixture(t)
	b := newBrowser(t, f.app)
	b.loginAs(f.admin)
	for _, slug := range []string{"forecast", "commission", "referral", "performance", "calibration"} {
		b.run(chromedp.Navigate(b.url("/reports")), chromedp.WaitVisible(`a[href="/reports/`+slug+`"]`, chromedp.ByQuery),
			clickJS(`a[href="/reports/`+slug+`"]`), chromedp.WaitVisible(".report-table", chromedp.ByQuery))
		if slug == "commission" || slug == "referral" || slug == "performance" {
			b.run(chromedp.Navigate(b.url("/reports/"+slug+"?"+period)), chromedp.WaitVisible(".report-table", chromedp.ByQuery))
		}
		if got := b.text("#report-whose"); got != "All projects of your company." {
			t.Errorf("%s: whose %q", slug, got)
		}
		b.screenshot("report-" + slug + "-en")
	}
	// A commission line, then the deals behind it: they add up to it.
	b.run(chromedp.Navigate(b.url("/reports/commission?"+period)), chromedp.WaitVisible("#owners", chromedp.ByQuery))
	line := b.text("#owners tfoot")
	b.run(clickJS(`#owners tfoot a[href*="/reports/commission/projects"]`), chromedp.WaitVisible("#drill-table", chromedp.ByQuery))
	if got := b.text("#drill-count"); got != "2 projects" {
		t.Errorf("drill-down %q for the line %q", got, line)
	}
	if total := b.text("#drill-table tfoot"); !strings.Contains(total, "17,000.00") || !strings.Contains(line, "17,000.00") {
		t.Errorf("drill-down total %q, line %q", total, line)
	}
	b.screenshot("report-commission-drill-en")
	// The download link is the table's CSV, fetched as the browser would (its
	// text decoder drops the BOM, which the HTTP tests check).
	var csv string
	b.run(chromedp.Navigate(b.url("/reports/commission?"+period)), chromedp.WaitVisible("#owners", chromedp.ByQuery),
		chromedp.Evaluate(`fetch(document.querySelector("#owners + .download a").href).then(r => r.text())`, &csv,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if !strings.HasPrefix(strings.TrimPrefix(csv, "\uFEFF"), "owner,rate_percent,deals_sold,sold_value,commission\r\n") || !strings.Contains(csv, "Total,,2,17000.00,1350.00") {
		t.Errorf("commission CSV %q", csv)
	}
	// In Chinese.
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET locale = 'zh-Hans' WHERE tenant_id = $1 AND id = $2`, tx.Tenant, f.admin.ID)
		return err
	})
	for _, slug := range []string{"forecast", "commission", "referral", "performance", "calibration"} {
		b.run(chromedp.Navigate(b.url("/reports/"+slug+"?"+period)), chromedp.WaitVisible(".report-table", chromedp.ByQuery))
		if got := b.text("#report-whose"); strings.Contains(got, "All projects") {
			t.Errorf("%s: not translated: %q", slug, got)
		}
		b.screenshot("report-" + slug + "-zh")
	}
}
