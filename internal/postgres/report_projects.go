package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// ProjectSet says which of the viewer's visible projects a report covers:
// all of them, or those of one owner, of the members of one workgroup, or of
// one lead source (zero: no restriction). A report's period is not part of
// it: the engine's accumulators apply the period by their own definitions.
type ProjectSet struct {
	Owner     int64
	Workgroup int64 // projects whose owner is a member of this workgroup
	Source    int64
}

// where returns the predicate on the projects alias p for the viewer's
// scope and the set, appending its arguments ($1 is the tenant).
func (s ProjectSet) where(scope Scope, args *[]any) string {
	w := []string{"p.tenant_id = $1", scope.Where("p", args)}
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	if s.Owner != 0 {
		w = append(w, "p.owner_id = "+arg(s.Owner))
	}
	if s.Workgroup != 0 {
		w = append(w, "p.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = "+arg(s.Workgroup)+")")
	}
	if s.Source != 0 {
		w = append(w, "p.source_id = "+arg(s.Source))
	}
	return strings.Join(w, " AND ")
}

// reportRow is one streamed project: the engine's compact view of it and the
// few columns some reports show or group by.
type reportRow struct {
	p        pipeline.Project
	title    string
	referrer string
}

// streamOptions choose the projects and columns a report reads.
type streamOptions struct {
	closedOnly bool // sold and archived projects only
	soldOnly   bool // sold projects only
	title      bool // read the title (reports that list their projects)
	referrer   bool // read the referrer
}

// streamProjects reads the set's visible projects one row each — the
// project with its completions and skipped milestones, as the engine needs
// them, without subtasks or events (no report here counts late items) — and
// calls each with the row, which is reused: each must not keep it.
func (tx *Tx) streamProjects(ctx context.Context, scope Scope, set ProjectSet, o streamOptions, loc *time.Location, each func(r *reportRow)) error {
	args := []any{tx.Tenant}
	where := set.where(scope, &args)
	if o.soldOnly {
		where += " AND p.state = 'sold'"
	} else if o.closedOnly {
		where += " AND p.state IN ('sold', 'archived')"
	}
	title, referrer := "''", "''"
	if o.title {
		title = "p.title"
	}
	if o.referrer {
		referrer = "p.referrer"
	}
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.owner_id, COALESCE(p.source_id, 0), p.state, p.value_cents, p.created_at, p.defer_until, p.resumed_at,
		       COALESCE(p.archive_reason_id, 0), p.archived_at, p.expected_close, p.forecast_category, p.probability_override,
		       p.first_touch_at, p.last_activity_at, `+title+`, `+referrer+`,
		       COALESCE(c.ids, '{}'), COALESCE(c.ats, '{}'), COALESCE(k.ids, '{}')
		  FROM projects p
		  LEFT JOIN LATERAL (SELECT array_agg(mc.milestone_id) AS ids, array_agg(mc.completed_at) AS ats
		                       FROM milestone_completions mc WHERE mc.tenant_id = $1 AND mc.project_id = p.id) c ON TRUE
		  LEFT JOIN LATERAL (SELECT array_agg(ms.milestone_id) AS ids
		                       FROM milestone_skips ms WHERE ms.tenant_id = $1 AND ms.project_id = p.id) k ON TRUE
		 WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("report projects: %w", err)
	}
	defer rows.Close()
	var (
		r                                    reportRow
		state, category                      string
		deferUntil, expected                 *time.Time
		resumed, archived, touched, touched2 *time.Time
		override                             *int
		ids, skipped                         []int64
		ats                                  []time.Time
	)
	for rows.Next() {
		p := &r.p
		comps, skips := p.Completions[:0], p.Skipped[:0]
		if err := rows.Scan(&p.ID, &p.OwnerID, &p.SourceID, &state, &p.Value, &p.CreatedAt, &deferUntil, &resumed,
			&p.ArchiveReasonID, &archived, &expected, &category, &override, &touched, &touched2, &r.title, &r.referrer,
			&ids, &ats, &skipped); err != nil {
			return fmt.Errorf("report projects: %w", err)
		}
		p.State = pipeline.StateOf(crm.State(state))
		p.Forecast = forecastCategoryOf(category)
		p.DeferUntil, p.ExpectedClose = time.Time{}, time.Time{}
		if deferUntil != nil {
			d := deferUntil.UTC()
			p.DeferUntil = pipeline.DayStart(d.Year(), d.Month(), d.Day(), loc)
		}
		if expected != nil {
			p.ExpectedClose = expected.UTC()
		}
		p.ResumedAt, p.ArchivedAt, p.FirstTouchAt, p.LastActivityAt = timeOf(resumed), timeOf(archived), timeOf(touched), timeOf(touched2)
		p.HasOverride, p.ProbabilityOverride = override != nil, 0
		if override != nil {
			p.ProbabilityOverride = *override
		}
		for i := range ids {
			comps = append(comps, pipeline.Completion{MilestoneID: ids[i], At: ats[i]})
		}
		p.Completions, p.Skipped = comps, append(skips, skipped...)
		each(&r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report projects: %w", err)
	}
	return nil
}

// forecastCategoryOf reads a stored forecast category; an omitted deal (or
// an unknown name) counts as none, as the engine's crm mapping has it.
func forecastCategoryOf(s string) pipeline.ForecastCategory {
	c, err := pipeline.ParseForecastCategory(s)
	if err != nil {
		return pipeline.CategoryNone
	}
	return c
}

// reportSetup is what every report starts from: the tenant, its engine at
// the report's moment, its milestone names and the viewer's scope.
type reportSetup struct {
	tenant     crm.Tenant
	loc        *time.Location
	e          *pipeline.Engine
	milestones map[int64]string
	scope      Scope
}

// reportSetup reads the tenant, its milestones and the viewer's scope and
// builds the engine at now.
func (tx *Tx) reportSetup(ctx context.Context, v crm.Viewer, now time.Time) (reportSetup, error) {
	var rs reportSetup
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return rs, err
	}
	defs, err := tx.MilestoneDefs(ctx)
	if err != nil {
		return rs, err
	}
	rs.tenant, rs.loc = t, t.Location()
	if rs.e, err = pipeline.TenantEngine(t, rs.loc, defs, now); err != nil {
		return rs, fmt.Errorf("tenant engine: %w", err)
	}
	rs.milestones = make(map[int64]string, len(defs))
	for _, d := range defs {
		rs.milestones[int64(d.ID)] = d.Name
	}
	rs.scope, err = tx.Scope(ctx, v)
	return rs, err
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

// userNames returns the names of the tenant's users by ID.
func (tx *Tx) userNames(ctx context.Context) (map[int64]string, error) {
	return tx.names(ctx, `SELECT id, name FROM users WHERE tenant_id = $1`)
}

// sourceNames returns the names of the tenant's lead sources by ID.
func (tx *Tx) sourceNames(ctx context.Context) (map[int64]string, error) {
	return tx.names(ctx, `SELECT id, name FROM lead_sources WHERE tenant_id = $1`)
}

func (tx *Tx) names(ctx context.Context, sql string) (map[int64]string, error) {
	rows, err := tx.Query(ctx, sql, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("names: %w", err)
	}
	out := map[int64]string{}
	var id int64
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = name; return nil }); err != nil {
		return nil, fmt.Errorf("names: %w", err)
	}
	return out, nil
}

// quotas returns the quotas of the months whose first day lies in
// [from, to) — both the start of a day in the tenant's zone — of the users whose
// projects the viewer sees and the set covers, as the engine takes them
// (grouped by owner).
func (tx *Tx) quotas(ctx context.Context, scope Scope, set ProjectSet, from, to time.Time) ([]pipeline.Quota, error) {
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
