package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
)

// SalesOptions are the choices of the Sales screen's filters and bulk
// actions, and the milestones in process order.
type SalesOptions struct {
	Owners, Workgroups, Statuses, Sources, Reasons []crm.Choice
	Milestones                                     []crm.MilestoneDef
	// ManagesNone: the viewer is a manager who manages no workgroup of a
	// tenant that has some (Scope.ManagesNone), which the page explains.
	ManagesNone bool
}

// SalesOptions loads the filter choices in one round trip. Owners are the
// tenant's active users (names are not secret inside a tenant; visibility
// applies to projects).
func (tx *Tx) SalesOptions(ctx context.Context) (SalesOptions, error) {
	var o SalesOptions
	b := &pgx.Batch{}
	read := queueSalesOptions(b, tx.Tenant, &o)
	br := tx.SendBatch(ctx, b)
	err := read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return o, err
}

// queueSalesOptions queues the queries of SalesOptions on b; the returned
// function reads their results into o.
func queueSalesOptions(b *pgx.Batch, tenant crm.TenantID, o *SalesOptions) func(pgx.BatchResults) error {
	choices := queueChoices(b, tenant, []choiceList{
		{table: "users", where: "active", dest: &o.Owners},
		{table: "workgroups", dest: &o.Workgroups},
		{table: "milestone_statuses", where: "active", byPosition: true, dest: &o.Statuses},
		{table: "lead_sources", where: "active", byPosition: true, dest: &o.Sources},
		{table: "archive_reasons", where: "active", byPosition: true, dest: &o.Reasons},
	})
	b.Queue(milestoneDefsQuery, tenant)
	return func(br pgx.BatchResults) error {
		if err := choices(br); err != nil {
			return fmt.Errorf("sales options: %w", err)
		}
		rows, err := br.Query()
		if err == nil {
			o.Milestones, err = pgx.CollectRows(rows, scanMilestoneDef)
		}
		if err != nil {
			return fmt.Errorf("sales options: %w", translate(err))
		}
		return nil
	}
}

// choiceList is a pick list that queueChoices reads: its table (a
// constant), a condition beyond the tenant's ("" for none), whether its
// entries are in position order (else by name), and where they go. With a
// condition every entry read is active; without one, each says whether it
// is (workgroups are always).
type choiceList struct {
	table, where string
	byPosition   bool
	dest         *[]crm.Choice
}

// queueChoices queues one statement that reads every list (one round trip
// to the tenant's node on a distributed database, where each statement
// costs one); the returned function reads its rows into the lists.
func queueChoices(b *pgx.Batch, tenant crm.TenantID, lists []choiceList) func(pgx.BatchResults) error {
	var parts []string
	for i, l := range lists {
		active, position, name, where := "active", "0", "name", ""
		if l.where != "" || l.table == "workgroups" {
			active = "true"
		}
		if l.byPosition {
			position, name = "position", "''"
		}
		if l.where != "" {
			where = " AND " + l.where
		}
		parts = append(parts, fmt.Sprintf("SELECT %d AS list, id, name, %s, %s AS pos, %s AS by_name FROM %s WHERE tenant_id = $1%s",
			i, active, position, name, l.table, where))
	}
	b.Queue(strings.Join(parts, "\n\t\tUNION ALL ")+"\n\t\tORDER BY list, pos, by_name, id", tenant)
	return func(br pgx.BatchResults) error {
		for _, l := range lists {
			*l.dest = (*l.dest)[:0]
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		var list, pos int
		var byName string
		var c crm.Choice
		_, err = pgx.ForEachRow(rows, []any{&list, &c.ID, &c.Name, &c.Active, &pos, &byName}, func() error {
			*lists[list].dest = append(*lists[list].dest, c)
			return nil
		})
		return err
	}
}

// SaveSalesView remembers the viewer's last used Sales screen query.
func (tx *Tx) SaveSalesView(ctx context.Context, viewer crm.UserID, query string) error {
	_, err := tx.Exec(ctx, `UPDATE users SET sales_view = $3 WHERE tenant_id = $1 AND id = $2 AND sales_view <> $3`,
		tx.Tenant, viewer, query)
	return err
}

// RepLoad is one salesperson's load: open (active) projects and late ones.
type RepLoad struct {
	Owner      crm.Choice
	Open, Late int64
}

// RepLoads returns, by name, the load of every active salesperson v may see
// (none left out for having nothing open: they are the first to assign to),
// and of anyone else who owns open or late projects v may see (a manager, a
// deactivated user whose projects wait for a new owner). Open counts come
// from the running totals; late ones from the index of late_from, which
// holds the owner, without reading the projects.
func (db *DB) RepLoads(ctx context.Context, v crm.Viewer, f SalesFilter) ([]RepLoad, error) {
	var out []RepLoad
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		var err error
		out, err = tx.repLoads(ctx, v, f)
		return err
	})
	return out, err
}

func (tx *Tx) repLoads(ctx context.Context, v crm.Viewer, f SalesFilter) ([]RepLoad, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	openSQL, openArgs := SalesFilter{View: crm.StateActive, Now: f.Now}.totalsSQL(tx.Tenant, scope,
		"t.owner_id, sum(t.projects)::bigint", "p.owner_id, count(*)", "GROUP BY 1")
	lateArgs := []any{tx.Tenant, f.Now}
	lateSQL := `SELECT p.owner_id, count(*) FROM projects p
		WHERE p.tenant_id = $1 AND p.phase = 'open' AND p.late_from <= $2 AND p.active_from <= $2 AND ` + scope.Where("p", &lateArgs) + `
		GROUP BY 1`
	b := &pgx.Batch{}
	b.Queue(openSQL, openArgs...)
	b.Queue(lateSQL, lateArgs...)
	b.Queue(`SELECT id, name, active AND role = 'sales' FROM users WHERE tenant_id = $1 ORDER BY name, id`, tx.Tenant)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	open, late := map[int64]int64{}, map[int64]int64{}
	for _, m := range []map[int64]int64{open, late} {
		rows, err := br.Query()
		if err != nil {
			return nil, fmt.Errorf("rep load: %w", err)
		}
		var id, n int64
		_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { m[id] += n; return nil })
		if err != nil {
			return nil, fmt.Errorf("rep load: %w", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("rep load: %w", err)
	}
	var out []RepLoad
	var u crm.Choice
	var rep bool
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.Name, &rep}, func() error {
		o, l := open[u.ID], late[u.ID]
		if (rep && scope.CanSeeOwner(crm.UserID(u.ID))) || o > 0 || l > 0 {
			out = append(out, RepLoad{Owner: u, Open: o, Late: l})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rep load: %w", err)
	}
	return out, br.Close()
}
