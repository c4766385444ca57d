package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The Rep load report: per salesperson, the open (active) projects, the
// new leads among them not yet qualified, the late projects and their late
// things, now; every active salesperson the viewer may see has a row, the
// ones with nothing open first to assign to.

var loadOptions = reportOptions{}

var loadDrillOptions = reportOptions{extra: []string{"cell"}}

// repLoad is one owner's load.
type repLoad struct{ open, unqualified, late, items int64 }

func (l *repLoad) add(f *pipeline.Facts) {
	l.open++
	if !f.Qualified {
		l.unqualified++
	}
	if f.Late {
		l.late++
		l.items += int64(f.LateItems)
		if f.LateMilestone {
			l.items++
		}
	}
}

// readLoad reads the load per owner.
func (s *Server) readLoad(r *http.Request, rq *reportQuery) (*postgres.ReportSetup, web.ReportTable, int, string, error) {
	var e *pipeline.Engine
	var f pipeline.Facts
	loads := map[int64]*repLoad{}
	var total repLoad
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Items: true, ActiveOnly: true}
	setup, status, failure, err := s.readReport(r, rq, rd, func(su *postgres.ReportSetup) { e = su.Engine },
		func(p *pipeline.Project, _ *postgres.ReportNames) error {
			e.Evaluate(p, &f)
			if f.State != pipeline.StateActive {
				return nil
			}
			l := loads[p.OwnerID]
			if l == nil {
				l = &repLoad{}
				loads[p.OwnerID] = l
			}
			l.add(&f)
			total.add(&f)
			return nil
		})
	t := web.ReportTable{Caption: "reports.load.caption", First: "reports.load.rep", Columns: []web.ReportColumn{
		{Name: "open", Key: "reports.load.open"}, {Name: "new_unqualified", Key: "reports.load.unqualified"},
		{Name: "late_projects", Key: "reports.load.late"}, {Name: "late_items", Key: "reports.load.items"}}}
	if status != http.StatusOK || err != nil {
		return setup, t, status, failure, err
	}
	row := func(l repLoad, owner string) web.ReportRow {
		link := func(cell string) string { return "/reports/load/projects?" + rq.encode("owner", owner, "cell", cell) }
		return web.ReportRow{Cells: []web.ReportCell{{N: l.open, URL: link("")}, {N: l.unqualified, URL: link("unqualified")},
			{N: l.late, URL: link("late")}, {N: l.items}}}
	}
	// Every user with a load, and every active salesperson the viewer
	// may see (by the owner filter), by name.
	for _, u := range setup.Users {
		l, ok := loads[u.ID]
		rep := u.Active && setup.Scope.CanSeeOwner(crm.UserID(u.ID)) && isSales(setup, u.ID) &&
			(rq.Filter.Owner == 0 || int64(rq.Filter.Owner) == u.ID) && rq.Filter.Workgroup == 0
		if !ok && !rep {
			continue
		}
		if l == nil {
			l = &repLoad{}
		}
		rr := row(*l, strconv.FormatInt(u.ID, 10))
		rr.Label = u.Name
		t.Rows = append(t.Rows, rr)
	}
	t.Total = row(total, rq.Values["owner"])
	return setup, t, status, failure, err
}

// isSales tells whether the user is a salesperson (by the owner choices'
// roles, which the setup does not carry: a user offered as an owner who is
// not an admin or manager).
func isSales(su *postgres.ReportSetup, id int64) bool { return su.Roles[id] == crm.RoleSales }

// handleReportLoad is the Rep load report page.
func (s *Server) handleReportLoad(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), loadOptions)
	setup, t, status, failure, err := s.readLoad(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.LoadReportView{ReportFrame: s.reportFrame(r, "load", rq, loadOptions, setup, "state", "late", "qualified")}
	v.Failure = failure
	if failure != "" {
		v.CSVURL = ""
	} else {
		v.Table = t
	}
	s.render(w, r, status, web.LoadReportPage(v))
}

// handleReportLoadCSV is the Rep load table as a CSV file.
func (s *Server) handleReportLoadCSV(w http.ResponseWriter, r *http.Request) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), loadOptions)
	_, t, status, _, err := s.readLoad(r, &rq)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if status != http.StatusOK {
		s.handleReportLoad(w, r)
		return
	}
	s.writeTableCSV(w, r, "load", "salesperson", t)
}

// loadCell is the number of the Rep load named by the URL's cell.
func loadCell(rq reportQuery) func(*postgres.ReportSetup) drillCell {
	cell := rq.Values["cell"]
	return func(*postgres.ReportSetup) drillCell {
		var test func(f *pipeline.Facts) bool
		switch cell {
		case "":
			test = func(*pipeline.Facts) bool { return true }
		case "unqualified":
			test = func(f *pipeline.Facts) bool { return !f.Qualified }
		case "late":
			test = func(f *pipeline.Facts) bool { return f.Late }
		default:
			return drillCell{invalid: true}
		}
		key := "reports.load.cell.open"
		if cell != "" {
			key = "reports.load.cell." + cell
		}
		return drillCell{key: key, match: func(_ *pipeline.Project, f *pipeline.Facts) bool {
			return f.State == pipeline.StateActive && test(f)
		}}
	}
}

// handleReportLoadProjects lists the projects behind a number of the Rep load.
func (s *Server) handleReportLoadProjects(w http.ResponseWriter, r *http.Request) {
	s.loadDrill(w, r, false)
}

// handleReportLoadProjectsCSV is that list as a CSV file.
func (s *Server) handleReportLoadProjectsCSV(w http.ResponseWriter, r *http.Request) {
	s.loadDrill(w, r, true)
}

func (s *Server) loadDrill(w http.ResponseWriter, r *http.Request, csv bool) {
	rq := parseReportQuery(r.URL.Query(), zone(r.Context()), moment(), loadDrillOptions)
	rd := postgres.ReportRead{Filter: rq.Filter, Now: moment(), Items: true, ActiveOnly: true}
	s.drill(w, r, "load", rq, loadDrillOptions, nil, rd, loadCell(rq), csv)
}
