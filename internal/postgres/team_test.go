package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// Two admins demoting each other at the same moment: the admin rows are
// locked first, so one demotion waits for the other and is then refused.
func TestLastAdminUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		a := db.Tenant(t, "Race")
		b := db.User(t, a, crm.RoleAdmin, "Bea")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]crm.User{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if round%2 == 0 {
					errs[i] = db.ChangeRole(ctx, a.TenantID, pair[0].ID, pair[1].ID, crm.RoleSales)
				} else {
					errs[i] = db.SetUserActive(ctx, a.TenantID, pair[0].ID, pair[1].ID, false)
				}
			}()
		}
		wg.Wait()
		var admins int
		err := db.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1 AND role = 'admin' AND active`, tx.Tenant).Scan(&admins)
		})
		if err != nil {
			t.Fatal(err)
		}
		if admins != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: %d active admins left; errors %v", round, admins, errs)
		}
	}
}
