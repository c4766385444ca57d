package crm

import (
	"reflect"
	"testing"
)

func TestCanSeeCustomerRecords(t *testing.T) {
	me, other := UserID(1), UserID(2)
	mine := ProjectAccess{OwnerID: me, TenantHasWorkgroups: true}
	theirs := ProjectAccess{OwnerID: other, TenantHasWorkgroups: true}
	managed := ProjectAccess{OwnerID: other, TenantHasWorkgroups: true, OwnerInManagedGroup: true}
	cases := []struct {
		name           string
		role           Role
		r              CustomerAccess
		account, contc bool
	}{
		{"sales: through an own project", RoleSales, CustomerAccess{Projects: []ProjectAccess{mine}, TenantHasWorkgroups: true}, true, true},
		{"sales: through a team project", RoleSales, CustomerAccess{Projects: []ProjectAccess{{OwnerID: other, Members: []UserID{me}}}}, true, true},
		{"sales: one visible project among others", RoleSales, CustomerAccess{Projects: []ProjectAccess{theirs, mine}}, true, true},
		{"sales: another rep's projects only", RoleSales, CustomerAccess{Projects: []ProjectAccess{theirs}}, false, false},
		{"sales: created it, another rep's project now", RoleSales, CustomerAccess{CreatedBy: me, Projects: []ProjectAccess{theirs}}, false, false},
		{"sales: created it, no project yet", RoleSales, CustomerAccess{CreatedBy: me}, true, true},
		{"sales: another's, no project", RoleSales, CustomerAccess{CreatedBy: other}, false, false},
		{"sales: creator unknown, no project", RoleSales, CustomerAccess{}, false, false},
		{"sales: contact without project on a visible account", RoleSales, CustomerAccess{CreatedBy: other, AccountVisible: true}, false, true},
		{"sales: contact of another rep's project on a visible account", RoleSales,
			CustomerAccess{Projects: []ProjectAccess{theirs}, AccountVisible: true}, false, false},
		{"manager: a managed group's project", RoleManager, CustomerAccess{Projects: []ProjectAccess{managed}, TenantHasWorkgroups: true}, true, true},
		{"manager: another group's project", RoleManager, CustomerAccess{Projects: []ProjectAccess{theirs}, TenantHasWorkgroups: true}, false, false},
		{"manager: created it, no project", RoleManager, CustomerAccess{CreatedBy: me, TenantHasWorkgroups: true}, true, true},
		{"manager: no workgroups in the tenant", RoleManager, CustomerAccess{CreatedBy: other}, true, true},
		{"admin: everything", RoleAdmin, CustomerAccess{Projects: []ProjectAccess{theirs}, TenantHasWorkgroups: true}, true, true},
		{"unknown role", Role("guest"), CustomerAccess{CreatedBy: me, AccountVisible: true}, false, false},
	}
	for _, tc := range cases {
		v := Viewer{UserID: me, Role: tc.role}
		if got := v.CanSeeAccount(tc.r); got != tc.account {
			t.Errorf("%s: CanSeeAccount = %v, want %v", tc.name, got, tc.account)
		}
		if got := v.CanSeeContact(tc.r); got != tc.contc {
			t.Errorf("%s: CanSeeContact = %v, want %v", tc.name, got, tc.contc)
		}
	}
}

func TestDecideAccount(t *testing.T) {
	old := Account{ID: 4, Name: "Miller household", Email: "m@example.com", Address: "1 Main St", CreatedAt: t0, CreatedBy: 9}
	e, err := DecideAccount(old, Account{Name: " Miller family ", Email: "m@example.com", Phone: "+1 555 0100", Address: "1 Main St"}, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := Account{ID: 4, Name: "Miller family", Email: "m@example.com", Phone: "+1 555 0100", Address: "1 Main St", CreatedAt: t0, CreatedBy: 9}
	if e.Account != want {
		t.Errorf("account %+v, want %+v", e.Account, want)
	}
	if want := []FieldChange{{"name", "Miller household", "Miller family"}, {"phone", "", "+1 555 0100"}}; !reflect.DeepEqual(e.Changes, want) {
		t.Errorf("changes %+v, want %+v", e.Changes, want)
	}
	log := e.Log(7, t0)
	if len(log) != 2 || log[0].Kind != LogCustomerChanged || log[0].Field != "account_name" || log[1].Field != "account_phone" ||
		log[1].OldValue != "" || log[1].NewValue != "+1 555 0100" || log[1].Body != "Miller family" || log[1].UserID != 7 || !log[1].At.Equal(t0) {
		t.Errorf("log %+v", log)
	}
	if e, _ := DecideAccount(old, old, 7); len(e.Changes) != 0 || len(e.Log(7, t0)) != 0 {
		t.Errorf("an unchanged save changes %+v", e.Changes)
	}
	n, err := DecideAccount(Account{}, Account{Name: "New Co"}, 7)
	if err != nil || n.Account.CreatedBy != 7 || n.Account.ID != 0 || len(n.Changes) != 0 {
		t.Errorf("new account %+v, %v", n, err)
	}
	_, err = DecideAccount(old, Account{Name: "", Email: "nope", Phone: "call me"}, 7)
	for _, f := range []string{"name", "email", "phone"} {
		if !isFieldError(err, f) {
			t.Errorf("bad account: no error on %s: %v", f, err)
		}
	}
}

func TestDecideContact(t *testing.T) {
	old := Contact{ID: 5, AccountID: 4, Name: "Mia Miller", Email: "mia@example.com", CreatedAt: t0}
	e, err := DecideContact(old, Contact{AccountID: 99, Name: "Mia Miller", Email: "mia@miller.example"}, "", 7)
	if err != nil {
		t.Fatal(err)
	}
	if e.Contact.AccountID != 4 || e.Contact.ID != 5 || e.Contact.CreatedBy != 0 {
		t.Errorf("an edit moved or re-owned the contact: %+v", e.Contact)
	}
	if want := []FieldChange{{"email", "mia@example.com", "mia@miller.example"}}; !reflect.DeepEqual(e.Changes, want) {
		t.Errorf("changes %+v", e.Changes)
	}
	if log := e.Log(7, t0); len(log) != 1 || log[0].Field != "contact_email" || log[0].Body != "Mia Miller" {
		t.Errorf("log %+v", log)
	}
	n, err := DecideContact(Contact{AccountID: 4}, Contact{AccountID: 99, Name: "Omar"}, "contact_", 7)
	if err != nil || n.Contact.AccountID != 4 || n.Contact.CreatedBy != 7 {
		t.Errorf("new contact %+v, %v", n.Contact, err)
	}
	if _, err := DecideContact(Contact{AccountID: 4}, Contact{Email: "bad@"}, "contact_", 7); !isFieldError(err, "contact_name") || !isFieldError(err, "contact_email") {
		t.Errorf("bad contact: %v", err)
	}
}

func isFieldError(err error, name string) bool {
	ve, ok := err.(*ValidationError)
	return ok && ve.Fields[name] != ""
}

func TestDuplicateWarningHidesOtherRepsContacts(t *testing.T) {
	s := Setup{Defs: defs}
	in := LeadForm{Title: "Roof", Account: Account{Name: "Chen"}, Contact: Contact{Name: "Wei", Email: "wei@example.com", Phone: "555 0100"}}
	dups := []Duplicate{
		{ContactID: 3, ContactName: "Wei Chen", AccountID: 2, AccountName: "Chen family", Email: "wei@example.com", Match: MatchEmail},
		{Hidden: true, Match: MatchEmail},
		{Hidden: true, Match: MatchEmail},
		{Hidden: true, Match: MatchPhone},
	}
	_, _, err := DecideLead(in, s, dups, actorAt(t0))
	de, ok := err.(*DuplicateError)
	if !ok {
		t.Fatalf("err %v, want a duplicate warning", err)
	}
	want := []Duplicate{dups[0], {Hidden: true, Match: MatchEmail}, {Hidden: true, Match: MatchPhone}}
	if !reflect.DeepEqual(de.Matches, want) {
		t.Errorf("warning lists %+v, want %+v (hidden ones once per match, not counted)", de.Matches, want)
	}
	in.ConfirmDuplicate = true
	l, _, err := DecideLead(in, s, dups, actorAt(t0))
	if err != nil || l.NewAccount.CreatedBy != 7 || l.NewContact.CreatedBy != 7 {
		t.Errorf("confirmed lead: %v, account %+v, contact %+v", err, l.NewAccount, l.NewContact)
	}
}
