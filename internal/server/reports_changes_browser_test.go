package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPipelineChanges: a manager opens the Pipeline changes report
// from the index, sees the waterfall and its table, follows the Won bar to
// its projects; on a phone and in Chinese too. Screenshots of each.
func TestBrowserPipelineChanges(t *testing.T) {
	t.Parallel()
	f, period := changesFixture(t)
	b := newBrowser(t, f.app)
	b.login(f.manager)
	b.run(chromedp.EmulateViewport(1366, 900), chromedp.Navigate(b.url("/reports")),
		chromedp.Click(`a[href="/reports/changes"]`, chromedp.ByQuery), chromedp.WaitVisible("#waterfall svg", chromedp.ByQuery))
	b.run(chromedp.Navigate(b.url("/reports/changes?"+period)), chromedp.WaitVisible("#changes tfoot tr.total", chromedp.ByQuery))
	if got := b.text("#changes tbody tr:nth-child(7) td:last-child"); got != "-$10,000.00" && got != "−$10,000.00" {
		t.Errorf("won row %q", got)
	}
	b.screenshot("report-changes")
	b.run(chromedp.Click(`#waterfall a[href*="step=won"]`, chromedp.ByQuery), chromedp.WaitVisible("#drill-table", chromedp.ByQuery))
	if got := b.text("#drill-count"); !strings.HasPrefix(got, "1 project") {
		t.Errorf("won drill-down %q", got)
	}
	b.screenshot("report-changes-drill")
	// The Pipeline report as of yesterday, from its own filter.
	b.run(chromedp.Navigate(b.url("/reports/pipeline?as_of="+time.Now().AddDate(0, 0, -1).Format(time.DateOnly))),
		chromedp.WaitVisible("#report-as-of", chromedp.ByQuery))
	b.screenshot("report-pipeline-as-of")
	b.run(chromedp.EmulateViewport(390, 844), chromedp.Navigate(b.url("/reports/changes?"+period)),
		chromedp.WaitVisible("#waterfall svg", chromedp.ByQuery))
	b.screenshot("report-changes-phone")
	if err := f.app.db.UpdateAccount(context.Background(), f.manager.TenantID, f.manager.ID, f.manager.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	b.run(chromedp.EmulateViewport(1366, 900), chromedp.Navigate(b.url("/reports/changes?"+period)),
		chromedp.WaitVisible("#waterfall svg", chromedp.ByQuery))
	if got := b.text("main h1"); got != "管道变化" {
		t.Errorf("Chinese title %q", got)
	}
	b.screenshot("report-changes-zh")
}
