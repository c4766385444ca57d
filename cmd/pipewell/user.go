package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// user passwd EMAIL: sets a password read from the first line of standard
// input (so it never appears in the process list or shell history).
func user(ctx context.Context, log *slog.Logger, args []string) error {
	if len(args) != 2 || args[0] != "passwd" {
		return errors.New("usage: pipewell user passwd EMAIL < file-with-password")
	}
	email, ok := crm.NormalizeEmail(args[1])
	if !ok {
		return fmt.Errorf("%q is not an e-mail address", args[1])
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no password on standard input")
	}
	password := strings.TrimRight(line, "\r\n")
	if len([]rune(password)) < crm.MinPassword {
		return fmt.Errorf("the password needs at least %d characters", crm.MinPassword)
	}
	db, err := postgres.Open(ctx, databaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := db.SetPassword(ctx, email, hash); err != nil {
		return err
	}
	log.Info("password set", "email", email)
	return nil
}
