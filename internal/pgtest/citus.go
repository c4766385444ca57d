package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/migrations"
)

// On a Citus cluster (PIPEWELL_TEST_CITUS_WORKERS lists the workers as
// host:port, PIPEWELL_TEST_DATABASE_URL names the coordinator), each test
// gets a database of its own, as on plain PostgreSQL: a distributed
// database is a database of the same name on every node, so the harness
// migrates a template once (per migration set) on the coordinator, whose
// shards land in the workers' template databases, and clones it on every
// node. The clones agree: the coordinator finds a shard by node and by its
// own database's name. The template uses 4 shards per table (instead of 32)
// so that cloning it is quick; routing to one shard is tested all the same.
//
// Why not one shared distributed database with a tenant per test: tests
// count global rows (login e-mails, sessions), create tables, drop indexes,
// and terminate their database's connections; a database each keeps them
// as they are on plain PostgreSQL.

// OwnerRole owns the tables on Citus (pgtestdb's own role on plain PostgreSQL).
const (
	citusOwner         = "pipewell_test_owner"
	citusOwnerPassword = "pipewell_test_owner"
	citusShards        = 4
)

// CitusWorkers returns the workers of the Citus test cluster, or nil when
// the tests run on plain PostgreSQL.
func CitusWorkers() []string {
	v := strings.TrimSpace(os.Getenv("PIPEWELL_TEST_CITUS_WORKERS"))
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// Citus reports whether the tests run on a Citus cluster.
func Citus() bool { return len(CitusWorkers()) > 0 }

// SuperURL returns the superuser connection to database name on the test
// server (the coordinator on Citus).
func SuperURL(name string) string {
	u, err := url.Parse(superURL())
	if err != nil {
		return superURL()
	}
	u.Path = "/" + name
	return u.String()
}

// nodeURL returns the superuser URL su pointed at host:port and database name.
func nodeURL(su *url.URL, hostport, name string) string {
	u := *su
	u.Host = hostport
	u.Path = "/" + name
	return u.String()
}

var citusTemplate struct {
	once sync.Once
	name string
	err  error
}

// newCitus is New on a Citus cluster.
func newCitus(t testing.TB, su *url.URL, anyPlan bool) *DB {
	t.Helper()
	ctx := context.Background()
	nodes := append(CitusWorkers(), su.Host)
	citusTemplate.once.Do(func() { citusTemplate.name, citusTemplate.err = citusPrepare(ctx, su, nodes) })
	if citusTemplate.err != nil {
		t.Fatalf("citus template: %v", citusTemplate.err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("pipewell_ct_%d_%s", os.Getpid(), hex.EncodeToString(b[:]))
	t.Cleanup(func() {
		for _, n := range nodes {
			if err := execOn(ctx, nodeURL(su, n, "postgres"), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
				t.Logf("drop %s on %s: %v", name, n, err)
			}
		}
	})
	for _, n := range nodes {
		err := execOn(ctx, nodeURL(su, n, "postgres"), fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s OWNER %s`,
			pgx.Identifier{name}.Sanitize(), pgx.Identifier{citusTemplate.name}.Sanitize(), citusOwner))
		if err != nil {
			t.Fatalf("clone %s on %s: %v", citusTemplate.name, n, err)
		}
	}
	// The setting a Pipewell database on Citus needs (deploy/SCALE-OUT.md),
	// and, for the app role, an error instead of any statement that is not
	// routed to one shard: every test on Citus checks that the pages'
	// queries are router plans.
	settings := []string{`ALTER DATABASE ` + pgx.Identifier{name}.Sanitize() + ` SET citus.propagate_set_commands = 'local'`}
	if !anyPlan {
		settings = append(settings,
			`ALTER ROLE `+AppRole+` IN DATABASE `+pgx.Identifier{name}.Sanitize()+` SET citus.multi_task_query_log_level = 'error'`)
	}
	if err := execOn(ctx, nodeURL(su, su.Host, "postgres"), settings...); err != nil {
		t.Fatal(err)
	}
	owner := &url.URL{Scheme: "postgres", User: url.UserPassword(citusOwner, citusOwnerPassword), Host: su.Host,
		Path: "/" + name, RawQuery: "sslmode=disable"}
	app := *owner
	app.User = url.UserPassword(AppRole, appPassword)
	db, err := postgres.Open(ctx, app.String())
	if err != nil {
		t.Fatalf("open test database as %s: %v", AppRole, err)
	}
	t.Cleanup(db.Close)
	anyURL := app
	anyURL.RawQuery += "&options=" + strings.ReplaceAll(url.QueryEscape("-c citus.multi_task_query_log_level=off"), "+", "%20")
	anyDB, err := postgres.Open(ctx, anyURL.String())
	if err != nil {
		t.Fatalf("open test database as %s: %v", AppRole, err)
	}
	t.Cleanup(anyDB.Close)
	return &DB{DB: db, AppURL: app.String(), OwnerURL: owner.String(), Any: anyDB}
}

// citusPrepare makes the migrated template database on every node once per
// migration set (other test binaries wait on an advisory lock meanwhile)
// and returns its name.
func citusPrepare(ctx context.Context, su *url.URL, nodes []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "citus-template v2 %d %s\n", citusShards, strings.Join(nodes, ","))
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		fmt.Fprintf(h, "%s %x\n", path, sha256.Sum256(b))
		return err
	})
	if err != nil {
		return "", err
	}
	name := "pipewell_ctpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	for _, n := range nodes {
		if err := citusRoles(ctx, nodeURL(su, n, "postgres")); err != nil {
			return "", fmt.Errorf("roles on %s: %w", n, err)
		}
	}
	lock, err := pgx.Connect(ctx, nodeURL(su, su.Host, "postgres"))
	if err != nil {
		return "", err
	}
	defer lock.Close(ctx)
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock(hashtext('pipewell citus template'))`); err != nil {
		return "", err
	}
	var ready bool
	if err := lock.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1 AND NOT datallowconn)`, name).Scan(&ready); err != nil {
		return "", err
	}
	if ready {
		return name, nil
	}
	id := pgx.Identifier{name}.Sanitize()
	for _, n := range nodes { // a template left half-made by a run that stopped
		if err := execOn(ctx, nodeURL(su, n, "postgres"), `DROP DATABASE IF EXISTS `+id+` WITH (FORCE)`); err != nil {
			return "", fmt.Errorf("drop %s on %s: %w", name, n, err)
		}
	}
	if err := postgres.CreateCitusDatabase(ctx, nodeURL(su, su.Host, "postgres"), nodes[:len(nodes)-1], name, citusOwner, nil); err != nil {
		return "", err
	}
	if err := execOn(ctx, nodeURL(su, su.Host, "postgres"), fmt.Sprintf(`ALTER DATABASE %s SET citus.shard_count = %d`, id, citusShards)); err != nil {
		return "", err
	}
	owner := &url.URL{Scheme: "postgres", User: url.UserPassword(citusOwner, citusOwnerPassword), Host: su.Host,
		Path: "/" + name, RawQuery: "sslmode=disable"}
	sdb, err := sql.Open("pgx", owner.String())
	if err != nil {
		return "", err
	}
	err = postgres.MigrateDB(ctx, sdb, nil)
	sdb.Close()
	if err != nil {
		return "", err
	}
	// A template must have no connections, the Citus maintenance daemon's
	// included: forbid new ones, then end those there are.
	for _, n := range nodes {
		if err := execOn(ctx, nodeURL(su, n, "postgres"), `ALTER DATABASE `+id+` ALLOW_CONNECTIONS false`,
			fmt.Sprintf(`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '%s'`, name)); err != nil {
			return "", fmt.Errorf("close %s on %s: %w", name, n, err)
		}
	}
	return name, nil
}

// citusRoles creates the roles on one node (roles are per node; a database
// without the citus extension, like postgres, does not propagate them).
func citusRoles(ctx context.Context, super string) error {
	conn, err := pgx.Connect(ctx, super)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		`CREATE ROLE pipewell_app NOLOGIN NOSUPERUSER NOBYPASSRLS`,
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app`, AppRole, appPassword),
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS`, citusOwner, citusOwnerPassword),
	} {
		if _, err := conn.Exec(ctx, s); err != nil && !isDuplicateRole(err) {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// execOn runs statements on a connection of their own to url.
func execOn(ctx context.Context, url string, stmts ...string) error {
	conn, err := pgx.Connect(ctx, url)
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
