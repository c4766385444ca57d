package postgres_test

import (
	"context"
	"testing"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestPhoneBackfill: rows written by hand (as before the normalised form
// existed) get it from a refresh once the tenant's region is known: the
// account's number typed with its country code, the contact's in national
// form, both read in the tenant's country.
func TestPhoneBackfill(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Picker")
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
	// The numbers written by hand get their normalised form from the refresh.
	var farm, olga string
	if err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT phone_norm FROM accounts WHERE tenant_id = $1 AND email = 'farm@example.com'`, tx.Tenant).Scan(&farm); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT phone_norm FROM contacts WHERE tenant_id = $1 AND name = 'Olga Orr'`, tx.Tenant).Scan(&olga)
	}); err != nil {
		t.Fatal(err)
	}
	if farm != "+15554810380" || olga != "+15552220101" {
		t.Fatalf("normalised after refresh: account %q, contact %q; want +15554810380, +15552220101", farm, olga)
	}
}
