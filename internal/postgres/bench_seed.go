package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// BenchTenant describes one tenant of the benchmark database.
type BenchTenant struct {
	Index    int // 0..n-1; names and e-mails derive from it
	Projects int
	Reps     int
	// Seed picks the generated data (default: derived from Index); two
	// tenants with the same Seed get the same projects.
	Seed uint64
	// Incremental keeps the Sales summary triggers on during the load, as
	// ordinary writes do, instead of skipping them and refreshing the summary
	// once at the end (tests compare the two).
	Incremental bool
}

// BenchAdminEmail is the log-in of benchmark tenant i's admin.
func BenchAdminEmail(i int) string { return fmt.Sprintf("admin@bench%03d.example", i) }

// SeedBenchTenant creates benchmark tenant bt once, with its reps, a manager
// and bt.Projects projects with realistic milestone histories, subtasks,
// events and log entries (the demo generator), loaded with COPY in chunks of
// one transaction each. It reports false when the tenant exists already.
// progress is called after each chunk with the projects written so far.
func (db *DB) SeedBenchTenant(ctx context.Context, bt BenchTenant, passwordHash string, now time.Time, progress func(int)) (bool, error) {
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
	err = db.InTenant(ctx, admin.TenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE tenants SET time_zone = 'America/Los_Angeles' WHERE id = $1`, tx.Tenant); err != nil {
			return err
		}
		m, err := tx.insertUser(ctx, fmt.Sprintf("manager@bench%03d.example", bt.Index), "Bench Manager", crm.RoleManager, passwordHash)
		if err != nil {
			return err
		}
		manager = m.ID
		for r := range bt.Reps {
			u, err := tx.insertUser(ctx, fmt.Sprintf("rep%d@bench%03d.example", r, bt.Index),
				demoFirst[r%len(demoFirst)]+" "+demoLast[(r/len(demoFirst)+r)%len(demoLast)]+fmt.Sprint(r), crm.RoleSales, passwordHash)
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
	const chunk = 50_000
	for done := 0; done < bt.Projects; done += chunk {
		n := min(chunk, bt.Projects-done)
		err := db.InTenant(ctx, admin.TenantID, func(tx *Tx) error {
			if !bt.Incremental {
				// The summary triggers skip this transaction; the summary is
				// computed once below. A chunk lost in a crash is simply
				// seeded again, so it need not wait for the disk.
				if _, err := tx.Exec(ctx, "SET LOCAL app.bulk_load = 'on'; SET LOCAL synchronous_commit = off"); err != nil {
					return err
				}
			}
			return tx.seedProjects(ctx, rng, reps, manager, n, now)
		})
		if err != nil {
			return false, fmt.Errorf("bench tenant %d projects: %w", bt.Index, err)
		}
		if progress != nil {
			progress(done + n)
		}
	}
	if !bt.Incremental {
		if err := db.RefreshSalesSummary(ctx, admin.TenantID); err != nil {
			return false, fmt.Errorf("bench tenant %d: %w", bt.Index, err)
		}
	}
	return true, nil
}

// RefreshSalesSummary recomputes the Sales screen summary of every project of
// tenant in one statement: the function the summary triggers call, over the
// whole tenant. Bulk loads that
// set app.bulk_load skip the triggers and call this at the end.
func (db *DB) RefreshSalesSummary(ctx context.Context, tenant crm.TenantID) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT sales_refresh($1, ARRAY(SELECT id FROM projects WHERE tenant_id = $1))", tx.Tenant); err != nil {
			return fmt.Errorf("refresh sales summary: %w", err)
		}
		return nil
	})
}

// SetupBenchDatabase creates (once) the benchmark database name with the
// owner role pipewell_owner and a login app role pipewell_bench (member of
// pipewell_app), connecting as the superuser super. It returns the owner's
// and the app role's connection URLs on the same server.
func SetupBenchDatabase(ctx context.Context, super, name string) (ownerURL, appURL string, err error) {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return "", "", fmt.Errorf("connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		`DO $$ BEGIN
		   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_owner') THEN CREATE ROLE pipewell_owner LOGIN; END IF;
		   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_app') THEN CREATE ROLE pipewell_app NOLOGIN NOBYPASSRLS; END IF;
		   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_bench') THEN
		     CREATE ROLE pipewell_bench LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app;
		   END IF;
		 END $$`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return "", "", fmt.Errorf("bench roles: %w", err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` OWNER pipewell_owner`); err != nil {
			return "", "", fmt.Errorf("create bench database: %w", err)
		}
	}
	u, err := url.Parse(super)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	u.User = url.User("pipewell_owner")
	ownerURL = u.String()
	u.User = url.User("pipewell_bench")
	return ownerURL, u.String(), nil
}

// VacuumAnalyze vacuums and analyzes the database at url (as its owner or a
// superuser), so index-only scans and the planner's estimates are current.
func VacuumAnalyze(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `VACUUM (ANALYZE)`)
	return err
}
