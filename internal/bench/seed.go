package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// seedBench seeds every tenant that is not there yet, two at a time.
func seedBench(ctx context.Context, db *postgres.DB, ownerURL string, tenants, big, small int) error {
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, seed.DemoPassword)
	if err != nil {
		return err
	}
	// A load that failed half-way left its indexes dropped: build them first.
	if n, err := postgres.RestoreBulkConstraints(ctx, ownerURL, nil); err != nil {
		return err
	} else if n > 0 {
		fmt.Printf("restored %d indexes and foreign keys a previous load had dropped\n", n)
	}
	missing := 0
	for i := range tenants {
		if _, err := db.UserForLogin(ctx, seed.BenchAdminEmail(i)); err != nil {
			missing++
		}
	}
	if missing == 0 {
		fmt.Println("bench database already seeded; reusing it")
		return nil
	}
	start := time.Now()
	if err := postgres.DropBulkConstraints(ctx, ownerURL); err != nil {
		return fmt.Errorf("drop indexes and foreign keys for the load: %w", err)
	}
	work := make(chan seed.BenchTenant)
	var created atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range work {
				t0 := time.Now()
				ok, err := seed.Bench(ctx, db, bt, hash, start, func(n int) {
					if bt.Projects > 100_000 {
						fmt.Printf("  tenant %d: %d projects (%s)\n", bt.Index, n, time.Since(t0).Round(time.Second))
					}
				})
				if err != nil {
					errs <- err
					return
				}
				if ok {
					created.Add(1)
					if bt.Index%10 == 0 || bt.Projects > 100_000 {
						fmt.Printf("seeded tenant %d (%d projects) in %s\n", bt.Index, bt.Projects, time.Since(t0).Round(time.Second))
					}
				}
			}
		}()
	}
	for i := range tenants {
		bt := seed.BenchTenant{Index: i, Projects: small, Reps: 8}
		if i == 0 {
			bt.Projects, bt.Reps = big, 50
		}
		select {
		case work <- bt:
		case err := <-errs:
			close(work)
			return err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("seeded %d tenants in %s; building indexes and validating foreign keys...\n", created.Load(), time.Since(start).Round(time.Second))
	t0 := time.Now()
	n, err := postgres.RestoreBulkConstraints(ctx, ownerURL, func(name string, took time.Duration) {
		fmt.Printf("  %s restored in %s\n", name, took.Round(100*time.Millisecond))
	})
	if err != nil {
		return err
	}
	fmt.Printf("restored %d indexes and foreign keys in %s; vacuum and analyze...\n", n, time.Since(t0).Round(time.Second))
	t0 = time.Now()
	if err := postgres.VacuumAnalyze(ctx, ownerURL); err != nil {
		return err
	}
	fmt.Printf("vacuum analyze took %s; the whole seed took %s\n", time.Since(t0).Round(time.Second), time.Since(start).Round(time.Second))
	return nil
}
