package pgtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
)

// Password is the password of every fixture user.
const Password = "correct horse battery"

// FastHasher is argon2id with tiny parameters: fixtures need valid hashes, not slow ones.
var FastHasher = auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 4)

var seq atomic.Int64

// Tenant signs up a new company and returns its admin.
func (db *DB) Tenant(t testing.TB, company string) crm.User {
	t.Helper()
	n := seq.Add(1)
	hash, err := FastHasher.Hash(context.Background(), Password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.SignUp(context.Background(), crm.SignUp{
		Company: company, Name: company + " Admin", Email: fmt.Sprintf("admin%d-%d@example.com", n, seq.Add(1)),
	}, hash)
	if err != nil {
		t.Fatalf("sign up %s: %v", company, err)
	}
	return u
}

// User adds a user with role to the tenant of admin and returns it. Its
// password is Password.
func (db *DB) User(t testing.TB, admin crm.User, role crm.Role, name string) crm.User {
	t.Helper()
	hash, err := FastHasher.Hash(context.Background(), Password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.AddUser(context.Background(), admin.TenantID, fmt.Sprintf("%s%d@example.com", lowerASCII(name), seq.Add(1)), name, role, hash)
	if err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return u
}

func lowerASCII(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+32)
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		}
	}
	return string(b)
}

// Lead creates a lead titled title for a new account, owned by a's viewer,
// through the application's lead creation, and returns its ID.
func (db *DB) Lead(t testing.TB, a crm.Actor, title string) crm.ProjectID {
	t.Helper()
	return db.LeadForm(t, a, crm.LeadForm{Title: title, Account: crm.Account{Name: title + " household"}, Value: "100"})
}

// LeadForm creates a lead from a typed new-lead form, as the new-lead page does.
func (db *DB) LeadForm(t testing.TB, a crm.Actor, in crm.LeadForm) crm.ProjectID {
	t.Helper()
	id, err := db.CreateLead(context.Background(), a.Viewer, in.Contact.Email, in.Contact.Phone,
		func(s crm.Setup, dups []crm.Duplicate) (crm.Lead, crm.Change, error) {
			return crm.DecideLead(in, s, dups, a)
		})
	if err != nil {
		t.Fatalf("create lead %q: %v", in.Title, err)
	}
	return id
}

// ActorOf is u acting now, in UTC.
func ActorOf(u crm.User) crm.Actor {
	return crm.Actor{Viewer: crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}, Now: time.Now(), Loc: time.UTC}
}

// EditAccount saves in over account id as u, as the account page does.
func (db *DB) EditAccount(t testing.TB, u crm.User, id int64, in crm.Account) {
	t.Helper()
	_, err := db.SaveAccount(context.Background(), ActorOf(u), id, func(old crm.Account) (crm.AccountEdit, error) {
		return crm.DecideAccount(old, in, u.ID)
	})
	if err != nil {
		t.Fatalf("save account %d: %v", id, err)
	}
}

// EditContact saves in over contact id as u, as the contact page does.
func (db *DB) EditContact(t testing.TB, u crm.User, id int64, in crm.Contact) {
	t.Helper()
	err := db.SaveContact(context.Background(), ActorOf(u), id, func(old crm.Contact) (crm.ContactEdit, error) {
		return crm.DecideContact(old, in, "", u.ID)
	})
	if err != nil {
		t.Fatalf("save contact %d: %v", id, err)
	}
}
