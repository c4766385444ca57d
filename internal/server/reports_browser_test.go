package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReports: a manager opens the reports from the menu, each
// built report (its chart drawn, its table with a total row), follows a
// number to the projects behind it and on to a workspace; then the same in
// Chinese. Screenshots of each are written.
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	b := newBrowser(t, f.app)
	b.login(f.manager)
	b.run(
		chromedp.Click(`nav a[href="/reports"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".report-list", chromedp.ByQuery),
	)
	b.screenshot("reports-index")
	for _, rep := range []struct{ path, shot, wait string }{
		{"/reports/pipeline", "report-pipeline", "#report-table tfoot tr.total"},
		{"/reports/funnel?period=last_12_months", "report-funnel-cohort", "#report-table tfoot tr.total"},
		{"/reports/funnel?period=last_12_months&view=activity", "report-funnel-activity", "#report-table tfoot tr.total"},
		{"/reports/steps?period=last_12_months", "report-steps", "#steps-target"},
		{"/reports/late", "report-late", "#late-list"},
		{"/reports/qualified", "report-qualified", "#qualified-list"},
		{"/reports/load", "report-load", "#report-table"},
	} {
		b.run(chromedp.Navigate(b.url(rep.path)), chromedp.WaitVisible(rep.wait, chromedp.ByQuery),
			chromedp.WaitVisible("figure.chart svg, #late-list, #qualified-list, #report-table", chromedp.ByQuery))
		if got := b.text("#report-whose"); !strings.Contains(got, "Workgroups you manage") {
			t.Errorf("%s: whose line %q", rep.path, got)
		}
		b.screenshot(rep.shot)
	}
	// A number of the pipeline leads to its projects, and on to a workspace.
	b.run(chromedp.Navigate(b.url("/reports/pipeline")), chromedp.WaitVisible("#report-table", chromedp.ByQuery),
		chromedp.Click(`#report-table tfoot a`, chromedp.ByQuery), chromedp.WaitVisible("#drill-table", chromedp.ByQuery))
	if got := b.text("#drill-count"); got != "4 projects" {
		t.Errorf("drill-down count %q, want 4 projects", got)
	}
	b.screenshot("report-drill-down")
	b.run(chromedp.Click(`#drill-table tbody a`, chromedp.ByQuery), chromedp.WaitVisible(".workspace, main h1", chromedp.ByQuery))
	if !strings.Contains(b.eval("location.pathname"), "/projects/") {
		t.Errorf("the drill-down's project link leads to %s", b.eval("location.pathname"))
	}
	// Bad filters come back beside the field, input kept.
	b.run(chromedp.Navigate(b.url("/reports/funnel?from=2026-05-01&to=2026-04-01")), chromedp.WaitVisible("#to-error", chromedp.ByQuery))
	b.screenshot("report-bad-filter")

	// In Chinese.
	if err := f.app.db.UpdateAccount(context.Background(), f.manager.TenantID, f.manager.ID, f.manager.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	for _, rep := range []struct{ path, shot string }{
		{"/reports", "reports-index-zh"}, {"/reports/pipeline", "report-pipeline-zh"},
		{"/reports/funnel?period=last_12_months", "report-funnel-zh"}, {"/reports/steps?period=last_12_months", "report-steps-zh"},
		{"/reports/late", "report-late-zh"}, {"/reports/qualified", "report-qualified-zh"}, {"/reports/load", "report-load-zh"},
	} {
		b.run(chromedp.Navigate(b.url(rep.path)), chromedp.WaitVisible("main h1", chromedp.ByQuery))
		b.screenshot(rep.shot)
	}
	if got := b.text("main h1"); got != "销售负荷" {
		t.Errorf("Chinese title %q", got)
	}
}
