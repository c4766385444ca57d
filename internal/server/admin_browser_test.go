package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// loginAs signs u in through the log-in form.
func (b *browser) loginAs(u crm.User) {
	b.t.Helper()
	b.run(
		chromedp.Navigate(b.url("/login")),
		chromedp.WaitVisible("#email", chromedp.ByQuery),
		chromedp.SendKeys("#email", u.Email, chromedp.ByQuery),
		chromedp.SendKeys("#password", "correct horse battery", chromedp.ByQuery),
		chromedp.Submit("#email", chromedp.ByQuery),
		chromedp.WaitVisible(".topbar .who", chromedp.ByQuery),
	)
}

// eval returns the string value of a JavaScript expression on the page (read
// in one step, so a page that was just replaced cannot leave a stale node).
func (b *browser) eval(expr string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(expr, &s))
	return s
}

// siteSurveyJourney is the admin half of the journey: an admin adds "Site
// survey" between Lead qualified and Proposed with a 3-day deadline, 40 %
// and an event template, through the browser. It returns the salesperson,
// their project (Lead qualified completed 4 days ago) and the new milestone.
func siteSurveyJourney(t *testing.T, app *testApp, b *browser) (crm.User, int64, int64) {
	t.Helper()
	admin := app.db.Tenant(t, "Brightside Energy")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam Seller")
	now := time.Now().UTC()
	project := app.project(t, sales, "Rooftop PV, Miller family", now.Add(-5*24*time.Hour))
	app.complete(t, sales, project, milestoneID(t, app, admin, "Lead qualified"), now.Add(-4*24*time.Hour))

	b.loginAs(admin)
	b.run(chromedp.Navigate(b.url("/admin/milestones")), chromedp.WaitVisible("#add-milestone", chromedp.ByQuery))
	b.screenshot("admin-milestones")
	qualified := milestoneID(t, app, admin, "Lead qualified")
	b.run(
		chromedp.SetValue("#after", fmt.Sprint(qualified), chromedp.ByQuery),
		chromedp.SendKeys("#name", "Site survey", chromedp.ByQuery),
		chromedp.SendKeys("#criteria", "Roof measured, photos and meter reading uploaded.", chromedp.ByQuery),
		chromedp.SendKeys("#deadline_days", "3", chromedp.ByQuery),
		chromedp.SendKeys("#probability", "140", chromedp.ByQuery), // a mistake first
		chromedp.SendKeys("#event_title", "Site visit", chromedp.ByQuery),
		chromedp.SendKeys("#event_days", "2", chromedp.ByQuery),
		clickJS("#add-milestone button[type=submit]"),
		chromedp.WaitVisible("#probability-error", chromedp.ByQuery),
	)
	name := b.eval(`document.querySelector("#name").value`)
	if name != "Site survey" {
		t.Fatalf("name not kept after a validation error: %q", name)
	}
	b.screenshot("admin-milestone-error")
	b.run(
		chromedp.SetValue("#probability", "40", chromedp.ByQuery),
		clickJS("#add-milestone button[type=submit]"),
		chromedp.WaitVisible("#milestone-preview", chromedp.ByQuery),
	)
	// Before saving, the admin is told what it changes for open projects.
	mustContain(t, b.eval(`document.querySelector("#milestone-preview").innerText`), "it becomes the next step of 1")
	b.screenshot("admin-milestone-preview")
	b.run(
		clickJS("#add-milestone button[type=submit]"),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	rows := b.eval(`document.querySelector("#milestone-order").innerText`)
	iq, is, ip := strings.Index(rows, "Lead qualified"), strings.Index(rows, "Site survey"), strings.Index(rows, "Proposed")
	if !(iq >= 0 && iq < is && is < ip) {
		t.Fatalf("Site survey is not between Lead qualified and Proposed:\n%s", rows)
	}
	mustContain(t, rows, "3 days after the previous milestone", "40 %", "Site visit")
	survey := milestoneID(t, app, admin, "Site survey")
	// The project now waits on Site survey: the pending column says so.
	pending := b.eval(fmt.Sprintf(`document.querySelector('tr[data-id="%d"] td.pending').innerText`, survey))
	if pending != "1" {
		t.Fatalf("pending on Site survey = %q, want 1", pending)
	}
	b.screenshot("admin-milestones-site-survey")
	// Keyboard / no-JS reordering: move it down and back up with the arrow buttons.
	down := fmt.Sprintf(`tr[data-id="%d"] button[value=down]`, survey)
	up := fmt.Sprintf(`tr[data-id="%d"] button[value=up]`, survey)
	// The flash of the last save is removed first, so waiting for a flash waits for the next page.
	noFlash := chromedp.Evaluate(`document.querySelectorAll(".flash").forEach(e => e.remove())`, nil)
	b.run(noFlash, chromedp.Focus(down, chromedp.ByQuery), chromedp.KeyEvent("\r"), chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Proposed → Site survey → Sold" {
		t.Fatalf("after moving down: %s", got)
	}
	b.run(noFlash, clickJS(up), chromedp.WaitVisible(".flash", chromedp.ByQuery))
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Site survey → Proposed → Sold" {
		t.Fatalf("after moving back up: %s", got)
	}
	return sales, project, survey
}

// pendingDue evaluates the project with the pipeline engine: the pending
// milestone's name and due time.
func pendingDue(t *testing.T, app *testApp, u crm.User, project int64) (string, time.Time) {
	t.Helper()
	var defs []pipeline.MilestoneDef
	names := map[int64]string{}
	var p pipeline.Project
	app.sql(t, u, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, position, COALESCE(deadline_days, 0), deadline_from, probability, qualifying, won, active
			FROM milestone_defs WHERE tenant_id = $1`, u.TenantID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d pipeline.MilestoneDef
			var name, from string
			if err := rows.Scan(&d.ID, &name, &d.Position, &d.DeadlineDays, &from, &d.Probability, &d.Qualifying, &d.Won, &d.Active); err != nil {
				return err
			}
			if from == "created" {
				d.DeadlineFrom = pipeline.FromCreation
			}
			names[d.ID] = name
			defs = append(defs, d)
		}
		rows.Close()
		if err := tx.QueryRow(ctx, `SELECT created_at FROM projects WHERE id = $1`, project).Scan(&p.CreatedAt); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT milestone_id, completed_at FROM milestone_completions WHERE project_id = $1`, project)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c pipeline.Completion
			_ = rows.Scan(&c.MilestoneID, &c.At)
			p.Completions = append(p.Completions, c)
		}
		return rows.Err()
	})
	p.State = pipeline.StateActive
	e, err := pipeline.NewEngine(defs, pipeline.Settings{Location: time.UTC, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f := e.Facts(&p)
	if f.Pending < 0 || !f.HasDue {
		t.Fatalf("no pending milestone with a due date: %+v", f)
	}
	return names[e.Milestones()[f.Pending].ID], f.PendingDue
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TestBrowserSiteSurveyJourney is the administration journey with a
// database-level check of its effect on a project: after "Site survey" is
// added, a project that completed Lead qualified waits on it (due 3 days
// after), and once Site survey is completed the due date of Proposed counts
// from that completion. The event template is stored as typed. The same
// journey through the project workspace is
// TestBrowserSiteSurveyCompletedOnWorkspace.
func TestBrowserSiteSurveyJourney(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	b := newBrowser(t, app)
	sales, project, survey := siteSurveyJourney(t, app, b)

	qualifiedAt := scalar[time.Time](t, app, sales, `SELECT c.completed_at FROM milestone_completions c JOIN milestone_defs d
		ON d.tenant_id = c.tenant_id AND d.id = c.milestone_id WHERE c.project_id = $1 AND d.name = 'Lead qualified'`, project)
	name, due := pendingDue(t, app, sales, project)
	if name != "Site survey" || !due.Equal(day(qualifiedAt).AddDate(0, 0, 3)) {
		t.Fatalf("before completion: pending %s due %s, want Site survey due %s", name, due, day(qualifiedAt).AddDate(0, 0, 3))
	}
	// Before Site survey existed, Proposed was due 14 days after Lead qualified.
	proposedBefore := day(qualifiedAt).AddDate(0, 0, 14)

	// The salesperson completes Site survey (recorded directly: the workspace
	// is another screen).
	completedAt := time.Now().UTC().Add(-1 * time.Hour).Truncate(time.Second)
	app.complete(t, sales, project, survey, completedAt)
	name, due = pendingDue(t, app, sales, project)
	if want := day(completedAt).AddDate(0, 0, 14); name != "Proposed" || !due.Equal(want) {
		t.Fatalf("after completion: pending %s due %s, want Proposed due %s", name, due, want)
	}
	if !due.After(proposedBefore) {
		t.Fatalf("the due date of Proposed did not move: %s (was %s)", due, proposedBefore)
	}
	// The event template the workspace turns into a scheduled event.
	var title string
	var days int
	app.sql(t, sales, func(ctx context.Context, tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT event_title, event_days FROM milestone_defs WHERE id = $1`, survey).Scan(&title, &days)
	})
	if title != "Site visit" || days != 2 {
		t.Fatalf("event template %q +%d days", title, days)
	}
	// Completions stay: nothing in the journey rewrote Lead qualified.
	if got := scalar[time.Time](t, app, sales, `SELECT c.completed_at FROM milestone_completions c JOIN milestone_defs d
		ON d.tenant_id = c.tenant_id AND d.id = c.milestone_id WHERE c.project_id = $1 AND d.name = 'Lead qualified'`, project); !got.Equal(qualifiedAt) {
		t.Fatalf("Lead qualified completion moved: %s → %s", qualifiedAt, got)
	}
}

// TestBrowserSiteSurveyCompletedOnWorkspace is the whole journey: after the
// admin adds Site survey, the salesperson completes it on the project
// workspace and sees the scheduled event "Site visit" and the new due date of
// Proposed. It needs the project workspace routes (GET /projects/{id} and
// POST /projects/{id}/milestones/{milestoneID}/complete); in a build without
// them it is skipped.
func TestBrowserSiteSurveyCompletedOnWorkspace(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	if _, ok := accessTable["GET /projects/{id}"]; !ok {
		t.Skip("the project workspace is not part of this build")
	}
	b := newBrowser(t, app)
	sales, project, survey := siteSurveyJourney(t, app, b)
	// The salesperson, in their own browser, completes Site survey on the workspace.
	sb := newBrowser(t, app)
	sb.login(sales)
	sel := fmt.Sprintf("#milestone-%d", survey)
	sb.run(
		chromedp.Navigate(sb.url(fmt.Sprintf("/projects/%d", project))),
		chromedp.WaitVisible("#workspace", chromedp.ByQuery), loaded(),
		chromedp.Click(sel+" summary", chromedp.ByQuery),
		chromedp.WaitVisible(sel+" textarea[name=note]", chromedp.ByQuery),
		chromedp.SendKeys(sel+" textarea[name=note]", "Roof is fine.", chromedp.ByQuery),
		chromedp.Click(sel+" button.primary", chromedp.ByQuery),
		chromedp.WaitVisible(sel+".done", chromedp.ByQuery), loaded(),
	)
	completedAt := time.Now().UTC()
	page := sb.text("main")
	eventDay := completedAt.AddDate(0, 0, 2).Format("Jan 2, 2006")
	proposedDue := day(completedAt).AddDate(0, 0, 14).Format("Jan 2, 2006")
	mustContain(t, page, "Site visit", eventDay, "Proposed", proposedDue, "Roof is fine.")
	if n := scalar[int64](t, app, sales, `SELECT count(*) FROM scheduled_events WHERE project_id = $1 AND milestone_id = $2 AND title = 'Site visit'`,
		project, survey); n != 1 {
		t.Fatalf("scheduled events created: %d", n)
	}
	sb.screenshot("workspace-site-survey-completed")
}

// TestBrowserInviteAndAdminScreens: an admin invites a salesperson, the
// invitee opens the link in another browser, chooses a name and password and
// is signed in; the admin screens are captured along the way.
func TestBrowserInviteAndAdminScreens(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Brightside Energy")
	sam := app.db.User(t, admin, crm.RoleSales, "Sam Seller")
	app.db.User(t, admin, crm.RoleManager, "Mona Manager")
	b := newBrowser(t, app)
	b.loginAs(admin)
	b.run(
		chromedp.Navigate(b.url("/admin/users")),
		chromedp.WaitVisible("#invite", chromedp.ByQuery),
		chromedp.SendKeys("#email", "nina@brightside.example", chromedp.ByQuery),
		chromedp.SetValue("#role", "sales", chromedp.ByQuery),
		chromedp.Submit("#email", chromedp.ByQuery),
		chromedp.WaitVisible("#link", chromedp.ByQuery),
	)
	link := b.eval(`document.querySelector("#link").value`)
	if !strings.Contains(link, "/invite/") {
		t.Fatalf("link %q", link)
	}
	b.screenshot("admin-user-invited")

	guest := newBrowser(t, app)
	guest.run(
		chromedp.Navigate(link),
		chromedp.WaitVisible("#name", chromedp.ByQuery),
		chromedp.SendKeys("#name", "Nina Novak", chromedp.ByQuery),
		chromedp.SendKeys("#password", "sunny rooftops all year", chromedp.ByQuery),
		chromedp.SendKeys("#confirm", "sunny rooftops all year", chromedp.ByQuery),
	)
	guest.screenshot("invitation-accept")
	guest.run(chromedp.Submit("#name", chromedp.ByQuery), chromedp.WaitVisible(".topbar .who", chromedp.ByQuery))
	if who := guest.text(".topbar .who"); !strings.Contains(who, "Nina Novak") || !strings.Contains(who, "Sales") {
		t.Fatalf("after accepting: %q", who)
	}
	guest.run(chromedp.Navigate(b.url("/account")), chromedp.WaitVisible("#current", chromedp.ByQuery))
	guest.screenshot("my-account")

	// The other admin screens.
	year := time.Now().Year()
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO quotas (tenant_id, user_id, month, amount_cents) VALUES ($1, $2, make_date($3::int, 1, 1), 5000000)`,
			admin.TenantID, sam.ID, year)
		return err
	})
	for _, page := range []struct{ path, shot, wait string }{
		{"/admin/users", "admin-users", "#invite"},
		{"/admin/lists/reasons", "admin-archive-reasons", "tbody.sortable"},
		{"/admin/quotas", "admin-quotas", ".quota-grid"},
		{"/admin/settings", "admin-settings", "#time_zone"},
		{"/admin/audit", "admin-audit", ".audit"},
	} {
		b.run(chromedp.Navigate(b.url(page.path)), chromedp.WaitVisible(page.wait, chromedp.ByQuery))
		b.screenshot(page.shot)
	}
	b.run(
		chromedp.Navigate(b.url("/admin/workgroups")),
		chromedp.WaitVisible("#name", chromedp.ByQuery),
		chromedp.SendKeys("#name", "North", chromedp.ByQuery),
		chromedp.Submit("#name", chromedp.ByQuery),
		chromedp.WaitVisible("#user_id", chromedp.ByQuery),
		chromedp.SetValue("#user_id", fmt.Sprint(sam.ID), chromedp.ByQuery),
		chromedp.Submit("#user_id", chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
	)
	if got := b.eval(`document.querySelector("main table").innerText`); !strings.Contains(got, "Sam Seller") {
		t.Fatalf("members: %q", got)
	}
	b.screenshot("admin-workgroup")
}
