package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// Saved reports: a builder definition kept with a name, private or shared
// with the tenant. A saved report runs with the viewer's visibility; its
// definition is parsed and checked again each time, so one that names
// something deactivated says so and one that was damaged says what to fix.

// savedPath is a saved report's page.
func savedPath(id int64) string { return "/reports/saved/" + strconv.FormatInt(id, 10) }

// handleSavedReport runs a saved report: its stored definition, or, while
// it is being edited, the definition in the URL.
func (s *Server) handleSavedReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	sr, err := s.db.SavedReport(ctx, viewer(ctx), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	def := r.URL.Query()
	if def.Get("kind") == "" {
		def = sr.Definition
	}
	bq := parseBuilderQuery(def, zone(ctx))
	if sr.Damaged {
		bq.Errors["kind"] = "builder.error.tampered"
	}
	s.runSaved(w, r, bq, sr, r.URL.Query().Get("after"), web.Form{})
}

// runSaved renders a saved report with its save form.
func (s *Server) runSaved(w http.ResponseWriter, r *http.Request, bq builderQuery, sr postgres.SavedReport, after string, save web.Form) {
	s.runBuilderWith(w, r, bq, savedPath(sr.ID), after, func(v *web.BuilderView) {
		v.Page.Title = "builder.saved.title"
		v.SavedName, v.SavedID = sr.Name, sr.ID
		v.SavedOwner = sr.OwnerName
		vw := viewer(r.Context())
		if vw.CanEditReport(sr.Owner, sr.Shared) {
			v.SaveURL = savedPath(sr.ID)
			v.DeleteURL = savedPath(sr.ID) + "/delete"
		}
		v.DuplicateURL = savedPath(sr.ID) + "/duplicate"
		if v.CSVURL != "" {
			v.CSVURL = savedPath(sr.ID) + "/report.csv"
			if r.URL.Query().Get("kind") != "" {
				v.CSVURL = "/reports/new.csv?" + bq.encode()
			}
		}
		v.CanShare = vw.CanShareReports()
		if save.Values == nil {
			shared := ""
			if sr.Shared {
				shared = "1"
			}
			save = form(map[string]string{"name": sr.Name, "shared": shared}, nil)
		}
		save.Values["definition"] = bq.encode()
		v.Save = save
	})
}

// handleSavedReportCSV streams a saved report's file.
func (s *Server) handleSavedReportCSV(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	sr, err := s.db.SavedReport(ctx, viewer(ctx), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	bq := parseBuilderQuery(sr.Definition, zone(ctx))
	if sr.Damaged {
		bq.Errors["kind"] = "builder.error.tampered"
	}
	s.builderCSV(w, r, bq)
}

// saveInput reads the save form: the name, sharing and the definition,
// checked like any other.
func (s *Server) saveInput(r *http.Request) (crm.SavedReportForm, builderQuery) {
	def, _ := url.ParseQuery(r.PostForm.Get("definition"))
	return crm.SavedReportForm{Name: r.PostForm.Get("name"), Shared: r.PostForm.Get("shared") == "1"}, parseBuilderQuery(def, zone(r.Context()))
}

// handleSaveReport saves the builder's definition as a new report.
func (s *Server) handleSaveReport(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	vw := viewer(ctx)
	f, bq := s.saveInput(r)
	name, err := vw.ValidateReport(f)
	if err == nil && len(bq.Errors) > 0 {
		err = crm.FieldError("", "builder.error.fix")
	}
	var id int64
	if err == nil {
		id, err = s.db.CreateReport(ctx, vw, name, bq.Kind, bq.definition(), f.Shared)
	}
	s.finish(w, r, err, savedPath(id), "builder.flash.saved", func(errs map[string]string) {
		s.runBuilderWith(w, r, bq, "/reports/new", "", func(v *web.BuilderView) {
			v.Save = form(map[string]string{"name": f.Name, "shared": r.PostForm.Get("shared"), "definition": bq.encode()}, errs)
			v.CanShare = vw.CanShareReports()
			v.SaveURL = "/reports/saved"
		}, http.StatusUnprocessableEntity)
	})
}

// handleUpdateReport renames, re-shares or redefines a saved report (its
// owner, or an admin).
func (s *Server) handleUpdateReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	vw := viewer(ctx)
	f, bq := s.saveInput(r)
	var stored postgres.SavedReport
	err := s.db.ChangeReport(ctx, vw, id, func(sr postgres.SavedReport) (postgres.SavedReport, bool, error) {
		stored = sr
		if !vw.CanEditReport(sr.Owner, sr.Shared) {
			return sr, false, crm.ErrForbidden
		}
		// An admin editing a manager's shared report may keep it shared.
		name, err := vw.ValidateReport(crm.SavedReportForm{Name: f.Name, Shared: f.Shared && !(sr.Shared && vw.Role == crm.RoleAdmin)})
		if err != nil {
			return sr, false, err
		}
		if len(bq.Errors) > 0 {
			return sr, false, crm.FieldError("", "builder.error.fix")
		}
		sr.Name, sr.Kind, sr.Definition, sr.Shared = name, bq.Kind, bq.definition(), f.Shared
		return sr, false, nil
	})
	s.finish(w, r, err, savedPath(id), "builder.flash.saved", func(errs map[string]string) {
		s.runSaved(w, r, bq, stored, "", form(map[string]string{"name": f.Name, "shared": r.PostForm.Get("shared")}, errs))
	})
}

// handleDuplicateReport saves a copy of a report the viewer may run, as
// their own private report.
func (s *Server) handleDuplicateReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	vw := viewer(ctx)
	sr, err := s.db.SavedReport(ctx, vw, id)
	var copyID int64
	if err == nil {
		name := web.T(ctx, "builder.copy_of", sr.Name)
		if len([]rune(name)) > 200 {
			name = string([]rune(name)[:200])
		}
		copyID, err = s.db.CreateReport(ctx, vw, name, sr.Kind, sr.Definition, false)
	}
	s.finish(w, r, err, savedPath(copyID), "builder.flash.duplicated", nil)
}

// handleDeleteReport deletes a saved report (its owner, or an admin).
func (s *Server) handleDeleteReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	ctx := r.Context()
	vw := viewer(ctx)
	err := s.db.ChangeReport(ctx, vw, id, func(sr postgres.SavedReport) (postgres.SavedReport, bool, error) {
		if !vw.CanEditReport(sr.Owner, sr.Shared) {
			return sr, false, crm.ErrForbidden
		}
		return sr, true, nil
	})
	s.finish(w, r, err, "/reports", "builder.flash.deleted", nil)
}

// savedIndexGroups are the reports index's groups of saved reports: the
// shared ones and the viewer's own private ones.
func (s *Server) savedIndexGroups(r *http.Request) []web.ReportGroup {
	ctx := r.Context()
	list, err := s.db.SavedReports(ctx, viewer(ctx))
	if err != nil {
		s.log.Error("saved reports", "err", err, "request_id", requestID(ctx))
		return nil
	}
	shared := web.ReportGroup{Key: "builder.index.shared"}
	mine := web.ReportGroup{Key: "builder.index.mine"}
	for _, sr := range list {
		l := web.ReportLink{Title: sr.Name, Summary: "builder.kind." + sr.Kind, URL: savedPath(sr.ID), Raw: true}
		if sr.Shared {
			shared.Reports = append(shared.Reports, l)
		} else {
			mine.Reports = append(mine.Reports, l)
		}
	}
	var out []web.ReportGroup
	for _, g := range []web.ReportGroup{shared, mine} {
		if len(g.Reports) > 0 {
			out = append(out, g)
		}
	}
	return out
}
