package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// drillLimit is how many projects the list behind a number shows; its CSV
// has every one of them.
const drillLimit = 500

// drillCell is one number of a report whose projects are listed: which
// projects it counts (decided on the engine's facts, as the report's
// accumulator decides) and how the page names it.
type drillCell struct {
	match func(p *pipeline.Project, f *pipeline.Facts) bool
	// matchNames, instead of match, also reads what the project shows
	// (its scope, its milestone status).
	matchNames func(p *pipeline.Project, f *pipeline.Facts, n *postgres.ReportNames) bool
	// amount, when set, is what each matched project adds to the number
	// instead of its value (a change of the pipeline); it is asked right
	// after match.
	amount  func(p *pipeline.Project) int64
	key     string // catalog key naming the number, with arg
	arg     string
	invalid bool // the cell's parameters name nothing: 404
}

// drill answers the list (or, with csv, the file) of the projects behind a
// number of the report slug: the report's filter plus the cell.
//
// o are the list's options (the report's, with the cell's parameters);
// reportExtra are the report's own parameters, which the link back keeps.
func (s *Server) drill(w http.ResponseWriter, r *http.Request, slug string, rq reportQuery, o reportOptions, reportExtra []string,
	rd postgres.ReportRead, cell func(*postgres.ReportSetup) drillCell, csv bool) {
	ctx := r.Context()
	rd.Names = true
	var e *pipeline.Engine
	var c drillCell
	var names map[int64]string
	var f pipeline.Facts
	back := rq
	back.extra = reportExtra
	v := web.DrillView{ReportTitle: "reports." + slug + ".title", ReportURL: "/reports/" + slug + "?" + back.encode()}
	var table *csvfile.Table
	started := false
	name := func(i int) string {
		if i < 0 {
			return ""
		}
		return names[e.MilestoneID(i)]
	}
	row := func(p *pipeline.Project, n *postgres.ReportNames) web.DrillRow {
		return web.DrillRow{ID: p.ID, Title: n.Title, Customer: n.Customer, Owner: n.Owner, State: crm.State(f.State.String()),
			Stage: name(f.LastDone), Pending: name(f.Pending), Value: f.Value, Weighted: f.Weighted,
			Created: csvfile.DayAt(p.CreatedAt, e.Location())}
	}
	setup, status, failure, err := s.readReport(r, &rq, rd, func(su *postgres.ReportSetup) {
		e = su.Engine
		c = cell(su)
		names = map[int64]string{}
		for _, m := range su.Options.Milestones {
			names[int64(m.ID)] = m.Name
		}
	}, func(p *pipeline.Project, n *postgres.ReportNames) error {
		if c.invalid {
			return crm.ErrNotFound
		}
		e.Evaluate(p, &f)
		if c.matchNames != nil && !c.matchNames(p, &f, n) || c.matchNames == nil && !c.match(p, &f) {
			return nil
		}
		v.Count++
		value := f.Value
		if c.amount != nil {
			value = c.amount(p)
		}
		v.Value += value
		v.Weighted += f.Weighted
		if csv {
			if table == nil {
				reportCSV(w, r, slug+"-projects")
				started = true
				var err error
				if table, err = csvfile.NewTable(w, drillHeader()...); err != nil {
					return err
				}
			}
			d := row(p, n)
			d.Value = value
			return table.Row(strconv.FormatInt(d.ID, 10), d.Title, d.Customer, d.Owner, string(d.State), d.Stage, d.Pending,
				csvfile.Money(d.Value), csvfile.Money(d.Weighted), d.Created)
		}
		if len(v.Rows) < drillLimit {
			d := row(p, n)
			d.Value = value
			v.Rows = append(v.Rows, d)
		}
		return nil
	})
	if err == nil && c.invalid {
		err = crm.ErrNotFound
	}
	if csv && err == nil && status == http.StatusOK {
		if table == nil { // no project: a file with its header only
			reportCSV(w, r, slug+"-projects")
			started = true
			if table, err = csvfile.NewTable(w, drillHeader()...); err != nil {
				panic(http.ErrAbortHandler)
			}
		}
		if err := table.Flush(); err != nil {
			panic(http.ErrAbortHandler)
		}
		return
	}
	if started {
		s.log.Error("report export failed", "err", err, "request_id", requestID(ctx))
		panic(http.ErrAbortHandler)
	}
	if errors.Is(err, crm.ErrForbidden) {
		err = crm.ErrNotFound
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v.ReportFrame = s.reportFrame(r, slug, rq, o, setup)
	v.Page.Title = "reports.drill.title"
	v.Filters.Action = "/reports/" + slug + "/projects"
	shown := map[string]bool{}
	for _, x := range v.Filters.Extra {
		shown[x.Name] = true
	}
	for _, k := range rq.extra {
		if rq.Values[k] != "" && !shown[k] {
			v.Filters.Hidden = append(v.Filters.Hidden, web.Option{Value: k, Label: rq.Values[k]})
		}
	}
	v.Failure = failure
	v.CSVURL = ""
	if failure == "" {
		v.CSVURL = "/reports/" + slug + "/projects.csv?" + r.URL.RawQuery
	}
	v.CellKey, v.CellArg = c.key, c.arg
	if c.amount != nil {
		v.ValueKey = "reports.changes.drill_amount"
	}
	if c.key == "" {
		v.CellKey = "reports.drill.all"
	}
	v.Shown = len(v.Rows)
	s.render(w, r, status, web.DrillPage(v))
}

// drillHeader is the header of the list behind a number as a CSV file.
func drillHeader() []string {
	return []string{"id", "title", "customer", "owner", "state", "stage", "pending_milestone", "value", "weighted_value", "created"}
}
