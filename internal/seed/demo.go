package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// DemoLogin is one of the demo tenant's users.
type DemoLogin struct {
	Email string
	Role  crm.Role
	Name  string
}

// DemoPassword is the password of every demo user. The demo tenant is for
// trying Pipewell locally; never seed it on a public server.
const DemoPassword = "pipewell-demo"

// DemoLogins are the demo tenant's users.
var DemoLogins = []DemoLogin{
	{"admin@sunrise-solar.example", crm.RoleAdmin, "Alex Admin"},
	{"manager@sunrise-solar.example", crm.RoleManager, "Morgan Manager"},
	{"sam@sunrise-solar.example", crm.RoleSales, "Sam Seller"},
	{"lee@sunrise-solar.example", crm.RoleSales, "Lee Li"},
	{"rita@sunrise-solar.example", crm.RoleSales, "Rita Rossi"},
	{"omar@sunrise-solar.example", crm.RoleSales, "Omar Okafor"},
}

// Demo creates the demo tenant once (Sunrise Solar: an admin, a manager,
// four sales reps and about 600 projects over the last 12 months with
// realistic milestone histories, archived, deferred and late ones). It
// reports false when the demo tenant exists already. passwordHash is the
// hash of DemoPassword. After the sign-up, everything is written in one
// transaction.
func Demo(ctx context.Context, db *postgres.DB, passwordHash string, now time.Time) (bool, error) {
	if _, err := db.UserForLogin(ctx, DemoLogins[0].Email); err == nil {
		return false, nil
	}
	admin, err := db.SignUp(ctx, crm.SignUp{Company: "Sunrise Solar", Name: DemoLogins[0].Name, Email: DemoLogins[0].Email}, passwordHash)
	if err != nil {
		return false, fmt.Errorf("demo tenant: %w", err)
	}
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		if err := tx.SetTimeZone(ctx, "America/Los_Angeles"); err != nil {
			return err
		}
		users := []crm.UserID{admin.ID}
		for _, l := range DemoLogins[1:] {
			u, err := tx.AddUser(ctx, l.Email, l.Name, l.Role, passwordHash)
			if err != nil {
				return err
			}
			users = append(users, u.ID)
		}
		g, err := newGenerator(ctx, tx, rand.New(rand.NewPCG(42, 7)), users[2:], users[1], now)
		if err != nil {
			return err
		}
		return g.load(ctx, tx, 600)
	})
	return err == nil, err
}

// Projects writes n generated projects owned by reps into the tenant, in one
// transaction (tests and benchmarks).
func Projects(ctx context.Context, db *postgres.DB, tenant crm.TenantID, reps []crm.UserID, manager crm.UserID, n int, seed uint64, now time.Time) error {
	return db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
		g, err := newGenerator(ctx, tx, rand.New(rand.NewPCG(seed, 2)), reps, manager, now)
		if err != nil {
			return err
		}
		return g.load(ctx, tx, n)
	})
}
