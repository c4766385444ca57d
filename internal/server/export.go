package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
)

// exportWriteTime is how long an export may take to reach the client,
// instead of the server's write timeout for pages.
const exportWriteTime = 30 * time.Minute

// handleSalesCSV streams the projects of the Sales screen's current filter
// (the same parameters, without sort or page) as a projects file: every
// project the viewer may see in that view, in ID order.
func (s *Server) handleSalesCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who := identity(ctx)
	loc, now := zone(ctx), moment()
	sq := parseSalesQuery(r.URL.Query(), loc, now)
	f := sq.Filter
	name := "pipewell-" + string(f.View) + "-" + now.In(loc).Format(time.DateOnly) + ".csv"
	s.streamProjects(w, r, &f, name, who.Tenant.Currency)
}

// streamProjects writes the projects v may see that match f (all when nil)
// as the download name. Once the first byte is out, a failure can no longer
// become an error page: it is logged and the connection is cut, so that the
// client sees a failed download rather than a file silently cut short.
func (s *Server) streamProjects(w http.ResponseWriter, r *http.Request, f *postgres.SalesFilter, name, currency string) {
	ctx := r.Context()
	loc := zone(ctx)
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportWriteTime))
	var out *csvfile.ProjectsWriter
	started := false
	n := 0
	err := s.db.ExportProjects(ctx, viewer(ctx), f, moment(), func(l postgres.ExportLists) error {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "no-store")
		started = true
		var err error
		out, err = csvfile.NewProjectsWriter(w, csvfile.Lists{Users: l.Users, Statuses: l.Names.Statuses,
			Sources: l.Names.Sources, Reasons: l.Names.Reasons, Defs: l.Defs}, loc, currency)
		return err
	}, func(p *crm.ProjectRecord) error {
		n++
		return out.Write(p)
	})
	if err == nil && out != nil {
		err = out.Flush()
	}
	switch {
	case err == nil:
		return
	case !started:
		s.handleError(w, r, err)
	case errors.Is(err, ctx.Err()):
		s.log.Info("export cancelled", "rows", n, "request_id", requestID(ctx))
		panic(http.ErrAbortHandler)
	default:
		s.log.Error("export failed", "err", err, "rows", n, "request_id", requestID(ctx))
		panic(http.ErrAbortHandler)
	}
}
