package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// refresh recomputes derived data from the rows: for one tenant with
// --tenant, else for every tenant. It needs the owner's connection
// (PIPEWELL_MIGRATE_URL, else DATABASE_URL) to visit every tenant.
func refresh(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("refresh", flag.ContinueOnError)
	tenant := fs.Int64("tenant", 0, "the tenant to recompute (default: every tenant)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, migrateURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ids := []crm.TenantID{crm.TenantID(*tenant)}
	if *tenant == 0 {
		if ids, err = db.TenantIDs(ctx); err != nil {
			return err
		}
	}
	for _, t := range ids {
		start := time.Now()
		if err := db.Refresh(ctx, t); err != nil {
			return err
		}
		log.Info("derived data recomputed", "tenant", t, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
