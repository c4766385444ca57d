package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestConcurrentBulkActions: two managers' bulk actions at the same moment on
// different projects of the same owners, taken in crossing owner order, both
// apply, and the running totals end right. (The totals of those owners are
// rows both change; each action writes its totals at the end, in one
// statement in key order, so neither holds a row the other locked first.
// Written project by project, PostgreSQL cancelled one of them as a
// deadlock.)
func TestConcurrentBulkActions(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Bulk Egret")
	x := db.User(t, admin, crm.RoleSales, "Xena X")
	y := db.User(t, admin, crm.RoleSales, "Yuri Y")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	// Two halves of the projects, owners crossing: x, y, x, y... and
	// y, x, y, x... in the order each bulk action takes them (by ID).
	var halves [2][]crm.ProjectID
	var reason int64
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH a AS (INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Egret') RETURNING id)
			INSERT INTO projects (tenant_id, title, account_id, owner_id)
			SELECT $1, 'Egret ' || g, (SELECT id FROM a), CASE WHEN g % 4 IN (2, 3) THEN $2::bigint ELSE $3::bigint END
			  FROM generate_series(1, 400) g
			RETURNING id, substr(title, 7)::int % 2`, tx.Tenant, x.ID, y.ID)
		if err != nil {
			return err
		}
		var id crm.ProjectID
		var half int
		if _, err := pgx.ForEachRow(rows, []any{&id, &half}, func() error {
			halves[half] = append(halves[half], id)
			return nil
		}); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT min(id) FROM archive_reasons WHERE tenant_id = $1`, tx.Tenant).Scan(&reason)
	})
	if err == nil {
		err = db.Refresh(ctx, admin.TenantID) // rows written by hand
	}
	if err != nil {
		t.Fatal(err)
	}
	a := crm.Actor{Viewer: v, Now: time.Now(), Loc: time.UTC}
	until := crm.DateOf(time.Now().AddDate(0, 1, 0))
	for _, kind := range []string{crm.BulkDefer, crm.BulkArchive} {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, ids := range halves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := crm.BulkAction{Kind: kind, Until: until, Reason: reason}
				res, err := db.ChangeProjects(ctx, v, postgres.BulkTarget{IDs: ids}, func(s crm.Setup) error { return b.Check(s, a) },
					func(p crm.Project, s crm.Setup) (crm.Change, error) { return crm.DecideBulk(p, b, s, a) })
				if err == nil && res.Changed != len(ids) {
					t.Errorf("%s: changed %d of %d", kind, res.Changed, len(ids))
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s, bulk action %d: %v", kind, i, err)
			}
		}
	}
	sameAfterRefresh(t, db, admin.TenantID, "concurrent bulk actions")
}
