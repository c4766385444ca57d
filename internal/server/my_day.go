package server

import (
	"net/http"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// handleMyDay is My day: what the viewer has to do today across projects,
// each thing done or opened in one click.
func (s *Server) handleMyDay(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	loc, now := zone(ctx), moment()
	today := crm.Today(now, loc)
	start := today.Start(loc)
	d, err := s.db.MyDay(ctx, viewer(ctx), now, start, start.AddDate(0, 0, 1), today)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.MyDayView{Page: s.page(r, "myday.title", "nav.myday"), NowLocal: now.In(loc).Format(crm.LocalTimeLayout)}
	link := func(p postgres.MyProject) web.MyDayProject {
		return web.MyDayProject{ID: p.ID, Title: p.Title, Customer: p.Customer, Version: p.Version}
	}
	for _, m := range d.Milestones {
		v.Milestones = append(v.Milestones, web.MyDayMilestone{MyDayProject: link(m.MyProject), MilestoneID: m.MilestoneID,
			Milestone: m.Milestone, Due: m.Due, DaysLate: max(0, pipeline.CalendarDays(m.Due, now, loc))})
	}
	for _, it := range d.Subtasks {
		due := crm.DateOf(it.Due.UTC())
		v.Subtasks = append(v.Subtasks, web.MyDayItem{ID: it.ID, MyDayProject: link(it.Project), Title: it.Title,
			Day: due, DaysLate: pipeline.CalendarDays(due.Start(loc), now, loc)})
	}
	for _, it := range d.Events {
		v.Events = append(v.Events, web.MyDayItem{ID: it.ID, MyDayProject: link(it.Project), Title: it.Title,
			At: it.Due, DaysLate: max(0, pipeline.CalendarDays(it.Due, now, loc)), Overdue: it.Due.Before(now)})
	}
	for _, p := range d.Untouched {
		row := link(p)
		row.Age = pipeline.CalendarDays(p.CreatedAt, now, loc)
		v.Untouched = append(v.Untouched, row)
	}
	for _, p := range d.BackToday {
		v.BackToday = append(v.BackToday, link(p))
	}
	s.render(w, r, http.StatusOK, web.MyDayPage(v))
}
