package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// BenchTenant describes one tenant of the benchmark database.
type BenchTenant struct {
	Index    int // 0..n-1; names and e-mails derive from it
	Projects int
	Reps     int
	// Seed picks the generated data (default: derived from Index); two
	// tenants with the same Seed get the same projects.
	Seed uint64
}

// BenchAdminEmail is the log-in of benchmark tenant i's admin.
func BenchAdminEmail(i int) string { return fmt.Sprintf("admin@bench%03d.example", i) }

// BenchChunk is how many projects one transaction of a benchmark load writes.
const BenchChunk = 50_000

// Bench creates benchmark tenant bt once, with its reps, a manager and
// bt.Projects generated projects, written in transactions of BenchChunk
// projects each with their derived data. It reports false when the tenant
// exists already; progress is called after each transaction with the
// projects written so far.
func Bench(ctx context.Context, db *postgres.DB, bt BenchTenant, passwordHash string, now time.Time, progress func(int)) (bool, error) {
	email := BenchAdminEmail(bt.Index)
	if _, err := db.UserForLogin(ctx, email); err == nil {
		return false, nil
	}
	admin, err := db.SignUp(ctx, crm.SignUp{Company: fmt.Sprintf("Bench %03d", bt.Index), Name: "Bench Admin", Email: email}, passwordHash)
	if err != nil {
		return false, fmt.Errorf("bench tenant %d: %w", bt.Index, err)
	}
	var reps []crm.UserID
	var manager crm.UserID
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		if err := tx.SetTimeZone(ctx, "America/Los_Angeles"); err != nil {
			return err
		}
		m, err := tx.AddUser(ctx, fmt.Sprintf("manager@bench%03d.example", bt.Index), "Bench Manager", crm.RoleManager, passwordHash)
		if err != nil {
			return err
		}
		manager = m.ID
		for r := range bt.Reps {
			u, err := tx.AddUser(ctx, fmt.Sprintf("rep%d@bench%03d.example", r, bt.Index), RepName(r), crm.RoleSales, passwordHash)
			if err != nil {
				return err
			}
			reps = append(reps, u.ID)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	seed := bt.Seed
	if seed == 0 {
		seed = uint64(bt.Index) + 1
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	for done := 0; done < bt.Projects; done += BenchChunk {
		n := min(BenchChunk, bt.Projects-done)
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			// A chunk lost in a crash is simply seeded again: it need not
			// wait for the disk.
			if err := tx.AsyncCommit(ctx); err != nil {
				return err
			}
			g, err := newGenerator(ctx, tx, rng, reps, manager, now)
			if err != nil {
				return err
			}
			return g.load(ctx, tx, n)
		})
		if err != nil {
			return false, fmt.Errorf("bench tenant %d projects: %w", bt.Index, err)
		}
		if progress != nil {
			progress(done + n)
		}
	}
	return true, nil
}
