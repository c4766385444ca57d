package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchRoles creates the benchmark's roles where they are missing.
const benchRoles = `DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_owner') THEN CREATE ROLE pipewell_owner LOGIN; END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_app') THEN CREATE ROLE pipewell_app NOLOGIN NOBYPASSRLS; END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_bench') THEN
	  CREATE ROLE pipewell_bench LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app;
	END IF;
END $$`

// SetupBenchDatabase creates (once) the benchmark database name with the
// owner role pipewell_owner and a login app role pipewell_bench (member of
// pipewell_app), connecting as the superuser super. With citusWorkers
// (host:port), super is a Citus coordinator and the database is made on
// every node (CreateCitusDatabase). It returns the owner's and the app
// role's connection URLs on the same server.
func SetupBenchDatabase(ctx context.Context, super, name string, citusWorkers []string) (ownerURL, appURL string, err error) {
	if len(citusWorkers) > 0 {
		if err := CreateCitusDatabase(ctx, super, citusWorkers, name, "pipewell_owner", []string{benchRoles}); err != nil {
			return "", "", fmt.Errorf("citus bench database: %w", err)
		}
	}
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return "", "", fmt.Errorf("connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{benchRoles} {
		if _, err := conn.Exec(ctx, s); err != nil {
			return "", "", fmt.Errorf("bench roles: %w", err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` OWNER pipewell_owner`); err != nil {
			return "", "", fmt.Errorf("create bench database: %w", err)
		}
	}
	u, err := url.Parse(super)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	u.User = url.User("pipewell_owner")
	ownerURL = u.String()
	u.User = url.User("pipewell_bench")
	return ownerURL, u.String(), nil
}

// VacuumAnalyze vacuums and analyzes tables (all of them when none is named)
// of the database at url (as its owner or a superuser), so index-only scans
// and the planner's estimates are current. Table names must be constants.
func VacuumAnalyze(ctx context.Context, url string, tables ...string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
	return err
}

// HotTables are the small tables every request reads or writes. A benchmark
// run vacuums them first (VacuumAnalyze): on a server with autovacuum off
// (this machine's), each run's sessions and their updates would otherwise stay
// as dead rows that every later session lookup wades through.
var HotTables = []string{"sessions", "users", "tenants", "project_totals"}

// bulkTables are the tables a bulk load fills. Before the load it drops
// their secondary indexes and foreign keys and afterwards builds and
// validates them again, once, in bulk: a sorted index build is many times
// faster than maintaining a dozen indexes row by row, and validating a
// foreign key with one join faster than forty per-row checks per project.
// Primary keys and unique constraints stay.
var bulkTables = []string{"projects", "project_log", "accounts", "contacts", "milestone_completions", "scheduled_events", "subtasks",
	"project_search", "project_search_words"}

// citusSequential makes a transaction's statements on distributed tables
// run one shard connection at a time, on Citus only: Citus refuses DDL on a
// table that references a reference table after a parallel operation in the
// same transaction.
const citusSequential = `SELECT set_config('citus.multi_shard_modify_mode', 'sequential', true) FROM pg_extension WHERE extname = 'citus'`

// DropBulkConstraints drops those indexes and foreign keys, as the tables'
// owner at ownerURL. The statements that restore them are kept in
// bench_dropped, in the same transaction, so RestoreBulkConstraints builds
// them again even after a load that failed half-way.
func DropBulkConstraints(ctx context.Context, ownerURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, citusSequential); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_dropped (name text PRIMARY KEY, drop_sql text NOT NULL, restore_sql text NOT NULL, ord int NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO bench_dropped (name, drop_sql, restore_sql, ord)
			SELECT 'index ' || i.indexrelid::regclass::text, format('DROP INDEX %s', i.indexrelid::regclass),
			       pg_get_indexdef(i.indexrelid), 1
			  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
			 WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace AND NOT i.indisprimary
			   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			UNION ALL
			SELECT 'constraint ' || c.conname, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
			       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)), 2
			  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
			 WHERE c.contype = 'f' AND t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace`, bulkTables)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT drop_sql FROM bench_dropped`)
		if err != nil {
			return err
		}
		drops, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, d := range drops {
			if _, err := tx.Exec(ctx, d); err != nil {
				return fmt.Errorf("%s: %w", d, err)
			}
		}
		return nil
	})
}

// RestoreBulkConstraints builds the indexes and adds the foreign keys
// DropBulkConstraints dropped (nothing when none is pending), each in its own
// transaction, and reports how many.
func RestoreBulkConstraints(ctx context.Context, ownerURL string, progress func(name string, took time.Duration)) (int, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('bench_dropped') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		return 0, err
	}
	rows, err := conn.Query(ctx, `SELECT name, restore_sql FROM bench_dropped ORDER BY ord, name`)
	if err != nil {
		return 0, err
	}
	type item struct{ name, sql string }
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
		var i item
		err := r.Scan(&i.name, &i.sql)
		return i, err
	})
	if err != nil {
		return 0, err
	}
	for _, i := range items {
		t0 := time.Now()
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, citusSequential); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, i.sql); err != nil {
				return fmt.Errorf("restore %s: %w", i.name, err)
			}
			_, err := tx.Exec(ctx, `DELETE FROM bench_dropped WHERE name = $1`, i.name)
			return err
		})
		if err != nil {
			return 0, err
		}
		if progress != nil {
			progress(i.name, time.Since(t0))
		}
	}
	return len(items), nil
}

// BenchTargets returns what the benchmark's scenarios point at in the bound
// tenant: the cursor of the middle of the active list (a deep page, newest
// first) and one active project (the workspace).
func (tx *Tx) BenchTargets(ctx context.Context) (Cursor, int64, error) {
	var at time.Time
	var id, project int64
	err := tx.QueryRow(ctx, `SELECT created_at, id FROM projects WHERE tenant_id = $1 AND state = 'active'
		ORDER BY created_at DESC, id DESC
		OFFSET (SELECT count(*) / 2 FROM projects WHERE tenant_id = $1 AND state = 'active') LIMIT 1`, tx.Tenant).Scan(&at, &id)
	if err != nil {
		return Cursor{}, 0, fmt.Errorf("bench targets: %w", err)
	}
	err = tx.QueryRow(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND state = 'active' LIMIT 1`, tx.Tenant).Scan(&project)
	if err != nil {
		return Cursor{}, 0, fmt.Errorf("bench targets: %w", err)
	}
	return Cursor{Sort: "created", Desc: true, Key: at, ID: id}, project, nil
}
