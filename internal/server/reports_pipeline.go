package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Pipeline report: the active projects by the stage they have reached
// (their last completed milestone), with the next step named; count,
// value, probability, weighted value and stagnant count. Its period, when
// one is chosen, selects the projects created in it.

var pipelineOptions = reportOptions{defaultPreset: "all", extra: []string{"as_of"}, filters: asOfFilter}

// pipelineReport is the report as read: the engine's result and the names.
type pipelineReport struct {
	setup  *postgres.ReportSetup
	result pipeline.PipelineReport
}

// pipelineRead is what the report and its lists read: the active
// projects (created in the period, when one is chosen); as of a past day,
// the projects that can have been open then (open now, or with a change
// logged since).
func pipelineRead(rq *reportQuery) postgres.ReportRead {
	rd := asOfRead(rq, postgres.ReportRead{Filter: rq.Filter, Now: moment(), ActiveOnly: true})
	rd.Filter.CreatedFrom, rd.Filter.CreatedTo = rq.Period.From, rq.Period.To
	if !rq.AsOf.IsZero() {
		rd.OpenSince = rq.AsOf
	}
	return rd
}

// readPipeline reads the Pipeline report for the request's filter.
func (s *Server) readPipeline(r *http.Request, rq *reportQuery) (pipelineReport, int, string, error) {
	var rep pipelineReport
	var pl *pipeline.Pipeline
	var b *pipeline.Batch
	rd := pipelineRead(rq)
	setup, status, failure, err := s.readReport(r, rq, rd, func(su *postgres.ReportSetup) {
		pl = pipeline.NewPipeline(su.Engine, pipeline.PipelineOptions{ByReached: true})
		b = pipeline.NewBatch(su.Engine, pl)
	}, func(p *pipeline.Project, _ *postgres.ReportNames) error {
		b.Add(p)
		return nil
	})
	rep.setup = setup
	if pl != nil && status == http.StatusOK && err == nil {
		rep.result = pl.Result()
	}
	return rep, status, failure, err
}

// pipelineRows are the table's rows: the projects with no completed
// milestone first, then each active milestone in process order.
func (rep pipelineReport) rows(rq reportQuery) (rows []web.PipelineStageRow, total web.PipelineStageRow) {
	ms := rep.setup.Engine.Milestones()
	names := map[int64]string{}
	for _, m := range rep.setup.Options.Milestones {
		names[int64(m.ID)] = m.Name
	}
	link := func(stage string, stagnant bool) string {
		set := []string{"stage", stage}
		if stagnant {
			set = append(set, "only", "stagnant")
		}
		return "/reports/pipeline/projects?" + rq.encode(set...)
	}
	row := func(st pipeline.StageRow, stage string) web.PipelineStageRow {
		return web.PipelineStageRow{Count: st.Count, Value: st.Value, Weighted: st.Weighted, Probability: st.Probability(),
			Stagnant: st.Stagnant, URL: link(stage, false), StagnantURL: link(stage, true)}
	}
	stages := rep.result.Total.Stages
	if len(stages) == len(ms)+1 {
		none := row(stages[len(ms)], "none")
		none.NoStage = true
		if len(ms) > 0 {
			none.Next = names[ms[0].ID]
		}
		rows = append(rows, none)
		for i, m := range ms {
			sr := row(stages[i], strconv.FormatInt(m.ID, 10))
			sr.Stage = names[m.ID]
			if i+1 < len(ms) {
				sr.Next = names[ms[i+1].ID]
			}
			rows = append(rows, sr)
		}
	}
	total = row(rep.result.Total.Total, "")
	return rows, total
}

// handleReportPipeline is the Pipeline report page.
func (s *Server) handleReportPipeline(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), pipelineOptions)
	rep, status, failure, err := s.readPipeline(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.PipelineReportView{ReportFrame: s.reportFrame(r, "pipeline", rq, pipelineOptions, rep.setup,
		"pipeline_stage", "stage_probability", "weighted_value", "stagnant", "state", "as_of", "time_zone")}
	if n := asOfNote(&rq, zone(r.Context())); n != nil {
		v.AsOf = n[0]
	}
	v.Failure = failure
	if failure != "" {
		v.CSVURL = ""
	}
	if failure == "" {
		v.StagnantDays = rep.setup.Tenant.StagnantDays
		v.Rows, v.Total = rep.rows(rq)
		v.Chart = web.BarChart{Title: "reports.pipeline.chart", XLabel: "reports.pipeline.stage", YLabel: "reports.col.value",
			Series: []string{"reports.col.value", "reports.col.weighted"}, Money: true}
		for _, row := range v.Rows {
			label := row.Stage
			if row.NoStage {
				label = web.T(r.Context(), "reports.pipeline.no_stage")
			}
			v.Chart.Groups = append(v.Chart.Groups, web.ChartGroup{Label: label, Values: []int64{row.Value, row.Weighted}, URL: row.URL})
		}
	}
	s.render(w, r, status, web.PipelineReportPage(v))
}

// handleReportPipelineCSV is the Pipeline report's table as a CSV file.
func (s *Server) handleReportPipelineCSV(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), pipelineOptions)
	rep, status, _, err := s.readPipeline(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if status != http.StatusOK {
		s.handleReportPipeline(w, r)
		return
	}
	rows, total := rep.rows(rq)
	reportCSV(w, r, "pipeline")
	t, err := csvfile.NewTable(w, "stage", "next_step", "projects", "value", "probability_percent", "weighted_value", "stagnant")
	line := func(row web.PipelineStageRow, stage string) {
		if err == nil {
			stagnant := strconv.Itoa(row.Stagnant)
			if !rq.AsOf.IsZero() {
				stagnant = "" // not rebuilt for a past day
			}
			err = t.Row(stage, row.Next, strconv.Itoa(row.Count), csvfile.Money(row.Value),
				strconv.FormatFloat(row.Probability*100, 'f', 2, 64), csvfile.Money(row.Weighted), stagnant)
		}
	}
	for _, row := range rows {
		stage := row.Stage
		if row.NoStage {
			stage = web.T(r.Context(), "reports.pipeline.no_stage")
		}
		line(row, stage)
	}
	line(total, web.T(r.Context(), "reports.total"))
	if err == nil {
		err = t.Flush()
	}
	if err != nil {
		s.log.Error("report export failed", "err", err, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// pipelineCell is the number of the Pipeline report named by the URL: a
// stage (a milestone ID, "none" for no completed milestone, empty for the
// total) and, with only=stagnant, its stagnant projects.
func pipelineCell(r *http.Request) func(*postgres.ReportSetup) drillCell {
	q := r.URL.Query()
	stage, only := q.Get("stage"), q.Get("only")
	return func(su *postgres.ReportSetup) drillCell {
		e := su.Engine
		c := drillCell{}
		index := -2 // any stage
		switch stage {
		case "":
			c.key = "reports.pipeline.cell_all"
		case "none":
			index = -1
			c.key = "reports.pipeline.cell_none"
		default:
			id, err := strconv.ParseInt(stage, 10, 64)
			index = -3
			for i, m := range e.Milestones() {
				if err == nil && m.ID == id {
					index = i
				}
			}
			if index == -3 {
				return drillCell{invalid: true}
			}
			c.key = "reports.pipeline.cell_stage"
			for _, m := range su.Options.Milestones {
				if int64(m.ID) == id {
					c.arg = m.Name
				}
			}
		}
		stagnant := false
		switch only {
		case "":
		case "stagnant":
			stagnant = true
			c.key += "_stagnant"
		default:
			return drillCell{invalid: true}
		}
		if index == -1 {
			index = len(e.Milestones()) // the stage row of no completed milestone
		}
		pl := pipeline.NewPipeline(e, pipeline.PipelineOptions{ByReached: true})
		c.match = func(p *pipeline.Project, f *pipeline.Facts) bool {
			i, ok := pl.Stage(p, f)
			return ok && (index == -2 || i == index) && (!stagnant || f.Stagnant)
		}
		return c
	}
}

var pipelineDrillOptions = reportOptions{defaultPreset: "all", extra: []string{"as_of", "stage", "only"}, filters: asOfFilter}

// handleReportPipelineProjects lists the projects behind a number of the
// Pipeline report.
func (s *Server) handleReportPipelineProjects(w http.ResponseWriter, r *http.Request) {
	s.pipelineDrill(w, r, false)
}

// handleReportPipelineProjectsCSV is that list as a CSV file.
func (s *Server) handleReportPipelineProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.pipelineDrill(w, r, true)
}

func (s *Server) pipelineDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), pipelineDrillOptions)
	rd := pipelineRead(&rq)
	s.drill(w, r, "pipeline", rq, pipelineDrillOptions, pipelineOptions.extra, rd, pipelineCell(r), csv)
}
