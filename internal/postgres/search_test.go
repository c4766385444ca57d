package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestSalesTextSearch: the Sales screen's search finds a project by its
// title, its customer and its contact's name and e-mail, from the start of a
// word and across words, in its view only; and after a rename (the summary
// triggers) by the new text and no longer by the old.
func TestSalesTextSearch(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Search Kestrel")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	now := time.Now()
	var id crm.ProjectID
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		err := execEach(tx, []any{tx.Tenant, admin.ID}, `
			INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Kestrel Orchards');
			INSERT INTO contacts (tenant_id, account_id, name, email)
			VALUES ($1, (SELECT id FROM accounts WHERE tenant_id = $1 AND name = 'Kestrel Orchards'), 'Mara Lindqvist', 'mara.lindqvist@kestrel.example');
			INSERT INTO projects (tenant_id, title, account_id, contact_id, owner_id)
			VALUES ($1, 'Heat pump retrofit', (SELECT id FROM accounts WHERE tenant_id = $1 AND name = 'Kestrel Orchards'),
			        (SELECT id FROM contacts WHERE tenant_id = $1), $2);
			INSERT INTO projects (tenant_id, title, account_id, owner_id, state, archive_reason_id)
			VALUES ($1, 'Heat pump archived', (SELECT id FROM accounts WHERE tenant_id = $1 AND name = 'Kestrel Orchards'), $2,
			        'archived', (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1));`)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND title = 'Heat pump retrofit'`, tx.Tenant).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	search := func(view crm.State, q string) []crm.ProjectID {
		t.Helper()
		var ids []crm.ProjectID
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			f := postgres.SalesFilter{View: view, Text: q, Now: now, Today: now}
			page, err := tx.ListSales(ctx, v, f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			for _, r := range page.Rows {
				ids = append(ids, r.ID)
			}
			if page.Total != int64(len(ids)) || page.Estimated {
				t.Errorf("search %q: total %d (estimated %v) for %d rows", q, page.Total, page.Estimated, len(ids))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	expect := func(view crm.State, q string, want bool) {
		t.Helper()
		got := search(view, q)
		if found := slices.Contains(got, id); found != want || len(got) > 1 {
			t.Errorf("search %s %q: %v, want found %v", view, q, got, want)
		}
	}
	for _, q := range []string{"heat pump", "heat pu", "pump retro", "retrofit", "kestrel orch", "orchards",
		"mara lindqvist", "lindq", "mara.lindqvist@kestrel", "lindqvist@kestrel.example", "@kestrel.ex"} {
		expect(crm.StateActive, q, true)
	}
	for _, q := range []string{"pump heat", "heat  pump", "kestrel  orchards", "nothing like it", "eat pump"} {
		expect(crm.StateActive, q, false)
	}
	if got := search(crm.StateArchived, "heat pump"); len(got) != 1 || got[0] == id {
		t.Errorf("archived view: %v, want only the archived project", got)
	}

	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant}, `
			UPDATE projects SET title = 'Solar carport' WHERE tenant_id = $1 AND title = 'Heat pump retrofit';
			UPDATE contacts SET email = 'm.l@orchard.example' WHERE tenant_id = $1;
			UPDATE accounts SET name = 'Falcon Farms' WHERE tenant_id = $1;`)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"solar carport", "solar car", "falcon farm", "m.l@orchard", "mara lindqvist"} {
		expect(crm.StateActive, q, true)
	}
	for _, q := range []string{"heat pump", "kestrel", "lindqvist@kestrel"} {
		expect(crm.StateActive, q, false)
	}
	// Archiving moves it to the archived view's search.
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant, int64(id)}, `
			UPDATE projects SET state = 'archived', archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1)
			 WHERE tenant_id = $1 AND id = $2;`)
	})
	if err != nil {
		t.Fatal(err)
	}
	expect(crm.StateActive, "solar carport", false)
	expect(crm.StateArchived, "solar carport", true)
}
