package server

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestLateSaysWhy: a late project says what is late and by how many days —
// its milestone, its most overdue subtask — on the Sales screen row, the
// board card and the workspace item, and completing a milestone with an
// open subtask warns that it stays open.
func TestLateSaysWhy(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Late Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Lou Late")
	now := time.Now().UTC()
	// Lead qualified is due two days after creation: created 10 days ago, it is 8 days late.
	id := app.project(t, rep, "Overdue roof", now.AddDate(0, 0, -10))
	c := app.client()
	c.login(rep)
	ws := fmt.Sprintf("/projects/%d", id)
	qualified := milestoneID(t, app, admin, "Lead qualified")
	res := c.post(ws+"/subtasks", url.Values{"subtask_title": {"Call back"}, "subtask_milestone_id": {fmt.Sprint(qualified)},
		"subtask_due": {now.AddDate(0, 0, -1).Format(time.DateOnly)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("subtask: %d\n%s", res.status, res.body)
	}
	for _, path := range []string{"/", "/pipeline"} {
		mustContain(t, c.get(path).body, ">8 days late</span>", ">Task 1 day late</span>")
	}
	page := c.get(ws).body
	mustContain(t, page, ">8 days late</span>", ">1 day late</span>", "1 open subtask</div>",
		"1 open subtask of this milestone stays open when you complete it.")
}
