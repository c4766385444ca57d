package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
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
	View        crm.State // active, deferred or archived
	Owner       crm.UserID
	Workgroup   int64 // projects whose owner is a member of this workgroup
	Pending     int64 // pending milestone ID
	Last        int64 // last completed milestone ID
	Status      int64
	Source      int64
	LateOnly    bool
	CreatedFrom time.Time // inclusive instant
	CreatedTo   time.Time // exclusive instant
	ValueMin    *int64    // cents
	ValueMax    *int64
	Text        string // lower-case, at least three characters
	// Now is the moment late is judged at; Today its local date (for the
	// defer-until of deferred projects).
	Now   time.Time
	Today time.Time

	// matches are the text search's project IDs once resolveText has run
	// them, so that every statement of a page (list, count, board columns)
	// shares one search instead of each running it.
	matches  []int64
	resolved bool
}

// resolveText runs the text search once for the screen's statements.
func (tx *Tx) resolveText(ctx context.Context, f *SalesFilter) error {
	if f.Text == "" || f.resolved {
		return nil
	}
	view := f.View
	if view == "" {
		view = crm.StateActive
	}
	err := tx.QueryRow(ctx, `SELECT sales_search_ids($1, $2, $3, $4, $5)`,
		tx.Tenant, string(view), f.Text, "%"+escapeLike(f.Text)+"%", SalesSearchCap).Scan(&f.matches)
	if err != nil {
		return fmt.Errorf("text search: %w", err)
	}
	if f.matches == nil {
		f.matches = []int64{}
	}
	f.resolved = true
	return nil
}

// SalesSort names a sortable column: a key of SalesSorts.
type SalesSort string

// sortColumn is a sortable column: the expression (indexed as (tenant_id,
// state, expr, id)) and how its keyset value is written in a cursor.
type sortColumn struct {
	expr string
	kind byte // 't' time, 's' text, 'i' integer
}

// SalesSorts are the sortable columns of the Sales screen, the only values
// ORDER BY is ever built from.
var SalesSorts = map[SalesSort]sortColumn{
	"created":  {"p.created_at", 't'},
	"title":    {"p.title", 's'},
	"customer": {"p.customer_name", 's'},
	"owner":    {"p.owner_name", 's'},
	"last":     {"p.last_completed_at", 't'},
	"pending":  {"p.pending_due_at", 't'},
	"status":   {"p.status_name", 's'},
	"value":    {"p.value_cents", 'i'},
}

// Cursor is a keyset position: the sort column's value and the ID of the
// last row shown. It travels in URLs as an opaque string (Encode).
type Cursor struct {
	Sort SalesSort
	Desc bool
	Key  any // time.Time, string or int64, matching the sort column
	ID   int64
}

// The infinities the summary columns hold for "no due date" and "nothing
// completed yet".
var (
	posInfinity = pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	negInfinity = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
)

// ErrBadCursor is returned for a cursor that was not made by Encode for the
// current sort.
var ErrBadCursor = errors.New("malformed page cursor")

// Encode writes c as a URL-safe string.
func (c Cursor) Encode() string {
	var key string
	switch k := c.Key.(type) {
	case time.Time:
		key = strconv.FormatInt(k.UnixMicro(), 10)
	case pgtype.Timestamptz:
		key = map[bool]string{true: "inf", false: "-inf"}[k.InfinityModifier == pgtype.Infinity]
	case string:
		key = k
	case int64:
		key = strconv.FormatInt(k, 10)
	}
	dir := "a"
	if c.Desc {
		dir = "d"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(c.Sort) + "|" + dir + "|" + strconv.FormatInt(c.ID, 10) + "|" + key))
}

// DecodeCursor reads a cursor for sort and direction; anything else is
// ErrBadCursor.
func DecodeCursor(s string, sort SalesSort, desc bool) (Cursor, error) {
	col, ok := SalesSorts[sort]
	b, err := base64.RawURLEncoding.DecodeString(s)
	if !ok || err != nil || len(b) > 1024 {
		return Cursor{}, ErrBadCursor
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[0] != string(sort) || parts[1] != map[bool]string{true: "d", false: "a"}[desc] {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{Sort: sort, Desc: desc}
	if c.ID, err = strconv.ParseInt(parts[2], 10, 64); err != nil || c.ID <= 0 {
		return Cursor{}, ErrBadCursor
	}
	switch col.kind {
	case 't':
		switch parts[3] {
		case "inf":
			c.Key = posInfinity
		case "-inf":
			c.Key = negInfinity
		default:
			us, err := strconv.ParseInt(parts[3], 10, 64)
			if err != nil {
				return Cursor{}, ErrBadCursor
			}
			c.Key = time.UnixMicro(us).UTC()
		}
	case 's':
		if !utf8Valid(parts[3]) {
			return Cursor{}, ErrBadCursor
		}
		c.Key = parts[3]
	case 'i':
		n, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil {
			return Cursor{}, ErrBadCursor
		}
		c.Key = n
	}
	return c, nil
}

func utf8Valid(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, 0)
}

// where builds the filter predicate on alias p (without visibility) and
// appends its arguments.
func (f SalesFilter) where(tenant crm.TenantID, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	view := f.View
	if view == "" {
		view = crm.StateActive
	}
	tenantArg, stateArg := arg(tenant), arg(string(view))
	w := []string{"p.tenant_id = " + tenantArg, "p.state = " + stateArg}
	if f.Owner != 0 {
		w = append(w, "p.owner_id = "+arg(f.Owner))
	}
	if f.Workgroup != 0 {
		w = append(w, "p.owner_id IN (SELECT wm.user_id FROM workgroup_members wm WHERE wm.tenant_id = p.tenant_id AND wm.workgroup_id = "+arg(f.Workgroup)+")")
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
		w = append(w, f.lateExpr(args))
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
	switch {
	case f.Text != "" && f.resolved:
		w = append(w, "p.id = ANY ("+arg(f.matches)+"::bigint[])")
	case f.Text != "":
		// The matching IDs come from the search tables (migration 00007),
		// newest first, at most SalesSearchCap of them, computed once per
		// statement (a sub-select); the page, the other filters and
		// visibility then read projects by key.
		w = append(w, fmt.Sprintf("p.id = ANY ((SELECT sales_search_ids(%s, %s, %s, %s, %d))::bigint[])",
			tenantArg, stateArg, arg(f.Text), arg("%"+escapeLike(f.Text)+"%"), SalesSearchCap))
	}
	return strings.Join(w, " AND ")
}

// SalesSearchCap is how many projects a text search considers: the newest
// that match in the view. A search that matches more is too broad to page
// through; its count shows as an estimate of at least the cap.
const SalesSearchCap = 5000

// filtered reports whether f narrows the view beyond its state.
func (f SalesFilter) filtered() bool {
	return f.Owner != 0 || f.Workgroup != 0 || f.Pending != 0 || f.Last != 0 || f.Status != 0 || f.Source != 0 ||
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

// lateExpr is the engine's late flag in SQL: effectively active (active, or
// deferred with its defer-until day come) and late_from passed.
func (f SalesFilter) lateExpr(args *[]any) string {
	*args = append(*args, f.Now, f.Today.Format(time.DateOnly))
	n := len(*args)
	return fmt.Sprintf("(p.late_from <= $%d AND (p.state = 'active' OR (p.state = 'deferred' AND p.defer_until <= $%d::date)))", n-1, n)
}

// SalesRow is one project as the Sales screen and the board show it.
type SalesRow struct {
	ID            crm.ProjectID
	Title         string
	Customer      string
	OwnerID       crm.UserID
	OwnerName     string
	LastID        int64     // 0: none completed
	LastAt        time.Time // zero when none
	PendingID     int64     // 0: none pending
	PendingDue    time.Time // zero: no deadline
	Late          bool
	MilestoneLate bool
	Status        string
	Value         int64
	CreatedAt     time.Time
	LastActivity  time.Time // moved into the stage at (last completion, else creation)
	State         crm.State
	DeferUntil    time.Time
	Version       int
}

const salesColumns = `p.id, p.title, p.customer_name, p.owner_id, p.owner_name,
	COALESCE(p.last_milestone_id, 0), NULLIF(p.last_completed_at, '-infinity'),
	COALESCE(p.pending_milestone_id, 0), NULLIF(p.pending_due_at, 'infinity'),
	%[1]s, %[2]s, p.status_name, p.value_cents, p.created_at, p.state, p.defer_until, p.version`

func scanSalesRow(rows pgx.CollectableRow) (SalesRow, error) {
	var r SalesRow
	var n salesRowNulls
	err := rows.Scan(salesRowDest(&r, &n)...)
	n.finish(&r)
	return r, err
}

// salesRowNulls holds the nullable columns of salesColumns while scanning.
type salesRowNulls struct{ last, due, deferUntil *time.Time }

func salesRowDest(r *SalesRow, n *salesRowNulls) []any {
	return []any{&r.ID, &r.Title, &r.Customer, &r.OwnerID, &r.OwnerName, &r.LastID, &n.last, &r.PendingID, &n.due,
		&r.Late, &r.MilestoneLate, &r.Status, &r.Value, &r.CreatedAt, &r.State, &n.deferUntil, &r.Version}
}

func (n salesRowNulls) finish(r *SalesRow) {
	if n.last != nil {
		r.LastAt = *n.last
	}
	if n.due != nil {
		r.PendingDue = *n.due
	}
	if n.deferUntil != nil {
		r.DeferUntil = *n.deferUntil
	}
	r.LastActivity = r.CreatedAt
	if r.LastAt.After(r.LastActivity) {
		r.LastActivity = r.LastAt
	}
}

// columns returns the select list with the late flags bound to f's now.
func (f SalesFilter) columns(args *[]any) string {
	late := f.lateExpr(args)
	mlate := strings.Replace(late, "p.late_from", "p.milestone_late_from", 1)
	return fmt.Sprintf(salesColumns, late, mlate)
}

// SalesCountCap is how far the Sales screen counts exactly; above it the
// total is the planner's estimate, shown as one.
const SalesCountCap = 1000

// SalesPage is one page of the Sales screen.
type SalesPage struct {
	Rows []SalesRow
	// Next is the cursor of the following page, "" on the last page.
	Next string
	// Total is the number of matching projects: exact when !Estimated.
	Total     int64
	Estimated bool
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

// SalesScreen loads what the Sales screen shows, the filter choices and one
// page (as ListSales), in one round trip: the page is the home page of every
// salesperson, so its statements travel together.
func (tx *Tx) SalesScreen(ctx context.Context, v crm.Viewer, f SalesFilter, sort SalesSort, desc bool, after *Cursor, limit int) (SalesOptions, SalesPage, error) {
	var opts SalesOptions
	var page SalesPage
	scope, err := tx.Scope(ctx, v)
	if err != nil {
		return opts, page, err
	}
	if err := tx.resolveText(ctx, &f); err != nil {
		return opts, page, err
	}
	b := &pgx.Batch{}
	readOpts := queueSalesOptions(b, tx.Tenant, &opts)
	readPage, err := queueListSales(b, tx.Tenant, scope, f, sort, desc, after, limit, &page)
	if err != nil {
		return opts, page, err
	}
	br := tx.SendBatch(ctx, b)
	err = readOpts(br)
	if err == nil {
		err = readPage(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return opts, page, err
}

// queueListSales queues the page, its capped count and the planner's
// estimate of the count on b; the returned function reads them into out.
// The estimate rides along unasked: it costs a plan, and a big tenant's views
// nearly always pass the cap, where a second round trip would cost more.
func queueListSales(b *pgx.Batch, tenant crm.TenantID, scope Scope, f SalesFilter, sort SalesSort, desc bool, after *Cursor, limit int, out *SalesPage) (func(pgx.BatchResults) error, error) {
	col, ok := SalesSorts[sort]
	if !ok {
		return nil, fmt.Errorf("sort %q: %w", sort, ErrBadCursor)
	}
	var args, countArgs []any
	cols := f.columns(&args)
	where := f.where(tenant, &args) + " AND " + scope.Where("p", &args)
	countWhere := f.where(tenant, &countArgs) + " AND " + scope.Where("p", &countArgs)
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if f.Text != "" && f.resolved {
		return queueMatchedSales(b, tenant, f, sort, desc, dir, cmp, after, limit, cols, where, args, out), nil
	}
	page := where
	if after != nil {
		args = append(args, after.Key, after.ID)
		page += fmt.Sprintf(" AND (%s, p.id) %s ($%d, $%d)", col.expr, cmp, len(args)-1, len(args))
	}
	args = append(args, limit+1)
	list := fmt.Sprintf("SELECT %s FROM projects p WHERE %s ORDER BY %s %s, p.id %s LIMIT $%d",
		cols, page, col.expr, dir, dir, len(args))
	count := "SELECT count(*) FROM (SELECT 1 FROM projects p WHERE " + countWhere + " LIMIT " + strconv.Itoa(SalesCountCap+1) + ") x"
	custom := f.filtered()
	if custom {
		b.Queue(customPlans)
	}
	b.Queue(list, args...)
	// The views the running totals answer are counted exactly from them;
	// the others count up to the cap, with the planner's estimate beyond.
	exact := f.fromTotals()
	if exact {
		q, qargs := f.totalsCountSQL(tenant, scope)
		b.Queue(q, qargs...)
	} else {
		b.Queue(count, countArgs...)
		b.Queue("EXPLAIN (FORMAT JSON) SELECT 1 FROM projects p WHERE "+countWhere, countArgs...)
	}
	return func(br pgx.BatchResults) error {
		if custom {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("list sales: %w", err)
			}
		}
		rows, err := br.Query()
		if err == nil {
			out.Rows, err = pgx.CollectRows(rows, scanSalesRow)
		}
		if err == nil {
			err = br.QueryRow().Scan(&out.Total)
		}
		var plan []byte
		if err == nil && !exact {
			err = br.QueryRow().Scan(&plan)
		}
		if err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		out.cutPage(limit, sort, desc)
		if !exact && out.Total > SalesCountCap {
			n, err := planRows(plan)
			if err != nil {
				return err
			}
			out.Total, out.Estimated = max(n, SalesCountCap+1), true
		}
		return nil
	}, nil
}

// cutPage keeps the first limit rows of a page read with one more, and
// makes the cursor of the next page when there was one more.
func (out *SalesPage) cutPage(limit int, sort SalesSort, desc bool) {
	if len(out.Rows) > limit {
		out.Rows = out.Rows[:limit]
		last := out.Rows[limit-1]
		out.Next = Cursor{Sort: sort, Desc: desc, Key: sortKey(sort, last), ID: int64(last.ID)}.Encode()
	}
}

// queueMatchedSales queues the page of a text search whose matches are known
// (at most SalesSearchCap): one statement reads the matching projects the
// viewer may see once, for both the exact count and the page, where a count
// and a list would each look up every match. The page's rows are read again
// by key. It answers one row even when the page is empty: the count with
// NULL for the project.
func queueMatchedSales(b *pgx.Batch, tenant crm.TenantID, f SalesFilter, sort SalesSort, desc bool, dir, cmp string, after *Cursor, limit int,
	cols, where string, args []any, out *SalesPage) func(pgx.BatchResults) error {
	col := SalesSorts[sort]
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
   WHERE p.tenant_id = %[4]s AND p.id IN (SELECT m.id FROM m WHERE %[5]s ORDER BY m.k %[6]s, m.id %[6]s LIMIT %[7]s)
) r ON true
ORDER BY r.sort_k %[6]s, r.id %[6]s`, col.expr, where, cols, arg(tenant), cursor, dir, arg(limit+1))
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
			var r SalesRow
			var n salesRowNulls
			dest := append(append([]any{&total}, salesRowDest(&r, &n)...), nil)
			empty := rows.RawValues()[1] == nil // no project on this page: the count alone
			if empty {
				clear(dest[1:]) // nil skips a column
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("list sales: %w", err)
			}
			if !empty {
				n.finish(&r)
				out.Rows = append(out.Rows, r)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("list sales: %w", err)
		}
		out.Total = total
		// At the cap there may be more matches than the search considered.
		out.Estimated = len(f.matches) >= SalesSearchCap
		out.cutPage(limit, sort, desc)
		return nil
	}
}

// planRows reads the planner's row estimate from EXPLAIN (FORMAT JSON).
func planRows(plan []byte) (int64, error) {
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &p); err != nil {
		return 0, fmt.Errorf("estimate count: %w", err)
	}
	if len(p) == 0 {
		return 0, nil
	}
	return int64(p[0].Plan.Rows), nil
}

// sortKey is r's value of the sort column, as the cursor carries it. The
// infinities that stand for "none" in the summary are restored.
func sortKey(sort SalesSort, r SalesRow) any {
	switch sort {
	case "title":
		return r.Title
	case "customer":
		return r.Customer
	case "owner":
		return r.OwnerName
	case "status":
		return r.Status
	case "value":
		return r.Value
	case "last":
		if r.LastAt.IsZero() {
			return negInfinity
		}
		return r.LastAt
	case "pending":
		if r.PendingDue.IsZero() {
			return posInfinity
		}
		return r.PendingDue
	}
	return r.CreatedAt
}
