package server

import (
	"errors"
	"net/http"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// handleBoard is the pipeline board: the Sales screen's filters over the
// active projects, in columns by pending milestone.
func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	loc := zone(ctx)
	now := moment()
	q := r.URL.Query()
	q.Del("view")
	sq := parseSalesQuery(q, loc, now)
	v := web.BoardView{Page: s.page(r, "board.title", "nav.pipeline")}
	err := func() error {
		opts, cols, err := s.db.BoardScreen(ctx, viewer(ctx), sq.Filter)
		if err != nil {
			return err
		}
		var sv web.SalesView
		fillSalesView(&sv, sq, opts, postgres.SalesPage{}, now, loc, "/pipeline")
		v.Filters = sv.Filters
		v.Filters.ViewURLs = nil
		names := map[int64]string{}
		for _, m := range opts.Milestones {
			names[int64(m.ID)] = m.Name
		}
		ret := "/pipeline?" + sq.encode()
		for i, c := range cols {
			col := web.BoardColumn{MilestoneID: c.Milestone, Name: names[c.Milestone], Count: c.Count, Value: c.Value, Weighted: c.Weighted}
			next := int64(0)
			if i+1 < len(cols) {
				next = cols[i+1].Milestone
			}
			for _, p := range c.Cards {
				row := web.SalesRow{ID: p.ID, Title: p.Title, Customer: p.Customer, Value: p.Value, Late: p.Late,
					PendingID: p.PendingID, MilestoneLate: p.MilestoneLate, ItemLate: p.ItemLate, ItemKind: p.ItemKind}
				if p.MilestoneLate {
					row.MilestoneDaysLate = pipeline.CalendarDays(p.PendingDue, now, loc)
				}
				if p.ItemLate {
					row.ItemDaysLate = pipeline.CalendarDays(p.ItemDue, now, loc)
				}
				col.Cards = append(col.Cards, web.BoardCard{
					SalesRow:    row,
					DaysInStage: pipeline.CalendarDays(p.StageSince(), now, loc), Version: p.Version,
					NextName: names[p.PendingID], NextColumn: next, CompletedAt: now.In(loc).Format("2006-01-02T15:04"), Return: ret,
				})
			}
			v.Columns = append(v.Columns, col)
		}
		return nil
	}()
	if errors.Is(err, crm.ErrForbidden) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.BoardPage(v))
}
