package postgres

import (
	"context"
	"fmt"
	"net"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// execAll runs stmts on a connection of its own to url.
func execAll(ctx context.Context, super string, stmts []string) error {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// CreateCitusDatabase makes database name on a Citus cluster ready for
// Pipewell's migrations, connecting as the superuser super (the
// coordinator's URL, any database): the database on every worker and the
// coordinator, owned by owner, with the citus extension; the workers
// registered in the coordinator's copy (each database is a cluster of its
// own); and the setting the app needs, citus.propagate_set_commands =
// 'local' (deploy/SCALE-OUT.md). roles, statements that create the roles
// if missing, run first on every node: roles are per node, and a database
// without the citus extension (postgres) does not propagate them. It does
// what `cluster.sh createdb` does, and may be run again.
func CreateCitusDatabase(ctx context.Context, super string, workers []string, name, owner string, roles []string) error {
	su, err := url.Parse(super)
	if err != nil {
		return err
	}
	at := func(hostport, db string) string {
		u := *su
		u.Host, u.Path = hostport, "/"+db
		return u.String()
	}
	nodes := append(append([]string(nil), workers...), su.Host)
	id := pgx.Identifier{name}.Sanitize()
	for _, n := range nodes {
		if err := execAll(ctx, at(n, "postgres"), roles); err != nil {
			return fmt.Errorf("roles on %s: %w", n, err)
		}
		conn, err := pgx.Connect(ctx, at(n, "postgres"))
		if err != nil {
			return err
		}
		var exists bool
		err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists)
		if err == nil && !exists {
			_, err = conn.Exec(ctx, `CREATE DATABASE `+id+` OWNER `+pgx.Identifier{owner}.Sanitize())
		}
		conn.Close(ctx)
		if err != nil {
			return fmt.Errorf("create %s on %s: %w", name, n, err)
		}
		if err := execAll(ctx, at(n, name), []string{`CREATE EXTENSION IF NOT EXISTS citus`}); err != nil {
			return fmt.Errorf("citus on %s: %w", n, err)
		}
	}
	host, port, err := net.SplitHostPort(su.Host)
	if err != nil {
		return err
	}
	setup := []string{
		fmt.Sprintf(`SELECT citus_set_coordinator_host('%s', %s)`, host, port),
		`ALTER DATABASE ` + id + ` SET citus.propagate_set_commands = 'local'`,
	}
	for _, w := range workers {
		h, p, err := net.SplitHostPort(w)
		if err != nil {
			return fmt.Errorf("citus worker %q: %w", w, err)
		}
		setup = append(setup, fmt.Sprintf(`SELECT citus_add_node('%s', %s) WHERE NOT EXISTS (SELECT FROM pg_dist_node WHERE nodename = '%[1]s' AND nodeport = %[2]s)`, h, p))
	}
	return execAll(ctx, at(su.Host, name), setup)
}
