package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// handleBoard is the pipeline board: the Sales screen's filters over the
// active projects, in columns by the stage each has reached (its last
// completed milestone).
func (s *Server) handleBoard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	moved := s.popBoardMove(r)
	s.renderBoard(w, r, http.StatusOK, q, func(v *web.BoardView) { moved.show(v) })
}

// renderBoard renders the board of the filters in q with status, after
// edit has changed its view (a card's move form, the notice of a move).
func (s *Server) renderBoard(w http.ResponseWriter, r *http.Request, status int, q url.Values, edit func(v *web.BoardView)) {
	v, err := s.boardView(r, q)
	if errors.Is(err, crm.ErrForbidden) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	edit(&v)
	s.render(w, r, status, web.BoardPage(v))
}

func (s *Server) boardView(r *http.Request, q url.Values) (web.BoardView, error) {
	ctx := r.Context()
	loc := zone(ctx)
	now := moment()
	q = cloneValues(q)
	q.Del("view")
	sq := parseSalesQuery(q, loc, now)
	v := web.BoardView{Page: s.page(r, "board.title", "nav.pipeline")}
	opts, cols, err := s.db.BoardScreen(ctx, viewer(ctx), sq.Filter)
	if err != nil {
		return v, err
	}
	var sv web.SalesView
	fillSalesView(&sv, sq, opts, postgres.SalesPage{}, now, loc, "/pipeline")
	v.Filters = sv.Filters
	v.Filters.ViewURLs = nil
	names := map[int64]string{}
	for _, m := range opts.Milestones {
		names[int64(m.ID)] = m.Name
	}
	// The stages a card may move to: every active milestone's column (the
	// none-completed column is no stage to move to: a lead's creation is
	// never undone).
	var stages []web.BoardTarget
	for _, c := range cols {
		if c.Milestone != 0 {
			stages = append(stages, web.BoardTarget{ID: c.Milestone, Name: names[c.Milestone]})
		}
	}
	ret := "/pipeline?" + sq.encode()
	for _, c := range cols {
		// The none-completed column holds only projects made without the
		// lead's creation completed (imports, a first milestone added
		// later): shown when it has some.
		if c.Milestone == 0 && c.Count == 0 {
			continue
		}
		col := web.BoardColumn{MilestoneID: c.Milestone, Name: names[c.Milestone], Count: c.Count, Value: c.Value, Weighted: c.Weighted}
		at := slices.IndexFunc(stages, func(t web.BoardTarget) bool { return t.ID == c.Milestone })
		var forward, back []web.BoardTarget
		forward = stages[at+1:]
		for i := at - 1; i >= 0; i-- {
			back = append(back, stages[i])
		}
		for _, p := range c.Cards {
			row := web.SalesRow{ID: p.ID, Title: p.Title, Customer: p.Customer, Value: p.Value, Late: p.Late,
				PendingID: p.PendingID, PendingDue: p.PendingDue, MilestoneLate: p.MilestoneLate, ItemLate: p.ItemLate, ItemKind: p.ItemKind}
			if p.MilestoneLate {
				row.MilestoneDaysLate = pipeline.CalendarDays(p.PendingDue, now, loc)
			}
			if p.ItemLate {
				row.ItemDaysLate = pipeline.CalendarDays(p.ItemDue, now, loc)
			}
			col.Cards = append(col.Cards, web.BoardCard{
				SalesRow:    row,
				DaysInStage: pipeline.CalendarDays(p.StageSince(), now, loc), Version: p.Version,
				NextName: names[p.PendingID], Forward: forward, Back: back,
				CompletedAt: now.In(loc).Format("2006-01-02T15:04"), Return: ret,
			})
		}
		v.Columns = append(v.Columns, col)
	}
	return v, nil
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = slices.Clone(vs)
	}
	return out
}

// boardCard returns the card of project id on the board and its column,
// nil when it is not shown.
func boardCard(v *web.BoardView, id crm.ProjectID) (*web.BoardColumn, *web.BoardCard) {
	for i := range v.Columns {
		c := &v.Columns[i]
		for j := range c.Cards {
			if c.Cards[j].ID == id {
				return c, &c.Cards[j]
			}
		}
	}
	return nil, nil
}
