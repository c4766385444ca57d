// Package migrations holds Pipewell's database schema as goose SQL files,
// embedded in the binary so `pipewell migrate` needs nothing on disk.
//
// Migrations are append-only: never edit a file that has shipped; add the next.
package migrations

import "embed"

// FS holds every migration, in goose's numbered order.
//
//go:embed *.sql
var FS embed.FS
