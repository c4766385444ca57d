package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

type scenario struct {
	name, path string
	cookie     string // the session to request it with; "" is the big tenant's admin
	// runs, for a page that takes seconds: measure this many requests and
	// SQL runs (after one warm-up of each) instead of rounds over the duration.
	runs       int
	throughput bool         // also measured at twice the connections
	sql        func() error // nil: a reference without SQL
	skip       string
}

// benchScenarios builds each page's URL and the same SQL run directly.
func benchScenarios(ctx context.Context, db *postgres.DB, admin crm.User, cookie string) ([]scenario, error) {
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	var opts postgres.SalesOptions
	var deep postgres.Cursor
	var project int64
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var err error
		if opts, err = tx.SalesOptions(ctx); err != nil {
			return err
		}
		deep, project, err = tx.BenchTargets(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	filter := func() postgres.SalesFilter {
		return postgres.SalesFilter{View: crm.StateActive, Now: now}
	}
	// A page's SQL is what its request runs: the session lookup, the
	// identity, then the page's own calls.
	sessions := db.Sessions()
	token := strings.TrimPrefix(cookie, "pipewell_session=")
	page := func(fn func() error) func() error {
		return func() error {
			if _, ok, err := sessions.Find(token); err != nil || !ok {
				return fmt.Errorf("session: %v (found %v)", err, ok)
			}
			if _, err := db.Identity(ctx, admin.TenantID, admin.ID); err != nil {
				return err
			}
			return fn()
		}
	}
	list := func(f postgres.SalesFilter, sort postgres.SalesSort, desc bool, after *postgres.Cursor) func() error {
		return page(func() error {
			_, _, err := db.SalesScreen(ctx, v, postgres.SalesQuery{Filter: f, Sort: sort, Desc: desc, After: after, Limit: 50})
			return err
		})
	}
	status := opts.Statuses[0].ID
	fStatus := filter()
	fStatus.Status = status
	fLate := filter()
	fLate.LateOnly = true
	fText := filter()
	fText.Text = "wei novak"
	board := page(func() error {
		_, _, err := db.BoardScreen(ctx, v, filter())
		return err
	})
	repLoad := page(func() error {
		_, err := db.RepLoads(ctx, v, filter())
		return err
	})
	workspace := page(func() error {
		_, err := db.Workspace(ctx, v, crm.ProjectID(project))
		return err
	})
	return []scenario{
		// The floor: a request that reads nothing (no session cookie, no
		// query), through the same connection handling and middleware, for
		// the one-connection times below.
		{name: "bare request (healthz)", path: "/healthz"},
		{name: "sales first page", path: "/?view=active", throughput: true, sql: list(filter(), "created", true, nil)},
		{name: "sales status filter", path: "/?view=active&status=" + strconv.FormatInt(status, 10), sql: list(fStatus, "created", true, nil)},
		{name: "sales late only", path: "/?view=active&late=1", sql: list(fLate, "created", true, nil)},
		{name: "sales sort by value", path: "/?view=active&sort=value&dir=desc", sql: list(filter(), "value", true, nil)},
		{name: "sales deep page", path: "/?view=active&after=" + deep.Encode(), sql: list(filter(), "created", true, &deep)},
		{name: "sales text search", path: "/?view=active&q=wei+novak", sql: list(fText, "created", true, nil)},
		{name: "board", path: "/pipeline", sql: board},
		{name: "rep load", path: "/load?view=active", sql: repLoad},
		{name: "workspace", path: "/projects/" + strconv.FormatInt(project, 10), sql: workspace},
	}, nil
}
