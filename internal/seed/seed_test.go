package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

func TestDemoOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	hash, _ := pgtest.FastHasher.Hash(ctx, seed.DemoPassword)
	created, err := seed.Demo(ctx, db.DB, hash, time.Now())
	if err != nil || !created {
		t.Fatalf("first seed: %v %v", created, err)
	}
	created, err = seed.Demo(ctx, db.DB, hash, time.Now())
	if err != nil || created {
		t.Fatalf("second seed: created=%v err=%v, want a no-op", created, err)
	}
	lu, err := db.UserForLogin(ctx, seed.DemoLogins[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	var projects, archived, deferred, sold, noReason, users, totals int
	err = db.InTenant(ctx, lu.User.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'archived'),
			count(*) FILTER (WHERE state = 'deferred'), count(*) FILTER (WHERE state = 'sold'),
			count(*) FILTER (WHERE state = 'archived' AND archive_reason_id IS NULL),
			(SELECT count(*) FROM users WHERE tenant_id = $1), (SELECT sum(projects) FROM project_totals WHERE tenant_id = $1)
			FROM projects WHERE tenant_id = $1`, tx.Tenant).Scan(&projects, &archived, &deferred, &sold, &noReason, &users, &totals)
	})
	if err != nil {
		t.Fatal(err)
	}
	if projects != 600 || archived == 0 || deferred == 0 || sold == 0 || noReason != 0 || users != 6 || totals != 600 {
		t.Fatalf("projects %d archived %d deferred %d sold %d archived-without-reason %d users %d totals %d",
			projects, archived, deferred, sold, noReason, users, totals)
	}
}

// TestBenchLoadEqualsRefresh: a tenant written by the bulk load (its derived
// data computed as its rows are written, in several transactions) stores
// exactly what a recompute from its rows gives.
func TestBenchLoadEqualsRefresh(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	bt := seed.BenchTenant{Index: 900, Projects: 300, Reps: 5, Seed: 77}
	ok, err := seed.Bench(ctx, db.DB, bt, "not-a-hash", time.Now(), nil)
	if err != nil || !ok {
		t.Fatalf("seed: %v (created %v)", err, ok)
	}
	lu, err := db.UserForLogin(ctx, seed.BenchAdminEmail(bt.Index))
	if err != nil {
		t.Fatal(err)
	}
	before := pgtest.Derived(t, db, lu.User.TenantID)
	if err := db.Refresh(ctx, lu.User.TenantID); err != nil {
		t.Fatal(err)
	}
	pgtest.SameDerived(t, before, pgtest.Derived(t, db, lu.User.TenantID), "bench load")
}
