package main

import (
	"context"
	"log/slog"

	"github.com/pipewell/pipewell/internal/bench"
)

// benchCmd is `pipewell bench` (internal/bench).
func benchCmd(ctx context.Context, log *slog.Logger, args []string) error {
	return bench.Run(ctx, log, args)
}
