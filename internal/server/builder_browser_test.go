package server

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// desktop sets the browser to a 1366 × 900 screen.
func desktop() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetDeviceMetricsOverride(1366, 900, 1, false).Do(ctx)
	})
}

// TestBrowserReportBuilder: a manager builds a detail report (adds a
// column, filters by state and value, sorts by value) and saves it shared;
// a salesperson opens it from the index and sees only their projects; a
// summary by owner × pending milestone shows its chart and pivot and a
// cell drills down to its projects. Screenshots at 1366 × 900 and 390 × 844.
func TestBrowserReportBuilder(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	b := newBrowser(t, f.app)
	b.login(f.manager)
	b.run(desktop(), chromedp.Navigate(b.url("/reports")), chromedp.WaitVisible(`a[href="/reports/new?kind=detail"]`, chromedp.ByQuery),
		clickJS(`a[href="/reports/new?kind=detail"]`), chromedp.WaitVisible("#builder-table", chromedp.ByQuery))
	// Add a column and set filters; with htmx each change reruns the report.
	b.run(chromedp.Evaluate(`const a = document.querySelector('#add'); a.value = 'weighted'; a.dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.WaitVisible(`#builder-columns li:nth-child(8)`, chromedp.ByQuery))
	b.run(chromedp.Evaluate(`for (const [k, v] of [['state', 'active'], ['vmin', '1000'], ['s1', 'value'], ['d1', 'desc']]) document.getElementById(k).value = v;
		document.querySelector('#builder-form').removeAttribute('hx-get'); document.querySelector('#builder-run').click()`, nil),
		chromedp.WaitVisible("#builder-table", chromedp.ByQuery), chromedp.WaitReady(`select#s1 option[value="value"][selected]`, chromedp.ByQuery))
	table := b.text("#builder-table")
	if !strings.Contains(table, "Rita roof") || strings.Contains(table, "Rita barn") || strings.Contains(table, "Sam roof") {
		t.Errorf("the manager's filtered report: %q", table)
	}
	if !strings.Contains(b.text("#builder-columns"), "Weighted value") {
		t.Error("the added column is not listed")
	}
	b.screenshot("builder-detail")
	b.run(chromedp.Evaluate(`document.getElementById('name').value = 'Team pipeline by value'; document.getElementById('shared').checked = true;
		document.getElementById('builder-save-button').click()`, nil), chromedp.WaitVisible("#saved-name", chromedp.ByQuery))
	if got := b.text("#saved-name"); got != "Team pipeline by value" {
		t.Fatalf("saved report title %q", got)
	}
	b.screenshot("builder-saved")

	// A salesperson opens it from the index: only their projects.
	rb := newBrowser(t, f.app)
	rb.login(f.rita)
	rb.run(desktop(), chromedp.Navigate(rb.url("/reports")), chromedp.WaitVisible(".report-list", chromedp.ByQuery))
	rb.screenshot("builder-index-sales")
	rb.run(chromedp.Evaluate(`[...document.querySelectorAll('.report-list a')].find(a => a.textContent === 'Team pipeline by value').click()`, nil),
		chromedp.WaitVisible("#saved-name", chromedp.ByQuery))
	if got := rb.text("#saved-name"); got != "Team pipeline by value" {
		t.Fatalf("rita opened %q", got)
	}
	got := rb.text("#builder-table")
	if !strings.Contains(got, "Rita roof") || strings.Contains(got, "Mona") || strings.Contains(got, "Sam") {
		t.Errorf("rita's view of the shared report: %q", got)
	}
	rb.screenshot("builder-shared-sales")
	rb.run(phone(), chromedp.Reload(), chromedp.WaitVisible("#builder-table", chromedp.ByQuery))
	rb.screenshot("builder-shared-sales-phone")

	// A summary by owner × pending milestone with its chart, and a drill-down.
	b.run(chromedp.Navigate(b.url("/reports/new?kind=summary&dim1=owner&dim2=pending&m=count")),
		chromedp.WaitVisible("#builder-pivot", chromedp.ByQuery), chromedp.WaitVisible("figure.chart svg", chromedp.ByQuery))
	b.screenshot("builder-summary")
	b.run(clickJS(`#builder-pivot tfoot td:last-child a`), chromedp.WaitVisible("#builder-table", chromedp.ByQuery))
	if rows := b.eval(`String(document.querySelectorAll('#builder-table tbody tr').length)`); rows != "4" {
		t.Errorf("the total's drill-down lists %s projects, want 4 (Rita's three and Mona's)", rows)
	}
	b.screenshot("builder-summary-drill")
	b.run(phone(), chromedp.Navigate(b.url("/reports/new?kind=summary&dim1=owner&dim2=pending&m=count")),
		chromedp.WaitVisible("#builder-pivot", chromedp.ByQuery))
	b.screenshot("builder-summary-phone")
}

// TestBrowserBuilderSortAndCap: a detail report sorted by lead source and
// then by days in stage, and a summary by referrer × created week with
// more referrers and weeks than a summary shows (its Other row and column
// and the note saying so). Screenshots at 1366 × 900 and 390 × 844.
func TestBrowserBuilderSortAndCap(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	f.referred(t, 57)
	b := newBrowser(t, f.app)
	b.login(f.admin)
	detail := "/reports/new?cols=title,source,referrer,days_in_stage,age&s1=referrer&d1=desc&s2=days_in_stage&d2=desc"
	b.run(desktop(), chromedp.Navigate(b.url(detail)), chromedp.WaitVisible("#builder-table", chromedp.ByQuery))
	if !strings.Contains(b.text("#builder-sort-note"), "cannot be sorted") {
		t.Error("the sort menu does not say which columns cannot be sorted by")
	}
	if first := b.text("#builder-table tbody tr:first-child"); !strings.Contains(first, "Ref big") {
		t.Errorf("sorted by referrer, descending, the first row is %q", first)
	}
	b.screenshot("builder-detail-sorted")
	summary := "/reports/new?kind=summary&dim1=referrer&dim2=created_week&m=count&chart=none"
	b.run(chromedp.Navigate(b.url(summary)), chromedp.WaitVisible("#builder-pivot", chromedp.ByQuery))
	if !strings.Contains(b.text("#builder-note"), "Other") || !strings.Contains(strings.ToLower(b.text("#builder-pivot thead")), "other") {
		t.Error("the capped summary has no Other column or no note")
	}
	b.screenshot("builder-summary-capped")
	b.run(phone(), chromedp.Navigate(b.url(summary)), chromedp.WaitVisible("#builder-pivot", chromedp.ByQuery))
	b.screenshot("builder-summary-capped-phone")
	b.run(chromedp.Navigate(b.url(detail)), chromedp.WaitVisible("#builder-table", chromedp.ByQuery))
	b.screenshot("builder-detail-sorted-phone")
}
