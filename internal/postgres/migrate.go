package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pipewell/pipewell/migrations"
	"github.com/pressly/goose/v3"
)

// Migrate applies every pending migration using url, which must connect as the
// tables' owner (not the app role), then recomputes the derived data of every
// tenant whose data is of an older version than this build's (RefreshStale).
// It logs each applied version and each recomputed tenant.
func Migrate(ctx context.Context, url string, log *slog.Logger) error {
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("open migration connection: %w", err)
	}
	defer sdb.Close()
	if err := MigrateDB(ctx, sdb, log); err != nil {
		return err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	db, err := Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.RefreshStale(ctx, log)
}

// MigrateDB applies every pending migration over an open database/sql handle.
func MigrateDB(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" database/sql driver
