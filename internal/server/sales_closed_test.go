package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestClosedViews: sold projects have a view of their own with the day they
// were sold; the archived view shows each project's reason and archive day
// instead of a next step, filters by reason, and offers Reopen (not Archive
// or Defer) as its bulk action, which reopens the chosen projects.
func TestClosedViews(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	sold := addProject(t, f.app.db, projectSpec{title: "Foxtrot sold", owner: f.r1, state: "sold", value: 700000,
		created: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), completions: 4})
	mgr := f.as(f.mgr)

	res := mgr.get("/?view=sold")
	mustStatus(t, res, http.StatusOK, "sold view")
	mustContain(t, res.body, "Foxtrot sold", "Mar 2, 2026", `href="/?view=sold" aria-current="page"`)
	mustNotContain(t, res.body, "Echo archived", "Alpha rooftop", `value="archive"`, `value="reopen"`)

	res = mgr.get("/?view=archived")
	mustContain(t, res.body, "Echo archived", crm.DefaultArchiveReasons[0], "<th>Archive reason</th><th>Archived</th>", `name="reason"`, `value="reopen"`)
	mustNotContain(t, res.body, "Foxtrot sold", `name="late"`, `value="archive"`, `value="defer"`)
	reasons := f.reasons(t)
	res = mgr.get(fmt.Sprintf("/?view=archived&reason=%d", reasons[1]))
	mustContain(t, res.body, "No projects match")
	mustNotContain(t, res.body, "Echo archived")
	res = mgr.get(fmt.Sprintf("/?view=archived&reason=%d", reasons[0]))
	mustContain(t, res.body, "Echo archived")
	// A reason outside the archived view is ignored and said so.
	mustContain(t, mgr.get(fmt.Sprintf("/?view=active&reason=%d", reasons[0])).body, "Alpha rooftop")

	res = mgr.post("/bulk", url.Values{"action": {"reopen"}, "all": {"1"}, "query": {"view=archived"}})
	mustStatus(t, res, http.StatusSeeOther, "bulk reopen")
	mustContain(t, mgr.get(res.header.Get("Location")).body, "1 project reopened")
	mustContain(t, mgr.get("/?view=active").body, "Echo archived")
	mustNotContain(t, mgr.get("/?view=archived").body, "Echo archived")
	_ = sold
}

// reasons returns the tenant's archive reason IDs in list order.
func (f *salesFixture) reasons(t *testing.T) []int64 {
	t.Helper()
	vals, err := f.app.db.PickValues(context.Background(), f.admin.TenantID, crm.ListReasons)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, v := range vals {
		ids = append(ids, v.ID)
	}
	return ids
}
