package postgres

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// The report builder's vocabulary: the columns a project detail report may
// show, the dimensions a summary groups by and the measures it computes.
// Each is a fixed entry of a table here, named by a key; a definition (from
// a URL or a saved report) names keys only, never SQL, and a key that is
// not here is refused before any statement is built.

// ColumnKind says how a builder column is read and shown.
type ColumnKind uint8

// Kinds of builder columns.
const (
	KindText     ColumnKind = iota + 1 // a string
	KindMoney                          // cents
	KindNumber                         // a whole number (days, a percentage override)
	KindPercent                        // basis points (pipeline.Prob)
	KindDate                           // a calendar date
	KindInstant                        // an instant, shown as its local day
	KindBool                           // yes / no
	KindName                           // an ID shown by its name (user, source, milestone...)
	KindState                          // the effective state
	KindForecast                       // a forecast category
)

// NameList says which of the tenant's lists a KindName column is named from.
type NameList uint8

// The lists a KindName column is named from.
const (
	ListUsers NameList = iota + 1
	ListWorkgroups
	ListSources
	ListReasons
	ListMilestones
	ListStatuses
)

// builderColumn is one column of the detail builder.
type builderColumn struct {
	kind ColumnKind
	list NameList // for KindName
	// sel is the SQL expression read for the column (never NULL); "" for a
	// column computed in Go from the row's core fields (see detailCore).
	sel string
	// join names the table the expression reads beyond projects.
	join string
	// sort is the ORDER BY expression (never NULL) and sortType its SQL
	// type; "" when the column is not sortable. A "$rank" in it stands for
	// the IDs of the column's list in name order (process order for
	// milestones; see sortKeys), so a name column sorts by name. reverse:
	// the expression runs against the column (a later stage date is fewer
	// days in stage), so ascending values are a descending expression.
	sort, sortType string
	reverse        bool
	// text: the "empty / not empty" filter applies to sel.
	text bool
}

// Joins a column or filter may need, by name.
var builderJoins = map[string]string{
	"a": "JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id",
	"c": "LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id",
	"ll": `LEFT JOIN LATERAL (SELECT l.at, CASE WHEN l.body <> '' THEN l.body WHEN l.field <> '' THEN l.field || ': ' || l.new_value ELSE l.kind END AS text
	         FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = p.id ORDER BY l.at DESC, l.id DESC LIMIT 1) ll ON true`,
}

// detailColumns are the detail builder's columns by key. Per-milestone
// columns ("done:<milestone ID>", "by:<milestone ID>") are made by
// milestoneColumn.
var detailColumns = map[string]builderColumn{
	"title":                {kind: KindText, sel: "p.title", sort: "p.title", sortType: "text", text: true},
	"account":              {kind: KindText, sel: "p.customer_name", sort: "p.customer_name", sortType: "text", text: true},
	"account_email":        {kind: KindText, sel: "a.email", join: "a", sort: "a.email", sortType: "text", text: true},
	"account_phone":        {kind: KindText, sel: "a.phone", join: "a", sort: "a.phone", sortType: "text", text: true},
	"account_address":      {kind: KindText, sel: "a.address", join: "a", sort: "a.address", sortType: "text", text: true},
	"contact":              {kind: KindText, sel: "COALESCE(c.name, '')", join: "c", sort: "COALESCE(c.name, '')", sortType: "text", text: true},
	"contact_email":        {kind: KindText, sel: "COALESCE(c.email, '')", join: "c", sort: "COALESCE(c.email, '')", sortType: "text", text: true},
	"contact_phone":        {kind: KindText, sel: "COALESCE(c.phone, '')", join: "c", sort: "COALESCE(c.phone, '')", sortType: "text", text: true},
	"owner":                {kind: KindText, sel: "p.owner_name", sort: "p.owner_name", sortType: "text"},
	"team":                 {kind: KindText, sel: teamSQL, text: true},
	"workgroup":            {kind: KindName, list: ListWorkgroups, sel: "COALESCE(p.workgroup_id, 0)", sort: rankSQL("p.workgroup_id"), sortType: "integer"},
	"source":               {kind: KindName, list: ListSources, sel: "COALESCE(p.source_id, 0)", sort: rankSQL("p.source_id"), sortType: "integer"},
	"referrer":             {kind: KindText, sel: "p.referrer", sort: "p.referrer", sortType: "text", text: true},
	"scope":                {kind: KindText, sel: "p.scope", sort: "p.scope", sortType: "text", text: true},
	"value":                {kind: KindMoney, sel: "p.value_cents", sort: "p.value_cents", sortType: "bigint"},
	"expected_close":       {kind: KindDate, sel: "p.expected_close", sort: "COALESCE(p.expected_close, '-infinity'::date)", sortType: "date"},
	"state":                {kind: KindState, sort: effectiveStateSQL, sortType: "text"},
	"archive_reason":       {kind: KindName, list: ListReasons, sel: "COALESCE(p.archive_reason_id, 0)", sort: rankSQL("p.archive_reason_id"), sortType: "integer"},
	"archive_note":         {kind: KindText, sel: "p.archive_note", sort: "p.archive_note", sortType: "text", text: true},
	"defer_until":          {kind: KindDate, sel: "p.defer_until", sort: "COALESCE(p.defer_until, '-infinity'::date)", sortType: "date"},
	"status":               {kind: KindText, sel: "p.status_name", sort: "p.status_name", sortType: "text", text: true},
	"forecast":             {kind: KindForecast, sel: "p.forecast_category", sort: forecastRankSQL, sortType: "integer"},
	"probability_override": {kind: KindNumber, sel: "COALESCE(p.probability_override, -1)", sort: "COALESCE(p.probability_override, -1)", sortType: "bigint"},
	"created_at":           {kind: KindInstant, sort: "p.created_at", sortType: "timestamptz"},
	"created_by":           {kind: KindName, list: ListUsers, sel: "COALESCE(p.created_by, 0)", sort: rankSQL("p.created_by"), sortType: "integer"},
	// Computed from what the engine stored with the project, sorted by the
	// stored values they are shown from (the same order, ties by ID).
	"pending":           {kind: KindName, list: ListMilestones, sort: "COALESCE(array_position($rank, p.pending_milestone_id), 1000000)", sortType: "integer"},
	"pending_due":       {kind: KindDate, sort: dueShownSQL, sortType: "timestamptz"},
	"late":              {kind: KindBool, sort: "(" + lateSQL + ")", sortType: "boolean"},
	"days_late":         {kind: KindNumber, sort: mostOverdueSQL, sortType: "timestamptz", reverse: true},
	"last":              {kind: KindName, list: ListMilestones, sort: rankSQL("p.last_milestone_id"), sortType: "integer"},
	"last_at":           {kind: KindInstant, sort: "p.last_completed_at", sortType: "timestamptz"},
	"days_in_stage":     {kind: KindNumber, sort: "COALESCE(p.stage_day, '-infinity'::date)", sortType: "date", reverse: true},
	"stage_probability": {kind: KindPercent},
	"weighted":          {kind: KindMoney, sort: "p.weighted_cents", sortType: "bigint"},
	"last_log_at":       {kind: KindInstant, sel: "ll.at", join: "ll", sort: "COALESCE(ll.at, '-infinity'::timestamptz)", sortType: "timestamptz"},
	"last_log_text":     {kind: KindText, sel: "COALESCE(ll.text, '')", join: "ll", sort: "COALESCE(ll.text, '')", sortType: "text", text: true},
	"age":               {kind: KindNumber, sort: "p.created_at", sortType: "timestamptz", reverse: true},
}

// rankSQL sorts an ID column by its list's order ($rank), projects without
// one first.
func rankSQL(col string) string { return "COALESCE(array_position($rank, " + col + "), 0)" }

// forecastRankSQL sorts the forecast categories from the least to the most
// certain, omitted last (the order the forecast report shows them in).
const forecastRankSQL = "array_position(ARRAY['pipeline', 'best_case', 'commit', 'closed_won', 'omitted'], p.forecast_category)"

// lateSQL is whether a project is late at the moment ($2), from the
// instants the engine stored (as pipeline.Derived.At says).
const lateSQL = "p.phase = 'open' AND p.active_from <= $2 AND p.late_from <= $2"

// dueShownSQL is the due instant a project shows at the moment: a deferred
// project not back yet shows its deferred due date (pipeline.Derived.At).
const dueShownSQL = "CASE WHEN p.phase = 'open' AND p.active_from > $2 THEN p.deferred_due_at ELSE p.pending_due_at END"

// mostOverdueSQL is the due instant of a late project's most overdue late
// thing (its milestone's due day or its most overdue item), infinity when
// it is not late: days late (pipeline.DaysLateAt) counts the local days
// from it to today, so it falls as the instant rises.
const mostOverdueSQL = `CASE WHEN p.phase = 'open' AND p.active_from <= $2 THEN LEAST(
	CASE WHEN p.milestone_late_from <= $2 THEN p.pending_due_at ELSE 'infinity'::timestamptz END,
	CASE WHEN p.item_late_from <= $2 THEN p.item_due_at ELSE 'infinity'::timestamptz END) ELSE 'infinity'::timestamptz END`

// teamSQL lists a project's team members' names.
const teamSQL = `COALESCE((SELECT string_agg(tu.name, ', ' ORDER BY tu.name) FROM project_members tm
	JOIN users tu ON tu.tenant_id = $1 AND tu.id = tm.user_id WHERE tm.tenant_id = $1 AND tm.project_id = p.id), '')`

// DetailColumnKeys are the detail builder's fixed columns in the order the
// builder offers them (the per-milestone columns follow).
var DetailColumnKeys = []string{
	"title", "account", "account_email", "account_phone", "account_address", "contact", "contact_email", "contact_phone",
	"owner", "team", "workgroup", "source", "referrer", "scope", "value", "expected_close", "state", "archive_reason",
	"archive_note", "defer_until", "status", "forecast", "probability_override", "created_at", "created_by",
	"pending", "pending_due", "late", "days_late", "last", "last_at", "days_in_stage", "stage_probability", "weighted",
	"last_log_at", "last_log_text", "age",
}

// ColumnRef names one column of a detail report: a fixed key, or "done"
// or "by" with a milestone (its completion's date, who completed it).
type ColumnRef struct {
	Key       string
	Milestone int64
}

// String is the column's key as URLs carry it ("title", "done:12").
func (c ColumnRef) String() string {
	if c.Milestone != 0 {
		return c.Key + ":" + strconv.FormatInt(c.Milestone, 10)
	}
	return c.Key
}

// ParseColumnRef reads a column key; ok is false for anything that is not
// one of the builder's columns.
func ParseColumnRef(s string) (ColumnRef, bool) {
	if k, id, found := strings.Cut(s, ":"); found {
		n, err := strconv.ParseInt(id, 10, 64)
		if (k != "done" && k != "by") || err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
			return ColumnRef{}, false
		}
		return ColumnRef{Key: k, Milestone: n}, true
	}
	if _, ok := detailColumns[s]; !ok {
		return ColumnRef{}, false
	}
	return ColumnRef{Key: s}, true
}

// Kind is how the column is shown.
func (c ColumnRef) Kind() ColumnKind {
	switch c.Key {
	case "done":
		return KindInstant
	case "by":
		return KindName
	}
	return detailColumns[c.Key].kind
}

// List is the list a KindName column is named from.
func (c ColumnRef) List() NameList {
	if c.Key == "by" {
		return ListUsers
	}
	return detailColumns[c.Key].list
}

// Sortable reports whether a report may be sorted by the column: every
// column but the team, the stage probability and the per-milestone
// columns, which have no stored value to page by.
func (c ColumnRef) Sortable() bool { return c.Milestone == 0 && detailColumns[c.Key].sort != "" }

// TextField reports whether the "empty / not empty" filter applies.
func (c ColumnRef) TextField() bool { return c.Milestone == 0 && detailColumns[c.Key].text }

// column is the column's definition; a milestone column reads its own
// join, named by the column's position i.
func (c ColumnRef) column(i int, args *[]any) (builderColumn, string) {
	if c.Milestone == 0 {
		bc := detailColumns[c.Key]
		return bc, builderJoins[bc.join]
	}
	*args = append(*args, c.Milestone)
	alias := "mc" + strconv.Itoa(i)
	join := fmt.Sprintf("LEFT JOIN milestone_completions %[1]s ON %[1]s.tenant_id = $1 AND %[1]s.project_id = p.id AND %[1]s.milestone_id = $%[2]d",
		alias, len(*args))
	if c.Key == "by" {
		return builderColumn{kind: KindName, list: ListUsers, sel: "COALESCE(" + alias + ".completed_by, 0)"}, join
	}
	return builderColumn{kind: KindInstant, sel: alias + ".completed_at"}, join
}

// SortKey is one key a detail report is sorted by.
type SortKey struct {
	Column ColumnRef
	Desc   bool
}

// DateColumns are the dates a builder filter may bound, by key: the SQL
// expression and whether it is an instant (else a calendar date).
var dateColumns = map[string]struct {
	expr    string
	instant bool
}{
	"created_at":     {"p.created_at", true},
	"expected_close": {"p.expected_close", false},
	"defer_until":    {"p.defer_until", false},
	"archived_at":    {"p.archived_at", true},
	"sold_at":        {"p.sold_at", true},
	"last_at":        {"NULLIF(p.last_completed_at, '-infinity')", true},
	"pending_due":    {"NULLIF(p.pending_due_at, 'infinity')", true},
}

// DateColumnKeys are the dates a filter may bound, in the order offered.
var DateColumnKeys = []string{"created_at", "expected_close", "defer_until", "archived_at", "sold_at", "last_at", "pending_due"}

// IsDateColumn reports whether key names a date a filter may bound.
func IsDateColumn(key string) bool { _, ok := dateColumns[key]; return ok }

// IsInstantDate reports whether the date column key is an instant (its
// bounds are local days turned into instants by the caller).
func IsInstantDate(key string) bool { return dateColumns[key].instant }

// builderDimension is one dimension of the summary builder: the SQL
// expression it groups by (never compared as NULL: "none" is NULL), the
// type a drill-down value is cast to, and the list its IDs are named from.
type builderDimension struct {
	expr, typ string
	list      NameList
	// dated: the values are periods, of which a capped summary keeps the
	// latest (of the others, the largest groups).
	dated bool
	// by is what a summary groups the projects by before it names their
	// periods (expr is a function of it): cheaper to compute per project
	// than the period's name. Empty: expr.
	by string
}

// summaryDimensions are the summary builder's dimensions by key. $1 is the
// tenant, $2 the moment, $3 the tenant's time zone in every statement that
// uses them.
var summaryDimensions = map[string]builderDimension{
	"owner":           {expr: "p.owner_id", typ: "bigint", list: ListUsers},
	"workgroup":       {expr: "p.workgroup_id", typ: "bigint", list: ListWorkgroups},
	"source":          {expr: "p.source_id", typ: "bigint", list: ListSources},
	"referrer":        {expr: "NULLIF(p.referrer, '')", typ: "text"},
	"created_week":    {expr: "to_char(date_trunc('week', p.created_at AT TIME ZONE $3), 'YYYY-MM-DD')", typ: "text", dated: true, by: "date_trunc('week', p.created_at AT TIME ZONE $3)"},
	"created_month":   {expr: "to_char(date_trunc('month', p.created_at AT TIME ZONE $3), 'YYYY-MM')", typ: "text", dated: true, by: "date_trunc('month', p.created_at AT TIME ZONE $3)"},
	"created_quarter": {expr: `to_char(date_trunc('quarter', p.created_at AT TIME ZONE $3), 'YYYY-"Q"Q')`, typ: "text", dated: true, by: "date_trunc('quarter', p.created_at AT TIME ZONE $3)"},
	"created_year":    {expr: "to_char(date_trunc('year', p.created_at AT TIME ZONE $3), 'YYYY')", typ: "text", dated: true, by: "date_trunc('year', p.created_at AT TIME ZONE $3)"},
	"sold_month":      {expr: "to_char(CASE WHEN p.phase = 'sold' THEN date_trunc('month', p.sold_at AT TIME ZONE $3) END, 'YYYY-MM')", typ: "text", dated: true, by: "CASE WHEN p.phase = 'sold' THEN date_trunc('month', p.sold_at AT TIME ZONE $3) END"},
	"close_month":     {expr: "to_char(p.expected_close, 'YYYY-MM')", typ: "text", dated: true, by: "p.expected_close"},
	"pending":         {expr: "p.pending_milestone_id", typ: "bigint", list: ListMilestones},
	"last":            {expr: "p.last_milestone_id", typ: "bigint", list: ListMilestones},
	"state":           {expr: effectiveStateSQL, typ: "text"},
	"archive_reason":  {expr: "p.archive_reason_id", typ: "bigint", list: ListReasons},
	"status":          {expr: "p.status_id", typ: "bigint", list: ListStatuses},
	"forecast":        {expr: "p.forecast_category", typ: "text"},
}

// effectiveStateSQL is the project's state at the moment ($2), from what
// the engine stored: a deferred project whose defer-until day has come is
// active (as pipeline.Derived.At says).
const effectiveStateSQL = `CASE WHEN p.phase = 'open' AND p.active_from <= $2 THEN 'active'
	WHEN p.phase = 'open' THEN 'deferred' ELSE p.state END`

// DimensionKeys are the summary builder's dimensions in the order offered.
var DimensionKeys = []string{"owner", "workgroup", "source", "referrer", "created_week", "created_month", "created_quarter",
	"created_year", "sold_month", "close_month", "pending", "last", "state", "archive_reason", "status", "forecast"}

// IsDimension reports whether key is one of the summary dimensions.
func IsDimension(key string) bool { _, ok := summaryDimensions[key]; return ok }

// DimensionList is the list a dimension's IDs are named from (0: its
// values are shown as they are).
func DimensionList(key string) NameList { return summaryDimensions[key].list }

// DimensionIsID reports whether a dimension's values are IDs.
func DimensionIsID(key string) bool { return summaryDimensions[key].typ == "bigint" }

// summaryMeasures are the summary builder's measures by key: an aggregate
// over the group's projects, read as a float (NULL: no project it applies
// to). The days are the engine's, from what it stored with each project:
// days in stage of the open projects are $today (the engine's local date,
// pipeline.Engine.Today) minus the stored stage date, as
// pipeline.Engine.DaysSinceDay counts them; cycle days are the mean of the
// sold projects' stored sales cycle in seconds, turned into days by
// pipeline.CycleDays (see Summary), as the performance report's average
// cycle is.
//
// A measure that adds up (all but the median) is read in one pass: parts
// are its partial aggregates over a group of projects (named, each
// computed once however many measures share it) and sum combines the
// parts of the groups a cell adds up; count's part, n, is always there.
var summaryMeasures = map[string]struct {
	sql   string
	parts []string
	sum   string
	kind  ColumnKind
}{
	"count":     {"count(*)", nil, "sum(n)", KindNumber},
	"value_sum": {"sum(p.value_cents)", []string{"sum(p.value_cents) AS value_sum"}, "sum(value_sum)", KindMoney},
	"value_avg": {"avg(p.value_cents)", []string{"sum(p.value_cents) AS value_sum", "count(p.value_cents) AS value_n"},
		"sum(value_sum) / NULLIF(sum(value_n), 0)", KindMoney},
	"value_min":    {"min(p.value_cents)", []string{"min(p.value_cents) AS value_min"}, "min(value_min)", KindMoney},
	"value_max":    {"max(p.value_cents)", []string{"max(p.value_cents) AS value_max"}, "max(value_max)", KindMoney},
	"value_median": {"percentile_cont(0.5) WITHIN GROUP (ORDER BY p.value_cents)", nil, "", KindMoney},
	"weighted_sum": {"sum(p.weighted_cents)", []string{"sum(p.weighted_cents) AS weighted_sum"}, "sum(weighted_sum)", KindMoney},
	"stage_days": {"avg($today - p.stage_day) FILTER (WHERE p.phase = 'open')",
		[]string{"sum($today - p.stage_day) FILTER (WHERE p.phase = 'open') AS stage_sum",
			"count($today - p.stage_day) FILTER (WHERE p.phase = 'open') AS stage_n"},
		"sum(stage_sum) / NULLIF(sum(stage_n), 0)", KindNumber},
	"cycle_days": {"avg(p.cycle_seconds) FILTER (WHERE p.phase = 'sold')",
		[]string{"sum(p.cycle_seconds) FILTER (WHERE p.phase = 'sold') AS cycle_sum",
			"count(p.cycle_seconds) FILTER (WHERE p.phase = 'sold') AS cycle_n"},
		"sum(cycle_sum) / NULLIF(sum(cycle_n), 0)", KindNumber},
}

// MeasureKeys are the summary builder's measures in the order offered.
var MeasureKeys = []string{"count", "value_sum", "value_avg", "value_min", "value_max", "value_median", "weighted_sum", "stage_days", "cycle_days"}

// IsMeasure reports whether key is one of the summary measures.
func IsMeasure(key string) bool { _, ok := summaryMeasures[key]; return ok }

// MeasureKind is how a measure is shown: KindMoney, or KindNumber (a count
// or days, the averages with one decimal).
func MeasureKind(key string) ColumnKind { return summaryMeasures[key].kind }

// GroupValue narrows a report to one value of a dimension: a cell of a
// summary, drilled into. None is the group of projects without a value;
// Other the group a capped summary folded the values beyond its limit
// into (the values not kept on Axis, see SummaryRowLimit).
type GroupValue struct {
	Dimension string
	Value     string
	None      bool
	Other     bool
	Axis      int // 0: the summary's rows, 1: its columns
	kept      []string
}

// SummaryRowLimit and SummaryColumnLimit are how many values of its first
// (rows) and second (columns) dimension a summary shows; the values beyond
// are added up in one "other" group, so that no summary grows with the
// company. A capped dimension keeps its largest groups by project count
// (ties by value), a dimension of periods its latest.
const (
	SummaryRowLimit    = 50
	SummaryColumnLimit = 20
)

// summaryLimit is the limit of the dimension on axis (0 rows, 1 columns).
func summaryLimit(axis int) int {
	if axis == 0 {
		return SummaryRowLimit
	}
	return SummaryColumnLimit
}

// BuilderFilter is what a builder report filters on; zero values mean "no
// filter". The server has checked every field against the whitelists and
// the tenant's lists.
type BuilderFilter struct {
	// State is "", "open" (active or deferred), or one effective state.
	State                                            string
	Owner                                            crm.UserID
	Workgroup, Pending, Last, Status, Source, Reason int64
	LateOnly                                         bool
	// DateColumn bounds one of dateColumns to [DateFrom, DateTo): instants
	// for an instant column, midnight UTC of the days for a date column.
	DateColumn       string
	DateFrom, DateTo time.Time
	// Milestone completed in [DoneFrom, DoneTo).
	Milestone        int64
	DoneFrom, DoneTo time.Time
	ValueMin         *int64
	ValueMax         *int64
	// TextColumn is empty (Empty) or not.
	TextColumn ColumnRef
	Empty      bool
	Text       string // lower case; matched against the searched text
	Groups     []GroupValue
}

// builderWhere builds the filter predicate on p and appends its
// arguments after the tenant ($1), the moment ($2) and the zone ($3); it
// returns the joins the filter needs too.
func (f BuilderFilter) where(args *[]any) (string, []string) {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	// The moment and the zone are named in every statement, so that their
	// types are known whatever the filter uses.
	w := []string{"p.tenant_id = $1", "$2::timestamptz IS NOT NULL", "$3::text IS NOT NULL"}
	var joins []string
	switch f.State {
	case "":
	case "open":
		w = append(w, "p.phase = 'open'")
	case "active":
		w = append(w, "p.phase = 'open' AND p.active_from <= $2")
	case "deferred":
		w = append(w, "p.phase = 'open' AND p.active_from > $2")
	default:
		w = append(w, "p.phase = "+arg(f.State))
	}
	if f.Owner != 0 {
		w = append(w, "p.owner_id = "+arg(int64(f.Owner)))
	}
	if f.Workgroup != 0 {
		w = append(w, "p.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = "+arg(f.Workgroup)+")")
	}
	for _, eq := range []struct {
		col string
		v   int64
	}{{"p.pending_milestone_id", f.Pending}, {"p.last_milestone_id", f.Last}, {"p.status_id", f.Status},
		{"p.source_id", f.Source}, {"p.archive_reason_id", f.Reason}} {
		if eq.v != 0 {
			w = append(w, eq.col+" = "+arg(eq.v))
		}
	}
	if f.LateOnly {
		w = append(w, "p.phase = 'open' AND p.active_from <= $2 AND p.late_from <= $2")
	}
	if dc, ok := dateColumns[f.DateColumn]; ok {
		from, to := any(f.DateFrom), any(f.DateTo)
		if !dc.instant {
			from, to = f.DateFrom.Format(time.DateOnly), f.DateTo.Format(time.DateOnly)
		}
		cast := "::date"
		if dc.instant {
			cast = "::timestamptz"
		}
		if !f.DateFrom.IsZero() {
			w = append(w, dc.expr+" >= "+arg(from)+cast)
		}
		if !f.DateTo.IsZero() {
			w = append(w, dc.expr+" < "+arg(to)+cast)
		}
	}
	if f.Milestone != 0 {
		c := "EXISTS (SELECT 1 FROM milestone_completions fm WHERE fm.tenant_id = $1 AND fm.project_id = p.id AND fm.milestone_id = " + arg(f.Milestone)
		if !f.DoneFrom.IsZero() {
			c += " AND fm.completed_at >= " + arg(f.DoneFrom)
		}
		if !f.DoneTo.IsZero() {
			c += " AND fm.completed_at < " + arg(f.DoneTo)
		}
		w = append(w, c+")")
	}
	if f.ValueMin != nil {
		w = append(w, "p.value_cents >= "+arg(*f.ValueMin))
	}
	if f.ValueMax != nil {
		w = append(w, "p.value_cents <= "+arg(*f.ValueMax))
	}
	if f.TextColumn.Key != "" && f.TextColumn.TextField() {
		bc := detailColumns[f.TextColumn.Key]
		if bc.join != "" {
			joins = append(joins, bc.join)
		}
		op := " <> ''"
		if f.Empty {
			op = " = ''"
		}
		w = append(w, bc.sel+op)
	}
	if f.Text != "" {
		w = append(w, "p.search_text LIKE "+arg("%"+likeEscape(f.Text)+"%"))
	}
	w = append(w, f.groupConds(args)...)
	return strings.Join(w, " AND "), joins
}

// groupConds are the predicates of the filter's drilled groups.
func (f BuilderFilter) groupConds(args *[]any) []string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var w []string
	for _, g := range f.Groups {
		d, ok := summaryDimensions[g.Dimension]
		if !ok {
			w = append(w, "false")
			continue
		}
		switch {
		case g.Other && len(g.kept) == 0: // the dimension is not capped: no others
			w = append(w, "false")
		case g.Other:
			w = append(w, "("+d.expr+") IS NOT NULL AND NOT ("+d.expr+")::text = ANY("+arg(g.kept)+"::text[])")
		case g.None:
			w = append(w, "("+d.expr+") IS NULL")
		default:
			w = append(w, "("+d.expr+") = "+arg(g.Value)+"::"+d.typ)
		}
	}
	return w
}

// likeEscape escapes LIKE's wildcards in s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// joinList returns the SQL of the named joins, each once, in a fixed order.
func joinList(names []string) string {
	var b strings.Builder
	for _, k := range []string{"a", "c", "ll"} {
		if slices.Contains(names, k) {
			b.WriteString(" ")
			b.WriteString(builderJoins[k])
		}
	}
	return b.String()
}
