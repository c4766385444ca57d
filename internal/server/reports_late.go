package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Late milestones report: every late milestone, subtask and event of
// the projects the viewer may see, now, grouped by owner, with how many
// projects of each owner are late (and with what) above. It covers no
// period: late is a state of today.

var lateOptions = reportOptions{}

var lateDrillOptions = reportOptions{extra: []string{"cell"}}

// lateLimit is how many late things the page lists; the CSV has them all.
const lateLimit = 1000

// lateCounts are one owner's late projects, by what is late.
type lateCounts struct {
	projects, milestone, subtask, event int64
}

// lateThing is one late thing as a row, with its owner.
type lateThing struct {
	owner int64
	name  string
	row   web.LateRow
}

// lateRows turns a project's late things into rows.
func lateRows(e *pipeline.Engine, names map[int64]string, p *pipeline.Project, n *postgres.ReportNames, items []pipeline.LateItem) []web.LateRow {
	loc := e.Location()
	var out []web.LateRow
	for _, it := range items {
		r := web.LateRow{ProjectID: p.ID, Project: n.Title, Customer: n.Customer, DaysLate: it.DaysLate}
		switch it.Kind {
		case pipeline.LateMilestoneDue:
			r.Kind, r.What, r.Due = "milestone", names[it.ID], csvfile.DayAt(it.Due, loc)
		case pipeline.LateSubtask, pipeline.LateEvent:
			r.Kind = "subtask"
			if it.Kind == pipeline.LateEvent {
				r.Kind = "event"
			}
			for i, item := range p.Items {
				if item.ID == it.ID && (item.Kind == pipeline.Event) == (it.Kind == pipeline.LateEvent) && i < len(n.Items) {
					r.What = n.Items[i]
				}
			}
			r.Due = csvfile.DayAt(it.Due, loc)
			if it.Kind == pipeline.LateEvent {
				r.Due = it.Due.In(loc).Format("2006-01-02 15:04")
			}
		}
		out = append(out, r)
	}
	return out
}

// readLate streams the late projects, by owner, into each.
func (s *Server) readLate(r *http.Request, rq *reportQuery, start func(*postgres.ReportSetup),
	each func(p *pipeline.Project, n *postgres.ReportNames, items []pipeline.LateItem) error) (*postgres.ReportSetup, int, string, error) {
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Items: true, Names: true, LateOnly: true, ByOwner: true}
	var e *pipeline.Engine
	var items []pipeline.LateItem
	return s.readReport(r, rq, rd, func(su *postgres.ReportSetup) {
		e = su.Engine
		if start != nil {
			start(su)
		}
	}, func(p *pipeline.Project, n *postgres.ReportNames) error {
		items = e.LateItems(p, items[:0])
		if len(items) == 0 {
			return nil
		}
		return each(p, n, items)
	})
}

// handleReportLate is the Late milestones page.
func (s *Server) handleReportLate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rq := parseReportQuery(r.URL.Query(), zone(ctx), moment(), lateOptions)
	v := web.LateReportView{}
	var e *pipeline.Engine
	names := map[int64]string{}
	counts := map[int64]*lateCounts{}
	var order []int64
	var total lateCounts
	ownerName := map[int64]string{}
	setup, status, failure, err := s.readLate(r, &rq, func(su *postgres.ReportSetup) {
		e = su.Engine
		for _, m := range su.Options.Milestones {
			names[int64(m.ID)] = m.Name
		}
	}, func(p *pipeline.Project, n *postgres.ReportNames, items []pipeline.LateItem) error {
		c := counts[p.OwnerID]
		if c == nil {
			c = &lateCounts{}
			counts[p.OwnerID] = c
			order = append(order, p.OwnerID)
			ownerName[p.OwnerID] = n.Owner
			v.Groups = append(v.Groups, web.LateGroup{Owner: n.Owner})
		}
		addLate(c, &total, items)
		g := &v.Groups[len(v.Groups)-1]
		g.Count += len(items)
		v.Total += len(items)
		for _, row := range lateRows(e, names, p, n, items) {
			if v.Shown < lateLimit {
				g.Rows = append(g.Rows, row)
				v.Shown++
			}
		}
		return nil
	})
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v.ReportFrame = s.reportFrame(r, "late", rq, lateOptions, setup, "late", "days_late", "due_date", "pending_milestone", "time_zone")
	v.Failure = failure
	if failure != "" {
		v.CSVURL = ""
		v.Groups = nil
	} else {
		v.Summary = lateSummary(rq, order, ownerName, counts, total)
	}
	s.render(w, r, status, web.LateReportPage(v))
}

// addLate counts a late project in its owner's counts and the total.
func addLate(c, total *lateCounts, items []pipeline.LateItem) {
	var m, st, ev bool
	for _, it := range items {
		switch it.Kind {
		case pipeline.LateMilestoneDue:
			m = true
		case pipeline.LateSubtask:
			st = true
		case pipeline.LateEvent:
			ev = true
		}
	}
	for _, x := range []*lateCounts{c, total} {
		x.projects++
		if m {
			x.milestone++
		}
		if st {
			x.subtask++
		}
		if ev {
			x.event++
		}
	}
}

// lateSummary is the table of late projects per owner.
func lateSummary(rq reportQuery, order []int64, names map[int64]string, counts map[int64]*lateCounts, total lateCounts) web.ReportTable {
	t := web.ReportTable{Caption: "reports.late.summary_caption", First: "reports.field.owner", Columns: []web.ReportColumn{
		{Name: "late_projects", Key: "reports.late.col.projects"}, {Name: "late_milestone", Key: "reports.late.col.milestone"},
		{Name: "late_subtask", Key: "reports.late.col.subtask"}, {Name: "late_event", Key: "reports.late.col.event"}}}
	row := func(c lateCounts, owner string) web.ReportRow {
		var out web.ReportRow
		for i, n := range []int64{c.projects, c.milestone, c.subtask, c.event} {
			cell := []string{"", "milestone", "subtask", "event"}[i]
			out.Cells = append(out.Cells, web.ReportCell{N: n, URL: "/reports/late/projects?" + rq.encode("owner", owner, "cell", cell)})
		}
		return out
	}
	for _, id := range order {
		r := row(*counts[id], strconv.FormatInt(id, 10))
		r.Label = names[id]
		t.Rows = append(t.Rows, r)
	}
	t.Total = row(total, rq.Values["owner"])
	return t
}

// handleReportLateCSV is every late thing as a CSV file, by owner: the
// report's list.
func (s *Server) handleReportLateCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rq := parseReportQuery(r.URL.Query(), zone(ctx), moment(), lateOptions)
	var e *pipeline.Engine
	names := map[int64]string{}
	var out *csvfile.Table
	started := false
	_, status, _, err := s.readLate(r, &rq, func(su *postgres.ReportSetup) {
		e = su.Engine
		for _, m := range su.Options.Milestones {
			names[int64(m.ID)] = m.Name
		}
	}, func(p *pipeline.Project, n *postgres.ReportNames, items []pipeline.LateItem) error {
		if out == nil {
			reportCSV(w, r, "late")
			started = true
			var err error
			if out, err = csvfile.NewTable(w, lateHeader...); err != nil {
				return err
			}
		}
		for _, row := range lateRows(e, names, p, n, items) {
			if err := out.Row(n.Owner, strconv.FormatInt(row.ProjectID, 10), row.Project, row.Customer, row.Kind, row.What,
				row.Due, strconv.Itoa(row.DaysLate)); err != nil {
				return err
			}
		}
		return nil
	})
	s.finishCSV(w, r, out, started, status, err, "late", lateHeader, s.handleReportLate)
}

var lateHeader = []string{"owner", "project_id", "project", "customer", "kind", "what", "due", "days_late"}

// finishCSV ends a CSV stream: the file (its header only when nothing was
// written), the report page for a filter to fix, or the error.
func (s *Server) finishCSV(w http.ResponseWriter, r *http.Request, out *csvfile.Table, started bool, status int, err error,
	slug string, header []string, page http.HandlerFunc) {
	switch {
	case err == nil && status == http.StatusOK:
		if out == nil {
			reportCSV(w, r, slug)
			var werr error
			if out, werr = csvfile.NewTable(w, header...); werr != nil {
				panic(http.ErrAbortHandler)
			}
		}
		if err := out.Flush(); err != nil {
			panic(http.ErrAbortHandler)
		}
	case started:
		s.log.Error("report export failed", "err", err, "request_id", requestID(r.Context()))
		panic(http.ErrAbortHandler)
	case err != nil:
		s.handleError(w, r, err)
	default:
		page(w, r)
	}
}

// lateCell is the number of the late report named by the URL's cell: the
// late projects (of the owner, by the filter) with a late milestone, task
// or event, or any.
func lateCell(rq reportQuery) func(*postgres.ReportSetup) drillCell {
	cell := rq.Values["cell"]
	return func(su *postgres.ReportSetup) drillCell {
		e := su.Engine
		var kind pipeline.LateKind
		switch cell {
		case "":
		case "milestone":
			kind = pipeline.LateMilestoneDue
		case "subtask":
			kind = pipeline.LateSubtask
		case "event":
			kind = pipeline.LateEvent
		default:
			return drillCell{invalid: true}
		}
		var items []pipeline.LateItem
		key := "reports.late.cell.late"
		if cell != "" {
			key = "reports.late.cell." + cell
		}
		return drillCell{key: key, match: func(p *pipeline.Project, _ *pipeline.Facts) bool {
			items = e.LateItems(p, items[:0])
			for _, it := range items {
				if kind == 0 || it.Kind == kind {
					return true
				}
			}
			return false
		}}
	}
}

// handleReportLateProjects lists the projects behind a number of the late report.
func (s *Server) handleReportLateProjects(w http.ResponseWriter, r *http.Request) {
	s.lateDrill(w, r, false)
}

// handleReportLateProjectsCSV is that list as a CSV file.
func (s *Server) handleReportLateProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.lateDrill(w, r, true)
}

func (s *Server) lateDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), lateDrillOptions)
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Items: true, LateOnly: true}
	s.drill(w, r, "late", rq, lateDrillOptions, nil, rd, lateCell(rq), csv)
}
