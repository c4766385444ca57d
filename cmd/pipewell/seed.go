package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

func seedCmd(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "create the demo tenant (once)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demo {
		return errors.New("nothing to seed: pass --demo")
	}
	db, err := postgres.Open(ctx, databaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, seed.DemoPassword)
	if err != nil {
		return err
	}
	start := time.Now()
	created, err := seed.Demo(ctx, db, hash, time.Now())
	if err != nil {
		return err
	}
	if created {
		log.Info("demo tenant created", "took", time.Since(start).Round(time.Millisecond))
	}
	fmt.Println("Demo logins (password " + seed.DemoPassword + "):")
	for _, l := range seed.DemoLogins {
		fmt.Printf("  %-8s %s\n", l.Role, l.Email)
	}
	return nil
}
