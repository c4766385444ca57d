package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// ReportFilter narrows the projects a report reads. Zero values mean "no
// filter"; the server has checked every field.
type ReportFilter struct {
	Owner     crm.UserID
	Workgroup int64 // projects whose owner is a member of this workgroup, as on the Sales screen
	Source    int64
	// CreatedFrom and CreatedTo keep the projects created in [From, To),
	// for reports that follow the leads created in a period.
	CreatedFrom, CreatedTo time.Time
}

// ReportRead is what a report reads: the filter, the moment it is judged
// at, and the rows it needs beyond the projects and their completions and
// skipped milestones.
type ReportRead struct {
	Filter ReportFilter
	Now    time.Time
	Items  bool // open subtasks and scheduled events (late)
	// ActiveOnly reads only the projects that are active at Now, by the
	// state the engine stored with each project (as the Sales screen's
	// active view does), for reports that count nothing else. The engine
	// still judges every project it is given.
	ActiveOnly bool
	// OpenOnly reads only the open projects (active or deferred), by the
	// phase the engine stored with each project.
	OpenOnly bool
	// QualifiedOnly reads only the projects whose stored last completed
	// milestone is the first qualifying one or a later one: the qualified
	// projects (see the engine's definition), by what the engine stored.
	QualifiedOnly bool
	// ByOwner streams the projects by their owner's name (then owner and
	// project ID) instead of by ID, for lists grouped by owner.
	ByOwner bool
	// LateOnly reads only the projects late at Now, by the instant the
	// engine stored with each project (as the Sales screen's late filter).
	LateOnly bool
	// TouchedIn, when set, reads only the projects created, archived or
	// with a milestone completed in it (a second either side, as the
	// engine compares whole seconds): every project the activity of a
	// period can count.
	TouchedIn pipeline.Period
	// Phases, when set, reads only the projects whose stored phase is one
	// of them ("open", "archived", "sold": the project's state, deferred
	// counting as open), for reports that count only closed projects.
	Phases []string
	Names  bool // title, customer and owner names, for the lists behind a number
	// Referrer reads the referrer alone of the names (ReportNames.Referrer).
	Referrer bool
	// AnyOrder reads the projects in whatever order the database finds
	// them (without items or changes, each row is a whole project), for a
	// report whose figures do not depend on the order: no sort of a
	// million rows.
	AnyOrder bool
	// Since, when set, also reads each project's logged changes at or
	// after it that the engine rebuilds the past from (Project.Changes,
	// oldest first): for a report as of a past day and the pipeline
	// changes.
	Since time.Time
	// OpenSince, when set, reads only the projects that can have been in
	// the open pipeline at or after it: open now (by the phase the engine
	// stored), created since, or with a change of a field the past is
	// rebuilt from logged since. Any other project was closed then and
	// has stayed so.
	OpenSince time.Time
	// AsOf, when set, hands each project to the report as it stood at
	// that instant, rebuilt by the engine (Engine.AsOf) from its logged
	// changes since (read as with Since); projects created at or after it
	// are left out, and the filters on what the engine stored (ActiveOnly,
	// LateOnly, OpenOnly, QualifiedOnly, Phases, Counted), which say how a project
	// stands now, are not applied. The report's Now should be the same
	// instant.
	AsOf time.Time
	// Counted, when not empty, reads only the projects in at least one of
	// these sets, by what the engine stored with each project: every
	// project a report's accumulators can count (the engine still judges
	// each one it is given). A set over an unbounded period keeps every
	// project, so the filter is not applied.
	Counted []ReportSet
	// Timeout bounds every statement of the report; 0 is ReportTimeout.
	Timeout time.Duration
}

// ReportSet is a set of projects by what the engine stored with each one;
// the periods are [From, To) with a second either side, as the engine
// compares whole seconds.
type ReportSet struct {
	Kind   ReportSetKind
	Period pipeline.Period // for CreatedIn, SoldIn and LostIn
}

// ReportSetKind tells what a ReportSet keeps.
type ReportSetKind int

const (
	ActiveNow ReportSetKind = iota + 1 // active at the report's Now (the stored phase and the instant it is active from)
	CreatedIn                          // created in the period
	SoldIn                             // sold now, at a stored sale instant in the period
	LostIn                             // archived now, qualified by its stored stage, at an archive instant in the period: a qualified deal lost
)

// MetricsCounted are the projects the engine's metrics of the period can
// count: created or sold in it, qualified and lost in it, or active now
// (the open deals).
func MetricsCounted(period pipeline.Period) []ReportSet {
	return []ReportSet{{Kind: ActiveNow}, {Kind: CreatedIn, Period: period}, {Kind: SoldIn, Period: period}, {Kind: LostIn, Period: period}}
}

// countedWhere is the predicate of rd.Counted on projects p, or "" when it
// keeps every project.
func countedWhere(rd ReportRead, e *pipeline.Engine, arg func(any) string) string {
	var or, phases []string
	anyPhase := false
	for _, s := range rd.Counted {
		if s.Kind == ActiveNow {
			or = append(or, "p.phase = 'open' AND p.active_from <= "+arg(rd.Now))
			phases = append(phases, "open")
			continue
		}
		if s.Period.From.IsZero() || s.Period.To.IsZero() {
			return ""
		}
		from, to := arg(s.Period.From.Add(-time.Second)), arg(s.Period.To.Add(time.Second))
		switch s.Kind {
		case CreatedIn:
			or = append(or, "p.created_at >= "+from+" AND p.created_at < "+to)
			anyPhase = true
		case SoldIn:
			or = append(or, "p.phase = 'sold' AND p.sold_at >= "+from+" AND p.sold_at < "+to)
			phases = append(phases, "sold")
		case LostIn:
			or = append(or, "p.phase = 'archived' AND p.archived_at >= "+from+" AND p.archived_at < "+to+
				" AND p.last_milestone_id = ANY("+arg(qualifiedStages(e))+"::bigint[])")
			phases = append(phases, "archived")
		}
	}
	if len(or) == 0 {
		return ""
	}
	where := "(" + strings.Join(or, " OR ") + ")"
	if !anyPhase {
		// The phases alone, too: the report index's ranges, which the
		// planner does not find in the OR.
		where = "p.phase = ANY(" + arg(phases) + ") AND " + where
	}
	return where
}

// ReportTimeout is how long a report's statements may run before the
// report is given up with ErrReportTimeout.
const ReportTimeout = 30 * time.Second

// ErrReportTimeout means a report took longer than its statement timeout:
// the page asks for a narrower filter.
var ErrReportTimeout = errors.New("report took too long")

// ReportSetup is what a report knows before its projects arrive: the
// tenant's engine at the report's moment, the tenant, the viewer's scope
// and the choices its filters and rows are named from.
type ReportSetup struct {
	Engine  *pipeline.Engine
	Tenant  crm.Tenant
	Scope   Scope
	Options SalesOptions
	// Users are every user of the tenant, the inactive ones too (they may
	// still own projects), by name.
	Users []crm.Choice
	// Reasons are every archive reason, the inactive ones too.
	Reasons []crm.Choice
	// Roles are the users' roles.
	Roles map[int64]crm.Role
}

// ReportNames are how a project is shown in the list behind a number.
type ReportNames struct {
	Title, Customer, Owner string
	Referrer               string
	Scope, Status          string // what the customer wants; the milestone status, "" for none
	// Items are the titles of the project's open subtasks and events,
	// in the order of its Items.
	Items []string
}

// ReadReport streams the projects v may see that match rd.Filter into
// each, in ID order, in one tenant transaction under a statement timeout:
// first start gets the engine and the lists (an error from it, such as a
// validation error for an unknown ID, ends the report), then each gets
// every project in the engine's compact form (and its names when
// rd.Names). The project and names are reused between calls. One
// statement reads the projects with their histories (completions and
// skipped milestones, stored with each project) and, with rd.Items, their
// open subtasks and events merged by project, so memory does not grow
// with the tenant. A statement that runs out of time is
// ErrReportTimeout.
func (db *DB) ReadReport(ctx context.Context, v crm.Viewer, rd ReportRead,
	start func(*ReportSetup) error, each func(*pipeline.Project, *ReportNames) error) error {
	return db.inReport(ctx, v, rd, start, func(tx *Tx, setup *ReportSetup) error {
		return tx.streamReport(ctx, setup, rd, each)
	})
}

// reportSettings are how a report's statements run: each reads many rows
// once, so compiling its plan (JIT) costs more than it saves, its sorts and
// groups should stay in memory, and a scan of a big tenant is shared with
// parallel workers (at default costs the planner, which cannot estimate
// how few groups a report's periods make, rarely chooses them).
const reportSettings = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL parallel_setup_cost = 100; SET LOCAL parallel_tuple_cost = 0.001"

// inReport runs fn in one tenant transaction under the report's statement
// timeout, after start (nil: none) has checked the setup; a statement that
// runs out of time is ErrReportTimeout. Reports that read more than the
// projects (quotas, rates) read it in fn, in the same transaction.
func (db *DB) inReport(ctx context.Context, v crm.Viewer, rd ReportRead,
	start func(*ReportSetup) error, fn func(tx *Tx, setup *ReportSetup) error) error {
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		timeout := rd.Timeout
		if timeout <= 0 {
			timeout = ReportTimeout
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)+
			"; "+reportSettings); err != nil {
			return err
		}
		setup, err := tx.reportSetup(ctx, v, rd.Now)
		if err != nil {
			return err
		}
		if start != nil {
			if err := start(setup); err != nil {
				return err
			}
		}
		return fn(tx, setup)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "57014" && ctx.Err() == nil {
		return ErrReportTimeout
	}
	return err
}

func (tx *Tx) reportSetup(ctx context.Context, v crm.Viewer, now time.Time) (*ReportSetup, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return nil, err
	}
	opts, err := tx.SalesOptions(ctx)
	if err != nil {
		return nil, err
	}
	opts.ManagesNone = scope.ManagesNone
	rows, err := tx.Query(ctx, `SELECT id, name, active, role FROM users WHERE tenant_id = $1 ORDER BY name, id`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("report users: %w", err)
	}
	roles := map[int64]crm.Role{}
	var users []crm.Choice
	var u crm.Choice
	var role crm.Role
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.Name, &u.Active, &role}, func() error {
		users = append(users, u)
		roles[u.ID] = role
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report users: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT id, name, active FROM archive_reasons WHERE tenant_id = $1 ORDER BY position, id`, tx.Tenant)
	if err != nil {
		return nil, fmt.Errorf("report reasons: %w", err)
	}
	reasons, err := pgx.CollectRows(rows, pgx.RowToStructByPos[crm.Choice])
	if err != nil {
		return nil, fmt.Errorf("report reasons: %w", err)
	}
	e, err := pipeline.TenantEngine(t, t.Location(), opts.Milestones, now)
	if err != nil {
		return nil, fmt.Errorf("tenant engine: %w", err)
	}
	return &ReportSetup{Engine: e, Tenant: t, Scope: scope, Options: opts, Users: users, Reasons: reasons, Roles: roles}, nil
}

// reportWhere is the predicate on projects p of a report: the tenant ($1),
// the viewer's scope and the filter. plain tells that it keeps every
// project of the tenant.
func reportWhere(tenant crm.TenantID, scope Scope, e *pipeline.Engine, rd ReportRead, args *[]any) (where string, plain bool) {
	f := rd.Filter
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	w := []string{"p.tenant_id = " + arg(tenant)}
	if !scope.All {
		w = append(w, scope.Where("p", args))
	}
	if !rd.AsOf.IsZero() {
		// What the engine stored is how each project stands now: a report
		// of a past instant reads every project that existed then.
		w = append(w, "p.created_at < "+arg(rd.AsOf))
		rd.ActiveOnly, rd.LateOnly, rd.OpenOnly, rd.QualifiedOnly, rd.Phases, rd.Counted = false, false, false, false, nil, nil
	}
	if c := countedWhere(rd, e, arg); c != "" {
		w = append(w, c)
	}
	if rd.ActiveOnly || rd.LateOnly {
		w = append(w, "p.phase = 'open' AND p.active_from <= "+arg(rd.Now))
	}
	if len(rd.Phases) > 0 {
		w = append(w, "p.phase = ANY("+arg(rd.Phases)+")")
	}
	if rd.LateOnly {
		w = append(w, "p.late_from <= "+arg(rd.Now))
	}
	if rd.OpenOnly {
		w = append(w, "p.phase = 'open'")
	}
	if rd.QualifiedOnly {
		w = append(w, "p.last_milestone_id = ANY("+arg(qualifiedStages(e))+"::bigint[])")
	}
	if t := rd.TouchedIn; !t.IsZero() {
		from, to := arg(t.From.Add(-time.Second)), arg(t.To.Add(time.Second))
		w = append(w, "(p.created_at >= "+from+" AND p.created_at < "+to+
			" OR p.archived_at >= "+from+" AND p.archived_at < "+to+
			" OR EXISTS (SELECT 1 FROM milestone_completions tc WHERE tc.tenant_id = $1 AND tc.project_id = p.id AND tc.completed_at >= "+from+
			" AND tc.completed_at < "+to+"))")
	}
	if !rd.OpenSince.IsZero() {
		since := arg(rd.OpenSince)
		w = append(w, "(p.phase = 'open' OR p.created_at >= "+since+" OR EXISTS (SELECT 1 FROM project_log ol WHERE ol.tenant_id = $1"+
			" AND ol.project_id = p.id AND ol.at >= "+since+" AND ol.kind IN ('field_changed', 'state_changed')"+
			" AND ol.field IN ('"+strings.Join(pipeline.LoggedFields(), "', '")+"')))")
	}
	if f.Owner != 0 {
		w = append(w, "p.owner_id = "+arg(f.Owner))
	}
	if f.Workgroup != 0 {
		w = append(w, "p.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = "+arg(f.Workgroup)+")")
	}
	if f.Source != 0 {
		w = append(w, "p.source_id = "+arg(f.Source))
	}
	if !f.CreatedFrom.IsZero() {
		w = append(w, "p.created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		w = append(w, "p.created_at < "+arg(f.CreatedTo))
	}
	return strings.Join(w, " AND "), len(w) == 1
}

// qualifiedStages are the active milestones from the first qualifying one
// on: a project whose last completed milestone is one of them is qualified.
func qualifiedStages(e *pipeline.Engine) []int64 {
	ids := []int64{}
	from := false
	for _, m := range e.Milestones() {
		from = from || m.Qualifying
		if from {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// Row kinds of the report statement, in the order they follow their project.
const (
	kindProject = iota
	kindSubtask
	kindEvent
	kindChange
)

// reportSQL is the one statement of a report: the projects, each with its
// history (completions and skipped milestones, derived_history.go), and
// the rows of other tables that belong to them, ordered by project and
// kind. Rows of other tables read the same projects (joined when the
// predicate is more than the tenant, which the planner runs as a merge by
// project ID). Without items or changes it reads the projects alone.
//
// since, when not empty, is the placeholder of the instant from which the
// logged changes the engine rebuilds the past from are read. owners, with
// rd.ByOwner, is the placeholder of the owners' IDs in the order of their
// names: the rows are sorted by an owner's place in it, an integer, as a
// sort by the names themselves compares text by the database's collation
// for every pair of rows (most of the late report's time at a million
// projects).
func reportSQL(where string, plain bool, rd ReportRead, since, owners string) string {
	items, names, byOwner := rd.Items, rd.Names, rd.ByOwner
	plain = plain && !byOwner // the order needs the project beside every row
	alone := !items && since == ""
	order, orderCol := "", ""
	if byOwner {
		rank := "COALESCE(array_position(" + owners + "::bigint[], p.owner_id), 0)::bigint"
		order, orderCol = "ORDER BY p_owner_rank, p_owner_id, 1, 2", ", "+rank+" AS p_owner_rank, p.owner_id AS p_owner_id"
		if alone {
			order = "ORDER BY " + rank + ", p.owner_id, p.id"
		}
	}
	itemTitle := func(alias string) string {
		if names {
			return alias + ".title"
		}
		return "NULL::text"
	}
	// The projects are chosen once (v); the rows of the other tables join
	// them by ID, or, when every project of the tenant is read, are read
	// by the tenant alone.
	child := func(alias, table, cond string) string {
		if plain {
			return " FROM " + table + " " + alias + " WHERE " + alias + ".tenant_id = $1" + cond
		}
		return " FROM " + table + " " + alias + " JOIN v p ON p.id = " + alias + ".project_id WHERE " + alias + ".tenant_id = $1" + cond
	}
	pad := ""
	nameCols := ""
	if names || rd.Referrer {
		pad = ", NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text"
		nameCols = ", p.title, p.customer_name, p.owner_name, p.scope, p.status_name, p.referrer"
		if !names {
			nameCols = ", NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, p.referrer"
		}
	}
	if !alone {
		pad += orderCol
		nameCols += orderCol
	}
	const nulls = "NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::date, NULL::date, NULL::text, NULL::text, NULL::int2, NULL::bytea"
	// The projects' source, value and reason columns are bigint: the other
	// rows' must be too, or the UNION ALL is not flattened into one append
	// that parallel workers share (a coercion keeps each part apart).
	const zeros = "0::bigint, 0::bigint, 0::bigint"
	var b strings.Builder
	from := "projects p WHERE " + where
	if !plain && !alone {
		// The projects' names only when they are read: without them the
		// report index holds every column.
		cols := ""
		switch {
		case names:
			cols = ", p.title, p.customer_name, p.owner_name, p.scope, p.status_name, p.referrer"
		case rd.Referrer:
			cols = ", p.referrer"
		}
		b.WriteString(`WITH v AS MATERIALIZED (SELECT p.id, p.owner_id, p.source_id, p.value_cents, p.archive_reason_id, p.created_at,
		p.archived_at, p.resumed_at, p.last_activity_at, p.first_touch_at, p.defer_until, p.expected_close, p.state,
		p.forecast_category, p.probability_override, p.history` + cols + ` FROM projects p WHERE ` + where + `)
	`)
		from = "v p"
	}
	b.WriteString(`SELECT p.id, 0::int2, p.owner_id, COALESCE(p.source_id, 0), p.value_cents, COALESCE(p.archive_reason_id, 0),
		p.created_at, p.archived_at, p.resumed_at, p.last_activity_at, p.first_touch_at, p.defer_until, p.expected_close,
		p.state, p.forecast_category, p.probability_override, p.history` + nameCols + `
	  FROM ` + from)
	if items {
		b.WriteString(`
	UNION ALL SELECT s.project_id, 1::int2, s.id, ` + zeros + `, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz,
		s.due_date, NULL::date, ` + itemTitle("s") + `, NULL::text, NULL::int2, NULL::bytea` + pad + child("s", "subtasks", " AND NOT s.done AND s.due_date IS NOT NULL"))
		b.WriteString(`
	UNION ALL SELECT e.project_id, 2::int2, e.id, ` + zeros + `, e.starts_at, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz,
		NULL::date, NULL::date, ` + itemTitle("e") + `, NULL::text, NULL::int2, NULL::bytea` + pad + child("e", "scheduled_events", " AND NOT e.done"))
	}
	if since != "" {
		b.WriteString(`
	UNION ALL SELECT l.project_id, 3::int2, l.id, ` + zeros + `, l.at, ` + strings.Replace(nulls, "NULL::text, NULL::text", "l.field, l.old_value", 1) + pad +
			child("l", "project_log", " AND l.at >= "+since+" AND l.kind IN ('field_changed', 'state_changed')"+
				" AND l.field IN ('"+strings.Join(pipeline.LoggedFields(), "', '")+"')"))
	}
	if order == "" {
		order = "ORDER BY 1, 2"
		if alone {
			order = "ORDER BY p.id"
			if rd.AnyOrder {
				order = "" // whole projects in any order: no sort
			}
		}
	}
	if since != "" {
		order += ", 7, 3" // the changes oldest first, those of one instant in the order they were written
	}
	if order != "" {
		b.WriteString("\n\t" + order)
	}
	return b.String()
}

// reportRow is one row of the report statement.
type reportRow struct {
	pid, a, source, value, reason int64
	kind                          int16
	t1, archived, resumed, last   pgtype.Timestamptz
	touch                         pgtype.Timestamptz
	d1, closeDate                 pgtype.Date
	state, forecast               pgtype.Text
	override                      pgtype.Int2
	history                       pgtype.DriverBytes
	title, customer, owner        pgtype.Text
	scope, status, refer          pgtype.Text
	orderRank, orderOwner         int64
}

// dest is where the columns of a statement read with names (rd.Names or
// rd.Referrer) and the owner order columns (order) go.
func (r *reportRow) dest(names, order bool) []any {
	dest := []any{&r.pid, &r.kind, &r.a, &r.source, &r.value, &r.reason, &r.t1, &r.archived, &r.resumed, &r.last, &r.touch,
		&r.d1, &r.closeDate, &r.state, &r.forecast, &r.override, &r.history}
	if names {
		dest = append(dest, &r.title, &r.customer, &r.owner, &r.scope, &r.status, &r.refer)
	}
	if order {
		dest = append(dest, &r.orderRank, &r.orderOwner)
	}
	return dest
}

// queryReport runs the report statement of rd; order tells that its rows
// carry the owner order columns.
func (tx *Tx) queryReport(ctx context.Context, setup *ReportSetup, rd ReportRead) (rows pgx.Rows, order bool, err error) {
	args := []any{}
	where, plain := reportWhere(tx.Tenant, setup.Scope, setup.Engine, rd, &args)
	since := ""
	if !rd.AsOf.IsZero() && (rd.Since.IsZero() || rd.AsOf.Before(rd.Since)) {
		rd.Since = rd.AsOf
	}
	if !rd.Since.IsZero() {
		args = append(args, rd.Since)
		since = "$" + strconv.Itoa(len(args))
	}
	owners := ""
	if rd.ByOwner {
		ids := make([]int64, len(setup.Users))
		for i, u := range setup.Users {
			ids[i] = u.ID
		}
		args = append(args, ids)
		owners = "$" + strconv.Itoa(len(args))
	}
	rows, err = tx.Query(ctx, reportSQL(where, plain, rd, since, owners), args...)
	if err != nil {
		return nil, false, fmt.Errorf("report: %w", err)
	}
	return rows, rd.ByOwner && (rd.Items || since != ""), nil
}

func (tx *Tx) streamReport(ctx context.Context, setup *ReportSetup, rd ReportRead, each func(*pipeline.Project, *ReportNames) error) error {
	rows, order, err := tx.queryReport(ctx, setup, rd)
	if err != nil {
		return err
	}
	defer rows.Close()
	loc := setup.Engine.Location()
	var r reportRow
	dest := r.dest(rd.Names || rd.Referrer, order)
	var p, then pipeline.Project
	var n ReportNames
	have := false
	e := setup.Engine
	flush := func() error {
		if !have {
			return nil
		}
		have = false
		if !rd.AsOf.IsZero() {
			if !e.AsOf(&then, &p, rd.AsOf) {
				return nil
			}
			return each(&then, &n)
		}
		return each(&p, &n)
	}
	raw := newRowDecoder(rows, dest)
	for rows.Next() {
		var err error
		if raw.ok {
			err = raw.decode(rows.RawValues())
		} else {
			err = rows.Scan(dest...)
		}
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if r.kind == kindProject {
			if err := flush(); err != nil {
				return err
			}
			p = pipeline.Project{ID: r.pid, OwnerID: r.a, SourceID: r.source, State: pipeline.StateOf(crm.State(r.state.String)),
				Value: r.value, CreatedAt: r.t1.Time, ArchiveReasonID: r.reason, ArchivedAt: instantOf(r.archived),
				ResumedAt: instantOf(r.resumed), LastActivityAt: instantOf(r.last), FirstTouchAt: instantOf(r.touch),
				Forecast: forecastOf(r.forecast.String), Completions: p.Completions[:0], Skipped: p.Skipped[:0], Items: p.Items[:0], Changes: p.Changes[:0]}
			n.Items = n.Items[:0]
			if r.d1.Valid {
				p.DeferUntil = pipeline.DayStart(r.d1.Time.Year(), r.d1.Time.Month(), r.d1.Time.Day(), loc)
			}
			if r.closeDate.Valid {
				p.ExpectedClose = r.closeDate.Time
			}
			if r.override.Valid {
				p.HasOverride, p.ProbabilityOverride = true, int(r.override.Int16)
			}
			if err := decodeHistory(r.history, &p); err != nil {
				return fmt.Errorf("report: project %d: %w", r.pid, err)
			}
			if rd.Names || rd.Referrer {
				n.Title, n.Customer, n.Owner, n.Scope, n.Status = r.title.String, r.customer.String, r.owner.String, r.scope.String, r.status.String
				n.Referrer = r.refer.String
			}
			have = true
			continue
		}
		if !have || r.pid != p.ID {
			continue // a row of a project the report does not read
		}
		switch r.kind {
		case kindSubtask:
			p.Items = append(p.Items, pipeline.DueItem{ID: r.a, Kind: pipeline.Subtask, Due: r.d1.Time, AllDay: true})
			n.Items = append(n.Items, r.state.String)
		case kindEvent:
			p.Items = append(p.Items, pipeline.DueItem{ID: r.a, Kind: pipeline.Event, Due: r.t1.Time})
			n.Items = append(n.Items, r.state.String)
		case kindChange:
			if c, ok := pipeline.ParseFieldChange(r.t1.Time, r.state.String, r.forecast.String); ok {
				p.Changes = append(p.Changes, c)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return flush()
}

// forecastOf is the engine's forecast category of a stored one; an omitted
// deal counts as none.
func forecastOf(s string) pipeline.ForecastCategory {
	switch crm.ForecastCategory(s) {
	case crm.ForecastPipeline:
		return pipeline.CategoryPipeline
	case crm.ForecastBestCase:
		return pipeline.CategoryBestCase
	case crm.ForecastCommit:
		return pipeline.CategoryCommit
	case crm.ForecastClosedWon:
		return pipeline.CategoryClosedWon
	}
	return pipeline.CategoryNone
}
