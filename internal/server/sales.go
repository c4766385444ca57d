package server

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// salesPageSize is the number of projects per Sales screen page.
const salesPageSize = 50

// handleSales is the Sales screen, the home page. Filters, sort and page are
// in the URL; a visit without any parameter opens the user's last used view.
func (s *Server) handleSales(w http.ResponseWriter, r *http.Request) {
	var bulk *web.BulkForm
	if res := s.popBulkResult(r); res != nil {
		bulk = &web.BulkForm{Result: res}
	}
	v, err := s.salesView(r, r.URL.Query(), bulk)
	if errors.Is(err, postgres.ErrBadCursor) {
		s.badRequest(w, r)
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.SalesPage(v))
}

// salesView loads the Sales screen for the query q. bulk, when set, is the
// bulk form to show again (with its input and messages, or its result).
func (s *Server) salesView(r *http.Request, q url.Values, bulk *web.BulkForm) (web.SalesView, error) {
	ctx := r.Context()
	who := identity(ctx)
	loc, now := zone(ctx), moment()
	v := web.SalesView{Page: s.page(r, "sales.title", "nav.sales"), CanBulk: who.User.Role.AtLeast(crm.RoleManager)}
	v.SkipTo = "#sales-list"
	asked := len(q) > 0
	if !asked {
		// A visit without parameters opens the last used view.
		if saved, err := url.ParseQuery(who.SalesView); err == nil && who.SalesView != "" {
			q = saved
		}
	}
	sq := parseSalesQuery(q, loc, now)
	query := postgres.SalesQuery{Filter: sq.Filter, Sort: sq.Sort, Desc: sq.Desc, Limit: salesPageSize}
	if sq.After != "" {
		c, err := postgres.DecodeCursor(sq.After, sq.Sort, sq.Desc)
		if err != nil {
			return v, err
		}
		query.After = &c
	}
	if clean := sq.encode(); asked && clean != who.SalesView {
		query.SaveView = &clean
	}
	opts, page, err := s.db.SalesScreen(ctx, viewer(ctx), query)
	if err != nil {
		return v, err
	}
	fillSalesView(&v, sq, opts, page, now, loc, "/")
	if bulk != nil {
		v.Bulk.Result = bulk.Result
	}
	if v.CanBulk && bulk != nil {
		v.Bulk.Form = bulk.Form
	}
	return v, nil
}

// fillSalesView turns the query, the choices and a page into the view; for a
// view that CanBulk, also the bulk form's choices and the rep load link.
func fillSalesView(v *web.SalesView, sq salesQuery, opts postgres.SalesOptions, page postgres.SalesPage, now time.Time, loc *time.Location, base string) {
	names := map[int64]string{}
	var ms []crm.Choice
	for _, m := range opts.Milestones {
		names[int64(m.ID)] = m.Name
		if m.Active {
			ms = append(ms, crm.Choice{ID: int64(m.ID), Name: m.Name, Active: true})
		}
	}
	vals := map[string]string{}
	for _, k := range salesParams {
		vals[k] = sq.Clean.Get(k)
	}
	if sq.TypedQ != "" {
		vals["q"] = sq.TypedQ
	}
	v.Filters = web.SalesFilters{
		Values: vals, Owners: opts.Owners, Workgroups: opts.Workgroups, Milestones: ms,
		Statuses: opts.Statuses, Sources: opts.Sources, Reasons: opts.Reasons, Notices: sq.Notices,
		View: sq.Filter.View, ResetURL: base + "?view=" + string(sq.Filter.View), ManagesNone: opts.ManagesNone,
		ViewURLs: map[crm.State]string{},
	}
	for _, st := range []crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived, crm.StateSold} {
		v.Filters.ViewURLs[st] = base + "?" + sq.encode("view", string(st), "after", "")
	}
	v.Total, v.MoreThan, v.AtLeast = page.Total, page.MoreThan, page.AtLeast
	v.Query = sq.encode("after", "")
	for k := range sq.Clean {
		if k != "view" && k != "sort" && k != "dir" {
			v.Filtered = true
		}
	}
	v.Filtered = v.Filtered || sq.TypedQ != ""
	v.ExportURL = "/sales.csv?" + sq.encode("after", "", "sort", "", "dir", "")
	v.Sorts = map[string]web.SortLink{}
	for k := range postgres.SalesSorts {
		key := string(k)
		active := k == sq.Sort
		dir := "asc"
		if (active && !sq.Desc) || (!active && (key == "created" || key == "value")) {
			dir = "desc"
		}
		v.Sorts[key] = web.SortLink{URL: base + "?" + sq.encode("sort", key, "dir", dir, "after", ""), Active: active, Desc: sq.Desc}
	}
	if page.Next != "" {
		v.NextURL = base + "?" + sq.encode("after", page.Next)
	}
	if sq.After != "" {
		v.FirstURL = base + "?" + sq.encode("after", "")
	}
	if v.CanBulk {
		v.Bulk.Owners, v.Bulk.Reasons = opts.Owners, opts.Reasons
		v.Filters.LoadURL = "/load?" + sq.encode("sort", "", "dir", "")
	}
	reasons := map[int64]string{}
	for _, c := range opts.Reasons {
		reasons[c.ID] = c.Name
	}
	v.Rows = make([]web.SalesRow, 0, len(page.Rows))
	for _, p := range page.Rows {
		row := web.SalesRow{ID: p.ID, Title: p.Title, Customer: p.Customer, Owner: p.OwnerName,
			Last: names[p.LastID], LastAt: p.LastAt, Pending: names[p.PendingID], PendingID: p.PendingID,
			PendingDue: p.PendingDue, Late: p.Late, MilestoneLate: p.MilestoneLate, Status: p.Status,
			ItemLate: p.ItemLate, ItemKind: p.ItemKind,
			Value: p.Value, AgeDays: pipeline.CalendarDays(p.CreatedAt, now, loc)}
		if p.State == crm.StateDeferred {
			row.DeferUntil = p.DeferUntil
		}
		if p.State == crm.StateArchived || p.State == crm.StateSold {
			row.Reason, row.ClosedAt = reasons[p.ReasonID], p.ClosedAt.In(loc)
		}
		if p.MilestoneLate {
			row.MilestoneDaysLate = pipeline.CalendarDays(p.PendingDue, now, loc)
		}
		if p.ItemLate {
			row.ItemDaysLate = pipeline.CalendarDays(p.ItemDue, now, loc)
		}
		v.Rows = append(v.Rows, row)
	}
}
