package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// importFile reads file with the tenant's setup, as the import screen does:
// the suggested mapping, the rows decoded one by one.
type importFile struct {
	fields map[string]bool
	next   postgres.ImportRows
}

func readImport(t testing.TB, db *pgtest.DB, v crm.Viewer, file string, createSources bool) importFile {
	t.Helper()
	ctx := context.Background()
	s, err := db.ImportSetup(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := db.Settings(ctx, v.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := csvfile.NewReader(strings.NewReader(file), csvfile.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := csvfile.Suggest(r.Header, s.Lists.Defs)
	d := csvfile.NewProjectDecoder(r.Header, m, csvfile.ImportLists{Users: s.Lists.Users, Statuses: s.Lists.Names.Statuses,
		Sources: s.Lists.Names.Sources, Reasons: s.Lists.Names.Reasons, Defs: s.Lists.Defs, Workgroups: s.Workgroups,
		Currency: tenant.Currency, Loc: tenant.Location(), Now: time.Now(), Order: csvfile.MonthFirst, Actor: v.UserID,
		Owners: s.Owners, CreateSources: createSources})
	return importFile{fields: m.Fields(), next: func(row *crm.ImportRow) (bool, error) {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		d.Decode(rec, r.Line(), r.Formula, row)
		return true, nil
	}}
}

func commit(t testing.TB, db *pgtest.DB, v crm.Viewer, id int64, f importFile, validOnly bool, rejected *[]int) (postgres.ImportResult, error) {
	t.Helper()
	return db.CommitImport(context.Background(), v, postgres.ImportWrite{ImportID: id, FileName: "deals.csv", Fields: f.fields,
		ValidOnly: validOnly, Rejected: func(line int, errs []crm.RowError) error {
			if rejected != nil {
				*rejected = append(*rejected, line)
			}
			return nil
		}}, f.next)
}

func exported(t testing.TB, db *pgtest.DB, v crm.Viewer) map[string]crm.ProjectRecord {
	t.Helper()
	out := map[string]crm.ProjectRecord{}
	err := db.ExportProjects(context.Background(), v, nil, time.Now(), func(postgres.ExportLists) error { return nil },
		func(r *crm.ProjectRecord) error {
			c := *r
			c.Completions = append([]crm.Completion(nil), r.Completions...)
			c.Members = append([]crm.UserID(nil), r.Members...)
			out[r.Title] = c
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const dealsFile = `external_id,title,account,contact,contact_email,contact_phone,owner_email,team,source,value,expected_close,state,archive_reason,archived_at,defer_until,created_at,milestone: Lead created,milestone: Lead qualified,milestone by: Lead qualified,notes
A1,Roof Novak,Novak GmbH,Petra Novak,petra@novak.example,+49 30 111,%[1]s,%[2]s,Trade fair,"12,500.00",2026-09-30,active,,,,2025-01-05 09:00,2025-01-05 09:00,2025-01-07 10:30,%[2]s,
A2,Heat pump Berger,Berger AG,Lena Berger,lena@berger.example,,%[2]s,,Website,4900,,archived,No budget,2025-03-01 12:00,,2025-02-01 08:00,2025-02-01 08:00,,,
A3,Carport Novak,Novak GmbH,Petra Novak,PETRA@novak.example,,%[1]s,,,800,,deferred,,,2027-01-15,2025-04-01 08:00,2025-04-01 08:00,2025-04-03 08:00,,
`

// TestImportProjects imports a file into a tenant: projects with their
// accounts and contacts (one contact for two rows, matched by e-mail),
// owner and team by e-mail, a lead source created, completions, states;
// a log entry each; derived data as a recompute gives it. The same file
// again updates the same projects instead of adding others.
func TestImportProjects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Importers")
	rep := db.User(t, admin, crm.RoleSales, "Rita")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	file := fmt.Sprintf(dealsFile, admin.Email, rep.Email)

	p, err := db.PreviewImport(ctx, v, readImport(t, db, v, file, true).next)
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 3 || p.Create != 3 || p.Update != 0 || p.Skip != 0 || len(p.Errors) != 0 || len(p.Rows) != 3 {
		t.Fatalf("preview %+v", p)
	}
	if n := countProjects(t, db, v); n != 0 {
		t.Fatalf("the preview wrote %d projects", n)
	}
	id, err := db.CreateImport(ctx, v, "deals.csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := commit(t, db, v, id, readImport(t, db, v, file, true), false, nil)
	if err != nil || res.Created != 3 {
		t.Fatalf("commit: %+v %v", res, err)
	}
	got := exported(t, db, v)
	roof, carport, pump := got["Roof Novak"], got["Carport Novak"], got["Heat pump Berger"]
	if roof.ExternalID != "A1" || roof.Value != 1250000 || roof.OwnerID != admin.ID || len(roof.Members) != 1 || roof.Members[0] != rep.ID ||
		roof.State != crm.StateActive || len(roof.Completions) != 2 || roof.Completions[1].By != rep.ID ||
		roof.Contact.Email != "petra@novak.example" || roof.Account.Name != "Novak GmbH" || roof.SourceID == 0 {
		t.Errorf("roof: %+v", roof)
	}
	if carport.ContactID != roof.ContactID || carport.AccountID != roof.AccountID || carport.State != crm.StateDeferred ||
		carport.DeferUntil != (crm.Date{Y: 2027, M: 1, D: 15}) {
		t.Errorf("carport: %+v (roof contact %d)", carport, roof.ContactID)
	}
	if pump.State != crm.StateArchived || pump.ArchiveReasonID == 0 || pump.ArchivedAt.IsZero() || pump.OwnerID != rep.ID {
		t.Errorf("pump: %+v", pump)
	}
	var logs int
	if err := db.InTenant(ctx, v.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM project_log WHERE tenant_id = $1 AND kind = 'imported' AND body = 'deals.csv' AND user_id = $2`,
			tx.Tenant, admin.ID).Scan(&logs)
	}); err != nil || logs != 3 {
		t.Errorf("imported log entries: %d %v", logs, err)
	}
	sameAfterRefresh(t, db, v.TenantID, "import")

	// The same file, a value changed: the same projects, updated.
	again := strings.Replace(file, `"12,500.00"`, `"13,000.00"`, 1)
	again = strings.Replace(again, `800,,deferred,,,2027-01-15`, `800,2026-12-01,active,,,`, 1)
	p, err = db.PreviewImport(ctx, v, readImport(t, db, v, again, true).next)
	if err != nil || p.Update != 3 || p.Create != 0 {
		t.Fatalf("preview again: %+v %v", p, err)
	}
	if len(p.Duplicates) == 0 || p.Duplicates[0].Match != crm.MatchEmail {
		t.Errorf("the existing contact is not listed: %+v", p.Duplicates)
	}
	id2, _ := db.CreateImport(ctx, v, "deals.csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	res, err = commit(t, db, v, id2, readImport(t, db, v, again, true), false, nil)
	if err != nil || res.Updated != 3 || res.Created != 0 {
		t.Fatalf("commit again: %+v %v", res, err)
	}
	if n := countProjects(t, db, v); n != 3 {
		t.Errorf("%d projects after the second import", n)
	}
	if got := exported(t, db, v)["Roof Novak"]; got.Value != 1300000 || len(got.Completions) != 2 {
		t.Errorf("updated roof: %+v", got)
	}
	// What the update changed is logged old → new, as an edit by hand is:
	// the past is rebuilt from it.
	var changes []string
	if err := db.InTenant(ctx, v.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT p.title || ' ' || l.kind || ' ' || l.field || ' ' || l.old_value || '>' || l.new_value
			  FROM project_log l JOIN projects p ON p.tenant_id = $1 AND p.id = l.project_id
			 WHERE l.tenant_id = $1 AND l.kind IN ('field_changed', 'state_changed', 'owner_changed') ORDER BY 1`, tx.Tenant)
		if err != nil {
			return err
		}
		changes, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Carport Novak field_changed defer_until 2027-01-15>", "Carport Novak field_changed expected_close >2026-12-01",
		"Carport Novak state_changed state deferred>active", "Roof Novak field_changed value 1250000>1300000"}; !slices.Equal(changes, want) {
		t.Errorf("logged changes of the update:\n%q\nwant\n%q", changes, want)
	}
	sameAfterRefresh(t, db, v.TenantID, "re-import")
}

func countProjects(t testing.TB, db *pgtest.DB, v crm.Viewer) int {
	t.Helper()
	var n int
	if err := db.InTenant(context.Background(), v.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM projects WHERE tenant_id = $1`, tx.Tenant).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportAllOrNothing: an error on the last of 5,000 rows leaves nothing
// written; with "valid rows only" the others are written and the bad one
// is handed back. Another tenant's owner e-mail is unknown, and its
// project's external ID is not matched.
func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Bulk")
	other := db.Tenant(t, "Other")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	var b strings.Builder
	b.WriteString("external_id,title,owner_email,value,created_at\n")
	for i := 1; i < 5000; i++ {
		fmt.Fprintf(&b, "X%d,Deal %d,%s,%d,2025-06-01 10:00\n", i, i, admin.Email, i)
	}
	fmt.Fprintf(&b, "X5000,Deal 5000,%s,5000,2025-06-01 10:00\n", other.Email)
	file := b.String()
	id, _ := db.CreateImport(ctx, v, "bulk.csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	_, err := commit(t, db, v, id, readImport(t, db, v, file, false), false, nil)
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || ve.Fields[""] != "import.has_errors|1" {
		t.Fatalf("commit with an error: %v", err)
	}
	if n := countProjects(t, db, v); n != 0 {
		t.Fatalf("all or nothing wrote %d projects", n)
	}
	var rejected []int
	res, err := commit(t, db, v, id, readImport(t, db, v, file, false), true, &rejected)
	if err != nil || res.Created != 4999 || res.Rejected != 1 || len(rejected) != 1 || rejected[0] != 5001 {
		t.Fatalf("valid only: %+v %v %v", res, err, rejected)
	}
	sameAfterRefresh(t, db, v.TenantID, "valid rows")

	// The other tenant imports X1: a project of its own, not ours.
	ov := crm.Viewer{TenantID: other.TenantID, UserID: other.ID, Role: other.Role}
	one := "external_id,title\nX1,Theirs\n"
	p, err := db.PreviewImport(ctx, ov, readImport(t, db, ov, one, false).next)
	if err != nil || p.Create != 1 || p.Update != 0 {
		t.Fatalf("other tenant's preview: %+v %v", p, err)
	}
}

// TestImportUndo: a whole import undone while nothing changed; once a
// project of it changed, it cannot be.
func TestImportUndo(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Undo")
	rep := db.User(t, admin, crm.RoleSales, "Uma")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	db.Lead(t, pgtest.ActorOf(admin), "Kept")
	before := pgtest.Derived(t, db, v.TenantID)
	file := fmt.Sprintf(dealsFile, admin.Email, rep.Email)
	id, _ := db.CreateImport(ctx, v, "deals.csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	if err := db.StartImport(ctx, v, id); err != nil {
		t.Fatal(err)
	}
	res, err := commit(t, db, v, id, readImport(t, db, v, file, true), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishImport(ctx, v.TenantID, id, res, ""); err != nil {
		t.Fatal(err)
	}
	if err := db.UndoImport(ctx, v, id); err != nil {
		t.Fatal(err)
	}
	if n := countProjects(t, db, v); n != 1 {
		t.Fatalf("%d projects after undo", n)
	}
	// No search word or search text outlives its project (the words have
	// no foreign key: the undo deletes them).
	var orphans int
	if err := db.InTenant(ctx, v.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM project_search_words w WHERE w.tenant_id = $1
		    AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.id = w.project_id))
		  + (SELECT count(*) FROM project_search s WHERE s.tenant_id = $1
		    AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.tenant_id = $1 AND p.id = s.project_id))`, tx.Tenant).Scan(&orphans)
	}); err != nil || orphans != 0 {
		t.Fatalf("after undo: %d search rows without a project (%v)", orphans, err)
	}
	pgtest.SameDerived(t, before, pgtest.Derived(t, db, v.TenantID), "undo")
	sameAfterRefresh(t, db, v.TenantID, "undo")
	if err := db.UndoImport(ctx, v, id); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("undo twice: %v", err)
	}
}

// TestImportMatchesContactsByNormalisedPhone: a contact imported with its
// number in national form is the existing contact with that number in
// international form, as the duplicate check of a new lead finds it.
func TestImportMatchesContactsByNormalisedPhone(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Phones")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	if err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tenants SET country = 'US' WHERE id = $1`, tx.Tenant)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, admin.TenantID); err != nil {
		t.Fatal(err)
	}
	lead := db.LeadForm(t, pgtest.ActorOf(admin), crm.LeadForm{Title: "First roof", Value: "1",
		Account: crm.Account{Name: "Garcia household"}, Contact: crm.Contact{Name: "Maria Garcia", Phone: "+1 555 481 0380"}})
	file := "title,account,contact,contact_phone,value\nSecond roof,Garcia household,Maria Garcia,(555) 481-0380,100\n"
	p, err := db.PreviewImport(ctx, v, readImport(t, db, v, file, true).next)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Duplicates) != 1 || p.Duplicates[0].Match != crm.MatchPhone {
		t.Fatalf("the existing contact is not found by its number: %+v", p.Duplicates)
	}
	id, err := db.CreateImport(ctx, v, "deals.csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := commit(t, db, v, id, readImport(t, db, v, file, true), false, nil); err != nil || res.Created != 1 {
		t.Fatalf("commit: %+v %v", res, err)
	}
	got := exported(t, db, v)
	if got["Second roof"].ContactID != got["First roof"].ContactID || got["First roof"].ID != lead {
		t.Errorf("the imported project's contact %d, want the existing %d", got["Second roof"].ContactID, got["First roof"].ContactID)
	}
}
