package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Qualified lead status report: the qualified open (active or
// deferred) projects by owner, with scope, milestone status, pending
// milestone, last activity and the days since; those with no scope or no
// milestone status flagged, so a manager sees who keeps data current. It
// covers no period: it is the state of today.

var qualifiedOptions = reportOptions{}

var qualifiedDrillOptions = reportOptions{extra: []string{"cell"}}

// qualifiedRead reads the open projects by owner, with their details.
func qualifiedRead(rq reportQuery) postgres.ReportRead {
	return postgres.ReportRead{Filter: rq.Filter, Now: moment(), Names: true, OpenOnly: true, QualifiedOnly: true, ByOwner: true}
}

// isQualifiedOpen is the report's set: qualified, open (active or deferred).
func isQualifiedOpen(f *pipeline.Facts) bool {
	return f.Qualified && (f.State == pipeline.StateActive || f.State == pipeline.StateDeferred)
}

// qualifiedCounts are one owner's qualified open projects and their flags.
type qualifiedCounts struct{ n, noScope, noStatus int64 }

// readQualified streams the report's projects into each.
func (s *Server) readQualified(r *http.Request, rq *reportQuery, each func(e *pipeline.Engine, names map[int64]string, p *pipeline.Project,
	n *postgres.ReportNames, row web.QualifiedRow) error) (*postgres.ReportSetup, int, string, error) {
	var e *pipeline.Engine
	var f pipeline.Facts
	names := map[int64]string{}
	return s.readReport(r, rq, qualifiedRead(*rq), func(su *postgres.ReportSetup) {
		e = su.Engine
		for _, m := range su.Options.Milestones {
			names[int64(m.ID)] = m.Name
		}
	}, func(p *pipeline.Project, n *postgres.ReportNames) error {
		e.Evaluate(p, &f)
		if !isQualifiedOpen(&f) {
			return nil
		}
		last := p.CreatedAt
		if p.LastActivityAt.After(last) {
			last = p.LastActivityAt
		}
		row := web.QualifiedRow{ID: p.ID, Title: n.Title, Scope: n.Scope, Status: n.Status, Pending: names[e.MilestoneID(f.Pending)],
			State: crm.State(f.State.String()), LastActivity: csvfile.DayAt(last, e.Location()), DaysSince: e.DaysSince(last),
			NoScope: strings.TrimSpace(n.Scope) == "", NoStatus: n.Status == ""}
		if f.Pending < 0 {
			row.Pending = ""
		}
		return each(e, names, p, n, row)
	})
}

// handleReportQualified is the Qualified lead status page.
func (s *Server) handleReportQualified(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), qualifiedOptions)
	v := web.QualifiedReportView{}
	counts := map[int64]*qualifiedCounts{}
	var order []int64
	ownerName := map[int64]string{}
	var total qualifiedCounts
	setup, status, failure, err := s.readQualified(r, &rq, func(_ *pipeline.Engine, _ map[int64]string, p *pipeline.Project,
		n *postgres.ReportNames, row web.QualifiedRow) error {
		c := counts[p.OwnerID]
		if c == nil {
			c = &qualifiedCounts{}
			counts[p.OwnerID] = c
			order = append(order, p.OwnerID)
			ownerName[p.OwnerID] = n.Owner
			v.Groups = append(v.Groups, web.QualifiedGroup{Owner: n.Owner})
		}
		for _, x := range []*qualifiedCounts{c, &total} {
			x.n++
			if row.NoScope {
				x.noScope++
			}
			if row.NoStatus {
				x.noStatus++
			}
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Count++
		v.Total++
		if v.Shown < drillLimit {
			g.Rows = append(g.Rows, row)
			v.Shown++
		}
		return nil
	})
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v.ReportFrame = s.reportFrame(r, "qualified", rq, qualifiedOptions, setup, "qualified", "pending_milestone", "state")
	v.Failure = failure
	if failure != "" {
		v.CSVURL, v.Groups = "", nil
	} else {
		t := web.ReportTable{Caption: "reports.qualified.summary_caption", First: "reports.field.owner", Columns: []web.ReportColumn{
			{Name: "qualified_open", Key: "reports.qualified.col.n"}, {Name: "no_scope", Key: "reports.qualified.col.no_scope"},
			{Name: "no_status", Key: "reports.qualified.col.no_status"}}}
		row := func(c qualifiedCounts, owner string) web.ReportRow {
			link := func(cell string) string {
				return "/reports/qualified/projects?" + rq.encode("owner", owner, "cell", cell)
			}
			return web.ReportRow{Cells: []web.ReportCell{{N: c.n, URL: link("")}, {N: c.noScope, URL: link("no_scope")},
				{N: c.noStatus, URL: link("no_status")}}}
		}
		for _, id := range order {
			rr := row(*counts[id], strconv.FormatInt(id, 10))
			rr.Label = ownerName[id]
			t.Rows = append(t.Rows, rr)
		}
		t.Total = row(total, rq.Values["owner"])
		v.Summary = t
	}
	s.render(w, r, status, web.QualifiedReportPage(v))
}

var qualifiedHeader = []string{"owner", "project_id", "project", "scope", "milestone_status", "pending_milestone", "state",
	"last_activity", "days_since", "no_scope", "no_status"}

// handleReportQualifiedCSV is the list as a CSV file.
func (s *Server) handleReportQualifiedCSV(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), qualifiedOptions)
	var out *csvfile.Table
	started := false
	flag := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	_, status, _, err := s.readQualified(r, &rq, func(_ *pipeline.Engine, _ map[int64]string, _ *pipeline.Project,
		n *postgres.ReportNames, row web.QualifiedRow) error {
		if out == nil {
			reportCSV(w, r, "qualified")
			started = true
			var err error
			if out, err = csvfile.NewTable(w, qualifiedHeader...); err != nil {
				return err
			}
		}
		return out.Row(n.Owner, strconv.FormatInt(row.ID, 10), row.Title, row.Scope, row.Status, row.Pending, string(row.State),
			row.LastActivity, strconv.Itoa(row.DaysSince), flag(row.NoScope), flag(row.NoStatus))
	})
	s.finishCSV(w, r, out, started, status, err, "qualified", qualifiedHeader, s.handleReportQualified)
}

// qualifiedCell is the number of the report named by the URL's cell.
func qualifiedCell(rq reportQuery) func(*postgres.ReportSetup) drillCell {
	cell := rq.Values["cell"]
	return func(*postgres.ReportSetup) drillCell {
		var test func(n *postgres.ReportNames) bool
		switch cell {
		case "":
			test = func(*postgres.ReportNames) bool { return true }
		case "no_scope":
			test = func(n *postgres.ReportNames) bool { return strings.TrimSpace(n.Scope) == "" }
		case "no_status":
			test = func(n *postgres.ReportNames) bool { return n.Status == "" }
		default:
			return drillCell{invalid: true}
		}
		key := "reports.qualified.cell.all"
		if cell != "" {
			key = "reports.qualified.cell." + cell
		}
		return drillCell{key: key, matchNames: func(_ *pipeline.Project, f *pipeline.Facts, n *postgres.ReportNames) bool {
			return isQualifiedOpen(f) && test(n)
		}}
	}
}

// handleReportQualifiedProjects lists the projects behind a number of the report.
func (s *Server) handleReportQualifiedProjects(w http.ResponseWriter, r *http.Request) {
	s.qualifiedDrill(w, r, false)
}

// handleReportQualifiedProjectsCSV is that list as a CSV file.
func (s *Server) handleReportQualifiedProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.qualifiedDrill(w, r, true)
}

func (s *Server) qualifiedDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), qualifiedDrillOptions)
	s.drill(w, r, "qualified", rq, qualifiedDrillOptions, nil, qualifiedRead(rq), qualifiedCell(rq), csv)
}
