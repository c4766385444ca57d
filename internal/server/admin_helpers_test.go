package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// sql runs statements in the tenant of u and fails the test on error.
func (a *testApp) sql(t *testing.T, u crm.User, fn func(ctx context.Context, tx *postgres.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := a.db.Any.InTenant(ctx, u.TenantID, func(tx *postgres.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// scalar reads one value in the tenant of u.
func scalar[T any](t *testing.T, a *testApp, u crm.User, q string, args ...any) T {
	t.Helper()
	var v T
	a.sql(t, u, func(ctx context.Context, tx *postgres.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&v) })
	return v
}

// milestoneID returns the ID of the tenant's milestone called name.
func milestoneID(t *testing.T, a *testApp, u crm.User, name string) int64 {
	t.Helper()
	return scalar[int64](t, a, u, `SELECT id FROM milestone_defs WHERE name = $1`, name)
}

// project adds an account and an active project owned by owner, created at
// created (with the first milestone completed then), as the new-lead form does.
func (a *testApp) project(t *testing.T, owner crm.User, title string, created time.Time) int64 {
	t.Helper()
	act := crm.Actor{Viewer: crm.Viewer{TenantID: owner.TenantID, UserID: owner.ID, Role: owner.Role}, Now: created, Loc: time.UTC}
	return int64(a.db.Lead(t, act, title))
}

// complete records a completion of milestone on project at at (with any
// open earlier milestone at the same time), as the workspace does.
func (a *testApp) complete(t *testing.T, u crm.User, project, milestone int64, at time.Time) {
	t.Helper()
	act := crm.Actor{Viewer: crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}, Now: time.Now(), Loc: time.UTC}
	_, err := a.db.ChangeProject(context.Background(), act.Viewer, crm.ProjectID(project), func(p crm.Project, s crm.Setup) (crm.Change, error) {
		earlier := map[crm.MilestoneID]time.Time{}
		for _, d := range s.Defs {
			earlier[d.ID] = at
		}
		return crm.DecideComplete(p, s.Defs, crm.CompleteMilestone{Version: p.Version, MilestoneID: crm.MilestoneID(milestone), At: at,
			Earlier: true, EarlierAt: earlier}, act)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// must422 checks a validation answer: status 422 and the message beside field.
func must422(t *testing.T, res response, field string, wants ...string) {
	t.Helper()
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422\n%s", res.status, res.body)
	}
	if field != "" {
		mustContain(t, res.body, `id="`+field+`-error"`)
	}
	mustContain(t, res.body, wants...)
}

func mustStatus(t *testing.T, res response, want int, what string) {
	t.Helper()
	if res.status != want {
		t.Fatalf("%s: status %d, want %d\n%.600s", what, res.status, want, res.body)
	}
}

var linkRE = regexp.MustCompile(`value="(https?://[^"]+/(?:invite|reset)/[^"]+)"`)

// shownLink returns the path of the one-time link on an admin page.
func shownLink(t *testing.T, a *testApp, body string) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link on the page:\n%.2000s", body)
	}
	return m[1][len(a.ts.URL):]
}

// bulkProjects adds n plain projects of owner on the tenant's first account.
func bulkProjects(ctx context.Context, tx *postgres.Tx, owner crm.UserID, n int) error {
	var account int64
	if err := tx.QueryRow(ctx, `SELECT min(id) FROM accounts WHERE tenant_id = $1`, tx.Tenant).Scan(&account); err != nil {
		return err
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(tx.Tenant), fmt.Sprintf("Bulk %d", i+1), account, int64(owner)}
	}
	return tx.InsertValues(ctx, "projects", []string{"tenant_id", "title", "account_id", "owner_id"}, rows)
}
