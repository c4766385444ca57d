// Command pipewell runs the Pipewell sales CRM.
//
//	pipewell serve          serve HTTP (PIPEWELL_ADDR, default :8080)
//	pipewell migrate        apply database migrations as the tables' owner
//	pipewell refresh        recompute derived data from the rows (--tenant ID, else all)
//	pipewell seed --demo    create the demo tenant once
//	pipewell user passwd    set a user's password (read from standard input)
//	pipewell bench          seed a benchmark database once and measure pages under load
//	pipewell healthcheck    exit 0 when the server on this machine is ready (container health checks)
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage: pipewell <command> [flags]

commands:
  serve        serve the web app
  migrate      apply database migrations (as the owner: PIPEWELL_MIGRATE_URL)
  refresh      recompute derived data from the rows: refresh [--tenant ID] (as the owner)
  seed --demo  create the demo tenant (once)
  user passwd  set a user's password: pipewell user passwd EMAIL < password-file
  bench        seed the benchmark database (once) and measure the Sales screen (make bench)
  healthcheck  exit 0 when the server on this machine answers /readyz (PIPEWELL_ADDR's port)
`

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		// The server logs a line per request: batched, off the requests' path.
		lw := newLogWriter(os.Stderr, 200*time.Millisecond)
		err = serve(ctx, slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelInfo})), os.Args[2:])
		lw.Close()
	case "migrate":
		err = migrate(ctx, log, os.Args[2:])
	case "refresh":
		err = refresh(ctx, log, os.Args[2:])
	case "seed":
		err = seedCmd(ctx, log, os.Args[2:])
	case "user":
		err = user(ctx, log, os.Args[2:])
	case "bench":
		err = benchCmd(ctx, log, os.Args[2:])
	case "healthcheck":
		err = healthcheck(ctx, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "pipewell: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pipewell %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// env returns the variable's value or def.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// defaultDatabaseURL is the local database as `make run` sets it up.
const defaultDatabaseURL = "postgres://pipewell@127.0.0.1:5432/pipewell?sslmode=disable"

func databaseURL() string { return env("DATABASE_URL", defaultDatabaseURL) }

// migrateURL is the owner's connection; without one, migrations use DATABASE_URL
// (which works only when that role may create tables).
func migrateURL() string { return env("PIPEWELL_MIGRATE_URL", databaseURL()) }
