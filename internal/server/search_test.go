package server

import (
	"net/http"
	"testing"
	"time"
)

// TestGlobalSearch: the header's search finds, for a salesperson, their
// projects in every view and their customers, never another rep's or
// another tenant's; too short a query is told, and the box keeps it.
func TestGlobalSearch(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	addProject(t, f.app.db, projectSpec{title: "Zebra sold", customer: "Quincy Quartz", owner: f.r1, state: "sold",
		created: time.Now().AddDate(0, 0, -3), completions: 4})
	addProject(t, f.app.db, projectSpec{title: "Zebra other", customer: "Quentin Quartz", owner: f.r2})
	other := f.app.db.Tenant(t, "Elsewhere Quartz")
	addProject(t, f.app.db, projectSpec{title: "Zebra foreign", customer: "Queenie Quartz", owner: other})

	rep := f.as(f.r1)
	res := rep.get("/search?q=quartz")
	mustStatus(t, res, http.StatusOK, "search")
	mustContain(t, res.body, "Zebra sold", "Quincy Quartz", `/?view=sold&amp;q=quartz`, `id="global-q" name="q" type="search" value="quartz"`)
	mustNotContain(t, res.body, "Zebra other", "Quentin", "Zebra foreign", "Queenie")
	// The Sales screen's rows agree: the archived view has the rep's archived project.
	mustContain(t, rep.get("/search?q=echo").body, "Echo archived")

	mgr := f.as(f.mgr)
	mustContain(t, mgr.get("/search?q=quartz").body, "Zebra sold", "Zebra other", "Quentin Quartz")
	mustNotContain(t, mgr.get("/search?q=quartz").body, "Zebra foreign", "Queenie")

	res = rep.get("/search?q=q")
	mustContain(t, res.body, "Type at least 2 characters", `value="q"`)
	mustStatus(t, rep.get("/search?q=%00%01"), http.StatusOK, "control characters")
	if res := f.app.client().get("/search?q=quartz"); res.status != http.StatusSeeOther {
		t.Errorf("signed out: %d, want a redirect to log in", res.status)
	}
}
