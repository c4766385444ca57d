package server

import (
	"archive/zip"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
)

// exportFiles are the files of the admin's export (NAME.csv), in the
// zip's order, and what each streams.
var exportFiles = []struct {
	name  string
	write func(*Server, *http.Request, io.Writer) error
}{
	{"projects", (*Server).writeProjects},
	{"accounts", (*Server).writeAccounts},
	{"contacts", (*Server).writeContacts},
	{"log", (*Server).writeLog},
}

// handleAdminExport streams one file of everything the company has, or
// all of them in one zip (everything.zip), each file read in one statement.
func (s *Server) handleAdminExport(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	var write func(*Server, *http.Request, io.Writer) error
	for _, f := range exportFiles {
		if f.name+".csv" == name {
			write = f.write
		}
	}
	ok := write != nil
	if !ok && name != "everything.zip" {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportWriteTime))
	day := moment().In(zone(ctx)).Format(time.DateOnly)
	out := &startedWriter{w: w, start: func() {
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		if name == "everything.zip" {
			h.Set("Content-Type", "application/zip")
		}
		h.Set("Content-Disposition", `attachment; filename="pipewell-`+day+`-`+name+`"`)
		h.Set("Cache-Control", "no-store")
	}}
	var err error
	if ok {
		err = write(s, r, out)
	} else {
		zw := zip.NewWriter(out)
		for _, ef := range exportFiles {
			var f io.Writer
			if f, err = zw.CreateHeader(&zip.FileHeader{Name: ef.name + ".csv", Method: zip.Deflate, Modified: time.Now()}); err != nil {
				break
			}
			if err = ef.write(s, r, f); err != nil {
				break
			}
		}
		if err == nil {
			err = zw.Close()
		}
	}
	switch {
	case err == nil:
	case !out.started:
		s.handleError(w, r, err)
	case errors.Is(err, ctx.Err()):
		panic(http.ErrAbortHandler)
	default:
		s.log.Error("export failed", "file", name, "err", err, "request_id", requestID(ctx))
		panic(http.ErrAbortHandler)
	}
}

// startedWriter sets the response's headers before its first byte.
type startedWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (sw *startedWriter) Write(p []byte) (int, error) {
	if !sw.started {
		sw.started = true
		sw.start()
	}
	return sw.w.Write(p)
}

func (s *Server) writeProjects(r *http.Request, w io.Writer) error {
	ctx := r.Context()
	var out *csvfile.ProjectsWriter
	err := s.db.ExportProjects(ctx, viewer(ctx), nil, moment(), func(l postgres.ExportLists) error {
		var err error
		out, err = csvfile.NewProjectsWriter(w, csvfile.Lists{Users: l.Users, Statuses: l.Names.Statuses,
			Sources: l.Names.Sources, Reasons: l.Names.Reasons, Defs: l.Defs}, zone(ctx), identity(ctx).Tenant.Currency)
		return err
	}, func(p *crm.ProjectRecord) error { return out.Write(p) })
	if err != nil {
		return err
	}
	return out.Flush()
}

func (s *Server) writeAccounts(r *http.Request, w io.Writer) error {
	ctx := r.Context()
	tw, err := csvfile.NewTableWriter(w, csvfile.AccountColumns, zone(ctx))
	if err != nil {
		return err
	}
	if err := s.db.ExportAccounts(ctx, viewer(ctx), tw.Account); err != nil {
		return err
	}
	return tw.Flush()
}

func (s *Server) writeContacts(r *http.Request, w io.Writer) error {
	ctx := r.Context()
	tw, err := csvfile.NewTableWriter(w, csvfile.ContactColumns, zone(ctx))
	if err != nil {
		return err
	}
	if err := s.db.ExportContacts(ctx, viewer(ctx), func(c *postgres.ContactRecord) error { return tw.Contact(&c.Contact, c.Account) }); err != nil {
		return err
	}
	return tw.Flush()
}

func (s *Server) writeLog(r *http.Request, w io.Writer) error {
	ctx := r.Context()
	tw, err := csvfile.NewTableWriter(w, csvfile.LogColumns, zone(ctx))
	if err != nil {
		return err
	}
	if err := s.db.ExportLog(ctx, viewer(ctx), func(e *postgres.LogRecord) error {
		return tw.LogEntry(&e.LogEntry, e.ExternalID, e.Project, e.UserEmail)
	}); err != nil {
		return err
	}
	return tw.Flush()
}
