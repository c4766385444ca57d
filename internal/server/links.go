package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// Invitation and password-reset links: /invite/{token} and /reset/{token}.
// A link works once, until it expires; an unknown, used or expired link gets
// the same 404 page.

func linkKind(r *http.Request) string {
	if chi.RouteContext(r.Context()).RoutePattern() == "/reset/{token}" {
		return postgres.TokenPasswordReset
	}
	return postgres.TokenInvitation
}

func (s *Server) linkInvalid(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "invite.invalid_title", crm.MsgTokenInvalid)
}

func (s *Server) renderToken(w http.ResponseWriter, r *http.Request, status int, kind string, u crm.User, f web.Form) {
	v := web.TokenView{Page: s.page(r, "invite.title."+kind, ""), Kind: kind, Email: u.Email, Form: f}
	s.render(w, r, status, web.TokenPage(v))
}

func (s *Server) handleLinkPage(w http.ResponseWriter, r *http.Request) {
	kind := linkKind(r)
	tenant, hash, ok := parseLink(chi.URLParam(r, "token"))
	if !ok {
		s.linkInvalid(w, r)
		return
	}
	u, err := s.db.TokenUser(r.Context(), tenant, kind, hash)
	if errors.Is(err, crm.ErrNotFound) {
		s.linkInvalid(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderToken(w, r, http.StatusOK, kind, u, web.Form{})
}

// handleLink redeems a link: the invitee chooses a name and password (or the
// user a new password), and is signed in.
func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	kind := linkKind(r)
	tenant, hash, ok := parseLink(chi.URLParam(r, "token"))
	if !ok {
		s.linkInvalid(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	u, err := s.db.TokenUser(ctx, tenant, kind, hash)
	if errors.Is(err, crm.ErrNotFound) {
		s.linkInvalid(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var v crm.Validator
	name := ""
	if kind == postgres.TokenInvitation {
		name = v.CheckLine("name", r.PostFormValue("name"), true, crm.MaxName)
	}
	if err := crm.NewPassword(r.PostFormValue("password"), r.PostFormValue("confirm")); err != nil {
		for f, m := range formErrors(err) {
			v.Add(f, m)
		}
	}
	if err := v.Err(); err != nil {
		s.renderToken(w, r, http.StatusUnprocessableEntity, kind, u, form(keep(r, "name"), formErrors(err)))
		return
	}
	hashed, err := s.hasher.Hash(ctx, r.PostFormValue("password"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u, epoch, err := s.db.UseToken(ctx, tenant, kind, hash, name, hashed)
	if errors.Is(err, crm.ErrNotFound) {
		s.linkInvalid(w, r) // used by a concurrent request a moment ago
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(r, u, epoch, "invite.done."+kind); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
