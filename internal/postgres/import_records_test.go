package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// readRecords reads an accounts or contacts file as the import screen
// does: the suggested mapping, the rows decoded one by one.
func readRecords(t testing.TB, db *pgtest.DB, v crm.Viewer, kind csvfile.Kind, file string, create bool) (postgres.RecordsImport, postgres.RecordRows) {
	t.Helper()
	tenant, err := db.Settings(context.Background(), v.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := csvfile.NewReader(strings.NewReader(file), csvfile.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := csvfile.SuggestRecords(kind, r.Header)
	d := csvfile.NewRecordDecoder(kind, r.Header, m, csvfile.RecordLists{Loc: tenant.Location(), Now: time.Now(),
		Order: csvfile.MonthFirst, Actor: v.UserID, CreateAccounts: create})
	w := postgres.RecordsImport{Kind: string(kind), Fields: m.Fields(), CreateAccounts: create, FileName: string(kind) + ".csv"}
	return w, func(row *crm.RecordRow) (bool, error) {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		d.Decode(rec, r.Line(), r.Formula, row)
		return true, nil
	}
}

func previewRecords(t testing.TB, db *pgtest.DB, v crm.Viewer, kind csvfile.Kind, file string, create bool) *postgres.ImportPreview {
	t.Helper()
	w, next := readRecords(t, db, v, kind, file, create)
	p, err := db.PreviewRecordsImport(context.Background(), v, w, next)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func commitRecords(t testing.TB, db *pgtest.DB, v crm.Viewer, kind csvfile.Kind, file string, create, validOnly bool, rejected *[]int) (postgres.ImportResult, error) {
	t.Helper()
	ctx := context.Background()
	id, err := db.CreateImportOf(ctx, v, string(kind), string(kind)+".csv", int64(len(file)), nil, nil, postgres.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, next := readRecords(t, db, v, kind, file, create)
	w.ImportID, w.ValidOnly = id, validOnly
	w.Rejected = func(line int, errs []crm.RowError) error {
		if rejected != nil {
			*rejected = append(*rejected, line)
		}
		return nil
	}
	res, err := db.CommitRecordsImport(ctx, v, w, next)
	if err == nil {
		if err := db.FinishImport(ctx, v.TenantID, id, res, ""); err != nil {
			t.Fatal(err)
		}
	}
	return res, err
}

// exportedRecords writes the accounts and contacts files of what v sees,
// as the export does.
func exportedRecords(t testing.TB, db *pgtest.DB, v crm.Viewer) (accounts, contacts string) {
	t.Helper()
	ctx := context.Background()
	tenant, err := db.Settings(ctx, v.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	var a, c bytes.Buffer
	aw, err := csvfile.NewTableWriter(&a, csvfile.AccountColumns, tenant.Location())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ExportAccounts(ctx, v, aw.Account); err != nil {
		t.Fatal(err)
	}
	cw, err := csvfile.NewTableWriter(&c, csvfile.ContactColumns, tenant.Location())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ExportContacts(ctx, v, func(r *postgres.ContactRecord) error { return cw.Contact(&r.Contact, r.Account) }); err != nil {
		t.Fatal(err)
	}
	if err := aw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	return a.String(), c.String()
}

// storedRecord is an account or contact as stored, with what a write
// derives (the normalised phone) and keeps (external ID, import).
type storedRecord struct {
	ID, Account                                        int64
	Name, Email, Phone, PhoneNorm, Address, ExternalID string
	CreatedAt                                          time.Time
	Import                                             int64
}

func stored(t testing.TB, db *pgtest.DB, tenant crm.TenantID, table string) map[string]storedRecord {
	t.Helper()
	out := map[string]storedRecord{}
	ctx := context.Background()
	cols := `id, 0::bigint, name, email, phone, phone_norm, address, external_id, created_at, COALESCE(import_id, 0)`
	if table == "contacts" {
		cols = `id, account_id, name, email, phone, phone_norm, '', external_id, created_at, COALESCE(import_id, 0)`
	}
	err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+cols+` FROM `+table+` WHERE tenant_id = $1 ORDER BY id`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r storedRecord
			if err := rows.Scan(&r.ID, &r.Account, &r.Name, &r.Email, &r.Phone, &r.PhoneNorm, &r.Address, &r.ExternalID, &r.CreatedAt, &r.Import); err != nil {
				return err
			}
			out[r.Name] = r
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const accountsFile = `Record ID,Company name,Email,Phone Number,Street Address,Create Date
H1,Novak GmbH,info@novak.example,030 1234567,"Hauptstraße 4
10115 Berlin",2025-01-05 09:00
H2,Berger AG,,+43 1 555 0101,,2025-02-01 08:00
`

const contactsFile = `Record ID,First Name,Last Name,Email,Phone Number,Associated Company,Create Date
P1,Petra,Novak,petra@novak.example,030 7654321,Novak GmbH,2025-01-05 09:15
P2,Lena,Berger,,+43 1 555 0102,Berger AG,2025-02-01 08:10
P3,Mia,Sommer,mia@sommer.example,,Sommer Haus,2025-03-01 10:00
`

// TestImportAccountsAndContacts imports an accounts file, then a contacts
// file whose contacts name their accounts (one created as asked); the
// writes are those of the account and contact pages (normalised phone,
// external ID kept, the import's ID). The same files again update the
// same records, a changed name reaching the Sales screen's customer name
// of the account's project; an account matched by e-mail takes the file's
// external ID.
func TestImportAccountsAndContacts(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Records")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	lead := db.LeadForm(t, pgtest.ActorOf(admin), crm.LeadForm{Title: "Roof", Account: crm.Account{Name: "Novak", Email: "info@novak.example"},
		Value: "100"})

	p := previewRecords(t, db, v, csvfile.KindAccounts, accountsFile, false)
	if p.Total != 2 || p.Create != 1 || p.Update != 1 || p.Skip != 0 || len(p.Rows) != 2 || !p.Rows[0].Update {
		t.Fatalf("preview %+v", p)
	}
	res, err := commitRecords(t, db, v, csvfile.KindAccounts, accountsFile, false, false, nil)
	if err != nil || res.Created != 1 || res.Updated != 1 {
		t.Fatalf("commit accounts: %+v %v", res, err)
	}
	accounts := stored(t, db, v.TenantID, "accounts")
	novak, berger := accounts["Novak GmbH"], accounts["Berger AG"]
	if len(accounts) != 2 || novak.ExternalID != "H1" || novak.Address != "Hauptstraße 4\n10115 Berlin" || novak.PhoneNorm == "" ||
		!novak.CreatedAt.Equal(time.Date(2025, 1, 5, 9, 0, 0, 0, time.UTC)) || novak.Import != 0 {
		t.Errorf("novak (updated): %+v", novak)
	}
	if berger.ExternalID != "H2" || berger.Phone != "+43 1 555 0101" || berger.PhoneNorm != "+4315550101" || berger.Import == 0 {
		t.Errorf("berger (created): %+v", berger)
	}
	var customer string
	if err := db.InTenant(ctx, v.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT customer_name FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, lead).Scan(&customer)
	}); err != nil || customer != "Novak GmbH" {
		t.Errorf("the project's customer name: %q %v", customer, err)
	}
	sameAfterRefresh(t, db, v.TenantID, "accounts import")

	// Contacts: a missing account is refused unless it is to be created.
	p = previewRecords(t, db, v, csvfile.KindContacts, contactsFile, false)
	if p.Create != 2 || p.Skip != 1 || len(p.Errors) != 1 || p.Errors[0].Line != 4 || p.Errors[0].Msg != postgres.MsgRowUnknownAccount {
		t.Fatalf("contacts preview: %+v", p)
	}
	if p.CreateAccounts != 0 {
		t.Errorf("contacts preview without creating accounts counts %d new accounts", p.CreateAccounts)
	}
	// Created, the preview counts the one account the commit creates.
	if p = previewRecords(t, db, v, csvfile.KindContacts, contactsFile, true); p.Create != 3 || p.CreateAccounts != 1 {
		t.Fatalf("contacts preview creating accounts: %+v", p)
	}
	res, err = commitRecords(t, db, v, csvfile.KindContacts, contactsFile, true, false, nil)
	if err != nil || res.Created != 3 {
		t.Fatalf("commit contacts: %+v %v", res, err)
	}
	contacts := stored(t, db, v.TenantID, "contacts")
	accounts = stored(t, db, v.TenantID, "accounts")
	petra, lena, mia := contacts["Petra Novak"], contacts["Lena Berger"], contacts["Mia Sommer"]
	if petra.Account != novak.ID || petra.ExternalID != "P1" || petra.PhoneNorm == "" || lena.Account != berger.ID ||
		mia.Account != accounts["Sommer Haus"].ID || accounts["Sommer Haus"].Import == 0 || len(accounts) != 3 {
		t.Errorf("contacts %+v, accounts %+v", contacts, accounts)
	}

	// The same files again, a name changed: updates by external ID.
	again := strings.Replace(contactsFile, "P2,Lena,Berger", "P2,Lena,Berger-Huber", 1)
	res, err = commitRecords(t, db, v, csvfile.KindContacts, again, true, false, nil)
	if err != nil || res.Created != 0 || res.Updated != 3 {
		t.Fatalf("contacts again: %+v %v", res, err)
	}
	res, err = commitRecords(t, db, v, csvfile.KindAccounts, strings.Replace(accountsFile, "Berger AG", "Berger Solar AG", 1), false, false, nil)
	if err != nil || res.Created != 0 || res.Updated != 2 {
		t.Fatalf("accounts again: %+v %v", res, err)
	}
	contacts, accounts = stored(t, db, v.TenantID, "contacts"), stored(t, db, v.TenantID, "accounts")
	if len(contacts) != 3 || contacts["Lena Berger-Huber"].ID != lena.ID || len(accounts) != 3 || accounts["Berger Solar AG"].ID != berger.ID {
		t.Errorf("after the second imports: contacts %+v, accounts %+v", contacts, accounts)
	}
	sameAfterRefresh(t, db, v.TenantID, "re-import")
}

// TestImportRecordsPreviewErrors: every problem of a row with its line and
// column, the valid rows counted; an e-mail or name twice in the file.
func TestImportRecordsPreviewErrors(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	admin := db.Tenant(t, "Errors")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	file := `name,email,phone,account,created_at
Ann Lee,ann@lee.example,,Lee Farm,2025-01-01
,nobody@x.example,,Lee Farm,
Bo Kim,bo@,,Kim Co,
Cy Day,cy@day.example,,Nowhere Ltd,
Di Fox,ann@lee.example,,Lee Farm,
Ed Ray,ed@ray.example,12,Lee Farm,3000-01-01
`
	if _, err := commitRecords(t, db, v, csvfile.KindAccounts, "name\nLee Farm\nKim Co\n", false, false, nil); err != nil {
		t.Fatal(err)
	}
	p := previewRecords(t, db, v, csvfile.KindContacts, file, false)
	got := map[int]string{}
	for _, e := range p.Errors {
		got[e.Line] += e.Column + " " + e.Msg + ";"
	}
	want := map[int]string{
		3: "name " + crm.MsgRequired + ";",
		4: "email " + crm.MsgInvalidEmail + ";",
		5: " " + postgres.MsgRowUnknownAccount + ";",
		6: " " + crm.Msg(postgres.MsgRowDuplicateRecord, 2) + ";",
		7: "phone " + crm.MsgInvalidPhone + ";created_at " + csvfile.MsgRowFuture + ";",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors\n got %v\nwant %v", got, want)
	}
	if p.Total != 6 || p.Create != 1 || p.Skip != 5 || p.ErrorCount != 6 {
		t.Errorf("counts %+v", p)
	}
}

// TestImportRecordsAllOrNothing: an error on the last of 3,000 rows leaves
// nothing written; with "valid rows only" the others are written and the
// bad one is handed back.
func TestImportRecordsAllOrNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	admin := db.Tenant(t, "Bulk records")
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	var b strings.Builder
	b.WriteString("id,name,email,account\n")
	for i := 1; i < 3000; i++ {
		fmt.Fprintf(&b, "C%d,Person %d,p%d@example.com,Household %d\n", i, i, i, i%700)
	}
	b.WriteString("C3000,Person 3000,not-an-address,Household 1\n")
	file := b.String()
	_, err := commitRecords(t, db, v, csvfile.KindContacts, file, true, false, nil)
	var ve *crm.ValidationError
	if !errors.As(err, &ve) || ve.Fields[""] != crm.Msg(postgres.MsgImportHasErrors, 1) {
		t.Fatalf("all or nothing: %v", err)
	}
	if n := len(stored(t, db, v.TenantID, "contacts")) + len(stored(t, db, v.TenantID, "accounts")); n != 0 {
		t.Fatalf("%d records written by a failed import", n)
	}
	var rejected []int
	res, err := commitRecords(t, db, v, csvfile.KindContacts, file, true, true, &rejected)
	if err != nil || res.Created != 2999 || res.Rejected != 1 || len(rejected) != 1 || rejected[0] != 3001 {
		t.Fatalf("valid only: %+v %v %v", res, err, rejected)
	}
	if n, a := len(stored(t, db, v.TenantID, "contacts")), len(stored(t, db, v.TenantID, "accounts")); n != 2999 || a != 700 {
		t.Errorf("%d contacts, %d accounts", n, a)
	}
}

// TestImportRecordsRoundTrip exports one tenant's accounts and contacts,
// imports both files into a new tenant and compares every field; the same
// files again change nothing, and the export read back into its own
// tenant updates the same records by their IDs.
func TestImportRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	src := db.Tenant(t, "Source")
	dst := db.Tenant(t, "Target")
	sv := crm.Viewer{TenantID: src.TenantID, UserID: src.ID, Role: src.Role}
	dv := crm.Viewer{TenantID: dst.TenantID, UserID: dst.ID, Role: dst.Role}
	a := pgtest.ActorOf(src)
	for i, l := range []crm.LeadForm{
		{Title: "Roof", Account: crm.Account{Name: "Novak GmbH", Email: "info@novak.example", Phone: "+49 30 1234567",
			Address: "Hauptstraße 4\n10115 Berlin"}, Contact: crm.Contact{Name: "Petra Novak", Email: "petra@novak.example", Phone: "+49 30 7654321"}},
		{Title: "Pump", Account: crm.Account{Name: "Berger, \"the\" household"}, Contact: crm.Contact{Name: "Lena Berger", Phone: "0664 555"}},
		{Title: "Tiles", Account: crm.Account{Name: "=SUM(A1)"}, Contact: crm.Contact{Name: "Ünal Çelik", Email: "unal@celik.example"}},
		{Title: "Twins", Account: crm.Account{Name: "Twins"}, Contact: crm.Contact{Name: "Same Name"}},
		{Title: "Twins 2", Account: crm.Account{Name: "Other twins"}, Contact: crm.Contact{Name: "Same Name"}},
	} {
		l.Value = fmt.Sprint(100 * (i + 1))
		db.LeadForm(t, a, l)
	}
	accounts, contacts := exportedRecords(t, db, sv)
	for _, f := range []struct {
		kind csvfile.Kind
		file string
	}{{csvfile.KindAccounts, accounts}, {csvfile.KindContacts, contacts}} {
		res, err := commitRecords(t, db, dv, f.kind, f.file, false, false, nil)
		if err != nil || res.Created != 5 || res.Updated != 0 || res.Rejected != 0 {
			t.Fatalf("import %s: %+v %v", f.kind, res, err)
		}
	}
	// Every field, and each contact's account, the same.
	srcA, dstA := stored(t, db, src.TenantID, "accounts"), stored(t, db, dst.TenantID, "accounts")
	srcC, dstC := stored(t, db, src.TenantID, "contacts"), stored(t, db, dst.TenantID, "contacts")
	nameOf := func(m map[string]storedRecord, id int64) string {
		for _, r := range m {
			if r.ID == id {
				return r.Name
			}
		}
		return "?"
	}
	if len(srcA) != len(dstA) || len(srcA) != 5 {
		t.Fatalf("accounts %d → %d", len(srcA), len(dstA))
	}
	for name, s := range srcA {
		d := dstA[name]
		if d.Email != s.Email || d.Phone != s.Phone || d.PhoneNorm != s.PhoneNorm || d.Address != s.Address ||
			!d.CreatedAt.Equal(s.CreatedAt.Truncate(time.Second)) || d.ExternalID != fmt.Sprint(s.ID) {
			t.Errorf("account %q:\n src %+v\n dst %+v", name, s, d)
		}
	}
	exportedSrc, _ := exportedRecords(t, db, sv)
	_ = exportedSrc
	if len(srcC) != 4 || len(dstC) != 4 { // two contacts share a name (one key of the map)
		t.Fatalf("contacts %d → %d", len(srcC), len(dstC))
	}
	for name, s := range srcC {
		d := dstC[name]
		if d.Email != s.Email || d.Phone != s.Phone || d.PhoneNorm != s.PhoneNorm || !d.CreatedAt.Equal(s.CreatedAt.Truncate(time.Second)) ||
			d.ExternalID != fmt.Sprint(s.ID) || nameOf(dstA, d.Account) != nameOf(srcA, s.Account) {
			t.Errorf("contact %q:\n src %+v\n dst %+v", name, s, d)
		}
	}
	// The two files read out of the new tenant equal the old ones but for the IDs.
	a2, c2 := exportedRecords(t, db, dv)
	if stripIDs(a2) != stripIDs(accounts) || stripIDs(c2) != stripIDs(contacts) {
		t.Errorf("exports differ:\n%s\n%s\n---\n%s\n%s", accounts, contacts, a2, c2)
	}
	// Again: nothing new. And the export read back into its own tenant.
	for _, c := range []struct {
		v    crm.Viewer
		kind csvfile.Kind
		file string
	}{{dv, csvfile.KindAccounts, accounts}, {dv, csvfile.KindContacts, contacts}, {sv, csvfile.KindAccounts, accounts},
		{sv, csvfile.KindContacts, contacts}} {
		res, err := commitRecords(t, db, c.v, c.kind, c.file, false, false, nil)
		if err != nil || res.Created != 0 || res.Updated != 5 {
			t.Errorf("again %s into %d: %+v %v", c.kind, c.v.TenantID, res, err)
		}
	}
	if n, m := len(stored(t, db, dst.TenantID, "accounts")), len(stored(t, db, src.TenantID, "accounts")); n != 5 || m != 5 {
		t.Errorf("accounts after the second imports: %d, %d", n, m)
	}
	if s := stored(t, db, src.TenantID, "accounts")["Novak GmbH"]; s.ExternalID != "" {
		t.Errorf("an account matched by its own ID took it as external ID: %+v", s)
	}
}

// stripIDs is a records file without its first column (the ID) and a
// contact's account ID.
func stripIDs(file string) string {
	var out []string
	r, _ := csvfile.NewReader(strings.NewReader(file), csvfile.ReadOptions{})
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if len(rec) == len(csvfile.ContactColumns) {
			rec[1] = ""
		}
		out = append(out, strings.Join(rec[1:], "|"))
	}
	return strings.Join(out, "\n")
}

// TestImportRecordsVisibility: a manager's import matches the records of
// their workgroups' projects; a row matching one they cannot see is an
// error that says no more; another tenant's records are never matched.
func TestImportRecordsVisibility(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Harbor")
	manager := db.User(t, admin, crm.RoleManager, "Mona")
	ann := db.User(t, admin, crm.RoleSales, "Ann")
	bob := db.User(t, admin, crm.RoleSales, "Bob")
	other := db.Tenant(t, "Elsewhere")
	north, err := db.CreateWorkgroup(ctx, admin.TenantID, admin.ID, "North")
	if err != nil {
		t.Fatal(err)
	}
	south, err := db.CreateWorkgroup(ctx, admin.TenantID, admin.ID, "South")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		g       int64
		u       crm.User
		manager bool
	}{{north, manager, true}, {north, ann, false}, {south, bob, false}} {
		if err := db.SetMember(ctx, admin.TenantID, admin.ID, m.g, m.u.ID, m.manager); err != nil {
			t.Fatal(err)
		}
	}
	db.LeadForm(t, pgtest.ActorOf(ann), crm.LeadForm{Title: "Alder roof", Account: crm.Account{Name: "Alder Orchard"},
		Contact: crm.Contact{Name: "Ann Alder", Email: "ann@alder.example"}, Value: "100"})
	db.LeadForm(t, pgtest.ActorOf(bob), crm.LeadForm{Title: "Birch battery", Account: crm.Account{Name: "Birch Dairy"},
		Contact: crm.Contact{Name: "Bo Birch", Email: "bo@birch.example", Phone: "+1 555 0199"}, Value: "100"})
	db.LeadForm(t, pgtest.ActorOf(other), crm.LeadForm{Title: "Elm", Account: crm.Account{Name: "Elm Farm"},
		Contact: crm.Contact{Name: "Eve Elm", Email: "eve@elm.example"}, Value: "100"})
	elsewhere := stored(t, db, other.TenantID, "contacts")["Eve Elm"]
	v := crm.Viewer{TenantID: admin.TenantID, UserID: manager.ID, Role: manager.Role}

	file := fmt.Sprintf(`id,name,email,phone,account
,Ann Alder,ann@alder.example,,Alder Orchard
,Bo B.,bo@birch.example,,Birch Dairy
,Bob Birch,,+1 (555) 0199,Somewhere
,Eve Elm,eve@elm.example,,Elm Farm
%d,Eve Again,,,Elm Farm
,Carl Cole,carl@cole.example,,Birch Dairy
`, elsewhere.ID)
	p := previewRecords(t, db, v, csvfile.KindContacts, file, true)
	lines := map[int]string{}
	for _, e := range p.Errors {
		lines[e.Line] = e.Msg
	}
	want := map[int]string{3: postgres.MsgRowHiddenRecord, 4: postgres.MsgRowHiddenRecord, 7: postgres.MsgRowHiddenRecord}
	if fmt.Sprint(lines) != fmt.Sprint(want) || p.Update != 1 || p.Create != 2 {
		t.Fatalf("errors %v (want %v), preview %+v", lines, want, p)
	}
	for _, e := range p.Errors {
		if e.Column != "" {
			t.Errorf("a hidden record's error names a column: %+v", e)
		}
	}
	res, err := commitRecords(t, db, v, csvfile.KindContacts, file, true, true, nil)
	if err != nil || res.Updated != 1 || res.Created != 2 || res.Rejected != 3 {
		t.Fatalf("commit %+v %v", res, err)
	}
	if n := len(stored(t, db, other.TenantID, "contacts")); n != 1 {
		t.Errorf("the other tenant has %d contacts", n)
	}
	mine := stored(t, db, admin.TenantID, "contacts")
	if eve, again := mine["Eve Elm"], mine["Eve Again"]; eve.ID == 0 || eve.ID == elsewhere.ID || again.ID == 0 || again.ID == elsewhere.ID ||
		eve.Account == 0 || eve.Account != again.Account {
		t.Errorf("the other tenant's contact and account were matched: %+v %+v", eve, again)
	}
}
