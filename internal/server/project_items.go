package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
)

var eventFields = []string{"event_title", "event_starts_at", "event_owner_id"}

func eventForm(r *http.Request) crm.EventForm {
	return crm.EventForm{Title: r.PostFormValue("event_title"), OwnerID: r.PostFormValue("event_owner_id"),
		StartsAt: r.PostFormValue("event_starts_at")}
}

func (s *Server) handleAddEvent(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a, in := actor(r), eventForm(r)
	s.change(w, r, "event", eventFields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideAddEvent(p, in, c.Choices, a)
	})
}

func (s *Server) handleEditEvent(w http.ResponseWriter, r *http.Request) {
	eid, ok := s.idForm(w, r, "eventID")
	if !ok {
		return
	}
	a, in := actor(r), eventForm(r)
	s.change(w, r, "event-"+strconv.FormatInt(eid, 10), eventFields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideEditEvent(p, eid, in, c.Choices, a)
	})
}

func (s *Server) handleEventDone(w http.ResponseWriter, r *http.Request) {
	eid, ok := s.idForm(w, r, "eventID")
	if !ok {
		return
	}
	a, done := actor(r), r.PostFormValue("done") != "0"
	s.change(w, r, "", nil, func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideEventDone(p, eid, done, a)
	})
}

var subtaskFields = []string{"subtask_title", "subtask_milestone_id", "subtask_assignee_id", "subtask_due"}

func (s *Server) handleAddSubtask(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	in := crm.SubtaskForm{Title: r.PostFormValue("subtask_title"), MilestoneID: r.PostFormValue("subtask_milestone_id"),
		AssigneeID: r.PostFormValue("subtask_assignee_id"), Due: r.PostFormValue("subtask_due")}
	s.change(w, r, "subtask", subtaskFields, func(p crm.Project, c crm.Setup) (crm.Change, error) {
		return crm.DecideAddSubtask(p, c.Defs, in, c.Choices, a)
	})
}

func (s *Server) handleSubtaskDone(w http.ResponseWriter, r *http.Request) {
	sid, ok := s.idForm(w, r, "subtaskID")
	if !ok {
		return
	}
	a, done := actor(r), r.PostFormValue("done") != "0"
	s.change(w, r, "", nil, func(p crm.Project, _ crm.Setup) (crm.Change, error) {
		return crm.DecideSubtaskDone(p, sid, done, a)
	})
}
