package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

func TestSeedDemoOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	hash, _ := pgtest.FastHasher.Hash(ctx, postgres.DemoPassword)
	created, err := db.SeedDemo(ctx, hash, time.Now())
	if err != nil || !created {
		t.Fatalf("first seed: %v %v", created, err)
	}
	created, err = db.SeedDemo(ctx, hash, time.Now())
	if err != nil || created {
		t.Fatalf("second seed: created=%v err=%v, want a no-op", created, err)
	}
	lu, err := db.UserForLogin(ctx, postgres.DemoLogins[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	var projects, archived, deferred, sold, noReason, users int
	err = db.InTenant(ctx, lu.User.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'archived'),
			count(*) FILTER (WHERE state = 'deferred'), count(*) FILTER (WHERE state = 'sold'),
			count(*) FILTER (WHERE state = 'archived' AND archive_reason_id IS NULL),
			(SELECT count(*) FROM users)
			FROM projects WHERE tenant_id = $1`, tx.Tenant).Scan(&projects, &archived, &deferred, &sold, &noReason, &users)
	})
	if err != nil {
		t.Fatal(err)
	}
	if projects != 600 || archived == 0 || deferred == 0 || sold == 0 || noReason != 0 || users != 6 {
		t.Fatalf("projects %d archived %d deferred %d sold %d archived-without-reason %d users %d",
			projects, archived, deferred, sold, noReason, users)
	}
}
