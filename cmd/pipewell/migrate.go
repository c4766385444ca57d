package main

import (
	"context"
	"log/slog"

	"github.com/pipewell/pipewell/internal/postgres"
)

func migrate(ctx context.Context, log *slog.Logger, _ []string) error {
	if err := postgres.Migrate(ctx, migrateURL(), log); err != nil {
		return err
	}
	log.Info("database is up to date")
	return nil
}
