package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// Reports made of tables (Forecast, Commission, Referral, Sales
// performance, Probability calibration) share one page, one CSV writer and
// one way to run: each builds web.ReportTables from the engine's results,
// the page shows them and the CSV writes the same cells, so a download
// always equals its table.

// tableReport is one report made of tables.
type tableReport struct {
	slug    string
	opts    reportOptions
	explain []string
	// read runs the report for the query and fills the view's tables,
	// charts and notes; it reports what runReport reports.
	read func(s *Server, r *http.Request, rq *reportQuery, v *web.TableReportView) (*postgres.ReportSetup, int, string, error)
}

// runReport is readReport for the reports that read through a postgres
// call of their own: run is called with the read and the check that
// start must pass (it refuses unknown IDs before any project is read).
func (s *Server) runReport(r *http.Request, rq *reportQuery,
	run func(rd postgres.ReportRead, start func(*postgres.ReportSetup) error) error) (setup *postgres.ReportSetup, status int, failure string, err error) {
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Timeout: s.cfg.ReportTimeout}
	// The period is applied by the engine's definitions, not by creation.
	rd.Filter.CreatedFrom, rd.Filter.CreatedTo = time.Time{}, time.Time{}
	bad := len(rq.Errors) > 0
	err = run(rd, func(su *postgres.ReportSetup) error {
		setup = su
		if !bad {
			rq.checkIDs(su.Options, su.Users)
		}
		if len(rq.Errors) > 0 {
			return errReportFilter
		}
		return nil
	})
	switch {
	case errors.Is(err, errReportFilter):
		return setup, http.StatusUnprocessableEntity, "reports.error.fix_filters", nil
	case errors.Is(err, postgres.ErrReportTimeout):
		return setup, http.StatusServiceUnavailable, "reports.error.timeout", nil
	}
	return setup, http.StatusOK, "", err
}

// serveTableReport answers a table report's page, or with csv the table
// named by the URL's "table" (the first by default) as a CSV file.
func (s *Server) serveTableReport(w http.ResponseWriter, r *http.Request, rep tableReport, csv bool) {
	ctx := r.Context()
	rq := parseReportQuery(r.URL.Query(), zone(ctx), moment(), rep.opts)
	v := web.TableReportView{Title: "reports." + rep.slug + ".title"}
	setup, status, failure, err := rep.read(s, r, &rq, &v)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if csv && status == http.StatusOK {
		want := r.URL.Query().Get("table")
		for _, t := range v.Tables {
			if want == "" || want == t.ID {
				writeTableCSV(s, w, r, rep.slug, t)
				return
			}
		}
		s.handleError(w, r, crm.ErrNotFound)
		return
	}
	frame := s.reportFrame(r, rep.slug, rq, rep.opts, setup, rep.explain...)
	frame.Failure = failure
	frame.CSVURL = ""
	if failure != "" {
		v.Tables, v.Charts, v.Reliability = nil, nil, nil
	}
	for i := range v.Tables {
		v.Tables[i].CSVURL = "/reports/" + rep.slug + ".csv?" + rq.encode("table", v.Tables[i].ID)
	}
	v.ReportFrame = frame
	s.render(w, r, status, web.TableReportPage(v))
}

// writeTableCSV writes t as a CSV file: its columns' CSV names, its rows
// and total row, numbers plain.
func writeTableCSV(s *Server, w http.ResponseWriter, r *http.Request, slug string, t web.StatTable) {
	reportCSV(w, r, slug+"-"+t.ID)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.CSV
	}
	out, err := csvfile.NewTable(w, header...)
	rows := t.Rows
	if t.Total != nil {
		rows = append(rows[:len(rows):len(rows)], t.Total)
	}
	for _, row := range rows {
		if err != nil {
			break
		}
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = csvCell(c)
		}
		err = out.Row(cells...)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		s.log.Error("report export failed", "err", err, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	}
}

// csvCell is a cell as the CSV file has it: plain numbers (cents as Money,
// fractions as percentages with two decimals, hours as seconds), text as is.
func csvCell(c web.StatCell) string {
	switch c.Kind {
	case web.CellCount, web.CellHours:
		return strconv.FormatInt(c.N, 10)
	case web.CellMoney:
		return csvfile.Money(c.N)
	case web.CellPercent:
		return strconv.FormatFloat(c.F*100, 'f', 2, 64)
	case web.CellRatio:
		return strconv.FormatFloat(c.F, 'f', 4, 64)
	case web.CellDays:
		return strconv.FormatFloat(c.F, 'f', 2, 64)
	case web.CellScore:
		return strconv.FormatFloat(c.F, 'f', 6, 64)
	case web.CellNone:
		return ""
	}
	return c.Text
}

// Cell constructors.
func textCell(s string) web.StatCell { return web.StatCell{Kind: web.CellText, Text: s} }
func countCell(n int, url string) web.StatCell {
	return web.StatCell{Kind: web.CellCount, N: int64(n), URL: url}
}
func moneyCell(c int64, url string) web.StatCell {
	return web.StatCell{Kind: web.CellMoney, N: c, URL: url}
}
func percentCell(f float64) web.StatCell { return web.StatCell{Kind: web.CellPercent, F: f} }
func noneCell() web.StatCell             { return web.StatCell{Kind: web.CellNone} }

// reportName is a user's (or workgroup's, source's) name, or the ID when it is gone.
func reportName(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

// choiceNames are a list's names by ID.
func choiceNames(su *postgres.ReportSetup, list string) map[int64]string {
	out := map[int64]string{}
	if su == nil {
		return out
	}
	src := su.Options.Sources
	if list == "workgroups" {
		src = su.Options.Workgroups
	}
	for _, c := range src {
		out[c.ID] = c.Name
	}
	return out
}
