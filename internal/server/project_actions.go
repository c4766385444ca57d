package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
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
	mid, ok := s.idForm(w, r, "milestoneID")
	if !ok {
		return
	}
	a := actor(r)
	cmd, fields := s.completeCommand(r, a, crm.MilestoneID(mid))
	s.change(w, r, "complete-"+strconv.FormatInt(mid, 10), fields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideComplete(p, c.Defs, cmd, a)
	})
}

func (s *Server) handleUndo(w http.ResponseWriter, r *http.Request) {
	mid, ok := s.idForm(w, r, "milestoneID")
	if !ok {
		return
	}
	a := actor(r)
	cmd := crm.UndoMilestone{Version: version(r), MilestoneID: crm.MilestoneID(mid), Reason: r.PostFormValue("reason")}
	s.change(w, r, "undo-"+strconv.FormatInt(mid, 10), []string{"reason"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideUndo(p, c.Defs, cmd, a)
	})
}

func (s *Server) handleQualify(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	cmd, fields := s.qualifyCommand(r, a)
	s.change(w, r, "qualify", fields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideQualify(p, c.Defs, cmd, a)
	})
}

// qualifyCommand reads a qualify form (the workspace's button, the log
// drawer's time and note): the completion of the qualifying milestone.
func (s *Server) qualifyCommand(r *http.Request, a crm.Actor) (crm.CompleteMilestone, []string) {
	cmd, fields := s.completeCommand(r, a, 0)
	if r.PostFormValue("completed_at") == "" {
		// Now, to the minute as a typed time is: a double submit then
		// repeats the same completion and is recognised as one.
		cmd.At = a.Now.Truncate(time.Minute)
	}
	return cmd, fields
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
	s.change(w, r, "archive", []string{"reason_id", "archive_note"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
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
	s.change(w, r, "defer", []string{"defer_until", "defer_note"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideDefer(p, cmd, a)
	})
}

func (s *Server) handleReactivate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	s.change(w, r, "reactivate", nil, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideReactivate(p, ver, a)
	})
}

func (s *Server) handleReopen(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	s.change(w, r, "reopen", nil, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideReopen(p, ver, a)
	})
}

// handleOwner reassigns the project (managers and admins; a salesperson is
// answered 403: they can see the project, so there is nothing to hide).
func (s *Server) handleOwner(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, ver := actor(r), version(r)
	owner, ok := crm.ParseID(r.PostFormValue("owner_id"))
	if !ok {
		owner = -1
	}
	s.change(w, r, "owner", []string{"owner_id"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideOwner(p, c.Choices.Users, crm.UserID(owner), ver, a)
	})
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
	s.change(w, r, "members", []string{"member_id"}, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideMembers(p, c.Choices.Users, crm.UserID(user), add, ver, a)
	})
}
