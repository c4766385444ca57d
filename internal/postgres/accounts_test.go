package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// customers is a tenant with workgroups whose accounts and contacts are
// seen by different people for every reason the rule knows.
type customers struct {
	db                       *pgtest.DB
	admin, manager, a, b, c  crm.User
	p1, p2, p3               crm.ProjectID
	alder, birch, cedar      int64 // accounts: A's project (and B's), B's project, A's without a project
	dogwood, elm             int64 // B's without a project, seeded (no creator, no project)
	ann, bo, cy, dee, eve    int64 // contacts: of p1, of p2, A's on cedar, B's on dogwood, of p3 (on alder)
	finn, gus, hal           int64 // B's on alder without a project, seeded on elm, A's on elm
	north                    int64 // the manager's workgroup, with A
	accounts, contactsByName map[string]int64
}

func newCustomers(t *testing.T) *customers {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	f := &customers{db: db}
	f.admin = db.Tenant(t, "Harbor")
	f.manager = db.User(t, f.admin, crm.RoleManager, "Mona Manager")
	f.a = db.User(t, f.admin, crm.RoleSales, "Ann Rep")
	f.b = db.User(t, f.admin, crm.RoleSales, "Bob Rep")
	f.c = db.User(t, f.admin, crm.RoleSales, "Cat Rep")
	tenant := f.admin.TenantID
	var err error
	if f.north, err = db.CreateWorkgroup(ctx, tenant, f.admin.ID, "North"); err != nil {
		t.Fatal(err)
	}
	south, err := db.CreateWorkgroup(ctx, tenant, f.admin.ID, "South")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		group   int64
		user    crm.User
		manager bool
	}{{f.north, f.manager, true}, {f.north, f.a, false}, {south, f.b, false}} {
		if err := db.SetMember(ctx, tenant, f.admin.ID, m.group, m.user.ID, m.manager); err != nil {
			t.Fatal(err)
		}
	}
	lead := func(u crm.User, in crm.LeadForm) crm.ProjectID {
		in.Value = "100"
		return db.LeadForm(t, pgtest.ActorOf(u), in)
	}
	f.p1 = lead(f.a, crm.LeadForm{Title: "Alder roof", Account: crm.Account{Name: "Alder"},
		Contact: crm.Contact{Name: "Ann Alder", Email: "ann@alder.example", Phone: "+1 555 0101"}})
	f.p2 = lead(f.b, crm.LeadForm{Title: "Birch battery", Account: crm.Account{Name: "Birch"},
		Contact: crm.Contact{Name: "Bo Birch", Email: "bo@birch.example", Phone: "+1 555 0202"}})
	f.sql(t, `SELECT account_id, contact_id FROM projects WHERE tenant_id = $1 AND id = $2`, []any{f.p1}, &f.alder, &f.ann)
	f.sql(t, `SELECT account_id, contact_id FROM projects WHERE tenant_id = $1 AND id = $2`, []any{f.p2}, &f.birch, &f.bo)
	// B's second deal is with Alder, handed to B by the admin, with a contact of its own.
	f.p3 = lead(f.admin, crm.LeadForm{Title: "Alder barn", AccountID: fmt.Sprint(f.alder), OwnerID: fmt.Sprint(f.b.ID),
		Contact: crm.Contact{Name: "Eve Alder", Email: "eve@alder.example"}})
	f.sql(t, `SELECT contact_id FROM projects WHERE tenant_id = $1 AND id = $2`, []any{f.p3}, &f.eve)
	// Cat works on Bob's Birch deal.
	f.sql(t, `INSERT INTO project_members (tenant_id, project_id, user_id) VALUES ($1, $2, $3) RETURNING 0`, []any{f.p2, f.c.ID}, new(int))
	f.cedar = f.newAccount(t, f.a, "Cedar")
	f.cy = f.newContact(t, f.a, f.cedar, "Cy Cedar", "cy@cedar.example")
	f.dogwood = f.newAccount(t, f.b, "Dogwood")
	f.dee = f.newContact(t, f.b, f.dogwood, "Dee Dogwood", "dee@dogwood.example")
	// Rows written without a creator: Bob's contact on Alder from before
	// contacts had creators would not be his; this one is.
	f.sql(t, `INSERT INTO contacts (tenant_id, account_id, name, created_by) VALUES ($1, $2, 'Finn Alder', $3) RETURNING id`,
		[]any{f.alder, f.b.ID}, &f.finn)
	f.sql(t, `INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Elm') RETURNING id`, nil, &f.elm)
	f.sql(t, `INSERT INTO contacts (tenant_id, account_id, name) VALUES ($1, $2, 'Gus Elm') RETURNING id`, []any{f.elm}, &f.gus)
	f.sql(t, `INSERT INTO contacts (tenant_id, account_id, name, created_by) VALUES ($1, $2, 'Hal Elm', $3) RETURNING id`,
		[]any{f.elm, f.a.ID}, &f.hal)
	f.accounts = map[string]int64{"Alder": f.alder, "Birch": f.birch, "Cedar": f.cedar, "Dogwood": f.dogwood, "Elm": f.elm}
	f.contactsByName = map[string]int64{"Ann": f.ann, "Bo": f.bo, "Cy": f.cy, "Dee": f.dee, "Eve": f.eve, "Finn": f.finn, "Gus": f.gus, "Hal": f.hal}
	return f
}

func (f *customers) sql(t *testing.T, q string, args []any, dest ...any) {
	t.Helper()
	ctx := context.Background()
	err := f.db.InTenant(ctx, f.admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, q, append([]any{tx.Tenant}, args...)...).Scan(dest...)
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *customers) newAccount(t *testing.T, u crm.User, name string) int64 {
	t.Helper()
	id, err := f.db.SaveAccount(context.Background(), pgtest.ActorOf(u), 0, func(old crm.Account) (crm.AccountEdit, error) {
		return crm.DecideAccount(old, crm.Account{Name: name}, u.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *customers) newContact(t *testing.T, u crm.User, account int64, name, email string) int64 {
	t.Helper()
	id, err := f.db.AddContact(context.Background(), pgtest.ActorOf(u), account, func(old crm.Contact) (crm.ContactEdit, error) {
		return crm.DecideContact(old, crm.Contact{Name: name, Email: email}, "contact_", u.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func viewerOf(u crm.User) crm.Viewer {
	return crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
}

// seen lists the accounts and contacts u can see, by name, as the account
// list, the account pages and the contact pages show them.
func (f *customers) seen(t *testing.T, u crm.User) (accounts, contacts []string) {
	t.Helper()
	ctx := context.Background()
	v := viewerOf(u)
	rows, err := f.db.Accounts(ctx, v, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		accounts = append(accounts, r.Name)
		page, err := f.db.Account(ctx, v, r.ID)
		if err != nil {
			t.Fatalf("%s: account %s is listed but its page is %v", u.Name, r.Name, err)
		}
		if len(page.Contacts) != r.Contacts {
			t.Errorf("%s: account %s lists %d contacts, its page %d", u.Name, r.Name, r.Contacts, len(page.Contacts))
		}
	}
	for name, id := range f.contactsByName {
		_, err := f.db.Contact(ctx, v, id)
		switch {
		case err == nil:
			contacts = append(contacts, name)
		case !errors.Is(err, crm.ErrNotFound):
			t.Fatalf("contact %s: %v", name, err)
		}
	}
	for name, id := range f.accounts {
		_, err := f.db.Account(ctx, v, id)
		if listed := slices.Contains(accounts, name); listed != (err == nil) {
			t.Errorf("%s: account %s listed %v, but its page answers %v", u.Name, name, listed, err)
		}
	}
	slices.Sort(accounts)
	slices.Sort(contacts)
	return accounts, contacts
}

func TestCustomerRecordsFollowProjectVisibility(t *testing.T) {
	t.Parallel()
	f := newCustomers(t)
	for _, tc := range []struct {
		who                crm.User
		accounts, contacts []string
	}{
		// Ann: her deal's Alder (not Eve, the contact of Bob's Alder deal;
		// Finn, without a project, on an account she sees) and her Cedar.
		// Hal she created on Elm, which she cannot see.
		{f.a, []string{"Alder", "Cedar"}, []string{"Ann", "Cy", "Finn", "Hal"}},
		// Bob: Alder through his barn deal, his Birch and Dogwood.
		{f.b, []string{"Alder", "Birch", "Dogwood"}, []string{"Bo", "Dee", "Eve", "Finn"}},
		// Cat: the Birch deal she is on the team of.
		{f.c, []string{"Birch"}, []string{"Bo"}},
		// Mona manages North (Ann): what Ann's projects link to, not what Ann
		// created without a project.
		{f.manager, []string{"Alder"}, []string{"Ann", "Finn"}},
		{f.admin, []string{"Alder", "Birch", "Cedar", "Dogwood", "Elm"}, []string{"Ann", "Bo", "Cy", "Dee", "Eve", "Finn", "Gus", "Hal"}},
	} {
		accounts, contacts := f.seen(t, tc.who)
		if !slices.Equal(accounts, tc.accounts) {
			t.Errorf("%s sees accounts %v, want %v", tc.who.Name, accounts, tc.accounts)
		}
		if !slices.Equal(contacts, tc.contacts) {
			t.Errorf("%s sees contacts %v, want %v", tc.who.Name, contacts, tc.contacts)
		}
	}
	// Hal's page does not name the account Ann cannot see; Ann's does.
	ctx := context.Background()
	if page, err := f.db.Contact(ctx, viewerOf(f.a), f.hal); err != nil || page.AccountVisible || page.Account != (crm.Account{}) {
		t.Errorf("Hal's page for Ann: %+v, %v", page, err)
	}
	if page, err := f.db.Contact(ctx, viewerOf(f.a), f.ann); err != nil || !page.AccountVisible || page.Account.ID != f.alder {
		t.Errorf("Ann's contact page: %+v, %v", page, err)
	}
}

// TestCustomerPredicatesAreTheRule pins the SQL (Scope.AccountWhere and
// ContactWhere) to crm's rule (CanSeeAccount, CanSeeContact): for every
// viewer and record of the fixture, both say the same.
func TestCustomerPredicatesAreTheRule(t *testing.T) {
	t.Parallel()
	f := newCustomers(t)
	ctx := context.Background()
	type project struct {
		owner   crm.UserID
		members []crm.UserID
		account int64
		contact int64
	}
	projects := map[crm.ProjectID]*project{}
	creators := map[string]crm.UserID{}
	contactAccount := map[int64]int64{}
	managed := map[crm.UserID][]crm.UserID{}
	var groups int
	err := f.db.InTenant(ctx, f.admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, owner_id, account_id, COALESCE(contact_id, 0) FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id crm.ProjectID
			p := &project{}
			if err := rows.Scan(&id, &p.owner, &p.account, &p.contact); err != nil {
				return err
			}
			projects[id] = p
		}
		rows, err = tx.Query(ctx, `SELECT project_id, user_id FROM project_members WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id crm.ProjectID
			var u crm.UserID
			if err := rows.Scan(&id, &u); err != nil {
				return err
			}
			projects[id].members = append(projects[id].members, u)
		}
		rows, err = tx.Query(ctx, `SELECT 'a', id, 0, COALESCE(created_by, 0) FROM accounts WHERE tenant_id = $1
			UNION ALL SELECT 'c', id, account_id, COALESCE(created_by, 0) FROM contacts WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind string
			var id, account int64
			var by crm.UserID
			if err := rows.Scan(&kind, &id, &account, &by); err != nil {
				return err
			}
			creators[fmt.Sprint(kind, id)] = by
			if kind == "c" {
				contactAccount[id] = account
			}
		}
		rows, err = tx.Query(ctx, `SELECT g.user_id, m.user_id FROM workgroup_members g
			JOIN workgroup_members m ON m.tenant_id = $1 AND m.workgroup_id = g.workgroup_id
			WHERE g.tenant_id = $1 AND g.manager`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var mgr, member crm.UserID
			if err := rows.Scan(&mgr, &member); err != nil {
				return err
			}
			managed[mgr] = append(managed[mgr], member)
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM workgroups WHERE tenant_id = $1`, tx.Tenant).Scan(&groups)
	})
	if err != nil {
		t.Fatal(err)
	}
	access := func(v crm.Viewer, linked func(*project) bool, createdBy crm.UserID) crm.CustomerAccess {
		r := crm.CustomerAccess{CreatedBy: createdBy, TenantHasWorkgroups: groups > 0}
		for _, p := range projects {
			if linked(p) {
				r.Projects = append(r.Projects, crm.ProjectAccess{OwnerID: p.owner, Members: p.members,
					OwnerInManagedGroup: slices.Contains(managed[v.UserID], p.owner), TenantHasWorkgroups: groups > 0})
			}
		}
		return r
	}
	checked := 0
	for _, u := range []crm.User{f.admin, f.manager, f.a, f.b, f.c} {
		v := viewerOf(u)
		canSeeAccount := func(id int64) bool {
			return v.CanSeeAccount(access(v, func(p *project) bool { return p.account == id }, creators[fmt.Sprint("a", id)]))
		}
		for name, id := range f.accounts {
			_, err := f.db.Account(ctx, v, id)
			if want := canSeeAccount(id); want != (err == nil) {
				t.Errorf("%s, account %s: crm says visible=%v, SQL answers %v", u.Name, name, want, err)
			}
			checked++
		}
		for name, id := range f.contactsByName {
			r := access(v, func(p *project) bool { return p.contact == id }, creators[fmt.Sprint("c", id)])
			r.AccountVisible = canSeeAccount(contactAccount[id])
			_, err := f.db.Contact(ctx, v, id)
			if want := v.CanSeeContact(r); want != (err == nil) {
				t.Errorf("%s, contact %s: crm says visible=%v, SQL answers %v", u.Name, name, want, err)
			}
			checked++
		}
	}
	if checked != 5*13 {
		t.Fatalf("checked %d pairs", checked)
	}
}

// A change to an account or contact is written with its record: a log
// entry per changed field on every project linked to it, an audit entry,
// and the projects' derived data; outside the editor's scope it is not
// found and nothing changes.
func TestCustomerChangesAreRecorded(t *testing.T) {
	t.Parallel()
	f := newCustomers(t)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		var n int
		f.sql(t, q, args, &n)
		return n
	}
	logs := func(p crm.ProjectID) int {
		return count(`SELECT count(*) FROM project_log WHERE tenant_id = $1 AND project_id = $2`, p)
	}
	before := [3]int{logs(f.p1), logs(f.p2), logs(f.p3)}
	audits := count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`)

	// Cat and Bob cannot change Ann's contact; Cat cannot change Alder.
	for _, u := range []crm.User{f.c, f.b} {
		err := f.db.SaveContact(ctx, pgtest.ActorOf(u), f.ann, func(old crm.Contact) (crm.ContactEdit, error) {
			return crm.DecideContact(old, crm.Contact{Name: "Hijack", Email: "x@evil.example"}, "", u.ID)
		})
		if !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s saving Ann's contact: %v, want not found", u.Name, err)
		}
	}
	_, err := f.db.SaveAccount(ctx, pgtest.ActorOf(f.c), f.alder, func(old crm.Account) (crm.AccountEdit, error) {
		return crm.DecideAccount(old, crm.Account{Name: "Hijack"}, f.c.ID)
	})
	if !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Cat saving Alder: %v, want not found", err)
	}
	_, err = f.db.AddContact(ctx, pgtest.ActorOf(f.c), f.alder, func(old crm.Contact) (crm.ContactEdit, error) {
		return crm.DecideContact(old, crm.Contact{Name: "Spy"}, "contact_", f.c.ID)
	})
	if !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Cat adding a contact to Alder: %v, want not found", err)
	}
	if n := count(`SELECT count(*) FROM contacts WHERE tenant_id = $1 AND name IN ('Hijack', 'Spy')`) +
		count(`SELECT count(*) FROM accounts WHERE tenant_id = $1 AND name = 'Hijack'`); n != 0 {
		t.Fatalf("refused saves wrote %d rows", n)
	}
	if now := [3]int{logs(f.p1), logs(f.p2), logs(f.p3)}; now != before || count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`) != audits {
		t.Fatalf("refused saves wrote log entries: %v, had %v", now, before)
	}

	// Ann changes her contact's e-mail: on p1's log (not p3's, whose contact is Eve) and in the audit.
	f.db.EditContact(t, f.a, f.ann, crm.Contact{Name: "Ann Alder", Email: "ann@alder-farm.example", Phone: "+1 555 0101"})
	var kind, field, old, new, body string
	var by crm.UserID
	f.sql(t, `SELECT kind, field, old_value, new_value, body, user_id FROM project_log
		WHERE tenant_id = $1 AND project_id = $2 ORDER BY id DESC LIMIT 1`, []any{f.p1}, &kind, &field, &old, &new, &body, &by)
	if kind != string(crm.LogCustomerChanged) || field != "contact_email" || old != "ann@alder.example" ||
		new != "ann@alder-farm.example" || body != "Ann Alder" || by != f.a.ID {
		t.Errorf("p1's log: %s %s %q → %q (%s) by %d", kind, field, old, new, body, by)
	}
	if logs(f.p1) != before[0]+1 || logs(f.p3) != before[2] {
		t.Errorf("a contact change logged on p1 %d→%d, p3 %d→%d", before[0], logs(f.p1), before[2], logs(f.p3))
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND entity = 'contact' AND entity_id = $2
		AND action = 'email' AND old_value = 'ann@alder.example' AND new_value = 'ann@alder-farm.example' AND user_id = $3`, f.ann, f.a.ID); n != 1 {
		t.Errorf("audit entries for the e-mail change: %d", n)
	}

	// Ann renames Alder: both of its projects log it, Bob's too; their
	// customer name follows.
	f.db.EditAccount(t, f.a, f.alder, crm.Account{Name: "Alder Farm"})
	for _, p := range []crm.ProjectID{f.p1, f.p3} {
		if n := count(`SELECT count(*) FROM project_log WHERE tenant_id = $1 AND project_id = $2 AND kind = 'customer_changed'
			AND field = 'account_name' AND old_value = 'Alder' AND new_value = 'Alder Farm' AND user_id = $3`, p, f.a.ID); n != 1 {
			t.Errorf("project %d: %d log entries for the rename", p, n)
		}
		if name := func() (s string) {
			f.sql(t, `SELECT customer_name FROM projects WHERE tenant_id = $1 AND id = $2`, []any{p}, &s)
			return s
		}(); name != "Alder Farm" {
			t.Errorf("project %d shows customer %q", p, name)
		}
	}
	// Saving without a change writes nothing.
	n := count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`)
	f.db.EditAccount(t, f.a, f.alder, crm.Account{Name: "Alder Farm"})
	if count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1`) != n {
		t.Error("an unchanged save was audited")
	}
	// A record without projects is audited only.
	f.db.EditAccount(t, f.a, f.cedar, crm.Account{Name: "Cedar", Email: "hello@cedar.example"})
	if n := count(`SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND entity = 'account' AND entity_id = $2 AND action = 'email'`, f.cedar); n != 1 {
		t.Errorf("audit entries for Cedar's e-mail: %d", n)
	}
	entries, err := f.db.Audit(ctx, f.admin.TenantID, postgres.AuditFilter{Entity: "account"})
	if err != nil || len(entries) == 0 || entries[0].Subject != "Cedar" || entries[0].NewValue != "hello@cedar.example" {
		t.Errorf("audit page for accounts: %+v, %v", entries, err)
	}
}

// A lead takes only an account or contact its creator can see, and its
// duplicate warning says of another rep's contact only that it exists.
func TestLeadsKeepToVisibleCustomers(t *testing.T) {
	t.Parallel()
	f := newCustomers(t)
	ctx := context.Background()
	create := func(u crm.User, in crm.LeadForm) error {
		a := pgtest.ActorOf(u)
		in.Title = "Another deal"
		_, err := f.db.CreateLead(ctx, a.Viewer, in.Contact.Email, in.Contact.Phone, func(s crm.Setup, dups []crm.Duplicate) (crm.Lead, crm.Change, error) {
			return crm.DecideLead(in, s, dups, a)
		})
		return err
	}
	for name, in := range map[string]crm.LeadForm{
		"Bob's account":                        {AccountID: fmt.Sprint(f.birch)},
		"Bob's account with a new contact":     {AccountID: fmt.Sprint(f.dogwood), Contact: crm.Contact{Name: "New"}},
		"Bob's contact on an account Ann sees": {AccountID: fmt.Sprint(f.alder), ContactID: fmt.Sprint(f.eve)},
	} {
		if err := create(f.a, in); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("Ann's lead with %s: %v, want not found", name, err)
		}
	}
	if err := create(f.a, crm.LeadForm{AccountID: fmt.Sprint(f.alder), ContactID: fmt.Sprint(f.finn)}); err != nil {
		t.Errorf("Ann's lead with Finn, on Alder, without a project: %v", err)
	}

	var dup *crm.DuplicateError
	err := create(f.a, crm.LeadForm{Account: crm.Account{Name: "Birch two"}, Contact: crm.Contact{Name: "Bo", Email: "BO@birch.example"}})
	if !errors.As(err, &dup) || len(dup.Matches) != 1 {
		t.Fatalf("Bob's contact's e-mail: %v", err)
	}
	if d := dup.Matches[0]; d != (crm.Duplicate{Hidden: true, Match: crm.MatchEmail}) {
		t.Errorf("a hidden duplicate carries %+v", d)
	}
	err = create(f.a, crm.LeadForm{Account: crm.Account{Name: "Alder two"}, Contact: crm.Contact{Name: "A", Phone: "+15550101"}})
	if !errors.As(err, &dup) || len(dup.Matches) != 1 {
		t.Fatalf("Ann's contact's phone: %v", err)
	}
	if d := dup.Matches[0]; d.Hidden || d.ContactID != f.ann || d.ContactName != "Ann Alder" || d.AccountID != f.alder || d.Match != crm.MatchPhone {
		t.Errorf("a visible duplicate: %+v", d)
	}
}
