package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Sales process step completion times: per step (created → qualified
// or archived, then each milestone to the next) and per owner, the count,
// mean, median, 90th percentile and maximum of the steps that ended in the
// period, the slowest projects, and the qualification step held against
// the deadline of the tenant's qualifying milestone.

var stepsOptions = reportOptions{defaultPreset: "this_month"}

var stepsDrillOptions = reportOptions{defaultPreset: "this_month", extra: []string{"step", "above"}}

// stepsOutliers is how many of the slowest projects a step lists.
const stepsOutliers = 10

// stepsRead reads the projects a step can end for in the period.
func stepsRead(rq reportQuery) postgres.ReportRead {
	return postgres.ReportRead{Filter: rq.Filter, Now: moment(), TouchedIn: rq.Period}
}

// readSteps reads the step times for the request.
func (s *Server) readSteps(r *http.Request, rq *reportQuery) (*postgres.ReportSetup, pipeline.StepReport, int, string, error) {
	var st *pipeline.StepTimes
	var b *pipeline.Batch
	setup, status, failure, err := s.readReport(r, rq, stepsRead(*rq), func(su *postgres.ReportSetup) {
		st = pipeline.NewStepTimes(su.Engine, pipeline.StepOptions{Period: rq.Period, Group: su.Engine.KeyFunc(pipeline.ByOwner),
			MaxOutliers: stepsOutliers})
		b = pipeline.NewBatch(su.Engine, st)
	}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
		b.Add(p)
		return nil
	})
	var res pipeline.StepReport
	if st != nil && status == http.StatusOK && err == nil {
		res = st.Result()
	}
	return setup, res, status, failure, err
}

// stepTarget is the qualification step's target: the deadline of the
// first active qualifying milestone, in days (0: none), and its name.
func stepTarget(su *postgres.ReportSetup) (int, string) {
	for _, m := range su.Options.Milestones {
		if m.Active && m.Qualifying {
			if m.HasDeadline {
				return m.DeadlineDays, m.Name
			}
			return 0, m.Name
		}
	}
	return 0, ""
}

// stepName names step i of res.
func stepName(r *http.Request, su *postgres.ReportSetup, res pipeline.StepReport, i int) string {
	if i == 0 {
		return web.T(r.Context(), "reports.steps.first")
	}
	names := choicesOfMilestones(su.Options.Milestones)
	return choiceName(names, res.Steps[i].FromID) + " → " + choiceName(names, res.Steps[i].ToID)
}

// stepsSections builds a table per step.
func stepsSections(r *http.Request, rq reportQuery, su *postgres.ReportSetup, res pipeline.StepReport) []web.StepSection {
	target, _ := stepTarget(su)
	targetMS := int64(target) * 24 * 3_600_000
	var out []web.StepSection
	for i := range res.Steps {
		if i > 0 && res.Steps[i].FromID == 0 {
			continue
		}
		sec := web.StepSection{Name: stepName(r, su, res, i), First: i == 0}
		sec.Table = web.ReportTable{Caption: "reports.steps.caption", First: "reports.field.owner", Columns: []web.ReportColumn{
			{Name: "count", Key: "reports.steps.count"}, {Name: "mean", Key: "reports.steps.mean", Duration: true},
			{Name: "median", Key: "reports.steps.median", Duration: true}, {Name: "p90", Key: "reports.steps.p90", Duration: true},
			{Name: "max", Key: "reports.steps.max", Duration: true}, {Name: "out_of_order", Key: "reports.steps.out_of_order"},
			{Name: "outliers", Key: "reports.steps.outlier_count"}}}
		row := func(st pipeline.StepStats, owner string) web.ReportRow {
			step := strconv.Itoa(i)
			link := func(above string) string {
				return "/reports/steps/projects?" + rq.encode("owner", owner, "step", step, "above", above)
			}
			over := func(d time.Duration) bool { return i == 0 && target > 0 && d.Milliseconds() > targetMS }
			return web.ReportRow{Cells: []web.ReportCell{
				{N: int64(st.Count), URL: link("")},
				{N: st.Mean.Milliseconds(), Over: over(st.Mean)},
				{N: st.Median.Milliseconds(), Over: over(st.Median)},
				{N: st.P90.Milliseconds(), Over: over(st.P90)},
				{N: st.Max.Milliseconds(), Over: over(st.Max)},
				{N: int64(st.OutOfOrder)},
				{N: int64(st.Above), URL: link(strconv.FormatInt(int64(st.P90/time.Second), 10))},
			}}
		}
		for _, g := range res.Groups {
			if g.Steps[i].Count == 0 && g.Steps[i].OutOfOrder == 0 {
				continue
			}
			rr := row(g.Steps[i], strconv.FormatInt(int64(g.Key), 10))
			rr.Label = choiceName(su.Users, int64(g.Key))
			sec.Table.Rows = append(sec.Table.Rows, rr)
		}
		tot := res.Total.Steps[i]
		sec.Table.Total = row(tot, rq.Values["owner"])
		for _, o := range tot.Outliers {
			sec.Outliers = append(sec.Outliers, web.StepOutlier{ProjectID: o.ProjectID, Took: o.Duration.Milliseconds()})
		}
		sec.OutliersURL = sec.Table.Total.Cells[6].URL
		out = append(out, sec)
	}
	return out
}

// handleReportSteps is the step completion times page.
func (s *Server) handleReportSteps(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), stepsOptions)
	setup, res, status, failure, err := s.readSteps(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.StepsReportView{ReportFrame: s.reportFrame(r, "steps", rq, stepsOptions, setup,
		"step_times", "percentiles", "outliers", "qualified", "time_zone")}
	v.Failure = failure
	if failure != "" {
		v.CSVURL = ""
	} else {
		v.TargetDays, v.TargetName = stepTarget(setup)
		v.Steps = stepsSections(r, rq, setup, res)
		v.Chart.Title = "reports.steps.chart"
		for _, sec := range v.Steps {
			c := sec.Table.Total.Cells
			b := web.Box{Label: sec.Name, Mean: c[1].N, Median: c[2].N, P90: c[3].N, Max: c[4].N}
			if sec.First {
				b.Target = int64(v.TargetDays) * 24 * 3_600_000
			}
			v.Chart.Boxes = append(v.Chart.Boxes, b)
		}
	}
	s.render(w, r, status, web.StepsReportPage(v))
}

// handleReportStepsCSV is every step's table as one CSV file: a line per
// step and owner, and the step's total; times in seconds.
func (s *Server) handleReportStepsCSV(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), stepsOptions)
	setup, res, status, _, err := s.readSteps(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if status != http.StatusOK {
		s.handleReportSteps(w, r)
		return
	}
	reportCSV(w, r, "steps")
	out, err := csvfile.NewTable(w, "step", "owner", "count", "mean_seconds", "median_seconds", "p90_seconds", "max_seconds", "out_of_order", "outliers")
	secs := func(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }
	for _, sec := range stepsSections(r, rq, setup, res) {
		rows := append(append([]web.ReportRow(nil), sec.Table.Rows...), sec.Table.Total)
		for k, row := range rows {
			if err != nil {
				break
			}
			owner := row.Label
			if k == len(rows)-1 {
				owner = web.T(r.Context(), "reports.total")
			}
			c := row.Cells
			err = out.Row(sec.Name, owner, strconv.FormatInt(c[0].N, 10), secs(c[1].N), secs(c[2].N), secs(c[3].N), secs(c[4].N),
				strconv.FormatInt(c[5].N, 10), strconv.FormatInt(c[6].N, 10))
		}
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		s.log.Error("report export failed", "err", err, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// stepsCell is the number of the step report named by the URL: the
// projects measured in step (of the owner, by the filter), with above the
// ones slower than that many seconds (the outliers of a row).
func stepsCell(rq reportQuery) func(*postgres.ReportSetup) drillCell {
	stepArg, aboveArg := rq.Values["step"], rq.Values["above"]
	return func(su *postgres.ReportSetup) drillCell {
		e := su.Engine
		step, err := strconv.Atoi(stepArg)
		if err != nil || step < 0 || step >= max(len(e.Milestones()), 1) {
			return drillCell{invalid: true}
		}
		above := int64(-1)
		if aboveArg != "" {
			if above, err = strconv.ParseInt(aboveArg, 10, 64); err != nil || above < 0 {
				return drillCell{invalid: true}
			}
		}
		st := pipeline.NewStepTimes(e, pipeline.StepOptions{Period: rq.Period})
		key, arg := "reports.steps.cell_first", ""
		if step > 0 {
			names := choicesOfMilestones(su.Options.Milestones)
			ms := e.Milestones()
			key, arg = "reports.steps.cell", choiceName(names, ms[step-1].ID)+" → "+choiceName(names, ms[step].ID)
		}
		if above >= 0 {
			key += "_outliers"
		}
		return drillCell{key: key, arg: arg, match: func(p *pipeline.Project, f *pipeline.Facts) bool {
			steps, took := st.Measured(p, f)
			return steps&(1<<step) != 0 && (above < 0 || took[step] > above)
		}}
	}
}

// handleReportStepsProjects lists the projects behind a number of the step report.
func (s *Server) handleReportStepsProjects(w http.ResponseWriter, r *http.Request) {
	s.stepsDrill(w, r, false)
}

// handleReportStepsProjectsCSV is that list as a CSV file.
func (s *Server) handleReportStepsProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.stepsDrill(w, r, true)
}

func (s *Server) stepsDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), stepsDrillOptions)
	s.drill(w, r, "steps", rq, stepsDrillOptions, nil, stepsRead(rq), stepsCell(rq), csv)
}
