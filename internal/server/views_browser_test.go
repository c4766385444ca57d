package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
)

// TestBrowserSoldAndArchivedViews: at desktop and phone width a manager
// finds a sold project in the Sold view, the archived ones in the Archived
// view with their reason and archive date, narrows that view by reason, and
// is offered Reopen as a bulk action there but not in Active; in Chinese, a
// bulk Reopen from the Archived view brings a project back.
func TestBrowserSoldAndArchivedViews(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Review Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Rhea Rep")
	now := time.Now().UTC()
	names, _, err := app.db.PickLists(context.Background(), admin.TenantID)
	if err != nil || len(names.Reasons) < 2 {
		t.Fatalf("archive reasons: %v", err)
	}
	first, second := names.Reasons[0], names.Reasons[1]
	app.project(t, rep, "Open roof", now.Add(-time.Hour))
	archive := func(title string, reason int64) int64 {
		id := app.project(t, rep, title, now.AddDate(0, 0, -5))
		act := crm.Actor{Viewer: crm.Viewer{TenantID: rep.TenantID, UserID: rep.ID, Role: rep.Role}, Now: now, Loc: time.UTC}
		if _, err := app.db.ChangeProject(context.Background(), act.Viewer, crm.ProjectID(id), func(p crm.Project, s crm.Setup) (crm.Change, error) {
			return crm.DecideArchive(p, s.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: reason}, act)
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	lostA := archive("Lost roof A", int64(first.ID))
	lostB := archive("Lost roof B", int64(second.ID))
	won := app.project(t, rep, "Won roof", now.AddDate(0, 0, -20))
	app.complete(t, rep, won, scalar[int64](t, app, admin, `SELECT id FROM milestone_defs WHERE won`), now.Add(-time.Hour))
	if err := app.db.Refresh(context.Background(), admin.TenantID); err != nil {
		t.Fatal(err)
	}
	titles := func(b *browser) string {
		var s string
		b.run(chromedp.Evaluate(`[...document.querySelectorAll(".sales-table tbody tr td a")].map(a => a.textContent.trim()).filter(s => s.includes("roof")).join("|")`, &s))
		return s
	}
	actions := func(b *browser) string {
		var s string
		b.run(chromedp.Evaluate(`[...document.querySelectorAll("#bulk-action option")].map(o => o.value).join(",")`, &s))
		return s
	}

	for _, size := range []struct {
		name  string
		setup chromedp.Action
		width int
	}{{"desktop", desktop(), 1366}, {"phone", phone(), 390}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, app)
			b.run(size.setup)
			b.login(admin)
			wide := func(page string) {
				t.Helper()
				var sw int
				b.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw))
				if sw > size.width {
					t.Errorf("%s is %d px wide on a %d px screen", page, sw, size.width)
				}
			}
			b.run(chromedp.Navigate(b.url("/?view=active")), loaded(), chromedp.WaitVisible(".sales-table", chromedp.ByQuery))
			if got := titles(b); got != "Open roof" {
				t.Errorf("Active lists %q", got)
			}
			if a := actions(b); strings.Contains(a, crm.BulkReopen) || !strings.Contains(a, crm.BulkArchive) {
				t.Errorf("Active offers the bulk actions %q", a)
			}

			b.follow(clickJS(`nav.views a[href*="view=sold"]`))
			if got := titles(b); got != "Won roof" {
				t.Errorf("Sold lists %q", got)
			}
			if got := b.text(fmt.Sprintf("#p-%d", won)); !strings.Contains(got, englishDate(now)) {
				t.Errorf("the sold row %q lacks the date it was sold, %s", got, englishDate(now))
			}
			wide("the Sold view")
			b.screenshot("view-sold-" + size.name)

			b.follow(clickJS(`nav.views a[href*="view=archived"]`))
			if got := titles(b); !strings.Contains(got, "Lost roof A") || !strings.Contains(got, "Lost roof B") || strings.Contains(got, "Open") {
				t.Errorf("Archived lists %q", got)
			}
			var heads string
			b.run(chromedp.Evaluate(`document.querySelector(".sales-table thead").textContent`, &heads))
			if !strings.Contains(heads, "Archive reason") || !strings.Contains(heads, "Archived") {
				t.Errorf("the Archived view's columns are %q", heads)
			}
			row := b.text(fmt.Sprintf("#p-%d", lostA))
			if !strings.Contains(row, first.Name) || !strings.Contains(row, englishDate(now)) || strings.Contains(row, "due") {
				t.Errorf("the archived row says %q, want its reason %q and date %s and no due date", row, first.Name, englishDate(now))
			}
			if a := actions(b); !strings.Contains(a, crm.BulkReopen) || strings.Contains(a, crm.BulkArchive) {
				t.Errorf("Archived offers the bulk actions %q", a)
			}
			var fields int
			b.run(chromedp.Evaluate(`document.querySelectorAll("#bulk-reason, #bulk-until").length`, &fields))
			if fields != 0 {
				t.Errorf("Archived offers neither Archive nor Defer but shows their fields")
			}
			wide("the Archived view")
			b.screenshot("view-archived-" + size.name)

			if size.name == "phone" {
				b.run(clickJS("#filters-toggle"), chromedp.WaitVisible("#f-reason", chromedp.ByQuery))
			}
			b.selectByText("#f-reason", second.Name)
			b.follow(clickJS(`#filters button[type="submit"]`))
			if got := titles(b); got != "Lost roof B" {
				t.Errorf("Archived filtered by %q lists %q", second.Name, got)
			}
			b.screenshot("view-archived-by-reason-" + size.name)
		})
	}

	// In Chinese: the Archived view's column and a bulk Reopen.
	if err := app.db.UpdateAccount(context.Background(), admin.TenantID, admin.ID, admin.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app)
	b.run(desktop())
	b.login(admin)
	b.run(chromedp.Navigate(b.url("/?view=archived")), loaded(), chromedp.WaitVisible(".sales-table", chromedp.ByQuery))
	var heads string
	b.run(chromedp.Evaluate(`document.querySelector(".sales-table thead").textContent`, &heads))
	if !strings.Contains(heads, "归档原因") || !strings.Contains(heads, "归档日期") {
		t.Errorf("the Archived view's columns in Chinese are %q", heads)
	}
	b.run(clickJS(fmt.Sprintf(`#p-%d input[name="id"]`, lostB)))
	b.selectByText("#bulk-action", "重新打开")
	b.follow(clickJS(`#bulk-form .bulk-controls button[type="submit"]`))
	if got := b.text(".flash"); !strings.Contains(got, "已重新打开 1 个项目") {
		t.Errorf("after the bulk Reopen the flash says %q", got)
	}
	if got := titles(b); strings.Contains(got, "Lost roof B") {
		t.Errorf("the reopened project is still in Archived: %q", got)
	}
	b.screenshot("view-archived-reopened-desktop-zh")
	b.run(chromedp.Navigate(b.url("/?view=active")), loaded(), chromedp.WaitVisible(fmt.Sprintf("#p-%d", lostB), chromedp.ByQuery))
}

// englishDate is t as the English pages write a date ("Dec 2, 2026").
func englishDate(t time.Time) string { return t.Format("Jan 2, 2006") }
