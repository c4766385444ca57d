package postgres

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// Derived data is what the Sales screen, the board and the rep load read
// precomputed: each project's summary columns (phase, pending and last
// completed milestone, due and late instants, when it counts as active, its
// weighted value, the names it is shown and searched by), its search words
// and the running totals. The engine computes it (pipeline.Engine.Derive)
// and tx.derive writes it, in the transaction of the change that made it
// stale; nothing in SQL restates a definition. Time-dependent facts are
// instants the queries compare with the request's moment.

// derivedVersion is the version of what derived data holds. A tenant whose
// derived_version is lower is recomputed by `pipewell migrate` (and by
// `pipewell refresh`); raise it when the definitions or the columns change
// (3: the running totals are kept by last completed milestone too, and each
// project stores the day it entered its stage and its cycle; 4: a sold
// project's stored sale instant is the engine's; 5: each project stores its
// history, derived_history.go).
const derivedVersion = 5

// contribution is a project's share of the running totals (project_totals).
type contribution struct {
	state      string
	owner      int64
	pending    int64
	last       int64 // last completed milestone, 0 for none
	activeFrom pgtype.Timestamptz
	value      int64
	weighted   int64
}

// summary is the derived columns of one project row.
type summary struct {
	phase                       string
	pending, last               int64
	lastAt                      pgtype.Timestamptz // -infinity: nothing completed
	due, deferredDue            pgtype.Timestamptz // infinity: no due date
	milestoneLateFrom, lateFrom pgtype.Timestamptz // infinity: never late
	itemLateFrom, itemDue       pgtype.Timestamptz // infinity: no dated open subtask or event
	itemKind                    string             // "subtask", "event", "" for none
	activeFrom                  pgtype.Timestamptz // -infinity: active; infinity: never (closed, or deferred for good)
	weighted                    int64
	customer, owner, status     string
	search                      string
	history                     []byte      // completions and skips, for the reports (derived_history.go)
	days                        builderDays // the report builder's, compared and written apart (derived_builder.go)
}

func (a summary) equal(b summary) bool {
	return a.phase == b.phase && a.pending == b.pending && a.last == b.last && sameInstant(a.lastAt, b.lastAt) &&
		sameInstant(a.due, b.due) && sameInstant(a.deferredDue, b.deferredDue) &&
		sameInstant(a.milestoneLateFrom, b.milestoneLateFrom) && sameInstant(a.lateFrom, b.lateFrom) &&
		sameInstant(a.itemLateFrom, b.itemLateFrom) && sameInstant(a.itemDue, b.itemDue) && a.itemKind == b.itemKind &&
		sameInstant(a.activeFrom, b.activeFrom) && a.weighted == b.weighted &&
		a.customer == b.customer && a.owner == b.owner && a.status == b.status && a.search == b.search &&
		bytes.Equal(a.history, b.history)
}

// phaseOf groups the states as the screen's lists do: open (active and
// deferred), archived, sold.
func phaseOf(state string) string {
	switch crm.State(state) {
	case crm.StateArchived, crm.StateSold:
		return state
	}
	return "open"
}

// The instants the summary holds: a time or an infinity. In Go a zero
// time.Time stands for the column's infinity.
var (
	posInfinity = pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	negInfinity = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
)

// future is t, or infinity for the zero time (never, none).
func future(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return posInfinity
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// past is t, or -infinity for the zero time (nothing yet).
func past(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return negInfinity
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// instantOf is the time an instant column holds, zero for an infinity.
func instantOf(ts pgtype.Timestamptz) time.Time {
	if !ts.Valid || ts.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return ts.Time
}

func sameInstant(a, b pgtype.Timestamptz) bool {
	return a.Valid == b.Valid && a.InfinityModifier == b.InfinityModifier && a.Time.Equal(b.Time)
}

// activeFromOf is when a project counts as active, as the column holds it.
func activeFromOf(d pipeline.Derived) pgtype.Timestamptz {
	switch d.State {
	case pipeline.StateActive:
		return negInfinity
	case pipeline.StateDeferred:
		return future(d.BackAt)
	}
	return posInfinity
}

// summaryOf turns the engine's derived facts of p and the names it is
// shown by into its summary columns.
func summaryOf(d pipeline.Derived, p *pipeline.Project, state string, n projectNames) summary {
	return summary{
		phase: phaseOf(state), pending: d.Pending, last: d.Last, lastAt: past(d.LastAt),
		due: future(d.Due), deferredDue: future(d.DeferredDue),
		milestoneLateFrom: future(d.MilestoneLateFrom), lateFrom: future(d.LateFrom),
		itemLateFrom: future(d.ItemLateFrom), itemDue: future(d.ItemDue), itemKind: itemKindName(d.ItemKind),
		activeFrom: activeFromOf(d), weighted: d.Weighted,
		customer: n.account, owner: n.owner, status: n.status, search: n.searchText(),
		history: encodeHistory(nil, p),
		days:    builderDaysOf(d),
	}
}

// derivedOf is the engine's derived facts as a summary stored them, for
// pages that show them at the request's moment (pipeline.Derived.At).
func derivedOf(state crm.State, s summary) pipeline.Derived {
	d := pipeline.Derived{State: pipeline.StateOf(state), Pending: s.pending, Last: s.last, LastAt: instantOf(s.lastAt),
		Due: instantOf(s.due), DeferredDue: instantOf(s.deferredDue),
		MilestoneLateFrom: instantOf(s.milestoneLateFrom), LateFrom: instantOf(s.lateFrom), Weighted: s.weighted,
		ItemLateFrom: instantOf(s.itemLateFrom), ItemDue: instantOf(s.itemDue), ItemKind: itemKindOf(s.itemKind)}
	if d.State == pipeline.StateDeferred {
		d.BackAt = instantOf(s.activeFrom)
	}
	return d
}

// itemKindName and itemKindOf convert an item kind to and from its column.
func itemKindName(k pipeline.ItemKind) string {
	switch k {
	case pipeline.Subtask:
		return "subtask"
	case pipeline.Event:
		return "event"
	}
	return ""
}

func itemKindOf(s string) pipeline.ItemKind {
	switch s {
	case "subtask":
		return pipeline.Subtask
	case "event":
		return pipeline.Event
	}
	return 0
}

// projectNames are the names a project is shown and searched by.
type projectNames struct {
	title, account, contact, email, owner, status string
}

// searchText is what the text search matches: title, customer, contact
// name and e-mail, lower-case.
func (n projectNames) searchText() string {
	parts := make([]string, 0, 4)
	for _, s := range []string{n.title, n.account, n.contact, n.email} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// derivedSource is a project as its derived data is computed from it.
type derivedSource struct {
	project crm.Project // the fields and items the engine reads
	p       pipeline.Project
	names   projectNames
	old     summary
	// stored is the project's share of the totals as its row says now.
	stored contribution
}

// contributionOf is a project's share of the totals with summary s.
func contributionOf(state string, owner, value int64, s summary) contribution {
	return contribution{state: state, owner: owner, pending: s.pending, last: s.last, activeFrom: s.activeFrom, value: value, weighted: s.weighted}
}

// engine returns the tenant's engine for derived data (its definitions,
// zone and probabilities), built once per transaction; definitions changed
// in the transaction call forgetEngine.
func (tx *Tx) engine(ctx context.Context) (*pipeline.Engine, error) {
	if tx.eng != nil {
		return tx.eng, nil
	}
	t, err := tx.TenantRow(ctx)
	if err != nil {
		return nil, err
	}
	defs, err := tx.MilestoneDefs(ctx)
	if err != nil {
		return nil, err
	}
	loc := t.Location()
	e, err := pipeline.TenantEngine(t, loc, defs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("tenant engine: %w", err)
	}
	tx.eng, tx.loc = e, loc
	return e, nil
}

// forgetEngine drops the transaction's engine after a change of the
// definitions, the time zone or the probabilities it was built from.
func (tx *Tx) forgetEngine() { tx.eng = nil }

// before is a project's share of the totals before a change wrote its row:
// what derive subtracts. A project that did not exist has none (new).
type before struct {
	c   contribution
	new bool
}

// derive recomputes the derived data of the given projects from their rows
// and writes what changed: summary columns, search rows and words, and the
// totals' deltas. prior holds the totals share of projects whose state,
// owner or value this transaction changed, as read before the change (new
// projects marked New); for the others the row's own columns say it.
func (tx *Tx) derive(ctx context.Context, ids []crm.ProjectID, prior map[crm.ProjectID]before) error {
	if len(ids) == 0 {
		return nil
	}
	e, err := tx.engine(ctx)
	if err != nil {
		return err
	}
	srcs, err := tx.derivedSources(ctx, ids, tx.loc)
	if err != nil {
		return err
	}
	var w derivedWrite
	for i := range srcs {
		s := &srcs[i]
		d := e.Derive(&s.p)
		sum := summaryOf(d, &s.p, string(s.project.State), s.names)
		old := s.stored
		b, ok := prior[s.project.ID]
		switch {
		case ok && b.new:
			w.add(s, sum, nil, true)
			continue
		case ok:
			old = b.c
		}
		w.add(s, sum, &old, false)
	}
	return w.send(ctx, tx)
}

// derivedWrite collects the writes of one derive.
type derivedWrite struct {
	changed []derivedRow
	search  []derivedRow // search row to write
	words   []derivedRow // words to rewrite
	days    []derivedRow // the report builder's columns to write (derived_builder.go)
	deltas  map[totalsKey]totalsDelta
}

type derivedRow struct {
	id      int64
	created time.Time
	s       summary
}

type totalsKey struct {
	state   string
	owner   int64
	pending int64
	last    int64
	active  int64 // active_from as Unix microseconds, or the infinities' sentinels
}

type totalsDelta struct {
	activeFrom         pgtype.Timestamptz
	n, value, weighted int64
}

func keyOf(c contribution) totalsKey {
	k := totalsKey{state: c.state, owner: c.owner, pending: c.pending, last: c.last}
	switch c.activeFrom.InfinityModifier {
	case pgtype.Infinity:
		k.active = 1<<63 - 1
	case pgtype.NegativeInfinity:
		k.active = -1 << 63
	default:
		k.active = c.activeFrom.Time.UnixMicro()
	}
	return k
}

func (w *derivedWrite) total(c contribution, sign int64) {
	if w.deltas == nil {
		w.deltas = map[totalsKey]totalsDelta{}
	}
	k := keyOf(c)
	d := w.deltas[k]
	d.activeFrom = c.activeFrom
	d.n += sign
	d.value += sign * c.value
	d.weighted += sign * c.weighted
	w.deltas[k] = d
}

// add records a project's new summary: its row when it changed, its search
// row and words when what they hold changed, and its totals delta (old nil:
// the project is new).
func (w *derivedWrite) add(s *derivedSource, sum summary, old *contribution, isNew bool) {
	row := derivedRow{id: int64(s.project.ID), created: s.project.CreatedAt, s: sum}
	if isNew || !sum.equal(s.old) {
		w.changed = append(w.changed, row)
	}
	if isNew || !sum.days.equal(s.old.days) {
		w.days = append(w.days, row)
	}
	if isNew || sum.phase != s.old.phase || !sameInstant(sum.activeFrom, s.old.activeFrom) || sum.search != s.old.search {
		w.search = append(w.search, row)
	}
	if isNew || sum.phase != s.old.phase || sum.search != s.old.search {
		w.words = append(w.words, row)
	}
	now := contributionOf(string(s.project.State), int64(s.project.OwnerID), s.project.Value, sum)
	if old != nil {
		if keyOf(*old) == keyOf(now) && old.value == now.value && old.weighted == now.weighted {
			return
		}
		w.total(*old, -1)
	}
	w.total(now, 1)
}

// send writes the collected changes in one round trip: the summary columns
// by one UPDATE, the search rows and words, and the totals' deltas in key
// order (so concurrent changes lock the totals' rows in the same order).
func (w *derivedWrite) send(ctx context.Context, tx *Tx) error {
	b := &pgx.Batch{}
	for chunk := range slices.Chunk(w.changed, 1000) {
		queueSummaryUpdate(b, tx.Tenant, chunk)
	}
	for chunk := range slices.Chunk(w.days, 1000) {
		queueBuilderDays(b, tx.Tenant, chunk)
	}
	for chunk := range slices.Chunk(w.search, 1000) {
		queueSearchRows(b, tx.Tenant, chunk)
	}
	if len(w.words) > 0 {
		ids := make([]int64, len(w.words))
		for i, r := range w.words {
			ids[i] = r.id
		}
		b.Queue(`DELETE FROM project_search_words WHERE tenant_id = $1 AND project_id = ANY($2)`, tx.Tenant, ids)
		queueSearchWords(b, tx.Tenant, w.words)
	}
	queueTotals(b, tx.Tenant, w.deltas)
	if b.Len() == 0 {
		return nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write derived data: %w", err)
	}
	return nil
}

func queueSummaryUpdate(b *pgx.Batch, tenant crm.TenantID, rows []derivedRow) {
	n := len(rows)
	ids, pending, last := make([]int64, n), make([]int64, n), make([]int64, n)
	phase, customer, owner, status, search := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	lastAt, due, deferredDue, mlate, late, active := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n),
		make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	itemLate, itemDue, itemKind := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]string, n)
	weighted := make([]int64, n)
	history := make([][]byte, n)
	for i, r := range rows {
		s := r.s
		ids[i], pending[i], last[i], phase[i] = r.id, s.pending, s.last, s.phase
		lastAt[i], due[i], deferredDue[i], mlate[i], late[i], active[i] = s.lastAt, s.due, s.deferredDue, s.milestoneLateFrom, s.lateFrom, s.activeFrom
		weighted[i], customer[i], owner[i], status[i], search[i] = s.weighted, s.customer, s.owner, s.status, s.search
		itemLate[i], itemDue[i], itemKind[i] = s.itemLateFrom, s.itemDue, s.itemKind
		history[i] = s.history
	}
	b.Queue(`
		UPDATE projects p
		   SET phase = v.phase, pending_milestone_id = NULLIF(v.pending, 0), last_milestone_id = NULLIF(v.last, 0),
		       last_completed_at = v.last_at, pending_due_at = v.due, deferred_due_at = v.deferred_due,
		       milestone_late_from = v.mlate, late_from = v.late, active_from = v.active, weighted_cents = v.weighted,
		       customer_name = v.customer, owner_name = v.owner, status_name = v.status, search_text = v.search,
		       item_late_from = v.item_late, item_due_at = v.item_due, item_kind = v.item_kind, history = v.history
		  FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[], $7::timestamptz[],
		              $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::bigint[],
		              $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::timestamptz[], $19::text[],
		              $20::bytea[])
		       AS v(id, phase, pending, last, last_at, due, deferred_due, mlate, late, active, weighted, customer, owner, status, search,
		            item_late, item_due, item_kind, history)
		 WHERE p.tenant_id = $1 AND p.id = v.id`,
		tenant, ids, phase, pending, last, lastAt, due, deferredDue, mlate, late, active, weighted, customer, owner, status, search,
		itemLate, itemDue, itemKind, history)
}

func queueSearchRows(b *pgx.Batch, tenant crm.TenantID, rows []derivedRow) {
	var v values
	for _, r := range rows {
		v.row(tenant, r.id, r.s.phase, r.s.activeFrom, r.created, r.s.search)
	}
	b.Queue(`INSERT INTO project_search AS s (tenant_id, project_id, phase, active_from, created_at, text) VALUES `+v.sql(
		"bigint", "bigint", "text", "timestamptz", "timestamptz", "text")+`
		ON CONFLICT (tenant_id, project_id) DO UPDATE
		   SET phase = EXCLUDED.phase, active_from = EXCLUDED.active_from, created_at = EXCLUDED.created_at, text = EXCLUDED.text`,
		v.args...)
}

func queueSearchWords(b *pgx.Batch, tenant crm.TenantID, rows []derivedRow) {
	var v values
	flush := func() {
		if len(v.args) > 0 {
			b.Queue(`INSERT INTO project_search_words (tenant_id, phase, word, project_id) VALUES `+v.sql("bigint", "text", "text", "bigint"), v.args...)
			v = values{}
		}
	}
	for _, r := range rows {
		for _, word := range searchWords(r.s.search) {
			v.row(tenant, r.s.phase, word, r.id)
			if v.rows >= 8000 {
				flush()
			}
		}
	}
	flush()
}

// queueTotals adds the deltas to the running totals in key order and drops
// the groups left empty.
func queueTotals(b *pgx.Batch, tenant crm.TenantID, deltas map[totalsKey]totalsDelta) {
	keys := make([]totalsKey, 0, len(deltas))
	for k, d := range deltas {
		if d.n != 0 || d.value != 0 || d.weighted != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	slices.SortFunc(keys, func(a, b totalsKey) int {
		switch {
		case a.state != b.state:
			return strings.Compare(a.state, b.state)
		case a.owner != b.owner:
			return cmpInt(a.owner, b.owner)
		case a.pending != b.pending:
			return cmpInt(a.pending, b.pending)
		case a.last != b.last:
			return cmpInt(a.last, b.last)
		}
		return cmpInt(a.active, b.active)
	})
	for chunk := range slices.Chunk(keys, 2000) {
		var v, k values
		for _, key := range chunk {
			d := deltas[key]
			v.row(tenant, key.state, key.owner, key.pending, key.last, d.activeFrom, d.n, d.value, d.weighted)
			k.row(key.state, key.owner, key.pending, key.last, d.activeFrom)
		}
		b.Queue(`INSERT INTO project_totals AS x (tenant_id, state, owner_id, pending_milestone_id, last_milestone_id, active_from,
			                                  projects, value_cents, weighted_cents)
			VALUES `+v.sql("bigint", "text", "bigint", "bigint", "bigint", "timestamptz", "bigint", "numeric", "numeric")+`
			ON CONFLICT (tenant_id, state, owner_id, pending_milestone_id, last_milestone_id, active_from) DO UPDATE
			   SET projects = x.projects + EXCLUDED.projects, value_cents = x.value_cents + EXCLUDED.value_cents,
			       weighted_cents = x.weighted_cents + EXCLUDED.weighted_cents`, v.args...)
		// The groups left empty go (a deferred owner's day, a pending milestone no project waits on).
		b.Queue(`DELETE FROM project_totals t USING (VALUES `+k.sqlFrom(2, "text", "bigint", "bigint", "bigint", "timestamptz")+`)
			       AS k(state, owner_id, pending_milestone_id, last_milestone_id, active_from)
			WHERE t.tenant_id = $1 AND t.state = k.state AND t.owner_id = k.owner_id AND t.pending_milestone_id = k.pending_milestone_id
			  AND t.last_milestone_id = k.last_milestone_id AND t.active_from = k.active_from AND t.projects = 0`,
			append([]any{tenant}, k.args...)...)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// values builds a multi-row VALUES list with numbered, typed placeholders:
// the way rows are inserted in bulk (one statement, routed to one node on a
// distributed database, and allowed under row-level security).
type values struct {
	args []any
	rows int
	cols int
}

func (v *values) row(vals ...any) {
	v.cols = len(vals)
	v.args = append(v.args, vals...)
	v.rows++
}

// sql is the VALUES list, the first row's placeholders cast to types.
func (v *values) sql(types ...string) string { return v.sqlFrom(1, types...) }

// sqlFrom is sql with placeholders numbered from first.
func (v *values) sqlFrom(first int, types ...string) string {
	b := make([]byte, 0, v.rows*v.cols*8)
	n := first - 1
	for r := range v.rows {
		if r > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		for c := range v.cols {
			if c > 0 {
				b = append(b, ", "...)
			}
			n++
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(n), 10)
			if r == 0 && c < len(types) {
				b = append(b, "::"...)
				b = append(b, types[c]...)
			}
		}
		b = append(b, ')')
	}
	return string(b)
}

// derivedSources reads what the given projects' derived data is computed
// from: their rows, completions, open subtasks and events, the names they
// are shown by, and their stored summary, in one round trip.
func (tx *Tx) derivedSources(ctx context.Context, ids []crm.ProjectID, loc *time.Location) ([]derivedSource, error) {
	b := &pgx.Batch{}
	b.Queue(`
		SELECT p.id, p.owner_id, p.state, p.created_at, p.defer_until, p.resumed_at, p.value_cents, p.probability_override,
		       p.title, COALESCE(a.name, ''), COALESCE(c.name, ''), COALESCE(c.email, ''), COALESCE(u.name, ''), COALESCE(ms.name, ''),
		       p.phase, COALESCE(p.pending_milestone_id, 0), COALESCE(p.last_milestone_id, 0), p.last_completed_at, p.pending_due_at,
		       p.deferred_due_at, p.milestone_late_from, p.late_from, p.active_from, p.weighted_cents,
		       p.customer_name, p.owner_name, p.status_name, p.search_text, p.item_late_from, p.item_due_at, p.item_kind,
		       p.stage_day, p.cycle_seconds, p.sold_at, p.history
		  FROM projects p
		  LEFT JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id
		  LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id
		  LEFT JOIN users u ON u.tenant_id = $1 AND u.id = p.owner_id
		  LEFT JOIN milestone_statuses ms ON ms.tenant_id = $1 AND ms.id = p.status_id
		 WHERE p.tenant_id = $1 AND p.id = ANY($2)
		 ORDER BY p.id`, tx.Tenant, ids)
	b.Queue(`SELECT project_id, milestone_id, completed_at FROM milestone_completions
		WHERE tenant_id = $1 AND project_id = ANY($2)`, tx.Tenant, ids)
	b.Queue(`SELECT project_id, id, due_date FROM subtasks
		WHERE tenant_id = $1 AND project_id = ANY($2) AND NOT done AND due_date IS NOT NULL`, tx.Tenant, ids)
	b.Queue(`SELECT project_id, id, starts_at FROM scheduled_events
		WHERE tenant_id = $1 AND project_id = ANY($2) AND NOT done`, tx.Tenant, ids)
	b.Queue(`SELECT project_id, milestone_id FROM milestone_skips
		WHERE tenant_id = $1 AND project_id = ANY($2)`, tx.Tenant, ids)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("derived sources: %w", err)
	}
	var out []derivedSource
	byID := map[crm.ProjectID]int{}
	for rows.Next() {
		var s derivedSource
		var deferUntil, resumed *time.Time
		var override *int
		p, o := &s.project, &s.old
		err := rows.Scan(&p.ID, &p.OwnerID, &p.State, &p.CreatedAt, &deferUntil, &resumed, &p.Value, &override,
			&s.names.title, &s.names.account, &s.names.contact, &s.names.email, &s.names.owner, &s.names.status,
			&o.phase, &o.pending, &o.last, &o.lastAt, &o.due, &o.deferredDue, &o.milestoneLateFrom, &o.lateFrom, &o.activeFrom, &o.weighted,
			&o.customer, &o.owner, &o.status, &o.search, &o.itemLateFrom, &o.itemDue, &o.itemKind,
			&o.days.stageDay, &o.days.cycle, &o.days.soldAt, &o.history)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("derived sources: %w", err)
		}
		p.DeferUntil, p.ResumedAt = dateOf(deferUntil), timeOf(resumed)
		if override != nil {
			p.HasProbability, p.Probability = true, *override
		}
		s.stored = contributionOf(string(p.State), int64(p.OwnerID), p.Value, s.old)
		byID[p.ID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("derived sources: %w", err)
	}
	// Completions, open subtasks and open events.
	var pid crm.ProjectID
	var id int64
	var at time.Time
	read := func(add func(p *crm.Project)) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&pid, &id, &at}, func() error {
			add(&out[byID[pid]].project)
			return nil
		})
		return err
	}
	err = read(func(p *crm.Project) {
		p.Completions = append(p.Completions, crm.Completion{MilestoneID: crm.MilestoneID(id), At: at})
	})
	if err == nil {
		err = read(func(p *crm.Project) { p.Subtasks = append(p.Subtasks, crm.Subtask{ID: id, Due: crm.DateOf(at.UTC())}) })
	}
	if err == nil {
		err = read(func(p *crm.Project) { p.Events = append(p.Events, crm.Event{ID: id, StartsAt: at}) })
	}
	if err == nil {
		rows, err = br.Query()
		if err == nil {
			_, err = pgx.ForEachRow(rows, []any{&pid, &id}, func() error {
				p := &out[byID[pid]].project
				p.Skipped = append(p.Skipped, crm.MilestoneID(id))
				return nil
			})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("derived sources: %w", err)
	}
	for i := range out {
		pipeline.ProjectOf(&out[i].p, &out[i].project, loc)
	}
	return out, nil
}
