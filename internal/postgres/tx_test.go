package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

func TestTenantSettingNeverSurvivesTheTransaction(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, pgtest.AnyPlan) // reads without the tenant: row-level security alone
	a := db.Tenant(t, "Acme")
	ctx := context.Background()
	// A one-connection pool guarantees the next transaction reuses the same connection.
	one, err := postgres.Open(ctx, db.AppURL+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	var pid1, pid2 int
	var inside string
	err = one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, "SELECT pg_backend_pid(), current_setting('app.tenant_id', true)").Scan(&pid1, &inside)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "1"; inside == "" || inside == "0" {
		t.Fatalf("inside the transaction app.tenant_id = %q, want the tenant (%s...)", inside, want)
	}
	var after string
	var users int
	if err := one.RawQueryRow(ctx, "SELECT pg_backend_pid(), COALESCE(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM users)",
		&pid2, &after, &users); err != nil {
		t.Fatal(err)
	}
	if pid1 != pid2 {
		t.Fatalf("connection not reused (%d vs %d); the test proves nothing", pid1, pid2)
	}
	if after != "" {
		t.Fatalf("after commit app.tenant_id = %q on the same connection, want empty", after)
	}
	if users != 0 {
		t.Fatalf("a query outside any tenant transaction saw %d users, want 0", users)
	}

	// Also after a rolled-back transaction.
	boom := errors.New("boom")
	err = one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("InTenant returned %v, want the callback's error", err)
	}
	if err := one.RawQueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), '')", &after); err != nil {
		t.Fatal(err)
	}
	if after != "" {
		t.Fatalf("after rollback app.tenant_id = %q", after)
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, pgtest.AnyPlan) // reads without the tenant: row-level security alone
	a := db.Tenant(t, "Acme")
	b := db.Tenant(t, "Bolt")
	ctx := context.Background()

	// A query with no tenant filter at all still sees only the bound tenant.
	count := func(tenant crm.TenantID, table string) (n int, names []string) {
		t.Helper()
		err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, "SELECT name FROM tenants")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				names = append(names, s)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, names
	}
	for _, table := range []string{"users", "milestone_defs", "archive_reasons", "lead_sources", "milestone_statuses"} {
		na, _ := count(a.TenantID, table)
		nb, _ := count(b.TenantID, table)
		var total int
		if err := db.RawQueryRow(ctx, "SELECT count(*) FROM "+table, &total); err != nil {
			t.Fatal(err)
		}
		if na == 0 || nb == 0 || total != 0 {
			t.Errorf("%s: tenant A sees %d, tenant B sees %d, no tenant sees %d; want >0, >0, 0", table, na, nb, total)
		}
	}
	if _, names := count(b.TenantID, "users"); strings.Join(names, ",") != "Bolt" {
		t.Errorf("tenant B sees tenants %v, want only Bolt", names)
	}

	// Tenant B cannot write a row into tenant A, even naming A's ID explicitly.
	err := db.InTenant(ctx, b.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO lead_sources (tenant_id, name) VALUES ($1, 'Injected')", a.TenantID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("insert into another tenant: %v, want a row-level security violation", err)
	}
	// Nor update A's rows.
	err = db.InTenant(ctx, b.TenantID, func(tx *postgres.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE users SET name = 'pwned' WHERE tenant_id = $1", a.TenantID)
		if err == nil && tag.RowsAffected() != 0 {
			t.Errorf("tenant B updated %d of tenant A's users", tag.RowsAffected())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInTenantRejectsZeroTenant(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	err := db.InTenant(context.Background(), 0, func(*postgres.Tx) error { return nil })
	if err == nil {
		t.Fatal("InTenant(0) succeeded")
	}
}

func TestCheckAppRole(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	if err := db.CheckAppRole(ctx); err != nil {
		t.Fatalf("app role refused: %v", err)
	}
	owner, err := postgres.Open(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.CheckAppRole(ctx); !errors.Is(err, postgres.ErrUnsafeRole) || !strings.Contains(err.Error(), "owns the tables") {
		t.Fatalf("owner connection: %v, want ErrUnsafeRole (owns the tables)", err)
	}
	super, err := postgres.Open(ctx, pgtest.SuperURL("postgres"))
	if err != nil {
		t.Skipf("no superuser connection: %v", err)
	}
	defer super.Close()
	if err := super.CheckAppRole(ctx); !errors.Is(err, postgres.ErrUnsafeRole) || !strings.Contains(err.Error(), "superuser") {
		t.Fatalf("superuser connection: %v, want ErrUnsafeRole (superuser)", err)
	}
}

func TestSignUpIsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := db.Tenant(t, "Acme")
	ctx := context.Background()
	var before int
	if err := db.RawQueryRow(ctx, "SELECT count(*) FROM login_emails", &before); err != nil {
		t.Fatal(err)
	}
	_, err := db.SignUp(ctx, crm.SignUp{Company: "Copycat", Name: "C", Email: a.Email}, "x")
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || ve.Fields["email"] != crm.MsgEmailTaken {
		t.Fatalf("sign-up with a taken e-mail: %v, want email taken", err)
	}
	var after int
	if err := db.RawQueryRow(ctx, "SELECT count(*) FROM login_emails", &after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("login e-mails %d → %d after a failed sign-up", before, after)
	}
	// Nor the tenant row: look as the superuser, whom row-level security does not bind.
	super, err := postgres.Open(ctx, pgtest.SuperURL(dbName(db.AppURL)))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	var n int
	if err := super.RawQueryRow(ctx, "SELECT count(*) FROM tenants WHERE name = 'Copycat'", &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a failed sign-up left its tenant row behind")
	}
}

func dbName(u string) string {
	s := u[strings.LastIndex(u, "/")+1:]
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return s
}

// TestCommitWithNextBatch: the commit that travels with a page's last batch
// commits it; statements after it fail instead of running unbound; a batch
// that fails commits nothing; and the connection goes back clean either way.
func TestCommitWithNextBatch(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, pgtest.AnyPlan) // reads without the tenant: row-level security alone
	a := db.Tenant(t, "Acme")
	ctx := context.Background()
	one, err := postgres.Open(ctx, db.AppURL+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	accounts := func() int {
		t.Helper()
		var n int
		if err := one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM accounts WHERE tenant_id = $1", tx.Tenant).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := accounts()

	var after error
	err = one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		tx.CommitWithNextBatchForTest()
		b := &pgx.Batch{}
		b.Queue("INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Committed with the batch')", tx.Tenant)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		_, after = tx.Exec(ctx, "INSERT INTO accounts (tenant_id, name) VALUES ($1, 'After the commit')", tx.Tenant)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after == nil {
		t.Fatal("a statement after the committing batch ran")
	}
	if got := accounts(); got != before+1 {
		t.Fatalf("accounts: %d, want %d (the batch's insert committed, nothing after it)", got, before+1)
	}

	// A failing batch: nothing of it is committed.
	err = one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		tx.CommitWithNextBatchForTest()
		b := &pgx.Batch{}
		b.Queue("INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Rolled back')", tx.Tenant)
		b.Queue("SELECT 1 / 0")
		return tx.SendBatch(ctx, b).Close()
	})
	if err == nil {
		t.Fatal("the failing batch reported no error")
	}
	if got := accounts(); got != before+1 {
		t.Fatalf("accounts: %d after a failed batch, want %d", got, before+1)
	}
	var setting, status string
	if err := one.RawQueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), ''), (SELECT count(*)::text FROM accounts)",
		&setting, &status); err != nil {
		t.Fatal(err)
	}
	if setting != "" || status != "0" {
		t.Fatalf("after the batches the connection has app.tenant_id %q and sees %s accounts, want none", setting, status)
	}
}

// TestIdentity: the identity is read in one round trip of its own tenant
// transaction; a user of another tenant, or a deactivated one, is not found;
// and the pooled connection comes back without the binding every time.
func TestIdentity(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := db.Tenant(t, "Acme")
	b := db.Tenant(t, "Bolt")
	ctx := context.Background()
	one, err := postgres.Open(ctx, db.AppURL+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	clean := func() {
		t.Helper()
		var setting string
		if err := one.RawQueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), '')", &setting); err != nil {
			t.Fatal(err)
		}
		if setting != "" {
			t.Fatalf("app.tenant_id is %q after the request, want empty", setting)
		}
	}
	for range 3 { // the first use prepares the statement, the later ones reuse it
		who, err := one.Identity(ctx, a.TenantID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if who.User.ID != a.ID || who.Tenant.ID != a.TenantID || who.User.Email != a.Email || who.Tenant.Name != "Acme" ||
			who.Tenant.Location() == nil {
			t.Fatalf("identity %+v", who)
		}
		clean()
	}
	// Tenant A's binding with B's user: nothing.
	if _, err := one.Identity(ctx, a.TenantID, b.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("another tenant's user: %v, want not found", err)
	}
	clean()
	if err := one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET active = false WHERE tenant_id = $1 AND id = $2", tx.Tenant, a.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Identity(ctx, a.TenantID, a.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("deactivated user: %v, want not found", err)
	}
	clean()
}

// TestTransactionBegunByItsFirstBatch: BEGIN and the tenant binding travel
// with a transaction's first batch. Its statements see the tenant's rows
// and only those, they are one transaction with what follows, a failure
// rolls all of it back, and the connection comes back unbound.
func TestTransactionBegunByItsFirstBatch(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t, pgtest.AnyPlan)
	a := db.Tenant(t, "Acme")
	b := db.Tenant(t, "Bolt")
	ctx := context.Background()
	one, err := postgres.Open(ctx, db.AppURL+"&pool_max_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	count := func(tenant crm.TenantID) (mine, all int) {
		t.Helper()
		if err := one.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
			batch := &pgx.Batch{}
			batch.Queue("SELECT count(*) FROM accounts WHERE tenant_id = $1", tx.Tenant)
			batch.Queue("SELECT count(*) FROM accounts")
			br := tx.SendBatch(ctx, batch)
			if err := br.QueryRow().Scan(&mine); err != nil {
				return err
			}
			if err := br.QueryRow().Scan(&all); err != nil {
				return err
			}
			return br.Close()
		}); err != nil {
			t.Fatal(err)
		}
		return mine, all
	}
	if err := one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error { return nil }); err != nil { // nothing sent, nothing to commit
		t.Fatal(err)
	}
	for _, tenant := range []crm.TenantID{a.TenantID, b.TenantID} {
		if err := one.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Seen by its tenant')", tx.Tenant)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	mineA, allA := count(a.TenantID)
	mineB, allB := count(b.TenantID)
	if mineA == 0 || mineB == 0 {
		t.Fatalf("a batch-begun transaction saw %d and %d of its tenant's accounts, want some", mineA, mineB)
	}
	if mineA != allA || mineB != allB {
		t.Fatalf("a batch-begun transaction saw other tenants' accounts: %d/%d and %d/%d", mineA, allA, mineB, allB)
	}

	// A batch, then a statement on its own, then a failure: nothing stays.
	boom := errors.New("boom")
	err = one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue("INSERT INTO accounts (tenant_id, name) VALUES ($1, 'In the batch')", tx.Tenant)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO accounts (tenant_id, name) VALUES ($1, 'On its own')", tx.Tenant); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTenant returned %v, want the callback's error", err)
	}
	if mine, _ := count(a.TenantID); mine != mineA {
		t.Fatalf("accounts after a rolled-back transaction: %d, want %d", mine, mineA)
	}

	// A batch that writes commits with the transaction.
	if err := one.InTenant(ctx, a.TenantID, func(tx *postgres.Tx) error {
		batch := &pgx.Batch{}
		batch.Queue("INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Kept')", tx.Tenant)
		return tx.SendBatch(ctx, batch).Close()
	}); err != nil {
		t.Fatal(err)
	}
	if mine, _ := count(a.TenantID); mine != mineA+1 {
		t.Fatalf("accounts after a committed batch: %d, want %d", mine, mineA+1)
	}
	var setting string
	var accounts int
	if err := one.RawQueryRow(ctx, "SELECT COALESCE(current_setting('app.tenant_id', true), ''), (SELECT count(*) FROM accounts)", &setting, &accounts); err != nil {
		t.Fatal(err)
	}
	if setting != "" || accounts != 0 {
		t.Fatalf("after the transactions the connection has app.tenant_id %q and sees %d accounts, want none", setting, accounts)
	}
}
