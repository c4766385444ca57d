package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// parseTime reads a datetime-local field in the tenant's zone; an empty
// field is the zero time (the decision reports it).
func parseTime(r *http.Request, name string, loc *time.Location) time.Time {
	t, _ := crm.ParseLocalTime(r.PostFormValue(name), loc)
	return t
}

func (s *Server) completeCommand(r *http.Request, a crm.Actor, mid crm.MilestoneID) (crm.CompleteMilestone, []string) {
	cmd := crm.CompleteMilestone{Version: version(r), MilestoneID: mid, At: parseTime(r, "completed_at", a.Loc),
		Note: r.PostFormValue("note"), Earlier: r.PostFormValue("earlier") == "1", EarlierAt: map[crm.MilestoneID]time.Time{}}
	fields := []string{"completed_at", "note"}
	for k := range r.PostForm {
		if rest, ok := strings.CutPrefix(k, "earlier_at_"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
				cmd.EarlierAt[crm.MilestoneID(id)] = parseTime(r, k, a.Loc)
				fields = append(fields, k)
			}
		}
	}
	return cmd, fields
}

func (s *Server) handleComplete(w http.ResponseWriter, r *http.Request) {
	mid, ok := pathID(r, "milestoneID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	a := actor(r)
	cmd, fields := s.completeCommand(r, a, crm.MilestoneID(mid))
	s.change(w, r, "complete-"+strconv.FormatInt(mid, 10), fields, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideComplete(p, c.Defs, cmd, a)
	})
}

func (s *Server) handleUndo(w http.ResponseWriter, r *http.Request) {
	mid, ok := pathID(r, "milestoneID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	a := actor(r)
	cmd := crm.UndoMilestone{Version: version(r), MilestoneID: crm.MilestoneID(mid), Reason: r.PostFormValue("reason")}
	s.change(w, r, "undo-"+strconv.FormatInt(mid, 10), []string{"reason"}, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideUndo(p, c.Defs, cmd, a)
	})
}

func (s *Server) handleQualify(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	cmd, fields := s.completeCommand(r, a, 0)
	if r.PostFormValue("completed_at") == "" {
		cmd.At = a.Now
	}
	s.change(w, r, "qualify", fields, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, cmd, a)
	})
}

func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	reason, ok := crm.ParseID(r.PostFormValue("reason_id"))
	if !ok {
		reason = -1
	}
	cmd := crm.Archive{Version: version(r), ReasonID: reason, Note: r.PostFormValue("archive_note")}
	s.change(w, r, "archive", []string{"reason_id", "archive_note"}, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideArchive(p, c.Choices.Reasons, cmd, a)
	})
}

func (s *Server) handleDefer(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	until, _ := crm.ParseDate(r.PostFormValue("defer_until"))
	cmd := crm.Defer{Version: version(r), Until: until, Note: r.PostFormValue("defer_note")}
	s.change(w, r, "defer", []string{"defer_until", "defer_note"}, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideDefer(p, cmd, a)
	})
}

func (s *Server) handleReactivate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	s.change(w, r, "reactivate", nil, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideReactivate(p, ver, a)
	})
}

func (s *Server) handleReopen(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	s.change(w, r, "reopen", nil, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideReopen(p, ver, a)
	})
}

// handleOwner reassigns the project. A salesperson handing a project to
// someone else is refused with 403 (they can see the project, so there is
// nothing to hide).
func (s *Server) handleOwner(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	owner, ok := crm.ParseID(r.PostFormValue("owner_id"))
	if !ok {
		owner = -1
	}
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	_, err := s.db.ChangeProject(r.Context(), a.Viewer, crm.ProjectID(id), func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideOwner(p, c.Choices.Users, crm.UserID(owner), ver, a)
	})
	if errors.Is(err, crm.ErrForbidden) {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "project.reassign_forbidden")
		return
	}
	s.answer(w, r, crm.ProjectID(id), "owner", []string{"owner_id"}, err)
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	user, ok := crm.ParseID(r.PostFormValue("member_id"))
	if !ok {
		user = -1
	}
	add := r.PostFormValue("remove") != "1"
	s.change(w, r, "members", []string{"member_id"}, func(p crm.Project, c postgres.Context) (crm.Change, error) {
		return crm.DecideMembers(p, c.Choices.Users, crm.UserID(user), add, ver, a)
	})
}

// handleLog is the project log; with HX-Request only the fragment (entries
// and the add-note form), as the Sales screen's log drawer loads it.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	ret := r.URL.Query().Get("return")
	if !localPath(ret) {
		ret = "" // the note form does not carry a foreign target along (handleNote checks it again)
	}
	s.renderLog(w, r, crm.ProjectID(id), http.StatusOK, web.Form{}, ret, true)
}

// renderLog writes the log page, or with HX-Request the log fragment, in the
// drawer's frame (title and close button) when drawer is set.
func (s *Server) renderLog(w http.ResponseWriter, r *http.Request, id crm.ProjectID, status int, f web.Form, ret string, drawer bool) {
	p, log, names, defs, err := s.db.ProjectLog(r.Context(), viewer(r.Context()), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	lv := s.logView(r, id, log, len(log) >= postgres.LogLimit, defs, names, f)
	lv.Return = ret
	if isHX(r) && drawer {
		s.render(w, r, status, web.LogDrawer(p.Title, lv))
		return
	}
	if isHX(r) {
		s.render(w, r, status, web.LogFragment(lv))
		return
	}
	s.render(w, r, status, web.LogPage(web.LogPageView{Page: s.page(r, "log.title", ""), Title: p.Title, Log: lv}))
}

// handleNote adds a note. With HX-Request it answers with the log fragment;
// otherwise 303 to the local path in "return", else the workspace.
func (s *Server) handleNote(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	pid := crm.ProjectID(id)
	ret := r.PostFormValue("return")
	e, err := crm.NoteLog(pid, r.PostFormValue("body"), actor(r))
	if err == nil {
		err = s.db.AddNote(r.Context(), viewer(r.Context()), pid, e)
	}
	if errs := formErrors(err); errs != nil {
		f := web.Form{Values: keep(r, "body"), Errors: errs}
		if isHX(r) {
			s.renderLog(w, r, pid, http.StatusUnprocessableEntity, f, ret, false)
			return
		}
		s.renderWorkspace(w, r, pid, http.StatusUnprocessableEntity, wsState{values: f.Values, errs: errs, action: "note"})
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if isHX(r) {
		s.renderLog(w, r, pid, http.StatusOK, web.Form{}, ret, false)
		return
	}
	target := web.ProjectURL(pid)
	if ret != "" && safeNext(ret) == ret {
		target = ret
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// items runs an event or subtask change and answers like change.
func (s *Server) items(w http.ResponseWriter, r *http.Request, action string, fields []string, validate func(postgres.Context) error, run func() error) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	pid := crm.ProjectID(id)
	var err error
	if validate != nil {
		var c postgres.Context
		c, err = s.db.DecisionContext(r.Context(), viewer(r.Context()).TenantID)
		if err == nil {
			err = validate(c)
		}
	}
	if err == nil {
		err = run()
	}
	switch {
	case err == nil:
		if isHX(r) {
			s.renderWorkspace(w, r, pid, http.StatusOK, wsState{})
			return
		}
		http.Redirect(w, r, web.ProjectURL(pid), http.StatusSeeOther)
	case formErrors(err) != nil:
		s.renderWorkspace(w, r, pid, http.StatusUnprocessableEntity, wsState{values: keep(r, fields...), errs: formErrors(err), action: action})
	default:
		s.handleError(w, r, err)
	}
}

var eventFields = []string{"event_title", "event_starts_at", "event_owner_id"}

func (s *Server) handleAddEvent(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	id, _ := pathID(r, "id")
	var ev crm.Event
	s.items(w, r, "event", eventFields, func(c postgres.Context) (err error) {
		ev, err = crm.ValidateEvent(crm.EventForm{Title: r.PostFormValue("event_title"), OwnerID: r.PostFormValue("event_owner_id"),
			StartsAt: r.PostFormValue("event_starts_at")}, c.Choices, a)
		return err
	}, func() error { return s.db.AddEvent(r.Context(), a.Viewer, crm.ProjectID(id), ev, a.Now) })
}

func (s *Server) handleEditEvent(w http.ResponseWriter, r *http.Request) {
	eid, ok := pathID(r, "eventID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	a := actor(r)
	id, _ := pathID(r, "id")
	var ev crm.Event
	s.items(w, r, "event-"+strconv.FormatInt(eid, 10), eventFields, func(c postgres.Context) (err error) {
		ev, err = crm.ValidateEvent(crm.EventForm{Title: r.PostFormValue("event_title"), OwnerID: r.PostFormValue("event_owner_id"),
			StartsAt: r.PostFormValue("event_starts_at")}, c.Choices, a)
		ev.ID = eid
		return err
	}, func() error { return s.db.UpdateEvent(r.Context(), a.Viewer, crm.ProjectID(id), ev, nil, a.Now) })
}

func (s *Server) handleEventDone(w http.ResponseWriter, r *http.Request) {
	eid, ok := pathID(r, "eventID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	a := actor(r)
	id, _ := pathID(r, "id")
	done := r.PostFormValue("done") != "0"
	s.items(w, r, "", nil, nil, func() error {
		return s.db.UpdateEvent(r.Context(), a.Viewer, crm.ProjectID(id), crm.Event{ID: eid}, &done, a.Now)
	})
}

var subtaskFields = []string{"subtask_title", "subtask_milestone_id", "subtask_assignee_id", "subtask_due"}

func (s *Server) handleAddSubtask(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	id, _ := pathID(r, "id")
	var st crm.Subtask
	s.items(w, r, "subtask", subtaskFields, func(c postgres.Context) (err error) {
		st, err = crm.ValidateSubtask(crm.SubtaskForm{Title: r.PostFormValue("subtask_title"), MilestoneID: r.PostFormValue("subtask_milestone_id"),
			AssigneeID: r.PostFormValue("subtask_assignee_id"), Due: r.PostFormValue("subtask_due")}, c.Defs, c.Choices, a)
		return err
	}, func() error { return s.db.AddSubtask(r.Context(), a.Viewer, crm.ProjectID(id), st, a.Now) })
}

func (s *Server) handleSubtaskDone(w http.ResponseWriter, r *http.Request) {
	sid, ok := pathID(r, "subtaskID")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	a := actor(r)
	id, _ := pathID(r, "id")
	done := r.PostFormValue("done") != "0"
	s.items(w, r, "", nil, nil, func() error {
		return s.db.SetSubtaskDone(r.Context(), a.Viewer, crm.ProjectID(id), sid, done, a.Now)
	})
}
