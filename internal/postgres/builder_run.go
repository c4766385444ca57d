package postgres

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// BuilderLists are the tenant's lists a builder report names its IDs
// from and checks its definition against, the inactive entries too
// (Choice.Active tells them apart).
type BuilderLists struct {
	Users, Workgroups, Sources, Reasons, Statuses, Milestones []crm.Choice
}

// Name is the name of id in the list l, "" when it is not there.
func (b *BuilderLists) Name(l NameList, id int64) string {
	for _, c := range b.List(l) {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// List returns the list l.
func (b *BuilderLists) List(l NameList) []crm.Choice {
	switch l {
	case ListUsers:
		return b.Users
	case ListWorkgroups:
		return b.Workgroups
	case ListSources:
		return b.Sources
	case ListReasons:
		return b.Reasons
	case ListStatuses:
		return b.Statuses
	case ListMilestones:
		return b.Milestones
	}
	return nil
}

// BuilderSetup is what a builder report knows before it runs: the tenant's
// engine at the report's moment, the viewer's scope and the lists.
type BuilderSetup struct {
	Engine *pipeline.Engine
	Tenant crm.Tenant
	Scope  Scope
	Lists  BuilderLists
}

// RunBuilder runs a builder report in one tenant transaction under the
// report's statement timeout: check gets the setup (an error from it, such
// as a definition naming what the tenant does not have, ends the report
// before any project is read), then run reads. A statement that runs out
// of time is ErrReportTimeout; a cursor the database cannot read is
// ErrBadReportCursor.
func (db *DB) RunBuilder(ctx context.Context, v crm.Viewer, now time.Time, timeout time.Duration,
	check func(*BuilderSetup) error, run func(tx *Tx, su *BuilderSetup) error) error {
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		if timeout <= 0 {
			timeout = ReportTimeout
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)+
			"; "+reportSettings+"; "+customPlans); err != nil {
			return err
		}
		su, err := tx.builderSetup(ctx, v, now)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(su); err != nil {
				return err
			}
		}
		return run(tx, su)
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "57014" && ctx.Err() == nil:
			return ErrReportTimeout
		case strings.HasPrefix(pe.Code, "22"): // a cursor value that is not of its key's type
			return ErrBadReportCursor
		}
	}
	return err
}

// ErrBadReportCursor is a page cursor that does not belong to the report.
var ErrBadReportCursor = errors.New("bad report cursor")

func (tx *Tx) builderSetup(ctx context.Context, v crm.Viewer, now time.Time) (*BuilderSetup, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return nil, err
	}
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return nil, err
	}
	defs, err := tx.MilestoneDefs(ctx)
	if err != nil {
		return nil, err
	}
	su := &BuilderSetup{Tenant: t, Scope: scope}
	for _, d := range defs {
		su.Lists.Milestones = append(su.Lists.Milestones, crm.Choice{ID: int64(d.ID), Name: d.Name, Active: d.Active})
	}
	b := &pgx.Batch{}
	read := queueChoices(b, tx.Tenant, []choiceList{
		{table: "users", dest: &su.Lists.Users},
		{table: "workgroups", dest: &su.Lists.Workgroups},
		{table: "milestone_statuses", byPosition: true, dest: &su.Lists.Statuses},
		{table: "lead_sources", byPosition: true, dest: &su.Lists.Sources},
		{table: "archive_reasons", byPosition: true, dest: &su.Lists.Reasons},
	})
	br := tx.SendBatch(ctx, b)
	err = read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("builder lists: %w", err)
	}
	su.Engine, err = pipeline.TenantEngine(t, t.Location(), defs, now)
	if err != nil {
		return nil, fmt.Errorf("tenant engine: %w", err)
	}
	return su, nil
}

// DetailQuery is a project detail report to read.
type DetailQuery struct {
	Columns []ColumnRef
	Sort    []SortKey // at most two; none: newest first
	Filter  BuilderFilter
	After   string // the cursor of the page to read, "" for the first
	Limit   int    // rows per page; 0 reads every row (the CSV)
}

// DetailValue is one cell of a detail row: text, a number (cents, days,
// basis points, an ID) or a time (zero: none), as the column's kind says.
type DetailValue struct {
	S string
	N int64
	T time.Time
	B bool
}

// DetailRow is one project of a detail report; Cells follow the query's
// columns. The row and its cells are reused between calls.
type DetailRow struct {
	ID    int64
	Cells []DetailValue
}

// detailCore are the stored fields every row reads, from which the
// computed columns follow (pipeline.Derived.At at the moment).
const detailCore = `p.id, p.state, COALESCE(p.pending_milestone_id, 0), COALESCE(p.last_milestone_id, 0), p.last_completed_at,
	p.pending_due_at, p.deferred_due_at, p.milestone_late_from, p.late_from, p.item_late_from, p.item_due_at, p.item_kind,
	p.active_from, p.weighted_cents, p.value_cents, p.created_at, COALESCE(p.probability_override, -1), p.stage_day`

// detailScan holds a row's core fields as read.
type detailScan struct {
	id              int64
	state           string
	sum             summary
	value, override int64
	created         time.Time
	stageDay        pgtype.Date
	texts           []string
	nums            []int64
	times           []pgtype.Timestamptz
	dates           []pgtype.Date
	keys            []string
	dest            []any
	cols            []builderColumn
	slot            []int // the column's index into texts, nums, times or dates
}

// Detail reads the report's rows in order into each and returns the cursor
// of the next page ("" when this was the last).
func (tx *Tx) Detail(ctx context.Context, su *BuilderSetup, q DetailQuery, each func(*DetailRow) error) (string, error) {
	now := su.Engine.Now()
	args := []any{tx.Tenant, now, su.Tenant.Location().String()}
	x := &detailScan{}
	x.dest = []any{&x.id, &x.state, &x.sum.pending, &x.sum.last, &x.sum.lastAt, &x.sum.due, &x.sum.deferredDue,
		&x.sum.milestoneLateFrom, &x.sum.lateFrom, &x.sum.itemLateFrom, &x.sum.itemDue, &x.sum.itemKind, &x.sum.activeFrom,
		&x.sum.weighted, &x.value, &x.created, &x.override, &x.stageDay}
	sel := []string{detailCore}
	var joins []string
	var extra []string
	for i, c := range q.Columns {
		bc, join := c.column(i, &args)
		x.cols = append(x.cols, bc)
		if join != "" {
			if c.Milestone != 0 {
				extra = append(extra, join)
			} else {
				joins = append(joins, bc.join)
			}
		}
		if bc.sel == "" {
			x.slot = append(x.slot, -1)
			continue
		}
		sel = append(sel, bc.sel)
		switch bc.kind {
		case KindText, KindForecast:
			x.slot = append(x.slot, len(x.texts))
			x.texts = append(x.texts, "")
		case KindMoney, KindNumber, KindName:
			x.slot = append(x.slot, len(x.nums))
			x.nums = append(x.nums, 0)
		case KindInstant:
			x.slot = append(x.slot, len(x.times))
			x.times = append(x.times, pgtype.Timestamptz{})
		case KindDate:
			x.slot = append(x.slot, len(x.dates))
			x.dates = append(x.dates, pgtype.Date{})
		}
	}
	for i, c := range q.Columns {
		switch x.cols[i].kind {
		case KindText, KindForecast:
			if x.slot[i] >= 0 {
				x.dest = append(x.dest, &x.texts[x.slot[i]])
			}
		case KindMoney, KindNumber, KindName:
			if x.slot[i] >= 0 {
				x.dest = append(x.dest, &x.nums[x.slot[i]])
			}
		case KindInstant:
			if x.slot[i] >= 0 {
				x.dest = append(x.dest, &x.times[x.slot[i]])
			}
		case KindDate:
			if x.slot[i] >= 0 {
				x.dest = append(x.dest, &x.dates[x.slot[i]])
			}
		}
		_ = c
	}
	sorts := q.Sort
	if len(sorts) == 0 {
		sorts = []SortKey{{Column: ColumnRef{Key: "created_at"}, Desc: true}}
	}
	keys := sortKeys(sorts, &su.Lists, &args)
	x.keys = make([]string, len(keys))
	for i, k := range keys {
		sel = append(sel, "("+k.expr+")::text")
		x.dest = append(x.dest, &x.keys[i])
		if k.join != "" {
			joins = append(joins, k.join)
		}
	}
	if err := tx.keepOthers(ctx, su, &q.Filter); err != nil {
		return "", err
	}
	where, fj := q.Filter.where(&args)
	joins = append(joins, fj...)
	where += " AND " + su.Scope.Where("p", &args)
	if q.After != "" {
		cond, err := cursorWhere(keys, q.After, &args)
		if err != nil {
			return "", err
		}
		where += " AND " + cond
	}
	order := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		dir := " ASC"
		if k.desc {
			dir = " DESC"
		}
		order = append(order, k.expr+dir)
	}
	order = append(order, "p.id ASC")
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM projects p" + joinList(joins) + " " + strings.Join(extra, " ") +
		" WHERE " + where + " ORDER BY " + strings.Join(order, ", ")
	if q.Limit > 0 {
		args = append(args, q.Limit+1)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return "", fmt.Errorf("builder detail: %w", err)
	}
	defer rows.Close()
	row := &DetailRow{Cells: make([]DetailValue, len(q.Columns))}
	n := 0
	next := ""
	var last struct {
		keys []string
		id   int64
	}
	for rows.Next() {
		if err := rows.Scan(x.dest...); err != nil {
			return "", fmt.Errorf("builder detail: %w", err)
		}
		n++
		if q.Limit > 0 && n > q.Limit {
			next = encodeCursor(last.keys, last.id)
			break
		}
		x.fill(su, q.Columns, row)
		if err := each(row); err != nil {
			return "", err
		}
		last.keys = append(last.keys[:0], x.keys...)
		last.id = x.id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("builder detail: %w", err)
	}
	return next, nil
}

// keepOthers finds the values a capped summary kept for each drilled Other
// group of f (on a copy of its groups).
func (tx *Tx) keepOthers(ctx context.Context, su *BuilderSetup, f *BuilderFilter) error {
	f.Groups = slices.Clone(f.Groups)
	for i, g := range f.Groups {
		if g.Other {
			kept, err := tx.keptValues(ctx, su, *f, []string{g.Dimension}, []int{g.Axis})
			if err != nil {
				return err
			}
			f.Groups[i].kept = kept[0]
			if f.Groups[i].kept == nil {
				f.Groups[i].kept = []string{} // not capped: the group of others is empty
			}
		}
	}
	return nil
}

// fill turns the scanned row into its cells, computing what follows from
// the stored derived data at the engine's moment.
func (x *detailScan) fill(su *BuilderSetup, cols []ColumnRef, row *DetailRow) {
	e := su.Engine
	now, loc := e.Now(), su.Tenant.Location()
	d := derivedOf(crm.State(x.state), x.sum)
	m := d.At(now)
	row.ID = x.id
	for i, c := range cols {
		v := &row.Cells[i]
		*v = DetailValue{}
		bc := x.cols[i]
		if s := x.slot[i]; s >= 0 {
			switch bc.kind {
			case KindText, KindForecast:
				v.S = x.texts[s]
			case KindMoney, KindNumber, KindName:
				v.N = x.nums[s]
			case KindInstant:
				v.T = instantOf(x.times[s])
			case KindDate:
				if x.dates[s].Valid && x.dates[s].InfinityModifier == pgtype.Finite {
					v.T = x.dates[s].Time
				}
			}
			continue
		}
		switch c.Key {
		case "state":
			v.S = m.State.String()
		case "created_at":
			v.T = x.created
		case "pending":
			v.N = x.sum.pending
		case "pending_due":
			if !m.Due.IsZero() {
				v.T = m.Due.In(loc)
				v.T = time.Date(v.T.Year(), v.T.Month(), v.T.Day(), 0, 0, 0, 0, time.UTC)
			}
		case "late":
			v.B = m.Late
		case "days_late":
			v.N = int64(pipeline.DaysLateAt(m, now, loc))
		case "last":
			v.N = x.sum.last
		case "last_at":
			v.T = instantOf(x.sum.lastAt)
		case "days_in_stage":
			v.N = int64(e.DaysSinceDay(stageDayOf(x.stageDay)))
		case "stage_probability":
			v.N = int64(e.StoredProbability(m.State, x.override >= 0, int(x.override), x.sum.last))
		case "weighted":
			v.N = x.sum.weighted
		case "age":
			v.N = int64(e.DaysSince(x.created))
		}
	}
}

// encodeCursor writes a page's last sort keys and ID as an opaque token.
func encodeCursor(keys []string, id int64) string {
	b, _ := json.Marshal(struct {
		K []string `json:"k"`
		I int64    `json:"i"`
	}{keys, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// sortKey is a sort key as the statement orders by it.
type sortKey struct {
	expr, typ string
	desc      bool
	join      string
}

// sortKeys resolves the report's sort keys: a name column's expression
// gets its list's IDs in name order (milestones in process order) as an
// argument, and a reversed column's direction is turned round.
func sortKeys(sorts []SortKey, lists *BuilderLists, args *[]any) []sortKey {
	out := make([]sortKey, len(sorts))
	for i, s := range sorts {
		bc := detailColumns[s.Column.Key]
		k := sortKey{expr: bc.sort, typ: bc.sortType, desc: s.Desc != bc.reverse, join: bc.join}
		if strings.Contains(k.expr, "$rank") {
			*args = append(*args, rankOf(lists, bc.list))
			k.expr = strings.ReplaceAll(k.expr, "$rank", "$"+strconv.Itoa(len(*args))+"::bigint[]")
		}
		out[i] = k
	}
	return out
}

// rankOf is the IDs of the list l in the order a sort by it shows them:
// milestones in process order, the other lists by name (then ID).
func rankOf(lists *BuilderLists, l NameList) []int64 {
	cs := slices.Clone(lists.List(l))
	if l != ListMilestones {
		slices.SortStableFunc(cs, func(a, b crm.Choice) int {
			if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
				return c
			}
			return cmpInt(a.ID, b.ID)
		})
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// cursorWhere is the predicate "after the cursor" for the sort keys: each
// key in its own direction, then the ID ascending. The cursor's values are
// cast to their keys' types by the database (a tampered one fails the
// cast: ErrBadReportCursor).
func cursorWhere(sorts []sortKey, token string, args *[]any) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", ErrBadReportCursor
	}
	var c struct {
		K []string `json:"k"`
		I int64    `json:"i"`
	}
	if json.Unmarshal(raw, &c) != nil || len(c.K) != len(sorts) {
		return "", ErrBadReportCursor
	}
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var ors []string
	eqs := ""
	for i, s := range sorts {
		v := arg(c.K[i]) + "::" + s.typ
		op := " > "
		if s.desc {
			op = " < "
		}
		ors = append(ors, "("+eqs+"("+s.expr+")"+op+v+")")
		eqs += "(" + s.expr + ") = " + v + " AND "
	}
	ors = append(ors, "("+eqs+"p.id > "+arg(c.I)+")")
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// SummaryQuery is a project summary report to read.
type SummaryQuery struct {
	Dimensions []string // one or two
	Measures   []string
	Filter     BuilderFilter
}

// SummaryRow is one group of a summary: its dimensions' values (nil: the
// group of projects without one; Total[i]: the row adds up every value of
// dimension i; Other[i]: the group of the values a capped dimension did
// not keep) and its measures (nil: nothing to measure).
type SummaryRow struct {
	Keys   []*string
	Total  []bool
	Other  []bool
	Values []*float64
}

// Summary groups the visible projects that match the filter by the
// dimensions and computes the measures of every group, of every value of
// each dimension alone, and of all of them (the pivot's totals). Each
// dimension keeps its largest groups, or its latest periods, up to its
// limit (SummaryRowLimit, SummaryColumnLimit), counted over the projects
// the filter without its drilled groups matches; a dimension with more
// adds the rest up in one Other group. The totals stay those of every
// project. One statement (summaryStatement) reads the projects once; a
// median, which does not add up, reads them a second time.
func (tx *Tx) Summary(ctx context.Context, su *BuilderSetup, q SummaryQuery) ([]SummaryRow, error) {
	if len(q.Dimensions) == 0 || len(q.Dimensions) > 2 {
		return nil, fmt.Errorf("summary dimensions %q: %w", q.Dimensions, crm.ErrNotFound)
	}
	if err := tx.keepOthers(ctx, su, &q.Filter); err != nil {
		return nil, err
	}
	axes := []int{0, 1}[:len(q.Dimensions)]
	args := []any{tx.Tenant, su.Engine.Now(), su.Tenant.Location().String()}
	var parts []string
	oneScan := true
	for _, m := range q.Measures {
		sm, ok := summaryMeasures[m]
		if !ok {
			return nil, fmt.Errorf("summary measure %q: %w", m, crm.ErrNotFound)
		}
		for _, pt := range sm.parts {
			if !slices.Contains(parts, pt) {
				parts = append(parts, pt)
			}
		}
		oneScan = oneScan && sm.sum != ""
	}
	var today string
	if slices.ContainsFunc(q.Measures, func(m string) bool { return strings.Contains(summaryMeasures[m].sql, "$today") }) {
		args = append(args, su.Engine.Today().Format(time.DateOnly))
		today = "$" + strconv.Itoa(len(args)) + "::date"
	}
	for i := range parts {
		parts[i] = strings.ReplaceAll(parts[i], "$today", today)
	}
	with, err := summaryStatement(su, q.Filter, q.Dimensions, axes, parts, !oneScan, &args)
	if err != nil {
		return nil, err
	}
	dims := []string{"d0", "d1"}[:len(q.Dimensions)]
	inner := []string{"g.*"}
	outer := []string{"GROUPING(" + strings.Join(dims, ", ") + ")"}
	groups := make([]string, len(dims))
	for i := range dims {
		n, lim := strconv.Itoa(i), strconv.Itoa(summaryLimit(axes[i]))
		capped := "COALESCE(cardinality(kept.v" + n + "), 0) > " + lim
		keep := "g.k" + n + " = ANY(kept.v" + n + "[1:" + lim + "])"
		inner = append(inner, "CASE WHEN NOT "+capped+" OR "+keep+" THEN g.k"+n+" END AS d"+n,
			"(g.k"+n+" IS NOT NULL AND "+capped+" AND NOT "+keep+") AS o"+n)
		outer = append(outer, "d"+n, "o"+n)
		groups[i] = "d" + n + ", o" + n
	}
	for _, m := range q.Measures {
		sm := summaryMeasures[m]
		e := sm.sum
		if !oneScan {
			e = strings.ReplaceAll(sm.sql, "$today", today)
		}
		outer = append(outer, "("+e+")::float8")
	}
	sets := "(" + groups[0] + "), ()"
	if len(dims) == 2 {
		sets = "(" + groups[0] + ", " + groups[1] + "), (" + groups[0] + "), (" + groups[1] + "), ()"
	}
	src := "g CROSS JOIN kept WHERE g.hit"
	if !oneScan {
		src = "projects_in g CROSS JOIN kept"
	}
	sql := with + " SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") +
		" FROM " + src + ") p GROUP BY GROUPING SETS (" + sets + ")"
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("builder summary: %w", err)
	}
	defer rows.Close()
	var out []SummaryRow
	for rows.Next() {
		var g int
		r := SummaryRow{Keys: make([]*string, len(dims)), Total: make([]bool, len(dims)), Other: make([]bool, len(dims)),
			Values: make([]*float64, len(q.Measures))}
		others := make([]*bool, len(dims))
		dest := []any{&g}
		for i := range dims {
			dest = append(dest, &r.Keys[i], &others[i])
		}
		for i := range q.Measures {
			dest = append(dest, &r.Values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("builder summary: %w", err)
		}
		for i := range dims {
			r.Total[i] = g&(1<<(len(dims)-1-i)) != 0
			r.Other[i] = others[i] != nil && *others[i]
		}
		for i, m := range q.Measures {
			if m == "cycle_days" && r.Values[i] != nil {
				*r.Values[i] = pipeline.CycleDays(*r.Values[i])
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("builder summary: %w", err)
	}
	return out, nil
}

// keptValues are, for each dimension dims[i] of a summary on axis
// axes[i], the values a capped summary keeps, or nil when it has no more
// values than its axis's limit, over the projects the filter (without its
// drilled groups) matches in the viewer's scope.
func (tx *Tx) keptValues(ctx context.Context, su *BuilderSetup, f BuilderFilter, dims []string, axes []int) ([][]string, error) {
	args := []any{tx.Tenant, su.Engine.Now(), su.Tenant.Location().String()}
	f.Groups = nil
	with, err := summaryStatement(su, f, dims, axes, nil, false, &args)
	if err != nil {
		return nil, err
	}
	values := make([][]string, len(dims))
	sql := with + " SELECT v0"
	dest := []any{&values[0]}
	if len(dims) == 2 {
		sql += ", v1"
		dest = append(dest, &values[1])
	}
	if err := tx.QueryRow(ctx, sql+" FROM kept", args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("summary groups: %w", err)
	}
	kept := make([][]string, len(dims))
	for i, vs := range values {
		if lim := summaryLimit(axes[i]); len(vs) > lim {
			kept[i] = vs[:lim]
		}
	}
	return kept, nil
}

// summaryStatement is the WITH clause of a summary's statement: g, the
// projects the filter without its drilled groups matches in the viewer's
// scope, grouped by the dimensions' values (k0, k1, as text) and by
// whether they are in the drilled groups (hit), with their count (n) and
// the partial aggregates parts; kept, each dimension's values in the order
// a capped summary keeps them (v0, v1: its largest groups by project
// count, ties by value, for periods its latest), up to one more than its
// axis's limit; with raw, projects_in too: the matching projects in the
// drilled groups themselves, with their dimensions' values, for the
// measures that do not add up.
func summaryStatement(su *BuilderSetup, f BuilderFilter, dims []string, axes []int, parts []string, raw bool, args *[]any) (string, error) {
	if len(dims) == 0 || len(dims) > 2 || len(axes) != len(dims) {
		return "", fmt.Errorf("summary dimensions %q: %w", dims, crm.ErrNotFound)
	}
	groups := f.Groups
	f.Groups = nil
	where, joins := f.where(args)
	where += " AND " + su.Scope.Where("p", args)
	hit := "true"
	if conds := (BuilderFilter{Groups: groups}).groupConds(args); len(conds) > 0 {
		hit = strings.Join(conds, " AND ")
	}
	keys, by, kept := make([]string, len(dims)), make([]string, len(dims)), make([]string, len(dims))
	for i, dim := range dims {
		d, ok := summaryDimensions[dim]
		if !ok || axes[i] < 0 || axes[i] > 1 {
			return "", fmt.Errorf("summary dimension %q: %w", dim, crm.ErrNotFound)
		}
		k := "k" + strconv.Itoa(i)
		keys[i], by[i] = "("+d.expr+")::text AS "+k, "("+cmp.Or(d.by, d.expr)+")"
		order := "sum(n) DESC, " + k
		if d.dated {
			order = k + " DESC"
		}
		kept[i] = "(SELECT array_agg(k ORDER BY r) FROM (SELECT " + k + " AS k, row_number() OVER (ORDER BY " + order + ") AS r FROM g WHERE " +
			k + " IS NOT NULL GROUP BY " + k + ") x WHERE r <= " + strconv.Itoa(summaryLimit(axes[i])+1) + ") AS v" + strconv.Itoa(i)
	}
	from := " FROM projects p" + joinList(joins) + " WHERE " + where
	with := "WITH g AS MATERIALIZED (SELECT " + strings.Join(keys, ", ") + ", (" + hit + ") AS hit, count(*) AS n"
	for _, pt := range parts {
		with += ", " + pt
	}
	with += from + " GROUP BY " + strings.Join(by, ", ") + ", hit), kept AS (SELECT " + strings.Join(kept, ", ") + ")"
	if raw {
		with += ", projects_in AS (SELECT " + strings.Join(keys, ", ") + ", p.value_cents, p.weighted_cents, p.phase, p.stage_day, p.cycle_seconds" +
			from + " AND (" + hit + "))"
	}
	return with, nil
}
