package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// tenantObjects are one of each kind of object a route can name, all in one tenant.
type tenantObjects struct {
	project, milestone, event, subtask, account, contact, reason, user, workgroup, imp, saved int64
}

func seedTenantObjects(t *testing.T, app *testApp, admin, rep crm.User) tenantObjects {
	t.Helper()
	var o tenantObjects
	o.project = app.project(t, rep, "Walk target", time.Now().Add(-48*time.Hour))
	o.milestone = milestoneID(t, app, admin, "Lead qualified")
	o.user = int64(rep.ID)
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		err := tx.QueryRow(ctx, `SELECT account_id FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, o.project).Scan(&o.account)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (tenant_id, account_id, name, email) VALUES ($1, $2, 'Walk Contact', 'walk@example.com')
			RETURNING id`, tx.Tenant, o.account).Scan(&o.contact); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO scheduled_events (tenant_id, project_id, title, owner_id, starts_at)
			VALUES ($1, $2, 'Visit', $3, now()) RETURNING id`, tx.Tenant, o.project, rep.ID).Scan(&o.event); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO subtasks (tenant_id, project_id, title, assignee_id)
			VALUES ($1, $2, 'Call back', $3) RETURNING id`, tx.Tenant, o.project, rep.ID).Scan(&o.subtask); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM saved_reports WHERE tenant_id = $1`, tx.Tenant).Scan(&o.saved); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM archive_reasons WHERE tenant_id = $1`, tx.Tenant).Scan(&o.reason); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO imports (tenant_id, file_name, file_bytes, created_by, state, created, preview)
			VALUES ($1, 'walk.csv', 10, $2, 'uploaded', 0, '{"total": 0}') RETURNING id`, tx.Tenant, admin.ID).Scan(&o.imp); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'Walkers') RETURNING id`, tx.Tenant).Scan(&o.workgroup)
	})
	return o
}

var routeParam = regexp.MustCompile(`\{[^}]+\}`)

// fill replaces the parameters of pattern with the objects' IDs, choosing by
// the segment before each parameter. ok is false for a route whose parameters
// name no tenant object (a list name, a link token); unknown means a parameter
// this walk does not know yet, which fails the test so new routes get covered.
func (o tenantObjects) fill(pattern string) (path string, ok, unknown bool) {
	segs := strings.Split(pattern, "/")
	named := false
	for i, s := range segs {
		if !routeParam.MatchString(s) {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		var id int64
		switch {
		case s == "{list}":
			segs[i] = "reasons"
			continue
		case s == "{token}":
			return "", false, false
		case s == "{file}":
			segs[i] = "projects.csv"
			continue
		case prev == "projects":
			id = o.project
		case prev == "milestones":
			id = o.milestone
		case prev == "events":
			id = o.event
		case prev == "subtasks":
			id = o.subtask
		case prev == "accounts":
			id = o.account
		case prev == "contacts":
			id = o.contact
		case prev == "users", prev == "members":
			id = o.user
		case prev == "workgroups":
			id = o.workgroup
		case prev == "import":
			id = o.imp
		case prev == "saved":
			id = o.saved
		case prev == "{list}", prev == "reasons":
			id = o.reason
		default:
			return "", false, true
		}
		segs[i] = fmt.Sprint(id)
		named = true
	}
	return strings.Join(segs, "/"), named, false
}

// TestEveryRouteHidesOtherTenants walks every route of accessTable that names
// an object and asks for tenant A's object as tenant B's admin: every answer
// must be 404, never the object, a 403 that confirms it exists, or a change.
// It also asks as a salesperson of tenant A who does not own the project:
// project routes must be 404 for them, and so must the routes of its
// account and contact (customer records follow project visibility); admin
// and manager routes 403.
func TestEveryRouteHidesOtherTenants(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	adminA := app.db.Tenant(t, "Alpha Solar")
	repA := app.db.User(t, adminA, crm.RoleSales, "Owner Rep")
	otherRep := app.db.User(t, adminA, crm.RoleSales, "Other Rep")
	adminB := app.db.Tenant(t, "Beta Solar")
	o := seedTenantObjects(t, app, adminA, repA)
	logs := scalar[int64](t, app, adminA, `SELECT count(*) FROM project_log WHERE project_id = $1`, o.project)
	customers := func() string {
		return scalar[string](t, app, adminA, `SELECT concat_ws('|', (SELECT name || email FROM accounts WHERE id = $1),
			(SELECT name || email FROM contacts WHERE id = $2), (SELECT count(*) FROM contacts), (SELECT count(*) FROM audit_log))`,
			o.account, o.contact)
	}
	before := customers()

	b := app.client()
	b.login(adminB)
	rep := app.client()
	rep.login(otherRep)

	keys := make([]string, 0, len(accessTable))
	for k := range accessTable {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	form := url.Values{"version": {"1"}, "name": {"x"}, "title": {"x"}, "body": {"x"}, "note": {"x"}, "reason_id": {"1"},
		"role": {"sales"}, "user_id": {"1"}, "dir": {"up"}, "active": {"0"}, "completed_at": {time.Now().Format("2006-01-02T15:04")}}
	walked, customerRoutes := 0, 0
	for _, key := range keys {
		method, pattern, _ := strings.Cut(key, " ")
		path, named, unknown := o.fill(pattern)
		if unknown {
			t.Errorf("%s: the walk does not know how to fill its parameters; teach tenantObjects.fill", key)
			continue
		}
		if !named {
			continue
		}
		walked++
		do := func(c *client) response {
			if method == http.MethodGet {
				return c.get(path)
			}
			return c.post(path, form)
		}
		if res := do(b); res.status != http.StatusNotFound {
			t.Errorf("%s %s as another tenant's admin: %d, want 404", method, path, res.status)
		}
		switch access := accessTable[key]; {
		case strings.HasPrefix(pattern, "/projects/"):
			if res := do(rep); res.status != http.StatusNotFound {
				t.Errorf("%s %s as a rep who cannot see the project: %d, want 404", method, path, res.status)
			}
		case strings.HasPrefix(pattern, "/accounts/"), strings.HasPrefix(pattern, "/contacts/"):
			if res := do(rep); res.status != http.StatusNotFound {
				t.Errorf("%s %s as a rep who cannot see the project of this customer: %d, want 404", method, path, res.status)
			}
			customerRoutes++
		case access == Admin || access == Manager:
			if res := do(rep); res.status != http.StatusForbidden {
				t.Errorf("%s %s as a salesperson: %d, want 403", method, path, res.status)
			}
		}
	}
	if walked < 30 || customerRoutes < 5 {
		t.Fatalf("walked only %d routes, %d of accounts and contacts", walked, customerRoutes)
	}
	// Nothing of tenant A changed.
	if n := scalar[int64](t, app, adminA, `SELECT count(*) FROM project_log WHERE project_id = $1`, o.project); n != logs {
		t.Errorf("tenant A's project gained log entries during the walk: %d, had %d", n, logs)
	}
	if after := customers(); after != before {
		t.Errorf("tenant A's customer records or audit changed during the walk: %s, was %s", after, before)
	}
}
