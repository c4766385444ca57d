package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestCheckCitus: on a Citus coordinator the app refuses to run without
// citus.propagate_set_commands = 'local' and says what to set; with it (and
// on plain PostgreSQL) it passes, and the tenant binding reaches the shards.
func TestCheckCitus(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	if db.Citus() != pgtest.Citus() {
		t.Fatalf("Citus() = %v on a database where the harness says %v", db.Citus(), pgtest.Citus())
	}
	if err := db.CheckCitus(ctx); err != nil {
		t.Fatalf("CheckCitus: %v", err)
	}
	a := db.Tenant(t, "Acme")
	var n int
	err := db.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1`, tx.Tenant).Scan(&n)
	})
	if err != nil || n != 1 {
		t.Fatalf("the tenant's users through the binding: %d, %v; want 1", n, err)
	}
	if !pgtest.Citus() {
		return
	}
	off, err := postgres.Open(ctx, db.AppURL+"&options=-c%20citus.propagate_set_commands%3Dnone")
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	err = off.CheckCitus(ctx)
	if !errors.Is(err, postgres.ErrCitusSetting) || !strings.Contains(err.Error(), "SET citus.propagate_set_commands = 'local'") {
		t.Fatalf("CheckCitus without the setting: %v, want ErrCitusSetting saying what to set", err)
	}
	// What the check prevents: the binding stays on the coordinator and the
	// workers' row-level security shows nothing.
	err = off.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1`, tx.Tenant).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Fatalf("without the setting: %d users, %v; want 0 (the reason for the check)", n, err)
	}
}
