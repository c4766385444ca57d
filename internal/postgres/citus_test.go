package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// citusProblems lists every table of the schema that is not placed as
// deploy/SCALE-OUT.md says: a tenant table (tenant_id and row-level
// security) distributed by tenant_id and co-located with users, every other
// table but goose's a reference table.
func citusProblems(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `
		SELECT c.relname,
		       EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		         AND c.relrowsecurity AS tenant,
		       COALESCE(d.partmethod::text, ''),
		       COALESCE(column_to_column_name(d.logicalrelid, d.partkey), ''),
		       COALESCE(d.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'users'::regclass), false)
		  FROM pg_class c LEFT JOIN pg_dist_partition d ON d.logicalrelid = c.oid
		 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'goose_db_version'
		 ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	var problems []string
	var name, method, column string
	var tenant, colocated bool
	_, err = pgx.ForEachRow(rows, []any{&name, &tenant, &method, &column, &colocated}, func() error {
		switch {
		case tenant && (method != "h" || column != "tenant_id"):
			problems = append(problems, name+": tenant table not distributed by tenant_id (call pipewell_distribute after CREATE TABLE)")
		case tenant && !colocated:
			problems = append(problems, name+": not co-located with users")
		case !tenant && method != "n":
			problems = append(problems, name+": global table is not a reference table")
		}
		return nil
	})
	return problems, err
}

// TestCitusPlacesEveryTable (Citus only): after the migrations every tenant
// table is distributed by tenant_id and co-located, every global table is a
// reference table; a tenant table a migration forgot is reported, and
// pipewell_distribute places it.
func TestCitusPlacesEveryTable(t *testing.T) {
	if !pgtest.Citus() {
		t.Skip("needs a Citus cluster (make test-citus)")
	}
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	problems, err := citusProblems(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("tables not placed:\n%s", strings.Join(problems, "\n"))
	}
	_, err = conn.Exec(ctx, `
		CREATE TABLE forgotten (tenant_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		ALTER TABLE forgotten ENABLE ROW LEVEL SECURITY; ALTER TABLE forgotten FORCE ROW LEVEL SECURITY;
		CREATE TABLE forgotten_global (code text PRIMARY KEY);`)
	if err != nil {
		t.Fatal(err)
	}
	problems, err = citusProblems(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{"forgotten: tenant table not distributed", "forgotten_global: global table is not a reference table"} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\ngot:\n%s", want, got)
		}
	}
	if _, err := conn.Exec(ctx, `SELECT pipewell_distribute('forgotten'); SELECT pipewell_distribute('forgotten_global')`); err != nil {
		t.Fatal(err)
	}
	if problems, err = citusProblems(ctx, conn); err != nil || len(problems) > 0 {
		t.Fatalf("after pipewell_distribute: %v %s", err, strings.Join(problems, "\n"))
	}
}

// TestDistributeIsANoOpOnPostgres: on plain PostgreSQL pipewell_distribute
// leaves a table as it is (migrations call it unconditionally).
func TestDistributeIsANoOpOnPostgres(t *testing.T) {
	if pgtest.Citus() {
		t.Skip("plain PostgreSQL only")
	}
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	_, err = conn.Exec(ctx, `CREATE TABLE later (tenant_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		SELECT pipewell_distribute('later'); INSERT INTO later VALUES (1, 1)`)
	if err == nil {
		err = conn.QueryRow(ctx, `SELECT count(*) FROM later`).Scan(&n)
	}
	if err != nil || n != 1 {
		t.Fatalf("pipewell_distribute on plain PostgreSQL: %d rows, %v", n, err)
	}
}
