package server

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Forecast report: active projects by the month of their expected
// close date and sold projects by the month they were sold — weighted and
// by forecast category — against quota, with attainment, gap and
// coverage; per month, per owner, per workgroup and in total. Its period
// selects the months shown (by default the three before this one, this
// one and the eleven after).

var forecastReport = tableReport{
	slug:    "forecast",
	opts:    reportOptions{defaultPreset: "forecast", extra: []string{"as_of"}, filters: asOfFilter},
	explain: []string{"forecast", "quota", "coverage", "weighted_value", "stage_probability", "as_of", "time_zone"},
	read:    (*Server).readForecast,
}

var forecastDrillOptions = reportOptions{defaultPreset: "forecast", extra: []string{"as_of", "m", "cat"}, filters: asOfFilter}

// forecastColumns are the columns of every forecast table after the first.
var forecastColumns = []web.StatColumn{
	{Key: "reports.col.projects", CSV: "projects", Num: true},
	{Key: "reports.col.weighted", CSV: "weighted_value", Num: true},
	{Key: "reports.forecast.pipeline", CSV: "pipeline", Num: true},
	{Key: "reports.forecast.best_case", CSV: "best_case", Num: true},
	{Key: "reports.forecast.commit", CSV: "commit", Num: true},
	{Key: "reports.forecast.closed_won", CSV: "closed_won", Num: true},
	{Key: "reports.forecast.quota", CSV: "quota", Num: true},
	{Key: "reports.forecast.attainment", CSV: "attainment_percent", Num: true},
	{Key: "reports.forecast.gap", CSV: "gap", Num: true},
	{Key: "reports.forecast.coverage", CSV: "coverage", Num: true},
}

// monthParam is the drill-down's name of a month key: "2026-03", or
// "none" for open projects without an expected close date.
func monthParam(k pipeline.Key) string {
	if k == 0 {
		return "none"
	}
	y, m := pipeline.MonthOf(k)
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// forecastCells are one forecast cell's columns; link gives the drill-down
// of a category ("" for all the cell's projects).
func forecastCells(c pipeline.ForecastCell, link func(cat string) string) []web.StatCell {
	cells := []web.StatCell{
		countCell(c.Count, link("")), moneyCell(c.Weighted, link("")),
		moneyCell(c.Pipeline, link("pipeline")), moneyCell(c.BestCase, link("best_case")),
		moneyCell(c.Commit, link("commit")), moneyCell(c.ClosedWon, link("closed_won")),
		moneyCell(c.Quota, ""),
	}
	if c.Quota > 0 {
		cells = append(cells, percentCell(c.Attainment()))
	} else {
		cells = append(cells, noneCell())
	}
	cells = append(cells, moneyCell(c.Gap(), ""))
	if c.Gap() > 0 {
		cells = append(cells, web.StatCell{Kind: web.CellRatio, F: c.Coverage()})
	} else {
		cells = append(cells, noneCell())
	}
	return cells
}

// readForecast reads the Forecast report and builds its tables and chart.
func (s *Server) readForecast(r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error) {
	ctx := r.Context()
	var fc postgres.ForecastData
	setup, status, failure, err := s.runReport(r, rq, func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error {
		var err error
		fc, err = s.db.Forecast(ctx, viewer(ctx), asOfRead(rq, rd), rq.Period, start)
		return err
	})
	if err != nil || status != http.StatusOK {
		return setup, status, failure, err
	}
	link := func(month pipeline.Key, set ...string) func(cat string) string {
		return func(cat string) string {
			return "/reports/forecast/projects?" + rq.encode(append([]string{"m", monthParam(month), "cat", cat}, set...)...)
		}
	}
	whole := func(set ...string) func(cat string) string {
		return func(cat string) string {
			return "/reports/forecast/projects?" + rq.encode(append([]string{"m", "", "cat", cat}, set...)...)
		}
	}
	monthLabel := func(k pipeline.Key) string {
		if k == 0 {
			return web.T(ctx, "reports.forecast.no_date")
		}
		return monthParam(k)
	}
	months := web.StatTable{ID: "months", Caption: "reports.forecast.by_month",
		Columns: append([]web.StatColumn{{Key: "reports.forecast.month", CSV: "month"}}, forecastColumns...)}
	chart := web.BarChart{Title: "reports.forecast.chart", XLabel: "reports.forecast.month", YLabel: "reports.col.value", Money: true,
		Series:     []string{"reports.forecast.pipeline", "reports.forecast.best_case", "reports.forecast.commit", "reports.forecast.closed_won"},
		LineSeries: "reports.forecast.quota"}
	// Every month of the window has its row, the months with nothing
	// forecast and no quota too; open projects without a date come first.
	cells := map[pipeline.Key]pipeline.ForecastCell{0: {}}
	for _, k := range periodMonths(rq.Period, setup.Engine.Location()) {
		cells[k] = pipeline.ForecastCell{Month: k}
	}
	for _, c := range fc.Owners.Total.Months {
		cells[c.Month] = c
	}
	for _, k := range slices.Sorted(maps.Keys(cells)) {
		c := cells[k]
		months.Rows = append(months.Rows, append([]web.StatCell{textCell(monthLabel(c.Month))}, forecastCells(c, link(c.Month))...))
		if c.Month != 0 {
			chart.Groups = append(chart.Groups, web.ChartGroup{Label: monthLabel(c.Month), URL: link(c.Month)(""),
				Values: []int64{c.Pipeline, c.BestCase, c.Commit, c.ClosedWon}})
			chart.Line = append(chart.Line, c.Quota)
		}
	}
	months.Total = append([]web.StatCell{textCell(web.T(ctx, "reports.total"))}, forecastCells(fc.Owners.Total.Total, whole())...)
	owners := web.StatTable{ID: "owners", Caption: "reports.forecast.by_owner",
		Columns: append([]web.StatColumn{{Key: "reports.field.owner", CSV: "owner"}}, forecastColumns...)}
	for _, g := range fc.Owners.Groups {
		id := strconv.FormatInt(int64(g.Key), 10)
		owners.Rows = append(owners.Rows, append([]web.StatCell{textCell(reportName(fc.UserNames, int64(g.Key)))},
			forecastCells(g.Total, whole("owner", id))...))
	}
	owners.Total = months.Total
	v.Tables = []web.StatTable{months, owners}
	if len(fc.Workgroups) > 0 {
		wgs := web.StatTable{ID: "workgroups", Caption: "reports.forecast.by_workgroup",
			Columns: append([]web.StatColumn{{Key: "reports.field.workgroup", CSV: "workgroup"}}, forecastColumns...)}
		for _, g := range fc.Workgroups {
			wgs.Rows = append(wgs.Rows, append([]web.StatCell{textCell(g.Name)},
				forecastCells(g.Row.Total, whole("wg", strconv.FormatInt(g.ID, 10)))...))
		}
		v.Tables = append(v.Tables, wgs)
		v.Notes = append(v.Notes, web.ReportNote{Key: "reports.forecast.workgroups_note"})
	}
	v.Charts = []web.BarChart{chart}
	v.Notes = append(asOfNote(rq, setup.Engine.Location()), v.Notes...)
	return setup, status, failure, nil
}

// forecastCell is the forecast number named by the URL: a month ("none":
// no expected close date; empty: every month of the window) and a
// category (empty: all the cell's projects).
func forecastCell(r *http.Request, rq *reportQuery) func(*postgres.ReportSetup) drillCell {
	q := r.URL.Query()
	m, cat := q.Get("m"), q.Get("cat")
	period := rq.Period
	return func(su *postgres.ReportSetup) drillCell {
		e := su.Engine
		c := drillCell{key: "reports.forecast.cell", arg: m}
		month := pipeline.Key(-1) // every month
		switch m {
		case "":
			c.arg = web.T(r.Context(), "reports.forecast.window")
		case "none":
			month = 0
			c.arg = web.T(r.Context(), "reports.forecast.no_date")
		default:
			k, err := pipeline.ParseMonth(m)
			if err != nil {
				return drillCell{invalid: true}
			}
			month = k
		}
		if cat != "" {
			if _, err := pipeline.ParseForecastCategory(cat); err != nil {
				return drillCell{invalid: true}
			}
			c.key = "reports.forecast.cell." + cat
		}
		inWindow := func(k pipeline.Key) bool {
			if k == 0 {
				return true
			}
			y, mo := pipeline.MonthOf(k)
			return period.Contains(pipeline.DayStart(y, mo, 1, e.Location()))
		}
		c.match = func(p *pipeline.Project, f *pipeline.Facts) bool {
			var k pipeline.Key
			var category string
			switch f.State {
			case pipeline.StateActive:
				if !p.ExpectedClose.IsZero() {
					y, mo, _ := p.ExpectedClose.Date()
					k = pipeline.MonthKey(y, mo)
				}
				switch p.Forecast {
				case pipeline.CategoryBestCase:
					category = "best_case"
				case pipeline.CategoryCommit, pipeline.CategoryClosedWon:
					category = "commit"
				default:
					category = "pipeline"
				}
			case pipeline.StateSold:
				l := f.SoldAt.In(e.Location())
				k, category = pipeline.MonthKey(l.Year(), l.Month()), "closed_won"
			default:
				return false
			}
			return inWindow(k) && (month < 0 || k == month) && (cat == "" || cat == category)
		}
		return c
	}
}

func (s *Server) handleReportForecast(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, forecastReport, false)
}

func (s *Server) handleReportForecastCSV(w http.ResponseWriter, r *http.Request) {
	s.serveTableReport(w, r, forecastReport, true)
}

func (s *Server) handleReportForecastProjects(w http.ResponseWriter, r *http.Request) {
	s.forecastDrill(w, r, false)
}

func (s *Server) handleReportForecastProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.forecastDrill(w, r, true)
}

func (s *Server) forecastDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), forecastDrillOptions)
	rd := asOfRead(&rq, postgres.ReportRead{Filter: rq.Filter, Now: moment()})
	s.drill(w, r, "forecast", rq, forecastDrillOptions, forecastReport.opts.extra, rd, forecastCell(r, &rq), csv)
}

// periodMonths are the months whose first day lies in the period, in order.
func periodMonths(p pipeline.Period, loc *time.Location) []pipeline.Key {
	var out []pipeline.Key
	for m := p.From.In(loc); m.Before(p.To); m = pipeline.DayStart(m.Year(), m.Month()+1, 1, loc) {
		if first := pipeline.DayStart(m.Year(), m.Month(), 1, loc); !first.Before(p.From) {
			out = append(out, pipeline.MonthKey(m.Year(), m.Month()))
		}
	}
	return out
}
