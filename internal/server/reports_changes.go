package server

import (
	"context"
	"net/http"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Pipeline changes report (the waterfall): the open pipeline at the
// end of the day before the period, what moved it — created, pulled in,
// value increased, value decreased, pushed out, won, lost, reopened — and
// the open pipeline at the end of the period, rebuilt from the project log
// (the engine's Changes). close_from and close_to, when given, are the
// window of expected close days that "in the pipeline" requires.

var changesReport = tableReport{
	slug:    "changes",
	opts:    reportOptions{defaultPreset: "last_month", extra: []string{"close_from", "close_to"}, filters: changesFilters},
	explain: []string{"pipeline_changes", "as_of", "time_zone"},
	read:    (*Server).readChanges,
}

var changesDrillOptions = reportOptions{defaultPreset: "last_month", extra: []string{"close_from", "close_to", "step"},
	filters: changesFilters}

// changesFilters adds the window of expected close dates to the form.
func changesFilters(_ context.Context, f *web.ReportFilters) {
	f.Dates = append(f.Dates, web.ReportSelect{Name: "close_from", Label: "reports.changes.close_from"},
		web.ReportSelect{Name: "close_to", Label: "reports.changes.close_to"})
}

// changesOptions reads the report's period and its window of close dates
// (inclusive local days; either may be empty, leaving that side open, both
// empty for no window), with a message beside a date that cannot be used.
func changesOptions(rq *reportQuery, loc *time.Location) pipeline.ChangesOptions {
	o := pipeline.ChangesOptions{Period: rq.Period}
	from, okFrom := reportDay(rq, "close_from")
	to, okTo := reportDay(rq, "close_to")
	if !okFrom || !okTo || from.IsZero() && to.IsZero() {
		return o
	}
	if from.IsZero() {
		from = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	if to.Before(from) {
		rq.Errors["close_to"] = "reports.error.order"
		return o
	}
	o.Close = pipeline.Period{From: pipeline.DayStart(from.Year(), from.Month(), from.Day(), loc),
		To: pipeline.DayStart(to.Year(), to.Month(), to.Day()+1, loc)}
	return o
}

// changesRead is what the report and its lists read: the projects created
// before the period's end that can have been open in it, with their
// changes logged since its start.
func changesRead(rq *reportQuery, rd postgres.ReportRead) postgres.ReportRead {
	rd.Filter.CreatedFrom, rd.Filter.CreatedTo = time.Time{}, rq.Period.To
	rd.Since, rd.OpenSince = rq.Period.From, rq.Period.From
	return rd
}

// pipelineDay is how the report names the instant a pipeline is taken
// at: the day it ends ("now" when that is still to come).
func pipelineDay(ctx context.Context, t, now time.Time, loc *time.Location) string {
	if t.After(now) {
		return web.T(ctx, "reports.changes.now")
	}
	return t.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
}

// readChanges reads the Pipeline changes report and builds its table and waterfall.
func (s *Server) readChanges(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	o := changesOptions(rq, zone(ctx))
	var ch *pipeline.Changes
	setup, status, failure, err := s.runReport(r, rq, func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		return s.db.ReadReport(ctx, viewer(ctx), changesRead(rq, rd), func(su *postgres.ReportSetup) error {
			if err := start(su); err != nil {
				return err
			}
			ch = pipeline.NewChanges(su.Engine, o)
			return nil
		}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
			ch.Add(p)
			return nil
		})
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	res := ch.Result()
	loc, now := setup.Engine.Location(), setup.Engine.Now()
	link := func(step string) string { return "/reports/changes/projects?" + rq.encode("step", step) }
	startLabel := web.T(ctx, "reports.changes.start", pipelineDay(ctx, rq.Period.From, now, loc))
	endLabel := web.T(ctx, "reports.changes.end", pipelineDay(ctx, rq.Period.To, now, loc))
	if rq.Period.To.After(now) {
		endLabel = web.T(ctx, "reports.changes.end_now")
	}
	t := web.StatTable{ID: "changes", Caption: "reports.changes.caption", Columns: []web.StatColumn{
		{Key: "reports.changes.step", CSV: "step"},
		{Key: "reports.col.projects", CSV: "projects", Num: true},
		{Key: "reports.changes.amount", CSV: "value", Num: true},
	}}
	w := web.Waterfall{Title: "reports.changes.chart", YLabel: "reports.col.value"}
	t.Rows = append(t.Rows, []web.StatCell{textCell(startLabel), countCell(res.Start.Count, link("start")),
		moneyCell(res.Start.Value, link("start"))})
	w.Bars = append(w.Bars, web.WaterfallBar{Label: startLabel, Short: web.T(ctx, "reports.changes.chart_start"), Value: res.Start.Value,
		Total: true, URL: link("start")})
	for b := range pipeline.NumBuckets {
		row := res.Buckets[b]
		name := web.T(ctx, "reports.changes.bucket."+b.String())
		t.Rows = append(t.Rows, []web.StatCell{textCell(name), countCell(row.Count, link(b.String())),
			moneyCell(row.Value, link(b.String()))})
		w.Bars = append(w.Bars, web.WaterfallBar{Label: name, Value: row.Value, URL: link(b.String())})
	}
	t.Total = []web.StatCell{textCell(endLabel), countCell(res.End.Count, link("end")), moneyCell(res.End.Value, link("end"))}
	w.Bars = append(w.Bars, web.WaterfallBar{Label: endLabel, Short: web.T(ctx, "reports.changes.chart_end"), Value: res.End.Value,
		Total: true, URL: link("end")})
	v.Tables = []web.StatTable{t}
	v.Waterfall = &w
	if o.Close.IsZero() {
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.changes.no_window"})
	} else {
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.changes.window",
			Arg: o.Close.From.In(loc).Format(time.DateOnly) + " – " + o.Close.To.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)})
	}
	v.Notes = append(v.Notes, web.ReportNote{Key: "reports.changes.exact_from", Arg: changesExactFrom})
	return setup, status, failure, nil
}

// changesExactFrom is the first day from which every change the rebuild
// needs is logged old → new: before it, an import that updated a project
// did not log the fields it changed.
const changesExactFrom = "2026-12-02"

// changesCell is the number of the report named by the URL's step: a
// bucket (its projects, each by the sum of its steps in it), or "start" or
// "end" (the projects of that pipeline, each by its value in it).
func changesCell(r *http.Request, o pipeline.ChangesOptions) func(*postgres.ReportSetup) drillCell {
	step := r.URL.Query().Get("step")
	return func(su *postgres.ReportSetup) drillCell {
		ch := pipeline.NewChanges(su.Engine, o)
		var at time.Time
		switch step {
		case "start":
			at = o.Period.From
		case "end":
			at = o.Period.To
		}
		if !at.IsZero() {
			var amount int64
			c := drillCell{key: "reports.changes.cell." + step, arg: pipelineDay(r.Context(), at, su.Engine.Now(), su.Engine.Location()),
				match: func(p *pipeline.Project, _ *pipeline.Facts) bool {
					v, ok := ch.InAt(p, at)
					amount = v
					return ok
				}, amount: func(*pipeline.Project) int64 { return amount }}
			if at.After(su.Engine.Now()) {
				c.key, c.arg = "reports.changes.end_now", ""
			}
			return c
		}
		b, ok := pipeline.BucketNamed(step)
		if !ok {
			return drillCell{invalid: true}
		}
		var steps []pipeline.ChangeStep
		var amount int64
		return drillCell{key: "reports.changes.cell.bucket", arg: web.T(r.Context(), "reports.changes.bucket."+b.String()),
			match: func(p *pipeline.Project, _ *pipeline.Facts) bool {
				steps = ch.Steps(p, steps[:0])
				amount, ok = 0, false
				for _, s := range steps {
					if s.Bucket == b {
						amount += s.Amount
						ok = true
					}
				}
				return ok
			}, amount: func(*pipeline.Project) int64 { return amount }}
	}
}

func (s *Server) handleReportChanges(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, changesReport, false)
}

func (s *Server) handleReportChangesCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, changesReport, true)
}

func (s *Server) handleReportChangesProjects(w http.ResponseWriter, r *http.Request) {
	s.changesDrill(w, r, false)
}

func (s *Server) handleReportChangesProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.changesDrill(w, r, true)
}

func (s *Server) changesDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), changesDrillOptions)
	o := changesOptions(&rq, zone(r.Context()))
	rd := changesRead(&rq, postgres.ReportRead{Filter: rq.Filter, Now: moment()})
	s.drill(w, r, "changes", rq, changesDrillOptions, changesReport.opts.extra, rd, changesCell(r, o), csv)
}
