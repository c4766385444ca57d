package pgtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
