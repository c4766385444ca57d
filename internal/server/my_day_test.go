package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestMyDay: a salesperson's day lists their late milestone, their overdue
// subtask and event, the new lead nobody has worked on and the deferred
// project back today — and nothing of another rep's; each can be done or
// opened in one click, and a completion from My day comes back to it.
func TestMyDay(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Daily Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Dora Day")
	other := app.db.User(t, admin, crm.RoleSales, "Otto Other")
	now := time.Now().UTC()
	late := app.project(t, rep, "Late roof", now.AddDate(0, 0, -10)) // Lead qualified due 2 days after: 8 days late
	app.project(t, other, "Other's late roof", now.AddDate(0, 0, -10))
	back := app.project(t, rep, "Back today", now.AddDate(0, 0, -30))
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET state = 'deferred', defer_until = $2 WHERE tenant_id = $1 AND id = $3`,
			tx.Tenant, crm.Today(now, time.UTC).Time(), back)
		return err
	})
	if err := app.db.Refresh(context.Background(), admin.TenantID); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	c.login(rep)
	ws := fmt.Sprintf("/projects/%d", late)
	qualified := milestoneID(t, app, admin, "Lead qualified")
	for path, form := range map[string]url.Values{
		ws + "/subtasks": {"subtask_title": {"Send the offer"}, "subtask_milestone_id": {fmt.Sprint(qualified)},
			"subtask_due": {now.AddDate(0, 0, -1).Format(time.DateOnly)}},
		ws + "/events": {"event_title": {"Call Mrs Late"}, "event_starts_at": {now.Add(-time.Hour).Format(crm.LocalTimeLayout)}},
	} {
		if res := c.post(path, form); res.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", path, res.status, res.body)
		}
	}
	a := app.client()
	a.login(admin)
	res := a.post("/projects/new", url.Values{"title": {"Fresh lead for Dora"}, "account_name": {"Fresh household"},
		"contact_name": {"Fritz"}, "owner_id": {fmt.Sprint(rep.ID)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("new lead: %d\n%s", res.status, res.body)
	}

	page := c.get("/my-day").body
	mustContain(t, page, `id="myday-milestones"`, "Late roof", ">8 days late</span>", `id="myday-subtasks"`, "Send the offer",
		`id="myday-events"`, "Call Mrs Late", `id="myday-untouched"`, "Fresh lead for Dora", `id="myday-back"`, "Back today")
	mustNotContain(t, page, "Other&#39;s late roof")

	// One click completes the milestone and comes back here.
	m := regexp.MustCompile(`action="(/projects/\d+/milestones/\d+/complete)"><input type="hidden" name="version" value="(\d+)">\s*<input type="hidden" name="completed_at" value="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no one-click completion on My day:\n%s", page)
	}
	res = c.post(m[1], url.Values{"version": {m[2]}, "completed_at": {m[3]}, "return": {"/my-day"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/my-day" {
		t.Fatalf("complete from My day: %d %s", res.status, res.header.Get("Location"))
	}
	mustNotContain(t, c.get("/my-day").body, "Lead qualified · due")
}
