package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestCountPastTheCap: a view the totals answer is counted exactly however
// many projects match; a view filtered on anything else (late only too)
// counts up to SalesCountCap and then says "more than" the cap — never a
// planner's estimate.
func TestCountPastTheCap(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Many Leads")
	n := postgres.SalesCountCap + 250
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var account int64
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Acme') RETURNING id`, tx.Tenant).Scan(&account); err != nil {
			return err
		}
		var status, first int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1),
			(SELECT id FROM milestone_defs WHERE tenant_id = $1 ORDER BY position LIMIT 1)`, tx.Tenant).Scan(&status, &first); err != nil {
			return err
		}
		created := time.Now().Add(-30 * 24 * time.Hour)
		var rows [][]any
		for g := 1; g <= n; g++ {
			rows = append(rows, []any{tx.Tenant, fmt.Sprintf("Lead %d", g), account, admin.ID, g * 100, status, created})
		}
		if err := insertRows(tx, "projects", []string{"tenant_id", "title", "account_id", "owner_id", "value_cents", "status_id", "created_at"}, rows); err != nil {
			return err
		}
		// Lead created at creation: Lead qualified was due two days later,
		// so every project is late.
		ids, err := tx.Query(ctx, `SELECT id FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		projects, err := pgx.CollectRows(ids, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		var completions [][]any
		for _, id := range projects {
			completions = append(completions, []any{tx.Tenant, id, first, created})
		}
		return insertRows(tx, "milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at"}, completions)
	})
	if err == nil {
		err = db.Refresh(ctx, admin.TenantID) // rows written by hand: their derived data from the repair
	}
	if err == nil {
		err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `ANALYZE projects`)
			return err
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	now := time.Now()
	var status int64
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant).Scan(&status)
	})
	for _, c := range []struct {
		name     string
		f        postgres.SalesFilter
		moreThan bool
	}{
		{"active, from the totals", postgres.SalesFilter{View: crm.StateActive}, false},
		{"owner, from the totals", postgres.SalesFilter{View: crm.StateActive, Owner: admin.ID}, false},
		{"late only, counted to the cap", postgres.SalesFilter{View: crm.StateActive, LateOnly: true}, true},
		{"late only and owner, counted to the cap", postgres.SalesFilter{View: crm.StateActive, LateOnly: true, Owner: admin.ID}, true},
		{"status, counted to the cap", postgres.SalesFilter{View: crm.StateActive, Status: status}, true},
		{"late only and status, counted to the cap", postgres.SalesFilter{View: crm.StateActive, LateOnly: true, Status: status}, true},
	} {
		c.f.Now = now
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			page, err := tx.ListSales(ctx, v, c.f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			switch {
			case page.AtLeast || page.MoreThan != c.moreThan:
				t.Errorf("%s: more than %v, at least %v; want more than %v", c.name, page.MoreThan, page.AtLeast, c.moreThan)
			case !c.moreThan && page.Total != int64(n):
				t.Errorf("%s: total %d, want exactly %d", c.name, page.Total, n)
			case c.moreThan && page.Total != postgres.SalesCountCap:
				t.Errorf("%s: more than %d, want more than the cap %d", c.name, page.Total, postgres.SalesCountCap)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
