package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// reportBase is what the reports here read from their setup.
type reportBase struct {
	e     *pipeline.Engine
	loc   *time.Location
	scope Scope
}

// workgroupsOf returns the workgroups each user belongs to (as member or
// manager), by user ID, and the workgroups' names.
func (tx *Tx) workgroupsOf(ctx context.Context) (map[int64][]int64, map[int64]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT g.id, g.name, COALESCE(m.user_id, 0)
		  FROM workgroups g LEFT JOIN workgroup_members m ON m.tenant_id = $1 AND m.workgroup_id = g.id
		 WHERE g.tenant_id = $1 ORDER BY g.id, m.user_id`, tx.Tenant)
	if err != nil {
		return nil, nil, fmt.Errorf("workgroups: %w", err)
	}
	of, names := map[int64][]int64{}, map[int64]string{}
	var id, user int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name, &user}, func() error {
		names[id] = name
		if user != 0 {
			of[user] = append(of[user], id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("workgroups: %w", err)
	}
	return of, names, nil
}

// perWorkgroup feeds each project to one accumulator per workgroup its
// owner belongs to, so a workgroup's row covers its members' projects (a
// project whose owner is in two workgroups counts in both; the report's
// total counts it once).
type perWorkgroup[A pipeline.Accumulator] struct {
	of   map[int64][]int64
	only int64 // when not zero, the one workgroup reported
	accs map[int64]A
	make func(workgroup int64) A
}

func newPerWorkgroup[A pipeline.Accumulator](of map[int64][]int64, only int64, make func(int64) A) *perWorkgroup[A] {
	return &perWorkgroup[A]{of: of, only: only, accs: map[int64]A{}, make: make}
}

func (w *perWorkgroup[A]) Add(p *pipeline.Project, f *pipeline.Facts) {
	for _, g := range w.of[p.OwnerID] {
		if w.only == 0 || g == w.only {
			w.get(g).Add(p, f)
		}
	}
}

// get returns the workgroup's accumulator, made on first use.
func (w *perWorkgroup[A]) get(g int64) A {
	a, ok := w.accs[g]
	if !ok {
		a = w.make(g)
		w.accs[g] = a
	}
	return a
}

// ids returns the workgroups reported, ascending.
func (w *perWorkgroup[A]) ids() []int64 { return slices.Sorted(maps.Keys(w.accs)) }

// sourceNames returns the names of the tenant's lead sources by ID, the
// inactive ones too.
func (tx *Tx) sourceNames(ctx context.Context) (map[int64]string, error) {
	rows, err := tx.Query(ctx, `SELECT id, name FROM lead_sources WHERE tenant_id = $1`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("lead sources: %w", err)
	}
	out := map[int64]string{}
	var id int64
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = name; return nil }); err != nil {
		return nil, fmt.Errorf("lead sources: %w", err)
	}
	return out, nil
}

// choiceMap is a list's names by ID.
func choiceMap(list []crm.Choice) map[int64]string {
	out := make(map[int64]string, len(list))
	for _, c := range list {
		out[c.ID] = c.Name
	}
	return out
}

// quotas returns the quotas of the months whose first day lies in
// [from, to) — both the start of a day in the tenant's zone — of the users whose
// projects the viewer sees and the set covers, as the engine takes them
// (grouped by owner).
func (tx *Tx) quotas(ctx context.Context, scope Scope, set ReportFilter, from, to time.Time) ([]pipeline.Quota, error) {
	args := []any{tx.Tenant, from.Format(time.DateOnly), to.Format(time.DateOnly)}
	w := "q.tenant_id = $1 AND q.month >= $2::date AND q.month < $3::date"
	if !scope.All {
		args = append(args, scope.Owners)
		w += fmt.Sprintf(" AND q.user_id = ANY($%d)", len(args))
	}
	if set.Owner != 0 {
		args = append(args, set.Owner)
		w += fmt.Sprintf(" AND q.user_id = $%d", len(args))
	}
	if set.Workgroup != 0 {
		args = append(args, set.Workgroup)
		w += fmt.Sprintf(" AND q.user_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = $%d)", len(args))
	}
	rows, err := tx.Query(ctx, `SELECT q.user_id, q.month, q.amount_cents FROM quotas q WHERE `+w, args...)
	if err != nil {
		return nil, fmt.Errorf("quotas: %w", err)
	}
	var out []pipeline.Quota
	var user, cents int64
	var month time.Time
	_, err = pgx.ForEachRow(rows, []any{&user, &month, &cents}, func() error {
		out = append(out, pipeline.Quota{Month: pipeline.MonthKey(month.Year(), month.Month()), Group: pipeline.Key(user), Cents: cents})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quotas: %w", err)
	}
	return out, nil
}
