package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Sales funnel results by sales owner: per owner, in the cohort view
// the leads created in the period as they stand now (created, qualified,
// archived unqualified, not yet decided, the check that these add up,
// lost, archived by reason, deferred, open, sold, and how many reached each
// milestone); in the activity view what happened in the period
// (completions of each milestone, archived, sold).

var funnelOptions = reportOptions{defaultPreset: "this_month", extra: []string{"view"}, filters: funnelFilters}

// funnelDrillOptions add the number's parameters.
var funnelDrillOptions = reportOptions{defaultPreset: "this_month", extra: []string{"view", "cell", "m", "reason"}, filters: funnelFilters}

// funnelRead is how the funnel reads for the view: the cohort reads the
// projects created in the period, the activity those touched in it.
func funnelRead(rq reportQuery) (postgres.ReportRead, bool) {
	activity := rq.Values["view"] == "activity"
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment()}
	if activity {
		rd.TouchedIn = rq.Period
	} else {
		rd.Filter.CreatedFrom, rd.Filter.CreatedTo = rq.Period.From, rq.Period.To
	}
	return rd, activity
}

// checkView gives a message beside an unknown view.
func checkFunnelView(rq *reportQuery) {
	switch rq.Values["view"] {
	case "", "cohort", "activity":
	default:
		rq.Errors["view"] = "reports.error.choice"
	}
}

// funnelTable builds the table of the funnel's result.
func funnelTable(rq reportQuery, su *postgres.ReportSetup, res pipeline.FunnelReport, activity bool) web.ReportTable {
	t := web.ReportTable{Caption: "reports.funnel.caption_cohort", First: "reports.field.owner"}
	if activity {
		t.Caption = "reports.funnel.caption_activity"
	}
	ms := res.Milestones
	names := map[int64]string{}
	for _, m := range su.Options.Milestones {
		names[int64(m.ID)] = m.Name
	}
	// The reasons any row counts, in the tenant's order.
	var reasons []int64
	seen := map[int64]bool{}
	for _, rc := range res.Total.ArchivedByReason {
		seen[rc.ReasonID] = true
	}
	for _, c := range su.Reasons {
		if seen[c.ID] {
			reasons = append(reasons, c.ID)
		}
	}
	type col struct {
		web.ReportColumn
		cell, arg string // drill-down parameters: cell and m or reason
		argName   string
		value     func(r *pipeline.FunnelRow) int64
	}
	var cols []col
	add := func(name, key, arg, cell, argName, cellArg string, value func(r *pipeline.FunnelRow) int64) {
		cols = append(cols, col{ReportColumn: web.ReportColumn{Name: name, Key: key, Arg: arg}, cell: cell, argName: argName, arg: cellArg, value: value})
	}
	if !activity {
		add("created", "reports.funnel.created", "", "created", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Created) })
		add("qualified", "reports.funnel.qualified", "", "qualified", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Qualified) })
		add("archived_unqualified", "reports.funnel.archived_unqualified", "", "archived_unqualified", "", "",
			func(r *pipeline.FunnelRow) int64 { return int64(r.ArchivedUnqualified) })
		add("untriaged", "reports.funnel.untriaged", "", "untriaged", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Untriaged) })
		cols = append(cols, col{ReportColumn: web.ReportColumn{Name: "check", Key: "reports.funnel.check", Check: true}})
		add("archived_qualified", "reports.funnel.archived_qualified", "", "archived_qualified", "", "",
			func(r *pipeline.FunnelRow) int64 { return int64(r.ArchivedQualified) })
		for _, id := range reasons {
			name := choiceName(su.Reasons, id)
			add("archived_"+name, "reports.funnel.archived_reason", name, "reason", "reason", strconv.FormatInt(id, 10),
				func(r *pipeline.FunnelRow) int64 {
					for _, rc := range r.ArchivedByReason {
						if rc.ReasonID == id {
							return int64(rc.Count)
						}
					}
					return 0
				})
		}
		add("deferred", "reports.funnel.deferred", "", "deferred", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Deferred) })
		add("open", "reports.funnel.open", "", "open", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Open) })
		add("sold", "reports.funnel.sold", "", "sold", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.Sold) })
		for i, m := range ms {
			add("reached_"+names[m.ID], "reports.funnel.reached", names[m.ID], "reached", "m", strconv.FormatInt(m.ID, 10),
				func(r *pipeline.FunnelRow) int64 { return int64(r.Reached[i]) })
		}
	} else {
		for i, m := range ms {
			add("completed_"+names[m.ID], "reports.funnel.completed", names[m.ID], "completed", "m", strconv.FormatInt(m.ID, 10),
				func(r *pipeline.FunnelRow) int64 { return int64(r.Completed[i]) })
		}
		add("archived", "reports.funnel.archived_in", "", "archived_in", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.ArchivedInPeriod) })
		add("sold", "reports.funnel.sold_in", "", "sold_in", "", "", func(r *pipeline.FunnelRow) int64 { return int64(r.SoldInPeriod) })
	}
	for _, c := range cols {
		t.Columns = append(t.Columns, c.ReportColumn)
	}
	row := func(r *pipeline.FunnelRow, owner string) web.ReportRow {
		var out web.ReportRow
		for _, c := range cols {
			if c.Check {
				out.Cells = append(out.Cells, web.ReportCell{OK: r.Qualified+r.ArchivedUnqualified+r.Untriaged == r.Created})
				continue
			}
			set := []string{"owner", owner, "cell", c.cell, "m", "", "reason", ""}
			if c.argName != "" {
				set = append(set, c.argName, c.arg)
			}
			out.Cells = append(out.Cells, web.ReportCell{N: c.value(r), URL: "/reports/funnel/projects?" + rq.encode(set...)})
		}
		return out
	}
	for i := range res.Groups {
		g := &res.Groups[i]
		id := strconv.FormatInt(int64(g.Key), 10)
		r := row(g, id)
		r.Label = choiceName(su.Users, int64(g.Key))
		t.Rows = append(t.Rows, r)
	}
	slices.SortStableFunc(t.Rows, func(a, b web.ReportRow) int {
		switch {
		case a.Label < b.Label:
			return -1
		case a.Label > b.Label:
			return 1
		}
		return 0
	})
	t.Total = row(&res.Total, rq.Values["owner"])
	return t
}

// readFunnel reads the funnel for the request.
func (s *Server) readFunnel(r *http.Request, rq *reportQuery) (*postgres.ReportSetup, pipeline.FunnelReport, bool, int, string, error) {
	checkFunnelView(rq)
	rd, activity := funnelRead(*rq)
	var fu *pipeline.Funnel
	var b *pipeline.Batch
	setup, status, failure, err := s.readReport(r, rq, rd, func(su *postgres.ReportSetup) {
		fu = pipeline.NewFunnel(su.Engine, pipeline.FunnelOptions{Period: rq.Period, Group: su.Engine.KeyFunc(pipeline.ByOwner)})
		b = pipeline.NewBatch(su.Engine, fu)
	}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
		b.Add(p)
		return nil
	})
	var res pipeline.FunnelReport
	if fu != nil && status == http.StatusOK && err == nil {
		res = fu.Result()
	}
	return setup, res, activity, status, failure, err
}

// funnelFilters adds the view to the filter form.
func funnelFilters(ctx context.Context, f *web.ReportFilters) {
	if f.Values["view"] == "" {
		f.Values["view"] = "cohort"
	}
	f.Extra = []web.ReportSelect{{Name: "view", Label: "reports.funnel.view", Options: []web.Option{
		{Value: "cohort", Label: web.T(ctx, "reports.funnel.view_cohort")},
		{Value: "activity", Label: web.T(ctx, "reports.funnel.view_activity")}}}}
}

// handleReportFunnel is the funnel page.
func (s *Server) handleReportFunnel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rq := parseReportQuery(r.URL.Query(), zone(ctx), moment(), funnelOptions)
	setup, res, activity, status, failure, err := s.readFunnel(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	explain := []string{"funnel_cohort", "qualified", "state", "time_zone"}
	if activity {
		explain = []string{"funnel_activity", "sold", "time_zone"}
	}
	v := web.FunnelReportView{ReportFrame: s.reportFrame(r, "funnel", rq, funnelOptions, setup, explain...), Activity: activity}
	v.Failure = failure
	if failure == "" {
		v.Table = funnelTable(rq, setup, res, activity)
		v.Chart = web.BarChart{Title: "reports.funnel.chart_cohort", XLabel: "reports.funnel.milestone", YLabel: "reports.col.projects",
			Series: []string{"reports.funnel.reached_series"}}
		if activity {
			v.Chart.Title, v.Chart.Series = "reports.funnel.chart_activity", []string{"reports.funnel.completed_series"}
		}
		for i, m := range res.Milestones {
			n := res.Total.Reached[i]
			if activity {
				n = res.Total.Completed[i]
			}
			name := choiceName(choicesOfMilestones(setup.Options.Milestones), m.ID)
			v.Chart.Groups = append(v.Chart.Groups, web.ChartGroup{Label: name, Values: []int64{int64(n)}})
		}
	} else {
		v.CSVURL = ""
	}
	s.render(w, r, status, web.FunnelReportPage(v))
}

// handleReportFunnelCSV is the funnel's table as a CSV file.
func (s *Server) handleReportFunnelCSV(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), funnelOptions)
	setup, res, activity, status, _, err := s.readFunnel(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if status != http.StatusOK {
		s.handleReportFunnel(w, r)
		return
	}
	s.writeTableCSV(w, r, "funnel", "owner", funnelTable(rq, setup, res, activity))
}

// funnelCell is the number of the funnel named by the URL's cell (and m or
// reason): the projects whose FunnelCounts include it.
func funnelCell(rq reportQuery) func(*postgres.ReportSetup) drillCell {
	cell, mArg, reasonArg := rq.Values["cell"], rq.Values["m"], rq.Values["reason"]
	return func(su *postgres.ReportSetup) drillCell {
		e := su.Engine
		fu := pipeline.NewFunnel(e, pipeline.FunnelOptions{Period: rq.Period})
		index := -1
		mName := ""
		if mArg != "" {
			id, err := strconv.ParseInt(mArg, 10, 64)
			for i, m := range e.Milestones() {
				if err == nil && m.ID == id {
					index = i
				}
			}
			if index < 0 {
				return drillCell{invalid: true}
			}
			mName = choiceName(choicesOfMilestones(su.Options.Milestones), id)
		}
		var reason int64 = -1
		if reasonArg != "" {
			id, err := strconv.ParseInt(reasonArg, 10, 64)
			if err != nil || choiceName(su.Reasons, id) == "" {
				return drillCell{invalid: true}
			}
			reason = id
		}
		var test func(c *pipeline.FunnelCounts) bool
		arg := ""
		switch cell {
		case "created":
			test = func(c *pipeline.FunnelCounts) bool { return c.Cohort }
		case "qualified":
			test = func(c *pipeline.FunnelCounts) bool { return c.Qualified }
		case "archived_unqualified":
			test = func(c *pipeline.FunnelCounts) bool { return c.ArchivedUnqualified }
		case "untriaged":
			test = func(c *pipeline.FunnelCounts) bool { return c.Untriaged }
		case "archived_qualified":
			test = func(c *pipeline.FunnelCounts) bool { return c.ArchivedQualified }
		case "reason":
			if reason < 0 {
				return drillCell{invalid: true}
			}
			arg = choiceName(su.Reasons, reason)
			test = func(c *pipeline.FunnelCounts) bool {
				return (c.ArchivedQualified || c.ArchivedUnqualified) && c.ArchiveReasonID == reason
			}
		case "deferred":
			test = func(c *pipeline.FunnelCounts) bool { return c.Deferred }
		case "open":
			test = func(c *pipeline.FunnelCounts) bool { return c.Open }
		case "sold":
			test = func(c *pipeline.FunnelCounts) bool { return c.Sold }
		case "reached":
			if index < 0 {
				return drillCell{invalid: true}
			}
			arg = mName
			test = func(c *pipeline.FunnelCounts) bool { return index < c.Reached }
		case "completed":
			if index < 0 {
				return drillCell{invalid: true}
			}
			arg = mName
			test = func(c *pipeline.FunnelCounts) bool { return c.Completed&(1<<index) != 0 }
		case "archived_in":
			test = func(c *pipeline.FunnelCounts) bool { return c.ArchivedInPeriod }
		case "sold_in":
			test = func(c *pipeline.FunnelCounts) bool { return c.SoldInPeriod }
		default:
			return drillCell{invalid: true}
		}
		return drillCell{key: "reports.funnel.cell." + cell, arg: arg, match: func(p *pipeline.Project, f *pipeline.Facts) bool {
			c, ok := fu.Counts(p, f)
			return ok && test(&c)
		}}
	}
}

// handleReportFunnelProjects lists the projects behind a number of the funnel.
func (s *Server) handleReportFunnelProjects(w http.ResponseWriter, r *http.Request) {
	s.funnelDrill(w, r, false)
}

// handleReportFunnelProjectsCSV is that list as a CSV file.
func (s *Server) handleReportFunnelProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.funnelDrill(w, r, true)
}

func (s *Server) funnelDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), funnelDrillOptions)
	checkFunnelView(&rq)
	rd, _ := funnelRead(rq)
	// The cohort's numbers come from the projects created in the period,
	// the activity's from those touched in it; a drill-down reads both
	// kinds only when its number needs them.
	switch rq.Values["cell"] {
	case "completed", "archived_in", "sold_in":
		rd.Filter.CreatedFrom, rd.Filter.CreatedTo = time.Time{}, time.Time{}
		rd.TouchedIn = rq.Period
	default:
		rd.TouchedIn = pipeline.Period{}
		rd.Filter.CreatedFrom, rd.Filter.CreatedTo = rq.Period.From, rq.Period.To
	}
	s.drill(w, r, "funnel", rq, funnelDrillOptions, funnelOptions.extra, rd, funnelCell(rq), csv)
}

// choicesOfMilestones are the milestones as choices (for their names).
func choicesOfMilestones(ms []crm.MilestoneDef) []crm.Choice {
	out := make([]crm.Choice, len(ms))
	for i, m := range ms {
		out[i] = crm.Choice{ID: int64(m.ID), Name: m.Name, Active: m.Active}
	}
	return out
}
