package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestPickCustomers: the new-lead picker finds accounts and contacts by
// the start of their name or of its second word, an e-mail and a phone typed in national form;
// it stops one past its limit; a salesperson finds only the customers of
// their projects, even when another rep's sort first; another tenant finds
// nothing. (Running out of time is the header search's bound, tested there.)
func TestPickCustomers(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.SetSearchRecordsForTest(time.Minute)
	ctx := context.Background()
	admin := db.Tenant(t, "Picker")
	ann := db.User(t, admin, crm.RoleSales, "Ann Rep")
	bob := db.User(t, admin, crm.RoleSales, "Bob Rep")
	if err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tenants SET country = 'US' WHERE id = $1`, tx.Tenant)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, admin.TenantID); err != nil {
		t.Fatal(err)
	}
	// Bob's five Orchard accounts sort before Ann's one.
	for i := range 5 {
		db.LeadForm(t, pgtest.ActorOf(bob), crm.LeadForm{Title: fmt.Sprint("Bob ", i),
			Account: crm.Account{Name: fmt.Sprint("Orchard A", i)}, Value: "1"})
	}
	db.LeadForm(t, pgtest.ActorOf(ann), crm.LeadForm{Title: "Ann's", Value: "1",
		Account: crm.Account{Name: "Orchard Farm", Email: "farm@example.com", Phone: "+1 555 481 0380"},
		Contact: crm.Contact{Name: "Olga Orr", Email: "olga@example.com", Phone: "555-222-0101"}})

	viewer := func(u crm.User) crm.Viewer { return crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role} }
	pick := func(u crm.User, text string, limit int) postgres.PickerResult {
		t.Helper()
		res, err := db.PickCustomers(ctx, viewer(u), text, limit)
		if err != nil || res.TooSlow {
			t.Fatalf("pick %q as %s: %v, too slow %v", text, u.Name, err, res.TooSlow)
		}
		return res
	}
	names := func(res postgres.PickerResult) (accounts, contacts []string) {
		for _, a := range res.Accounts {
			accounts = append(accounts, a.Name)
		}
		for _, c := range res.Contacts {
			contacts = append(contacts, c.Name+" @ "+c.AccountName)
		}
		return accounts, contacts
	}
	if a, c := names(pick(admin, "ORCH", 10)); len(a) != 6 || a[0] != "Orchard A0" || a[5] != "Orchard Farm" || len(c) != 0 {
		t.Errorf("admin, orch: %v %v", a, c)
	}
	// limit+1 rows say there are more.
	if a, _ := names(pick(admin, "orch", 2)); len(a) != 3 {
		t.Errorf("admin, orch, limit 2: %v", a)
	}
	// Ann sees hers only, though Bob's sort first and fill more than her limit.
	if a, c := names(pick(ann, "orch", 2)); len(a) != 1 || a[0] != "Orchard Farm" || len(c) != 0 {
		t.Errorf("Ann, orch: %v %v", a, c)
	}
	res := pick(ann, "(555) 481", 10)
	if len(res.Accounts) != 1 || res.Accounts[0].Email != "farm@example.com" || res.Accounts[0].Contacts != 1 {
		t.Errorf("Ann, account phone: %+v", res.Accounts)
	}
	if _, c := names(pick(ann, "+1 555 222", 10)); len(c) != 1 || c[0] != "Olga Orr @ Orchard Farm" {
		t.Errorf("Ann, contact phone: %v", c)
	}
	if a, c := names(pick(ann, "OLGA@example.com", 10)); len(a) != 0 || len(c) != 1 {
		t.Errorf("Ann, contact e-mail: %v %v", a, c)
	}
	if _, c := names(pick(ann, "olga o", 10)); len(c) != 1 {
		t.Errorf("Ann, contact name: %v", c)
	}
	// The second word's start; not the inside of a word.
	if a, c := names(pick(ann, "FARM", 10)); len(a) != 1 || len(c) != 0 {
		t.Errorf("Ann, farm: %v %v", a, c)
	}
	if _, c := names(pick(ann, "orr", 10)); len(c) != 1 {
		t.Errorf("Ann, orr: %v", c)
	}
	if a, c := names(pick(ann, "rr", 10)); len(a)+len(c) != 0 {
		t.Errorf("Ann, rr (inside a word): %v %v", a, c)
	}
	// Bob: not Ann's account, contact, phone or e-mail.
	if a, c := names(pick(bob, "o", 10)); len(a) != 5 || len(c) != 0 {
		t.Errorf("Bob, o: %v %v", a, c)
	}
	for _, text := range []string{"orchard f", "farm", "orr", "olga", "555 481", "555 222", "farm@example.com", "olga@example.com"} {
		if a, c := names(pick(bob, text, 10)); len(a)+len(c) != 0 {
			t.Errorf("Bob, %q: %v %v", text, a, c)
		}
	}
	// LIKE's wildcards are text like any other.
	if a, c := names(pick(admin, "%", 10)); len(a)+len(c) != 0 {
		t.Errorf("admin, %%: %v %v", a, c)
	}
	// Another tenant: nothing.
	other := db.Tenant(t, "Other")
	if a, c := names(pick(other, "o", 10)); len(a)+len(c) != 0 {
		t.Errorf("another tenant: %v %v", a, c)
	}
}
