package postgres_test

import (
	"context"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestPickCustomersAndPhoneBackfill: rows written by hand (as before the
// normalised form existed) get it from a refresh once the region is
// known; the picker then finds accounts and contacts by name prefix,
// e-mail and a phone typed in national form.
func TestPickCustomersAndPhoneBackfill(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Picker")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		if err := execEach(tx, []any{tx.Tenant}, `
			UPDATE tenants SET country = 'US', phones_region = NULL WHERE id = $1;
			INSERT INTO accounts (tenant_id, name, email, phone) VALUES ($1, 'Orchard Farm', 'farm@example.com', '+1 555 481 0380');
			INSERT INTO accounts (tenant_id, name, address) VALUES ($1, 'Orchard Farm', 'Springfield');
			INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Zed Co');`); err != nil {
			return err
		}
		// (No INSERT … SELECT: a distributed database refuses it under row-level security.)
		var zed int64
		if err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE tenant_id = $1 AND name = 'Zed Co'`, tx.Tenant).Scan(&zed); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO contacts (tenant_id, account_id, name, phone) VALUES ($1, $2, 'Olga Orr', '555-222-0101')`, tx.Tenant, zed)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, admin.TenantID); err != nil {
		t.Fatal(err)
	}
	res, err := db.PickCustomers(ctx, v, "orch", 10)
	if err != nil || res.TooSlow {
		t.Fatal(err, res.TooSlow)
	}
	if len(res.Accounts) != 2 || len(res.Contacts) != 0 {
		t.Fatalf("orch: %+v", res)
	}
	res, _ = db.PickCustomers(ctx, v, "(555) 481", 10)
	if len(res.Accounts) != 1 || res.Accounts[0].Email != "farm@example.com" {
		t.Fatalf("phone: %+v", res)
	}
	res, _ = db.PickCustomers(ctx, v, "+1 555 222", 10)
	if len(res.Contacts) != 1 || res.Contacts[0].Name != "Olga Orr" || res.Contacts[0].AccountName != "Zed Co" {
		t.Fatalf("contact phone: %+v", res)
	}
	res, _ = db.PickCustomers(ctx, v, "FARM@example.com", 10)
	if len(res.Accounts) != 1 {
		t.Fatalf("e-mail: %+v", res)
	}
	res, _ = db.PickCustomers(ctx, v, "o", 1)
	if len(res.Accounts) != 2 || len(res.Contacts) != 1 { // limit+1 says there are more
		t.Fatalf("limit: %+v", res)
	}
}
