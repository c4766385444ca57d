package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestEveryPageQueryIsARouterPlan (Citus only): every statement that the
// pages send, as an admin, a manager and a salesperson, over every GET route
// and the Sales screen's views, sorts, filters and search, is planned on
// the coordinator as one task (a router plan: the tenant's shard only).
// Each distinct statement is EXPLAINed with the arguments it ran with.
func TestEveryPageQueryIsARouterPlan(t *testing.T) {
	if !pgtest.Citus() {
		t.Skip("needs a Citus cluster (make test-citus)")
	}
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	type stmt struct {
		sql  string
		args []any
	}
	var mu sync.Mutex
	seen := map[string]stmt{}
	recording := false
	rec, err := postgres.OpenRecording(ctx, db.AppURL, func(sql string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[sql]; !ok && recording {
			seen[sql] = stmt{sql, append([]any(nil), args...)}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	srv := New(rec, Config{Hasher: pgtest.FastHasher, Log: slog.New(slog.NewTextHandler(testLogOut(), nil))})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	app := &testApp{t: t, db: db, srv: srv, ts: ts}

	admin := db.Tenant(t, "Router Solar")
	manager := db.User(t, admin, crm.RoleManager, "Router Manager")
	rep := db.User(t, admin, crm.RoleSales, "Router Rep")
	o := seedTenantObjects(t, app, admin, rep)
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager)
			VALUES ($1, $2, $3, true), ($1, $2, $4, false)`, tx.Tenant, o.workgroup, manager.ID, rep.ID)
		return err
	})

	var paths []string
	for key := range accessTable {
		method, pattern, _ := strings.Cut(key, " ")
		if method != http.MethodGet || strings.HasPrefix(pattern, "/static") {
			continue
		}
		path, _, unknown := o.fill(pattern)
		if unknown {
			t.Errorf("%s: the walk does not know how to fill its parameters; teach tenantObjects.fill", key)
		}
		if path != "" {
			paths = append(paths, path)
		}
	}
	for _, q := range []string{"view=archived", "view=deferred", "view=sold", "late=1", "q=walk", "q=wa", "sort=value&dir=asc",
		"sort=customer", "sort=pending", "owner=" + fmt.Sprint(rep.ID), "view=archived&sort=title"} {
		paths = append(paths, "/?"+q, "/sales.csv?"+q)
	}
	sort.Strings(paths)
	for _, u := range []crm.User{admin, manager, rep} {
		c := app.client()
		c.login(u)
		mu.Lock()
		recording = true
		mu.Unlock()
		for _, p := range paths {
			if res := c.get(p); res.status >= 500 {
				t.Errorf("GET %s as %s: %d", p, u.Role, res.status)
			}
		}
		mu.Lock()
		recording = false
		mu.Unlock()
	}

	// EXPLAIN each statement on the coordinator as the owner (the plan does
	// not depend on the tenant binding), planned for its arguments as the
	// app's connections plan them.
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_custom_plan`); err != nil {
		t.Fatal(err)
	}
	// The check can fail: a statement that leaves the tenant to row-level
	// security runs on every shard.
	var control []byte
	if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT count(*) FROM projects WHERE owner_id = $1`, rep.ID).Scan(&control); err != nil {
		t.Fatal(err)
	}
	if n, ok := taskCount(t, control); !ok || n < 2 {
		t.Fatalf("a statement without the tenant: %d tasks (distributed %v), want every shard", n, ok)
	}
	checked := 0
	for _, s := range seen {
		verb := strings.ToUpper(strings.Fields(s.sql)[0])
		switch verb {
		case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		default:
			continue // BEGIN, SET LOCAL, COMMIT, EXPLAIN (the count estimate)
		}
		var plan []byte
		if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+s.sql, s.args...).Scan(&plan); err != nil {
			t.Errorf("EXPLAIN %s: %v", s.sql, err)
			continue
		}
		tasks, distributed := taskCount(t, plan)
		if !distributed {
			continue // no distributed or reference table (SELECT 1)
		}
		checked++
		if tasks != 1 {
			t.Errorf("not a router plan (%d tasks):\n%s", tasks, s.sql)
		}
	}
	if checked < 40 {
		t.Fatalf("only %d statements checked; the walk should have made many more", checked)
	}
	t.Logf("%d distinct statements, each one task", checked)
}

// taskCount reads the number of tasks of the top Citus node of an EXPLAIN
// (FORMAT JSON), and whether there is one.
func taskCount(t *testing.T, plan []byte) (int, bool) {
	t.Helper()
	var p []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &p); err != nil || len(p) == 0 {
		t.Fatalf("EXPLAIN output: %v", err)
	}
	var find func(n map[string]any) (int, bool)
	find = func(n map[string]any) (int, bool) {
		if d, ok := n["Distributed Query"].(map[string]any); ok {
			if job, ok := d["Job"].(map[string]any); ok {
				if c, ok := job["Task Count"].(float64); ok {
					return int(c), true
				}
			}
		}
		if subs, ok := n["Plans"].([]any); ok {
			for _, s := range subs {
				if m, ok := s.(map[string]any); ok {
					if c, ok := find(m); ok {
						return c, true
					}
				}
			}
		}
		return 0, false
	}
	return find(p[0].Plan)
}
