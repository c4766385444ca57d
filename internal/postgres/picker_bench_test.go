package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// BenchmarkPickCustomers measures the new-lead form's customer search on
// a tenant with PIPEWELL_PICKER_ACCOUNTS accounts (100,000 unless set), one
// contact each, as the admin (who sees all of them) and as a salesperson
// (who sees the customers of their 2,000 projects), for a name's start, a
// later word's start and a phone being typed.
func BenchmarkPickCustomers(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PIPEWELL_PICKER_ACCOUNTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db := pgtest.New(b)
	ctx := context.Background()
	admin := db.Tenant(b, "Big")
	rep := db.User(b, admin, crm.RoleSales, "Ann")
	if err := seed.Projects(ctx, db.DB, admin.TenantID, []crm.UserID{rep.ID}, admin.ID, 2_000, 1, time.Now()); err != nil {
		b.Fatal(err)
	}
	surnames := []string{"Garcia", "Smith", "Chen", "Müller", "Okafor", "Nguyen", "Rossi", "Kowalski", "Silva", "Haddad",
		"Johansson", "Tanaka", "Novak", "Dubois", "Murphy", "Ivanova", "Kim", "Patel", "Cohen", "Larsen"}
	given := []string{"Maria", "James", "Wei", "Anna", "Chidi", "Linh", "Marco", "Ewa", "João", "Omar", "Sara", "Yuki"}
	const batch = 20_000
	for start := 0; start < n; start += batch {
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			var accounts, contacts [][]any
			for i := start; i < min(n, start+batch); i++ {
				s := surnames[i%len(surnames)]
				phone := fmt.Sprintf("+1555%07d", i)
				accounts = append(accounts, []any{tx.Tenant, int64(i + 1_000_000), fmt.Sprintf("%s %s %d", s, []string{"household", "farm", "GmbH", "& Sons"}[i%4], i), phone, phone})
				contacts = append(contacts, []any{tx.Tenant, int64(i + 1_000_000), fmt.Sprintf("%s %s", given[i%len(given)], s), fmt.Sprintf("c%d@mail.example", i)})
			}
			if err := tx.InsertValues(ctx, "accounts", []string{"tenant_id", "id", "name", "phone", "phone_norm"}, accounts); err != nil {
				return err
			}
			return tx.InsertValues(ctx, "contacts", []string{"tenant_id", "account_id", "name", "email"}, contacts)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	owner.Close(ctx)
	db.SetSearchRecordsForTest(time.Minute) // measure, do not cut off
	for _, who := range []crm.User{admin, rep} {
		v := crm.Viewer{TenantID: who.TenantID, UserID: who.ID, Role: who.Role}
		for _, q := range []string{"g", "garc", "garcia farm", "chen", "+1 555 000 12", "c12345@", "nobody"} {
			b.Run(fmt.Sprintf("%s/%s", who.Role, q), func(b *testing.B) {
				for b.Loop() {
					if _, err := db.PickCustomers(ctx, v, q, 8); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
