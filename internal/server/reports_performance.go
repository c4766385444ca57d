package server

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Sales performance report (per rep and team: win rate, average deal,
// cycle, lead-to-qualified, lead response, velocity, deals needed for the
// quota; stage-to-stage conversion; the monthly trend) and the Probability
// calibration report (per milestone: configured and learned probability,
// reached, sold, Brier scores; a reliability chart).

var performanceReport = tableReport{
	slug: "performance",
	opts: reportOptions{defaultPreset: "this_quarter"},
	explain: []string{"win_rate", "average_deal", "sales_cycle", "lead_to_qualified", "lead_response_time",
		"sales_velocity", "deals_needed", "conversion", "time_zone"},
	read: (*Server).readPerformance,
}

var performanceDrillOptions = reportOptions{defaultPreset: "this_quarter", extra: []string{"measure"}}

var performanceColumns = []web.StatColumn{
	{Key: "reports.performance.win_rate", CSV: "win_rate_percent", Num: true},
	{Key: "reports.referral.sold", CSV: "sold", Num: true},
	{Key: "reports.referral.lost", CSV: "lost", Num: true},
	{Key: "reports.referral.sold_value", CSV: "sold_value", Num: true},
	{Key: "reports.performance.average_deal", CSV: "average_deal", Num: true},
	{Key: "reports.performance.cycle", CSV: "average_cycle_days", Num: true},
	{Key: "reports.referral.leads", CSV: "leads", Num: true},
	{Key: "reports.performance.lead_to_qualified", CSV: "lead_to_qualified_percent", Num: true},
	{Key: "reports.performance.response", CSV: "lead_response_median_seconds", Num: true},
	{Key: "reports.performance.open", CSV: "open_deals", Num: true},
	{Key: "reports.performance.velocity", CSV: "velocity_per_day", Num: true},
	{Key: "reports.forecast.quota", CSV: "quota", Num: true},
	{Key: "reports.performance.deals_needed", CSV: "deals_needed", Num: true},
}

func performanceCells(r pipeline.MetricsRow, quota int64, link func(string) string) []web.StatCell {
	cells := []web.StatCell{percentCell(r.WinRate), countCell(r.Sold, link("sold")), countCell(r.LostQualified, link("lost")),
		moneyCell(r.SoldValue, link("sold")), moneyCell(r.AvgDeal, ""), {Kind: web.CellDays, F: r.AvgCycleDays},
		countCell(r.Created, link("leads")), percentCell(r.LeadToQualified)}
	if r.Response.Count > 0 {
		cells = append(cells, web.StatCell{Kind: web.CellHours, N: int64(r.Response.Median.Seconds())})
	} else {
		cells = append(cells, noneCell())
	}
	cells = append(cells, countCell(r.Open, link("open")), moneyCell(r.Velocity, ""), moneyCell(quota, ""))
	if n, ok := r.DealsNeeded(quota); ok && quota > 0 {
		cells = append(cells, countCell(int(n), ""))
	} else {
		cells = append(cells, noneCell())
	}
	return cells
}

// readPerformance reads the Sales performance report and builds its tables and chart.
func (s *Server) readPerformance(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	var pd postgres.PerformanceData
	setup, status, failure, err := s.runReport(r, rq, func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		var err error
		pd, err = s.db.Performance(ctx, viewer(ctx), rd, rq.Period, start)
		return err
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	link := func(set ...string) func(string) string {
		return func(measure string) string {
			return "/reports/performance/projects?" + rq.encode(append([]string{"measure", measure}, set...)...)
		}
	}
	reps := web.StatTable{ID: "reps", Caption: "reports.performance.by_rep",
		Columns: append([]web.StatColumn{{Key: "reports.field.owner", CSV: "owner"}}, performanceColumns...)}
	for _, g := range pd.Owners.Groups {
		id := int64(g.Key)
		reps.Rows = append(reps.Rows, append([]web.StatCell{textCell(reportName(pd.UserNames, id))},
			performanceCells(g, pd.Quotas[id], link("owner", strconv.FormatInt(id, 10)))...))
	}
	reps.Total = append([]web.StatCell{textCell(web.T(ctx, "reports.total"))}, performanceCells(pd.Owners.Total, pd.QuotaTotal, link())...)
	v.Tables = []web.StatTable{reps}
	if len(pd.Workgroups) > 0 {
		teams := web.StatTable{ID: "teams", Caption: "reports.performance.by_team",
			Columns: append([]web.StatColumn{{Key: "reports.field.workgroup", CSV: "workgroup"}}, performanceColumns...)}
		for _, g := range pd.Workgroups {
			teams.Rows = append(teams.Rows, append([]web.StatCell{textCell(g.Name)},
				performanceCells(g.Metrics, g.Quota, link("wg", strconv.FormatInt(g.ID, 10)))...))
		}
		v.Tables = append(v.Tables, teams)
	}
	// Stage-to-stage conversion of the leads created in the period.
	names := map[int64]string{}
	for _, m := range setup.Options.Milestones {
		names[int64(m.ID)] = m.Name
	}
	conv := web.StatTable{ID: "conversion", Caption: "reports.performance.conversion", Columns: []web.StatColumn{
		{Key: "reports.performance.step", CSV: "step"},
		{Key: "reports.performance.reached_from", CSV: "reached_from", Num: true},
		{Key: "reports.performance.reached_to", CSV: "reached_to", Num: true},
		{Key: "reports.performance.conversion_rate", CSV: "conversion_percent", Num: true},
	}}
	ft := pd.Funnel.Total
	ms := setup.Engine.Milestones()
	for i := 0; i+1 < len(ms) && i+1 < len(ft.Reached); i++ {
		conv.Rows = append(conv.Rows, []web.StatCell{textCell(names[ms[i].ID] + " → " + names[ms[i+1].ID]),
			countCell(ft.Reached[i], ""), countCell(ft.Reached[i+1], ""), percentCell(ft.Conversion[i])})
	}
	v.Tables = append(v.Tables, conv)
	trend := web.StatTable{ID: "trend", Caption: "reports.performance.trend", Columns: []web.StatColumn{
		{Key: "reports.forecast.month", CSV: "month"},
		{Key: "reports.referral.sold", CSV: "sold", Num: true},
		{Key: "reports.referral.sold_value", CSV: "sold_value", Num: true},
		{Key: "reports.referral.lost", CSV: "lost", Num: true},
		{Key: "reports.performance.win_rate", CSV: "win_rate_percent", Num: true},
	}}
	chart := web.BarChart{Title: "reports.performance.chart", XLabel: "reports.forecast.month", YLabel: "reports.referral.sold_value",
		Series: []string{"reports.referral.sold_value"}, Money: true}
	// Every month of the period has its row, those without a deal closed too.
	byMonth := map[pipeline.Key]pipeline.MetricsRow{}
	for _, k := range periodMonths(rq.Period, setup.Engine.Location()) {
		byMonth[k] = pipeline.MetricsRow{Key: k}
	}
	for _, g := range pd.Trend.Groups {
		byMonth[g.Key] = g
	}
	for _, k := range slices.Sorted(maps.Keys(byMonth)) {
		g := byMonth[k]
		m := monthParam(g.Key)
		trend.Rows = append(trend.Rows, []web.StatCell{textCell(m), countCell(g.Sold, ""), moneyCell(g.SoldValue, ""),
			countCell(g.LostQualified, ""), percentCell(g.WinRate)})
		chart.Groups = append(chart.Groups, web.ChartGroup{Label: m, Values: []int64{g.SoldValue}})
	}
	v.Tables = append(v.Tables, trend)
	v.Charts = []web.BarChart{chart}
	return setup, status, failure, nil
}

// performanceCell is the projects behind a measure of the report.
func performanceCell(r *http.Request, rq *reportQuery) func(*postgres.ReportSetup) drillCell {
	measure := r.URL.Query().Get("measure")
	period := rq.Period
	return func(*postgres.ReportSetup) drillCell {
		match, ok := metricsMatch(measure, period)
		if !ok {
			return drillCell{invalid: true}
		}
		return drillCell{key: "reports.referral.cell." + measure, arg: web.T(r.Context(), "reports.referral.all"), match: match}
	}
}

func (s *Server) handleReportPerformance(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, performanceReport, false)
}

func (s *Server) handleReportPerformanceCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, performanceReport, true)
}

func (s *Server) handleReportPerformanceProjects(w http.ResponseWriter, r *http.Request) {
	s.performanceDrill(w, r, false)
}

func (s *Server) handleReportPerformanceProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.performanceDrill(w, r, true)
}

func (s *Server) performanceDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), performanceDrillOptions)
	s.drill(w, r, "performance", rq, performanceDrillOptions, performanceReport.opts.extra, postgres.ReportRead{Filter: rq.Filter, Now: moment(), Counted: postgres.MetricsCounted(rq.Period)}, performanceCell(r, &rq), csv)
}

var calibrationReport = tableReport{
	slug:    "calibration",
	opts:    reportOptions{defaultPreset: "all"},
	explain: []string{"calibration_backtest", "learned_probability", "stage_probability"},
	read:    (*Server).readCalibration,
}

var calibrationDrillOptions = reportOptions{defaultPreset: "all", extra: []string{"milestone", "measure"}}

// readCalibration reads the Probability calibration report. It covers the
// closed projects whenever they were closed; a period, when chosen, keeps
// those created in it.
func (s *Server) readCalibration(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	var cd postgres.CalibrationData
	setup, status, failure, err := s.runReport(r, rq, func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		rd.Filter.CreatedFrom, rd.Filter.CreatedTo = rq.Period.From, rq.Period.To
		var err error
		cd, err = s.db.Calibration(ctx, viewer(ctx), rd, start)
		return err
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	t := web.StatTable{ID: "milestones", Caption: "reports.calibration.caption", Columns: []web.StatColumn{
		{Key: "reports.calibration.milestone", CSV: "milestone"},
		{Key: "reports.calibration.configured", CSV: "configured_percent", Num: true},
		{Key: "reports.calibration.learned", CSV: "learned_percent", Num: true},
		{Key: "reports.calibration.observed", CSV: "observed_percent", Num: true},
		{Key: "reports.calibration.reached", CSV: "reached", Num: true},
		{Key: "reports.calibration.sold", CSV: "sold", Num: true},
		{Key: "reports.calibration.brier_configured", CSV: "brier_configured", Num: true},
		{Key: "reports.calibration.brier_learned", CSV: "brier_learned", Num: true},
	}}
	link := func(m, measure string) string {
		return "/reports/calibration/projects?" + rq.encode("milestone", m, "measure", measure)
	}
	rel := &web.ReliabilityChart{Title: "reports.calibration.chart"}
	for i, st := range cd.Stages {
		m := cd.Milestones[i]
		id := strconv.FormatInt(st.MilestoneID, 10)
		row := []web.StatCell{textCell(cd.MilestoneNames[st.MilestoneID]), percentCell(st.Configured.Float()),
			percentCell(st.Learned.Float()), percentCell(st.Raw), countCell(st.N, link(id, "reached")), countCell(st.Sold, link(id, "sold"))}
		if m.Won || st.N == 0 {
			row = append(row, noneCell(), noneCell())
		} else {
			row = append(row, web.StatCell{Kind: web.CellScore, F: st.BrierConfigured}, web.StatCell{Kind: web.CellScore, F: st.BrierLearned})
			name := cd.MilestoneNames[st.MilestoneID]
			rel.Configured = append(rel.Configured, web.ReliabilityPoint{Label: name, Predicted: st.Configured.Float(), Observed: st.Raw, N: st.N})
			rel.Learned = append(rel.Learned, web.ReliabilityPoint{Label: name, Predicted: st.Learned.Float(), Observed: st.Raw, N: st.N})
		}
		t.Rows = append(t.Rows, row)
	}
	bt := cd.Backtest
	t.Total = []web.StatCell{textCell(web.T(ctx, "reports.calibration.all")), noneCell(), noneCell(), noneCell(),
		countCell(bt.Predictions, ""), noneCell(), {Kind: web.CellScore, F: bt.BrierConfigured}, {Kind: web.CellScore, F: bt.BrierLearned}}
	v.Tables = []web.StatTable{t}
	v.Reliability = rel
	v.Notes = []web.ReportNote{{Key: "reports.calibration.prior", Arg: strconv.FormatFloat(cd.PriorStrength, 'f', 0, 64)}}
	if cd.UsesLearned {
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.calibration.uses_learned"})
	} else {
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.calibration.uses_configured"})
	}
	if viewer(ctx).Role == crm.RoleAdmin {
		v.SettingURL = "/admin/settings#learned_probabilities"
	}
	return setup, status, failure, nil
}

// calibrationCell is the closed projects that reached a milestone (and,
// with measure=sold, were sold): the Learner's count.
func calibrationCell(r *http.Request) func(*postgres.ReportSetup) drillCell {
	q := r.URL.Query()
	ms, measure := q.Get("milestone"), q.Get("measure")
	return func(su *postgres.ReportSetup) drillCell {
		id, err := strconv.ParseInt(ms, 10, 64)
		index := -1
		for i, m := range su.Engine.Milestones() {
			if err == nil && m.ID == id {
				index = i
			}
		}
		if index < 0 || (measure != "reached" && measure != "sold") {
			return drillCell{invalid: true}
		}
		c := drillCell{key: "reports.calibration.cell." + measure}
		for _, m := range su.Options.Milestones {
			if int64(m.ID) == id {
				c.arg = m.Name
			}
		}
		c.match = func(_ *pipeline.Project, f *pipeline.Facts) bool {
			closed := f.State == pipeline.StateSold || f.State == pipeline.StateArchived
			return closed && f.LastDone >= index && (measure == "reached" || f.State == pipeline.StateSold)
		}
		return c
	}
}

func (s *Server) handleReportCalibration(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, calibrationReport, false)
}

func (s *Server) handleReportCalibrationCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, calibrationReport, true)
}

func (s *Server) handleReportCalibrationProjects(w http.ResponseWriter, r *http.Request) {
	s.calibrationDrill(w, r, false)
}

func (s *Server) handleReportCalibrationProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.calibrationDrill(w, r, true)
}

func (s *Server) calibrationDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), calibrationDrillOptions)
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Phases: []string{"sold", "archived"}}
	rd.Filter.CreatedFrom, rd.Filter.CreatedTo = rq.Period.From, rq.Period.To
	s.drill(w, r, "calibration", rq, calibrationDrillOptions, calibrationReport.opts.extra, rd, calibrationCell(r), csv)
}
