package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The log drawer's actions: the milestone status and qualify, without
// opening the workspace. They are the workspace's decisions (DecideStatus is
// the details decision with only the status changed; DecideQualify the same
// command as the workspace's Qualify) through the one write path, so
// validation, the version check and the log entries are the workspace's.
// Only the answer differs: the drawer again (htmx), with a projectChanged
// event that makes the Sales screen reload the project's row, or back to the
// list the log was opened from (303 to "return", with a flash).

func (s *Server) handleLogStatus(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver, status := actor(r), version(r), r.PostFormValue("status_id")
	s.logChange(w, r, "status", []string{"status_id"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideStatus(p, status, ver, c.Choices, a)
	})
}

func (s *Server) handleLogQualify(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	cmd, fields := s.qualifyCommand(r, a)
	s.logChange(w, r, "qualify", fields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, cmd, a)
	})
}

// logChange runs a drawer action and answers: the drawer with a
// confirmation, or 303 to the local path in "return" (else the log page);
// 422 with the input and the messages beside the fields (or, when earlier
// milestones are open, the way to the workspace); 409 when someone
// else changed the project (the form shows the input against the current
// version) or qualified it meanwhile; 404 outside the viewer's projects.
func (s *Server) logChange(w http.ResponseWriter, r *http.Request, action string, fields []string, decide postgres.Decide) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	pid := crm.ProjectID(id)
	ret := r.PostFormValue("return")
	if !localPath(ret) {
		ret = ""
	}
	_, err := s.db.ChangeProject(r.Context(), viewer(r.Context()), pid, decide)
	var already *crm.AlreadyCompletedError
	var earlier *crm.EarlierOpenError
	st := logState{action: action, values: keep(r, fields...)}
	switch {
	case err == nil, errors.Is(err, crm.ErrAlreadyCompleted):
		if isHX(r) {
			// The list behind the drawer reloads the project's row: a
			// status changes its status cell, a qualification its last
			// completed and pending milestones, due date and late marks.
			w.Header().Set("HX-Trigger", `{"projectChanged":{"id":`+strconv.FormatInt(int64(pid), 10)+`}}`)
			s.renderLog(w, r, pid, http.StatusOK, logState{saved: action}, ret, true)
			return
		}
		s.saved(w, r, returnTo(ret, web.ProjectURL(pid)+"/log"), "log.saved."+action)
	case errors.Is(err, crm.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "project.action_forbidden")
	case errors.Is(err, crm.ErrConflict):
		st.problem = "log.problem.conflict"
		s.renderLog(w, r, pid, http.StatusConflict, st, ret, true)
	case errors.As(err, &already):
		st.problem = "log.problem.already"
		s.renderLog(w, r, pid, http.StatusConflict, st, ret, true)
	case errors.As(err, &earlier):
		st.problem = "log.problem.earlier"
		s.renderLog(w, r, pid, http.StatusUnprocessableEntity, st, ret, true)
	case formErrors(err) != nil:
		st.errs = formErrors(err)
		s.renderLog(w, r, pid, http.StatusUnprocessableEntity, st, ret, true)
	default:
		s.handleError(w, r, err)
	}
}
