package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
)

// SalesFilter is what the Sales screen and the board filter on. Zero values
// mean "no filter"; the server has validated every field.
type SalesFilter struct {
	View        crm.State // active, deferred, archived or sold
	Owner       crm.UserID
	Workgroup   int64 // projects whose owner is a member of this workgroup
	Pending     int64 // pending milestone ID
	Last        int64 // last completed milestone ID
	Status      int64
	Source      int64
	Reason      int64 // archive reason (the archived view)
	LateOnly    bool
	CreatedFrom time.Time // inclusive instant
	CreatedTo   time.Time // exclusive instant
	ValueMin    *int64    // cents
	ValueMax    *int64
	Text        string // lower-case, at least three characters
	// DenseCap, when set, is how many matches a search for words that
	// many projects share collects instead of SearchDenseCap (the header's
	// search, which shows five per view, counts fewer).
	DenseCap int
	// Now is the moment the lists are judged at (whole microseconds): which
	// deferred projects are back, which are late.
	Now time.Time

	// matches are the text search's project IDs once resolveText has run
	// them, so that every statement of a page (list, count, board columns)
	// shares one search instead of each running it.
	matches []int64
	// capped: the search stopped at its cap, so more may match.
	capped   bool
	resolved bool
}

// view is the filter's view, active by default.
func (f SalesFilter) view() crm.State {
	if f.View == "" {
		return crm.StateActive
	}
	return f.View
}

// phase is the stored phase of the filter's view.
func (f SalesFilter) phase() string { return phaseOf(string(f.view())) }

// sortExpr is the expression a view orders by for sort: for "pending" the
// due date the view shows (a deferred project's while it is deferred).
func (f SalesFilter) sortExpr(sort SalesSort) string {
	if sort == "pending" && f.view() == crm.StateDeferred {
		return "p.deferred_due_at"
	}
	return SalesSorts[sort].expr
}

// where builds the filter predicate on alias p (without visibility) and
// appends its arguments; the tenant is the first of them ($1).
//
// The views compare the stored instants with the moment: the active view
// holds the open projects active from before now (active ones, and deferred
// ones whose defer-until day has come), the deferred view the others.
func (f SalesFilter) where(tenant crm.TenantID, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	w := []string{"p.tenant_id = " + arg(tenant), "p.phase = " + arg(f.phase())}
	switch f.view() {
	case crm.StateActive:
		w = append(w, "p.active_from <= "+arg(f.Now))
	case crm.StateDeferred:
		w = append(w, "p.state = 'deferred' AND p.active_from > "+arg(f.Now))
	}
	if f.Owner != 0 {
		w = append(w, "p.owner_id = "+arg(f.Owner))
	}
	if f.Reason != 0 {
		w = append(w, "p.archive_reason_id = "+arg(f.Reason))
	}
	if f.Workgroup != 0 {
		w = append(w, "p.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = $1 AND wm.workgroup_id = "+arg(f.Workgroup)+")")
	}
	if f.Pending != 0 {
		w = append(w, "p.pending_milestone_id = "+arg(f.Pending))
	}
	if f.Last != 0 {
		w = append(w, "p.last_milestone_id = "+arg(f.Last))
	}
	if f.Status != 0 {
		w = append(w, "p.status_id = "+arg(f.Status))
	}
	if f.Source != 0 {
		w = append(w, "p.source_id = "+arg(f.Source))
	}
	if f.LateOnly {
		// Only effectively active projects are late: none of the other views.
		if f.view() == crm.StateActive {
			w = append(w, "p.late_from <= "+arg(f.Now))
		} else {
			w = append(w, "false")
		}
	}
	if !f.CreatedFrom.IsZero() {
		w = append(w, "p.created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		w = append(w, "p.created_at < "+arg(f.CreatedTo))
	}
	if f.ValueMin != nil {
		w = append(w, "p.value_cents >= "+arg(*f.ValueMin))
	}
	if f.ValueMax != nil {
		w = append(w, "p.value_cents <= "+arg(*f.ValueMax))
	}
	if f.Text != "" {
		// The matching IDs come from the search tables (resolveText), at
		// most SalesSearchCap of them; the page, the other filters and
		// visibility then read projects by key.
		w = append(w, "p.id = ANY ("+arg(f.matches)+"::bigint[])")
	}
	return strings.Join(w, " AND ")
}

// SalesSearchCap is how many projects a text search considers: the newest
// that match in the view. A search that matches more is too broad to page
// through; its count says "at least" what it found.
const SalesSearchCap = 5000

// filtered reports whether f narrows the view beyond its state.
func (f SalesFilter) filtered() bool {
	return f.Owner != 0 || f.Workgroup != 0 || f.Pending != 0 || f.Last != 0 || f.Status != 0 || f.Source != 0 || f.Reason != 0 ||
		f.LateOnly || !f.CreatedFrom.IsZero() || !f.CreatedTo.IsZero() || f.ValueMin != nil || f.ValueMax != nil || f.Text != ""
}

// customPlans makes the rest of the transaction plan each statement for its
// own arguments. A prepared statement otherwise moves to a generic plan after
// five runs, planned for an average tenant and an average value: tenants
// range from a few projects to a million, and "late" or a date range may
// match most of them or none, so a generic plan for a filtered page may read
// a whole tenant (late only: 230 ms instead of 4). The unfiltered views keep
// the cached plan, which is the right one for every tenant.
const customPlans = "SET LOCAL plan_cache_mode = force_custom_plan"

// SalesRow is one project as the Sales screen and the board show it: its
// row and its derived facts at the filter's moment.
type SalesRow struct {
	ID        crm.ProjectID
	Title     string
	Customer  string
	OwnerID   crm.UserID
	OwnerName string
	LastID    int64     // 0: none completed
	LastAt    time.Time // zero when none
	PendingID int64     // 0: none pending
	// PendingDue is the due date shown at the moment (zero: none); Late and
	// MilestoneLate are the late flags then (pipeline.Derived.At).
	PendingDue    time.Time
	Late          bool
	MilestoneLate bool
	// ItemLate: an open subtask or event is late; ItemKind ("subtask",
	// "event") and ItemDue are the most overdue one's.
	ItemLate   bool
	ItemKind   string
	ItemDue    time.Time
	Status     string
	Value      int64
	Weighted   int64
	CreatedAt  time.Time
	State      crm.State // the stored state
	DeferUntil crm.Date
	Version    int
	// ReasonID is an archived project's archive reason; ClosedAt when it
	// was archived or sold (zero for open projects).
	ReasonID int64
	ClosedAt time.Time
	// sort is the row's value of the column the list is sorted by, as
	// stored (infinities included), for the next page's cursor.
	sort any
}

// StageSince is when the project entered its stage: its last completion,
// else its creation.
func (r SalesRow) StageSince() time.Time {
	if r.LastAt.After(r.CreatedAt) {
		return r.LastAt
	}
	return r.CreatedAt
}

const salesColumns = `p.id, p.title, p.customer_name, p.owner_id, p.owner_name,
	COALESCE(p.last_milestone_id, 0), p.last_completed_at, COALESCE(p.pending_milestone_id, 0), p.pending_due_at,
	p.deferred_due_at, p.milestone_late_from, p.late_from, p.active_from, p.status_name, p.value_cents, p.weighted_cents,
	p.created_at, p.state, p.defer_until, p.version, p.item_late_from, p.item_due_at, p.item_kind,
	COALESCE(p.archive_reason_id, 0), COALESCE(p.archived_at, p.sold_at)`

// salesScan reads salesColumns into a row.
type salesScan struct {
	r          SalesRow
	s          summary
	deferUntil *time.Time
	closedAt   *time.Time
}

func (x *salesScan) dest() []any {
	r, s := &x.r, &x.s
	return []any{&r.ID, &r.Title, &r.Customer, &r.OwnerID, &r.OwnerName, &s.last, &s.lastAt, &s.pending, &s.due,
		&s.deferredDue, &s.milestoneLateFrom, &s.lateFrom, &s.activeFrom, &r.Status, &r.Value, &s.weighted,
		&r.CreatedAt, &r.State, &x.deferUntil, &r.Version, &s.itemLateFrom, &s.itemDue, &s.itemKind,
		&r.ReasonID, &x.closedAt}
}

// row is the scanned row with its facts at f's moment.
func (x *salesScan) row(f SalesFilter, sort SalesSort) SalesRow {
	r, s := x.r, &x.s
	r.LastID, r.LastAt, r.PendingID, r.Weighted = s.last, instantOf(s.lastAt), s.pending, s.weighted
	if x.deferUntil != nil {
		r.DeferUntil = crm.DateOf(x.deferUntil.UTC())
	}
	if x.closedAt != nil {
		r.ClosedAt = *x.closedAt
	}
	d := derivedOf(r.State, *s)
	m := d.At(f.Now)
	r.PendingDue, r.Late, r.MilestoneLate = m.Due, m.Late, m.LateMilestone
	if m.LateItem {
		r.ItemLate, r.ItemKind, r.ItemDue = true, s.itemKind, m.ItemDue
	}
	switch sort {
	case "title":
		r.sort = r.Title
	case "customer":
		r.sort = r.Customer
	case "owner":
		r.sort = r.OwnerName
	case "status":
		r.sort = r.Status
	case "value":
		r.sort = r.Value
	case "last":
		r.sort = cursorTime(s.lastAt)
	case "pending":
		if f.view() == crm.StateDeferred {
			r.sort = cursorTime(s.deferredDue)
		} else {
			r.sort = cursorTime(s.due)
		}
	default:
		r.sort = r.CreatedAt
	}
	return r
}

// cursorTime is a stored instant as a cursor key: a time, or the infinity.
func cursorTime(ts pgtype.Timestamptz) any {
	if ts.InfinityModifier != pgtype.Finite {
		return ts
	}
	return ts.Time
}

// SalesCountCap is how far the Sales screen counts the filters that neither
// the running totals nor an index count cheaply; above it the page says
// "more than" the cap. Never a planner's estimate shown as a number.
const SalesCountCap = 1000

// SalesPage is one page of the Sales screen.
type SalesPage struct {
	Rows []SalesRow
	// Next is the cursor of the following page, "" on the last page.
	Next string
	// Total is the number of matching projects, exact unless MoreThan
	// (more than Total match: a count stopped at SalesCountCap) or AtLeast
	// (at least Total: a text search that matched more projects than it
	// reads, SalesSearchCap, may find more among the others).
	Total             int64
	MoreThan, AtLeast bool
}

// ListSales returns one page of the projects v may see that match f, sorted by
// sort (descending when desc), after cursor (nil: the first page). Visibility
// applies to the rows and the count alike.
func (tx *Tx) ListSales(ctx context.Context, v crm.Viewer, f SalesFilter, sort SalesSort, desc bool, after *Cursor, limit int) (SalesPage, error) {
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return SalesPage{}, err
	}
	if err := tx.resolveText(ctx, &f); err != nil {
		return SalesPage{}, err
	}
	var out SalesPage
	b := &pgx.Batch{}
	read, err := queueListSales(b, tx.Tenant, scope, f, sort, desc, after, limit, &out)
	if err != nil {
		return SalesPage{}, err
	}
	br := tx.SendBatch(ctx, b)
	err = read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return SalesPage{}, err
	}
	return out, nil
}

// SalesQuery is what one page of the Sales screen asks for.
type SalesQuery struct {
	Filter SalesFilter
	Sort   SalesSort
	Desc   bool
	After  *Cursor // nil: the first page
	Limit  int
	// SaveView, when not nil, is remembered as the viewer's last used view.
	SaveView *string
}

// SalesScreen loads what the Sales screen shows, the filter choices and one
// page (as ListSales), in its own tenant transaction, remembering the view
// when asked: the page is the home page of every salesperson, so its
// statements and the commit travel together.
func (db *DB) SalesScreen(ctx context.Context, v crm.Viewer, q SalesQuery) (SalesOptions, SalesPage, error) {
	var opts SalesOptions
	var page SalesPage
	err := db.InTenant(ctx, v.TenantID, func(tx *Tx) error {
		if q.SaveView != nil {
			if err := tx.SaveSalesView(ctx, v.UserID, *q.SaveView); err != nil {
				return err
			}
		}
		scope, err := tx.Scope(ctx, v)
		if err != nil {
			return err
		}
		if err := tx.resolveText(ctx, &q.Filter); err != nil {
			return err
		}
		opts.ManagesNone = scope.ManagesNone
		b := &pgx.Batch{}
		readOpts := queueSalesOptions(b, tx.Tenant, &opts)
		readPage, err := queueListSales(b, tx.Tenant, scope, q.Filter, q.Sort, q.Desc, q.After, q.Limit, &page)
		if err != nil {
			return err
		}
		// The page's reads are its last statements: the commit goes with
		// them. (Should reading them fail after the commit, a saved view
		// stays saved, which is harmless.)
		tx.commitWithNextBatch()
		br := tx.SendBatch(ctx, b)
		err = readOpts(br)
		if err == nil {
			err = readPage(br)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return opts, page, err
}

// queueListSales queues the page and its count on b; the returned function
// reads them into out. The views the running totals answer are counted from
// them, exactly; the other filters (late only among them: an exact count
// reads every late project, about 14 ms at a million projects) count up to
// SalesCountCap.
func queueListSales(b *pgx.Batch, tenant crm.TenantID, scope Scope, f SalesFilter, sort SalesSort, desc bool, after *Cursor, limit int, out *SalesPage) (func(pgx.BatchResults) error, error) {
	if _, ok := SalesSorts[sort]; !ok {
		return nil, fmt.Errorf("sort %q: %w", sort, ErrBadCursor)
	}
	expr := f.sortExpr(sort)
	var args, countArgs []any
	where := f.where(tenant, &args) + " AND " + scope.Where("p", &args)
	countWhere := f.where(tenant, &countArgs) + " AND " + scope.Where("p", &countArgs)
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if f.Text != "" && f.resolved {
		return queueMatchedSales(b, tenant, f, sort, desc, dir, cmp, after, limit, where, args, out), nil
	}
	var list string
	if scope.All || len(scope.Owners) != 1 {
		page := where
		if after != nil {
			args = append(args, after.Key, after.ID)
			page += fmt.Sprintf(" AND (%s, p.id) %s ($%d, $%d)", expr, cmp, len(args)-1, len(args))
		}
		// The limit is a literal: with a parameter the planner's generic
		// plan assumes a tenth of the rows, costs more than a custom one
		// and is never chosen, so the page would be planned on every view.
		list = fmt.Sprintf("SELECT %s FROM projects p WHERE %s ORDER BY %s %s, p.id %s LIMIT %d",
			salesColumns, page, expr, dir, dir, limit+1)
	} else {
		args = nil
		list = scopedList(tenant, scope, f, expr, dir, cmp, after, limit, &args)
	}
	count := "SELECT count(*) FROM (SELECT 1 FROM projects p WHERE " + countWhere + " LIMIT " + strconv.Itoa(SalesCountCap+1) + ") x"
	if !scope.All && len(scope.Owners) == 1 {
		count, countArgs = scopedCountSQL(tenant, scope, f)
	}
	custom := f.filtered()
	if custom {
		b.Queue(customPlans)
	}
	b.Queue(list, args...)
	exact := f.fromTotals()
	if f.fromTotals() {
		q, qargs := f.totalsCountSQL(tenant, scope)
		b.Queue(q, qargs...)
	} else {
		b.Queue(count, countArgs...)
	}
	return func(br pgx.BatchResults) error {
		if custom {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("list sales: %w", err)
			}
		}
		rows, err := br.Query()
		if err == nil {
			var x salesScan
			dest := x.dest()
			if !scope.All && len(scope.Owners) == 1 {
				dest = append(dest, nil) // sort_k of scopedList
			}
			_, err = pgx.ForEachRow(rows, dest, func() error {
				out.Rows = append(out.Rows, x.row(f, sort))
				return nil
			})
		}
		if err == nil {
			err = br.QueryRow().Scan(&out.Total)
		}
		if err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		out.cutPage(limit, sort, desc)
		if !exact && out.Total > SalesCountCap {
			out.Total, out.MoreThan = SalesCountCap, true
		}
		return nil
	}, nil
}

// scopedList is the page for a viewer who sees one owner's projects (a
// salesperson: their own) and those whose team they are on: each half in its own order (the owners'
// projects from the owner indexes, the team memberships from the viewer's
// membership rows), merged, where one OR of both halves would walk the
// tenant's whole list to find the viewer's rows.
func scopedList(tenant crm.TenantID, scope Scope, f SalesFilter, expr, dir, cmp string, after *Cursor, limit int, args *[]any) string {
	half := func(from string, visible func() string) string {
		page := f.where(tenant, args) // first: the tenant is $1
		page += " AND " + visible()
		if after != nil {
			*args = append(*args, after.Key, after.ID)
			page += fmt.Sprintf(" AND (%s, p.id) %s ($%d, $%d)", expr, cmp, len(*args)-1, len(*args))
		}
		return fmt.Sprintf("(SELECT %s, %s AS sort_k FROM %s WHERE %s ORDER BY %s %s, p.id %s LIMIT %d)",
			salesColumns, expr, from, page, expr, dir, dir, limit+1)
	}
	owned := half("projects p", func() string { return scope.owned("p", args) })
	member := half("project_members pm JOIN projects p ON p.tenant_id = $1 AND p.id = pm.project_id", func() string {
		*args = append(*args, int64(scope.Viewer.UserID))
		return "pm.tenant_id = $1 AND pm.user_id = $" + strconv.Itoa(len(*args)) + " AND NOT " + scope.owned("p", args)
	})
	return fmt.Sprintf("SELECT * FROM (%s UNION ALL %s) u ORDER BY u.sort_k %s, u.id %s LIMIT %d", owned, member, dir, dir, limit+1)
}

// scopedCountSQL counts, up to the cap, the matches of a viewer who sees
// one owner's projects and those whose team they are on, as two halves like
// scopedList: the owner's from the owner indexes, the others from the
// viewer's memberships (each half at most the cap plus one; they do not
// overlap).
func scopedCountSQL(tenant crm.TenantID, scope Scope, f SalesFilter) (string, []any) {
	var args []any
	limit := strconv.Itoa(SalesCountCap + 1)
	owned := f.where(tenant, &args) // first: the tenant is $1
	owned += " AND " + scope.owned("p", &args)
	member := f.where(tenant, &args)
	args = append(args, int64(scope.Viewer.UserID))
	member = "pm.tenant_id = $1 AND pm.user_id = $" + strconv.Itoa(len(args)) + " AND NOT " + scope.owned("p", &args) + " AND " + member
	return `SELECT count(*) FROM ((SELECT 1 FROM projects p WHERE ` + owned + ` LIMIT ` + limit + `)
		UNION ALL (SELECT 1 FROM project_members pm JOIN projects p ON p.tenant_id = $1 AND p.id = pm.project_id
		 WHERE ` + member + ` LIMIT ` + limit + `)) x`, args
}

// cutPage keeps the first limit rows of a page read with one more, and
// makes the cursor of the next page when there was one more.
func (out *SalesPage) cutPage(limit int, sort SalesSort, desc bool) {
	if len(out.Rows) > limit {
		out.Rows = out.Rows[:limit]
		last := out.Rows[limit-1]
		out.Next = Cursor{Sort: sort, Desc: desc, Key: last.sort, ID: int64(last.ID)}.Encode()
	}
}

// queueMatchedSales queues the page of a text search whose matches are known
// (at most SalesSearchCap): one statement reads the matching projects the
// viewer may see once, for both the exact count and the page, where a count
// and a list would each look up every match. The page's rows are read again
// by key. It answers one row even when the page is empty: the count with
// NULL for the project.
func queueMatchedSales(b *pgx.Batch, tenant crm.TenantID, f SalesFilter, sort SalesSort, desc bool, dir, cmp string, after *Cursor, limit int,
	where string, args []any, out *SalesPage) func(pgx.BatchResults) error {
	expr := f.sortExpr(sort)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	cursor := "true"
	if after != nil {
		cursor = fmt.Sprintf("(m.k, m.id) %s (%s, %s)", cmp, arg(after.Key), arg(after.ID))
	}
	q := fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT p.id, %[1]s AS k FROM projects p WHERE %[2]s)
SELECT c.total, r.* FROM (SELECT count(*) AS total FROM m) c
LEFT JOIN LATERAL (
  SELECT %[3]s, %[1]s AS sort_k FROM projects p
   WHERE p.tenant_id = $1 AND p.id IN (SELECT m.id FROM m WHERE %[4]s ORDER BY m.k %[5]s, m.id %[5]s LIMIT %[6]s)
) r ON true
ORDER BY r.sort_k %[5]s, r.id %[5]s`, expr, where, salesColumns, cursor, dir, arg(limit+1))
	b.Queue(customPlans)
	b.Queue(q, args...)
	return func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		defer rows.Close()
		var total int64
		for rows.Next() {
			var x salesScan
			dest := append(append([]any{&total}, x.dest()...), nil)
			empty := rows.RawValues()[1] == nil // no project on this page: the count alone
			if empty {
				clear(dest[1:]) // nil skips a column
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("list sales: %w", err)
			}
			if !empty {
				out.Rows = append(out.Rows, x.row(f, sort))
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		out.Total = total
		// At the cap there may be more matches than the search considered.
		out.AtLeast = f.capped
		out.cutPage(limit, sort, desc)
		return nil
	}
}
