package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// MaxImportBytes caps an uploaded file. A bigger one is refused from its
// announced size before it is read, or as soon as it passes the cap.
const MaxImportBytes = 100 << 20

// importUploadTime is how long an upload may take to arrive.
const importUploadTime = 10 * time.Minute

// Upload messages (catalog keys).
const (
	msgImportNoFile   = "import.no_file"
	msgImportTooLarge = "import.too_large" // |MB
	msgImportField    = "import.unknown_field"
	msgImportTwice    = "import.field_twice"
)

// importPath is where an import's file is kept; rejected its rejected rows.
func (s *Server) importPath(tenant crm.TenantID, id int64, rejected bool) string {
	name := fmt.Sprintf("%d-%d.csv", tenant, id)
	if rejected {
		name = fmt.Sprintf("%d-%d-rejected.csv", tenant, id)
	}
	return filepath.Join(s.cfg.ImportDir, name)
}

func (s *Server) handleImportHome(w http.ResponseWriter, r *http.Request) {
	s.renderImportHome(w, r, http.StatusOK, web.Form{})
}

func (s *Server) renderImportHome(w http.ResponseWriter, r *http.Request, status int, f web.Form) {
	ctx := r.Context()
	list, err := s.db.Imports(ctx, viewer(ctx), 20)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	v := web.ImportHomeView{AdminPage: s.importPage(r), Form: f, MaxMB: MaxImportBytes >> 20,
		Exports: identity(ctx).User.Role == crm.RoleAdmin}
	for _, im := range list {
		v.Imports = append(v.Imports, importLine(im))
	}
	s.render(w, r, status, web.ImportHomePage(v))
}

// importPage is the import pages' frame: in the administration for an
// admin, under its own navigation item for a manager.
func (s *Server) importPage(r *http.Request) web.AdminPage {
	p := s.adminPage(r, "import.title", "admin.tab.import")
	if identity(r.Context()).User.Role != crm.RoleAdmin {
		p.Nav = "nav.import"
	}
	return p
}

func importLine(im postgres.Import) web.ImportLine {
	return web.ImportLine{ID: im.ID, Kind: im.Kind, FileName: im.FileName, State: im.State, By: im.CreatedByName, At: im.CreatedAt,
		Total: im.TotalRows, Created: im.Created, Updated: im.Updated, Rejected: im.Rejected, RowsDone: im.RowsDone,
		Message: im.Message, Finished: im.FinishedAt}
}

// handleImportUpload receives a file: it is streamed to the import folder
// (never held in memory), its header read with the chosen or detected
// encoding and delimiter, and the import recorded with the mapping its
// header names suggest. A file that cannot be read is told beside the
// file field, with the choices kept.
func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	values := map[string]string{}
	fail := func(status int, field, msg string) {
		s.renderImportHome(w, r, status, web.Form{Values: values, Errors: map[string]string{field: msg}})
	}
	tooLarge := crm.Msg(msgImportTooLarge, MaxImportBytes>>20)
	if r.ContentLength > MaxImportBytes+64<<10 {
		fail(http.StatusRequestEntityTooLarge, "file", tooLarge)
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(importUploadTime))
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		s.badRequest(w, r)
		return
	}
	if err := os.MkdirAll(s.cfg.ImportDir, 0o700); err != nil {
		s.serverError(w, r, err)
		return
	}
	var tmp *os.File
	var size int64
	var fileName string
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, "file", tooLarge)
			return
		}
		if err != nil {
			s.badRequest(w, r)
			return
		}
		switch part.FormName() {
		case "encoding", "comma", "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			values[part.FormName()] = string(b)
		case "file":
			if part.FileName() == "" || tmp != nil {
				continue
			}
			fileName = cleanFileName(part.FileName())
			tmp, err = os.CreateTemp(s.cfg.ImportDir, "upload-*.csv")
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			size, err = io.Copy(tmp, io.LimitReader(part, MaxImportBytes+1))
			if errors.As(err, &tooBig) || size > MaxImportBytes {
				fail(http.StatusRequestEntityTooLarge, "file", tooLarge)
				return
			}
			if err != nil {
				s.badRequest(w, r)
				return
			}
		}
	}
	if tmp == nil || size == 0 {
		fail(http.StatusUnprocessableEntity, "file", msgImportNoFile)
		return
	}
	opt := postgres.ImportOptions{Encoding: values["encoding"], Comma: values["comma"]}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.serverError(w, r, err)
		return
	}
	rd, err := csvfile.NewReader(tmp, readOptions(opt))
	var fe *csvfile.FileError
	if errors.As(err, &fe) {
		fail(http.StatusUnprocessableEntity, "file", fe.Msg())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for { // the whole file is read once now, so that what cannot be read is told at once
		_, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &fe) {
			fail(http.StatusUnprocessableEntity, "file", fe.Msg())
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	kind, chosen := csvfile.KindOf(values["kind"])
	if !chosen {
		kind = csvfile.DetectKind(rd.Header)
	}
	var mapping csvfile.Mapping
	if kind == csvfile.KindProjects {
		setup, err := s.db.ImportSetup(ctx, viewer(ctx))
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		mapping = csvfile.Suggest(rd.Header, setup.Lists.Defs)
	} else {
		mapping = csvfile.SuggestRecords(kind, rd.Header)
	}
	opt.DateOrder = string(csvfile.MonthFirst)
	if rd.Comma == ';' { // Excel writes semicolons where dates are day first
		opt.DateOrder = string(csvfile.DayFirst)
	}
	opt.Encoding = rd.Encoding
	id, err := s.db.CreateImportOf(ctx, viewer(ctx), string(kind), fileName, size, rd.Header, fields(mapping), opt)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), s.importPath(tenantOf(r), id, false)); err != nil {
		s.serverError(w, r, err)
		return
	}
	tmp = nil
	http.Redirect(w, r, "/admin/import/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// cleanFileName keeps the base name of an uploaded file, one line, at most 200 characters.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name, _ = crm.CleanLine(strings.ToValidUTF8(name, "?"))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" || name == "." || name == "/" {
		name = "upload.csv"
	}
	return name
}

func fields(m csvfile.Mapping) []string {
	out := make([]string, len(m))
	for i, f := range m {
		out[i] = string(f)
	}
	return out
}

func readOptions(o postgres.ImportOptions) csvfile.ReadOptions {
	ro := csvfile.ReadOptions{Encoding: o.Encoding}
	switch o.Comma {
	case ",", ";":
		ro.Comma = rune(o.Comma[0])
	case "tab":
		ro.Comma = '\t'
	}
	return ro
}

// importRows opens an import's file and returns its rows, read with the
// import's mapping and options against the tenant's setup (keep, when set,
// sees each record as read); close closes it.
func (s *Server) importRows(ctx context.Context, who *postgres.Identity, im postgres.Import, setup postgres.ImportSetup,
	keep func(line int, rec []string)) (postgres.ImportRows, csvfile.Mapping, func(), error) {
	f, err := os.Open(s.importPath(who.Tenant.ID, im.ID, false))
	if err != nil {
		return nil, nil, nil, err
	}
	rd, err := csvfile.NewReader(f, readOptions(im.Options))
	if err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	m := make(csvfile.Mapping, len(rd.Header))
	for i := range m {
		if i < len(im.Mapping) {
			m[i] = csvfile.Field(im.Mapping[i])
		}
	}
	l := setup.Lists
	d := csvfile.NewProjectDecoder(rd.Header, m, csvfile.ImportLists{Users: l.Users, Statuses: l.Names.Statuses,
		Sources: l.Names.Sources, Reasons: l.Names.Reasons, Defs: l.Defs, Workgroups: setup.Workgroups, Currency: who.Tenant.Currency,
		Loc: who.Tenant.Location(), Now: time.Now(), Order: csvfile.DateOrder(im.Options.DateOrder), Actor: who.User.ID,
		Owners: setup.Owners, CreateSources: im.Options.CreateSources})
	next := func(row *crm.ImportRow) (bool, error) {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		d.Decode(rec, rd.Line(), rd.Formula, row)
		if keep != nil {
			keep(row.Line, rec)
		}
		return true, nil
	}
	return next, m, func() { f.Close() }, nil
}

// handleImportProgress answers a running import's progress bar (htmx asks
// for it every second).
func (s *Server) handleImportProgress(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	im, err := s.db.Import(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, web.ImportProgressBar(progressOf(im, time.Now())))
}

// progressOf is an import's progress: rows done of total, and, once rows
// are written, the rate since it started and the time left at that rate.
func progressOf(im postgres.Import, now time.Time) web.ImportProgress {
	p := web.ImportProgress{ID: im.ID, Running: im.State == postgres.ImportRunning, Done: im.RowsDone, Total: im.TotalRows}
	if p.Total > 0 {
		p.Percent = min(100, p.Done*100/p.Total)
	}
	if elapsed := now.Sub(im.StartedAt); p.Running && p.Done > 0 && elapsed > 0 && !im.StartedAt.IsZero() {
		rate := float64(p.Done) / elapsed.Seconds()
		p.RowsPerSec, p.Known = int(rate+0.5), true
		p.Left = time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second))
	}
	return p
}

// handleImportRejected downloads the rows an import left out, each with
// its errors in a last column.
func (s *Server) handleImportRejected(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	im, err := s.db.Import(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	f, err := os.Open(s.importPath(tenantOf(r), im.ID, true))
	if err != nil {
		s.notFound(w, r)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "rejected-" + im.FileName}))
	h.Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, f)
}
