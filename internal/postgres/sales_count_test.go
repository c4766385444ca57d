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

// TestCountPastTheCap: a view the totals answer is counted exactly however
// many projects match; a view filtered on anything else counts up to
// SalesCountCap and then shows the planner's estimate, marked as one.
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
		var status int64
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant).Scan(&status); err != nil {
			return err
		}
		var rows [][]any
		for g := 1; g <= n; g++ {
			rows = append(rows, []any{tx.Tenant, fmt.Sprintf("Lead %d", g), account, admin.ID, g * 100, status})
		}
		return insertRows(tx, "projects", []string{"tenant_id", "title", "account_id", "owner_id", "value_cents", "status_id"}, rows)
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
		name      string
		f         postgres.SalesFilter
		estimated bool
	}{
		{"active, from the totals", postgres.SalesFilter{View: crm.StateActive}, false},
		{"owner, from the totals", postgres.SalesFilter{View: crm.StateActive, Owner: admin.ID}, false},
		{"status, counted to the cap", postgres.SalesFilter{View: crm.StateActive, Status: status}, true},
	} {
		c.f.Now = now
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			page, err := tx.ListSales(ctx, v, c.f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			switch {
			case page.Estimated != c.estimated:
				t.Errorf("%s: estimated %v, want %v", c.name, page.Estimated, c.estimated)
			case !c.estimated && page.Total != int64(n):
				t.Errorf("%s: total %d, want exactly %d", c.name, page.Total, n)
			case c.estimated && (page.Total <= postgres.SalesCountCap || page.Total > int64(3*n)):
				t.Errorf("%s: estimate %d for %d matches", c.name, page.Total, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
