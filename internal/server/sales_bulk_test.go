package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

func projectState(t *testing.T, f *salesFixture, id crm.ProjectID) (owner crm.UserID, state string, logs int) {
	t.Helper()
	ctx := context.Background()
	err := f.app.db.Any.InTenant(ctx, f.admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT owner_id, state, (SELECT count(*) FROM project_log l WHERE l.tenant_id = p.tenant_id AND l.project_id = p.id)
			FROM projects p WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id).Scan(&owner, &state, &logs)
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestBulkActions(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	a := addProject(t, f.app.db, projectSpec{title: "Foxtrot", owner: f.r1})
	b := addProject(t, f.app.db, projectSpec{title: "Golf", owner: f.r2})
	mgr := f.as(f.mgr)
	id := func(p crm.ProjectID) string { return fmt.Sprint(p) }

	// Assign owner: both change, each gets a log entry, the summary says so.
	res := mgr.post("/bulk", url.Values{"action": {"owner"}, "owner": {fmt.Sprint(f.r2.ID)}, "id": {id(a), id(b)}, "query": {"view=active"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("bulk owner: %d %s", res.status, res.body)
	}
	if o, _, logs := projectState(t, f, a); o != f.r2.ID || logs != 1 {
		t.Errorf("after bulk owner: owner %d logs %d", o, logs)
	}
	if _, _, logs := projectState(t, f, b); logs != 0 {
		t.Errorf("unchanged project got %d log entries", logs)
	}
	mustContain(t, mgr.get(res.header.Get("Location")).body, "Owner assigned on 1 project (1 already had that owner)")
	// The "all matching" choice counts in the singular for one match.
	mustContain(t, mgr.get("/?q=Foxtrot").body, "The 1 matching project, not only those selected")

	// Archive without a reason: 422, input kept, nothing changed.
	res = mgr.post("/bulk", url.Values{"action": {"archive"}, "id": {id(a)}, "until": {"2030-01-01"}, "query": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("archive without reason: %d", res.status)
	}
	mustContain(t, res.body, "Choose an archive reason", `value="2030-01-01"`)
	// Defer into the past: 422.
	res = mgr.post("/bulk", url.Values{"action": {"defer"}, "until": {"2001-01-01"}, "id": {id(a)}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("defer into the past: %d", res.status)
	}
	// A foreign ID in the batch (another tenant's project): 404, nothing changed.
	other := f.app.db.Tenant(t, "Elsewhere")
	foreign := addProject(t, f.app.db, projectSpec{title: "Foreign", owner: other})
	until := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	res = mgr.post("/bulk", url.Values{"action": {"defer"}, "until": {until}, "id": {id(a), id(foreign)}})
	if res.status != http.StatusNotFound {
		t.Fatalf("foreign id: %d", res.status)
	}
	if _, st, _ := projectState(t, f, a); st != "active" {
		t.Errorf("a batch with a foreign ID changed a project: %s", st)
	}
	// Defer all matching the filter.
	res = mgr.post("/bulk", url.Values{"action": {"defer"}, "until": {until}, "all": {"1"}, "query": {"owner=" + fmt.Sprint(f.r2.ID)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("defer all: %d", res.status)
	}
	if _, st, _ := projectState(t, f, b); st != "deferred" {
		t.Errorf("defer all matching: state %s", st)
	}
	// Salespeople may not use bulk actions.
	rep := f.as(f.r1)
	if res := rep.post("/bulk", url.Values{"action": {"owner"}, "owner": {fmt.Sprint(f.r1.ID)}, "id": {id(b)}}); res.status != http.StatusForbidden {
		t.Errorf("rep bulk: %d, want 403", res.status)
	}
}

// TestBulkVisibility: a manager of a workgroup cannot touch projects outside it.
func TestBulkVisibility(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	ctx := context.Background()
	err := f.app.db.Any.InTenant(ctx, f.admin.TenantID, func(tx *postgres.Tx) error {
		var wg int64
		if err := tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, tx.Tenant).Scan(&wg); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager) VALUES ($1, $2, $3, true), ($1, $2, $4, false)`,
			tx.Tenant, wg, f.mgr.ID, f.r1.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mine := addProject(t, f.app.db, projectSpec{title: "North one", owner: f.r1})
	theirs := addProject(t, f.app.db, projectSpec{title: "South one", owner: f.r2})
	mgr := f.as(f.mgr)
	body := mgr.get("/?view=active").body
	mustContain(t, body, "North one")
	mustNotContain(t, body, "South one", "Charlie carport")
	res := mgr.post("/bulk", url.Values{"action": {"owner"}, "owner": {fmt.Sprint(f.mgr.ID)}, "id": {fmt.Sprint(mine), fmt.Sprint(theirs)}})
	if res.status != http.StatusNotFound {
		t.Fatalf("bulk with a project outside the manager's groups: %d", res.status)
	}
	if o, _, _ := projectState(t, f, mine); o != f.r1.ID {
		t.Errorf("visible project changed although the batch was refused")
	}
	load := mgr.get("/load")
	mustContain(t, load.body, "Rhea Rep")
	mustNotContain(t, load.body, "Rolf Rep")
}

func TestBoardAndRepLoad(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	admin := f.as(f.admin)
	res := admin.get("/pipeline")
	if res.status != http.StatusOK {
		t.Fatalf("board: %d", res.status)
	}
	mustContain(t, res.body, "Lead qualified", "Alpha rooftop", "Charlie carport", "/move", "Complete and move")
	mustNotContain(t, res.body, "Delta deferred", "Echo archived")
	// Filters apply to the board as to the screen.
	mustNotContain(t, admin.get("/pipeline?owner="+fmt.Sprint(f.r1.ID)).body, "Charlie carport")
	mustContain(t, admin.get("/pipeline?owner=zz").body, `class="notice"`)
	rep := f.as(f.r1)
	mustNotContain(t, rep.get("/pipeline").body, "Charlie carport")
	if res := rep.get("/load"); res.status != http.StatusForbidden {
		t.Errorf("rep load for a salesperson: %d, want 403", res.status)
	}
	load := admin.get("/load")
	mustContain(t, load.body, "Rhea Rep", "Rolf Rep")
}
