package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/csvfile"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// handleImport shows one import: the mapping of its columns and its last
// preview while it is not written, its progress while it runs, what it
// wrote after. ?saved=ID applies a saved mapping to the form.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	im, err := s.db.Import(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	values := map[string]string{"date_order": im.Options.DateOrder, "create_sources": checked(im.Options.CreateSources),
		"create_accounts": checked(im.Options.CreateAccounts), "valid_only": checked(im.Options.ValidOnly)}
	for i, f := range im.Mapping {
		values["col."+strconv.Itoa(i)] = f
	}
	if saved, ok := crm.ParseID(r.URL.Query().Get("saved")); ok && saved > 0 {
		values["saved"] = strconv.FormatInt(saved, 10)
		if list, err := s.db.ImportMappings(r.Context(), viewer(r.Context()), im.Kind); err == nil {
			for _, m := range list {
				if m.ID == saved {
					for i, h := range im.Header {
						values["col."+strconv.Itoa(i)] = m.Columns[h]
					}
				}
			}
		}
	}
	s.renderImport(w, r, http.StatusOK, im, web.Form{Values: values})
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, im postgres.Import, f web.Form) {
	ctx := r.Context()
	who := identity(ctx)
	v := web.ImportView{AdminPage: s.importPage(r), ImportLine: importLine(im), Form: f,
		Progress: progressOf(im, time.Now()), CanUndo: im.State == postgres.ImportDone && im.Created > 0 && im.Updated == 0}
	if im.State == postgres.ImportUploaded {
		setup, err := s.db.ImportSetup(ctx, viewer(ctx))
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		v.Fields = fieldOptions(ctx, csvfile.Kind(im.Kind), setup.Lists.Defs)
		v.Columns = s.importSample(who, im)
		if list, err := s.db.ImportMappings(ctx, viewer(ctx), im.Kind); err == nil {
			for _, m := range list {
				v.Saved = append(v.Saved, web.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
			}
		}
		if im.Preview != nil {
			v.Preview = previewView(im, setup)
		}
	}
	s.render(w, r, status, web.ImportPage(v))
}

// importSample is each column of the file with its first three values.
func (s *Server) importSample(who *postgres.Identity, im postgres.Import) []web.ImportColumn {
	cols := make([]web.ImportColumn, len(im.Header))
	for i, h := range im.Header {
		cols[i] = web.ImportColumn{Index: i, Name: h}
	}
	f, err := os.Open(s.importPath(who.Tenant.ID, im.ID, false))
	if err != nil {
		return cols
	}
	defer f.Close()
	rd, err := csvfile.NewReader(f, readOptions(im.Options))
	if err != nil {
		return cols
	}
	for n := 0; n < 3; n++ {
		rec, err := rd.Read()
		if err != nil {
			break
		}
		for i := range cols {
			if i < len(rec) && rec[i] != "" {
				v := rec[i]
				if r := []rune(v); len(r) > 60 {
					v = string(r[:60]) + "…"
				}
				cols[i].Sample = append(cols[i].Sample, v)
			}
		}
	}
	return cols
}

// fieldOptions are the fields a column of a file of kind k can be read
// as: none, the fixed fields, and for a projects file the note and two per
// milestone.
func fieldOptions(ctx context.Context, k csvfile.Kind, defs []crm.MilestoneDef) []web.Option {
	opts := []web.Option{{Value: "", Label: web.T(ctx, "import.field.ignore")}}
	if k != csvfile.KindProjects {
		for _, f := range csvfile.KindFields(k) {
			opts = append(opts, web.Option{Value: string(f), Label: web.T(ctx, "import.field."+string(f))})
		}
		return opts
	}
	opts = append(opts, web.Option{Value: string(csvfile.FieldNote), Label: web.T(ctx, "import.field.note")})
	for _, f := range csvfile.ProjectFields {
		opts = append(opts, web.Option{Value: string(f), Label: web.T(ctx, "import.field."+string(f))})
	}
	for _, d := range defs {
		opts = append(opts, web.Option{Value: string(csvfile.MilestoneField(d.ID)), Label: web.T(ctx, "import.field.milestone", d.Name)},
			web.Option{Value: string(csvfile.MilestoneByField(d.ID)), Label: web.T(ctx, "import.field.milestone_by", d.Name)})
	}
	return opts
}

func previewView(im postgres.Import, setup postgres.ImportSetup) *web.ImportPreviewView {
	p := im.Preview
	names := map[crm.UserID]string{}
	for _, u := range setup.Lists.Users {
		names[u.ID] = u.Email
	}
	v := &web.ImportPreviewView{Total: p.Total, Create: p.Create, CreateAccounts: p.CreateAccounts, Update: p.Update, Skip: p.Skip, ErrorCount: p.ErrorCount,
		MoreErrors: p.ErrorCount - len(p.Errors), CanCommit: p.ErrorCount == 0 || im.Options.ValidOnly}
	for _, e := range p.Errors {
		v.Errors = append(v.Errors, web.ImportError{Line: e.Line, Column: e.Column, Message: e.Msg})
	}
	for _, r := range p.Rows {
		action := "create"
		switch {
		case r.Invalid:
			action = "skip"
		case r.Update:
			action = "update"
		}
		if im.Kind != string(csvfile.KindProjects) {
			v.Rows = append(v.Rows, recordPreviewRow(im.Kind, r, action))
			continue
		}
		v.Rows = append(v.Rows, web.ImportPreviewRow{Line: r.Line, Action: action, Title: r.Project.Title, Account: r.Account.Name,
			Contact: r.Contact.Name, Owner: names[r.Project.OwnerID], Value: r.Project.Value, State: string(r.Project.State),
			CreatedAt: r.Project.CreatedAt, Completions: len(r.Project.Completions)})
	}
	for _, d := range p.Duplicates {
		v.Duplicates = append(v.Duplicates, web.ImportDuplicateLine{Line: d.Line, Contact: d.Contact, Match: d.Match, Name: d.Name})
	}
	return v
}

// importForm reads the mapping form: a known field for each column, each
// fixed field once, the options. Errors are per column.
func importForm(r *http.Request, im postgres.Import, defs []crm.MilestoneDef) (map[string]string, []string, postgres.ImportOptions, error) {
	known := map[string]bool{"": true}
	kind := csvfile.Kind(im.Kind)
	if kind == csvfile.KindProjects {
		known[string(csvfile.FieldNote)] = true
	} else {
		defs = nil
	}
	for _, f := range csvfile.KindFields(kind) {
		known[string(f)] = true
	}
	for _, d := range defs {
		known[string(csvfile.MilestoneField(d.ID))], known[string(csvfile.MilestoneByField(d.ID))] = true, true
	}
	names := []string{"date_order", "create_sources", "create_accounts", "valid_only", "mapping_name"}
	for i := range im.Header {
		names = append(names, "col."+strconv.Itoa(i))
	}
	values := keep(r, names...)
	var v crm.Validator
	mapping := make([]string, len(im.Header))
	seen := map[string]bool{}
	for i := range im.Header {
		name := "col." + strconv.Itoa(i)
		f := values[name]
		switch {
		case !known[f]:
			v.Add(name, msgImportField)
		case f != "" && f != string(csvfile.FieldNote) && seen[f]:
			v.Add(name, msgImportTwice)
		}
		seen[f] = true
		mapping[i] = f
	}
	order := csvfile.MonthFirst
	if values["date_order"] == string(csvfile.DayFirst) {
		order = csvfile.DayFirst
	}
	opt := im.Options
	opt.DateOrder, opt.ValidOnly = string(order), values["valid_only"] == "1"
	opt.CreateSources = kind == csvfile.KindProjects && values["create_sources"] == "1"
	opt.CreateAccounts = kind == csvfile.KindContacts && values["create_accounts"] == "1"
	v.CheckLine("mapping_name", values["mapping_name"], false, 100)
	return values, mapping, opt, v.Err()
}

// handleImportPreview saves the mapping (and, named, as a saved mapping)
// and previews the whole file with it: nothing is written to the projects.
func (s *Server) handleImportPreview(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	who := identity(ctx)
	im, err := s.db.Import(ctx, viewer(ctx), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if im.State != postgres.ImportUploaded {
		s.handleError(w, r, crm.ErrConflict)
		return
	}
	setup, err := s.db.ImportSetup(ctx, viewer(ctx))
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	values, mapping, opt, err := importForm(r, im, setup.Lists.Defs)
	if err == nil && values["mapping_name"] != "" {
		cols := map[string]string{}
		for i, h := range im.Header {
			cols[h] = mapping[i]
		}
		err = s.db.SaveImportMapping(ctx, viewer(ctx), im.Kind, strings.TrimSpace(values["mapping_name"]), cols)
	}
	var preview *postgres.ImportPreview
	if err == nil {
		im.Mapping, im.Options = mapping, opt
		if im.Kind != string(csvfile.KindProjects) {
			preview, err = s.previewRecords(ctx, who, im)
		} else {
			var next postgres.ImportRows
			var closeFile func()
			next, _, closeFile, err = s.importRows(ctx, who, im, setup, nil)
			if err == nil {
				preview, err = s.db.PreviewImport(ctx, viewer(ctx), next)
				closeFile()
			}
		}
		var fe *csvfile.FileError
		if errors.As(err, &fe) {
			err = crm.FieldError("", fe.Msg())
		}
	}
	if err == nil {
		err = s.db.SaveImportPreview(ctx, viewer(ctx), id, mapping, opt, preview)
	}
	s.finish(w, r, err, "/admin/import/"+strconv.FormatInt(id, 10)+"#preview", "", func(errs map[string]string) {
		s.renderImport(w, r, http.StatusUnprocessableEntity, im, web.Form{Values: values, Errors: errs})
	})
}

// handleImportCommit starts writing a previewed import in the background
// and shows its progress. A second import of the tenant while one runs is
// refused with a message.
func (s *Server) handleImportCommit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	v := viewer(ctx)
	im, err := s.db.Import(ctx, v, id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if im.State != postgres.ImportUploaded || im.Preview == nil {
		s.handleError(w, r, crm.ErrConflict)
		return
	}
	if err := s.db.StartImport(ctx, v, id); err != nil {
		if errs := formErrors(err); errs != nil {
			s.renderImport(w, r, http.StatusConflict, im, web.Form{Values: map[string]string{}, Errors: errs})
			return
		}
		s.handleError(w, r, err)
		return
	}
	who := *identity(ctx)
	loc := web.WithLocale(context.Background(), web.LocaleFrom(ctx))
	s.imports.Add(1)
	go func() {
		defer s.imports.Done()
		s.runImport(loc, &who, im)
	}()
	http.Redirect(w, r, "/admin/import/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// runImport writes an import and records its end. It runs on its own
// context: leaving the page does not stop it.
func (s *Server) runImport(ctx context.Context, who *postgres.Identity, im postgres.Import) {
	v := crm.Viewer{TenantID: who.Tenant.ID, UserID: who.User.ID, Role: who.User.Role}
	fail := func(err error) {
		msg := "import.failed"
		if errs := formErrors(err); errs != nil {
			msg = formMessage(errs)
		} else {
			var fe *csvfile.FileError
			if errors.As(err, &fe) {
				msg = fe.Msg()
			} else {
				s.log.Error("import failed", "import", im.ID, "tenant", v.TenantID, "err", err)
			}
		}
		if err := s.db.FinishImport(context.Background(), v.TenantID, im.ID, postgres.ImportResult{}, msg); err != nil {
			s.log.Error("import end", "import", im.ID, "err", err)
		}
	}
	setup, err := s.db.ImportSetup(ctx, v)
	if err != nil {
		fail(err)
		return
	}
	// The rows read are kept a while by line, for the rejected file.
	recent := map[int][]string{}
	var lines []int
	var keep func(int, []string)
	var rejected *csvfile.RejectedWriter
	header := im.Header
	if im.Options.ValidOnly {
		keep = func(line int, rec []string) {
			recent[line] = append([]string(nil), rec...)
			lines = append(lines, line)
			if len(lines) > 3*importKeep {
				for _, l := range lines[:importKeep] {
					delete(recent, l)
				}
				lines = append(lines[:0], lines[importKeep:]...)
			}
		}
		out, err := os.Create(s.importPath(v.TenantID, im.ID, true))
		if err != nil {
			fail(err)
			return
		}
		defer out.Close()
		if rejected, err = csvfile.NewRejectedWriter(out, header); err != nil {
			fail(err)
			return
		}
	}
	lastProgress := time.Time{}
	rejectedRow := func(line int, errs []crm.RowError) error {
		if rejected == nil {
			return nil
		}
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = web.Message(ctx, e.Msg)
			if e.Column != "" {
				msgs[i] = e.Column + ": " + msgs[i]
			}
		}
		rec := recent[line]
		if rec == nil {
			rec = make([]string, len(header))
		}
		return rejected.Write(rec, strings.Join(msgs, "; "))
	}
	progress := func(done int) {
		if time.Since(lastProgress) < 500*time.Millisecond {
			return
		}
		lastProgress = time.Now()
		if err := s.db.ImportProgress(context.Background(), v.TenantID, im.ID, done); err != nil {
			s.log.Warn("import progress", "import", im.ID, "err", err)
		}
	}
	var res postgres.ImportResult
	if im.Kind != string(csvfile.KindProjects) {
		res, err = s.commitRecords(ctx, who, im, keep, rejectedRow, progress)
	} else {
		var next postgres.ImportRows
		var mapping csvfile.Mapping
		var closeFile func()
		if next, mapping, closeFile, err = s.importRows(ctx, who, im, setup, keep); err != nil {
			fail(err)
			return
		}
		defer closeFile()
		res, err = s.db.CommitImport(ctx, v, postgres.ImportWrite{ImportID: im.ID, FileName: im.FileName, Fields: mapping.Fields(),
			ValidOnly: im.Options.ValidOnly, Rejected: rejectedRow, Progress: progress}, next)
	}
	if err == nil && rejected != nil {
		err = rejected.Flush()
	}
	if err != nil {
		fail(err)
		return
	}
	if err := s.db.FinishImport(context.Background(), v.TenantID, im.ID, res, ""); err != nil {
		s.log.Error("import end", "import", im.ID, "err", err)
	}
}

// importKeep is how many rows read are kept for the rejected file: more
// than a batch of the commit.
const importKeep = 4096

// handleImportUndo removes what an import created, while nothing has
// changed on its projects since.
func (s *Server) handleImportUndo(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	im, err := s.db.Import(ctx, viewer(ctx), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if im.Kind == string(csvfile.KindProjects) {
		err = s.db.UndoImport(ctx, viewer(ctx), id)
	} else {
		err = s.db.UndoRecordsImport(ctx, viewer(ctx), id)
	}
	s.finish(w, r, err, "/admin/import/"+strconv.FormatInt(id, 10), "import.undone", func(errs map[string]string) {
		im, err := s.db.Import(ctx, viewer(ctx), id)
		if err != nil {
			s.handleError(w, r, err)
			return
		}
		s.renderImport(w, r, http.StatusConflict, im, web.Form{Values: map[string]string{}, Errors: errs})
	})
}
