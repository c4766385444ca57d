package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// pickList reads the {list} path parameter; an unknown list is a 404.
func (s *Server) pickList(w http.ResponseWriter, r *http.Request) (crm.PickList, bool) {
	l := crm.PickList(chi.URLParam(r, "list"))
	if !l.Valid() {
		s.notFound(w, r)
		return "", false
	}
	return l, true
}

func (s *Server) renderPickList(w http.ResponseWriter, r *http.Request, status int, l crm.PickList, add, rename web.Form, editing int64) {
	vs, err := s.db.PickValues(r.Context(), tenantOf(r), l)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := web.PickListView{AdminPage: s.adminPage(r, "admin.list."+string(l), "admin.tab."+string(l)),
		List: l, Values: vs, Form: add, Rename: rename, Editing: editing}
	s.render(w, r, status, web.PickListPage(v))
}

func (s *Server) handleAdminList(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok {
		return
	}
	s.renderPickList(w, r, http.StatusOK, l, web.Form{}, web.Form{}, 0)
}

func (s *Server) handleAdminListAdd(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	values := keep(r, "new_name")
	name, err := crm.CheckPickName(r.PostFormValue("new_name"))
	if err == nil {
		_, err = s.db.AddPickValue(r.Context(), tenantOf(r), actorID(r), l, name)
	}
	s.finish(w, r, err, "/admin/lists/"+string(l), "admin.list.saved", func(errs map[string]string) {
		s.renderPickList(w, r, http.StatusUnprocessableEntity, l, form(values, map[string]string{"new_name": errs["name"]}), web.Form{}, 0)
	})
}

func (s *Server) handleAdminListRename(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok {
		return
	}
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	name, err := crm.CheckPickName(r.PostFormValue("name"))
	if err == nil {
		err = s.db.RenamePickValue(r.Context(), tenantOf(r), actorID(r), l, id, name)
	}
	s.finish(w, r, err, "/admin/lists/"+string(l), "admin.list.saved", func(errs map[string]string) {
		s.renderPickList(w, r, http.StatusUnprocessableEntity, l, web.Form{}, form(keep(r, "name"), errs), id)
	})
}

func (s *Server) listAction(w http.ResponseWriter, r *http.Request, l crm.PickList, err error) {
	s.finishInPlace(w, r, err, "/admin/lists/"+string(l), "admin.list.saved", func(errs map[string]string) {
		s.renderPickList(w, r, http.StatusUnprocessableEntity, l, web.Form{}, web.Form{Errors: map[string]string{"": formMessage(errs)}}, 0)
	})
}

func (s *Server) handleAdminListMove(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok {
		return
	}
	id, delta, ok := s.moveForm(w, r)
	if !ok {
		return
	}
	s.listAction(w, r, l, s.db.MovePickValue(r.Context(), tenantOf(r), actorID(r), l, id, delta))
}

func (s *Server) handleAdminListActive(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok {
		return
	}
	id, active, ok := s.activeForm(w, r)
	if !ok {
		return
	}
	s.listAction(w, r, l, s.db.SetPickValueActive(r.Context(), tenantOf(r), actorID(r), l, id, active))
}

func (s *Server) handleAdminListOrder(w http.ResponseWriter, r *http.Request) {
	l, ok := s.pickList(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	order, ok := parseOrder(r)
	if !ok {
		s.badRequest(w, r)
		return
	}
	s.listAction(w, r, l, s.db.ReorderPickValues(r.Context(), tenantOf(r), actorID(r), l, order))
}
