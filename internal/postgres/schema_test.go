package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// globalTables have a tenant_id column (or none) but are deliberately not
// bound by a tenant policy: the e-mail → user lookup used by log-in, and
// goose's and scs's bookkeeping. Everything else with tenant_id is a tenant table.
var globalTables = []string{"login_emails", "sessions", "goose_db_version"}

// schemaProblems reads the catalog and lists every tenant table that breaks a
// rule of ARCHITECTURE.md: forced RLS with a tenant policy, a primary key that
// starts with tenant_id, foreign keys / unique constraints / indexes that
// include (indexes: lead with) tenant_id.
func schemaProblems(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	var problems []string
	rows, err := conn.Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
		                 AND pg_get_expr(p.polqual, p.polrelid) LIKE '%NULLIF(current_setting(''app.tenant_id''::text, true), ''''::text)%'),
		       a.attnum
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
		  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		 WHERE c.relkind IN ('r', 'p')
		 ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	type table struct {
		name               string
		rls, force, policy bool
		attnum             int16
	}
	var tables []table
	for rows.Next() {
		var tb table
		if err := rows.Scan(&tb.name, &tb.rls, &tb.force, &tb.policy, &tb.attnum); err != nil {
			return nil, err
		}
		tables = append(tables, tb)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, tb := range tables {
		if slices.Contains(globalTables, tb.name) {
			continue
		}
		if !tb.rls || !tb.force {
			problems = append(problems, tb.name+": row-level security not enabled and forced")
		}
		if !tb.policy {
			problems = append(problems, tb.name+": no tenant policy on app.tenant_id")
		}
		crows, err := conn.Query(ctx, `
			SELECT conname, contype::text, conkey FROM pg_constraint
			 WHERE conrelid = $1::regclass AND contype IN ('p', 'f', 'u')`, tb.name)
		if err != nil {
			return nil, err
		}
		hasPK := false
		for crows.Next() {
			var name, typ string
			var keys []int16
			if err := crows.Scan(&name, &typ, &keys); err != nil {
				return nil, err
			}
			switch {
			case typ == "p":
				hasPK = true
				if len(keys) == 0 || keys[0] != tb.attnum {
					problems = append(problems, fmt.Sprintf("%s: primary key %s does not start with tenant_id", tb.name, name))
				}
			case !slices.Contains(keys, tb.attnum):
				problems = append(problems, fmt.Sprintf("%s: constraint %s does not include tenant_id", tb.name, name))
			}
		}
		crows.Close()
		if !hasPK {
			problems = append(problems, tb.name+": no primary key")
		}
		irows, err := conn.Query(ctx, `
			SELECT ic.relname, i.indkey[0] FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
			 WHERE i.indrelid = $1::regclass`, tb.name)
		if err != nil {
			return nil, err
		}
		for irows.Next() {
			var name string
			var first int16
			if err := irows.Scan(&name, &first); err != nil {
				return nil, err
			}
			if first != tb.attnum {
				problems = append(problems, fmt.Sprintf("%s: index %s does not lead with tenant_id", tb.name, name))
			}
		}
		irows.Close()
	}
	return problems, nil
}

func TestSchemaRules(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	problems, err := schemaProblems(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("schema breaks the tenant rules:\n%s", strings.Join(problems, "\n"))
	}

	// The check itself can fail: break each rule on purpose and expect each to be reported.
	_, err = conn.Exec(ctx, `
		CREATE TABLE bad_norls (tenant_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		CREATE TABLE bad_pk (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);
		ALTER TABLE bad_pk ENABLE ROW LEVEL SECURITY; ALTER TABLE bad_pk FORCE ROW LEVEL SECURITY;
		CREATE POLICY tenant_isolation ON bad_pk USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
		CREATE TABLE bad_fk (tenant_id bigint NOT NULL, id bigint NOT NULL, user_ref bigint, code text,
		                     PRIMARY KEY (tenant_id, id), UNIQUE (code));
		ALTER TABLE bad_fk ENABLE ROW LEVEL SECURITY; ALTER TABLE bad_fk FORCE ROW LEVEL SECURITY;
		CREATE POLICY tenant_isolation ON bad_fk USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
		ALTER TABLE bad_fk ADD FOREIGN KEY (id) REFERENCES bad_pk (id);
		CREATE INDEX bad_fk_ref_idx ON bad_fk (user_ref);`)
	if err != nil {
		t.Fatal(err)
	}
	problems, err = schemaProblems(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{
		"bad_norls: row-level security not enabled and forced",
		"bad_norls: no tenant policy",
		"bad_pk: primary key bad_pk_pkey does not start with tenant_id",
		"bad_fk: constraint bad_fk_code_key does not include tenant_id",
		"bad_fk: constraint bad_fk_id_fkey does not include tenant_id",
		"bad_fk: index bad_fk_ref_idx does not lead with tenant_id",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("broken schema not reported: %q\ngot:\n%s", want, got)
		}
	}
}

func TestAppRoleCannotRewriteTheLog(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"UPDATE project_log SET body = 'x'",
		"DELETE FROM project_log",
		"DELETE FROM audit_log",
		"DROP TABLE projects",
		"CREATE TABLE evil (id int)",
		"ALTER TABLE projects DISABLE ROW LEVEL SECURITY",
		"DELETE FROM goose_db_version",
	} {
		if _, err := conn.Exec(ctx, stmt); err == nil {
			t.Errorf("app role could run %q", stmt)
		}
	}
}
