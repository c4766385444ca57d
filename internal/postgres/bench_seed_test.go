package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestBulkSeededSummaryEqualsTriggers: a tenant bulk-loaded with the summary
// triggers skipped and the summary computed once at the end ends up with the
// same summary, project for project, as the same data loaded with the
// triggers firing on every insert; and that summary agrees with the engine.
func TestBulkSeededSummaryEqualsTriggers(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Microsecond)
	var tenants [2]crm.TenantID
	for i, incremental := range []bool{true, false} {
		bt := postgres.BenchTenant{Index: 900 + i, Projects: 400, Reps: 5, Seed: 77, Incremental: incremental}
		ok, err := db.SeedBenchTenant(ctx, bt, "not-a-hash", now, nil)
		if err != nil || !ok {
			t.Fatalf("seed tenant %d: %v (created %v)", bt.Index, err, ok)
		}
		lu, err := db.UserForLogin(ctx, postgres.BenchAdminEmail(bt.Index))
		if err != nil {
			t.Fatal(err)
		}
		tenants[i] = lu.User.TenantID
	}
	summaries := [2][]string{}
	for i, tenant := range tenants {
		err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
			// Milestones by position and projects by their order of creation:
			// the IDs differ between the tenants, the data does not.
			rows, err := tx.Query(ctx, `
				SELECT pm.position, p.pending_due_at, p.milestone_late_from, p.late_from, lm.position,
				       p.last_completed_at, p.customer_name, p.owner_name, p.status_name, p.search_text, p.state,
				       (s.state, s.created_at, s.text) IS NOT DISTINCT FROM (p.state, p.created_at, p.search_text),
				       (SELECT string_agg(w.state || ':' || w.word, ',' ORDER BY w.word, w.state) FROM project_search_words w
				         WHERE w.tenant_id = p.tenant_id AND w.project_id = p.id)
				  FROM projects p
				  LEFT JOIN project_search s ON s.tenant_id = p.tenant_id AND s.project_id = p.id
				  LEFT JOIN milestone_defs pm ON pm.tenant_id = p.tenant_id AND pm.id = p.pending_milestone_id
				  LEFT JOIN milestone_defs lm ON lm.tenant_id = p.tenant_id AND lm.id = p.last_milestone_id
				 WHERE p.tenant_id = $1 ORDER BY p.id`, tx.Tenant)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					return err
				}
				summaries[i] = append(summaries[i], fmt.Sprint(vals...))
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(summaries[0]) != 400 || len(summaries[1]) != 400 {
		t.Fatalf("projects: %d and %d, want 400 each", len(summaries[0]), len(summaries[1]))
	}
	withPending := 0
	for k := range summaries[0] {
		if summaries[0][k] != summaries[1][k] {
			t.Errorf("project %d:\n triggers: %s\n bulk:     %s", k, summaries[0][k], summaries[1][k])
		}
		if summaries[0][k][:1] != "<" { // a pending milestone position, not <nil>
			withPending++
		}
	}
	if withPending == 0 {
		t.Fatal("no project has a pending milestone: the comparison proves nothing")
	}
	compareWithEngine(t, db, tenants[1], now)
	for _, tenant := range tenants {
		compareTotals(t, db, tenant)
	}
}
