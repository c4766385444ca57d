package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// How long links stay valid.
const (
	invitationTTL = 7 * 24 * time.Hour
	resetTTL      = 24 * time.Hour
)

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, f web.Form) {
	us, err := s.db.Users(r.Context(), tenantOf(r))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if f.Values == nil {
		f.Values = map[string]string{"role": string(crm.RoleSales)}
	}
	v := web.UsersView{AdminPage: s.adminPage(r, "admin.users.title", "admin.tab.users"), Users: us, Form: f}
	s.render(w, r, status, web.UsersPage(v))
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, web.Form{})
}

// newLink makes a single-use link token for the tenant: "<tenant>.<random>",
// so the link finds its tenant; only the hash of the random part is stored.
func newLink(tenant crm.TenantID) (token string, hash []byte) {
	t, h := auth.NewToken()
	return strconv.FormatInt(int64(tenant), 10) + "." + t, h
}

// parseLink splits a link token; ok is false when it cannot be one of ours.
func parseLink(token string) (crm.TenantID, []byte, bool) {
	tenant, secret, found := strings.Cut(token, ".")
	id, err := strconv.ParseInt(tenant, 10, 64)
	if !found || err != nil || id <= 0 || len(secret) < 20 || len(secret) > 100 {
		return 0, nil, false
	}
	return crm.TenantID(id), auth.HashToken(secret), true
}

func (s *Server) linkURL(r *http.Request, kind, token string) string {
	base := s.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || s.cfg.SecureCookies {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	path := "/invite/"
	if kind == postgres.TokenPasswordReset {
		path = "/reset/"
	}
	return strings.TrimSuffix(base, "/") + path + token
}

// mailLink sends a link when mail is configured; it reports whether it was sent.
func (s *Server) mailLink(r *http.Request, to, kind, link string) bool {
	if s.cfg.Mailer == nil {
		return false
	}
	who := identity(r.Context())
	subject := web.T(r.Context(), "admin.mail."+kind+".subject", who.Tenant.Name)
	body := web.T(r.Context(), "admin.mail."+kind+".body", who.User.Name, who.Tenant.Name, link)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := s.cfg.Mailer.Send(ctx, to, subject, body); err != nil {
		s.log.Warn("send mail", "err", err, "kind", kind, "request_id", requestID(r.Context()))
		return false
	}
	return true
}

// handleAdminInvite adds a user and shows the invitation link once (the page
// is rendered, not redirected to, so the link is never stored anywhere but
// as a hash).
func (s *Server) handleAdminInvite(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "email", "role")
	in, err := crm.Invitation{Email: r.PostFormValue("email"), Role: crm.Role(r.PostFormValue("role"))}.Validate()
	token, hash := newLink(tenantOf(r))
	var u crm.User
	if err == nil {
		u, err = s.db.Invite(r.Context(), tenantOf(r), actorID(r), in, hash, time.Now().Add(invitationTTL))
	}
	if errs := formErrors(err); errs != nil {
		s.renderUsers(w, r, http.StatusUnprocessableEntity, form(values, errs))
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.renderUser(w, r, http.StatusOK, u.ID, web.Form{}, token, postgres.TokenInvitation)
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, status int, id crm.UserID, f web.Form, token, kind string) {
	u, err := s.db.TeamMember(r.Context(), tenantOf(r), id)
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if f.Values == nil {
		f.Values = map[string]string{"role": string(u.Role)}
	}
	v := web.UserView{AdminPage: s.adminPage(r, "admin.users.title", "admin.tab.users"), User: u, Form: f}
	if token != "" {
		v.Link, v.LinkKind = s.linkURL(r, kind, token), kind
		v.Mailed = s.mailLink(r, u.Email, kind, v.Link)
	}
	s.render(w, r, status, web.UserPage(v))
}

func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	s.renderUser(w, r, http.StatusOK, crm.UserID(id), web.Form{}, "", "")
}

func (s *Server) handleAdminUserRole(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idForm(w, r, "id")
	if !ok {
		return
	}
	err := s.db.ChangeRole(r.Context(), tenantOf(r), actorID(r), crm.UserID(id), crm.Role(r.PostFormValue("role")))
	s.finish(w, r, err, "/admin/users/"+strconv.FormatInt(id, 10), "admin.users.saved", func(errs map[string]string) {
		s.renderUser(w, r, http.StatusUnprocessableEntity, crm.UserID(id), form(keep(r, "role"), errs), "", "")
	})
}

func (s *Server) handleAdminUserActive(w http.ResponseWriter, r *http.Request) {
	id, active, ok := s.activeForm(w, r)
	if !ok {
		return
	}
	err := s.db.SetUserActive(r.Context(), tenantOf(r), actorID(r), crm.UserID(id), active)
	s.finish(w, r, err, "/admin/users/"+strconv.FormatInt(id, 10), "admin.users.saved", func(errs map[string]string) {
		s.renderUser(w, r, http.StatusUnprocessableEntity, crm.UserID(id), web.Form{Errors: map[string]string{"": formMessage(errs)}}, "", "")
	})
}

// handleAdminUserLink issues a new invitation link (not yet accepted) or a
// password-reset link (active user) and shows it once.
func (s *Server) handleAdminUserLink(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r, "id")
	if !ok {
		return
	}
	u, err := s.db.TeamMember(r.Context(), tenantOf(r), crm.UserID(id))
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	kind, ttl := postgres.TokenPasswordReset, resetTTL
	if u.Invited {
		kind, ttl = postgres.TokenInvitation, invitationTTL
	}
	token, hash := newLink(tenantOf(r))
	_, err = s.db.NewUserToken(r.Context(), tenantOf(r), actorID(r), u.ID, kind, hash, time.Now().Add(ttl))
	if errs := formErrors(err); errs != nil {
		s.renderUser(w, r, http.StatusUnprocessableEntity, u.ID, web.Form{Errors: map[string]string{"": formMessage(errs)}}, "", "")
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.renderUser(w, r, http.StatusOK, u.ID, web.Form{}, token, kind)
}
