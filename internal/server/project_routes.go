package server

import "net/http"

// projectRoutes registers the projects workspace, leads, accounts and contacts.
func (s *Server) projectRoutes(route func(method, pattern string, h http.HandlerFunc)) {
	route("GET", "/projects/new", s.handleNewLeadPage)
	route("POST", "/projects/new", s.handleNewLead)
	route("GET", "/projects/{id}", s.handleWorkspace)
	route("POST", "/projects/{id}", s.handleDetails)
	route("POST", "/projects/{id}/milestones/{milestoneID}/complete", s.handleComplete)
	route("POST", "/projects/{id}/milestones/{milestoneID}/undo", s.handleUndo)
	route("GET", "/projects/{id}/log", s.handleLog)
	route("POST", "/projects/{id}/notes", s.handleNote)
	route("POST", "/projects/{id}/qualify", s.handleQualify)
	route("POST", "/projects/{id}/archive", s.handleArchive)
	route("POST", "/projects/{id}/defer", s.handleDefer)
	route("POST", "/projects/{id}/reactivate", s.handleReactivate)
	route("POST", "/projects/{id}/reopen", s.handleReopen)
	route("POST", "/projects/{id}/owner", s.handleOwner)
	route("POST", "/projects/{id}/members", s.handleMembers)
	route("POST", "/projects/{id}/events", s.handleAddEvent)
	route("POST", "/projects/{id}/events/{eventID}", s.handleEditEvent)
	route("POST", "/projects/{id}/events/{eventID}/done", s.handleEventDone)
	route("POST", "/projects/{id}/subtasks", s.handleAddSubtask)
	route("POST", "/projects/{id}/subtasks/{subtaskID}/done", s.handleSubtaskDone)
	route("GET", "/accounts", s.handleAccounts)
	route("GET", "/accounts/new", s.handleNewAccountPage)
	route("POST", "/accounts/new", s.handleSaveAccount)
	route("GET", "/accounts/{id}", s.handleAccount)
	route("POST", "/accounts/{id}", s.handleSaveAccount)
	route("POST", "/accounts/{id}/contacts", s.handleAddContact)
	route("GET", "/contacts/{id}", s.handleContact)
	route("POST", "/contacts/{id}", s.handleSaveContact)
}
